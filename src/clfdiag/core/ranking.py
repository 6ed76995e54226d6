"""Everything that depends on the order of the scores, computed from one sort.

A single ``np.sort`` of a packed int64 key (the score's bit pattern shifted left,
the label in the lowest bit) yields, for every distinct score taken as a
threshold, the cumulative counts of positives and negatives scored at or above
it. ROC, precision-recall, ROC AUC, average precision and the DeLong variance of
the AUC all derive from those counts, as in scikit-learn's private
``_binary_clf_curve``, without re-sorting or re-validating.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import overload

import numpy as np
import numpy.typing as npt

from clfdiag.core.ordering import ascending_order

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
UIntArray = npt.NDArray[np.uint64]


@dataclass(frozen=True)
class BinaryRanking:
    """Cumulative counts at each distinct score, highest score first.

    ``tps[i]`` and ``fps[i]`` count the positives and negatives whose score is
    ``>= thresholds[i]``.
    """

    thresholds: FloatArray
    tps: IntArray
    fps: IntArray
    positives: int
    negatives: int


@dataclass(frozen=True)
class WeightedRanking:
    """:class:`BinaryRanking` with each example counted by its sample weight.

    ``tps[i]`` and ``fps[i]`` are the summed weights of the positives and
    negatives whose score is ``>= thresholds[i]``; ``positives`` and
    ``negatives`` are the classes' total weights.
    """

    thresholds: FloatArray
    tps: FloatArray
    fps: FloatArray
    positives: float
    negatives: float


@dataclass(frozen=True)
class Curve:
    """A curve as parallel arrays; ``thresholds[i]`` gives the point ``(x[i], y[i])``."""

    x: FloatArray
    y: FloatArray
    thresholds: FloatArray


@dataclass(frozen=True)
class ScoreGroups:
    """The distinct scores in increasing order, with the examples and positives at each.

    What an isotonic (pool-adjacent-violators) fit or a grouped calibration test
    needs from the data: ``scores[i]`` is held by ``counts[i]`` examples, of which
    ``positives[i]`` are positive (sums of sample weights for a weighted ranking).
    """

    scores: FloatArray
    counts: npt.NDArray[np.int64 | np.float64]
    positives: npt.NDArray[np.int64 | np.float64]


def score_groups(r: BinaryRanking | WeightedRanking) -> ScoreGroups:
    """The tie groups of a ranking, lowest score first, from its cumulative counts.

    No sort and no pass over the examples: the ranking already holds one entry
    per distinct score. The evaluation keeps its ranking of the positive-class
    scores (``EvaluationState.scores.positive_ranking()``), so every item that
    needs the scores in order starts from it instead of sorting them again.

    Examples
    --------
    >>> g = score_groups(rank_binary(np.array([0, 1, 1, 0, 1]),
    ...                              np.array([0.2, 0.7, 0.2, 0.9, 0.7])))
    >>> g.scores.tolist(), g.counts.tolist(), g.positives.tolist()
    ([0.2, 0.7, 0.9], [2, 2, 1], [1, 2, 0])
    """
    positives = np.diff(r.tps, prepend=0)
    counts = positives + np.diff(r.fps, prepend=0)
    return ScoreGroups(np.ascontiguousarray(r.thresholds[::-1]),
                       np.ascontiguousarray(counts[::-1]),
                       np.ascontiguousarray(positives[::-1]))


PARALLEL_SORT_MIN = 1 << 20


def sort_in_place(key: IntArray | UIntArray) -> None:
    """Sort ascending, using both cores for large arrays.

    numpy releases the GIL while sorting: two threads sort the halves, then a
    stable sort (timsort) merges the two runs in near-linear time. About 0.38 s
    instead of 0.66 s for 10^7 int64 on a 2-core machine.
    """
    if key.shape[0] < PARALLEL_SORT_MIN:
        key.sort()
        return
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(np.ndarray.sort, np.array_split(key, 2)))
    key.sort(kind="stable")


def rank_binary(y: npt.NDArray[np.integer], scores: FloatArray) -> BinaryRanking:
    """Sort once and return the cumulative counts at each distinct score.

    Parameters
    ----------
    y : array of 0/1
        True labels, 1 for the positive class.
    scores : float64 array without NaN
        Any real-valued score (infinities rank at the ends), higher meaning more likely positive (a
        probability, a margin, a biomarker). For non-negative float64 values the
        IEEE bit pattern, read as an unsigned integer, orders like the value
        itself, so the sort runs on integers with the label packed in the
        lowest bit (the sign bit is shifted out, so -0.0 packs like 0.0). A
        negative value's remaining bits order like its magnitude, that is in
        reverse: negative scores are sorted on their own and their order
        reversed. The usual order-preserving map of the signed bits needs all
        64 bits and leaves no room for the label; splitting by sign keeps the
        label in the key and costs no extra pass over non-negative scores.

    Examples
    --------
    >>> r = rank_binary(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8]))
    >>> r.thresholds.tolist(), r.tps.tolist(), r.fps.tolist()
    ([0.8, 0.4, 0.35, 0.1], [1, 1, 2, 2], [0, 1, 1, 2])
    >>> rank_binary(np.array([1, 0, 1]), np.array([-2.5, 3.0, -0.5])).thresholds.tolist()
    [3.0, -0.5, -2.5]
    """
    scores = np.ascontiguousarray(scores, dtype=np.float64)
    n = scores.shape[0]
    if n == 0:
        empty_i = np.zeros(0, dtype=np.int64)
        return BinaryRanking(np.zeros(0), empty_i, empty_i, 0, 0)
    if scores.min() >= 0:
        return _rank_non_negative(y, scores)
    key = _packed_key(y, scores)
    negative = scores < 0
    low, high = key[negative], key[~negative]
    del key, negative
    sort_in_place(low)
    sort_in_place(high)
    # Sorted by magnitude, then reversed: ascending in value.
    low_values, low_positives, low_count = _ascending_groups(*_unpack(low[::-1]))
    del low
    high_values, high_positives, high_count = _ascending_groups(*_unpack(high))
    del high
    # The halves are grouped apart: -x and x share their magnitude bits.
    return _from_ascending_groups(
        np.concatenate((np.negative(low_values), high_values)),
        np.concatenate((low_positives, high_positives + low_positives[-1])),
        np.concatenate((low_count, high_count + low_count[-1])))


def rank_weighted(y: npt.NDArray[np.integer], scores: FloatArray,
                  weights: FloatArray) -> WeightedRanking:
    """The ranking with each example counted by its sample weight.

    scikit-learn's ``_binary_clf_curve(..., sample_weight=weights)``: examples of
    weight 0 are left out, the scores are sorted in decreasing order, and the
    weights of positives and negatives are summed down to the end of each run
    of equal scores. An integer weight counts the example as that many copies.

    Examples
    --------
    >>> r = rank_weighted(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8]),
    ...                   np.array([1.0, 2.0, 0.5, 0.0]))
    >>> r.thresholds.tolist(), r.tps.tolist(), r.fps.tolist()
    ([0.4, 0.35, 0.1], [0.0, 0.5, 0.5], [2.0, 2.0, 3.0])
    """
    used = weights != 0
    if not used.all():
        y, scores, weights = y[used], scores[used], weights[used]
    if scores.shape[0] == 0:
        return WeightedRanking(np.zeros(0), np.zeros(0), np.zeros(0), 0.0, 0.0)
    # The integer sort of :func:`~clfdiag.core.ordering.ascending_order`, about a quarter
    # of the CPU of an argsort at 10^7 rows.
    order = ascending_order(scores)[::-1]
    ordered = scores[order]
    w = weights[order]
    ends = np.append(np.flatnonzero(ordered[1:] != ordered[:-1]), ordered.shape[0] - 1)
    tps = np.cumsum(np.where(y[order] == 1, w, 0.0))[ends]
    fps = np.cumsum(w)[ends] - tps
    return WeightedRanking(np.ascontiguousarray(ordered[ends]), tps, fps, float(tps[-1]),
                           float(fps[-1]))


def _packed_key(y: npt.NDArray[np.integer], scores: FloatArray) -> UIntArray:
    """``(|score| bits << 1) | y``: orders by magnitude and carries the label."""
    key = scores.view(np.uint64) << np.uint64(1)
    np.bitwise_or(key, y, out=key, casting="unsafe", dtype=np.uint64)
    return key


def _unpack(key: UIntArray) -> tuple[UIntArray, npt.NDArray[np.int8]]:
    """The magnitude bits (unpacked in place) and the labels of a packed key."""
    labels = np.empty(key.shape[0], dtype=np.int8)
    np.bitwise_and(key, np.uint64(1), out=labels, casting="unsafe")
    key >>= np.uint64(1)
    return key, labels


def _ascending_groups(bits: UIntArray, labels: npt.NDArray[np.int8],
                      new_group: npt.NDArray[np.bool_] | None = None,
                      ) -> tuple[FloatArray, IntArray, IntArray]:
    """Magnitude of each tie group's score, positives and examples up to its end, ascending."""
    if bits.shape[0] == 0:
        empty = np.zeros(0, dtype=np.int64)
        return np.zeros(0), empty, empty
    if new_group is None:
        new_group = bits[1:] != bits[:-1]
    if new_group.all():
        count = np.arange(1, bits.shape[0] + 1, dtype=np.int64)
        return bits.view(np.float64), _running_total(labels), count
    ends = np.append(np.flatnonzero(new_group), bits.shape[0] - 1)
    return (bits[ends].view(np.float64), _running_total(labels)[ends],
            ends + 1)


def _running_total(labels: npt.NDArray[np.int8]) -> IntArray:
    """``np.cumsum(labels)`` in int64: widened first, then summed in place.

    numpy's cumsum with a wider output dtype converts through a small buffer,
    about three times slower than a plain cast followed by an in-place cumsum.
    """
    total = labels.astype(np.int64)
    np.cumsum(total, out=total)
    return total


def _from_ascending_groups(values: FloatArray, positives_up_to: IntArray,
                           count_up_to: IntArray) -> BinaryRanking:
    """The descending ranking from cumulative counts at the end of each ascending group."""
    positives, n = int(positives_up_to[-1]), int(count_up_to[-1])
    positives_below = np.concatenate(([0], positives_up_to[:-1]))
    count_below = np.concatenate(([0], count_up_to[:-1]))
    tps = positives - positives_below
    fps = (n - count_below) - tps
    return BinaryRanking(np.ascontiguousarray(values[::-1]), np.ascontiguousarray(tps[::-1]),
                         np.ascontiguousarray(fps[::-1]), positives, n - positives)


def _rank_non_negative(y: npt.NDArray[np.integer], scores: FloatArray) -> BinaryRanking:
    """:func:`rank_binary` for scores >= 0, whose sorted key is already in value order."""
    key = _packed_key(y, scores)
    sort_in_place(key)
    return _ranking_of_ascending(*_unpack(key))  # the score bits, ascending


def rank_in_order(y: npt.NDArray[np.integer], scores: FloatArray,
                  order: npt.NDArray[np.int64]) -> BinaryRanking:
    """:func:`rank_binary` read in the scores' ascending ``order``, without sorting them.

    For a caller that needs the order itself (DeLong's paired test): ``order`` is
    :func:`~clfdiag.core.ordering.ascending_order` of ``scores``, and the ranking
    then costs two gathers instead of a sort.

    Examples
    --------
    >>> from clfdiag.core.ordering import ascending_order
    >>> s = np.array([0.1, 0.4, 0.35, 0.8])
    >>> r = rank_in_order(np.array([0, 0, 1, 1]), s, ascending_order(s))
    >>> r.thresholds.tolist(), r.tps.tolist(), r.fps.tolist()
    ([0.8, 0.4, 0.35, 0.1], [1, 1, 2, 2], [0, 1, 1, 2])
    """
    if order.shape[0] == 0:
        return rank_binary(y, scores)
    ascending = scores[order]
    ascending += 0.0  # -0.0 becomes 0.0: equal scores then have equal bits
    labels = np.equal(y, 1).view(np.int8)[order]
    return _ranking_of_ascending(ascending.view(np.uint64), labels)


def _ranking_of_ascending(bits: UIntArray, labels: npt.NDArray[np.int8]) -> BinaryRanking:
    """The ranking of examples in ascending order of score, from their scores' bits.

    ``bits``: the float64 scores' bit patterns (equal bits for equal scores),
    consumed; ``labels``: 1 for a positive, in the same order.
    """
    n = bits.shape[0]
    new_group = bits[1:] != bits[:-1]
    if new_group.all():
        # Every score distinct (the usual case for real-valued probabilities): each
        # example is its own group, and no index arrays are needed.
        del new_group
        # Ascending: positives strictly below each example, turned in place into the
        # positives at or above it; the descending ranking is a reversed view.
        at_or_above = _running_total(labels)
        positives = int(at_or_above[-1])
        at_or_above -= labels
        np.subtract(positives, at_or_above, out=at_or_above)
        del labels
        fps = np.arange(n, 0, -1, dtype=np.int64)
        fps -= at_or_above
        return BinaryRanking(bits.view(np.float64)[::-1], at_or_above[::-1], fps[::-1],
                             positives, n - positives)
    groups = _ascending_groups(bits, labels, new_group)
    del bits, labels, new_group
    return _from_ascending_groups(*groups)


def ranking_from_counts(thresholds: FloatArray, positives: IntArray,
                        negatives: IntArray) -> BinaryRanking:
    """A ranking from per-group counts given in increasing order of threshold.

    Empty groups are dropped. Used for histogram bins, each treated as one tie group.
    """
    used = (positives + negatives) > 0
    thr, pos, neg = thresholds[used][::-1], positives[used][::-1], negatives[used][::-1]
    tps, fps = np.cumsum(pos), np.cumsum(neg)
    total_pos = int(tps[-1]) if tps.size else 0
    total_neg = int(fps[-1]) if fps.size else 0
    return BinaryRanking(np.ascontiguousarray(thr), tps, fps, total_pos, total_neg)


def weighted_ranking_from_sums(thresholds: FloatArray, positives: FloatArray,
                               negatives: FloatArray) -> WeightedRanking:
    """:func:`ranking_from_counts` for per-group sums of weights (weighted histogram bins)."""
    used = (positives + negatives) > 0
    thr, pos, neg = thresholds[used][::-1], positives[used][::-1], negatives[used][::-1]
    tps, fps = np.cumsum(pos), np.cumsum(neg)
    return WeightedRanking(np.ascontiguousarray(thr), tps, fps,
                           float(tps[-1]) if tps.size else 0.0,
                           float(fps[-1]) if fps.size else 0.0)


@overload
def sample(r: BinaryRanking, points: int) -> BinaryRanking: ...
@overload
def sample(r: WeightedRanking, points: int) -> WeightedRanking: ...
@overload
def sample(r: BinaryRanking | WeightedRanking, points: int
           ) -> BinaryRanking | WeightedRanking: ...
def sample(r: BinaryRanking | WeightedRanking, points: int) -> BinaryRanking | WeightedRanking:
    """At most ``points`` thresholds, evenly spaced along the ranking, both ends kept.

    Each kept threshold is an exact point of the curves; the ones between are
    left out, which is all a plot or a report needs from a curve of 10^7 points.
    """
    idx = sample_indices(r.thresholds.shape[0], points)
    if idx is None:
        return r
    if isinstance(r, WeightedRanking):
        return WeightedRanking(r.thresholds[idx], r.tps[idx], r.fps[idx], r.positives,
                               r.negatives)
    return BinaryRanking(r.thresholds[idx], r.tps[idx], r.fps[idx], r.positives, r.negatives)


def sample_indices(groups: int, points: int) -> IntArray | None:
    """The groups :func:`sample` keeps, ascending; None when it keeps them all."""
    if groups <= points:
        return None
    return np.unique(np.linspace(0, groups - 1, points).round().astype(np.int64))


def groups_at_or_above(r: BinaryRanking, threshold: float) -> int:
    """How many distinct scores are ``>= threshold``: the index past its counts in ``r``.

    ``r.tps[k - 1]`` and ``r.fps[k - 1]`` are then the counts of the rule
    ``score >= threshold`` (0 when ``k == 0``). A binary search on the
    descending thresholds, without copying them.
    """
    from bisect import bisect_right

    return bisect_right(r.thresholds, -threshold, key=lambda v: -v)


def roc_curve(r: BinaryRanking | WeightedRanking) -> Curve:
    """Receiver operating characteristic: false positive rate (x) vs true positive rate (y).

    Matches ``sklearn.metrics.roc_curve(..., drop_intermediate=False)``: a first
    point (0, 0) at threshold +inf, then one point per distinct score. Undefined
    rates (no positives, or no negatives) are NaN.
    """
    tps = np.concatenate(([0], r.tps))
    fps = np.concatenate(([0], r.fps))
    with np.errstate(invalid="ignore", divide="ignore"):
        fpr = fps / r.negatives if r.negatives else np.full(fps.shape, np.nan)
        tpr = tps / r.positives if r.positives else np.full(tps.shape, np.nan)
    return Curve(fpr, tpr, np.concatenate(([np.inf], r.thresholds)))


def precision_recall_curve(r: BinaryRanking | WeightedRanking) -> Curve:
    """Precision (y) against recall (x), as ``sklearn.metrics.precision_recall_curve``.

    One point per distinct score, thresholds increasing, then the point
    (recall 0, precision 1), which has no threshold. Empty without positives.
    Weighted, the rates are those of ``sample_weight``.
    """
    if r.positives == 0:
        return Curve(np.zeros(0), np.zeros(0), np.zeros(0))
    precision = r.tps / (r.tps + r.fps)
    recall = r.tps / r.positives
    return Curve(
        np.concatenate((recall[::-1], [0.0])),
        np.concatenate((precision[::-1], [1.0])),
        r.thresholds[::-1].copy(),
    )


CHUNK = 1 << 20


def _chunks(r: BinaryRanking | WeightedRanking
            ) -> Iterator[tuple[npt.NDArray[np.int64 | np.float64], ...]]:
    """``(tps, fps, tps_before, fps_before)`` over the groups, a bounded slice at a time.

    Working in slices keeps temporaries small and warm in memory: on 10^7 groups,
    whole-array temporaries cost more in page faults than in arithmetic.
    """
    for start in range(0, r.tps.shape[0], CHUNK):
        stop = start + CHUNK
        tps, fps = r.tps[start:stop], r.fps[start:stop]
        tps_before = np.empty_like(tps)
        fps_before = np.empty_like(fps)
        tps_before[0] = r.tps[start - 1] if start else 0
        fps_before[0] = r.fps[start - 1] if start else 0
        tps_before[1:], fps_before[1:] = tps[:-1], fps[:-1]
        yield tps, fps, tps_before, fps_before


def roc_auc(r: BinaryRanking | WeightedRanking) -> float | None:
    """Area under the ROC curve; a tie between a positive and a negative counts one half.

    Equals the Mann-Whitney U statistic divided by ``positives * negatives``, as
    ``sklearn.metrics.roc_auc_score``. Computed in integers, so it is exact.
    Weighted: the trapezoidal area under the weighted ROC curve, as
    ``roc_auc_score(..., sample_weight=w)``. ``None`` when only one class is
    present (has weight).
    """
    if r.positives == 0 or r.negatives == 0:
        return None
    if isinstance(r, WeightedRanking):
        area = 0.0
        for tps, fps, tps_before, fps_before in _chunks(r):
            area += float(np.dot(fps - fps_before, tps_before + tps))
        return area / (2 * r.positives) / r.negatives
    exact = RocArea()
    for start in range(0, r.tps.shape[0], CHUNK):
        exact.add(r.tps[start:start + CHUNK], r.fps[start:start + CHUNK])
    return exact.value(r.positives, r.negatives)


class RocArea:
    """:func:`roc_auc` of an unweighted ranking given slice by slice, highest scores first.

    Twice the Mann-Whitney area is summed in integers (exact): each group adds its
    negatives times the positives above it plus half its own positives,
    ``(fps - fps_before) * (tps_before + tps)``.
    """

    def __init__(self) -> None:
        self.twice_area = 0
        self.tps_before = 0
        self.fps_before = 0

    def add(self, tps: IntArray, fps: IntArray) -> None:
        """The next consecutive groups' cumulative counts (an empty slice adds nothing)."""
        if tps.shape[0] == 0:
            return
        tps_before = np.empty_like(tps)
        fps_before = np.empty_like(fps)
        tps_before[0], fps_before[0] = self.tps_before, self.fps_before
        tps_before[1:], fps_before[1:] = tps[:-1], fps[:-1]
        np.subtract(fps, fps_before, out=fps_before)
        tps_before += tps
        self.twice_area += int(np.dot(fps_before, tps_before))
        self.tps_before, self.fps_before = int(tps[-1]), int(fps[-1])

    def value(self, positives: int, negatives: int) -> float | None:
        """The area over the groups added; None when only one class is present."""
        if positives == 0 or negatives == 0:
            return None
        return self.twice_area / (2 * positives * negatives)


def average_precision(r: BinaryRanking | WeightedRanking) -> float | None:
    """Average precision: sum over thresholds of (R_k - R_{k-1}) * P_k.

    The step-wise sum of ``sklearn.metrics.average_precision_score`` (no
    interpolation), weighted as its ``sample_weight``. ``None`` when there is no
    positive example.
    """
    if r.positives == 0:
        return None
    total = 0.0
    for tps, fps, tps_before, _ in _chunks(r):
        total += float(np.dot(tps - tps_before, tps / (tps + fps)))
    return total / r.positives


def delong_components(r: BinaryRanking,
                      auc: float | None = None) -> tuple[float, float, float] | None:
    """AUC and the variances of DeLong's structural components, from the tie groups.

    DeLong, DeLong & Clarke-Pearson (1988), "Comparing the areas under two or
    more correlated receiver operating characteristic curves", Biometrics 44.
    For a positive scored ``x``, V10 is the share of negatives below ``x`` (ties
    count one half); for a negative scored ``x``, V01 is the share of positives
    above ``x``. Every example in one tie group shares its component, so the
    sample variances come from the groups alone (two passes: mean, then spread).

    Returns ``(auc, s10, s01)`` with ``var(AUC) = s10 / positives + s01 / negatives``,
    or ``None`` when either class has fewer than two examples. ``auc``, when the
    caller already has it, saves a pass.
    """
    m, n = r.positives, r.negatives
    if m < 2 or n < 2:
        return None
    auc = roc_auc(r) if auc is None else auc
    assert auc is not None
    s10 = s01 = 0.0
    for tps, fps, tps_before, fps_before in _chunks(r):
        d_tps = (tps - tps_before).astype(np.float64)
        d_fps = (fps - fps_before).astype(np.float64)
        v10 = (n - fps + d_fps / 2) / n - auc
        v01 = (tps_before + d_tps / 2) / m - auc
        s10 += float(np.dot(d_tps, v10 * v10))
        s01 += float(np.dot(d_fps, v01 * v01))
    return auc, s10 / (m - 1), s01 / (n - 1)
