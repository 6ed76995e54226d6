"""The documented, JSON-able structure of an evaluation: the stable contract.

Every renderer (terminal, Markdown, CSV, JSON) reads this structure, so what a
pipeline sees and what a person sees are the same numbers. Bump
``SCHEMA_VERSION`` on any change that could break a consumer.
"""

from __future__ import annotations

import math
from typing import Any, Literal, NotRequired, TypedDict

import numpy as np

from clfdiag import __version__
from clfdiag.core.comparison import Comparison, significant_regressions
from clfdiag.core.comparison import LossChangeGroup as Group
from clfdiag.core.evaluation import Evaluation
from clfdiag.core.ranking import Curve
from clfdiag.core.slices import SliceResult
from clfdiag.core.trajectory import Trajectory
from clfdiag.pairing import Paired
from clfdiag.predictions import InputSummary, Predictions
from clfdiag.reports.selective import SelectiveJSON, selective_json

SCHEMA_VERSION = 1

Task = Literal["binary", "multiclass"]
Number = float | int | None


class InputJSON(TypedDict):
    """One input file: its rows, what was used and dropped, and the role of each column."""

    path: str
    rows: int
    used: int
    dropped: int
    dropped_reasons: dict[str, int]
    label_column: str | None
    probability_columns: list[str]
    id_column: str | None
    transform: str | None
    prediction_column: str | None
    weight_column: str | None
    score_kind: str
    column_roles: list[dict[str, str]]
    labels_file: str | None
    labels_joined_by: str | None


ClassJSON = TypedDict("ClassJSON", {
    "class": str, "precision": float | None, "recall": float | None, "f1": float | None,
    "support": float, "predicted": float, "roc_auc": float | None})


class CalibrationBinJSON(TypedDict):
    """Examples whose confidence is in ``(lower, upper]``."""

    lower: float
    upper: float
    count: float
    confidence: float | None
    accuracy: float | None


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


class _OverconfidentCounts(TypedDict):
    min_confidence: float | None
    count: int | None
    errors: int | None
    share_of_errors: float | None
    share_of_loss: float | None
    top: list[OverconfidentErrorJSON]


class OverconfidentJSON(_OverconfidentCounts, total=False):
    """Errors at or above ``min_confidence`` and the most confident of them.

    Without probabilities (hard predictions) the counts are null and
    ``undefined`` says why.
    """

    undefined: str


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
    calibration_estimators: NotRequired[dict[str, Any]]


class EvaluationReport(_EvaluationFields, total=False):
    """The report of ``clfdiag evaluate`` (``--format json``); the CLI may add ``gates``.

    ``slices`` is there with ``--by``; ``engine`` with ``--engine dask``.
    """

    slices: list[SliceJSON]
    slice_test: dict[str, Any]
    engine: str


CROSSING = " × "
"""Joins the columns, and the values, of crossed ``--by`` slices."""


def slices_json(columns: tuple[str, ...], results: list[SliceResult]) -> list[SliceJSON]:
    """The ``slices`` of an evaluation report, one entry a group, in order of the values."""
    return [{"column": CROSSING.join(columns), "group": CROSSING.join(r.group), "n": r.n,
             "metrics": {k: _number(v) for k, v in r.metrics.items()},
             "intervals": {k: _pair(v) for k, v in r.intervals.items()},
             "below_rest": r.below_rest, "p_value": r.p_value} for r in results]


SLICE_TESTS = {
    "accuracy": "pooled two-proportion z test of the group's accuracy against the rest's",
    "roc_auc": "DeLong test of the group's ROC AUC against the rest's (unpaired)",
}


def slice_test_json(metric: str, min_group: int, alpha: float) -> dict[str, Any]:
    """How the groups were tested: one-sided, Holm-adjusted over the tested groups."""
    return {"metric": metric, "test": SLICE_TESTS[metric], "alternative": "below the rest",
            "adjustment": "holm", "alpha": alpha, "min_group": min_group}


class _TrajectoryFields(TypedDict):

    schema_version: int
    clfdiag_version: str
    command: Literal["epochs", "history"]
    epochs: list[dict[str, Any]]
    flagged: list[Any]
    best: dict[str, Any]
    loss_rises_from: Any
    min_loss_delta: float
    min_accuracy_delta: float
    metric: str | None
    flags: list[dict[str, Any]]


class TrajectoryReport(_TrajectoryFields, total=False):
    """The report of ``epochs`` (with ``last_vs_best``) and ``history`` (``source``, ``notes``)."""

    last_vs_best: dict[str, Any] | None
    flag_tests: dict[str, Any]
    pairing: dict[str, Any]
    source: dict[str, Any]
    notes: list[str]
    folds: list[dict[str, Any]]


def evaluation_report(src: InputSummary, class_names: tuple[str, ...], ev: Evaluation,
                      top_rows: list[int], top_ids: list[str | None],
                      mode: Literal["in-memory", "streaming", "distributed"] = "in-memory"
                      ) -> EvaluationReport:
    """Assemble the report of ``clfdiag evaluate``.

    ``top_rows`` and ``top_ids`` are the input rows and ids of the overconfident
    errors listed in ``ev`` (in its order).
    """
    classes = list(class_names)
    over = ev.overconfident
    labels = [classes[i] for i in ev.top_label]
    report: EvaluationReport = {
        "schema_version": SCHEMA_VERSION,
        "clfdiag_version": __version__,
        "command": "evaluate",
        "input": _input_summary(src),
        "mode": mode,
        "task": ev.task,
        "classes": classes,
        "positive_class": classes[1] if ev.task == "binary" else None,
        "threshold": ev.threshold,
        "threshold_rule": None,
        "metrics": {k: _number(v) for k, v in ev.metrics.items()},
        "undefined": dict(ev.undefined),
        "roc_auc_ci": _pair(ev.roc_auc_ci),
        "roc_auc_error_bound": ev.auc_error_bound,
        "pr_auc_error_bound": ev.ap_error_bound,
        "accuracy_ci": _pair(ev.accuracy_ci),
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
            "bins": _calibration_bins(ev),
            "ece": ev.calibration.ece,
            "mce": ev.calibration.mce,
            "correct": [b.correct for b in ev.calibration.bins],
            "gap": [b.gap for b in ev.calibration.bins],
        },
        "overconfident_errors": {
            "min_confidence": over.min_confidence,
            "count": over.count,
            "errors": over.errors,
            "share_of_errors": over.share_of_errors,
            "share_of_loss": over.share_of_loss,
            "top": [
                {"row": row, "id": ident, "label": label, "predicted": classes[int(pred)],
                 "confidence": float(conf), "loss": float(loss)}
                for row, ident, label, pred, conf, loss in zip(
                    top_rows, top_ids, labels, ev.predicted,
                    ev.top_confidence, ev.top_loss, strict=True)
            ],
        },
        "curves": _curves(ev),
        "class_roc": _class_roc(classes, ev) if ev.task == "multiclass" else None,
        "selective": None if ev.selective is None else selective_json(ev.selective),
        "notes": [*src.notes, *ev.notes, *_clip_note(ev)],
    }
    if ev.weight_sum is not None:
        report["confusion_matrix"]["weighted"] = True
        report["notes"].append(_weights_note(src.weight_column, ev.weight_sum))
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


def _calibration_bins(ev: Evaluation) -> list[CalibrationBinJSON]:
    return [{"lower": b.lower, "upper": b.upper, "count": b.count,
             "confidence": b.confidence, "accuracy": b.accuracy}
            for b in ev.calibration.bins]


def _clip_note(ev: Evaluation) -> list[str]:
    if not ev.clipped:
        return []
    return [f"{ev.clipped} rows gave their true class a probability within machine epsilon of "
            "0 or 1; it was clipped to [eps, 1 - eps] for the log loss"]


def _curves(ev: Evaluation) -> dict[str, Any] | None:
    if ev.roc is None and ev.pr is None:
        return None
    out: dict[str, Any] = {}
    if ev.roc is not None:
        out["roc"] = _points(ev.roc, "fpr", "tpr")
    if ev.pr is not None:
        out["pr"] = _points(ev.pr, "recall", "precision")
    return out


def _points(curve: Curve, x: str, y: str) -> dict[str, list[float | None]]:
    """A curve's points (already sampled by the engine) with a threshold for each, or null."""
    thresholds = [_number(curve.thresholds[i]) if i < len(curve.thresholds) else None
                  for i in range(len(curve.x))]
    return {x: curve.x.tolist(), y: curve.y.tolist(), "threshold": thresholds}


def _number(value: Any) -> Any:
    """JSON has no NaN or infinity: such values become null."""
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


def _pair(pair: tuple[float, float] | None) -> list[float] | None:
    return None if pair is None else [float(pair[0]), float(pair[1])]


def comparison_report(a: Predictions, b: Predictions, paired: Paired, cmp: Comparison,
                      *, threshold: float, min_loss_delta: float, min_accuracy_delta: float,
                      alpha: float) -> dict[str, Any]:
    """Assemble the report of ``clfdiag compare``: A, B, deltas, decomposition and tests."""
    classes = list(paired.classes)
    metrics_a = {k: _number(v) for k, v in cmp.a.metrics.items()}
    metrics_b = {k: _number(v) for k, v in cmp.b.metrics.items()}
    delta = {k: (None if metrics_a[k] is None or metrics_b.get(k) is None
                 else metrics_b[k] - metrics_a[k]) for k in metrics_a}
    index_a = paired.index_a[[c.index for c in cmp.top]]
    index_b = paired.index_b[[c.index for c in cmp.top]]
    top = [
        {"row": row_a, "row_b": row_b, "id": ident, "label": classes[int(paired.y[c.index])],
         "predicted_a": classes[c.predicted_a], "confidence_a": c.confidence_a,
         "p_true_a": c.p_true_a, "loss_a": c.loss_a,
         "predicted_b": classes[c.predicted_b], "confidence_b": c.confidence_b,
         "p_true_b": c.p_true_b, "loss_b": c.loss_b, "loss_change": c.loss_b - c.loss_a}
        for c, row_a, row_b, ident in zip(cmp.top, a.row_numbers(index_a),
                                          b.row_numbers(index_b), a.id_values(index_a),
                                          strict=True)
    ]
    delong = None
    if cmp.delong is not None:
        delong = {"auc_a": cmp.delong.auc_a, "auc_b": cmp.delong.auc_b, "z": cmp.delong.z,
                  "p_value": cmp.delong.p_value, "ci": list(cmp.delong.ci)}
    ll = cmp.log_loss_test
    report: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "clfdiag_version": __version__,
        "command": "compare",
        "inputs": {"a": _input(a), "b": _input(b)},
        "task": cmp.a.task,
        "classes": classes,
        "positive_class": classes[1] if cmp.a.task == "binary" else None,
        "threshold": threshold if cmp.a.task == "binary" else None,
        "a": metrics_a,
        "b": metrics_b,
        "delta": delta,
        "undefined": {"a": dict(cmp.a.undefined), "b": dict(cmp.b.undefined)},
        "pairing": {"by": paired.by, "n": len(paired), "only_in_a": paired.only_in_a,
                    "only_in_b": paired.only_in_b, "label_mismatch": paired.label_mismatch,
                    "left_out": paired.examples_left_out},
        "loss_up_accuracy_up": cmp.loss_up_accuracy_up,
        "min_loss_delta": min_loss_delta,
        "min_accuracy_delta": min_accuracy_delta,
        "diagnosis": diagnosis_sentence(cmp),
        "decomposition": {
            "total_loss_change": cmp.loss_delta,
            "groups": [{"name": g.name, "description": g.description, "count": g.count,
                        "loss_change": g.loss_change} for g in cmp.groups],
            "top": top,
        },
        "tests": {
            "alpha": alpha,
            "mcnemar": None if cmp.mcnemar is None else {
                "b01": cmp.mcnemar.b01, "b10": cmp.mcnemar.b10, "p_value": cmp.mcnemar.p_value},
            "delong": delong,
            "log_loss": {"mean_diff": ll.mean_diff, "ci": None if ll.ci is None else list(ll.ci),
                         "p_value": ll.p_value, "method": ll.method},
        },
        "regressions": list(significant_regressions(cmp, alpha)),
        "curves": {"a": _curves(cmp.a), "b": _curves(cmp.b)},
        "calibration": {"a": {"bins": _calibration_bins(cmp.a), "ece": cmp.a.calibration.ece},
                        "b": {"bins": _calibration_bins(cmp.b), "ece": cmp.b.calibration.ece}},
    }
    if cmp.undefined:
        report["tests"]["undefined"] = dict(cmp.undefined)
    if cmp.sample.size:
        groups = [g.name for g in cmp.groups]
        report["sample"] = {
            "p_true_a": cmp.sample_p_true_a.tolist(), "p_true_b": cmp.sample_p_true_b.tolist(),
            "group": [groups[g] for g in cmp.sample_group],
        }
    return report


MATERIAL_SHARE = 0.05
"""A group is named in the diagnosis when it moves the loss by at least this share of all moves."""
MAX_NAMED = 4


def diagnosis_sentence(cmp: Comparison) -> str:
    """One plain sentence on why log loss and accuracy moved as they did.

    The groups it quotes add up to the stated total: every group with a
    material contribution is named, and whatever they leave is "the rest".
    """
    g = {change.group: change for change in cmp.groups}
    loss_word = "rose" if cmp.loss_delta > 0 else "fell" if cmp.loss_delta < 0 else "held"
    acc_points = 100 * cmp.accuracy_delta
    acc_word = "rose" if acc_points > 0 else "fell" if acc_points < 0 else "held"
    correct, wrong = g[Group.BECAME_CORRECT], g[Group.BECAME_WRONG]
    flips = f"{correct.count} examples became correct, {wrong.count} became wrong"
    if cmp.loss_up_accuracy_up:
        head = (f"Accuracy rose by {acc_points:.2f} points ({flips}) while log loss rose by "
                f"{cmp.loss_delta:.4f}")
    else:
        acc_text = f" by {abs(acc_points):.2f} points" if acc_points else ""
        head = (f"Log loss {loss_word} by {abs(cmp.loss_delta):.4f} and accuracy {acc_word}"
                f"{acc_text} ({flips})")
    parts = _loss_parts(cmp)
    if not parts:
        return head + "."
    return f"{head}: {_join(parts)}."


def _loss_parts(cmp: Comparison) -> list[str]:
    """The material groups' contributions, largest rise first, then "the rest" if it shows."""
    moving = [x for x in cmp.groups if x.count and x.loss_change]
    scale = sum(abs(x.loss_change) for x in moving)
    named = sorted((x for x in moving if abs(x.loss_change) >= MATERIAL_SHARE * scale),
                   key=lambda x: -abs(x.loss_change))[:MAX_NAMED]
    named.sort(key=lambda x: -x.loss_change)
    parts = [f"the {x.count} that {x.group.phrase} {_moves(x.loss_change)}" for x in named]
    rest = cmp.loss_delta - sum(x.loss_change for x in named)
    if parts and round(rest, 4) != 0:
        parts.append(f"the rest {_moves(rest)}")
    return parts


def _moves(change: float) -> str:
    return f"add {change:+.4f}" if change >= 0 else f"take off {-change:.4f}"


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _input(p: Predictions) -> InputJSON:
    return _input_summary(p.source)


def _input_summary(src: InputSummary) -> InputJSON:
    return {"path": src.path, "rows": src.rows, "used": src.used,
            "dropped": src.rows - src.used, "dropped_reasons": dict(src.dropped),
            "label_column": src.label_column,
            "probability_columns": list(src.probability_columns),
            "id_column": src.id_column, "transform": src.transform,
            "prediction_column": src.prediction_column, "weight_column": src.weight_column,
            "score_kind": src.score_kind,
            "column_roles": [{"column": c, "role": r} for c, r in src.column_roles],
            "labels_file": src.labels_file, "labels_joined_by": src.labels_joined_by}


def _flags(trajectory: Trajectory, labels: list[Any], metric: str | None
           ) -> list[dict[str, Any]]:
    """One object per flagged evaluation: its label, the metric, and both changes."""
    return [{"epoch": labels[i], "metric": metric,
             "loss_delta": _number(trajectory.loss_deltas[i]),
             "metric_delta": _number(trajectory.metric_deltas[i])}
            for i in trajectory.flagged]


def _fold_entry(fold: Any, rows: list[dict[str, Any]], labels: list[Any], scan: Trajectory,
                metric: str | None) -> dict[str, Any]:
    """One fold of a history: the top-level keys, with the fold's own epoch labels."""
    by_loss = None if scan.best_by_loss is None else labels[scan.best_by_loss]
    by_acc = None if scan.best_by_accuracy is None else labels[scan.best_by_accuracy]
    return {"fold": fold,
            "epochs": [{k: _number(v) for k, v in row.items()} | {"epoch": label}
                       for row, label in zip(rows, labels, strict=True)],
            "flagged": [labels[i] for i in scan.flagged],
            "flags": _flags(scan, labels, metric),
            "best": {"by_loss": by_loss, "by_accuracy": by_acc,
                     "differ": None if by_acc is None else by_loss != by_acc},
            "loss_rises_from": (None if scan.loss_rises_from is None
                                else labels[scan.loss_rises_from])}


def trajectory_report(command: Literal["epochs", "history"], rows: list[dict[str, Any]],
                      labels: list[Any], trajectory: Trajectory, min_loss_delta: float,
                      min_accuracy_delta: float, *, last_vs_best: dict[str, Any] | None = None,
                      flag_tests: dict[str, Any] | None = None,
                      pairing: dict[str, Any] | None = None,
                      source: dict[str, Any] | None = None,
                      notes: list[str] | None = None, metric: str | None = "accuracy",
                      accuracy_scan: Trajectory | None = None,
                      folds: list[tuple[Any, list[int], list[Any], Trajectory]] | None = None,
                      ) -> TrajectoryReport:
    """The report shared by ``epochs`` and ``history``: one row per evaluation, flags, bests.

    ``metric`` names the metric scanned beside the loss (its value is each row's
    ``metric_value``); ``accuracy_scan`` is the scan by accuracy when another metric
    was scanned (it gives ``best.by_accuracy``). ``epochs`` has ``last_vs_best`` (null
    when the last epoch is the best), the paired tests of its flags (``flag_tests``)
    and how its files were paired; ``history`` has its ``source``; both may have
    ``notes``. With ``folds`` (each fold's value, its rows, their labels within the
    fold, and the fold's own scan), each fold is reported in ``folds[]`` with its own
    epoch labels, and the top-level bests are null: any of them would compare folds.
    """
    def label(i: int | None) -> Any:
        return None if i is None else labels[i]

    by_loss = label(trajectory.best_by_loss)
    by_acc = label((accuracy_scan or trajectory).best_by_accuracy)
    report: TrajectoryReport = {
        "schema_version": SCHEMA_VERSION,
        "clfdiag_version": __version__,
        "command": command,
        "metric": metric,
        "epochs": [{k: _number(v) for k, v in row.items()} for row in rows],
        "flagged": [labels[i] for i in trajectory.flagged],
        "flags": _flags(trajectory, labels, metric),
        "best": {"by_loss": by_loss, "by_accuracy": by_acc,
                 "differ": None if by_acc is None else by_loss != by_acc},
        "loss_rises_from": label(trajectory.loss_rises_from),
        "min_loss_delta": min_loss_delta,
        "min_accuracy_delta": min_accuracy_delta,
    }
    if folds is not None:
        report["best"] = {"by_loss": None, "by_accuracy": None, "differ": None}
        report["loss_rises_from"] = None
        report["folds"] = [_fold_entry(fold, [rows[i] for i in members], fold_labels, scan,
                                       metric)
                           for fold, members, fold_labels, scan in folds]
    if command == "epochs":
        report["last_vs_best"] = last_vs_best
    if flag_tests is not None:
        report["flag_tests"] = flag_tests
    if pairing is not None:
        report["pairing"] = pairing
    if source is not None:
        report["source"] = source
    if notes is not None:
        report["notes"] = notes
    return report
