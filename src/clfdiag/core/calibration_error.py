"""Binned estimators of the calibration error, each named by its view, binning and norm.

A *view* turns predictions into one score per example and a 0/1 outcome:

- ``top_label``: the probability of the predicted class against "the prediction
  was right" (Guo et al. 2017);
- ``positive_class`` (binary): the predicted P(y = 1) against y, as
  ``sklearn.calibration.calibration_curve`` and reliability diagrams in
  textbooks draw it;
- class-wise (multiclass): each class's probability against "the label is that
  class", one view per class (Kull et al. 2019; Kumar et al. 2019's "marginal").

A *binning* groups scores into right-closed bins ``(lower, upper]``, the first
also holding its lower edge:

- ``equal_width``: edges ``b / B`` (Naeini et al. 2015; Guo et al. 2017);
- ``equal_mass``: the sorted scores are split into B nearly equal parts
  (``numpy.array_split``) and each edge is the midpoint between the last score
  of a part and the first of the next; tied scores therefore share a bin and
  there can be fewer than B bins (Kumar et al. 2019, ``get_equal_bins`` in
  uncertainty-calibration; Nixon et al. 2019's adaptive binning).

With ``n_b`` examples, mean score ``s_b`` and mean outcome ``o_b`` in bin b:
``ECE = sum_b (n_b / n) |o_b - s_b|``, ``MCE = max_b |o_b - s_b|`` (Naeini et
al. 2015), the plug-in L2 error ``sqrt(sum_b (n_b / n) (o_b - s_b)^2)`` and the
debiased L2 error of Kumar et al. 2019 ("Verified Uncertainty Calibration"),
``sqrt(max(0, sum_b (n_b / n) [(o_b - s_b)^2 - o_b (1 - o_b) / (n_b - 1)]))``,
where bins with fewer than two examples contribute 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from clfdiag.core.calibration import bin_index
from clfdiag.core.intervals import wilson_interval
from clfdiag.core.ranking import BinaryRanking
from clfdiag.core.resampling import stratified_bootstrap

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Binning = Literal["equal_width", "equal_mass"]
View = Literal["top_label", "positive_class"]
BINNINGS: tuple[Binning, ...] = ("equal_width", "equal_mass")


@dataclass(frozen=True)
class ReliabilityBin:
    """One bin of a reliability diagram: scores in ``(lower, upper]``.

    ``interval`` is the Wilson 95% interval of the observed frequency
    (``None`` for an empty bin, as are the means).
    """

    lower: float
    upper: float
    count: int
    mean_score: float | None
    observed: float | None
    interval: tuple[float, float] | None


@dataclass(frozen=True)
class BinnedCalibration:
    """Reliability bins of one view and the estimators computed from them.

    Every estimator is ``None`` when there are no examples.
    """

    view: str
    binning: Binning
    n_bins: int
    bins: tuple[ReliabilityBin, ...]
    ece: float | None
    mce: float | None
    l2: float | None
    debiased_l2: float | None


@dataclass(frozen=True)
class ClasswiseCalibration:
    """Class-wise ECE: the mean over classes of each class's one-vs-rest ECE."""

    binning: Binning
    n_bins: int
    per_class: tuple[BinnedCalibration, ...]
    ece: float | None
    debiased_l2: float | None
    """``sqrt`` of the mean over classes of the squared debiased L2 errors (Kumar et al.)."""


def equal_mass_edges(score: FloatArray, n_bins: int) -> FloatArray:
    """Upper edges of at most ``n_bins`` equal-mass bins, the last one 1.

    The sorted scores are split with ``numpy.array_split`` into
    ``min(n_bins, n)`` parts; each inner edge is the midpoint between the last
    score of a part and the first of the next, and repeated edges are merged
    (Kumar et al. 2019, ``get_equal_bins``).

    Examples
    --------
    >>> equal_mass_edges(np.array([0.6, 0.7, 0.8, 0.9]), 2).tolist()
    [0.75, 1.0]
    """
    _check_bins(n_bins)
    ordered = np.sort(score)
    starts = _equal_mass_starts(ordered.size, n_bins)
    if starts is None:
        return np.ones(1)
    inner = (ordered[starts - 1] + ordered[starts]) / 2.0
    return np.unique(np.append(inner, 1.0))


def _equal_mass_starts(n: int, n_bins: int) -> IntArray | None:
    """Sorted positions where the 2nd to last equal-mass parts start; None for one part."""
    parts = min(n_bins, n)
    if parts <= 1:
        return None
    # np.array_split puts one extra element in each of the first n % parts parts.
    size, extra = divmod(n, parts)
    return np.arange(1, parts) * size + np.minimum(np.arange(1, parts), extra)


def equal_width_edges(n_bins: int) -> FloatArray:
    """Upper edges ``b / B`` for ``b = 1 .. B`` (the lower edge of the first bin is 0)."""
    _check_bins(n_bins)
    return np.linspace(0.0, 1.0, n_bins + 1)[1:]


def assign_bins(score: FloatArray, n_bins: int,
                binning: Binning) -> tuple[IntArray, FloatArray]:
    """The right-closed bin of each score and the bins' upper edges."""
    if binning == "equal_width":
        return bin_index(score, n_bins), equal_width_edges(n_bins)
    if binning == "equal_mass":
        edges = equal_mass_edges(score, n_bins)
        index = np.searchsorted(edges, score, side="left").astype(np.int64)
        np.minimum(index, edges.size - 1, out=index)
        return index, edges
    raise ValueError(f"unknown binning {binning!r}; use one of {', '.join(BINNINGS)}")


def binned_calibration(score: FloatArray, outcome: npt.NDArray[np.bool_] | npt.NDArray[np.integer],
                       n_bins: int = 15, binning: Binning = "equal_width",
                       view: str = "positive_class") -> BinnedCalibration:
    """Reliability bins and binned calibration errors of scores in [0, 1] against 0/1 outcomes.

    See the module docstring for the definitions. ``view`` only names what the
    scores are. Matches ``uncertainty-calibration``'s ``plugin_ce`` (p = 1, 2)
    and ``unbiased_l2_ce``, and torchmetrics' ``binary_calibration_error``
    (``norm="l1"``, ``"l2"``, ``"max"``) with equal-width bins.

    Examples
    --------
    >>> b = binned_calibration(np.array([.6, .7, .8, .9]), np.array([0, 0, 1, 1]), 2)
    >>> round(b.ece, 6)
    0.25
    """
    index, edges = assign_bins(score, n_bins, binning)
    size = edges.size
    counts = np.bincount(index, minlength=size).astype(np.int64)
    score_sum = np.bincount(index, weights=score, minlength=size).astype(np.float64)
    hits = np.bincount(index, weights=np.asarray(outcome, dtype=np.float64),
                       minlength=size).astype(np.float64)
    return calibration_from_bins(edges, counts, score_sum, hits, binning, n_bins, view)


def calibration_from_bins(edges: FloatArray, counts: IntArray, score_sum: FloatArray,
                          hits: FloatArray, binning: Binning, n_bins: int,
                          view: str) -> BinnedCalibration:
    """The estimators from per-bin counts, score sums and outcome sums."""
    n = int(counts.sum())
    lowers = np.concatenate(([0.0], edges[:-1]))
    bins = []
    for b in range(edges.size):
        c = int(counts[b])
        k = round(float(hits[b]))
        bins.append(ReliabilityBin(
            float(lowers[b]), float(edges[b]), c,
            float(score_sum[b] / c) if c else None,
            k / c if c else None,
            wilson_interval(k, c)))
    if n == 0:
        return BinnedCalibration(view, binning, n_bins, tuple(bins), None, None, None, None)
    filled = counts > 0
    size = counts[filled].astype(np.float64)
    observed = hits[filled] / size
    gap = observed - score_sum[filled] / size
    share = size / n
    ece = float(share @ np.abs(gap))
    mce = float(np.abs(gap).max())
    squared = gap * gap
    l2 = math.sqrt(float(share @ squared))
    # Kumar et al.: subtract each bin's estimated variance of o_b; bins of one
    # example have no variance estimate and contribute nothing.
    several = size >= 2
    corrected = np.where(several,
                         squared - observed * (1.0 - observed) / np.maximum(size - 1, 1),
                         0.0)
    debiased = math.sqrt(max(float(share @ corrected), 0.0))
    return BinnedCalibration(view, binning, n_bins, tuple(bins), ece, mce, l2, debiased)


def ranked_calibration(r: BinaryRanking, n_bins: int = 15, binning: Binning = "equal_width",
                       view: str = "positive_class") -> BinnedCalibration:
    """:func:`binned_calibration` of scores in [0, 1] from their ranking, not from the rows.

    The same bins and estimators as ``binned_calibration(scores, y == 1, ...)``:
    ``r`` (:func:`~clfdiag.core.ranking.rank_binary` of ``y`` and the scores)
    holds the distinct scores in order with the examples and positives at or
    above each, so every bin is a run of it. The counts and hits are differences
    of those cumulative counts at the bins' edges (a binary search each), the
    score sums are sums over each run, and the equal-mass edges are read at
    their positions in the order: no pass over the rows and no sort.
    """
    _check_bins(n_bins)
    scores = r.thresholds  # distinct, descending
    groups = scores.shape[0]
    distinct = groups == r.positives + r.negatives  # one example per score: the usual case
    at_or_above = None if distinct else r.tps + r.fps

    def examples_in_first(j: IntArray) -> IntArray:
        """Examples in the first ``j`` groups (the highest scores)."""
        if at_or_above is None:
            return j
        return np.where(j > 0, at_or_above[np.maximum(j - 1, 0)], 0)

    if binning == "equal_width":
        edges = equal_width_edges(n_bins)
    elif binning == "equal_mass":
        edges = _ranked_equal_mass_edges(r, n_bins, at_or_above)
    else:
        raise ValueError(f"unknown binning {binning!r}; use one of {', '.join(BINNINGS)}")
    # Groups above each inner edge, from the top bin down; a bin is (lower, upper], the
    # bottom one also holds everything below, the top one everything above.
    above = groups - np.searchsorted(scores[::-1], edges[-2::-1], side="right")
    bounds = np.concatenate(([0], above, [groups])).astype(np.int64)
    examples = examples_in_first(bounds)
    positives_at = np.where(bounds > 0, r.tps[np.maximum(bounds - 1, 0)] if groups else 0, 0)
    counts = np.diff(examples)[::-1].astype(np.int64)
    hits = np.diff(positives_at)[::-1].astype(np.float64)
    weighted = scores if at_or_above is None else scores * np.diff(at_or_above, prepend=0)
    sums = np.zeros(edges.size)
    filled = bounds[:-1] < bounds[1:]
    if filled.any():
        sums[filled[::-1]] = np.add.reduceat(weighted, bounds[:-1][filled])[::-1]
    return calibration_from_bins(edges, counts, sums, hits, binning, n_bins, view)


def _ranked_equal_mass_edges(r: BinaryRanking, n_bins: int,
                             at_or_above: IntArray | None) -> FloatArray:
    """:func:`equal_mass_edges` of the scores of ``r``, read at their sorted positions."""
    n = r.positives + r.negatives
    starts = _equal_mass_starts(n, n_bins)
    if starts is None:
        return np.ones(1)

    def value_at(position: IntArray) -> FloatArray:
        from_top = n - 1 - position
        group = from_top if at_or_above is None else np.searchsorted(at_or_above, from_top,
                                                                     side="right")
        return r.thresholds[group]

    inner = (value_at(starts - 1) + value_at(starts)) / 2.0
    return np.unique(np.append(inner, 1.0))


def top_label_view(y: npt.NDArray[np.integer],
                   proba: FloatArray) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    """Confidence of the predicted class and whether it was right.

    Binary ``(n,)`` positive-class probabilities predict the positive class iff
    ``p >= 0.5``; ``(n, K)`` matrices predict the most probable class (lowest
    index among ties), as ``clfdiag evaluate`` does.
    """
    if proba.ndim == 1:
        predicted_positive = proba >= 0.5
        return np.where(predicted_positive, proba, 1.0 - proba), predicted_positive == (y == 1)
    predicted = proba.argmax(axis=1)
    confidence = proba[np.arange(proba.shape[0]), predicted]
    return np.asarray(confidence, dtype=np.float64), predicted == y


def calibration_view(y: npt.NDArray[np.integer], proba: FloatArray, view: View, n_bins: int = 15,
                     binning: Binning = "equal_width") -> BinnedCalibration:
    """:func:`binned_calibration` of the ``top_label`` or (binary) ``positive_class`` view."""
    if view == "top_label":
        confidence, correct = top_label_view(y, proba)
        return binned_calibration(confidence, correct, n_bins, binning, view)
    if view == "positive_class":
        if proba.ndim != 1:
            raise ValueError("the positive-class view needs binary (n,) probabilities")
        return binned_calibration(proba, y == 1, n_bins, binning, view)
    raise ValueError(f"unknown view {view!r}; use top_label or positive_class")


def classwise_calibration(y: npt.NDArray[np.integer], proba: FloatArray, n_bins: int = 15,
                          binning: Binning = "equal_width") -> ClasswiseCalibration:
    """Each class's one-vs-rest calibration, and their means (Kull et al. 2019, "classwise-ECE").

    ``proba`` is ``(n, K)``; a binary ``(n,)`` vector is read as the two columns
    ``1 - p`` and ``p``.
    """
    if proba.ndim == 1:
        proba = np.column_stack((1.0 - proba, proba))
    return classwise_from(tuple(binned_calibration(np.ascontiguousarray(proba[:, k]), y == k,
                                                   n_bins, binning, f"class {k}")
                                for k in range(proba.shape[1])))


def classwise_from(per_class: tuple[BinnedCalibration, ...]) -> ClasswiseCalibration:
    """:func:`classwise_calibration` from each class's one-vs-rest bins, however counted."""
    binning, n_bins = per_class[0].binning, per_class[0].n_bins
    eces = [c.ece for c in per_class]
    squares = [c.debiased_l2 for c in per_class]
    if any(e is None for e in eces):
        return ClasswiseCalibration(binning, n_bins, per_class, None, None)
    ece = sum(e for e in eces if e is not None) / len(eces)
    debiased = math.sqrt(sum(s * s for s in squares if s is not None) / len(squares))
    return ClasswiseCalibration(binning, n_bins, per_class, ece, debiased)


def ece_bootstrap_interval(y: npt.NDArray[np.integer], proba: FloatArray, resamples: int,
                           seed: int | None, *, view: View = "top_label", n_bins: int = 15,
                           binning: Binning = "equal_width",
                           confidence: float = 0.95) -> tuple[float, float] | None:
    """Percentile bootstrap interval of the ECE (Efron & Tibshirani 1993).

    Rows are resampled with replacement within each class
    (:func:`~clfdiag.core.resampling.stratified_bootstrap`), the ECE of the
    same view and binning is recomputed on each resample (equal-mass edges are
    recomputed too), and the ``(1 - confidence) / 2`` and ``(1 + confidence) / 2``
    quantiles (``numpy.quantile``'s linear rule) are returned. ``None`` for no
    rows or no resamples.
    """
    if resamples < 1 or y.shape[0] == 0:
        return None
    if view == "top_label":
        score, outcome = top_label_view(y, proba)
    elif view == "positive_class" and proba.ndim == 1:
        score, outcome = proba, y == 1
    else:
        raise ValueError(f"no {view} view for probabilities of shape {proba.shape}")
    values = np.empty(resamples)
    for r, rows in enumerate(stratified_bootstrap(y, resamples, seed)):
        ece = binned_calibration(score[rows], outcome[rows], n_bins, binning, view).ece
        values[r] = np.nan if ece is None else ece
    alpha = (1.0 - confidence) / 2.0
    low, high = np.quantile(values, [alpha, 1.0 - alpha])
    return float(low), float(high)


GRID_CHUNK = 1 << 18
"""Rows placed on the smooth ECE's grid at a time: bounded temporaries, few bincounts."""


def _check_bins(n_bins: int) -> None:
    if n_bins < 1:
        raise ValueError(f"the number of bins must be at least 1, not {n_bins}")


@dataclass(frozen=True)
class SmoothCalibration:
    """The smooth ECE and the kernel bandwidth it was measured with."""

    smooth_ece: float | None
    bandwidth: float | None


def smooth_ece(score: FloatArray, outcome: npt.NDArray[np.bool_] | npt.NDArray[np.integer],
               bandwidth: float | None = None) -> SmoothCalibration:
    """Smooth ECE (Blasiok & Nakkiran 2023, "Smooth ECE: Principled Reliability Diagrams").

    The residuals ``s_i - o_i`` and the scores' density are smoothed with a
    Gaussian kernel of width sigma reflected at 0 and 1; the smooth ECE is
    ``integral |r(t)| density(t) dt / integral density(t) dt`` with
    ``r = smoothed residual / (smoothed density + 1e-4)``. As in the authors'
    ``relplot`` package, scores are spread linearly onto a grid of
    ``max(2000, 20 / sigma) // 2 + 1`` points, convolved (here by FFT) and read
    at ``max(200, 10 / sigma)`` points; without ``bandwidth``, sigma is their
    fixed point ``sigma = smECE_sigma`` found by 10 bisections of [0, 1]
    (floored at 0.001). ``None`` for no examples.
    """
    if score.size == 0:
        return SmoothCalibration(None, None)
    grids: dict[int, tuple[FloatArray, FloatArray]] = {}

    def at(sigma: float) -> float:
        nodes = max(2000, round(20 / sigma)) // 2 + 1
        if nodes not in grids:
            grids[nodes] = _to_grids(score, outcome, nodes)
        points = np.linspace(0.0, 1.0, max(round(10 / sigma), 200))
        kernel = _gaussian_on_grid(sigma, nodes)
        smoothed_residual = _read_grid(_reflected_convolution(grids[nodes][0], kernel), points)
        density = _read_grid(_reflected_convolution(grids[nodes][1], kernel), points) + 1e-4
        return float(np.abs(smoothed_residual / density) @ density / density.sum())

    if bandwidth is not None:
        return SmoothCalibration(at(bandwidth), bandwidth)
    if at(1.0) > 1.0:
        return SmoothCalibration(at(1.0), 1.0)
    above, below = 1.0, 0.0
    for _ in range(10):
        middle = (above + below) / 2
        if middle < 0.001 or middle < at(middle):
            below = middle
        else:
            above = middle
    return SmoothCalibration(at(above), above)


def _to_grids(score: FloatArray, outcome: npt.NDArray[np.bool_] | npt.NDArray[np.integer],
              nodes: int) -> tuple[FloatArray, FloatArray]:
    """The residuals ``s - o``, and the examples' unit weights, spread linearly onto the grid.

    Each is split between the two grid points around its score. Both grids come
    from one placement of the scores, a slice of rows at a time: at 10^7 rows the
    positions and shares of all rows at once would hold 400 MB.
    """
    weighted = np.zeros(nodes)
    density = np.zeros(nodes)
    for start in range(0, score.shape[0], GRID_CHUNK):
        chunk = score[start:start + GRID_CHUNK]
        position = chunk * (nodes - 1)
        left = np.clip(position.astype(np.int64), 0, nodes - 2)
        right_share = position - left
        left_share = 1.0 - right_share
        right = left + 1
        density += np.bincount(left, weights=left_share, minlength=nodes)
        density += np.bincount(right, weights=right_share, minlength=nodes)
        residual = chunk - np.asarray(outcome[start:start + GRID_CHUNK], dtype=np.float64)
        right_share *= residual
        left_share *= residual
        weighted += np.bincount(left, weights=left_share, minlength=nodes)
        weighted += np.bincount(right, weights=right_share, minlength=nodes)
    return weighted, density


def _gaussian_on_grid(sigma: float, nodes: int) -> FloatArray:
    t = np.linspace(0.0, 1.0, nodes) - 0.5
    return np.asarray(np.exp(-t * t / (2 * sigma * sigma)) / (math.sqrt(2 * math.pi) * sigma),
                      dtype=np.float64)


def _reflected_convolution(values: FloatArray, kernel: FloatArray) -> FloatArray:
    """``values`` mirrored at both ends, convolved with the centred kernel, cut back to size."""
    nodes = values.size
    mirrored = values[::-1]
    extended = np.concatenate((mirrored[:-1], values, mirrored[1:]))
    size = extended.size + kernel.size - 1
    full = np.fft.irfft(np.fft.rfft(extended, size) * np.fft.rfft(kernel, size), size)
    valid = full[kernel.size - 1: extended.size]
    return np.asarray(valid[nodes // 2: nodes // 2 + nodes], dtype=np.float64)


def _read_grid(grid: FloatArray, points: FloatArray) -> FloatArray:
    """Linear interpolation of grid values (at ``j / (nodes - 1)``) at ``points``."""
    return np.asarray(np.interp(points, np.linspace(0.0, 1.0, grid.size), grid),
                      dtype=np.float64)
