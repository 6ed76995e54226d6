"""Mergeable accumulators: every statistic that is a sum over examples, batch by batch.

Each accumulator has frozen settings, ``update(batch)``, and state fields declared
with :func:`~clfdiag.core.state.state`, from which ``merge`` is derived. In
memory, data is fed in chunks so that temporaries stay small; in streaming mode,
batches come from the file. Counts, the confusion matrix and the calibration bins
are exact in both; the loss sums agree to floating-point rounding; the
overconfident errors are an exact top-k.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from clfdiag.core.calibration import bin_index
from clfdiag.core.confusion import confusion_matrix
from clfdiag.core.losses import EPS
from clfdiag.core.state import Accumulator, state

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
CHUNK = 1 << 20


@dataclass
class TopErrors:
    """The most confident errors seen so far: confidence desc, then loss desc, then index asc."""

    limit: int
    index: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))
    label: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))
    predicted: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))
    confidence: FloatArray = field(default_factory=lambda: np.zeros(0))
    loss: FloatArray = field(default_factory=lambda: np.zeros(0))
    ids: npt.NDArray[np.object_] = field(default_factory=lambda: np.zeros(0, dtype=object))
    """Example ids carried along (streaming mode cannot look them up afterwards)."""

    def offer(self, index: IntArray, label: IntArray, predicted: IntArray,
              confidence: FloatArray, loss: FloatArray,
              ids: npt.NDArray[np.object_] | None = None) -> None:
        """Consider new candidates; keep the ``limit`` best under the ranking above."""
        if self.limit <= 0 or index.size == 0:
            return
        if ids is None:
            ids = np.full(index.size, None, dtype=object)
        if index.size > self.limit:
            # Cheap pre-selection: keep everything tied with the limit-th confidence.
            cut = np.partition(confidence, index.size - self.limit)[index.size - self.limit]
            keep = confidence >= cut
            index, label, predicted = index[keep], label[keep], predicted[keep]
            confidence, loss, ids = confidence[keep], loss[keep], ids[keep]
        index = np.concatenate((self.index, index))
        label = np.concatenate((self.label, label))
        predicted = np.concatenate((self.predicted, predicted))
        confidence = np.concatenate((self.confidence, confidence))
        loss = np.concatenate((self.loss, loss))
        ids = np.concatenate((self.ids, ids))
        order = np.lexsort((index, -loss, -confidence))[: self.limit]
        self.index, self.label, self.predicted = index[order], label[order], predicted[order]
        self.confidence, self.loss, self.ids = confidence[order], loss[order], ids[order]

    def merge(self, other: TopErrors) -> None:
        """Fold another accumulator's candidates into this one."""
        self.offer(other.index, other.label, other.predicted, other.confidence, other.loss,
                   other.ids)

    @staticmethod
    def combined(a: TopErrors, b: TopErrors) -> TopErrors:
        """The best of both, leaving both as they were (the reduction of a top-k state)."""
        out = TopErrors(a.limit)
        out.merge(a)
        out.merge(b)
        return out


@dataclass(frozen=True)
class ClassificationSettings:
    """What the sums of a K-class problem depend on; accumulators merge only under equal ones."""

    n_classes: int
    threshold: float = 0.5
    min_confidence: float = 0.9
    top: int = 10
    n_bins: int = 15
    weighted: bool = False
    """Each example counts by its sample weight (the sums and counts are then float)."""


def _counts(s: ClassificationSettings, shape: int | tuple[int, ...]) -> npt.NDArray[Any]:
    """Zero counts: int64, or float64 sums of weights when weighted."""
    return np.zeros(shape, dtype=np.float64 if s.weighted else np.int64)


@dataclass(eq=False, init=False)
class ClassificationSums(Accumulator[ClassificationSettings]):
    """Sums over examples for a K-class problem (K = 2 for binary, class 1 positive).

    Binary predictions are "positive iff p >= threshold"; multiclass ones are the
    most probable class. Calibration is top-label: the most probable class and
    its probability (binary: positive iff p >= 0.5).

    Weighted (``settings.weighted``), every sum is of ``w * term`` (scikit-learn's
    ``sample_weight``): ``loss_sum``, ``brier_sum``, ``top5_hits``, the confusion
    matrix and the calibration bins hold sums of weights (float64), and
    ``weight_sum``, ``weighted_errors`` and ``weighted_overconfident`` are the
    weights of all examples, of the errors and of the overconfident errors.
    ``n``, ``clipped``, ``errors`` and ``overconfident`` count rows (of
    non-zero weight) either way.
    """

    n: int = state(lambda s: 0)
    loss_sum: float = state(lambda s: 0.0)
    brier_sum: float = state(lambda s: 0.0)
    clipped: int = state(lambda s: 0)
    top5_hits: float = state(lambda s: 0)
    errors: int = state(lambda s: 0)
    overconfident: int = state(lambda s: 0)
    overconfident_loss: float = state(lambda s: 0.0)
    confusion: npt.NDArray[Any] = state(lambda s: _counts(s, (s.n_classes,) * 2))
    bin_count: npt.NDArray[Any] = state(lambda s: _counts(s, s.n_bins))
    bin_confidence: FloatArray = state(lambda s: np.zeros(s.n_bins))
    bin_correct: npt.NDArray[Any] = state(lambda s: _counts(s, s.n_bins))
    weight_sum: float = state(lambda s: 0.0)
    weighted_errors: float = state(lambda s: 0.0)
    weighted_overconfident: float = state(lambda s: 0.0)
    top_errors: TopErrors = state(lambda s: TopErrors(s.top), TopErrors.combined)

    def __init__(self, n_classes: int, threshold: float = 0.5, min_confidence: float = 0.9,
                 top: int = 10, n_bins: int = 15) -> None:
        super().__init__(ClassificationSettings(n_classes, threshold, min_confidence, top,
                                                n_bins))

    @property
    def n_classes(self) -> int:
        """K, the number of classes."""
        return self.settings.n_classes

    @property
    def threshold(self) -> float:
        """Binary decision threshold: positive iff p >= threshold."""
        return self.settings.threshold

    @property
    def min_confidence(self) -> float:
        """An error at or above this confidence is overconfident."""
        return self.settings.min_confidence

    @property
    def n_bins(self) -> int:
        """Number of equal-width calibration bins."""
        return self.settings.n_bins

    def update(self, y: npt.NDArray[np.integer], proba: FloatArray, offset: int = 0,
               where: IntArray | None = None,
               ids: Callable[[IntArray], npt.NDArray[np.object_]] | None = None,
               weights: FloatArray | None = None) -> None:
        """Add examples.

        The top errors are identified by ``offset`` + their position, or, when
        given, by ``where[position]`` (e.g. their rows in a file); ``ids`` looks up
        the ids of given positions, only for the few candidates that need them.
        ``weights`` (non-negative sample weights) are required exactly when the
        settings are weighted.
        """
        if (weights is not None) != self.settings.weighted:
            raise ValueError("sample weights must be given exactly when the sums are weighted")
        for start in range(0, y.shape[0], CHUNK):
            stop = start + CHUNK
            if weights is not None:
                self._update_weighted(y[start:stop], proba[start:stop], weights[start:stop],
                                      offset + start,
                                      None if where is None else where[start:stop],
                                      None if ids is None else _shifted(ids, start))
                continue
            self._update(y[start:stop], proba[start:stop], offset + start,
                         None if where is None else where[start:stop],
                         None if ids is None else _shifted(ids, start))

    def _update(self, y: npt.NDArray[np.integer], proba: FloatArray, offset: int,
                where: IntArray | None,
                ids: Callable[[IntArray], npt.NDArray[np.object_]] | None) -> None:
        n = y.shape[0]
        if proba.ndim == 1:
            positive = y == 1
            complement = 1.0 - proba
            p_true = np.where(positive, proba, complement)
            diff = proba - positive
            brier = float(diff @ diff)
            top_label = proba >= 0.5
            top_conf = np.maximum(proba, complement)
            top_correct = top_label == positive
            if self.threshold == 0.5:
                predicted_positive, decided = top_label, top_conf
            else:
                predicted_positive = proba >= self.threshold
                decided = np.where(predicted_positive, proba, complement)
            # The 2 x 2 confusion matrix from boolean counts (no index arithmetic).
            tp = int(np.count_nonzero(predicted_positive & positive))
            predicted_pos, actual_pos = (int(np.count_nonzero(predicted_positive)),
                                         int(np.count_nonzero(positive)))
            self.confusion += np.array([[n - predicted_pos - actual_pos + tp,
                                         predicted_pos - tp], [actual_pos - tp, tp]])
            wrong = predicted_positive != positive
            predicted = predicted_positive.view(np.int8)
        else:
            rows = np.arange(n)
            p_true = proba[rows, y]
            brier = float(np.einsum("ij,ij->", proba, proba) - 2.0 * p_true.sum() + n)
            predicted = proba.argmax(axis=1)
            decided = proba[rows, predicted]
            top_conf, top_correct = decided, predicted == y
            wrong = ~top_correct
            self.confusion += confusion_matrix(y, predicted, self.n_classes)
            if self.n_classes > 5:
                above = (proba > p_true[:, None]).sum(axis=1)
                tied_before = ((proba == p_true[:, None])
                               & (np.arange(self.n_classes) < y[:, None])).sum(axis=1)
                self.top5_hits += int(np.count_nonzero(above + tied_before < 5))
        self.n += n
        clipped = np.clip(p_true, EPS, 1.0 - EPS)
        self.clipped += n - int(np.count_nonzero(clipped == p_true))
        loss = np.log(clipped, out=clipped)
        np.negative(loss, out=loss)
        self.loss_sum += float(loss.sum())
        self.brier_sum += brier
        index = bin_index(top_conf, self.n_bins)
        self.bin_count += np.bincount(index, minlength=self.n_bins)
        self.bin_confidence += np.bincount(index, weights=top_conf, minlength=self.n_bins)
        self.bin_correct += np.bincount(index, weights=top_correct,
                                        minlength=self.n_bins).astype(np.int64)
        self.errors += int(np.count_nonzero(wrong))
        hits = np.flatnonzero(wrong & (decided >= self.min_confidence))
        self.overconfident += int(hits.size)
        self.overconfident_loss += float(loss[hits].sum())
        self.top_errors.offer(hits + offset if where is None else where[hits],
                              y[hits].astype(np.int64), predicted[hits].astype(np.int64),
                              decided[hits], loss[hits], None if ids is None else ids(hits))

    def _update_weighted(self, y: npt.NDArray[np.integer], proba: FloatArray, w: FloatArray,
                         offset: int, where: IntArray | None,
                         ids: Callable[[IntArray], npt.NDArray[np.object_]] | None) -> None:
        """:meth:`_update` with every term multiplied by its example's weight."""
        k = self.n_classes
        labels = y.astype(np.int64)
        if proba.ndim == 1:
            positive = labels == 1
            complement = 1.0 - proba
            p_true = np.where(positive, proba, complement)
            diff = proba - positive
            brier = float(w @ (diff * diff))
            top_conf = np.maximum(proba, complement)
            top_correct = (proba >= 0.5) == positive
            predicted = (proba >= self.threshold).astype(np.int64)
            decided = np.where(predicted == 1, proba, complement)
        else:
            rows = np.arange(y.shape[0])
            p_true = proba[rows, labels]
            brier = float(w @ (np.einsum("ij,ij->i", proba, proba) - 2.0 * p_true + 1.0))
            predicted = proba.argmax(axis=1)
            decided = proba[rows, predicted]
            top_conf, top_correct = decided, predicted == labels
            if k > 5:
                above = (proba > p_true[:, None]).sum(axis=1)
                tied_before = ((proba == p_true[:, None])
                               & (np.arange(k) < labels[:, None])).sum(axis=1)
                self.top5_hits += float(w @ (above + tied_before < 5))
        used = w > 0
        wrong = (predicted != labels) & used
        self.confusion += np.bincount(labels * k + predicted, weights=w,
                                      minlength=k * k).reshape(k, k)
        self.n += int(np.count_nonzero(used))
        self.weight_sum += float(w.sum())
        clipped = np.clip(p_true, EPS, 1.0 - EPS)
        self.clipped += int(np.count_nonzero((clipped != p_true) & used))
        loss = -np.log(clipped)
        self.loss_sum += float(w @ loss)
        self.brier_sum += brier
        index = bin_index(top_conf, self.n_bins)
        self.bin_count += np.bincount(index, weights=w, minlength=self.n_bins)
        self.bin_confidence += np.bincount(index, weights=w * top_conf, minlength=self.n_bins)
        self.bin_correct += np.bincount(index, weights=w * top_correct, minlength=self.n_bins)
        self.errors += int(np.count_nonzero(wrong))
        self.weighted_errors += float(w[wrong].sum())
        hits = np.flatnonzero(wrong & (decided >= self.min_confidence))
        self.overconfident += int(hits.size)
        self.weighted_overconfident += float(w[hits].sum())
        self.overconfident_loss += float(w[hits] @ loss[hits])
        self.top_errors.offer(hits + offset if where is None else where[hits],
                              labels[hits], predicted[hits].astype(np.int64),
                              decided[hits], loss[hits], None if ids is None else ids(hits))


def _shifted(lookup: Callable[[IntArray], npt.NDArray[np.object_]],
             start: int) -> Callable[[IntArray], npt.NDArray[np.object_]]:
    return lambda positions: lookup(positions + start)


@dataclass(frozen=True)
class HistogramSettings:
    """The number of bins of a :class:`ScoreHistogram`, and whether it sums sample weights."""

    n_bins: int = 1 << 20
    weighted: bool = False


def _bin_counts(s: HistogramSettings) -> npt.NDArray[Any]:
    return np.zeros(s.n_bins, dtype=np.float64 if s.weighted else np.int64)


@dataclass(eq=False, init=False)
class ScoreHistogram(Accumulator[HistogramSettings]):
    """Counts of positives and negatives in fixed, fine bins of the logit of the score.

    ROC, PR and AUC of data too large to sort: each bin is treated as one tie
    group. ``2**20`` equal bins over logits in [-LIMIT, LIMIT] (probabilities
    from about 2e-16 to 1 - 2e-16, the log-loss clipping range); scores beyond
    fall in the end bins. The AUC error this can cause is bounded by
    ``auc_error_bound``. Weighted, the bins hold sums of sample weights.
    """

    positives: npt.NDArray[Any] = state(_bin_counts)
    negatives: npt.NDArray[Any] = state(_bin_counts)
    LIMIT: ClassVar[float] = 36.05

    def __init__(self, n_bins: int = 1 << 20, weighted: bool = False) -> None:
        super().__init__(HistogramSettings(n_bins, weighted))

    @property
    def n_bins(self) -> int:
        """Number of bins."""
        return self.settings.n_bins

    def bin_of(self, scores: FloatArray) -> IntArray:
        """The bin of each score (monotone in the score)."""
        with np.errstate(divide="ignore"):
            logit = np.log(scores) - np.log1p(-scores)
        np.clip(logit, -self.LIMIT, self.LIMIT, out=logit)
        index = ((logit + self.LIMIT) * (self.n_bins / (2 * self.LIMIT))).astype(np.int64)
        np.clip(index, 0, self.n_bins - 1, out=index)
        return index

    def update(self, y: npt.NDArray[np.integer], scores: FloatArray,
               weights: FloatArray | None = None) -> None:
        """Add binary examples (label 1 = positive), their positive-class scores, and weights."""
        for start in range(0, y.shape[0], CHUNK):
            index = self.bin_of(scores[start:start + CHUNK])
            positive = y[start:start + CHUNK] == 1
            if weights is not None:
                w = weights[start:start + CHUNK]
                self.positives += np.bincount(index[positive], weights=w[positive],
                                              minlength=self.n_bins)
                self.negatives += np.bincount(index[~positive], weights=w[~positive],
                                              minlength=self.n_bins)
                continue
            self.positives += np.bincount(index[positive], minlength=self.n_bins)
            self.negatives += np.bincount(index[~positive], minlength=self.n_bins)

    def minus(self, part: ScoreHistogram) -> ScoreHistogram:
        """The counts of the examples in ``self`` but not in ``part`` (a subset of them).

        Histograms add, so they subtract: the rest of a group is the whole minus the group.
        """
        out = self.empty_like()
        out.positives = self.positives - part.positives
        out.negatives = self.negatives - part.negatives
        if (out.positives < 0).any() or (out.negatives < 0).any():
            raise ValueError("the histogram subtracted is not part of this one")
        return out

    def lower_edges(self) -> FloatArray:
        """The smallest probability of each bin (its threshold)."""
        logit = np.arange(self.n_bins) * (2 * self.LIMIT / self.n_bins) - self.LIMIT
        return np.asarray(1.0 / (1.0 + np.exp(-logit)), dtype=np.float64)

    def ap_error_bound(self) -> float | None:
        """Worst-case |average precision from bins - exact average precision|.

        Bins are visited from the highest score down, ``T`` positives and ``F``
        negatives before a bin holding ``a`` positives and ``m`` negatives. The
        bins treat each as one tie group: each of its positives gets the
        precision at its end, ``p_end = (T + a) / (T + F + a + m)``. In the exact
        order (ties as scikit-learn's tie groups) the ``k``-th positive of the
        bin is counted at a group end after ``k' >= k`` of its positives and
        ``f <= m`` of its negatives, so its precision lies between
        ``(T + k) / (T + F + m + k)`` (every negative first) and
        ``(T + a) / (T + F + a)`` (no negative before the last positive); the
        bins outside are counted alike by both. The bound is the sum over bins
        of the larger distance of ``a * p_end`` from the sum of either extreme,
        divided by the positives. With ``c = T + F + m`` the lower sum is
        ``a - (F + m) (H(c + a) - H(c))``, with ``H`` the harmonic numbers.
        Weighted, the counts are sums of weights and the bin's positives may
        weigh any fraction of ``a``: the sum of ``w / (c + A)`` over them (``A``
        the weight up to each) is at most its integral, ``ln(1 + a / c)``,
        which the lower sum uses instead.
        """
        a = self.positives[::-1].astype(np.float64)
        m = self.negatives[::-1].astype(np.float64)
        total = float(a.sum())
        if total == 0:
            return None
        used = a > 0
        t_before = np.cumsum(a) - a
        f_before = np.cumsum(m) - m
        a, m, t_before, f_before = a[used], m[used], t_before[used], f_before[used]
        c = t_before + f_before + m
        end = a * (t_before + a) / (c + a)
        highest = a * (t_before + a) / (t_before + f_before + a)
        if self.settings.weighted:
            with np.errstate(divide="ignore", invalid="ignore"):
                spread = np.where(c > 0, np.log1p(a / c), 0.0)
        else:
            spread = _harmonic_difference(c, a)
        lowest = a - (f_before + m) * spread
        worst = np.maximum(highest - end, end - lowest)
        return float(np.clip(worst, 0.0, None).sum() / total)

    def auc_error_bound(self) -> float | None:
        """Worst-case |AUC from bins - exact AUC|: half the share of pairs that share a bin.

        Inside a bin every positive-negative pair is counted as a tie (one half);
        the exact AUC counts each such pair 0, 1/2 or 1 (weighted: by the product
        of the pair's weights).
        """
        m, n = self.positives.sum(), self.negatives.sum()
        if m == 0 or n == 0:
            return None
        m, n = (float(m), float(n)) if self.settings.weighted else (int(m), int(n))
        shared = float(self.positives.astype(np.float64) @ self.negatives.astype(np.float64))
        return 0.5 * shared / (m * n)


_HARMONIC_TABLE = np.concatenate(([0.0], np.cumsum(1.0 / np.arange(1, 65))))
"""H(0) .. H(64), exactly summed; beyond, the asymptotic series."""
EULER_GAMMA = 0.5772156649015329


def _harmonic_tail(x: FloatArray) -> FloatArray:
    """H(x) - ln(x) - gamma for x > 64, to about 1e-16 (the asymptotic series to 1/x**6)."""
    inverse_square = 1.0 / (x * x)
    return 0.5 / x - inverse_square * (1 / 12 - inverse_square * (1 / 120 - inverse_square / 252))


def _harmonic(x: FloatArray) -> FloatArray:
    """The harmonic number H(x) of whole numbers x >= 0."""
    small = x <= 64
    out = np.empty_like(x)
    out[small] = _HARMONIC_TABLE[x[small].astype(np.int64)]
    big = x[~small]
    out[~small] = np.log(big) + EULER_GAMMA + _harmonic_tail(big)
    return out


def _harmonic_difference(c: FloatArray, a: FloatArray) -> FloatArray:
    """H(c + a) - H(c) = sum of 1 / (c + j) for j = 1..a, without cancellation for large c."""
    big = c > 64
    out = _harmonic(c + a) - _harmonic(c)
    cb, ab = c[big], a[big]
    out[big] = np.log1p(ab / cb) + _harmonic_tail(cb + ab) - _harmonic_tail(cb)
    return out
