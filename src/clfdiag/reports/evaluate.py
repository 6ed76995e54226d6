"""The report of ``clfdiag evaluate``: one builder for every engine and kind of input."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal, TypedDict

if TYPE_CHECKING:
    # Added to typing in Python 3.11; the annotations are strings at run time.
    from typing import NotRequired

import numpy as np

from clfdiag.core.calibration_tests import CalibrationTests
from clfdiag.core.evaluation import Evaluation
from clfdiag.core.slices import SliceResult
from clfdiag.engines.result import EvaluationRun
from clfdiag.errors import flag_value
from clfdiag.predictions import Predictions
from clfdiag.reports.common import (
    SCHEMA_VERSION,
    CalibrationBinJSON,
    InputJSON,
    Number,
    OverconfidentCountsJSON,
    Task,
    calibration_bins,
    curves,
    input_summary,
    number,
    overconfident_counts,
    pair,
)
from clfdiag.reports.fairness import fairness_entries
from clfdiag.reports.selective import SelectiveJSON, selective_json
from clfdiag.version import __version__

ClassJSON = TypedDict("ClassJSON", {
    "class": str, "precision": float | None, "recall": float | None, "f1": float | None,
    "support": float, "predicted": float, "roc_auc": float | None})

class CalibrationJSON(TypedDict):
    """Top-label reliability bins, ECE and MCE, and the exact per-bin counts and gaps."""

    method: str | None
    bins: list[CalibrationBinJSON]
    ece: float | None
    mce: float | None
    correct: list[float]
    gap: list[float | None]


class OverconfidentErrorJSON(TypedDict):
    """One wrong and confident example."""

    row: int
    id: str | None
    label: str
    predicted: str
    confidence: float
    loss: float


class OverconfidentJSON(OverconfidentCountsJSON):
    """Errors at or above ``min_confidence`` and the most confident of them.

    ``likely_label_issues`` (in memory, unweighted probabilities only): how many
    of the ``count`` errors ``clfdiag label-issues`` flags as probably
    mislabelled, by its default filter.
    """

    top: list[OverconfidentErrorJSON]
    likely_label_issues: NotRequired[int]


class _ConfusionCounts(TypedDict):
    labels: list[str]
    matrix: list[list[int]]


class ConfusionJSON(_ConfusionCounts, total=False):
    """``matrix[i][j]``: examples of class ``labels[i]`` predicted as ``labels[j]``.

    ``weighted`` (present only then): the entries are sums of sample weights (floats).
    """

    weighted: bool


class SliceJSON(TypedDict):
    """One group of ``--by``: its metrics, their intervals and its test against the rest."""

    column: str
    group: str
    n: int
    metrics: dict[str, Number]
    intervals: dict[str, list[float] | None]
    below_rest: bool
    p_value: float | None


class _EvaluationFields(TypedDict):

    schema_version: int
    clfdiag_version: str
    command: Literal["evaluate"]
    input: InputJSON
    mode: Literal["in-memory", "streaming", "distributed"]
    task: Task
    classes: list[str]
    positive_class: str | None
    threshold: float | None
    threshold_rule: dict[str, Any] | None
    metrics: dict[str, Number]
    undefined: dict[str, str]
    roc_auc_ci: list[float] | None
    roc_auc_error_bound: float | None
    pr_auc_error_bound: float | None
    accuracy_ci: list[float] | None
    log_loss_clipped_rows: int
    confusion_matrix: ConfusionJSON
    per_class: list[ClassJSON]
    calibration: CalibrationJSON
    overconfident_errors: OverconfidentJSON
    curves: dict[str, Any] | None
    class_roc: list[dict[str, Any]] | None
    selective: SelectiveJSON | None
    notes: list[str]
    reliability_positive_class: NotRequired[dict[str, Any] | None]
    calibration_tests: NotRequired[dict[str, Any] | None]
    calibration_estimators: NotRequired[dict[str, Any]]


class EvaluationReport(_EvaluationFields, total=False):
    """The report of ``clfdiag evaluate`` (``--format json``); the CLI may add ``gates``.

    ``slices`` is there with ``--by``; ``engine`` with ``--engine dask``.
    """

    slices: list[SliceJSON]
    fairness: list[dict[str, Any]]
    slice_test: dict[str, Any]
    engine: str


CROSSING = " × "
"""Joins the columns, and the values, of crossed ``--by`` slices."""


def slices_json(columns: tuple[str, ...], results: list[SliceResult]) -> list[SliceJSON]:
    """The ``slices`` of an evaluation report, one entry a group, in order of the values."""
    return [{"column": CROSSING.join(columns), "group": CROSSING.join(r.group), "n": r.n,
             "metrics": {k: number(v) for k, v in r.metrics.items()},
             "intervals": {k: pair(v) for k, v in r.intervals.items()},
             "below_rest": r.below_rest, "p_value": r.p_value} for r in results]


SLICE_TESTS = {
    "accuracy": "pooled two-proportion z test of the group's accuracy against the rest's",
    "roc_auc": "DeLong test of the group's ROC AUC against the rest's (unpaired)",
}


def slice_test_json(metric: str, min_group: int, alpha: float) -> dict[str, Any]:
    """How the groups were tested: one-sided, Holm-adjusted over the tested groups."""
    return {"metric": metric, "test": SLICE_TESTS[metric], "alternative": "below the rest",
            "adjustment": "holm", "alpha": alpha, "min_group": min_group}


Branch = Literal["probability", "weighted", "hard", "scores"]
CalibrationTestResults = CalibrationTests | Sequence[CalibrationTests]
"""Binary: the tests of the positive class's probability; multiclass: one a class."""


def evaluate_report(run: EvaluationRun, *, bins: int, threshold_rule: dict[str, Any] | None = None,
                    notes: Sequence[str] = (), arrays: Predictions | None = None,
                    bootstrap: int = 0, seed: int | None = None,
                    calibration_tests: CalibrationTestResults | None = None,
                    likely_label_issues: int | None = None,
                    ) -> EvaluationReport:
    """The report of ``clfdiag evaluate`` (``--format json``) from an engine's evaluation.

    The branch (probabilities, weighted probabilities, hard predictions or
    real-valued scores) is decided once, from the input. ``threshold_rule`` says
    how a rule chose the threshold; ``notes`` are the caller's, after the
    input's. The calibration estimators beyond the top-label bins need every
    example: ``arrays`` (the predictions evaluated in memory, with ``bootstrap``
    resamples seeded by ``seed`` for the ECE's interval); streaming and Dask runs
    report them as unavailable. ``calibration_tests``: the tests of an in-memory
    evaluation of probabilities (one result, or one a class); without them the key
    is null with the reason in ``undefined``.
    ``likely_label_issues``: how many of the overconfident errors confident
    learning flags (``clfdiag label-issues``), reported only when given.
    """
    from clfdiag.reports.calibration_estimators import add_calibration_estimators

    branch = _branch(run)
    report = _evaluation_fields(run)
    if branch == "scores":
        score_report(report, run.score_threshold)
    report["threshold_rule"] = threshold_rule
    report["notes"] += notes
    if likely_label_issues is not None:
        report["overconfident_errors"]["likely_label_issues"] = likely_label_issues
    if branch == "hard":
        hard_prediction_report(report)
    else:
        report["notes"] += inverted_score_note(report["task"], report["metrics"].get("roc_auc"),
                                               run.source.probability_columns, run.classes,
                                               run.source.named_class)
    sliced = {} if run.slices is None else {
        "slices": slices_json(run.slices.options.by, list(run.slices.results)),
        "slice_test": slice_test_json(run.slices.options.metric, run.slices.options.min_group,
                                      run.slices.options.alpha)}
    if run.slices is not None and run.slices.fairness:
        sliced["fairness"] = fairness_entries(run.slices.options.by, run.slices.fairness)
    if run.slices is not None and run.source.weight_column is not None:
        report["notes"].append(
            "--by with weights: each group's metrics"
            + (" and the fairness rates and disparities" if run.slices.fairness else "")
            + " are weighted as the whole's; the per-group tests against the rest count "
            "examples (the rows of non-zero weight), unweighted")
    if run.mode != "in-memory":
        # The order of the keys is the contract's: a folded run lists its slices first.
        report.update(sliced)  # type: ignore[typeddict-item]
    unavailable = _estimators_unavailable(run, branch, report["undefined"].get("ece"))
    if unavailable is None:
        if arrays is None:
            raise ValueError("an in-memory evaluation of probabilities needs its arrays")
        add_calibration_estimators(report, arrays.y, arrays.proba, bins, bootstrap, seed,
                                   positive_class=run.evaluation.positive_class_calibration,
                                   classwise=run.evaluation.class_calibration)
    else:
        add_calibration_estimators(report, None, None, bins, unavailable=unavailable)
    _add_calibration_tests(report, run, branch, calibration_tests)
    if run.mode == "in-memory":
        report.update(sliced)  # type: ignore[typeddict-item]
    return report


def _add_calibration_tests(report: EvaluationReport, run: EvaluationRun, branch: Branch,
                           tests: CalibrationTestResults | None) -> None:
    """The ``calibration_tests`` key, or null with its reason under ``undefined``."""
    from clfdiag.reports.calibration_tests import calibration_tests_section

    if tests is not None:
        report["calibration_tests"] = calibration_tests_section(tests, run.classes)
        return
    report["calibration_tests"] = None
    if branch == "hard":
        reason = "the input holds hard predictions (class labels), not probabilities"
    elif branch == "scores":
        reason = SCORE_REASON
    else:
        reason = ("needs the rows in memory: run --in-memory (the isotonic fit, the "
                  "logistic fits and the Hosmer-Lemeshow groups use every example)")
    report["undefined"]["calibration_tests"] = reason


def _branch(run: EvaluationRun) -> Branch:
    kind = run.source.score_kind
    if kind in ("hard", "scores"):
        return kind  # type: ignore[return-value]
    return "probability" if run.evaluation.weight_sum is None else "weighted"


def _estimators_unavailable(run: EvaluationRun, branch: Branch,
                            ece_reason: str | None) -> str | None:
    """Why the estimators beyond the top-label ECE are left out, or None to compute them."""
    if run.mode == "streaming":
        return ("streaming mode keeps the top-label bins only; evaluate in memory "
                "(--in-memory) for the other estimators")
    if run.mode == "distributed":
        return ("the Dask engine keeps the top-label bins only; evaluate in memory for the "
                "other estimators")
    if branch == "hard":
        return ece_reason
    if branch in ("scores", "weighted"):
        return ece_reason or ("the binned, class-wise and smooth calibration estimators are "
                              "not weighted: the weighted top-label ECE and MCE are in metrics")
    return None


def inverted_score_note(task: str, auc: float | None, columns: Sequence[str],
                        classes: Sequence[str], named_class: str | None = None,
                        flag: bool = True) -> list[str]:
    """A binary ROC AUC below 0.5: the score may be the other class's probability.

    ``named_class``: the class the column's name gave it, as the reader took it
    (:attr:`~clfdiag.predictions.InputSummary.named_class`). ``flag``: name the
    ``--positive`` that would read it the other way (not where the flag would turn
    other files too).
    """
    if task != "binary" or auc is None or auc >= 0.5:
        return []
    column = ", ".join(repr(c) for c in columns) or "the score column"
    if named_class is not None and named_class.lower() in {c.lower() for c in classes}:
        # Its name says which class it scores, and --positive never overrides a name: a
        # hint to pass it would read the same column the same way.
        return [f"ROC AUC is {auc:.4f}, below 0.5: {column} is read as the probability of "
                f"{named_class!r}, as its name says; if it holds the other class's "
                "probability, the column is misnamed: rename it"]
    return [f"ROC AUC is {auc:.4f}, below 0.5: {column} may be the probability of "
            f"{classes[0]!r} rather than of {classes[1]!r}"
            + (f"; if so, pass --positive {flag_value(classes[0])}" if flag else "")]


def _evaluation_fields(run: EvaluationRun) -> EvaluationReport:
    """The fields every evaluation has, as its engine computed them."""
    src, ev, mode = run.source, run.evaluation, run.mode
    class_names, top_rows, top_ids = run.classes, run.top_rows, run.top_ids
    classes = list(class_names)
    over = ev.overconfident
    labels = [classes[i] for i in ev.top_label]
    report: EvaluationReport = {
        "schema_version": SCHEMA_VERSION,
        "clfdiag_version": __version__,
        "command": "evaluate",
        "input": input_summary(src),
        "mode": mode,
        "task": ev.task,
        "classes": classes,
        "positive_class": classes[1] if ev.task == "binary" else None,
        "threshold": ev.threshold,
        "threshold_rule": None,
        "metrics": {k: number(v) for k, v in ev.metrics.items()},
        "undefined": dict(ev.undefined),
        "roc_auc_ci": pair(ev.roc_auc_ci),
        "roc_auc_error_bound": ev.auc_error_bound,
        "pr_auc_error_bound": ev.ap_error_bound,
        "accuracy_ci": pair(ev.accuracy_ci),
        "log_loss_clipped_rows": ev.clipped,
        "confusion_matrix": {"labels": classes, "matrix": ev.confusion_matrix.tolist()},
        "per_class": [
            {
                "class": name,
                "precision": c.stats.precision.value,
                "recall": c.stats.recall.value,
                "f1": c.stats.f1.value,
                "support": c.stats.support,
                "predicted": c.stats.predicted,
                "roc_auc": c.roc_auc.value,
            }
            for name, c in zip(classes, ev.per_class, strict=True)
        ],
        "calibration": {
            "method": f"top-label, {len(ev.calibration.bins)} equal-width bins, right-closed",
            "bins": calibration_bins(ev),
            "ece": ev.calibration.ece,
            "mce": ev.calibration.mce,
            "correct": [b.correct for b in ev.calibration.bins],
            "gap": [b.gap for b in ev.calibration.bins],
        },
        "overconfident_errors": {
            # mypy cannot see that a ** item may leave out a NotRequired key.
            **overconfident_counts(over),  # type: ignore[typeddict-item]
            "top": [
                {"row": row, "id": ident, "label": label, "predicted": classes[int(pred)],
                 "confidence": float(conf), "loss": float(loss)}
                for row, ident, label, pred, conf, loss in zip(
                    top_rows, top_ids, labels, ev.predicted,
                    ev.top_confidence, ev.top_loss, strict=True)
            ],
        },
        "curves": curves(ev),
        "class_roc": _class_roc(classes, ev) if ev.task == "multiclass" else None,
        "selective": None if ev.selective is None else selective_json(ev.selective),
        "notes": [*src.notes, *ev.notes, *_clip_note(ev)],
    }
    if ev.weight_sum is not None:
        report["confusion_matrix"]["weighted"] = True
        report["notes"].append(_weights_note(src.weight_column, ev.weight_sum))
    if run.engine is not None:
        report["engine"] = run.engine
    return report


def _weights_note(column: str | None, total: float) -> str:
    return (f"weighted by {column!r} (total weight {total:.6g}): every metric, the confusion "
            "matrix, the per-class support and the calibration bins are sums of weights, and "
            "examples count the rows of non-zero weight; the accuracy and AUC intervals are "
            "undefined")


PROBABILITY_METRICS = ("log_loss", "brier", "roc_auc", "pr_auc", "ece", "mce",
                       "top5_accuracy")


def hard_prediction_report(report: EvaluationReport) -> EvaluationReport:
    """An evaluation report of hard predictions: every probability metric null, with why.

    The confusion-matrix statistics stand; Cohen's kappa is added
    (:func:`~clfdiag.core.agreement.cohen_kappa`). Calibration, curves and
    overconfident errors need a probability and are left empty.
    """
    from clfdiag.core.agreement import cohen_kappa

    reason = "the input holds hard predictions (class labels), not probabilities"
    metrics = report["metrics"]
    for name in PROBABILITY_METRICS:
        if name in metrics:
            metrics[name] = None
            report["undefined"][name] = reason
    weighted = report["confusion_matrix"].get("weighted", False)
    kappa = cohen_kappa(np.array(report["confusion_matrix"]["matrix"],
                                 dtype=np.float64 if weighted else np.int64))
    metrics["cohen_kappa"] = kappa.value
    if kappa.value is None and kappa.reason:
        report["undefined"]["cohen_kappa"] = kappa.reason
    report["roc_auc_ci"] = None
    report["curves"] = None
    report["class_roc"] = None
    report["selective"] = None
    report["log_loss_clipped_rows"] = 0
    report["threshold"] = None
    for row in report["per_class"]:
        row["roc_auc"] = None
    report["calibration"] = {"method": None, "bins": [], "ece": None, "mce": None,
                             "correct": [], "gap": []}
    report["overconfident_errors"] = {"min_confidence": None, "count": None, "errors": None,
                                      "share_of_errors": None, "share_of_loss": None,
                                      "top": [], "undefined": reason}
    report["notes"] = [n for n in report["notes"] if "clipped" not in n]
    return report


SCORE_REASON = "the input holds real-valued scores (--scores), not probabilities"
THRESHOLD_METRICS = ("accuracy", "balanced_accuracy", "precision", "recall", "specificity",
                     "f1", "mcc")


def score_report(report: EvaluationReport, threshold: float | None) -> EvaluationReport:
    """An evaluation report of real-valued scores: every probability metric null, with why.

    The ranking metrics (ROC and PR AUC, the DeLong interval, the curves)
    stand. A score has no natural cut such as 0.5, so the metrics of a decision
    are computed only at an explicit ``threshold`` (``score >= threshold``);
    without one they are null with the reason, the confusion matrix is empty
    and ``threshold`` is null.
    """
    metrics, undefined = report["metrics"], report["undefined"]
    for name in ("log_loss", "brier", "ece", "mce"):
        metrics[name] = None
        undefined[name] = SCORE_REASON
    if threshold is None:
        why = ("a real-valued score has no natural threshold: pass --threshold T (a score), "
               "or a rule such as --threshold youden")
        for name in THRESHOLD_METRICS:
            metrics[name] = None
            undefined[name] = why
        report["accuracy_ci"] = None
        report["confusion_matrix"]["matrix"] = []
        for row in report["per_class"]:
            row["precision"] = row["recall"] = row["f1"] = None
            row["predicted"] = 0
    elif "precision" in undefined:
        undefined["precision"] = (f"no predicted positives at threshold {threshold:g} "
                                  "(TP + FP = 0)")
    report["threshold"] = threshold
    report["log_loss_clipped_rows"] = 0
    report["calibration"] = {"method": None, "bins": [], "ece": None, "mce": None,
                             "correct": [], "gap": []}
    report["overconfident_errors"] = {"min_confidence": None, "count": None, "errors": None,
                                      "share_of_errors": None, "share_of_loss": None,
                                      "top": [], "undefined": SCORE_REASON}
    report["notes"] = [n for n in report["notes"] if "clipped" not in n]
    return report


ALL_CLASS_CURVES = 20
WORST_CLASS_CURVES = 8


def _class_roc(classes: list[str], ev: Evaluation) -> list[dict[str, Any]]:
    """One-vs-rest ROC curves: every class up to 20 classes, else the 8 with the lowest AUC."""
    defined = [(c.roc_auc.value, i) for i, c in enumerate(ev.per_class)
               if c.roc_auc.value is not None and ev.class_roc[i] is not None]
    if len(defined) > ALL_CLASS_CURVES:
        defined = sorted(defined)[:WORST_CLASS_CURVES]
    out = []
    for auc, i in sorted(defined, key=lambda t: t[1]):
        curve = ev.class_roc[i]
        assert curve is not None
        out.append({"class": classes[i], "roc_auc": auc, "fpr": curve.x.tolist(),
                    "tpr": curve.y.tolist()})
    return out


def _clip_note(ev: Evaluation) -> list[str]:
    if not ev.clipped:
        return []
    return [f"{ev.clipped} rows gave their true class a probability within machine epsilon of "
            "0 or 1; it was clipped to [eps, 1 - eps] for the log loss"]
