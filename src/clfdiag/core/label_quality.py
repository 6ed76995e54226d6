"""Confident learning: which given labels are probably wrong, and how noisy each class is.

Northcutt, Jiang and Chuang, "Confident Learning: Estimating Uncertainty in
Dataset Labels", JAIR 70, 2021. Every definition below is the one of cleanlab
2.9.0 (``cleanlab.count``, ``cleanlab.filter``, ``cleanlab.rank``,
``cleanlab.dataset``), written on numpy, so that a user who knows cleanlab finds
the same numbers under the same names. Where cleanlab leaves the order among
exact ties unspecified, ties here go to the earlier example (file order).

The probabilities must be out-of-sample (cross-validated or held out): on the
examples a model was fitted to, it agrees with the given labels by construction.

``proba`` is ``(n, K)`` with one column per class (a binary ``(n,)`` vector of
positive-class probabilities is read as ``[1 - p, p]``); ``y`` holds the given
label of each example as a class index.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from clfdiag.core.ood import as_class_matrix

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

Filter = Literal["prune-by-noise-rate", "prune-by-class", "both", "confident-learning",
                 "predicted-neq-given", "low-self-confidence", "low-normalized-margin"]
RankBy = Literal["self-confidence", "normalized-margin", "confidence-weighted-entropy"]
FILTERS: tuple[Filter, ...] = ("prune-by-noise-rate", "prune-by-class", "both",
                               "confident-learning", "predicted-neq-given",
                               "low-self-confidence", "low-normalized-margin")
RANK_BY: tuple[RankBy, ...] = ("self-confidence", "normalized-margin",
                               "confidence-weighted-entropy")

FLOATING_POINT_COMPARISON = 1e-6
"""cleanlab's slack when comparing a probability with a threshold or with the argmax."""
CONFIDENT_THRESHOLD_FLOOR = 2e-6
"""cleanlab's ``CONFIDENT_THRESHOLDS_LOWER_BOUND``: thresholds are at least this."""
UNLABELLED_THRESHOLD = 2.0
"""Threshold of a class no example is labelled with: no probability reaches it."""
CLIPPING_LOWER_BOUND = 1e-6
"""cleanlab's floor for the prior, self-confidence and entropy ratio."""
NOISE_RATE_CEILING = 0.9999
TINY = 1e-100
"""Denominators are clipped below at this, so an empty row or column gives 0, not NaN."""
NOISE_DENOMINATOR_FLOOR = 1e-6
"""cleanlab's ``EPSILON`` in ``rank_classes_by_label_quality``."""
CHUNK_ELEMENTS = 1 << 20
"""Row-wise work runs on blocks of about this many probabilities, to bound temporaries."""


@dataclass(frozen=True)
class ConfidentJoint:
    """Per-class thresholds, the raw and calibrated confident joints and the off-diagonal rows.

    ``raw[i][j]``: examples labelled ``i`` whose confident class is ``j``
    (diagonal raised to at least 1); ``calibrated``: ``raw`` calibrated to the
    label counts, rows summing to ``label_counts``. ``off_diagonal``: the
    examples counted off the diagonal of ``raw``, before any unflagging.
    """

    thresholds: FloatArray
    label_counts: IntArray
    raw: IntArray
    calibrated: IntArray
    off_diagonal: BoolArray


@dataclass(frozen=True)
class LatentEstimate:
    """cleanlab's ``estimate_latent(calibrated, labels)`` with ``py_method="cnt"``.

    ``noise_matrix[i][j] = P(given = i | true = j)``,
    ``inverse_noise_matrix[i][j] = P(true = i | given = j)``: every column sums
    to 1. ``prior_true[k] = P(true = k)``.
    """

    noise_matrix: FloatArray
    inverse_noise_matrix: FloatArray
    prior_true: FloatArray


@dataclass(frozen=True)
class ClassLabelQuality:
    """cleanlab's ``rank_classes_by_label_quality``, in class order; ``order`` worst first.

    ``label_issues[k] = round(n * (sum_j joint[k][j] - joint[k][k]))``;
    ``label_noise[k] = 1 - joint[k][k] / sum_j joint[k][j]`` (0 for a class no
    example is labelled with); ``label_quality = 1 - label_noise``.
    """

    label_issues: IntArray
    label_noise: FloatArray
    label_quality: FloatArray
    order: IntArray


@dataclass(frozen=True)
class LabelIssues:
    """Everything ``clfdiag label-issues`` reports, from one pass of confident learning.

    ``is_issue`` marks the examples the filter flags; ``ranked`` lists them by
    ascending ``quality`` (the ``rank_by`` score, on adjusted probabilities when
    ``adjust_pred_probs``; exact ties in example order). ``suggested`` is the
    argmax class of each example (first on ties).
    """

    n: int
    filter: Filter
    rank_by: RankBy
    adjust_pred_probs: bool
    confident_joint: ConfidentJoint
    joint: FloatArray
    latent: LatentEstimate
    num_issues_off_diagonal: int
    num_issues_off_diagonal_calibrated: int
    label_health_score: float
    class_quality: ClassLabelQuality
    is_issue: BoolArray
    ranked: IntArray
    quality: FloatArray
    suggested: IntArray


FEW_CLASSES = 16
"""Up to this many classes, the rows of each given label are found by a scan per class."""


def _row_blocks(n: int, k: int) -> list[slice]:
    step = max(1, CHUNK_ELEMENTS // max(k, 1))
    return [slice(start, min(start + step, n)) for start in range(0, n, step)]


def _rows_by_label(y: IntArray, k: int) -> tuple[IntArray, IntArray]:
    """Example indices grouped by given label (file order within a class) and the group bounds."""
    if k <= FEW_CLASSES:
        # One scan per class costs less than a stable sort of the labels.
        rows = [np.flatnonzero(y == c) for c in range(k)]
        bounds = np.cumsum([0] + [r.size for r in rows])
        return np.concatenate(rows).astype(np.int64, copy=False), bounds.astype(np.int64)
    order = np.argsort(y, kind="stable")
    bounds = np.searchsorted(y[order], np.arange(k + 1))
    return order.astype(np.int64), bounds.astype(np.int64)


def _grouped_by_label(y: IntArray, proba: FloatArray) -> tuple[FloatArray, IntArray, IntArray]:
    """``proba`` as an ``(n, k)`` matrix, then :func:`_rows_by_label` of its ``k`` classes."""
    proba = as_class_matrix(proba)
    order, bounds = _rows_by_label(y, proba.shape[1])
    return proba, order, bounds


def _prunable_classes(order: IntArray, bounds: IntArray) -> Iterator[tuple[int, IntArray]]:
    """Each class given to more than one example, with those examples' indices.

    The pruning leaves a class of one example alone, as cleanlab's does.
    """
    for c in range(bounds.size - 1):
        rows = order[bounds[c]:bounds[c + 1]]
        if rows.size > 1:
            yield c, rows


def confident_thresholds(y: IntArray, proba: FloatArray) -> FloatArray:
    """Per-class confident thresholds (cleanlab's ``count.get_confident_thresholds``).

    ``t_k`` is the mean of ``p_k`` over the examples labelled ``k``, clipped
    below at 2e-6; a class no example is labelled with gets ``t_k = 2`` (never
    reached). Northcutt et al. 2021, eq. 2.

    >>> confident_thresholds(np.array([0, 0, 1]), np.array([[0.9, 0.1], [0.7, 0.3], [0.4, 0.6]]))
    array([0.8, 0.6])
    """
    proba, order, bounds = _grouped_by_label(y, proba)
    return _thresholds(proba, order, bounds)


def _thresholds(proba: FloatArray, order: IntArray, bounds: IntArray) -> FloatArray:
    k = proba.shape[1]
    out = np.full(k, UNLABELLED_THRESHOLD)
    for c in range(k):
        rows = order[bounds[c]:bounds[c + 1]]
        if rows.size:
            # np.mean of the class's values in file order: the same pairwise sum as cleanlab's.
            out[c] = np.mean(proba[rows, c])
    floored: FloatArray = np.maximum(out, CONFIDENT_THRESHOLD_FLOOR)
    return floored


def round_preserving_row_totals(matrix: FloatArray) -> IntArray:
    """Round each row to integers, keeping its rounded total.

    cleanlab's ``internal.util.round_preserving_row_totals``.

    Every entry is rounded half to even; the difference to the row's rounded
    total is then moved by +1 onto the entries with the largest remainders
    (later entry first among equal remainders) or by -1 onto those with the
    smallest (earlier entry first).

    >>> round_preserving_row_totals(np.array([[0.5, 0.5, 1.0], [1.4, 1.4, 1.2]])).tolist()
    [[0, 1, 1], [1, 2, 1]]
    """
    out = np.empty(matrix.shape, dtype=np.int64)
    for i, row in enumerate(np.asarray(matrix, dtype=np.float64)):
        ints = row.round()
        target = np.sum(row).round()
        total = np.sum(ints).round()
        while abs(total - target) > FLOATING_POINT_COMPARISON:
            diff = np.round(target - total)
            step = -1.0 if diff < 0.0 else 1.0
            changes = min(int(abs(diff)), row.size)
            by_remainder = np.argsort(row - ints, kind="stable")
            chosen = by_remainder[::-1][:changes] if step > 0 else by_remainder[:changes]
            ints[chosen] += step
            total = np.sum(ints).round()
        out[i] = ints.astype(np.int64)
    return out


def calibrate_confident_joint(raw: IntArray, label_counts: IntArray) -> IntArray:
    """Calibrate a confident joint to the label counts (``count.calibrate_confident_joint``).

    Row ``i`` is multiplied by ``n_i / (its sum)``, the whole matrix by
    ``n / (its sum)``, then each row is rounded preserving its total
    (:func:`round_preserving_row_totals`). Northcutt et al. 2021, eq. 3.
    """
    counts = label_counts.astype(np.int64)
    # The operations in cleanlab's order and memory layout (transposed views), so that the
    # rounding sees the same floats: the grand total summed in another order can move a
    # remainder by an ulp and break a tie between two entries the other way.
    # cleanlab's joint is a transposed confusion matrix, laid out column by column.
    raw = np.asfortranarray(raw)
    rows = (raw.T / np.clip(raw.sum(axis=1), TINY, None) * counts).T
    scaled = rows / np.clip(np.sum(rows), TINY, None) * int(counts.sum())
    return round_preserving_row_totals(scaled)


def compute_confident_joint(y: IntArray, proba: FloatArray,
                            thresholds: FloatArray | None = None) -> ConfidentJoint:
    """Thresholds, raw and calibrated confident joint (``count.compute_confident_joint``).

    The confident classes of an example are ``{k : p_k >= t_k - 1e-6}``; its
    confident class is that class when there is one, the argmax of ``p`` over
    all classes (first on ties) when there are several, and none when there is
    none (the example is then not counted). ``raw[i][j]`` counts the examples
    labelled ``i`` whose confident class is ``j``; each diagonal entry is then
    raised to at least 1. ``calibrated`` is :func:`calibrate_confident_joint`
    of ``raw``. Northcutt et al. 2021, section 3.1.
    """
    proba, order, bounds = _grouped_by_label(y, proba)
    if thresholds is None:
        thresholds = _thresholds(proba, order, bounds)
    return _confident_joint(y, proba, thresholds, np.diff(bounds), proba.argmax(axis=1))


def _confident_joint(y: IntArray, proba: FloatArray, thresholds: FloatArray,
                     label_counts: IntArray, argmax: IntArray) -> ConfidentJoint:
    n, k = proba.shape
    cutoff = thresholds - FLOATING_POINT_COMPARISON
    guess = np.empty(n, dtype=np.int64)
    counted = np.empty(n, dtype=np.bool_)
    for block in _row_blocks(n, k):
        confident = proba[block] >= cutoff
        how_many = confident.sum(axis=1)
        guess[block] = np.where(how_many > 1, argmax[block], confident.argmax(axis=1))
        counted[block] = how_many > 0
    return _joint_of_guesses(y, guess, counted, k, thresholds, label_counts)


def _joint_of_guesses(y: npt.NDArray[np.integer], guess: npt.NDArray[np.integer],
                      counted: BoolArray, k: int, thresholds: FloatArray,
                      label_counts: IntArray) -> ConfidentJoint:
    """The confident joint from each example's confident class (counted ones only)."""
    if k == 2:
        # Two classes: four counts of boolean masks, instead of gathering the counted rows
        # and a bincount of their pair codes (a third of the time at 10^7 rows).
        is_one, guessed_one = y.astype(np.bool_), guess.astype(np.bool_)
        counted_one = counted & guessed_one
        counted_zero = counted & ~guessed_one
        one_one = np.count_nonzero(counted_one & is_one)
        one_zero = np.count_nonzero(counted_zero & is_one)
        raw = np.array([[np.count_nonzero(counted_zero) - one_zero,
                         np.count_nonzero(counted_one) - one_one],
                        [one_zero, one_one]], dtype=np.int64)
    else:
        raw = np.bincount(y[counted] * k + guess[counted], minlength=k * k).reshape(k, k)
    np.fill_diagonal(raw, np.maximum(raw.diagonal(), 1))
    return ConfidentJoint(
        thresholds=thresholds, label_counts=label_counts.astype(np.int64), raw=raw,
        calibrated=calibrate_confident_joint(raw, label_counts),
        off_diagonal=counted & (guess != y))


def estimate_latent(calibrated: IntArray, label_counts: IntArray) -> LatentEstimate:
    """Noise matrix, inverse noise matrix and true-label prior (``count.estimate_latent``).

    With ``C`` the calibrated confident joint: ``noise_matrix[i][j] = C[i][j] /
    (column j sum)``, ``inverse_noise_matrix[i][j] = C[j][i] / (row j sum)``;
    ``prior_true[k] = inverse[k][k] / noise[k][k] * n_k / n`` (``py_method="cnt"``:
    the column sum of ``C`` over ``n`` when ``C[k][k] > 0``), clipped to
    ``[1e-6, 1]`` and renormalised to sum 1. Both matrices then go through
    :func:`clip_noise_rates`. ``converge_latent_estimates`` is False, as
    cleanlab's default.
    """
    counts = label_counts.astype(np.float64)
    given_totals = calibrated.sum(axis=1).astype(np.float64)
    true_totals = calibrated.sum(axis=0).astype(np.float64)
    noise = calibrated / np.clip(true_totals, TINY, None)
    inverse = calibrated.T / np.clip(given_totals, TINY, None)
    prior = inverse.diagonal() / np.clip(noise.diagonal(), TINY, None) * (counts / counts.sum())
    prior = np.clip(prior, CLIPPING_LOWER_BOUND, 1.0)
    prior = prior * 1.0 / np.clip(np.sum(prior), TINY, None)
    return LatentEstimate(noise_matrix=clip_noise_rates(noise),
                          inverse_noise_matrix=clip_noise_rates(inverse), prior_true=prior)


def clip_noise_rates(matrix: FloatArray) -> FloatArray:
    """Off-diagonal entries clipped into ``[0, 0.9999]``, then columns renormalised to sum 1.

    cleanlab's ``internal.util.clip_noise_rates``; the diagonal is kept as it is
    before the renormalisation.
    """
    clipped = np.clip(matrix, 0.0, NOISE_RATE_CEILING)
    np.fill_diagonal(clipped, matrix.diagonal())
    out: FloatArray = clipped / np.clip(clipped.sum(axis=0), TINY, None)
    return out


def keep_at_least_one_per_class(calibrated: IntArray) -> IntArray:
    """How many examples each pruning rule removes (``filter._keep_at_least_n_per_class``, n = 1).

    In the orientation of the confident joint (row = given label): a diagonal
    entry below 1 is raised to 1; the increase is taken from row ``k`` by
    subtracting ``increase / max(nonzero entries of row k - 1, 1)`` from every
    off-diagonal entry, negatives set to 0; the entries are then truncated
    toward zero (cleanlab casts to int in ``_reduce_prune_counts`` with
    ``frac_noise = 1``, so its later rounding changes nothing).
    """
    diagonal = calibrated.diagonal()
    raised = np.maximum(diagonal, 1)
    share = (raised - diagonal) / np.maximum(np.count_nonzero(calibrated, axis=1) - 1.0, 1.0)
    counts = calibrated - share[:, None]
    counts[counts < 0] = 0
    np.fill_diagonal(counts, raised)
    truncated: IntArray = counts.astype(np.int64)
    return truncated


def _smallest(values: FloatArray, count: int) -> IntArray:
    """Positions of the ``count`` smallest values, exact ties going to the earlier position."""
    if count >= values.size:
        return np.arange(values.size, dtype=np.int64)
    if count <= 0:
        return np.empty(0, dtype=np.int64)
    cut = np.partition(values, count - 1)[count - 1]
    below = np.flatnonzero(values < cut)
    at_cut = np.flatnonzero(values == cut)[:count - below.size]
    return np.sort(np.concatenate((below, at_cut))).astype(np.int64)


def prune_by_noise_rate(y: IntArray, proba: FloatArray, prune_counts: IntArray) -> BoolArray:
    """Flags of cleanlab's ``filter_by="prune_by_noise_rate"``, before its final unflagging.

    For each given class ``k`` with more than one example and each ``j != k``,
    the ``prune_counts[k][j]`` examples labelled ``k`` with the largest
    ``p_j - p_k`` are flagged (union over ``j``). Northcutt et al. 2021,
    section 3.2, "C_confusion"/"PBNR".
    """
    return _prune_by_noise_rate(*_grouped_by_label(y, proba), prune_counts)


def _prune_by_noise_rate(proba: FloatArray, order: IntArray, bounds: IntArray,
                         prune_counts: IntArray) -> BoolArray:
    flagged = np.zeros(proba.shape[0], dtype=np.bool_)
    for c, rows in _prunable_classes(order, bounds):
        own = proba[rows, c]
        for j in np.flatnonzero(prune_counts[c]):
            if j != c:
                # Largest p_j - p_k first: the smallest of its negation.
                flagged[rows[_smallest(own - proba[rows, j], int(prune_counts[c, j]))]] = True
    return flagged


def prune_by_class(y: IntArray, proba: FloatArray, prune_counts: IntArray) -> BoolArray:
    """Flags of cleanlab's ``filter_by="prune_by_class"``, before its final unflagging.

    For each given class ``k`` with more than one example, the
    ``n_k - prune_counts[k][k]`` examples labelled ``k`` with the smallest
    ``p_k`` are flagged. Northcutt et al. 2021, section 3.2, "PBC".
    """
    return _prune_by_class(*_grouped_by_label(y, proba), prune_counts)


def _prune_by_class(proba: FloatArray, order: IntArray, bounds: IntArray,
                    prune_counts: IntArray) -> BoolArray:
    flagged = np.zeros(proba.shape[0], dtype=np.bool_)
    for c, rows in _prunable_classes(order, bounds):
        flagged[rows[_smallest(proba[rows, c], rows.size - int(prune_counts[c, c]))]] = True
    return flagged


def given_is_near_argmax(y: IntArray, proba: FloatArray) -> BoolArray:
    """Examples whose argmax is the given label once ``1e-6`` is added to ``p_given``.

    cleanlab's ``count._reduce_issues``: the last step of ``find_label_issues``
    (except for the ``low_*`` filters) and of ``num_label_issues`` unflags them.
    """
    proba = as_class_matrix(proba)
    n, k = proba.shape
    out = np.empty(n, dtype=np.bool_)
    for block in _row_blocks(n, k):
        lifted = proba[block].copy()
        given = y[block]
        lifted[np.arange(given.size), given] += FLOATING_POINT_COMPARISON
        out[block] = lifted.argmax(axis=1) == given
    return out


def adjusted_probabilities(proba: FloatArray, thresholds: FloatArray) -> FloatArray:
    """``p'_k = (p_k - t_k + max_j t_j) / sum_k (p_k - t_k + max_j t_j)``.

    cleanlab's ``_subtract_confident_thresholds`` (``adjust_pred_probs=True``):
    it corrects the scores for class imbalance (Northcutt et al. 2021, section 3.1).
    """
    out = as_class_matrix(proba) - thresholds
    out += thresholds.max()
    out /= out.sum(axis=1, keepdims=True)
    return out


def self_confidence(y: IntArray, proba: FloatArray) -> FloatArray:
    """``p_given`` (cleanlab's ``rank.get_self_confidence_for_each_label``)."""
    proba = as_class_matrix(proba)
    out: FloatArray = proba[np.arange(y.size), y]
    return out


def normalized_margin(y: IntArray, proba: FloatArray) -> FloatArray:
    """``(p_given - max_{k != given} p_k + 1) / 2``.

    cleanlab's ``rank.get_normalized_margin_for_each_label``.
    """
    proba = as_class_matrix(proba)
    n, k = proba.shape
    rival = np.empty(n)
    for block in _row_blocks(n, k):
        others = proba[block].copy()
        others[np.arange(others.shape[0]), y[block]] = -np.inf
        rival[block] = others.max(axis=1)
    out: FloatArray = (self_confidence(y, proba) - rival + 1) / 2
    return out


def normalized_entropy(proba: FloatArray) -> FloatArray:
    """``-sum_k p_k ln p_k / ln K`` with ``0 ln 0 = 0`` (cleanlab's ``get_normalized_entropy``)."""
    proba = as_class_matrix(proba)
    n, k = proba.shape
    out = np.empty(n)
    for block in _row_blocks(n, k):
        p = proba[block]
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.where(p > 0, p * np.log(p), 0.0)
        out[block] = -np.sum(terms, axis=1) / np.log(k)
    return out


def confidence_weighted_entropy(y: IntArray, proba: FloatArray) -> FloatArray:
    """``ln(s + 1) / max(s, 1e-6)``, ``s = H / max(p_given, 1e-6)``, ``H`` the normalized entropy.

    cleanlab's ``rank.get_confidence_weighted_entropy_for_each_label``.
    """
    ratio = normalized_entropy(proba) / np.clip(self_confidence(y, proba),
                                                CLIPPING_LOWER_BOUND, None)
    out: FloatArray = np.log(ratio + 1) / np.clip(ratio, CLIPPING_LOWER_BOUND, None)
    return out


def label_quality_scores(y: IntArray, proba: FloatArray, method: RankBy = "self-confidence",
                         adjust_pred_probs: bool = False,
                         thresholds: FloatArray | None = None) -> FloatArray:
    """One label quality score per example, higher = more likely correct.

    cleanlab's ``rank.get_label_quality_scores(labels, pred_probs, method=...,
    adjust_pred_probs=...)`` (method names with ``_`` instead of ``-``). With
    ``adjust_pred_probs`` the score is computed on :func:`adjusted_probabilities`;
    cleanlab refuses it with ``confidence-weighted-entropy``, and so does this.
    """
    proba = as_class_matrix(proba)
    if adjust_pred_probs:
        if method == "confidence-weighted-entropy":
            raise ValueError("adjusted probabilities do not apply to confidence-weighted-entropy")
        if thresholds is None:
            thresholds = confident_thresholds(y, proba)
        proba = adjusted_probabilities(proba, thresholds)
    if method == "self-confidence":
        return self_confidence(y, proba)
    if method == "normalized-margin":
        return normalized_margin(y, proba)
    if method == "confidence-weighted-entropy":
        return confidence_weighted_entropy(y, proba)
    raise ValueError(f"unknown score {method!r}; use one of {', '.join(RANK_BY)}")


def class_label_quality(joint: FloatArray, n: int) -> ClassLabelQuality:
    """Per-class label issues, noise and quality (``dataset.rank_classes_by_label_quality``).

    ``joint`` is the calibrated confident joint over its sum. ``order`` sorts
    the classes by ascending ``label_quality``, exact ties in class order.
    """
    given = joint.sum(axis=1)
    off_diagonal = given - joint.diagonal()
    noise = off_diagonal / np.clip(given, NOISE_DENOMINATOR_FLOOR, None)
    quality = 1 - noise
    return ClassLabelQuality(
        label_issues=np.round(off_diagonal * n).astype(np.int64), label_noise=noise,
        label_quality=quality, order=np.argsort(quality, kind="stable").astype(np.int64))


def find_label_issues(y: IntArray, proba: FloatArray,
                      filter_by: Filter = "prune-by-noise-rate") -> BoolArray:
    """The examples ``filter_by`` flags (cleanlab's ``filter.find_label_issues``).

    Defaults as cleanlab's: ``frac_noise = 1``, ``min_examples_per_class = 1``.
    See :func:`label_issues` for the definitions of the filters.
    """
    return label_issues(y, proba, filter_by=filter_by).is_issue


def issues_among(y: IntArray, proba: FloatArray, among: BoolArray) -> int:
    """How many of the examples marked in ``among`` the default filter flags.

    The default filter is ``prune-by-noise-rate``, as :func:`find_label_issues`;
    nothing is computed when ``among`` marks no example.
    """
    if not np.any(among):
        return 0
    if proba.ndim == 1:
        return _binary_issues_among(y, proba, among)
    # The flags of label_issues(y, proba).is_issue, with the last unflagging
    # (given_is_near_argmax) computed only for the rows that count.
    proba = as_class_matrix(proba)
    y = np.asarray(y, dtype=np.int64)
    order, bounds = _rows_by_label(y, proba.shape[1])
    cj = _confident_joint(y, proba, _thresholds(proba, order, bounds), np.diff(bounds),
                          proba.argmax(axis=1))
    candidates = np.flatnonzero(among)
    candidates = candidates[~given_is_near_argmax(y[candidates], proba[candidates])]
    return _flagged_among(proba, order, bounds, keep_at_least_one_per_class(cj.calibrated),
                          candidates, y[candidates])


def _flagged_among(proba: FloatArray, order: IntArray, bounds: IntArray,
                   prune_counts: IntArray, candidates: IntArray, labels: IntArray) -> int:
    """How many of ``candidates`` (given ``labels``) :func:`prune_by_noise_rate` flags.

    The same cuts as :func:`_prune_by_noise_rate`, taken only in the classes that
    hold a candidate, and only until each of their candidates is flagged: a
    candidate is flagged by ``j`` when its margin is below the cut (the
    ``prune_counts[k][j]``-th smallest), or at it and among the first rows there.
    """
    total = 0
    for c, rows in _prunable_classes(order, bounds):
        mine = candidates[labels == c]
        if not mine.size:
            continue
        at = np.searchsorted(rows, mine)  # rows is in file order
        own = proba[rows, c]
        flagged = np.zeros(mine.size, dtype=np.bool_)
        for j in np.flatnonzero(prune_counts[c]):
            count = int(prune_counts[c, j])
            if j == c:
                continue
            if count >= rows.size:
                flagged[:] = True
                break
            margin = own - proba[rows, j]
            cut = np.partition(margin, count - 1)[count - 1]
            mine_margin = margin[at]
            flagged |= mine_margin < cut
            tied = mine_margin == cut
            if tied.any():
                below = int(np.count_nonzero(margin < cut))
                first_at_cut = np.flatnonzero(margin == cut)[:count - below]
                flagged |= tied & np.isin(at, first_at_cut)
            if flagged.all():
                break
        total += int(np.count_nonzero(flagged))
    return total


def _binary_issues_among(y: npt.NDArray[np.integer], p: FloatArray, among: BoolArray) -> int:
    """:func:`issues_among` of positive-class probabilities, without the ``[1 - p, p]`` matrix.

    The same steps on the two columns ``q = 1 - p`` and ``p``, each computed
    where it is needed (blocks of rows, or one class's rows), so that no
    ``(n, 2)`` matrix and no per-row argmax are held: at 10^7 rows they are
    240 MB. The row argmax of ``[q, p]`` is 1 exactly where ``p > q``.
    """
    rows = [np.flatnonzero(y == 0), np.flatnonzero(y == 1)]
    label_counts = np.array([r.size for r in rows], dtype=np.int64)
    means = [np.mean(1.0 - p[rows[0]]) if rows[0].size else UNLABELLED_THRESHOLD,
             np.mean(p[rows[1]]) if rows[1].size else UNLABELLED_THRESHOLD]
    thresholds: FloatArray = np.maximum(np.array(means, dtype=np.float64),
                                        CONFIDENT_THRESHOLD_FLOOR)
    cut_q, cut_p = thresholds - FLOATING_POINT_COMPARISON
    guess = np.empty(p.shape[0], dtype=np.bool_)
    counted = np.empty(p.shape[0], dtype=np.bool_)
    for block in _row_blocks(p.shape[0], 2):
        pb = p[block]
        qb = 1.0 - pb
        sure_q, sure_p = qb >= cut_q, pb >= cut_p
        # Both confident: the argmax (first on ties); one: that one; none: not counted.
        guess[block] = sure_p & (~sure_q | (pb > qb))
        counted[block] = sure_q | sure_p
    cj = _joint_of_guesses(y, guess.view(np.int8), counted, 2, thresholds, label_counts)
    del guess, counted
    prune_counts = keep_at_least_one_per_class(cj.calibrated)
    # The examples that count if flagged: marked in among and not unflagged at the end.
    candidates = np.flatnonzero(among)
    candidates = candidates[~given_is_near_argmax(y[candidates].astype(np.int64),
                                                  p[candidates])]
    given_labels = y[candidates]
    total = 0
    for c, class_rows in enumerate(rows):
        k = int(prune_counts[c, 1 - c])
        counting = candidates[given_labels == c]
        if class_rows.size <= 1 or not k or not counting.size:
            continue
        # Flagged: the k smallest margins p_given - p_other of the class (ties: file order).
        # Every candidate is flagged when no more than k of the class have a margin
        # at or below the largest candidate's, which a count decides without a partition.
        largest = float(np.max(_binary_margins(p[counting], c)))
        if _margins_at_most(y, p, c, largest) <= k:
            total += counting.size
            continue
        flagged = class_rows[_smallest(_binary_margins(p[class_rows], c), k)]
        total += int(np.count_nonzero(np.isin(counting, flagged, assume_unique=True)))
    return total


def _binary_margins(p: FloatArray, c: int) -> FloatArray:
    """``p_c - p_other`` of the class matrix ``[1 - p, p]``, rounded as the matrix's columns."""
    q = 1.0 - p
    return q - p if c == 0 else p - q


def _margins_at_most(y: npt.NDArray[np.integer], p: FloatArray, c: int, bound: float) -> int:
    """How many examples labelled ``c`` have a margin (:func:`_binary_margins`) ``<= bound``."""
    total = 0
    for block in _row_blocks(p.shape[0], 2):
        total += int(np.count_nonzero((_binary_margins(p[block], c) <= bound) & (y[block] == c)))
    return total


def label_issues(y: IntArray, proba: FloatArray, *, filter_by: Filter = "prune-by-noise-rate",
                 rank_by: RankBy = "self-confidence",
                 adjust_pred_probs: bool = False) -> LabelIssues:
    """Confident learning on one set of out-of-sample predictions.

    Filters (cleanlab's ``filter.find_label_issues(filter_by=...)``):

    - ``prune-by-noise-rate``: :func:`prune_by_noise_rate` with the counts of
      :func:`keep_at_least_one_per_class` of the calibrated confident joint;
    - ``prune-by-class``: :func:`prune_by_class` with the same counts;
      ``both``: flagged by both;
    - ``confident-learning``: the off-diagonal examples of the raw confident joint;
    - ``predicted-neq-given``: argmax (first on ties) is not the given label;
    - ``low-self-confidence`` / ``low-normalized-margin``: the
      ``num_issues_off_diagonal`` examples with the lowest unadjusted score.

    Every filter but the two ``low-*`` ones then unflags the examples of
    :func:`given_is_near_argmax`. ``rank_by`` and ``adjust_pred_probs`` set
    the order of the flagged examples only (cleanlab's ``order_label_issues``).

    ``num_issues_off_diagonal`` is cleanlab's ``num_label_issues`` (the
    ``confident-learning`` count); ``num_issues_off_diagonal_calibrated`` is
    ``n (1 - trace(joint))`` rounded half to even; ``label_health_score`` is
    ``1 - num_issues_off_diagonal / n`` (``dataset.overall_label_health_score``).
    """
    if filter_by not in FILTERS:
        raise ValueError(f"unknown filter {filter_by!r}; use one of {', '.join(FILTERS)}")
    if rank_by not in RANK_BY:
        raise ValueError(f"unknown score {rank_by!r}; use one of {', '.join(RANK_BY)}")
    if adjust_pred_probs and rank_by == "confidence-weighted-entropy":
        raise ValueError("adjusted probabilities do not apply to confidence-weighted-entropy")
    proba = as_class_matrix(proba)
    y = np.asarray(y, dtype=np.int64)
    n, k = proba.shape
    if n == 0:
        raise ValueError("confident learning needs at least one example")
    order, bounds = _rows_by_label(y, k)
    thresholds = _thresholds(proba, order, bounds)
    argmax = proba.argmax(axis=1).astype(np.int64)
    cj = _confident_joint(y, proba, thresholds, np.diff(bounds), argmax)
    joint = cj.calibrated / np.clip(float(np.sum(cj.calibrated)), TINY, None)
    near = given_is_near_argmax(y, proba)
    confident_learning = cj.off_diagonal & ~near
    num_off_diagonal = int(np.count_nonzero(confident_learning))

    if filter_by in ("prune-by-noise-rate", "prune-by-class", "both"):
        counts = keep_at_least_one_per_class(cj.calibrated)
        flagged = np.ones(n, dtype=np.bool_)
        if filter_by != "prune-by-class":
            flagged &= _prune_by_noise_rate(proba, order, bounds, counts)
        if filter_by != "prune-by-noise-rate":
            flagged &= _prune_by_class(proba, order, bounds, counts)
        flagged &= ~near
    elif filter_by == "confident-learning":
        flagged = confident_learning
    elif filter_by == "predicted-neq-given":
        flagged = (argmax != y) & ~near
    else:
        method: RankBy = ("self-confidence" if filter_by == "low-self-confidence"
                          else "normalized-margin")
        flagged = np.zeros(n, dtype=np.bool_)
        flagged[_smallest(label_quality_scores(y, proba, method), num_off_diagonal)] = True

    quality = label_quality_scores(y, proba, rank_by, adjust_pred_probs, thresholds)
    issues = np.flatnonzero(flagged)
    ranked = issues[np.argsort(quality[issues], kind="stable")].astype(np.int64)
    return LabelIssues(
        n=n, filter=filter_by, rank_by=rank_by, adjust_pred_probs=adjust_pred_probs,
        confident_joint=cj, joint=joint, latent=estimate_latent(cj.calibrated, cj.label_counts),
        num_issues_off_diagonal=num_off_diagonal,
        num_issues_off_diagonal_calibrated=int(np.rint((1.0 - joint.trace()) * n)),
        label_health_score=1.0 - num_off_diagonal / n,
        class_quality=class_label_quality(joint, n), is_issue=flagged, ranked=ranked,
        quality=quality, suggested=argmax)
