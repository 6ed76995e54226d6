"""Every flag shared by several commands, defined once as an ``Annotated`` alias.

A command declares ``label_col: LabelCol = None``; the flag's name, help and
panel live here, so that two commands cannot describe one flag differently.
The flags that say how to read a predictions file are added to a command as one
block by :func:`reads_predictions`, which hands the command one ``ReadOptions``;
those of where the report goes and of its gates by :func:`delivers`, as one
:class:`Delivery`; those of the loss-up/accuracy-up scan by :func:`scans`, as one
:class:`ScanKeywords`.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Annotated, Any, TypedDict

import typer

from clfdiag.limits import MAX_BINS, MAX_TOP


class Format(str, Enum):
    """Output formats."""

    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"
    html = "html"


def _input_switch(flag: str, help: str) -> Any:
    """A flag of the help's Input panel that is on or off (its type, for a signature)."""
    return Annotated[bool, typer.Option(flag, help=help, rich_help_panel="Input")]


ColumnOption = functools.partial(typer.Option, rich_help_panel="Columns")
"""An option of the help's Columns panel: which column holds what."""

LabelCol = Annotated[str | None, ColumnOption("--label-col", help="Column of true labels.")]
ProbCol = Annotated[list[str] | None, ColumnOption(
    "--prob-col", help="Probability column; repeat once per class for multiclass.")]
IdCol = Annotated[str | None, ColumnOption("--id-col", help="Column of example ids.")]
Positive = Annotated[str | None, ColumnOption(
    "--positive", help="Label of the positive class (binary), when not 1/0, true/false, yes/no.")]
Logits = _input_switch(
    "--logits", "Values are raw scores: apply sigmoid (one column) or softmax.")
Renormalize = _input_switch(
    "--renormalize", "Divide each row of class probabilities by its sum.")
PredCol = Annotated[str | None, ColumnOption(
    "--pred-col", help="Column of predicted classes (hard predictions), when there is no "
    "probability column.")]
LabelsFile = Annotated[str | None, ColumnOption(
    "--labels", metavar="FILE", help="Read the true labels from FILE, joined by id (or by row "
    "position when neither file has ids and the row counts match).")]
WeightCol = Annotated[str | None, ColumnOption(
    "--weight-col", metavar="NAME", help="Column of sample weights: every metric is weighted "
    "(scikit-learn's sample_weight); the tests and intervals that need a count are left out.")]
ConfidenceOfPredicted = _input_switch(
    "--confidence-of-predicted", "The one score column is the confidence of the predicted "
    "class (beside a column of predicted classes), not P(positive): converted to P(positive) "
    "= c where the prediction is positive, 1 - c elsewhere (binary).")
Classes = Annotated[str | None, ColumnOption(
    "--classes", metavar="A,B", help="The classes that exist, comma-separated (e.g. 0,1), when "
    "the labels may hold only one of them; the positive class is chosen as without it.")]
NoHeader = _input_switch(
    "--no-header", "The file has no header line: name columns by their 0-based position "
    "(--label-col 0 --prob-col 1).")
Percent = _input_switch("--percent", "Values are percentages in [0, 100]: divide by 100.")
Scores = _input_switch(
    "--scores", "Values are real-valued scores (higher = more positive), not probabilities.")
DropInvalid = _input_switch(
    "--drop-invalid", "Drop unusable rows (counted and reported) instead of failing.")
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
FORMATS_READ = "CSV, TSV, JSON Lines, Parquet or Arrow, optionally .gz/.bz2/.xz/.zip"
"""The formats of a predictions file, as the help of a FILE argument names them."""

OUTPUT_FLAGS: tuple[tuple[str, Any, Any], ...] = (
    ("output_format", FormatOpt, Format.table),
    ("output", OutputOpt, None),
    ("plot", PlotOpt, None),
)
"""The flags of where the report goes, in the order the help lists them."""
JUNIT_FLAGS: tuple[tuple[str, Any, Any], ...] = (("junit", Junit, None),)
"""The flag that writes the gates as JUnit XML, listed after the gates."""
ScanMetric = Annotated[str | None, typer.Option(
    "--metric", metavar="NAME", help="Metric that takes accuracy's place in the "
    "loss-up/accuracy-up flag: any metric of evaluate that is better when higher "
    "(roc_auc, f1, ...; default accuracy); multi-label files: subset_accuracy (default), "
    "label_accuracy or f1_micro.", show_default=False, rich_help_panel="Statistics")]
FailOn = Annotated[list[str] | None, typer.Option(
    "--fail-on", metavar="CONDITION",
    help="Exit 1 on: loss-up-accuracy-up, regression. Repeatable.", rich_help_panel="Gates")]
Alpha = Annotated[float, typer.Option(
    help="Significance level of the tests: of --fail-on regression, of which rises are "
    "significant and, with three or more files, of which models are not significantly worse "
    "than the best.", min=0.0, max=1.0,
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
    "for --scores), or choose T by a rule: youden, closest-topleft, f1, fbeta:B, mcc, accuracy, "
    "balanced-accuracy, net-benefit:PT, cost:R (a false negative costs R false positives), "
    "cost:FN/FP.", show_default=False)]
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

FairnessReference = Annotated[str, typer.Option(
    "--fairness-reference", metavar="[between-groups|to-overall]",
    help="Disparities between groups (max - min, min / max) or of each group to the overall "
    "value (Fairlearn's method); underscores accepted.", rich_help_panel="Fairness")]
FairnessAgg = Annotated[str, typer.Option(
    "--fairness-agg", metavar="[worst-case|mean]",
    help="Equalized odds: the worse of the TPR and FPR parts, or their mean (Fairlearn's "
    "agg); underscores accepted.", rich_help_panel="Fairness")]
FairnessBootstrap = Annotated[int, typer.Option(
    "--fairness-bootstrap", metavar="N",
    help="Group-stratified resamples for the disparities' 95% intervals (in memory; 0: "
    "none); seeded by --seed.", min=0, rich_help_panel="Fairness")]
MaxDisparity = Annotated[float | None, typer.Option(
    "--max-disparity", metavar="X", help="With --fail-on disparity: the largest difference "
    "(or, for a *_ratio metric, the smallest ratio) that passes.", rich_help_panel="Gates")]
DisparityMetric = Annotated[str, typer.Option(
    "--disparity-metric", metavar="NAME", help="The disparity --fail-on disparity checks: "
    "demographic_parity_difference|_ratio, equalized_odds_difference|_ratio, "
    "equal_opportunity_difference|_ratio.", rich_help_panel="Gates")]

Multilabel = Annotated[bool, typer.Option(
    "--multilabel", help="Read the file as multi-label: several true labels per row, one "
    "probability per label (found by content without this flag in the three shapes of "
    "docs/multilabel.md).", rich_help_panel="Multi-label")]
LabelCols = Annotated[list[str] | None, typer.Option(
    "--label-cols", metavar="COLUMN|PREFIX", help="Multi-label: the 0/1 indicator columns of "
    "the true labels, repeated once per label, or one prefix such as y_.",
    rich_help_panel="Multi-label")]
LabelList = Annotated[str | None, typer.Option(
    "--label-list", metavar="COLUMN", help="Multi-label: a column holding each row's true "
    "labels, as names split on --list-sep or a Python/JSON list (of names, or of 0/1 "
    "indicators by position).", rich_help_panel="Multi-label")]
ListSep = Annotated[str, typer.Option(
    "--list-sep", help="Multi-label: the separator of the label names in a --label-list "
    "column.", rich_help_panel="Multi-label")]
ZeroDivision = Annotated[int | None, typer.Option(
    "--zero-division", metavar="0|1", help="Multi-label: the value of a precision, recall, F1 "
    "or Jaccard of 0/0 (scikit-learn's zero_division)  \\[default: 0]", show_default=False,
    rich_help_panel="Multi-label")]


class CorrectionChoice(str, Enum):
    """Multiple-testing corrections of a family of pairwise p-values."""

    holm = "holm"
    bonferroni = "bonferroni"
    none = "none"


CorrectionOpt = Annotated[CorrectionChoice, typer.Option(
    "--correction", help="Adjust the pairwise p-values over the k(k-1)/2 pairs of each test: "
    "holm (step-down), bonferroni or none.", rich_help_panel="Statistics")]


READING_FLAGS: tuple[tuple[str, Any, Any], ...] = (
    ("label_col", LabelCol, None),
    ("prob_col", ProbCol, None),
    ("id_col", IdCol, None),
    ("positive", Positive, None),
    ("logits", Logits, False),
    ("renormalize", Renormalize, False),
    ("drop_invalid", DropInvalid, False),
    ("pred_col", PredCol, None),
    ("labels_file", LabelsFile, None),
    ("percent", Percent, False),
    ("confidence_of_predicted", ConfidenceOfPredicted, False),
    ("classes", Classes, None),
    ("no_header", NoHeader, False),
    ("scores", Scores, False),
    ("weight_col", WeightCol, None),
)
"""The flags of how to read a predictions file, in the order the help lists them:
(parameter, annotation, default)."""

MULTILABEL_FLAGS: tuple[tuple[str, Any, Any], ...] = (
    ("multilabel", Multilabel, False),
    ("label_cols", LabelCols, None),
    ("label_list", LabelList, None),
    ("list_sep", ListSep, "|"),
)
"""The flags of how to read a multi-label file, listed after :data:`READING_FLAGS`."""


GATE_FLAGS: tuple[tuple[str, Any, Any], ...] = (
    ("fail_under", FailUnder, None),
    ("fail_over", FailOver, None),
    ("fail_on", FailOn, None),
)
"""The gate flags a command may take, as :func:`delivers` lists them: (parameter,
annotation, default)."""

SCAN_FLAGS: tuple[tuple[str, Any, Any], ...] = (
    ("threshold", ScoreThreshold, None),
    ("min_confidence", MinConfidence, 0.9),
    ("top", Top, 10),
    ("bins", Bins, 15),
    ("min_loss_delta", MinLossDelta, 0.0),
    ("min_accuracy_delta", MinAccuracyDelta, 0.0),
    ("metric", ScanMetric, None),
    ("alpha", Alpha, 0.05),
)
"""The flags of the loss-up/accuracy-up scan of ``compare`` and ``epochs``, in the order
the help lists them: (parameter, annotation, default)."""


class ScanKeywords(TypedDict, total=False):
    """What the flags of :data:`SCAN_FLAGS` say, by the names of the API's keyword arguments.

    A flag the command does not take is absent.
    """

    threshold: float | None
    min_confidence: float
    top: int
    bins: int
    min_loss_delta: float
    min_accuracy_delta: float
    metric: str | None
    alpha: float


@dataclass(frozen=True)
class Delivery:
    """Where the report goes (``--format``, ``-o``, ``--plot``) and the gates that judge it.

    A gate flag the command does not take is empty; ``junit`` is None without gates.
    """

    output_format: Format
    output: str | None
    plot: str | None
    junit: str | None = None
    fail_under: list[str] = field(default_factory=list)
    fail_over: list[str] = field(default_factory=list)
    fail_on: list[Any] = field(default_factory=list)

    @property
    def wants_figures(self) -> bool:
        """Whether the figures are drawn: for ``--plot``, or for the HTML report."""
        return bool(self.plot) or self.output_format is Format.html


def delivers(*gates: str, **declared: Any) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Give a command the output flags, the gate flags named in ``gates`` and ``--junit``.

    The command declares a keyword-only parameter ``delivery``: in the signature Typer
    reads it stands for ``--format``, ``--output``, ``--plot``, then the gates of
    :data:`GATE_FLAGS` named in ``gates`` and ``--junit`` (when there is a gate), and
    the command is called with ``delivery`` a :class:`Delivery`. ``declared`` gives a
    flag its own annotation in this command, by parameter name. Put it above
    :func:`reads_predictions`.
    """
    unknown = set(gates) - {name for name, _, _ in GATE_FLAGS}
    unknown |= set(declared) - {name for name, _, _ in (*OUTPUT_FLAGS, *GATE_FLAGS)}
    if unknown:
        raise ValueError(f"no delivery flags named {sorted(unknown)}")
    table = (*OUTPUT_FLAGS, *(flag for flag in GATE_FLAGS if flag[0] in gates),
             *(JUNIT_FLAGS if gates else ()))

    def gather(given: dict[str, Any]) -> dict[str, Any]:
        flags = {name: given.pop(name) for name, _, _ in table}
        gate_lists = {name: flags.pop(name) or [] for name in gates}
        return {**given, "delivery": Delivery(**flags, **gate_lists)}

    return lambda command: _standing_in(command, {"delivery": _flags(table, declared)}, gather)


def reads_predictions(*, without: tuple[str, ...] = (), multilabel: bool = False,
                      **declared: Any) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Give a command the shared reading flags and hand it what they say, as one value.

    The command declares a keyword-only parameter ``options`` (and, with ``multilabel``,
    ``multi``). In the signature Typer reads (``__signature__``), ``options`` stands
    for the flags of :data:`READING_FLAGS` but those named in ``without``, and ``multi``
    for those of :data:`MULTILABEL_FLAGS`; the command is called with ``options`` a
    ``ReadOptions`` (a flag left out takes its default) and ``multi`` a
    ``MultilabelOptions`` or None. ``declared`` gives a flag its own annotation in this
    command (another help text), by parameter name.
    """
    kept = _kept(READING_FLAGS, without, declared, "reading")
    stand_ins = {"options": _flags(kept, declared),
                 "multi": _flags(MULTILABEL_FLAGS, declared) if multilabel else []}

    def gather(given: dict[str, Any]) -> dict[str, Any]:
        read = {name: given.pop(name, default) for name, _, default in READING_FLAGS}
        if multilabel:
            given["multi"] = _multilabel_options(
                *(given.pop(name) for name, _, _ in MULTILABEL_FLAGS),
                read["prob_col"], read["id_col"], read["logits"])
        return {**given, "options": _read_options(**read)}

    return lambda command: _standing_in(command, stand_ins, gather)


def scans(*, without: tuple[str, ...] = (),
          **declared: Any) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Give a command the flags of the loss-up/accuracy-up scan and hand them over as one value.

    The command declares a keyword-only parameter ``scan``: in the signature Typer reads
    it stands for the flags of :data:`SCAN_FLAGS` but those named in ``without``, and the
    command is called with ``scan`` a :class:`ScanKeywords` of those flags. ``declared``
    gives a flag its own annotation in this command, by parameter name. Put it above
    :func:`reads_predictions`.
    """
    kept = _kept(SCAN_FLAGS, without, declared, "scan")

    def gather(given: dict[str, Any]) -> dict[str, Any]:
        scan = {name: given.pop(name) for name, _, _ in kept}
        return {**given, "scan": ScanKeywords(**scan)}

    return lambda command: _standing_in(command, {"scan": _flags(kept, declared)}, gather)


def compares_runs(*, without: tuple[str, ...] = (),
                  **declared: Any) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Give a command that compares runs of predictions on the same examples its flags.

    Those of :func:`reads_predictions` with the multi-label flags (``options``,
    ``multi``), of :func:`scans` but those named in ``without``, with the annotations
    ``declared`` (``scan``), and of :func:`delivers` with ``--fail-on`` (``delivery``).
    """
    def decorate(command: Callable[..., None]) -> Callable[..., None]:
        read = reads_predictions(multilabel=True)(command)
        return delivers("fail_on")(scans(without=without, **declared)(read))

    return decorate


def _kept(table: tuple[tuple[str, Any, Any], ...], without: tuple[str, ...],
          declared: dict[str, Any], what: str) -> tuple[tuple[str, Any, Any], ...]:
    """The flags of ``table`` but those named in ``without``; a name not in it is a mistake."""
    unknown = (set(without) | set(declared)) - {name for name, _, _ in table}
    if unknown:
        raise ValueError(f"no {what} flags named {sorted(unknown)}")
    return tuple(flag for flag in table if flag[0] not in without)


def _flags(table: tuple[tuple[str, Any, Any], ...],
           declared: dict[str, Any]) -> list[inspect.Parameter]:
    """The keyword-only parameters of a table of flags, with the annotations ``declared``."""
    return [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default,
                              annotation=declared.get(name, annotation))
            for name, annotation, default in table]


def _standing_in(command: Callable[..., None], stand_ins: dict[str, list[inspect.Parameter]],
                 gather: Callable[[dict[str, Any]], dict[str, Any]]) -> Callable[..., None]:
    """The command as Typer sees it: each parameter named in ``stand_ins`` replaced by its flags.

    Typer calls it with every flag by name; ``gather`` turns those into the arguments of
    ``command`` (one value for each stand-in).
    """
    parameters: list[inspect.Parameter] = []
    for parameter in inspect.signature(command).parameters.values():
        if parameter.name in stand_ins:
            parameters += stand_ins[parameter.name]
        else:
            parameters.append(_evaluated(parameter, command.__globals__))

    @functools.wraps(command)
    def run(**given: Any) -> None:
        command(**gather(given))

    run.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    run.__annotations__ = {p.name: p.annotation for p in parameters}
    return run


def _evaluated(parameter: inspect.Parameter, namespace: dict[str, Any]) -> inspect.Parameter:
    """The parameter with its postponed (string) annotation evaluated, as Typer needs it.

    This is what ``inspect.signature(eval_str=True)`` does; it cannot be used on the
    whole command, whose ``options`` names a type imported only for type checkers.
    """
    if not isinstance(parameter.annotation, str):
        return parameter
    return parameter.replace(annotation=eval(parameter.annotation, namespace))


def _read_options(label_col: str | None, prob_col: list[str] | None, id_col: str | None,
                  positive: str | None, logits: bool, renormalize: bool, drop_invalid: bool,
                  pred_col: str | None, labels_file: str | None, percent: bool,
                  confidence_of_predicted: bool, classes: str | None, no_header: bool,
                  scores: bool, weight_col: str | None) -> Any:
    """The ``ReadOptions`` the reading flags say; ``classes`` is comma-separated, as typed."""
    from clfdiag.io import ReadOptions
    from clfdiag.io.labels import parse_classes

    return ReadOptions(label_col, tuple(prob_col or ()), id_col, positive, logits,
                       renormalize, drop_invalid, pred_col=pred_col, percent=percent,
                       scores=scores, labels_file=labels_file, weight_col=weight_col,
                       confidence_of_predicted=confidence_of_predicted,
                       classes=parse_classes(classes), no_header=no_header)


def _multilabel_options(multilabel: bool, label_cols: list[str] | None, label_list: str | None,
                        list_sep: str, prob_col: list[str] | None, id_col: str | None,
                        logits: bool) -> Any:
    """The multi-label reading options when a multi-label flag is given, else None."""
    from clfdiag.errors import ClfdiagError

    if not (multilabel or label_cols or label_list):
        if list_sep != "|":
            raise ClfdiagError("--list-sep applies to a --label-list column",
                               "add --label-list COLUMN")
        return None
    from clfdiag.io.multilabel import MultilabelOptions

    return MultilabelOptions(tuple(label_cols or ()), label_list, list_sep,
                             tuple(prob_col or ()), id_col, logits)
