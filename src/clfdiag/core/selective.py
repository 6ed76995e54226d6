"""Selective prediction: how much error the model avoids by abstaining when unsure.

Keeping only the examples whose confidence is at least ``t`` trades coverage
(the share kept) for selective risk (the error rate among them). The areas
under these curves follow fd-shifts (Traub, Bungert, Lüth, Baumgartner & Jaeger,
"Overcoming common flaws in the evaluation of selective classification
systems", NeurIPS 2024; ``fd_shifts/analysis/rc_stats.py``): one curve point per
distinct confidence, trapezoidal integration, on the 0-1 scale (fd-shifts
displays them multiplied by 1000). Libraries disagree on AURC (one point per
example, ties broken by sort order, or a rescaled coverage axis give other
values on the same data); this is the definition implemented here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from clfdiag.core.ranking import BinaryRanking, groups_at_or_above, roc_auc, sample
from clfdiag.core.score_ranking import rank_scores

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
COVERAGES = (0.5, 0.8, 0.9, 0.95)
CURVE_POINTS = 200
SCAN_CHUNK = 1 << 16


@dataclass(frozen=True)
class RiskCoverageCurve:
    """Exact points of the risk-coverage curves, coverage ascending.

    The first point is the extension to coverage 0 (threshold ``+inf``): its
    selective risk is that of the most confident group, its generalized risk 0.
    Every other point keeps the examples with confidence ``>= thresholds[i]``:
    ``coverage`` is their share, ``risk`` their error rate (selective risk) and
    ``generalized_risk`` their errors divided by all examples.
    """

    coverage: FloatArray
    risk: FloatArray
    generalized_risk: FloatArray
    thresholds: FloatArray


@dataclass(frozen=True)
class RiskAtCoverage:
    """Selective risk at the highest threshold that keeps at least ``target`` of the examples.

    No interpolation between curve points: ``coverage`` is the share actually
    kept (``>= target``; a tie group can push it above), ``risk`` the error rate
    among the kept examples, ``threshold`` the confidence cut (keep ``>=``).
    """

    target: float
    coverage: float
    risk: float
    threshold: float


@dataclass(frozen=True)
class CoverageAtRisk:
    """The largest coverage among the curve points whose selective risk is ``<= target``.

    The selective risk is not monotone in the threshold, so every point is
    considered. ``coverage``, ``risk`` and ``threshold`` are ``None`` when no
    threshold reaches the target risk.
    """

    target: float
    coverage: float | None
    risk: float | None
    threshold: float | None


@dataclass(frozen=True)
class Selective:
    """Misclassification detection by confidence (JSON key ``selective``).

    ``auroc``: ``P(confidence of a correct prediction > that of a wrong one)``,
    ties one half; ``None`` unless both occur. ``aurc``: area under the
    selective-risk curve; ``e_aurc``: ``aurc`` minus the AURC of an ideal
    confidence with the same error rate ``err``, ``err + (1 - err) ln(1 - err)``
    (``0 ln 0 = 0``; fd-shifts adds a machine epsilon inside the logarithm,
    which changes it by about 1e-16); it can be slightly negative on plateaus
    or small samples. ``augrc``: area under the generalized-risk curve. All
    ``None`` without examples.
    """

    auroc: float | None
    aurc: float | None
    e_aurc: float | None
    augrc: float | None
    risk_at_coverage: tuple[RiskAtCoverage, ...]
    coverage_at_risk: CoverageAtRisk | None
    curve: RiskCoverageCurve


def risk_coverage_curve(r: BinaryRanking, n: int) -> RiskCoverageCurve:
    """The curves from a ranking of correct (positive) vs wrong (negative) predictions."""
    kept = r.tps + r.fps
    if n == 0 or kept.shape[0] == 0:
        empty = np.zeros(0)
        return RiskCoverageCurve(empty, empty, empty, empty)
    errors = r.fps.astype(np.float64)
    risk = errors / kept
    errors /= n
    return RiskCoverageCurve(
        coverage=np.concatenate(([0.0], kept / n)),
        risk=np.concatenate((risk[:1], risk)),
        generalized_risk=np.concatenate(([0.0], errors)),
        thresholds=np.concatenate(([np.inf], r.thresholds)),
    )


def optimal_aurc(error_rate: float) -> float:
    """AURC of a confidence that ranks every correct prediction above every wrong one.

    ``err + (1 - err) ln(1 - err)`` (Geifman, Uziel & El-Yaniv, ICLR 2019), the
    continuous limit used by fd-shifts for E-AURC; ``0 ln 0 = 0``.
    """
    rest = 1.0 - error_rate
    return error_rate + (rest * math.log(rest) if rest > 0 else 0.0)


@dataclass
class _Scan:
    """What one pass over the curve points finds (indices into the ranking)."""

    aurc: float = 0.0
    augrc: float = 0.0
    coverage_index: list[int | None] = field(default_factory=list)
    risk_index: int | None = None


def _dot(a: FloatArray, b: FloatArray) -> float:
    """Sum of the products, without BLAS."""
    return float(np.einsum("i,i->", a, b))


def _scan(r: BinaryRanking, n: int, coverages: tuple[float, ...], target_risk: float) -> _Scan:
    """Areas, the first point reaching each coverage and the last within the target risk.

    Trapezoids between consecutive points, highest threshold first, starting from
    the coverage-0 extension (selective risk of the first point, generalized risk
    0). A bounded slice of points at a time: at 10^7 points, whole-array
    temporaries cost more in page faults than in arithmetic.
    """
    found = _Scan(coverage_index=[None] * len(coverages))
    kept_before, errors_before, risk_before = 0, 0.0, None
    twice_aurc = twice_augrc = 0.0
    for start in range(0, r.tps.shape[0], SCAN_CHUNK):
        tps, fps = r.tps[start:start + SCAN_CHUNK], r.fps[start:start + SCAN_CHUNK]
        kept = tps + fps
        errors = fps.astype(np.float64)
        risk = errors / kept
        widths = np.diff(kept, prepend=kept_before).astype(np.float64)
        # Each trapezoid pairs a point with the one before it: the sums are split
        # into dot products so that no shifted copy of a slice is needed. einsum,
        # not np.dot: OpenBLAS threads its dot and stalls when the cores are busy.
        first = float(risk[0]) if risk_before is None else risk_before
        twice_aurc += (_dot(widths, risk) + _dot(widths[1:], risk[:-1])
                       + float(widths[0]) * first)
        twice_augrc += (_dot(widths, errors) + _dot(widths[1:], errors[:-1])
                        + float(widths[0]) * errors_before)
        for j, target in enumerate(coverages):
            if found.coverage_index[j] is None and kept[-1] / n >= target:
                found.coverage_index[j] = start + int(np.argmax(kept / n >= target))
        within = risk <= target_risk
        if within.any():
            found.risk_index = start + within.shape[0] - 1 - int(np.argmax(within[::-1]))
        kept_before, errors_before, risk_before = int(kept[-1]), float(errors[-1]), float(risk[-1])
    found.aurc = 0.5 * twice_aurc / n
    found.augrc = 0.5 * twice_augrc / (float(n) * n)
    return found


def _point(r: BinaryRanking, n: int, i: int) -> tuple[float, float, float]:
    """``(coverage, selective risk, threshold)`` of the ranking's point ``i``."""
    kept = int(r.tps[i] + r.fps[i])
    return kept / n, int(r.fps[i]) / kept, float(r.thresholds[i])


def selective(confidence: FloatArray, correct: npt.NDArray[np.bool_],
              coverages: tuple[float, ...] = COVERAGES, target_risk: float | None = None,
              points: int = CURVE_POINTS) -> Selective:
    """Risk-coverage analysis of a confidence score, from one sort of the confidences.

    Parameters
    ----------
    confidence : float64 array
        Higher means more confident (any sign; NaN refused).
    correct : bool array
        Whether each prediction is right.
    coverages : tuple of float
        Targets for :class:`RiskAtCoverage`.
    target_risk : float or None
        Target for :class:`CoverageAtRisk`; ``None`` means half the overall
        error rate.
    points : int
        Curve points kept in the result (exact points, evenly spaced along the
        thresholds, both ends kept); the areas use every point.

    Examples
    --------
    >>> s = selective(np.array([.9, .8, .7, .6, .8]), np.array([1, 1, 0, 0, 1], bool))
    >>> round(s.aurc, 10), round(s.augrc, 10)
    (0.09, 0.08)
    """
    correct = np.asarray(correct, dtype=bool)
    r = rank_scores(correct.view(np.int8), np.asarray(confidence, dtype=np.float64))
    return selective_from_ranking(r, coverages, target_risk, points)


def selective_from_ranking(r: BinaryRanking, coverages: tuple[float, ...] = COVERAGES,
                           target_risk: float | None = None,
                           points: int = CURVE_POINTS) -> Selective:
    """:func:`selective` from a ranking of the confidences, correct predictions positive.

    Any ranking will do: one from :func:`~clfdiag.core.score_ranking.rank_scores`
    (exact), or one of histogram bins from
    :func:`~clfdiag.core.ranking.ranking_from_counts` (each bin one tie group).
    """
    n = r.positives + r.negatives
    curve = risk_coverage_curve(sample(r, points), n)
    if n == 0:
        return Selective(None, None, None, None, (), None, curve)
    error_rate = r.negatives / n
    target = error_rate / 2 if target_risk is None else target_risk
    found = _scan(r, n, coverages, target)
    last = r.tps.shape[0] - 1
    # A target above 1 is never reached: the whole set is the closest operating point.
    at_coverage = tuple(RiskAtCoverage(c, *_point(r, n, last if i is None else i))
                        for c, i in zip(coverages, found.coverage_index, strict=True))
    at_risk = (CoverageAtRisk(target, None, None, None) if found.risk_index is None
               else CoverageAtRisk(target, *_point(r, n, found.risk_index)))
    return Selective(
        auroc=roc_auc(r),
        aurc=found.aurc,
        e_aurc=found.aurc - optimal_aurc(error_rate),
        augrc=found.augrc,
        risk_at_coverage=at_coverage,
        coverage_at_risk=at_risk,
        curve=curve,
    )



def _counts_of_top(r: BinaryRanking, groups: IntArray) -> tuple[IntArray, IntArray]:
    """Positives and negatives in the first ``groups[i]`` groups of ``r`` (0 for none)."""
    pos = r.tps[groups - 1]
    neg = r.fps[groups - 1]
    none = groups == 0
    if none.any():
        pos[none] = 0
        neg[none] = 0
    return pos, neg


def top_label_ranking(r: BinaryRanking, threshold: float = 0.5, *,
                      below: FloatArray | None = None) -> BinaryRanking:
    """The ranking of the top-label confidence, correct predictions positive, without a sort of p.

    ``r`` ranks binary positive-class probabilities ``p`` (label 1 positive). The
    prediction is class 1 iff ``p >= threshold``; its confidence is ``p`` then,
    else ``1 - p`` (``max(p, 1 - p)`` at 0.5). Above the threshold the confidence
    follows ``p`` downwards, below it ``1 - p`` follows ``p`` upwards: two
    ordered runs, merged by one stable sort of an int64 key that packs each
    confidence's bits with its run (a linear merge of two runs), instead of a
    full sort of 10^7 confidences. Equal confidences from the two runs become one
    tie group. Each group of ``r`` can be one histogram bin
    (:func:`~clfdiag.core.ranking.ranking_from_counts`); ``below`` then gives,
    for each group, the confidence to rank it by when it falls below the
    threshold (default ``1 - thresholds``): the lowest confidence of the bin,
    ``1 -`` its upper edge, so that a bin and its mirror image form one group.
    A bin holding the threshold counts as above it.
    """
    k = groups_at_or_above(r, threshold)
    g = r.thresholds.shape[0]
    # Both runs descending in confidence: groups 0, ..., k-1 (p from the top down to the
    # threshold), then groups g-1, ..., k (1 - p, p going up). Non-negative float64 bit
    # patterns order like the floats; the low bit says which run a confidence came from;
    # inverted, an ascending sort puts the highest confidence first. Written straight
    # into the key: every temporary of 10^7 elements costs page faults.
    key = np.empty(g, dtype=np.int64)
    np.left_shift(r.thresholds[:k].view(np.int64), 1, out=key[:k])
    lowest = r.thresholds[k:] if below is None else np.asarray(below[k:], dtype=np.float64)
    if below is None:
        np.subtract(1.0, lowest[::-1], out=key[k:].view(np.float64))
    else:
        key[k:].view(np.float64)[:] = lowest[::-1]
    key[k:] <<= 1
    key[k:] |= 1
    np.invert(key, out=key)
    key.sort(kind="stable")
    # Highest confidence first, the first j entries are the top `above` groups of r
    # (p >= threshold: class 1 predicted, its positives right) and the bottom j - above
    # groups (class 0 predicted, its negatives right): cumulative counts of r give both.
    # A bounded slice at a time, so that the temporaries stay small (see _scan).
    correct = np.empty(g, dtype=np.int64)
    wrong = np.empty(g, dtype=np.int64)
    taken_below = 0
    for start in range(0, g, SCAN_CHUNK):
        chunk = key[start:start + SCAN_CHUNK]
        from_below = np.cumsum(1 - (chunk & 1))
        from_below += taken_below
        taken_below = int(from_below[-1])
        above = np.arange(start + 1, start + 1 + chunk.shape[0]) - from_below
        from_below -= g
        np.negative(from_below, out=from_below)  # the first group of the bottom ones taken
        pos_above, neg_above = _counts_of_top(r, above)
        pos_rest, neg_rest = _counts_of_top(r, from_below)
        np.subtract(r.negatives, neg_rest, out=correct[start:start + SCAN_CHUNK])
        correct[start:start + SCAN_CHUNK] += pos_above
        np.subtract(r.positives, pos_rest, out=wrong[start:start + SCAN_CHUNK])
        wrong[start:start + SCAN_CHUNK] += neg_above
    np.invert(key, out=key)
    key >>= 1
    confidence = key.view(np.float64)
    if g > 1:
        # A tie group is one point: keep the cumulative counts at the end of each run.
        # Positions only when there are ties: for 10^7 distinct confidences they are 80 MB.
        new_group = confidence[1:] != confidence[:-1]
        if not new_group.all():
            ends = np.append(np.flatnonzero(new_group), g - 1)
            confidence, correct, wrong = confidence[ends], correct[ends], wrong[ends]
    return BinaryRanking(confidence, correct, wrong,
                         r.positives + r.negatives - int(wrong[-1]) if g else 0,
                         int(wrong[-1]) if g else 0)
