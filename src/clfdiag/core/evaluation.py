"""One complete evaluation of a set of predictions: every metric, table and list.

The state is an :class:`~clfdiag.core.evaluation_state.EvaluationState`: sums over
examples and the scores, ranked exactly (one sort) or from a histogram
(streaming). :func:`finish` turns either into the same :class:`Evaluation`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt

from clfdiag.core import confusion as cmx
from clfdiag.core.accumulators import ClassificationSums, ScoreHistogram
from clfdiag.core.calibration import Calibration, calibration_from_sums
from clfdiag.core.concurrency import alongside, each
from clfdiag.core.evaluation_state import (
    EvaluationSettings,
    EvaluationState,
    ExactScores,
    HistogramScores,
    ScoreLayout,
    probabilities,
)
from clfdiag.core.intervals import auc_interval, wilson_interval
from clfdiag.core.overconfidence import Overconfidence
from clfdiag.core.ranking import (
    BinaryRanking,
    Curve,
    WeightedRanking,
    average_precision,
    precision_recall_curve,
    roc_auc,
    roc_curve,
    sample,
)
from clfdiag.core.selective import Selective, selective

if TYPE_CHECKING:
    from clfdiag.core.calibration_error import BinnedCalibration, Binning
    from clfdiag.core.calibration_tests import CalibrationTests, CalibrationTestSettings

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Interval = tuple[float, float]
CURVE_POINTS = 200
"""Thresholds kept for the curves: with ROC's (0, 0) and PR's end point, 201 points."""
PARALLEL_MIN = 1 << 20


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
    caller's class order (binary: 0 negative, 1 positive). Curves hold at most
    201 exact points. ``auc_error_bound`` is set when ranking metrics come from
    a histogram (streaming mode): the worst-case distance from the exact AUC.

    Weighted (``weight_sum`` set), every metric, the confusion matrix (float
    sums of weights) and calibration are weighted as scikit-learn's
    ``sample_weight``; the intervals are None with their reason in ``undefined``
    under ``accuracy_ci`` and ``roc_auc_ci``.
    """

    task: Literal["binary", "multiclass"]
    n: int
    metrics: dict[str, float | None]
    undefined: dict[str, str]
    confusion_matrix: IntArray
    per_class: tuple[ClassReport, ...]
    calibration: Calibration
    overconfident: Overconfidence
    predicted: IntArray
    """Predicted class index of each example in ``overconfident.top``."""
    top_label: IntArray
    top_confidence: FloatArray
    top_loss: FloatArray
    accuracy_ci: Interval | None
    roc_auc_ci: Interval | None
    roc: Curve | None
    pr: Curve | None
    clipped: int
    threshold: float | None
    notes: tuple[str, ...] = field(default=())
    auc_error_bound: float | None = None
    ap_error_bound: float | None = None
    """Binary, from a histogram: the worst-case distance of ``pr_auc`` from the exact value."""
    class_roc: tuple[Curve | None, ...] = ()
    """Multiclass: each class's one-vs-rest ROC curve (101 points at most), or None."""
    weight_sum: float | None = None
    """The total sample weight of a weighted evaluation; None when unweighted."""
    selective: Selective | None = None
    """Risk-coverage analysis of the top-label confidence; None for multiclass histograms."""
    positive_ranking: BinaryRanking | WeightedRanking | None = field(
        default=None, repr=False, compare=False)
    """Binary, ranked exactly in memory, without calibration tests: the ranking of the
    positive-class scores, for the score decomposition, which shares it. With the tests,
    None: they take what they need from it and let it go."""
    positive_class_calibration: dict[Binning, BinnedCalibration] | None = field(
        default=None, repr=False, compare=False)
    """Binary probabilities ranked exactly, with the calibration tests: the positive-class
    bins of each binning (``calibration.bins`` of them), read from the ranking before it
    is let go."""
    class_calibration: tuple[BinnedCalibration, ...] | None = field(
        default=None, repr=False, compare=False)
    """Multiclass probabilities ranked exactly, unweighted: each class's one-vs-rest
    equal-width bins (``calibration.bins`` of them, the class-wise ECE's), read from the
    ranking that gives the class's AUC."""
    class_calibration_tests: tuple[CalibrationTests, ...] | None = None
    """Multiclass, ranked exactly, when asked for: each class's calibration tests
    (one-vs-rest), computed from the ranking that gives the class's AUC."""
    calibration_tests: CalibrationTests | None = None
    """Binary, ranked exactly, when asked for: the calibration tests of the positive-class
    probability, computed from the ranking that gives the AUC."""


UNWEIGHTED_ONLY = ("{what} is undefined with sample weights: its variance needs a number of "
                   "independent examples, which weights do not give")


def _put(metrics: dict[str, float | None], undefined: dict[str, str], name: str,
         stat: cmx.Statistic) -> None:
    metrics[name] = stat.value
    if stat.value is None and stat.reason is not None:
        undefined[name] = stat.reason


def _auc_stat(value: float | None) -> cmx.Statistic:
    if value is None:
        return cmx.Statistic(None, "only one class is present in the labels")
    return cmx.Statistic(value)


def evaluate_predictions(
    y: npt.NDArray[np.integer],
    proba: FloatArray,
    *,
    threshold: float = 0.5,
    min_confidence: float = 0.9,
    top: int = 10,
    n_bins: int = 15,
    weights: FloatArray | None = None,
    target_risk: float | None = None,
    details: bool = True,
    calibration_tests: CalibrationTestSettings | None = None,
    order: npt.NDArray[np.int64] | None = None,
) -> Evaluation:
    """Evaluate ``(n,)`` positive-class or ``(n, K)`` class probabilities against ``y``.

    Binary (``proba`` of shape ``(n,)``, ``y`` 0/1): an example is predicted
    positive iff ``p >= threshold``; accuracy, the confusion matrix and the
    overconfident errors use that decision. Calibration is top-label: the
    predicted class is the more probable one (positive iff ``p >= 0.5``) and its
    probability is the confidence.

    Multiclass (``proba`` of shape ``(n, K)``, ``y`` class indices): the predicted
    class is the most probable one (the lowest index among ties, as
    ``numpy.argmax``); ``threshold`` does not apply. ``top5_accuracy`` counts an
    example as a hit when fewer than 5 classes rank above its true class, ties
    ranked by class index, and is reported only when there are more than 5 classes.

    One pass of the sums, exact rankings of the scores.
    ``weights`` (non-negative sample weights) weigh every metric as
    scikit-learn's ``sample_weight``; an integer weight counts an example as
    that many copies of it.
    ``target_risk`` is that of ``selective.coverage_at_risk`` (None: half the error rate).
    ``details=False`` leaves out what only a report of one model shows (see :func:`finish`).
    ``calibration_tests``: also the calibration tests, with these settings, from the
    rankings of the AUCs (see :func:`finish`).
    ``order``: binary and unweighted, the scores' ascending order
    (:func:`~clfdiag.core.ordering.ascending_order`) when the caller holds it for
    an item of its own: the ranking is then read in it instead of sorted again.

    Examples
    --------
    scikit-learn's ranking example, ``y = [0, 0, 1, 1]`` and scores
    ``[0.1, 0.4, 0.35, 0.8]``: ``roc_auc_score`` 0.75, ``average_precision_score``
    0.8333, ``accuracy_score`` at 0.5 0.75, ``log_loss`` 0.472288:

    >>> import numpy as np
    >>> ev = evaluate_predictions(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8]))
    >>> m = ev.metrics
    >>> m["roc_auc"], round(m["pr_auc"], 4), m["accuracy"], round(m["log_loss"], 6)
    (0.75, 0.8333, 0.75, 0.472288)

    The scores of scikit-learn's ``top_k_accuracy_score`` example, rows divided
    by their sums: ``accuracy_score`` 0.5, ``roc_auc_score(multi_class="ovr")``
    0.722222, ``log_loss`` 1.199979:

    >>> y = np.array([0, 1, 2, 2])
    >>> scores = np.array([[0.5, 0.2, 0.2], [0.3, 0.4, 0.2], [0.2, 0.4, 0.3],
    ...                    [0.7, 0.2, 0.1]])
    >>> ev = evaluate_predictions(y, scores / scores.sum(axis=1, keepdims=True))
    >>> m = ev.metrics
    >>> m["accuracy"], round(m["roc_auc"], 6), round(m["log_loss"], 6)
    (0.5, 0.722222, 1.199979)
    """
    state = EvaluationState.of(EvaluationSettings.for_scores(
        proba, threshold=threshold, min_confidence=min_confidence, top=top, n_bins=n_bins,
        weighted=weights is not None))
    if weights is not None:
        state.update(y, proba, weights)
        return finish(state, details=details, calibration_tests=calibration_tests)
    scores = state.scores
    assert isinstance(scores, ExactScores), "held in memory, the ranking is exact"
    if proba.ndim == 2 or y.shape[0] < PARALLEL_MIN:
        state.update(y, proba)
        if order is not None:
            scores.rank_positive_in(order)
        return finish(state, target_risk=target_risk, details=details,
                      calibration_tests=calibration_tests)
    # The sums and the sort are independent: on a multi-core machine they overlap.
    with alongside(lambda: state.sums.update(y, proba)) as summed:
        scores.update(y, proba)
        if order is None:
            scores.positive_ranking()
        else:
            scores.rank_positive_in(order)
        summed()
    return finish(state, target_risk=target_risk, details=details,
                  calibration_tests=calibration_tests)


CLASS_CURVE_POINTS = 101


def _summarise(r: BinaryRanking | WeightedRanking) -> ClassRanking | WeightedClassRanking:
    """A ranking cut down to what a class's report needs: its AUC and a sampled curve.

    The AUC is computed on the full ranking; only ``CLASS_CURVE_POINTS`` of its
    thresholds are kept, so that K classes do not hold K full rankings.
    """
    auc = roc_auc(r)
    if isinstance(r, WeightedRanking):
        w = sample(r, CLASS_CURVE_POINTS)
        return WeightedClassRanking(w.thresholds, w.tps, w.fps, w.positives, w.negatives, auc)
    small = sample(r, CLASS_CURVE_POINTS)
    return ClassRanking(small.thresholds, small.tps, small.fps, small.positives,
                           small.negatives, auc)


@dataclass(frozen=True)
class ClassRanking(BinaryRanking):
    """One class's one-vs-rest ranking, sampled for its curve, with the AUC of the full one."""

    auc: float | None = None


@dataclass(frozen=True)
class WeightedClassRanking(WeightedRanking):
    """:class:`ClassRanking` of a weighted evaluation."""

    auc: float | None = None


def finish(state: EvaluationState | ClassificationSums,
           ranking: BinaryRanking | None = None, *,
           histogram: ScoreHistogram | None = None,
           target_risk: float | None = None, details: bool = True,
           calibration_tests: CalibrationTestSettings | None = None) -> Evaluation:
    """Turn an evaluation's accumulated state into an :class:`Evaluation`.

    The sums alone may be given with the binary ranking or histogram of the
    scores kept apart (``finish(sums, ranking)``, ``finish(sums, histogram=h)``).
    The selective section ranks the top-label confidence: binary, from the ranking
    of ``p`` (merged from its two ordered runs, exactly in memory, one tie group per
    bin for a histogram: :mod:`clfdiag.core.selective`); multiclass in memory, by
    one more sort of the confidences; multiclass histograms do not keep the
    confidences, so it is None there.
    ``details=False`` leaves out the selective section and the binary intervals
    (``accuracy_ci``, ``roc_auc_ci``): a comparison of two models reports neither,
    and they cost a sort of the confidences and a pass over the ranking.
    ``calibration_tests`` (ranked exactly): the calibration tests with these settings,
    from the rankings of the AUCs, so that they need no sort of their own. Binary: those
    of the positive-class probability. Multiclass: each class's, computed while that
    class's full ranking is at hand (the evaluation keeps only a sample of each).
    """
    if isinstance(state, ClassificationSums):
        scores: ExactScores | HistogramScores
        binary = ScoreLayout(2, columns=False)
        if histogram is not None:
            scores = HistogramScores(binary)
            scores.histograms = (histogram,)
        else:
            assert ranking is not None, "give the ranking or the histogram of the scores"
            scores = ExactScores(binary)
            scores.__dict__["_positive"] = ranking
        return _with_selective(
            _finish_binary(state, scores.positive_ranking(), scores.auc_error_bound(),
                           scores.ap_error_bound()), scores, state.threshold, target_risk)
    sums, scores = state.sums, state.scores
    if not state.settings.columns:
        ev = _finish_binary(sums, scores.positive_ranking(), scores.auc_error_bound(),
                            scores.ap_error_bound(), intervals=details)
        if details:
            ev = _with_selective(ev, scores, sums.threshold, target_risk)
        if not isinstance(scores, ExactScores):
            return ev
        if calibration_tests is None:
            return replace(ev, positive_ranking=scores.positive_ranking())
        return replace(ev, positive_class_calibration=_positive_class_calibration(scores,
                                                                                  sums.n_bins),
                       calibration_tests=_binary_calibration_tests(scores, calibration_tests))
    summaries, tests, bins = _class_summaries(scores, calibration_tests, sums.n_bins)
    ev = replace(_finish_multiclass(sums, summaries, scores.auc_error_bound()),
                 class_calibration_tests=tests, class_calibration=bins)
    if not details:
        return ev
    if sums.settings.weighted:
        return replace(ev, notes=(*ev.notes, UNWEIGHTED_SELECTIVE))
    if not isinstance(scores, ExactScores):
        return replace(ev, notes=(*ev.notes, "selective prediction (risk-coverage) of "
                                  "multiclass predictions needs them in memory: evaluate "
                                  "with --in-memory"))
    y, proba = scores.examples()
    predicted = proba.argmax(axis=1)
    return replace(ev, selective=selective(proba[np.arange(proba.shape[0]), predicted],
                                           predicted == y, target_risk=target_risk))


def _positive_class_calibration(scores: ExactScores, n_bins: int,
                                ) -> dict[Binning, BinnedCalibration] | None:
    """The positive-class bins of each binning, read from the ranking of ``p`` (in [0, 1])."""
    from clfdiag.core.calibration_error import BINNINGS, ranked_calibration

    ranking = scores.positive_ranking()
    if not isinstance(ranking, BinaryRanking) or not probabilities(ranking.thresholds):
        return None
    return {binning: ranked_calibration(ranking, n_bins, binning) for binning in BINNINGS}


def _binary_calibration_tests(scores: ExactScores, settings: CalibrationTestSettings,
                              ) -> CalibrationTests:
    """The positive-class probability's calibration tests, from its ranking.

    The ranking is let go once the tests have what they need from it (its groups
    and its AUC): nothing after them reads it, and its three arrays of n would
    otherwise be held beside the tests' own.
    """
    from clfdiag.core.calibration_tests import RankedScores, calibration_tests

    y, p = scores.examples()
    ranked = RankedScores.of(scores.release_positive_ranking())
    return calibration_tests(y, p, ranking=ranked,
                             weights=scores.joined_weights() if scores.settings.weighted else None,
                             hl_groups=settings.hl_groups, hl_method=settings.hl_method)


def _class_summaries(scores: ExactScores | HistogramScores,
                     settings: CalibrationTestSettings | None, n_bins: int,
                     ) -> tuple[list[ClassRanking | WeightedClassRanking],
                                tuple[CalibrationTests, ...] | None,
                                tuple[BinnedCalibration, ...] | None]:
    """Each class's summarised ranking, calibration tests and equal-width bins.

    The tests only when asked, and both only for exact rankings; the bins only for
    unweighted probabilities. Exact rankings are sorted class by class on two
    threads: each class's sort, bins and tests are independent of the others', and
    hold one class's arrays at a time.
    """
    if not isinstance(scores, ExactScores):
        return [_summarise(r) for r in scores.class_rankings()], None, None
    from clfdiag.core.calibration_error import ranked_calibration
    from clfdiag.core.calibration_tests import class_calibration_tests

    y, proba = scores.examples()
    weights = scores.joined_weights() if scores.settings.weighted else None

    def one_class(c: int) -> tuple[ClassRanking | WeightedClassRanking,
                                   CalibrationTests | None, BinnedCalibration | None]:
        ranking = scores.class_ranking(c)
        tests = None if settings is None else class_calibration_tests(
            y, proba, c, ranking, weights=weights, settings=settings)
        bins = (ranked_calibration(ranking, n_bins, "equal_width", f"class {c}")
                if isinstance(ranking, BinaryRanking) and probabilities(ranking.thresholds)
                else None)
        return _summarise(ranking), tests, bins

    classes = each(one_class, scores.settings.n_classes)
    summaries = [summary for summary, _, _ in classes]
    class_bins = tuple(b for _, _, b in classes if b is not None)
    return (summaries,
            None if settings is None else tuple(t for _, t, _ in classes if t is not None),
            class_bins if len(class_bins) == len(classes) else None)


UNWEIGHTED_SELECTIVE = ("selective prediction (risk-coverage) is not weighted by sample "
                        "weights: left out")


def _with_selective(ev: Evaluation, scores: ExactScores | HistogramScores, threshold: float,
                    target_risk: float | None) -> Evaluation:
    if ev.weight_sum is not None:
        return replace(ev, notes=(*ev.notes, UNWEIGHTED_SELECTIVE))
    return replace(ev, selective=scores.selective(threshold, target_risk))


def _total(sums: ClassificationSums) -> float:
    """The denominator of the means: the number of examples, or their total weight."""
    return sums.weight_sum if sums.settings.weighted else sums.n


def _common(sums: ClassificationSums, metrics: dict[str, float | None]) -> None:
    n = _total(sums)
    if sums.settings.weighted:
        metrics["weight_sum"] = sums.weight_sum
    metrics["log_loss"] = sums.loss_sum / n if n else None
    metrics["brier"] = sums.brier_sum / n if n else None


def _unweighted_only(sums: ClassificationSums, undefined: dict[str, str], what: str,
                     key: str) -> bool:
    """Whether an interval is undefined because the evaluation is weighted (reason recorded)."""
    if sums.settings.weighted:
        undefined[key] = UNWEIGHTED_ONLY.format(what=what)
    return sums.settings.weighted


def _overconfidence(sums: ClassificationSums) -> Overconfidence:
    if sums.settings.weighted:
        errors, overconfident = sums.weighted_errors, sums.weighted_overconfident
    else:
        errors, overconfident = sums.errors, sums.overconfident
    return Overconfidence(
        min_confidence=sums.min_confidence,
        count=sums.overconfident,
        errors=sums.errors,
        share_of_errors=None if errors == 0 else overconfident / errors,
        share_of_loss=None if sums.loss_sum == 0 else sums.overconfident_loss / sums.loss_sum,
        top=sums.top_errors.index,
    )


def _calibration(sums: ClassificationSums, metrics: dict[str, float | None],
                 undefined: dict[str, str]) -> Calibration:
    edges = np.linspace(0.0, 1.0, sums.n_bins + 1)
    calibration = calibration_from_sums(edges, sums.bin_count, sums.bin_confidence,
                                        sums.bin_correct)
    for name, value in (("ece", calibration.ece), ("mce", calibration.mce)):
        metrics[name] = value
        if value is None:
            undefined[name] = "no examples"
    return calibration


def _finish_binary(sums: ClassificationSums, ranking: BinaryRanking | WeightedRanking,
                   error_bound: float | None, ap_error_bound: float | None = None,
                   intervals: bool = True) -> Evaluation:
    n = sums.n
    total = _total(sums)
    threshold = sums.threshold
    metrics: dict[str, float | None] = {}
    undefined: dict[str, str] = {}
    positives = ranking.positives
    metrics["n"] = n
    metrics["positives"] = positives
    metrics["prevalence"] = positives / total if total else None
    _common(sums, metrics)
    cm = sums.confusion
    tn, fp, fn, tp = (cmx.count(v) for v in cm.ravel())
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
    calibration = _calibration(sums, metrics, undefined)
    both = positives > 0 and ranking.negatives > 0
    curve_points = sample(ranking, CURVE_POINTS)
    accuracy_ci = auc_ci = None
    if not _unweighted_only(sums, undefined, "the Wilson interval of accuracy",
                            "accuracy_ci") and intervals:
        accuracy_ci = wilson_interval(int(tn + tp), n)
    if not _unweighted_only(sums, undefined, "DeLong's interval of the ROC AUC",
                            "roc_auc_ci") and intervals:
        assert isinstance(ranking, BinaryRanking)
        auc_ci = auc_interval(ranking, auc=auc.value)
    return Evaluation(
        task="binary",
        n=n,
        metrics=metrics,
        undefined=undefined,
        confusion_matrix=cm,
        per_class=tuple(ClassReport(s, auc) for s in cmx.per_class(cm)),
        calibration=calibration,
        **_confident_errors(sums),
        accuracy_ci=accuracy_ci,
        roc_auc_ci=auc_ci,
        roc=roc_curve(curve_points) if both else None,
        pr=precision_recall_curve(curve_points) if positives else None,
        clipped=sums.clipped,
        threshold=threshold,
        auc_error_bound=error_bound,
        weight_sum=sums.weight_sum if sums.settings.weighted else None,
        ap_error_bound=ap_error_bound,
    )


def _confident_errors(sums: ClassificationSums) -> dict[str, Any]:
    """The fields of an :class:`Evaluation` that count and list the confident errors."""
    errors = sums.top_errors
    return {"overconfident": _overconfidence(sums), "predicted": errors.predicted,
            "top_label": errors.label, "top_confidence": errors.confidence,
            "top_loss": errors.loss}


def _finish_multiclass(sums: ClassificationSums,
                       class_rankings: list[ClassRanking | WeightedClassRanking],
                       error_bound: float | None = None) -> Evaluation:
    n, k = sums.n, sums.n_classes
    total = _total(sums)
    metrics: dict[str, float | None] = {}
    undefined: dict[str, str] = {}
    notes: list[str] = []
    metrics["n"] = n
    _common(sums, metrics)
    cm = sums.confusion
    _put(metrics, undefined, "accuracy", cmx.accuracy(cm))
    if k > 5:
        metrics["top5_accuracy"] = sums.top5_hits / total if total else None
    _put(metrics, undefined, "balanced_accuracy", cmx.balanced_accuracy(cm))
    stats = cmx.per_class(cm)
    aucs = [_auc_stat(r.auc) for r in class_rankings]
    for name, values in (
        ("macro_precision", [s.precision for s in stats]),
        ("macro_recall", [s.recall for s in stats]),
        ("macro_f1", [s.f1 for s in stats]),
    ):
        _put(metrics, undefined, name, cmx.macro_mean(values, name.removeprefix("macro_")))
    weighted = [(s.f1.value, s.support) for s in stats if s.support and s.f1.value is not None]
    _put(metrics, undefined, "weighted_f1", cmx.Statistic(
        sum(f * w for f, w in weighted) / total if total else None, "no examples"))
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
    calibration = _calibration(sums, metrics, undefined)
    return Evaluation(
        task="multiclass",
        n=n,
        metrics=metrics,
        undefined=undefined,
        confusion_matrix=cm,
        per_class=tuple(ClassReport(s, a) for s, a in zip(stats, aucs, strict=True)),
        calibration=calibration,
        **_confident_errors(sums),
        accuracy_ci=None if _unweighted_only(sums, undefined, "the Wilson interval of accuracy",
                                             "accuracy_ci")
        else wilson_interval(int(np.trace(cm)), n),
        roc_auc_ci=None,
        roc=None,
        pr=None,
        clipped=sums.clipped,
        threshold=None,
        notes=tuple(notes),
        auc_error_bound=error_bound,
        weight_sum=sums.weight_sum if sums.settings.weighted else None,
        class_roc=tuple(roc_curve(r) if a.value is not None else None
                        for r, a in zip(class_rankings, aucs, strict=True)),
    )
