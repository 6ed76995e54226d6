"""The command line: parse options, call the readers and the engine, hand the report to a renderer.

Errors are caught in one place (:func:`reports_errors`): a :class:`ClfdiagError`
prints ``error: ...`` and exits 2 (or its own code); anything unexpected prints
one line and exits 3, with the traceback only under ``--debug``.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
from collections.abc import Callable
from enum import Enum
from typing import Annotated, Any

import typer

from clfdiag import __version__
from clfdiag.entry import EXIT_INTERRUPTED
from clfdiag.errors import ClfdiagError
from clfdiag.limits import MAX_BINS, MAX_BOOTSTRAP, MAX_TOP, check_limits

EXIT_GATE = 1
EXIT_INPUT = 2
EXIT_INTERNAL = 3


class Format(str, Enum):
    """Output formats."""

    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"
    html = "html"


_state = {"debug": os.environ.get("CLFDIAG_DEBUG") == "1"}


def reports_errors(command: Callable[..., None]) -> Callable[..., None]:
    """Run a command and turn every failure into a message and an exit code, never a traceback."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> None:
        try:
            command(*args, **kwargs)
        except ClfdiagError as exc:
            _say(f"error: {exc.message}")
            if exc.hint:
                _say(f"hint: {exc.hint}")
            raise typer.Exit(exc.exit_code) from None
        except (typer.Exit, typer.Abort):
            raise
        except KeyboardInterrupt:
            _say("interrupted")
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except Exception as exc:
            if _state["debug"]:
                raise
            _say(_internal_error(exc))
            raise typer.Exit(EXIT_INTERNAL) from None

    return run


def _internal_error(exc: BaseException) -> str:
    """One line, whatever the exception's message holds."""
    what = " ".join(f"{type(exc).__name__}: {exc}".split())
    if len(what) > 500:
        what = what[:500] + "..."
    return (f"internal error: {what} "
            "(run `clfdiag --debug ...` for the traceback, and please report it)")


app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _say(message: str) -> None:
    """A message for people, on stderr, so that stdout stays parseable."""
    typer.echo(message, err=True)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"clfdiag {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of internal errors.")]
    = False,
) -> None:
    """Diagnose classifier predictions: how good and how trustworthy they are.

    Exit codes: 0 success, 1 a gate failed, 2 usage or input error, 3 internal error.
    """
    _state["debug"] = _state["debug"] or debug


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
ConfidenceOfPredicted = Annotated[bool, typer.Option(
    "--confidence-of-predicted", help="The one score column is the confidence of the predicted "
    "class (beside a column of predicted classes), not P(positive): converted to P(positive) "
    "= c where the prediction is positive, 1 - c elsewhere (binary).",
    rich_help_panel="Input")]
Classes = Annotated[str | None, typer.Option(
    "--classes", metavar="A,B", help="The classes that exist, comma-separated (e.g. 0,1), when "
    "the labels may hold only one of them; the positive class is chosen as without it.",
    rich_help_panel="Columns")]
NoHeader = Annotated[bool, typer.Option(
    "--no-header", help="The file has no header line: name columns by their 0-based "
    "position (--label-col 0 --prob-col 1).", rich_help_panel="Input")]
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


@app.command()
@reports_errors
def evaluate(
    file: Annotated[str, typer.Argument(
        help="Predictions: CSV/TSV/Parquet, optionally .gz/.bz2/.xz/.zip; '-' for stdin.")],
    label_col: LabelCol = None,
    prob_col: ProbCol = None,
    id_col: IdCol = None,
    positive: Positive = None,
    logits: Logits = False,
    renormalize: Renormalize = False,
    drop_invalid: DropInvalid = False,
    pred_col: PredCol = None,
    labels_file: LabelsFile = None,
    percent: Percent = False,
    confidence_of_predicted: ConfidenceOfPredicted = False,
    classes: Classes = None,
    no_header: NoHeader = False,
    scores: Scores = False,
    weight_col: WeightCol = None,
    streaming: Annotated[bool | None, typer.Option(
        "--streaming/--in-memory",
        help="Read in batches (files larger than memory; ranking metrics from a fine "
             "histogram, with an error bound) or all at once. Default: by file size.",
        rich_help_panel="Input")] = None,
    threshold: ThresholdRule = None,
    min_confidence: MinConfidence = 0.9,
    top: Top = 10,
    bins: Bins = 15,
    bootstrap: Annotated[int, typer.Option(
        help="Percentile interval of the top-label ECE from N stratified resamples (in "
        "memory only).", min=0, rich_help_panel="Statistics")] = 0,
    seed: Annotated[int | None, typer.Option(help="Seed for --bootstrap.",
                                             rich_help_panel="Statistics")] = None,
    target_risk: Annotated[float | None, typer.Option(
        help="Selective risk (error rate among the kept) for the coverage-at-risk figure  "
             "\\[default: half the error rate]", min=0.0, max=1.0, show_default=False)] = None,
    output_format: FormatOpt = Format.table,
    output: OutputOpt = None,
    plot: PlotOpt = None,
    fail_under: FailUnder = None,
    fail_over: FailOver = None,
    junit: Junit = None,
    by: By = None,
    min_group: MinGroup = 30,
    slice_metric: SliceMetricOpt = SliceMetricChoice.accuracy,
    alpha: SliceAlpha = 0.05,
    engine: Annotated[EngineChoice, typer.Option(
        "--engine", help="local: this process (in memory or streaming); dask: FILE is a file, "
        "directory, glob or URL of Parquet/CSV parts, each folded on a Dask worker.",
        rich_help_panel="Input")] = EngineChoice.local,
    scheduler: Annotated[str | None, typer.Option(
        "--scheduler", metavar="ADDRESS", help="With --engine dask: a running scheduler "
        "(tcp://host:8786). Default: a local cluster, one worker process a core.",
        rich_help_panel="Input")] = None,
    quiet: Annotated[bool, typer.Option(
        "--quiet", "-q", help="No progress bar (shown on stderr, only at a terminal, for "
        "runs longer than two seconds).")] = False,
) -> None:
    """Evaluate one predictions file: losses, rates, curves, calibration, confident errors."""
    from clfdiag.api import evaluate_file
    from clfdiag.engines.slices import SliceOptions
    from clfdiag.gates import check_gates, parse_gates

    gates = parse_gates(fail_under or [], fail_over or [])
    check_limits(top=top, bins=bins)
    _refuse_overwriting(_inputs(file, labels_file), output, junit)
    options = _read_options(label_col, prob_col, id_col, positive, logits, renormalize,
                            drop_invalid, pred_col, percent, scores, labels_file, weight_col,
                            reading=(confidence_of_predicted, classes, no_header))
    slices = SliceOptions(tuple(by), slice_metric.value, min_group, alpha) if by else None
    if scheduler is not None and engine is not EngineChoice.dask:
        raise ClfdiagError("--scheduler applies to --engine dask", "add --engine dask")
    from clfdiag.render.progress import terminal_progress

    progress = terminal_progress(quiet)
    with progress or contextlib.nullcontext():
        report = evaluate_file(file, options, streaming=streaming, threshold=threshold,
                               min_confidence=min_confidence, top=top, bins=bins,
                               slices=slices, engine=engine.value, scheduler=scheduler,
                               progress=progress, bootstrap=bootstrap, seed=seed,
                               target_risk=target_risk)
    results = check_gates(gates, report["metrics"], report["undefined"])
    _finish(report, results, output_format, output, plot, junit, _inputs(file, labels_file))


@app.command()
@reports_errors
def compare(
    file_a: Annotated[str, typer.Argument(help="Predictions of model (or epoch) A.")],
    file_b: Annotated[str, typer.Argument(help="Predictions of B for the same examples.")],
    label_col: LabelCol = None,
    prob_col: ProbCol = None,
    id_col: IdCol = None,
    positive: Positive = None,
    logits: Logits = False,
    renormalize: Renormalize = False,
    drop_invalid: DropInvalid = False,
    pred_col: PredCol = None,
    labels_file: LabelsFile = None,
    percent: Percent = False,
    confidence_of_predicted: ConfidenceOfPredicted = False,
    classes: Classes = None,
    no_header: NoHeader = False,
    scores: Scores = False,
    weight_col: WeightCol = None,
    allow_partial: AllowPartial = False,
    threshold: ScoreThreshold = None,
    min_confidence: MinConfidence = 0.9,
    top: Top = 10,
    bins: Bins = 15,
    min_loss_delta: MinLossDelta = 0.0,
    min_accuracy_delta: MinAccuracyDelta = 0.0,
    alpha: Alpha = 0.05,
    bootstrap: Annotated[int, typer.Option(
        help="Bootstrap the log-loss difference with N resamples instead of a t test "
             f"(0 to {MAX_BOOTSTRAP:,}).", rich_help_panel="Statistics")] = 0,
    seed: Annotated[int | None, typer.Option(help="Seed for --bootstrap.", min=0,
                                             rich_help_panel="Statistics")] = None,
    output_format: FormatOpt = Format.table,
    output: OutputOpt = None,
    plot: PlotOpt = None,
    fail_on: FailOn = None,
    junit: Junit = None,
) -> None:
    """Compare two predictions of the same examples: what changed, is it significant, and why."""
    from clfdiag.api import compare as compare_predictions
    from clfdiag.gates import check_flags, parse_fail_on
    from clfdiag.io import read_predictions

    conditions = parse_fail_on(fail_on or [])
    check_limits(top=top, bins=bins, bootstrap=bootstrap)
    _refuse_overwriting(_inputs(file_a, file_b, labels_file), output, junit)
    options = _read_options(label_col, prob_col, id_col, positive, logits, renormalize,
                            drop_invalid, pred_col, percent, scores, labels_file, weight_col,
                            reading=(confidence_of_predicted, classes, no_header))
    a, b = read_predictions(file_a, options), read_predictions(file_b, options)
    report = compare_predictions(
        a, b, allow_partial=allow_partial, threshold=threshold, min_confidence=min_confidence,
        top=top, bins=bins, min_loss_delta=min_loss_delta,
        min_accuracy_delta=min_accuracy_delta, alpha=alpha, bootstrap=bootstrap, seed=seed,
        sample_points=2000 if plot or output_format is Format.html else 0)
    flagged = ["from A to B"] if report["loss_up_accuracy_up"] else []
    results = check_flags(conditions, flagged, report["regressions"], alpha)
    _finish(report, results, output_format, output, plot, junit,
            _inputs(file_a, file_b, labels_file))


@app.command()
@reports_errors
def epochs(
    files: Annotated[list[str], typer.Argument(
        help="Prediction files of one validation set, one per epoch.")],
    keep_order: Annotated[bool, typer.Option(
        "--keep-order", help="Take the files in the order given (default: natural sort).")]
    = False,
    label_col: LabelCol = None,
    prob_col: ProbCol = None,
    id_col: IdCol = None,
    positive: Positive = None,
    logits: Logits = False,
    renormalize: Renormalize = False,
    drop_invalid: DropInvalid = False,
    pred_col: PredCol = None,
    labels_file: LabelsFile = None,
    percent: Percent = False,
    confidence_of_predicted: ConfidenceOfPredicted = False,
    classes: Classes = None,
    no_header: NoHeader = False,
    scores: Scores = False,
    weight_col: WeightCol = None,
    threshold: Threshold = None,
    min_confidence: MinConfidence = 0.9,
    bins: Bins = 15,
    min_loss_delta: MinLossDelta = 0.0,
    min_accuracy_delta: MinAccuracyDelta = 0.0,
    alpha: Alpha = 0.05,
    allow_partial: AllowPartial = False,
    significant: Annotated[bool, typer.Option(
        "--significant", help="Keep only the flags where both rises are significant at "
        "--alpha (McNemar for accuracy, the paired log-loss test for loss).",
        rich_help_panel="Statistics")] = False,
    output_format: FormatOpt = Format.table,
    output: OutputOpt = None,
    plot: PlotOpt = None,
    fail_on: FailOn = None,
    junit: Junit = None,
) -> None:
    """Scan the epochs of a training run: flag each where loss and accuracy both rose."""
    from clfdiag.api import epochs as scan_epochs
    from clfdiag.gates import check_flags, parse_fail_on
    from clfdiag.io import read_predictions

    conditions = parse_fail_on(fail_on or [])
    check_limits(bins=bins)
    _refuse_overwriting(_inputs(*files, labels_file), output, junit)
    options = _read_options(label_col, prob_col, id_col, positive, logits, renormalize,
                            drop_invalid, pred_col, percent, scores, labels_file, weight_col,
                            reading=(confidence_of_predicted, classes, no_header))
    ordered = files if keep_order else sorted(files, key=_natural_key)
    runs = [read_predictions(f, options) for f in ordered]
    report = scan_epochs(runs, threshold=threshold, min_confidence=min_confidence, bins=bins,
                         min_loss_delta=min_loss_delta, min_accuracy_delta=min_accuracy_delta,
                         alpha=alpha, allow_partial=allow_partial, significant=significant)
    last = report.get("last_vs_best") or {}
    results = check_flags(conditions, _where(report), last.get("regressions", []), alpha)
    _finish(report, results, output_format, output, plot, junit, _inputs(*files, labels_file))


@app.command()
@reports_errors
def history(
    files: Annotated[list[str], typer.Argument(
        help="A training log (Keras/Lightning CSV, trainer_state.json, MLflow metrics folder), "
             "or one TensorBoard/MLflow file per metric.")],
    loss_col: Annotated[str | None, typer.Option(
        "--loss-col", help="Validation loss column (or file, for one file per metric).")]
    = None,
    acc_col: Annotated[str | None, typer.Option(
        "--acc-col", help="Validation accuracy column (or file).")] = None,
    min_loss_delta: MinLossDelta = 0.0,
    min_accuracy_delta: MinAccuracyDelta = 0.0,
    output_format: FormatOpt = Format.table,
    output: OutputOpt = None,
    plot: PlotOpt = None,
    fail_on: FailOn = None,
    junit: Junit = None,
) -> None:
    """Scan a training history for epochs where validation loss and accuracy both rose."""
    from clfdiag.api import history as scan_history
    from clfdiag.gates import check_flags, parse_fail_on
    from clfdiag.io.histories import read_history

    conditions = parse_fail_on(fail_on or [])
    if "regression" in conditions:
        raise ClfdiagError("--fail-on regression needs predictions to test significance",
                           "use it with `clfdiag compare` or `clfdiag epochs`")
    _refuse_overwriting(files, output, junit)
    run = read_history(files, loss_col, acc_col)
    report = scan_history(run, min_loss_delta=min_loss_delta,
                          min_accuracy_delta=min_accuracy_delta)
    results = check_flags(conditions, _where(report), [], 0.0)
    _finish(report, results, output_format, output, plot, junit, files)


@app.command()
@reports_errors
def threshold(
    file: Annotated[str, typer.Argument(
        help="Predictions: CSV/TSV/Parquet, optionally .gz/.bz2/.xz/.zip.")],
    optimize: Annotated[str | None, typer.Option(
        "--optimize", metavar="NAME", help="Criterion: youden, closest-topleft, f1, fbeta:B, "
        "mcc, accuracy, balanced-accuracy, cost, net-benefit:PT. Default: the table of all, "
        "best by Youden's J.", rich_help_panel="Criterion")] = None,
    cost_fp: Annotated[float, typer.Option(
        "--cost-fp", help="Cost of a false positive (criterion cost).",
        rich_help_panel="Criterion")] = 1.0,
    cost_fn: Annotated[float, typer.Option(
        "--cost-fn", help="Cost of a false negative (criterion cost).",
        rich_help_panel="Criterion")] = 1.0,
    prevalence: Annotated[float | None, typer.Option(
        "--prevalence", help="Deployment prevalence at which costs are weighed (default: the "
        "file's).", rich_help_panel="Criterion")] = None,
    min_recall: Annotated[float | None, typer.Option(
        "--min-recall", help="Only thresholds with recall >= R.",
        rich_help_panel="Constraints")] = None,
    min_precision: Annotated[float | None, typer.Option(
        "--min-precision", help="Only thresholds with precision >= P.",
        rich_help_panel="Constraints")] = None,
    min_specificity: Annotated[float | None, typer.Option(
        "--min-specificity", help="Only thresholds with specificity >= S.",
        rich_help_panel="Constraints")] = None,
    max_fpr: Annotated[float | None, typer.Option(
        "--max-fpr", help="Only thresholds with false positive rate <= F.",
        rich_help_panel="Constraints")] = None,
    current: Annotated[float | None, typer.Option(
        "--threshold", help="The threshold in use, to compare with (default 0.5 for "
        "probabilities).", show_default=False)] = None,
    folds: Annotated[int, typer.Option(
        "--folds", help="Cross-fit the choice over K stratified folds (0: skip).",
        rich_help_panel="Honest estimate")] = 5,
    bootstrap: Annotated[int, typer.Option(
        "--bootstrap", metavar="N", help="Stratified bootstrap intervals from N resamples "
        "(0: skip).", rich_help_panel="Honest estimate")] = 0,
    seed: Annotated[int, typer.Option(
        "--seed", help="Seed of the folds and the bootstrap.",
        rich_help_panel="Honest estimate")] = 0,
    risk_thresholds: Annotated[str | None, typer.Option(
        "--risk-thresholds", metavar="LIST|START:STOP:STEP", help="Risk thresholds of the "
        "decision curve (default 0.01:0.99:0.01).", rich_help_panel="Decision curve")] = None,
    by: Annotated[str | None, typer.Option(
        "--by", metavar="COLUMN", help="One operating point per group of this column.",
        rich_help_panel="Columns")] = None,
    cost_matrix: Annotated[str | None, typer.Option(
        "--cost-matrix", metavar="FILE", help="Multiclass: K x K costs (rows actual, columns "
        "predicted) for the Bayes decision.", rich_help_panel="Criterion")] = None,
    label_col: LabelCol = None,
    prob_col: ProbCol = None,
    id_col: IdCol = None,
    positive: Positive = None,
    logits: Logits = False,
    renormalize: Renormalize = False,
    drop_invalid: DropInvalid = False,
    labels_file: LabelsFile = None,
    percent: Percent = False,
    confidence_of_predicted: ConfidenceOfPredicted = False,
    classes: Classes = None,
    no_header: NoHeader = False,
    scores: Scores = False,
    output_format: FormatOpt = Format.table,
    output: OutputOpt = None,
    plot: PlotOpt = None,
    fail_under: FailUnder = None,
    fail_over: FailOver = None,
    junit: Junit = None,
) -> None:
    """Choose the decision threshold by costs, constraints or net benefit, honestly."""
    from clfdiag.api import threshold as choose
    from clfdiag.gates import check_gates, parse_gates
    from clfdiag.io import read_predictions
    from clfdiag.reports.threshold import ThresholdSettings

    gates = parse_gates(fail_under or [], fail_over or [])
    check_limits(bootstrap=bootstrap)
    inputs = _inputs(file, cost_matrix, labels_file)
    _refuse_overwriting(inputs, output, junit)
    options = _read_options(label_col, prob_col, id_col, positive, logits, renormalize,
                            drop_invalid, None, percent, scores, labels_file,
                            reading=(confidence_of_predicted, classes, no_header))
    preds = read_predictions(file, options)
    groups = None
    if by is not None:
        from clfdiag.io.groups import read_group_column

        groups = read_group_column(file, by, preds)
    matrix = None
    if cost_matrix is not None:
        from clfdiag.io.cost_matrix import read_cost_matrix

        matrix = read_cost_matrix(cost_matrix, preds.classes)
    settings = ThresholdSettings(optimize, cost_fp, cost_fn, prevalence, min_recall,
                                 min_precision, min_specificity, max_fpr, current, folds,
                                 bootstrap, seed, risk_thresholds)
    report = choose(preds, settings, groups=groups, cost_matrix=matrix)
    results = check_gates(gates, report["metrics"], report["undefined"])
    _finish(dict(report), results, output_format, output, plot, junit, inputs)



@app.command()
@reports_errors
def calibrate(
    file: Annotated[str, typer.Argument(
        help="Predictions with true labels: CSV/TSV/Parquet, optionally compressed.")],
    method: Annotated[list[str] | None, typer.Option(
        "--method", help="temperature, platt, isotonic, beta, histogram (binary); "
        "temperature, vector_scaling (multiclass). Repeatable. Default: all that apply.",
        rich_help_panel="Calibration")] = None,
    folds: Annotated[int, typer.Option(
        help="Cross-fitting folds (stratified): each fold is mapped by the map fitted on the "
        "others.", min=2, rich_help_panel="Calibration")] = 5,
    seed: Annotated[int, typer.Option(help="Seed of the folds and of --bootstrap.",
                                      rich_help_panel="Calibration")] = 0,
    platt_smoothing: Annotated[bool, typer.Option(
        "--platt-smoothing", help="Fit Platt scaling to Platt's smoothed targets "
        "(N+ + 1)/(N+ + 2) and 1/(N- + 2), as scikit-learn does.",
        rich_help_panel="Calibration")] = False,
    bootstrap: Annotated[int, typer.Option(
        help="Percentile interval of the ECE before and after, from N stratified resamples.",
        min=0, rich_help_panel="Statistics")] = 0,
    save: Annotated[str | None, typer.Option(
        "--save", metavar="MAPPING.json", help="Write the fitted map (the --method given, else "
        "the recommended one) for --apply.", rich_help_panel="Calibration")] = None,
    apply: Annotated[str | None, typer.Option(
        "--apply", metavar="MAPPING.json", help="Apply a saved map to FILE and write FILE with "
        "calibrated probabilities to -o (.csv, or .parquet).",
        rich_help_panel="Calibration")] = None,
    label_col: LabelCol = None,
    prob_col: ProbCol = None,
    id_col: IdCol = None,
    positive: Positive = None,
    logits: Logits = False,
    renormalize: Renormalize = False,
    drop_invalid: DropInvalid = False,
    labels_file: LabelsFile = None,
    percent: Percent = False,
    confidence_of_predicted: ConfidenceOfPredicted = False,
    classes: Classes = None,
    no_header: NoHeader = False,
    min_confidence: MinConfidence = 0.9,
    bins: Annotated[int, typer.Option(
        help="Bins of the ECE, the MCE and the reliability diagrams (equal width), and of the "
        "histogram method.", min=1)] = 15,
    output_format: FormatOpt = Format.table,
    output: Annotated[str | None, typer.Option(
        "--output", "-o", help="Write the report to this file; with --apply, the calibrated "
        "predictions (the report goes to stdout).", rich_help_panel="Output")] = None,
    plot: PlotOpt = None,
) -> None:
    """Fit recalibration maps, judge them on held-out folds, save one, or apply a saved one."""
    from clfdiag.io import read_predictions

    check_limits(bins=bins, bootstrap=bootstrap)
    _refuse_overwriting(_inputs(file, labels_file, apply), output, save, "--save")
    options = _read_options(label_col, prob_col, id_col,
                            positive, logits, renormalize, drop_invalid, None, percent, False,
                            labels_file, None,
                            reading=(confidence_of_predicted, classes, no_header))
    if apply is not None:
        _apply_mapping(file, options, apply, output, method, save, platt_smoothing, bins,
                       min_confidence, bootstrap, seed, output_format, plot)
        return
    from clfdiag.api import calibrate as fit_and_cross_fit
    from clfdiag.reports.calibration import saved_mapping

    preds = read_predictions(file, options)
    report = fit_and_cross_fit(preds, methods=method, folds=folds, seed=seed, bins=bins,
                               min_confidence=min_confidence, platt_smoothing=platt_smoothing,
                               bootstrap=bootstrap)
    if save is not None:
        import json

        from clfdiag.io.output import write_report

        chosen = method[0] if method and len(set(method)) == 1 else None
        write_report(save, json.dumps(saved_mapping(report, chosen), indent=2) + "\n",
                     _inputs(file, labels_file))
        _say(f"wrote {save} ({chosen or report['recommended']})")
    _emit(dict(report), output_format, output, plot, _inputs(file, labels_file))


def _apply_mapping(file: str, options: Any, mapping: str, output: str | None,
                   method: list[str] | None, save: str | None, platt_smoothing: bool,
                   bins: int, min_confidence: float, bootstrap: int, seed: int,
                   output_format: Format, plot: str | None) -> None:
    """``calibrate --apply``: map FILE's probabilities, write them to -o, report on stdout."""
    import json

    from clfdiag.api import apply_calibration
    from clfdiag.io import read_predictions
    from clfdiag.io.calibrated import output_format as calibrated_format
    from clfdiag.io.calibrated import write_calibrated

    for flag, given in (("--method", method), ("--save", save),
                        ("--platt-smoothing", platt_smoothing)):
        if given:
            raise ClfdiagError(f"--apply and {flag} cannot be combined: the mapping file "
                               "holds the fitted map", f"leave out {flag}")
    if output is None:
        raise ClfdiagError("--apply needs -o FILE for the calibrated predictions",
                           "e.g. -o calibrated.csv (or .parquet)")
    calibrated_format(output)
    try:
        with open(mapping, encoding="utf-8") as f:
            data = json.load(f)
    except OSError as exc:
        raise ClfdiagError(f"--apply {mapping}: cannot read: {exc.strerror or exc}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ClfdiagError(f"--apply {mapping}: not a JSON file ({exc})",
                           "give a mapping written by `clfdiag calibrate --save`") from None
    preds = read_predictions(file, options)
    report, mapped = apply_calibration(preds, data, mapping_name=mapping, output=output,
                                       bins=bins, min_confidence=min_confidence,
                                       bootstrap=bootstrap, seed=seed)
    report["notes"] += write_calibrated(preds, mapped, output)
    _say(f"wrote {output}")
    _emit(dict(report), output_format, None, plot, _inputs(file, mapping))


@app.command()
@reports_errors
def ood(
    in_file: Annotated[str, typer.Argument(
        help="Predictions on in-distribution data, with labels.")],
    out_files: Annotated[list[str], typer.Argument(
        help="Predictions of the same model on out-of-distribution data, one file per set "
             "(labels not needed, ignored if present).")],
    label_col: LabelCol = None,
    prob_col: ProbCol = None,
    id_col: IdCol = None,
    positive: Positive = None,
    logits: Annotated[bool, typer.Option(
        "--logits", help="Values are raw logits: apply sigmoid/softmax and add the max-logit "
        "and energy scores.", rich_help_panel="Input")] = False,
    renormalize: Renormalize = False,
    drop_invalid: DropInvalid = False,
    labels_file: LabelsFile = None,
    percent: Percent = False,
    confidence_of_predicted: ConfidenceOfPredicted = False,
    classes: Classes = None,
    no_header: NoHeader = False,
    min_confidence: Annotated[float, typer.Option(
        help="Confidence at or above which a prediction counts as confident.", min=0.0,
        max=1.0)] = 0.9,
    keep: Annotated[float, typer.Option(
        help="Share of in-distribution examples the operating threshold keeps, in (0, 1].",
        max=1.0)] = 0.95,
    top: Top = 3,
    output_format: FormatOpt = Format.table,
    output: OutputOpt = None,
    plot: PlotOpt = None,
) -> None:
    """How confident the model is on inputs unlike its training data, and whether it shows."""
    import dataclasses

    from clfdiag.api import ood as assess_ood
    from clfdiag.io import read_predictions

    check_limits(top=top)
    inputs = _inputs(in_file, *out_files, labels_file)
    _refuse_overwriting(inputs, output, None)
    options = _read_options(label_col, prob_col, id_col, positive, logits, renormalize,
                            drop_invalid, None, percent, False, labels_file,
                            reading=(confidence_of_predicted, classes, no_header))
    unlabelled = dataclasses.replace(options, labels_required=False, labels_file=None)
    in_preds = read_predictions(in_file, options)
    out_preds = [read_predictions(f, unlabelled) for f in out_files]
    report = assess_ood(in_preds, out_preds, min_confidence=min_confidence, keep=keep, top=top)
    _finish(report, [], output_format, output, plot, None, inputs)


def _read_options(label_col: str | None, prob_col: list[str] | None, id_col: str | None,
                  positive: str | None, logits: bool, renormalize: bool, drop_invalid: bool,
                  pred_col: str | None, percent: bool, scores: bool,
                  labels_file: str | None, weight_col: str | None = None,
                  reading: tuple[bool, str | None, bool] = (False, None, False)) -> Any:
    """The reading options shared by the commands that read predictions.

    ``reading``: ``--confidence-of-predicted``, ``--classes`` and ``--no-header``.
    """
    from clfdiag.io import ReadOptions
    from clfdiag.io.labels import parse_classes

    confidence_of_predicted, classes, no_header = reading
    return ReadOptions(label_col, tuple(prob_col or ()), id_col, positive, logits,
                       renormalize, drop_invalid, pred_col=pred_col, percent=percent,
                       scores=scores, labels_file=labels_file, weight_col=weight_col,
                       confidence_of_predicted=confidence_of_predicted,
                       classes=parse_classes(classes), no_header=no_header)


def _where(report: dict[str, Any]) -> list[str]:
    """Where loss and accuracy both rose, for a gate message: ``at epochs 6, 7``."""
    if not report["flagged"]:
        return []
    label = report.get("source", {}).get("labelled_by", "epoch")
    return [f"at {label}s " + ", ".join(str(e) for e in report["flagged"])]


def _natural_key(name: str) -> list[Any]:
    """Sort key under which epoch_2 comes before epoch_10."""
    import re

    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", name)]


def _inputs(*paths: str | None) -> list[str]:
    """The input files of a command, for the checks that no output overwrites one."""
    return [p for p in paths if p is not None]


def _refuse_overwriting(inputs: list[str], output: str | None, junit: str | None,
                        junit_flag: str = "--junit") -> None:
    """Fail before any work when a report would be written over one of its own inputs.

    ``junit`` is the second file a command writes (``--junit``, or ``--save``).
    """
    from clfdiag.io.output import refuse_inputs

    for path in (output, junit):
        if path is not None:
            refuse_inputs(path, inputs)
    if output is not None and junit is not None:
        same = os.path.realpath(junit) == os.path.realpath(output)
        try:
            refuse_inputs(junit, [output])
        except ClfdiagError:
            same = True
        if same:
            raise ClfdiagError(f"{junit_flag} {junit} and -o {output} are the same file: "
                               "one would overwrite the other",
                               f"give {junit_flag} its own file")


def _emit(report: dict[str, Any], output_format: Format, output: str | None,
          plot: str | None, inputs: list[str]) -> None:
    from clfdiag.render import formats
    from clfdiag.render.views import document

    figures = _figures(report, plot, output_format is Format.html, inputs)
    if output_format is Format.html:
        from clfdiag.render.html import to_html
        from clfdiag.render.plots import svg_text

        svgs = None if figures is None else {k: svg_text(f) for k, f in figures.items()}
        _write(to_html(document(report), svgs, report["schema_version"]), output, inputs)
        return
    if output_format is Format.table:
        from rich.console import Console

        from clfdiag.render.terminal import to_rich

        view = to_rich(document(report))
        import io

        if output is None:
            # Rendered for this terminal into memory, then written once, so that a closed,
            # full or broken stdout is handled like any other output.
            terminal = Console(highlight=False)
            console = Console(highlight=False, file=io.StringIO(), width=terminal.width,
                              color_system=terminal.color_system,
                              force_terminal=terminal.is_terminal)
            console.print(view)
            _write(console.file.getvalue(), None, inputs)  # type: ignore[attr-defined]
            return
        console = Console(record=True, width=100, file=io.StringIO())
        console.print(view)
        text = console.export_text()
    else:
        render = {Format.json: formats.to_json, Format.csv: formats.to_csv,
                  Format.markdown: formats.to_markdown}[output_format]
        text = render(report)
    _write(text, output, inputs)


def _write(text: str, output: str | None, inputs: list[str]) -> None:
    from clfdiag.io.output import write_report, write_standard_output

    if output is None:
        write_standard_output(text)
    else:
        write_report(output, text, inputs)
        _say(f"wrote {output}")


def _figures(report: dict[str, Any], plot: str | None, for_html: bool,
             inputs: list[str]) -> dict[str, Any] | None:
    """Draw the figures when wanted; for HTML alone, a missing matplotlib only drops them."""
    if not plot and not for_html:
        return None
    from clfdiag.render import plots

    try:
        figures = plots.figures(report)
    except ClfdiagError:
        if plot:
            raise
        _say("note: the HTML report has no figures: pip install 'clfdiag[plot]'")
        return None
    if plot:
        from clfdiag.io.output import write_files

        written = write_files(plot, plots.figure_files(figures), inputs)
        _say(f"wrote {len(written)} figure files to {plot}")
    return figures


def _finish(report: dict[str, Any], results: list[Any], output_format: Format,
            output: str | None, plot: str | None, junit: str | None,
            inputs: list[str]) -> None:
    """Record the gates in the report, write it (and its figures), then apply the gates."""
    if results:
        report["gates"] = [r.as_dict() for r in results]
    _emit(report, output_format, output, plot, inputs)
    _finish_gates(results, junit, report["command"], inputs)


def _finish_gates(results: list[Any], junit: str | None, command: str,
                  inputs: list[str]) -> None:
    if junit:
        from clfdiag.io.output import write_report
        from clfdiag.render.formats import to_junit

        write_report(junit, to_junit(results, command), inputs)
    failed = [r for r in results if not r.passed]
    for r in failed:
        _say(f"gate failed: {r.describe()}")
    if failed:
        raise typer.Exit(EXIT_GATE)


def main() -> None:
    """Console-script entry point (see :mod:`clfdiag.entry` for the process-level one)."""
    try:
        app()
    except KeyboardInterrupt:
        _say("interrupted")
        sys.exit(EXIT_INTERRUPTED)
    except Exception as exc:  # outside a command: while parsing options, say
        if _state["debug"]:
            raise
        _say(_internal_error(exc))
        sys.exit(EXIT_INTERNAL)
