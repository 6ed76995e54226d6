"""One complete evaluation of a set of predictions: every metric, table and list."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from clfdiag.core import confusion as cmx
from clfdiag.core.calibration import Calibration, top_label_calibration
from clfdiag.core.intervals import auc_interval, wilson_interval
from clfdiag.core.losses import brier_terms, log_loss_terms, true_class_probability
from clfdiag.core.overconfidence import Overconfidence, overconfident_errors
from clfdiag.core.ranking import (
    Curve,
    average_precision,
    precision_recall_curve,
    rank_binary,
    roc_auc,
    roc_curve,
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Interval = tuple[float, float]


@dataclass(frozen=True)
class ClassReport:
    """Per-class statistics, one-vs-rest."""

    stats: cmx.ClassStats
    roc_auc: cmx.Statistic


@dataclass(frozen=True)
class Evaluation:
    """Everything ``clfdiag evaluate`` reports, before any formatting.

    ``metrics`` maps each metric name to its value; an undefined metric maps to
    ``None`` and its reason is in ``undefined``. Class indices refer to the
    caller's class order (binary: 0 negative, 1 positive).
    """

    task: str
    n: int
    metrics: dict[str, float | None]
    undefined: dict[str, str]
    confusion_matrix: IntArray
    per_class: tuple[ClassReport, ...]
    calibration: Calibration
    overconfident: Overconfidence
    predicted: IntArray
    """Predicted class index of each example in ``overconfident.top``."""
    top_confidence: FloatArray
    top_loss: FloatArray
    accuracy_ci: Interval | None
    roc_auc_ci: Interval | None
    roc: Curve | None
    pr: Curve | None
    clipped: int
    threshold: float | None
    notes: tuple[str, ...] = field(default=())


def _put(metrics: dict[str, float | None], undefined: dict[str, str], name: str,
         stat: cmx.Statistic) -> None:
    metrics[name] = stat.value
    if stat.value is None and stat.reason is not None:
        undefined[name] = stat.reason


def _auc_stat(value: float | None) -> cmx.Statistic:
    if value is None:
        return cmx.Statistic(None, "only one class is present in the labels")
    return cmx.Statistic(value)


def _mean(values: FloatArray) -> float | None:
    return float(values.mean()) if values.size else None


def evaluate_binary(
    y: npt.NDArray[np.integer],
    p: FloatArray,
    *,
    threshold: float = 0.5,
    min_confidence: float = 0.9,
    top: int = 10,
    n_bins: int = 15,
) -> Evaluation:
    """Evaluate positive-class probabilities ``p`` against 0/1 labels ``y``.

    An example is predicted positive iff ``p >= threshold``; accuracy, the
    confusion matrix and the overconfident errors use that decision. Calibration
    is top-label: the predicted class is the more probable one (positive iff
    ``p >= 0.5``) and its probability is the confidence.
    """
    n = int(y.shape[0])
    metrics: dict[str, float | None] = {}
    undefined: dict[str, str] = {}
    ranking = rank_binary(y, p)
    positives = ranking.positives
    metrics["n"] = n
    metrics["positives"] = positives
    metrics["prevalence"] = positives / n if n else None

    loss, clipped = log_loss_terms(true_class_probability(y, p))
    metrics["log_loss"] = _mean(loss)
    metrics["brier"] = _mean(brier_terms(y, p))

    predicted = (p >= threshold).astype(np.int64)
    cm = cmx.confusion_matrix(y, predicted, 2)
    tn, fp, fn, tp = (int(v) for v in cm.ravel())
    _put(metrics, undefined, "accuracy", cmx.accuracy(cm))
    _put(metrics, undefined, "balanced_accuracy", cmx.balanced_accuracy(cm))
    _put(metrics, undefined, "precision",
         cmx.ratio(tp, tp + fp, f"no predicted positives at threshold {threshold:g} (TP + FP = 0)"))
    _put(metrics, undefined, "recall",
         cmx.ratio(tp, tp + fn, "no positive examples (TP + FN = 0)"))
    _put(metrics, undefined, "specificity",
         cmx.ratio(tn, tn + fp, "no negative examples (TN + FP = 0)"))
    _put(metrics, undefined, "f1",
         cmx.ratio(2 * tp, 2 * tp + fp + fn, "no positive examples and no predicted positives"))
    _put(metrics, undefined, "mcc", cmx.matthews_corrcoef(cm))
    auc = _auc_stat(roc_auc(ranking))
    _put(metrics, undefined, "roc_auc", auc)
    ap = average_precision(ranking)
    _put(metrics, undefined, "pr_auc",
         cmx.Statistic(ap, None if ap is not None else "no positive examples"))

    top_label = p >= 0.5
    confidence = np.where(top_label, p, 1.0 - p)
    calibration = top_label_calibration(confidence, top_label == (y == 1), n_bins)
    _calibration_metrics(metrics, undefined, calibration)

    decided_confidence = np.where(predicted == 1, p, 1.0 - p)
    over = overconfident_errors(decided_confidence, predicted != y, loss, min_confidence, top)
    stats = cmx.per_class(cm)
    per_class = tuple(ClassReport(s, auc) for s in stats)
    return Evaluation(
        task="binary",
        n=n,
        metrics=metrics,
        undefined=undefined,
        confusion_matrix=cm,
        per_class=per_class,
        calibration=calibration,
        overconfident=over,
        predicted=predicted[over.top],
        top_confidence=decided_confidence[over.top],
        top_loss=loss[over.top],
        accuracy_ci=wilson_interval(tn + tp, n),
        roc_auc_ci=auc_interval(ranking),
        roc=roc_curve(ranking) if positives and ranking.negatives else None,
        pr=precision_recall_curve(ranking) if positives else None,
        clipped=clipped,
        threshold=threshold,
    )


def evaluate_multiclass(
    y: npt.NDArray[np.integer],
    proba: FloatArray,
    *,
    min_confidence: float = 0.9,
    top: int = 10,
    n_bins: int = 15,
) -> Evaluation:
    """Evaluate an ``(n, K)`` matrix of class probabilities against class indices ``y``.

    The predicted class is the most probable one (the lowest index among ties,
    as ``numpy.argmax``). ``top5_accuracy`` counts an example as a hit when fewer
    than 5 classes rank above its true class, ties ranked by class index, and is
    reported only when there are more than 5 classes.
    """
    n, k = proba.shape
    metrics: dict[str, float | None] = {}
    undefined: dict[str, str] = {}
    notes: list[str] = []
    metrics["n"] = n

    p_true = true_class_probability(y, proba)
    loss, clipped = log_loss_terms(p_true)
    metrics["log_loss"] = _mean(loss)
    metrics["brier"] = _mean(brier_terms(y, proba))

    predicted = proba.argmax(axis=1).astype(np.int64)
    confidence = proba[np.arange(n), predicted]
    cm = cmx.confusion_matrix(y, predicted, k)
    _put(metrics, undefined, "accuracy", cmx.accuracy(cm))
    if k > 5:
        metrics["top5_accuracy"] = _mean(_top_k_hits(y, proba, p_true, 5))
    _put(metrics, undefined, "balanced_accuracy", cmx.balanced_accuracy(cm))

    stats = cmx.per_class(cm)
    aucs = [_auc_stat(roc_auc(rank_binary(y == c, proba[:, c]))) for c in range(k)]
    for name, values in (
        ("macro_precision", [s.precision for s in stats]),
        ("macro_recall", [s.recall for s in stats]),
        ("macro_f1", [s.f1 for s in stats]),
    ):
        _put(metrics, undefined, name, cmx.macro_mean(values, name.removeprefix("macro_")))
    weighted = [(s.f1.value, s.support) for s in stats if s.support and s.f1.value is not None]
    _put(metrics, undefined, "weighted_f1", cmx.Statistic(
        sum(f * w for f, w in weighted) / n if n else None, "no examples"))
    _put(metrics, undefined, "mcc", cmx.matthews_corrcoef(cm))
    _put(metrics, undefined, "roc_auc", cmx.macro_mean(aucs, "one-vs-rest ROC AUC"))

    left_out = {
        "precision": sum(s.precision.value is None for s in stats),
        "recall": sum(s.recall.value is None for s in stats),
        "ROC AUC": sum(a.value is None for a in aucs),
    }
    for what, count in left_out.items():
        if count and count < k:
            notes.append(f"macro {what} averages {k - count} of {k} classes; "
                         f"{count} undefined (see per-class table)")

    calibration = top_label_calibration(confidence, predicted == y, n_bins)
    _calibration_metrics(metrics, undefined, calibration)
    over = overconfident_errors(confidence, predicted != y, loss, min_confidence, top)
    return Evaluation(
        task="multiclass",
        n=n,
        metrics=metrics,
        undefined=undefined,
        confusion_matrix=cm,
        per_class=tuple(ClassReport(s, a) for s, a in zip(stats, aucs, strict=True)),
        calibration=calibration,
        overconfident=over,
        predicted=predicted[over.top],
        top_confidence=confidence[over.top],
        top_loss=loss[over.top],
        accuracy_ci=wilson_interval(int(np.trace(cm)), n),
        roc_auc_ci=None,
        roc=None,
        pr=None,
        clipped=clipped,
        threshold=None,
        notes=tuple(notes),
    )


def _top_k_hits(
    y: npt.NDArray[np.integer], proba: FloatArray, p_true: FloatArray, k: int
) -> FloatArray:
    """1.0 where fewer than ``k`` classes outrank the true class (ties ranked by index)."""
    above = (proba > p_true[:, None]).sum(axis=1)
    columns = np.arange(proba.shape[1])
    tied_before = ((proba == p_true[:, None]) & (columns[None, :] < y[:, None])).sum(axis=1)
    return np.asarray(above + tied_before < k, dtype=np.float64)


def _calibration_metrics(metrics: dict[str, float | None], undefined: dict[str, str],
                         calibration: Calibration) -> None:
    for name, value in (("ece", calibration.ece), ("mce", calibration.mce)):
        metrics[name] = value
        if value is None:
            undefined[name] = "no examples"
