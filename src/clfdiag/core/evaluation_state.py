"""The whole state of an evaluation: the sums over examples and the order of the scores.

The order of the scores is kept exactly (:class:`ExactScores`: the arrays, sorted
once at the end) or in a fine histogram (:class:`HistogramScores`: bounded
memory, for streams). Both answer the same questions, so
:func:`~clfdiag.core.evaluation.finish` does not care which it gets; both
merge, so the same state serves a list in memory, a stream of batches and the
partitions of a distributed fold.
"""

from __future__ import annotations

import operator
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from clfdiag.core.accumulators import ClassificationSettings, ClassificationSums, ScoreHistogram
from clfdiag.core.ranking import (
    BinaryRanking,
    WeightedRanking,
    rank_binary,
    rank_in_order,
    rank_weighted,
    ranking_from_counts,
    weighted_ranking_from_sums,
)
from clfdiag.core.selective import (
    Selective,
    selective_from_ranking,
    top_label_ranking,
    top_label_selective,
)
from clfdiag.core.state import Accumulator, merged, state

FloatArray = npt.NDArray[np.float64]
Ranking = Literal["exact", "histogram"]
BINARY_HISTOGRAM_BINS = 1 << 20


@dataclass(frozen=True)
class ScoreLayout:
    """K classes, scored by one positive-class column (``columns=False``) or one per class."""

    n_classes: int
    columns: bool
    weighted: bool = False

    def histogram_bins(self) -> int:
        """Bins per histogram: 2**20 each for up to 4 classes, fewer beyond, 2**22 in all."""
        return max(1 << 10, min(BINARY_HISTOGRAM_BINS, (1 << 22) // self.n_classes))


@dataclass(eq=False)
class ExactScores(Accumulator[ScoreLayout]):
    """The labels and scores themselves, ranked on demand.

    Batches are kept by reference and joined only when ranked; the ranking of
    the positive class is cached, so that it can be computed while the sums are
    being accumulated on another thread.
    """

    labels: list[npt.NDArray[np.integer]] = state(lambda k: [], operator.add)
    scores: list[FloatArray] = state(lambda k: [], operator.add)
    weights: list[FloatArray] = state(lambda k: [], operator.add)
    """Sample weights of each batch (weighted layouts only)."""

    def update(self, y: npt.NDArray[np.integer], proba: FloatArray,
               weights: FloatArray | None = None) -> None:
        """Add examples: class indices and positive-class scores, or an ``(n, K)`` matrix."""
        self.labels.append(y)
        self.scores.append(proba)
        if weights is not None:
            self.weights.append(weights)
        self.__dict__.pop("_positive", None)

    def _joined(self) -> tuple[npt.NDArray[np.integer], FloatArray]:
        if len(self.labels) == 1:
            return self.labels[0], self.scores[0]
        if not self.labels:
            layout = self.settings
            shape = (0, layout.n_classes) if layout.columns else (0,)
            return np.zeros(0, np.int64), np.zeros(shape)
        # Joined once: the batches give way to their concatenation.
        self.labels, self.scores = [np.concatenate(self.labels)], [np.concatenate(self.scores)]
        if self.weights:
            self.weights = [np.concatenate(self.weights)]
        return self.labels[0], self.scores[0]

    def examples(self) -> tuple[npt.NDArray[np.integer], FloatArray]:
        """The class indices and scores of every example added, in order."""
        return self._joined()

    def selective(self, threshold: float, target_risk: float | None) -> Selective:
        """Binary: the risk-coverage analysis of the top-label confidence, exact.

        Derived from the ranking of ``p`` (:func:`~clfdiag.core.selective.top_label_selective`:
        the confidences above and below the threshold are two ordered runs, merged in
        linear time and scanned a slice at a time), so the scores are sorted once for
        both and the confidences' ranking is never held whole. Scores outside [0, 1]
        (which have no top-label confidence) and weighted rankings take a sort of the
        confidences instead.
        """
        positive = self.positive_ranking() if self.labels else None
        if isinstance(positive, BinaryRanking) and probabilities(positive.thresholds):
            return top_label_selective(positive, threshold, target_risk=target_risk)
        y, p = self._joined()
        predicted = p >= threshold
        confidence = np.where(predicted, p, 1.0 - p)
        np.equal(predicted, y == 1, out=predicted)
        return selective_from_ranking(rank_binary(predicted.view(np.int8), confidence),
                                      target_risk=target_risk)

    def joined_weights(self) -> FloatArray:
        """The sample weights of every example added, in order (weighted layouts)."""
        if len(self.weights) == 1:
            return self.weights[0]
        return np.concatenate(self.weights) if self.weights else np.zeros(0)

    def positive_ranking(self) -> BinaryRanking | WeightedRanking:
        """Binary: the exact ranking of the positive-class scores."""
        if "_positive" not in self.__dict__:
            self.__dict__["_positive"] = (
                rank_weighted(*self._joined(), self.joined_weights())
                if self.settings.weighted else rank_binary(*self._joined()))
        ranking: BinaryRanking | WeightedRanking = self.__dict__["_positive"]
        return ranking

    def rank_positive_in(self, order: npt.NDArray[np.int64]) -> None:
        """Binary, unweighted: rank the positive-class scores read in their ascending ``order``.

        For a caller that holds the order for an item of its own
        (:func:`~clfdiag.core.ranking.rank_in_order`); the ranking is the one
        :meth:`positive_ranking` would sort.
        """
        assert not self.settings.weighted, "a weighted ranking leaves out weights of 0"
        self.__dict__["_positive"] = rank_in_order(*self._joined(), order)

    def release_positive_ranking(self) -> BinaryRanking | WeightedRanking:
        """Binary: the ranking of the positive-class scores, no longer kept here.

        For its last reader, which can then let its arrays go; a later
        :meth:`positive_ranking` sorts the scores again.
        """
        ranking = self.positive_ranking()
        del self.__dict__["_positive"]
        return ranking

    def class_rankings(self) -> Iterator[BinaryRanking | WeightedRanking]:
        """Multiclass: each class's exact one-vs-rest ranking, one at a time."""
        return (self.class_ranking(c) for c in range(self.settings.n_classes))

    def class_ranking(self, c: int) -> BinaryRanking | WeightedRanking:
        """Multiclass: class ``c``'s exact one-vs-rest ranking."""
        y, proba = self._joined()
        if self.settings.weighted:
            return rank_weighted(y == c, proba[:, c], self.joined_weights())
        return rank_binary(y == c, proba[:, c])

    def auc_error_bound(self) -> float | None:
        """None: exact rankings have no error."""
        return None

    def ap_error_bound(self) -> float | None:
        """None: exact rankings have no error."""
        return None


def probabilities(descending: FloatArray) -> bool:
    """Whether descending scores all lie in [0, 1] (an empty array does)."""
    return descending.shape[0] == 0 or bool(descending[0] <= 1.0 and descending[-1] >= 0.0)


def _histograms(layout: ScoreLayout) -> tuple[ScoreHistogram, ...]:
    if not layout.columns:
        return (ScoreHistogram(BINARY_HISTOGRAM_BINS, layout.weighted),)
    return tuple(ScoreHistogram(layout.histogram_bins(), layout.weighted)
                 for _ in range(layout.n_classes))


def _merge_each(a: tuple[ScoreHistogram, ...], b: tuple[ScoreHistogram, ...]
                ) -> tuple[ScoreHistogram, ...]:
    return tuple(x.merge(y) for x, y in zip(a, b, strict=True))


@dataclass(eq=False)
class HistogramScores(Accumulator[ScoreLayout]):
    """One :class:`ScoreHistogram` of the positive class, or one per class column."""

    histograms: tuple[ScoreHistogram, ...] = state(_histograms, _merge_each)

    def update(self, y: npt.NDArray[np.integer], proba: FloatArray,
               weights: FloatArray | None = None) -> None:
        """Add examples: class indices and positive-class scores, or an ``(n, K)`` matrix."""
        if not self.settings.columns:
            self.histograms[0].update(y, proba, weights)
            return
        for c, histogram in enumerate(self.histograms):
            histogram.update((y == c).astype(np.int8), proba[:, c], weights)

    def positive_ranking(self) -> BinaryRanking | WeightedRanking:
        """Binary: the ranking of the positive class, one tie group per bin."""
        return _ranking(self.histograms[0])

    def top_label_ranking(self, threshold: float) -> BinaryRanking:
        """Binary: the top-label confidence ranking, correct positive, one group per bin.

        The bins are symmetric in the logit, so a bin below 0.5 is ranked by the
        lower edge of its mirror image: the confidence ``1 - p`` of its upper edge.
        """
        h = self.histograms[0]
        used = (h.positives + h.negatives) > 0
        mirrored = h.lower_edges()[::-1][used][::-1]
        positive = self.positive_ranking()
        assert isinstance(positive, BinaryRanking), "selective prediction is not weighted"
        return top_label_ranking(positive, threshold,
                                 below=np.ascontiguousarray(mirrored))

    def selective(self, threshold: float, target_risk: float | None) -> Selective:
        """Binary: the risk-coverage analysis of the top-label confidence, one group per bin."""
        return selective_from_ranking(self.top_label_ranking(threshold), target_risk=target_risk)

    def class_rankings(self) -> Iterator[BinaryRanking | WeightedRanking]:
        """Multiclass: each class's one-vs-rest ranking from its histogram."""
        return (_ranking(h) for h in self.histograms)

    def ap_error_bound(self) -> float | None:
        """Binary: worst-case error of the average precision; multiclass reports none."""
        return self.histograms[0].ap_error_bound() if not self.settings.columns else None

    def auc_error_bound(self) -> float | None:
        """Worst-case AUC error: binary, the histogram's; multiclass, the mean of the classes'."""
        bounds = [b for b in (h.auc_error_bound() for h in self.histograms) if b is not None]
        if not self.settings.columns:
            return bounds[0] if bounds else None
        return sum(bounds) / len(bounds) if bounds else None


def _ranking(histogram: ScoreHistogram) -> BinaryRanking | WeightedRanking:
    if histogram.settings.weighted:
        return weighted_ranking_from_sums(histogram.lower_edges(), histogram.positives,
                                          histogram.negatives)
    return ranking_from_counts(histogram.lower_edges(), histogram.positives,
                               histogram.negatives)


@dataclass(frozen=True)
class EvaluationSettings:
    """The settings of the sums, the layout of the scores and how they are ranked."""

    sums: ClassificationSettings
    columns: bool = False
    """One score column per class (multiclass), not one positive-class column."""
    ranking: Ranking = "exact"

    @classmethod
    def for_scores(cls, proba: FloatArray, *, threshold: float = 0.5,
                   min_confidence: float = 0.9, top: int = 10, n_bins: int = 15,
                   ranking: Ranking = "exact", weighted: bool = False) -> EvaluationSettings:
        """Settings for scores shaped like ``proba``: ``(n,)`` binary or ``(n, K)``."""
        columns = proba.ndim == 2
        k = proba.shape[1] if columns else 2
        return cls(ClassificationSettings(k, threshold if not columns else 0.5,
                                          min_confidence, top, n_bins, weighted), columns,
                   ranking)


def _scores(s: EvaluationSettings) -> ExactScores | HistogramScores:
    layout = ScoreLayout(s.sums.n_classes, s.columns, s.sums.weighted)
    return ExactScores(layout) if s.ranking == "exact" else HistogramScores(layout)


@dataclass(eq=False)
class EvaluationState(Accumulator[EvaluationSettings]):
    """Everything :func:`~clfdiag.core.evaluation.finish` needs; merges field by field."""

    sums: ClassificationSums = state(lambda s: ClassificationSums.of(s.sums), merged)
    scores: ExactScores | HistogramScores = state(_scores, merged)

    def update(self, y: npt.NDArray[np.integer], proba: FloatArray,
               weights: FloatArray | None = None, **where: Any) -> None:
        """Add examples to the sums and the scores (``where``: see ``ClassificationSums``).

        ``weights``: sample weights, given exactly when the settings are weighted.
        """
        if weights is None:
            self.sums.update(y, proba, **where)
            self.scores.update(y, proba)
            return
        self.sums.update(y, proba, weights=weights, **where)
        self.scores.update(y, proba, weights)
