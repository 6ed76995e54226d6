"""Everything that depends on the order of the scores, computed from one sort.

A single ``np.sort`` of a packed int64 key (the score's bit pattern shifted left,
the label in the lowest bit) yields, for every distinct score taken as a
threshold, the cumulative counts of positives and negatives scored at or above
it. ROC, precision-recall, ROC AUC, average precision and the DeLong variance of
the AUC all derive from those counts, as in scikit-learn's private
``_binary_clf_curve``, without re-sorting or re-validating.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


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
class Curve:
    """A curve as parallel arrays; ``thresholds[i]`` gives the point ``(x[i], y[i])``."""

    x: FloatArray
    y: FloatArray
    thresholds: FloatArray


def rank_binary(y: npt.NDArray[np.integer], scores: FloatArray) -> BinaryRanking:
    """Sort once and return the cumulative counts at each distinct score.

    Parameters
    ----------
    y : array of 0/1
        True labels, 1 for the positive class.
    scores : float64 array with values in [0, 1]
        The predicted probability of the positive class. For non-negative
        float64 values the IEEE bit pattern orders like the value itself, so
        the sort runs on integers and carries the label along; -0.0 packs like 0.0.

    Examples
    --------
    >>> r = rank_binary(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8]))
    >>> r.thresholds.tolist(), r.tps.tolist(), r.fps.tolist()
    ([0.8, 0.4, 0.35, 0.1], [1, 1, 2, 2], [0, 1, 1, 2])
    """
    scores = np.ascontiguousarray(scores, dtype=np.float64)
    key = scores.view(np.int64) << 1
    key |= np.asarray(y, dtype=np.int64)
    key.sort()
    key = key[::-1]
    labels = key & 1
    key >>= 1  # now the score bits, descending
    n = key.shape[0]
    if n == 0:
        empty_i = np.zeros(0, dtype=np.int64)
        return BinaryRanking(np.zeros(0), empty_i, empty_i, 0, 0)
    last_of_group = np.flatnonzero(key[1:] != key[:-1])
    last_of_group = np.append(last_of_group, n - 1)
    tps = np.cumsum(labels)[last_of_group]
    fps = last_of_group + 1 - tps
    thresholds = key[last_of_group].view(np.float64)
    positives = int(tps[-1])
    return BinaryRanking(thresholds, tps, fps, positives, n - positives)


def roc_curve(r: BinaryRanking) -> Curve:
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


def precision_recall_curve(r: BinaryRanking) -> Curve:
    """Precision (y) against recall (x), as ``sklearn.metrics.precision_recall_curve``.

    One point per distinct score, thresholds increasing, then the point
    (recall 0, precision 1), which has no threshold. Empty without positives.
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


def roc_auc(r: BinaryRanking) -> float | None:
    """Area under the ROC curve; a tie between a positive and a negative counts one half.

    Equals the Mann-Whitney U statistic divided by ``positives * negatives``, as
    ``sklearn.metrics.roc_auc_score``. Computed in integers, so it is exact.
    ``None`` when only one class is present.
    """
    if r.positives == 0 or r.negatives == 0:
        return None
    d_fps = np.diff(r.fps, prepend=0)
    tps_before = np.concatenate(([0], r.tps[:-1]))
    twice_area = int(np.dot(d_fps, tps_before + r.tps))
    return twice_area / (2 * r.positives * r.negatives)


def average_precision(r: BinaryRanking) -> float | None:
    """Average precision: sum over thresholds of (R_k - R_{k-1}) * P_k.

    The step-wise sum of ``sklearn.metrics.average_precision_score`` (no
    interpolation). ``None`` when there is no positive example.
    """
    if r.positives == 0:
        return None
    d_tps = np.diff(r.tps, prepend=0)
    precision = r.tps / (r.tps + r.fps)
    return float(np.dot(d_tps, precision) / r.positives)


def delong_components(r: BinaryRanking) -> tuple[float, float, float] | None:
    """AUC and the variances of DeLong's structural components, from the tie groups.

    DeLong, DeLong & Clarke-Pearson (1988), "Comparing the areas under two or
    more correlated receiver operating characteristic curves", Biometrics 44.
    For a positive scored ``x``, V10 is the share of negatives below ``x`` (ties
    count one half); for a negative scored ``x``, V01 is the share of positives
    above ``x``. Every example in one tie group shares its component, so the
    sample variances come from the groups alone.

    Returns ``(auc, s10, s01)`` with ``var(AUC) = s10 / positives + s01 / negatives``,
    or ``None`` when either class has fewer than two examples.
    """
    m, n = r.positives, r.negatives
    if m < 2 or n < 2:
        return None
    d_tps = np.diff(r.tps, prepend=0).astype(np.float64)
    d_fps = np.diff(r.fps, prepend=0).astype(np.float64)
    tps_before = np.concatenate(([0], r.tps[:-1]))
    v10 = (n - r.fps + d_fps / 2) / n
    v01 = (tps_before + d_tps / 2) / m
    auc = float(np.dot(d_tps, v10) / m)
    s10 = float(np.dot(d_tps, (v10 - auc) ** 2) / (m - 1))
    s01 = float(np.dot(d_fps, (v01 - auc) ** 2) / (n - 1))
    return auc, s10, s01
