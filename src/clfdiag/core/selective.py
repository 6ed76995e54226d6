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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from clfdiag.core.ranking import BinaryRanking, RocArea, groups_at_or_above, sample_indices
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


class _Scan:
    """What one pass over the curve points finds, fed slice by slice, highest threshold first.

    The areas are sums of trapezoids between consecutive points, starting from the
    coverage-0 extension (selective risk of the first point, generalized risk 0).
    Each point is ``(coverage, selective risk, threshold)``: the first reaching each
    coverage, the last within the target risk, the last of all, and the points
    ``wanted`` for the curve (their indices, ascending). Bounded slices: at 10^7
    points, whole-array temporaries cost more in page faults than in arithmetic.
    """

    def __init__(self, n: int, coverages: tuple[float, ...], target_risk: float,
                 wanted: IntArray | None) -> None:
        self.n, self.coverages, self.target_risk, self.wanted = n, coverages, target_risk, wanted
        self.twice_aurc = self.twice_augrc = 0.0
        self.coverage_points: list[tuple[float, float, float] | None] = [None] * len(coverages)
        self.risk_point: tuple[float, float, float] | None = None
        self.last: tuple[float, float, float] = (0.0, 0.0, 0.0)
        self.auroc = RocArea()
        self.sampled: list[tuple[FloatArray, IntArray, IntArray]] = []
        self.kept_before, self.errors_before, self.risk_before = 0, 0.0, math.nan
        self.start = 0

    def add(self, thresholds: FloatArray, tps: IntArray, fps: IntArray) -> None:
        """The next consecutive points' thresholds and cumulative counts."""
        size = tps.shape[0]
        if size == 0:
            return
        n = self.n
        kept = tps + fps
        errors = fps.astype(np.float64)
        risk = errors / kept
        widths = np.diff(kept, prepend=self.kept_before).astype(np.float64)
        # Each trapezoid pairs a point with the one before it: the sums are split
        # into dot products so that no shifted copy of a slice is needed. einsum,
        # not np.dot: OpenBLAS threads its dot and stalls when the cores are busy.
        first = float(risk[0]) if self.start == 0 else self.risk_before
        self.twice_aurc += (_dot(widths, risk) + _dot(widths[1:], risk[:-1])
                            + float(widths[0]) * first)
        self.twice_augrc += (_dot(widths, errors) + _dot(widths[1:], errors[:-1])
                             + float(widths[0]) * self.errors_before)

        def point(i: int) -> tuple[float, float, float]:
            return int(kept[i]) / n, int(fps[i]) / int(kept[i]), float(thresholds[i])

        for j, target in enumerate(self.coverages):
            if self.coverage_points[j] is None and kept[-1] / n >= target:
                self.coverage_points[j] = point(int(np.argmax(kept / n >= target)))
        within = risk <= self.target_risk
        if within.any():
            self.risk_point = point(size - 1 - int(np.argmax(within[::-1])))
        self.last = point(size - 1)
        self.auroc.add(tps, fps)
        if self.wanted is None:
            self.sampled.append((thresholds.copy(), tps.copy(), fps.copy()))
        else:
            lo, hi = np.searchsorted(self.wanted, (self.start, self.start + size))
            at = self.wanted[lo:hi] - self.start
            self.sampled.append((thresholds[at], tps[at], fps[at]))
        self.kept_before, self.errors_before = int(kept[-1]), float(errors[-1])
        self.risk_before = float(risk[-1])
        self.start += size

    def curve_points(self, positives: int, negatives: int) -> BinaryRanking:
        """The points kept for the curve, as a ranking (at least one point was added)."""
        thresholds, tps, fps = (np.concatenate(p) for p in zip(*self.sampled, strict=True))
        return BinaryRanking(thresholds, tps, fps, positives, negatives)


def _dot(a: FloatArray, b: FloatArray) -> float:
    """Sum of the products, without BLAS."""
    return float(np.einsum("i,i->", a, b))


Slices = Iterable[tuple[FloatArray, IntArray, IntArray]]
"""Consecutive slices of a ranking's points: thresholds and cumulative counts, highest first."""


def _selective(slices: Slices, positives: int, negatives: int, points_in_all: int,
               coverages: tuple[float, ...], target_risk: float | None,
               points: int) -> Selective:
    """:func:`selective_from_ranking` of the ranking given as ``slices`` of its points."""
    n = positives + negatives
    if n == 0:
        empty = np.zeros(0)
        return Selective(None, None, None, None, (), None,
                         RiskCoverageCurve(empty, empty, empty, empty))
    error_rate = negatives / n
    target = error_rate / 2 if target_risk is None else target_risk
    scan = _Scan(n, coverages, target, sample_indices(points_in_all, points))
    for thresholds, tps, fps in slices:
        scan.add(thresholds, tps, fps)
    # A target above 1 is never reached: the whole set is the closest operating point.
    at_coverage = tuple(RiskAtCoverage(c, *(scan.last if p is None else p))
                        for c, p in zip(coverages, scan.coverage_points, strict=True))
    at_risk = (CoverageAtRisk(target, None, None, None) if scan.risk_point is None
               else CoverageAtRisk(target, *scan.risk_point))
    aurc = 0.5 * scan.twice_aurc / n
    return Selective(
        auroc=scan.auroc.value(positives, negatives),
        aurc=aurc,
        e_aurc=aurc - optimal_aurc(error_rate),
        augrc=0.5 * scan.twice_augrc / (float(n) * n),
        risk_at_coverage=at_coverage,
        coverage_at_risk=at_risk,
        curve=risk_coverage_curve(scan.curve_points(positives, negatives), n),
    )


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
    slices = ((r.thresholds[i:i + SCAN_CHUNK], r.tps[i:i + SCAN_CHUNK], r.fps[i:i + SCAN_CHUNK])
              for i in range(0, r.tps.shape[0], SCAN_CHUNK))
    return _selective(slices, r.positives, r.negatives, r.thresholds.shape[0], coverages,
                      target_risk, points)


def top_label_selective(r: BinaryRanking, threshold: float = 0.5,
                        coverages: tuple[float, ...] = COVERAGES,
                        target_risk: float | None = None,
                        points: int = CURVE_POINTS) -> Selective:
    """:func:`selective_from_ranking` of :func:`top_label_ranking`, without holding that ranking.

    Its points are computed a slice at a time from the merged confidences and
    scanned at once: at 10^7 distinct scores this holds one array of n (the
    merged keys) instead of three.
    """
    merged = _MergedConfidences(r, threshold)
    return _selective(merged.slices(), merged.correct, merged.wrong, merged.distinct(),
                      coverages, target_risk, points)


def top_label_ranking(r: BinaryRanking, threshold: float = 0.5, *,
                      below: FloatArray | None = None) -> BinaryRanking:
    """The ranking of the top-label confidence, correct predictions positive, without a sort of p.

    ``r`` ranks binary positive-class probabilities ``p`` (label 1 positive). The
    prediction is class 1 iff ``p >= threshold``; its confidence is ``p`` then,
    else ``1 - p`` (``max(p, 1 - p)`` at 0.5). See :class:`_MergedConfidences`.
    Each group of ``r`` can be one histogram bin
    (:func:`~clfdiag.core.ranking.ranking_from_counts`); ``below`` then gives,
    for each group, the confidence to rank it by when it falls below the
    threshold (default ``1 - thresholds``): the lowest confidence of the bin,
    ``1 -`` its upper edge, so that a bin and its mirror image form one group.
    A bin holding the threshold counts as above it.
    """
    merged = _MergedConfidences(r, threshold, below)
    parts = list(zip(*merged.slices(), strict=True))
    if not parts:
        return BinaryRanking(np.zeros(0), np.zeros(0, np.int64), np.zeros(0, np.int64), 0, 0)
    thresholds, tps, fps = (np.concatenate(p) for p in parts)
    return BinaryRanking(thresholds, tps, fps, merged.correct, merged.wrong)


class _MergedConfidences:
    """The top-label confidences of a binary ranking, merged into one descending order.

    Above the threshold the confidence follows ``p`` downwards, below it ``1 - p``
    follows ``p`` upwards: two ordered runs, merged by one stable sort of an int64
    key that packs each confidence's bits with its run (a linear merge of two
    runs), instead of a full sort of 10^7 confidences. When every group of ``r``
    is one example (no tied scores), the key's low bit says instead whether the
    prediction is right, and the counts are its running sum: no lookup of ``r``'s
    counts. Equal confidences from the two runs become one tie group. Measured at
    10^7 distinct scores: 0.15 s, against 0.7 s for the lookups into arrays of n.
    """

    def __init__(self, r: BinaryRanking, threshold: float,
                 below: FloatArray | None = None) -> None:
        self.r = r
        k = groups_at_or_above(r, threshold)
        self.single = below is None and r.positives + r.negatives == r.thresholds.shape[0]
        key = _confidence_keys(r, k, below, correct_bit=self.single)
        np.invert(key, out=key)
        key.sort(kind="stable")
        np.invert(key, out=key)
        self.key = key
        positives_above = int(r.tps[k - 1]) if k else 0
        negatives_above = int(r.fps[k - 1]) if k else 0
        self.correct = positives_above + r.negatives - negatives_above
        self.wrong = negatives_above + r.positives - positives_above

    def _ends(self, start: int) -> tuple[IntArray, npt.NDArray[np.bool_]]:
        """The confidence bits of the slice at ``start``, and where each tie group ends."""
        key = self.key
        bits = key[start:start + SCAN_CHUNK] >> 1
        ends = np.empty(bits.shape[0], dtype=np.bool_)
        np.not_equal(bits[1:], bits[:-1], out=ends[:-1])
        stop = start + bits.shape[0]
        ends[-1] = stop == key.shape[0] or int(key[stop] >> 1) != int(bits[-1])
        return bits, ends

    def distinct(self) -> int:
        """How many distinct confidences (tie groups, curve points) there are."""
        return sum(int(np.count_nonzero(self._ends(start)[1]))
                   for start in range(0, self.key.shape[0], SCAN_CHUNK))

    def slices(self) -> Iterator[tuple[FloatArray, IntArray, IntArray]]:
        """Each slice's tie groups: confidence, right and wrong predictions at or above it."""
        r, g = self.r, self.key.shape[0]
        so_far = 0  # right predictions (one example a key), or groups taken from below
        for start in range(0, g, SCAN_CHUNK):
            chunk = self.key[start:start + SCAN_CHUNK]
            stop = start + chunk.shape[0]
            if self.single:
                correct = chunk & 1
                np.cumsum(correct, out=correct)
                correct += so_far
                so_far = int(correct[-1])
                wrong = np.arange(start + 1, stop + 1) - correct
            else:
                # Highest confidence first, the first j entries are the top `above`
                # groups of r (p >= threshold: class 1 predicted, its positives right)
                # and the bottom j - above groups (class 0 predicted, its negatives
                # right): cumulative counts of r give both.
                from_below = np.cumsum(chunk & 1)
                from_below += so_far
                so_far = int(from_below[-1])
                above = np.arange(start + 1, stop + 1) - from_below
                from_below -= g
                np.negative(from_below, out=from_below)  # the first bottom group taken
                positives_above, negatives_above = _counts_of_top(r, above)
                positives_rest, negatives_rest = _counts_of_top(r, from_below)
                correct = r.negatives - negatives_rest + positives_above
                wrong = r.positives - positives_rest + negatives_above
            bits, ends = self._ends(start)
            yield bits[ends].view(np.float64), correct[ends], wrong[ends]


def _counts_of_top(r: BinaryRanking, groups: IntArray) -> tuple[IntArray, IntArray]:
    """Positives and negatives in the first ``groups[i]`` groups of ``r`` (0 for none)."""
    pos = r.tps[groups - 1]
    neg = r.fps[groups - 1]
    none = groups == 0
    if none.any():
        pos[none] = 0
        neg[none] = 0
    return pos, neg


def _confidence_keys(r: BinaryRanking, k: int, below: FloatArray | None,
                     correct_bit: bool) -> IntArray:
    """Each group's confidence bits above one low bit, in two runs of descending confidence.

    Groups 0, ..., k-1 (p from the top down to the threshold), then groups g-1, ..., k
    (``1 - p``, p going up). Non-negative float64 bit patterns order like the floats.
    The low bit says which run a group came from (1: below the threshold), or, when
    every group is one example (``correct_bit``), whether its prediction is right: a
    positive above the threshold, a negative below it. Written straight into the key:
    every temporary of 10^7 elements costs page faults.
    """
    g = r.thresholds.shape[0]
    key = np.empty(g, dtype=np.int64)
    np.left_shift(r.thresholds[:k].view(np.int64), 1, out=key[:k])
    lowest = r.thresholds[k:] if below is None else np.asarray(below[k:], dtype=np.float64)
    if below is None:
        np.subtract(1.0, lowest[::-1], out=key[k:].view(np.float64))
    else:
        key[k:].view(np.float64)[:] = lowest[::-1]
    key[k:] <<= 1
    if not correct_bit:
        key[k:] |= 1
        return key
    for start in range(0, g, SCAN_CHUNK):
        stop = min(start + SCAN_CHUNK, g)
        # Group i holds one positive iff tps steps up at i.
        positive = np.diff(r.tps[start:stop], prepend=r.tps[start - 1] if start else 0)
        if start < k:  # above: right when positive
            key[start:min(stop, k)] |= positive[:k - start]
        if stop > k:  # below, at position k + g - 1 - i: right when negative
            first = max(start, k)
            key[k + g - stop:k + g - first] |= (1 - positive[first - start:])[::-1]
    return key
