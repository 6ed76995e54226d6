"""Every flag shared by several commands, defined once as an ``Annotated`` alias.

A command declares ``label_col: LabelCol = None``; the flag's name, help and
panel live here, so that two commands cannot describe one flag differently.
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer

from clfdiag.limits import MAX_BINS, MAX_TOP


class Format(str, Enum):
    """Output formats."""

    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"
    html = "html"


LabelCol = Annotated[str | None, typer.Option("--label-col", help="Column of true labels.",
                                              rich_help_panel="Columns")]
ProbCol = Annotated[list[str] | None, typer.Option(
    "--prob-col", help="Probability column; repeat once per class for multiclass.",
    rich_help_panel="Columns")]
IdCol = Annotated[str | None, typer.Option("--id-col", help="Column of example ids.",
                                           rich_help_panel="Columns")]
Positive = Annotated[str | None, typer.Option(
    "--positive", help="Label of the positive class (binary), when not 1/0, true/false, yes/no.",
    rich_help_panel="Columns")]
Logits = Annotated[bool, typer.Option(
    "--logits", help="Values are raw scores: apply sigmoid (one column) or softmax.",
    rich_help_panel="Input")]
Renormalize = Annotated[bool, typer.Option(
    "--renormalize", help="Divide each row of class probabilities by its sum.",
    rich_help_panel="Input")]
PredCol = Annotated[str | None, typer.Option(
    "--pred-col", help="Column of predicted classes (hard predictions), when there is no "
    "probability column.", rich_help_panel="Columns")]
LabelsFile = Annotated[str | None, typer.Option(
    "--labels", metavar="FILE", help="Read the true labels from FILE, joined by id (or by row "
    "position when neither file has ids and the row counts match).", rich_help_panel="Columns")]
WeightCol = Annotated[str | None, typer.Option(
    "--weight-col", metavar="NAME", help="Column of sample weights: every metric is weighted "
    "(scikit-learn's sample_weight); the tests and intervals that need a count are left out.",
    rich_help_panel="Columns")]
Percent = Annotated[bool, typer.Option(
    "--percent", help="Values are percentages in [0, 100]: divide by 100.",
    rich_help_panel="Input")]
Scores = Annotated[bool, typer.Option(
    "--scores", help="Values are real-valued scores (higher = more positive), not "
    "probabilities.", rich_help_panel="Input")]
DropInvalid = Annotated[bool, typer.Option(
    "--drop-invalid", help="Drop unusable rows (counted and reported) instead of failing.",
    rich_help_panel="Input")]
AllowPartial = Annotated[bool, typer.Option(
    "--allow-partial", help="Keep the examples every file holds with the same label; report "
    "the rest.", rich_help_panel="Input")]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format.",
                                           rich_help_panel="Output")]
OutputOpt = Annotated[str | None, typer.Option(
    "--output", "-o", help="Write the report to this file (atomically) instead of stdout.",
    rich_help_panel="Output")]
PlotOpt = Annotated[str | None, typer.Option(
    "--plot", metavar="DIR", help="Write the figures as PNG and SVG into DIR "
    "(needs clfdiag\\[plot]).", rich_help_panel="Output")]
FailUnder = Annotated[list[str] | None, typer.Option(
    "--fail-under", metavar="METRIC=VALUE", help="Exit 1 if METRIC < VALUE. Repeatable.",
    rich_help_panel="Gates")]
FailOver = Annotated[list[str] | None, typer.Option(
    "--fail-over", metavar="METRIC=VALUE", help="Exit 1 if METRIC > VALUE. Repeatable.",
    rich_help_panel="Gates")]
Junit = Annotated[str | None, typer.Option(
    "--junit", metavar="FILE", help="Write the gates as JUnit XML test cases.",
    rich_help_panel="Gates")]
FailOn = Annotated[list[str] | None, typer.Option(
    "--fail-on", metavar="CONDITION",
    help="Exit 1 on: loss-up-accuracy-up, regression. Repeatable.", rich_help_panel="Gates")]
Alpha = Annotated[float, typer.Option(
    help="Significance level of the tests (--fail-on regression, --significant).", min=0.0, max=1.0,
    rich_help_panel="Statistics")]
MinLossDelta = Annotated[float, typer.Option(
    help="Loss must rise by more than this to count as up.", min=0.0,
    rich_help_panel="Statistics")]
MinAccuracyDelta = Annotated[float, typer.Option(
    help="Accuracy must rise by more than this to count as up.", min=0.0,
    rich_help_panel="Statistics")]
Threshold = Annotated[float | None, typer.Option(
    help="Predict positive iff p >= threshold (binary probabilities only)  \\[default: 0.5]",
    min=0.0, max=1.0, show_default=False)]
ThresholdRule = Annotated[str | None, typer.Option(
    "--threshold", metavar="T|RULE",
    help="Predict positive iff score >= T (binary only; default 0.5 for probabilities, none "
    "for --scores), or choose T by a rule: youden, f1, fbeta:B, mcc, cost:R (a false negative "
    "costs R false positives), cost:FN/FP.", show_default=False)]
ScoreThreshold = Annotated[float | None, typer.Option(
    "--threshold", help="Predict positive iff score >= threshold (binary only; default 0.5 "
    "for probabilities, none for --scores).", show_default=False)]
MinConfidence = Annotated[float, typer.Option(
    help="An error at or above this confidence is overconfident.", min=0.0, max=1.0)]
Top = Annotated[int, typer.Option(help=f"How many examples to list, 0 to {MAX_TOP:,}.")]
Bins = Annotated[int, typer.Option(
    help=f"Calibration bins (equal width), 1 to {MAX_BINS:,}.")]
By = Annotated[list[str] | None, typer.Option(
    "--by", metavar="COLUMN", help="Report the metrics per group of COLUMN, beside the "
    "predictions; repeat to cross columns.", rich_help_panel="Slices")]
MinGroup = Annotated[int, typer.Option(
    "--min-group", help="Groups smaller than this are reported but not tested.", min=1,
    rich_help_panel="Slices")]


class EngineChoice(str, Enum):
    """Where ``evaluate`` folds the data."""

    local = "local"
    dask = "dask"


class SliceMetricChoice(str, Enum):
    """Metrics a group can be tested on against the rest."""

    accuracy = "accuracy"
    roc_auc = "roc_auc"


SliceMetricOpt = Annotated[SliceMetricChoice, typer.Option(
    "--slice-metric", help="Test each group's accuracy (any task) or ROC AUC (binary scores) "
    "against the rest's.", rich_help_panel="Slices")]
SliceAlpha = Annotated[float, typer.Option(
    "--alpha", help="Family-wise error rate of the per-group tests (Holm).", min=0.0, max=1.0,
    rich_help_panel="Slices")]
