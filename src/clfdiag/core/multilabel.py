"""Multi-label metrics: each example has a set of true labels and one probability per label.

``y`` is an ``(n, L)`` indicator matrix (1: the label is true for the example) and
``proba`` an ``(n, L)`` matrix of per-label probabilities (one sigmoid per label,
rows need not sum to 1). A label is predicted when ``proba >= threshold``, the
threshold being one number or one per label. Every definition is scikit-learn's
on the thresholded indicator matrix or on the probabilities, with its
``zero_division`` convention (0 or 1) deciding every 0/0 of precision, recall,
F1 and Jaccard:

- ``hamming_loss``: wrong cells / (n L) (``sklearn.metrics.hamming_loss``);
  ``label_accuracy`` = 1 - Hamming loss; ``subset_accuracy``: rows whose predicted
  set equals the true set (``accuracy_score``);
- ``precision_*``, ``recall_*``, ``f1_*``, ``jaccard_*`` with ``average`` micro
  (pooled counts), macro (mean over labels), weighted (mean weighted by each
  label's support; the plain mean when no label has support) and samples (mean
  over rows) (``precision_score``, ``recall_score``, ``f1_score``,
  ``jaccard_score``);
- ``roc_auc_*`` and ``average_precision_*`` with the same averages
  (``roc_auc_score``, ``average_precision_score``): micro ranks all n L cells
  together; weighted drops labels without positives; samples ranks the labels of
  each row;
- ``label_ranking_average_precision``, ``coverage_error``, ``label_ranking_loss``
  and ``ndcg`` (all ranks), each a mean of per-row values;
- ``log_loss``: mean binary cross-entropy over the n L cells, probabilities
  clipped to ``[eps, 1 - eps]`` (eps the float64 machine epsilon, as ``log_loss``);
  ``brier``: mean of ``(p - y)^2`` over the cells.

Sample weights weigh rows, as scikit-learn's ``sample_weight``. The counts and the
per-row values are sums (:class:`MultilabelSums`), so that evaluations of parts of
the input merge into the evaluation of the whole; the per-label and micro ranking
metrics (ROC AUC, average precision) rank each column once with
:mod:`clfdiag.core.ranking`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import numpy.typing as npt

from clfdiag.core.accumulators import TopErrors
from clfdiag.core.calibration import bin_index, calibration_from_sums
from clfdiag.core.catalogue import read_specs, register
from clfdiag.core.losses import EPS
from clfdiag.core.ranking import (
    Curve,
    average_precision,
    precision_recall_curve,
    rank_binary,
    rank_weighted,
    roc_auc,
    roc_curve,
    sample,
)
from clfdiag.core.state import Accumulator, state
from clfdiag.core.stats import McNemar, MeanDifference, mcnemar_exact, paired_bootstrap, paired_t

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
ZeroDivision = Literal[0, 1]
AVERAGES = ("micro", "macro", "weighted", "samples")
SET_METRICS = ("precision", "recall", "f1", "jaccard")
ROW_CHUNK = 1 << 15
"""Rows handled at a time: keeps the per-row sorting's temporaries small and warm."""

register(*read_specs("multilabel_metrics.tsv"))


@dataclass(frozen=True)
class MultilabelSettings:
    """What the sums depend on; sums merge only under equal settings."""

    n_labels: int
    thresholds: tuple[float, ...]
    zero_division: ZeroDivision = 0
    n_bins: int = 15
    min_confidence: float = 0.9
    top: int = 10


def _zeros_l(s: MultilabelSettings) -> FloatArray:
    return np.zeros(s.n_labels)


def _zeros_bins(s: MultilabelSettings) -> FloatArray:
    return np.zeros((s.n_labels, s.n_bins))


@dataclass(eq=False)
class MultilabelSums(Accumulator[MultilabelSettings]):
    """Mergeable sums of a multi-label evaluation (every field merges by addition).

    Without weights every count is a sum of ones in float64, exact up to 2^53.
    The ``*_sum`` fields of per-row values (precision of a row, LRAP of a row, ...)
    are sums of floats: merged in another order they agree to rounding.
    """

    rows: int = state(lambda s: 0)
    weight: float = state(lambda s: 0.0)
    tp: FloatArray = state(_zeros_l)
    fp: FloatArray = state(_zeros_l)
    fn: FloatArray = state(_zeros_l)
    tn: FloatArray = state(_zeros_l)
    exact_rows: float = state(lambda s: 0.0)
    wrong_cells: float = state(lambda s: 0.0)
    bce: FloatArray = state(_zeros_l)
    squared_error: FloatArray = state(_zeros_l)
    clipped_cells: int = state(lambda s: 0)
    samples: FloatArray = state(lambda s: np.zeros(len(SET_METRICS)))
    """Weighted sums of the per-row precision, recall, F1 and Jaccard."""
    lrap: float = state(lambda s: 0.0)
    coverage: float = state(lambda s: 0.0)
    ranking_loss: float = state(lambda s: 0.0)
    ndcg: float = state(lambda s: 0.0)
    ap_samples: float = state(lambda s: 0.0)
    auc_samples: float = state(lambda s: 0.0)
    single_class_rows: int = state(lambda s: 0)
    """Rows of non-zero weight with no true label or every label: their ROC AUC is undefined."""
    true_labels: float = state(lambda s: 0.0)
    predicted_labels: float = state(lambda s: 0.0)
    rows_without_true: int = state(lambda s: 0)
    rows_without_predicted: int = state(lambda s: 0)
    bin_count: FloatArray = state(_zeros_bins)
    bin_score: FloatArray = state(_zeros_bins)
    bin_hits: FloatArray = state(_zeros_bins)
    overconfident: int = state(lambda s: 0)
    overconfident_loss: float = state(lambda s: 0.0)
    errors: int = state(lambda s: 0)
    loss_of_errors: float = state(lambda s: 0.0)
    top_cells: TopErrors = state(lambda s: TopErrors(s.top), TopErrors.combined)
    """The most confident wrong cells: ``index`` is ``row * L + label``, ``predicted`` 0/1."""

    def update(self, y: npt.NDArray[np.integer] | BoolArray, proba: FloatArray,
               weights: FloatArray | None = None, first_row: int = 0) -> None:
        """Add rows ``first_row ..`` of the input, a bounded chunk of rows at a time."""
        for start in range(0, y.shape[0], ROW_CHUNK):
            stop = start + ROW_CHUNK
            self._update_chunk(np.asarray(y[start:stop], dtype=bool), proba[start:stop],
                               None if weights is None else weights[start:stop],
                               first_row + start)

    def _update_chunk(self, y: BoolArray, p: FloatArray, w: FloatArray | None,
                      first_row: int) -> None:
        s = self.settings
        n, n_labels = y.shape
        pred = p >= np.asarray(s.thresholds)
        hit = y & pred
        wrong = y != pred

        def by_label(mask: BoolArray) -> FloatArray:
            """Rows (or their weights) holding ``mask``, per label."""
            return (mask.sum(axis=0, dtype=np.int64).astype(np.float64) if w is None
                    else w @ mask)

        def over_rows(values: npt.NDArray[np.number] | BoolArray) -> float:
            """The sum of per-row values, each weighted by its row."""
            return float(values.sum() if w is None else w @ values)

        self.rows += n
        self.weight += float(n if w is None else w.sum())
        tp, predicted, support = by_label(hit), by_label(pred), by_label(y)
        self.tp += tp
        self.fp += predicted - tp
        self.fn += support - tp
        self.tn += (n if w is None else w.sum()) - predicted - support + tp
        ranks = row_rankings(y, p)
        true_count = ranks.true_count
        pred_count = pred.sum(axis=1, dtype=np.int64)
        hit_count = hit.sum(axis=1, dtype=np.int64)
        wrong_count = true_count + pred_count - 2 * hit_count
        self.exact_rows += over_rows(wrong_count == 0)
        self.wrong_cells += over_rows(wrong_count)

        p_true = np.where(y, p, 1.0 - p)
        self.clipped_cells += int(np.count_nonzero((p_true < EPS) | (p_true > 1.0 - EPS)))
        np.clip(p_true, EPS, 1.0 - EPS, out=p_true)
        loss = np.log(p_true)
        np.negative(loss, out=loss)
        squared = p - y
        np.square(squared, out=squared)
        self.bce += loss.sum(axis=0) if w is None else w @ loss
        self.squared_error += squared.sum(axis=0) if w is None else w @ squared

        zd = float(s.zero_division)
        per_row = (_divide(hit_count, pred_count, zd), _divide(hit_count, true_count, zd),
                   _divide(2 * hit_count, true_count + pred_count, zd),
                   _divide(hit_count, true_count + pred_count - hit_count, zd))
        self.samples += np.array([over_rows(v) for v in per_row])
        self.true_labels += over_rows(true_count)
        self.predicted_labels += over_rows(pred_count)
        self.rows_without_true += int(np.count_nonzero(true_count == 0))
        self.rows_without_predicted += int(np.count_nonzero(pred_count == 0))

        self.lrap += over_rows(ranks.lrap)
        self.coverage += over_rows(ranks.coverage)
        self.ranking_loss += over_rows(ranks.ranking_loss)
        self.ndcg += over_rows(ranks.ndcg)
        self.ap_samples += over_rows(ranks.average_precision)
        # A zero-weight row does not count, as scikit-learn zeroes its (NaN) score.
        single = ~np.isfinite(ranks.roc_auc) & (True if w is None else w != 0)
        self.single_class_rows += int(np.count_nonzero(single))
        self.auc_samples += over_rows(np.where(single, 0.0, np.nan_to_num(ranks.roc_auc)))

        self._add_bins(y, p, w)

        confidence = np.where(pred, p, 1.0 - p)
        sure = wrong & (confidence >= s.min_confidence)
        self.errors += int(wrong_count.sum())
        self.loss_of_errors += float(loss[wrong].sum())
        self.overconfident += int(np.count_nonzero(sure))
        self.overconfident_loss += float(loss[sure].sum())
        rows, labels = np.nonzero(sure)
        if rows.size and s.top > 0:
            self.top_cells.offer((rows + first_row) * n_labels + labels, labels,
                                 pred[rows, labels].astype(np.int64), confidence[rows, labels],
                                 loss[rows, labels])

    def _add_bins(self, y: BoolArray, p: FloatArray, w: FloatArray | None) -> None:
        """Per-label reliability sums over right-closed equal-width bins, as ``evaluate``'s."""
        s = self.settings
        n, n_labels = y.shape
        bins = bin_index(p.ravel(), s.n_bins).reshape(n, n_labels)
        bins += np.arange(n_labels) * s.n_bins
        cells = bins.ravel()
        size = n_labels * s.n_bins
        shape = (n_labels, s.n_bins)
        if w is None:
            self.bin_count += np.bincount(cells, minlength=size).reshape(shape)
            self.bin_score += np.bincount(cells, p.ravel(), size).reshape(shape)
            self.bin_hits += np.bincount(bins[y], minlength=size).reshape(shape)
            return
        cell_w = np.broadcast_to(w[:, None], (n, n_labels))
        self.bin_count += np.bincount(cells, cell_w.ravel(), size).reshape(shape)
        self.bin_score += np.bincount(cells, (p * w[:, None]).ravel(), size).reshape(shape)
        self.bin_hits += np.bincount(bins[y], cell_w[y], size).reshape(shape)


def _divide(numerator: npt.NDArray[np.integer] | FloatArray,
            denominator: npt.NDArray[np.integer] | FloatArray, zero_division: float
            ) -> FloatArray:
    """``numerator / denominator`` with ``zero_division`` where the denominator is 0.

    scikit-learn's ``_prf_divide``.
    """
    num = np.asarray(numerator, dtype=np.float64)
    den = np.asarray(denominator, dtype=np.float64)
    zero = den == 0
    out = num / np.where(zero, 1.0, den)
    out[zero] = zero_division
    return out


@dataclass(frozen=True)
class RowRankings:
    """Per-row values of the ranking metrics, each row's labels ranked by probability.

    ``roc_auc`` is NaN for a row with no true label or every label.
    """

    lrap: FloatArray
    coverage: FloatArray
    ranking_loss: FloatArray
    ndcg: FloatArray
    average_precision: FloatArray
    roc_auc: FloatArray
    true_count: IntArray


def row_rankings(y: BoolArray, proba: FloatArray) -> RowRankings:
    """Rank each row's labels once and derive every per-row ranking metric from the tie groups.

    In a row, sort the labels by decreasing probability; labels of equal
    probability form a tie group. For a label in group g, ``above`` counts the
    labels whose probability is ``>=`` its own (to the end of g) and
    ``true_above`` the true labels among them. With r true labels out of L:

    - LRAP (``label_ranking_average_precision_score``): the mean over true labels
      of ``true_above / above``; 1 when r is 0 or L;
    - average precision (``average_precision_score`` of the row): the same sum,
      which is the step-wise AP over the row's distinct scores; 0 when r = 0;
    - coverage (``coverage_error``): the largest ``above`` of a true label; 0 when r = 0;
    - ranking loss (``label_ranking_loss``): false labels scored ``>=`` a true one,
      summed over the true labels, over ``r (L - r)``; 0 when r is 0 or L;
    - ROC AUC (``roc_auc_score`` of the row): pairs (true, false) ranked rightly,
      ties counting one half, over ``r (L - r)``; NaN when r is 0 or L;
    - NDCG (``ndcg_score`` with ``ignore_ties=False``): each position's discount
      ``1 / log2(k + 2)`` times the mean relevance of its tie group, over the
      ideal DCG (the first r discounts); 0 when r = 0.

    Probabilities must be ``>= 0``: their float64 bit patterns then order like
    the values, so one integer sort per row, of the bits with the truth in the
    lowest bit, orders the labels and carries their truth along (as
    :mod:`clfdiag.core.ranking` does for one column).

    Examples
    --------
    scikit-learn's ``label_ranking_average_precision_score`` example (0.416...):

    >>> r = row_rankings(np.array([[1, 0, 0], [0, 0, 1]], dtype=bool),
    ...                  np.array([[0.75, 0.5, 1], [1, 0.2, 0.1]]))
    >>> round(float(r.lrap.mean()), 4), r.coverage.tolist()
    (0.4167, [2.0, 3.0])
    """
    n_labels = y.shape[1]
    key = np.ascontiguousarray(proba, dtype=np.float64).view(np.uint64) << np.uint64(1)
    key |= y
    key.sort(axis=1)
    key = key[:, ::-1]  # decreasing probability
    truth = (key & np.uint64(1)).astype(bool)
    key >>= np.uint64(1)
    tie = key[:, 1:] == key[:, :-1]  # the label ties with the one ranked before it
    del key
    position = np.arange(n_labels)
    true_to = np.cumsum(truth, axis=1, dtype=np.int64)
    # Without ties (the usual case) each label is its own group: every row is first
    # computed so, then the rows with a tie again with their groups.
    out = _row_values(truth, true_to, position + 1, true_to, truth, np.ones(1, np.int64))
    tied = np.flatnonzero(tie.any(axis=1))
    if tied.size:
        t_truth, t_true_to = truth[tied], true_to[tied]
        new_group = np.ones((tied.size, n_labels), dtype=bool)
        new_group[:, 1:] = ~tie[tied]
        group_end = np.ones((tied.size, n_labels), dtype=bool)
        group_end[:, :-1] = new_group[:, 1:]
        # Each position's group start (running max of starts) and end (running min from
        # the right).
        start = np.maximum.accumulate(np.where(new_group, position, 0), axis=1)
        end = np.minimum.accumulate(np.where(group_end, position, n_labels)[:, ::-1],
                                    axis=1)[:, ::-1]
        true_above = np.take_along_axis(t_true_to, end, axis=1)
        true_before_group = np.take_along_axis(t_true_to - t_truth, start, axis=1)
        redone = _row_values(t_truth, t_true_to, end + 1, true_above,
                             true_above - true_before_group, end - start + 1)
        for mine, theirs in zip(out, redone, strict=True):
            mine[tied] = theirs
    return RowRankings(*out, true_to[:, -1])


def _row_values(truth: BoolArray, true_to: IntArray, above: IntArray, true_above: IntArray,
                true_in_group: IntArray | BoolArray, size: IntArray
                ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray,
                           FloatArray]:
    """LRAP, coverage, ranking loss, NDCG, AP and ROC AUC of rows ranked in decreasing order.

    ``above``, ``true_above``, ``true_in_group`` and ``size`` are per position
    (or broadcast to it): labels at or above it, true ones among them, true
    labels in its tie group and the group's size.
    """
    n_labels = truth.shape[1]
    ones = np.ones(n_labels)
    r = true_to[:, -1]
    false_count = n_labels - r
    mixed = (r > 0) & (false_count > 0)
    false_above = above - true_above
    false_in_group = size - true_in_group

    ratio = true_above / above
    ratio *= truth
    ap = _divide(ratio @ ones, r, 0.0)
    lrap = np.where(mixed, ap, 1.0)
    coverage = np.max(above * truth, axis=1).astype(np.float64)
    pairs = (r * false_count).astype(np.float64)
    wrong = (false_above * truth).astype(np.float64) @ ones
    ranking_loss = np.where(mixed, _divide(wrong, pairs, 0.0), 0.0)
    right = (false_count[:, None] - false_above) + 0.5 * false_in_group
    right *= truth
    auc = np.where(mixed, _divide(right @ ones, pairs, 0.0), np.nan)

    discount = 1.0 / np.log2(np.arange(n_labels) + 2.0)
    dcg = (true_in_group / size) @ discount
    ideal = np.concatenate(([0.0], np.cumsum(discount)))[r]
    ndcg = _divide(dcg, ideal, 0.0)
    return lrap, coverage, ranking_loss, ndcg, ap, auc


@dataclass(frozen=True)
class LabelMetrics:
    """One label's statistics, its column taken as a binary problem.

    ``support`` counts the rows with the label (a sum of weights when weighted);
    an undefined value is None and its reason is in ``undefined``.
    """

    support: float
    prevalence: float
    precision: float
    recall: float
    f1: float
    roc_auc: float | None
    average_precision: float | None
    log_loss: float
    ece: float | None
    undefined: dict[str, str]


@dataclass(frozen=True)
class Cardinality:
    """Mean true and predicted labels per row, and the rows with an empty set."""

    mean_true: float
    mean_predicted: float
    rows_without_true_label: int
    rows_without_predicted_label: int


@dataclass(frozen=True)
class CellErrors:
    """Wrong cells whose decision had confidence ``>= min_confidence``.

    The confidence of a cell is ``p`` when the label is predicted, else ``1 - p``.
    ``rows``/``labels`` locate the most confident of them (confidence, then loss,
    descending; then row and label order); ``truth`` is the true indicator and
    ``proba`` the cell's probability (from sums alone, ``1 - confidence`` for a
    label not predicted, exact to rounding).
    """

    min_confidence: float
    count: int
    errors: int
    share_of_errors: float | None
    share_of_loss: float | None
    rows: IntArray
    labels: IntArray
    proba: FloatArray
    truth: IntArray
    loss: FloatArray


@dataclass(frozen=True)
class MultilabelEvaluation:
    """Everything ``evaluate`` reports for a multi-label input, before any formatting.

    ``metrics`` maps each key to its value, None when undefined with the reason
    in ``undefined``. ``weight_sum`` is None unless weighted.
    """

    n: int
    thresholds: tuple[float, ...]
    zero_division: ZeroDivision
    n_bins: int
    metrics: dict[str, float | None]
    undefined: dict[str, str]
    per_label: tuple[LabelMetrics, ...]
    cardinality: Cardinality
    overconfident: CellErrors
    clipped_cells: int
    weight_sum: float | None = None


def label_thresholds(threshold: float | Sequence[float] | FloatArray, n_labels: int
                     ) -> tuple[float, ...]:
    """One threshold per label from one number or a sequence of ``n_labels`` numbers."""
    values = np.atleast_1d(np.asarray(threshold, dtype=np.float64))
    if values.ndim != 1 or values.size not in (1, n_labels):
        raise ValueError(f"give one threshold or one per label ({n_labels}), not {values.size}")
    return tuple(float(v) for v in np.broadcast_to(values, (n_labels,)))


def multilabel_sums(y: npt.NDArray[np.integer] | BoolArray, proba: FloatArray,
                    settings: MultilabelSettings, weights: FloatArray | None = None
                    ) -> MultilabelSums:
    """The mergeable sums of all rows."""
    sums = MultilabelSums.of(settings)
    sums.update(y, proba, weights)
    return sums


def evaluate_multilabel(
    y: npt.NDArray[np.integer] | BoolArray,
    proba: FloatArray,
    threshold: float | Sequence[float] | FloatArray = 0.5,
    *,
    zero_division: ZeroDivision = 0,
    weights: FloatArray | None = None,
    n_bins: int = 15,
    min_confidence: float = 0.9,
    top: int = 10,
) -> MultilabelEvaluation:
    """Evaluate per-label probabilities ``proba`` against the indicator matrix ``y``.

    See the module docstring for the definitions. ``y`` and ``proba`` are
    ``(n, L)`` with n >= 1 and L >= 2; ``weights`` (n,) non-negative with a
    positive sum, or None.

    Examples
    --------
    scikit-learn's ``hamming_loss`` multi-label example gives 0.75:

    >>> ev = evaluate_multilabel(np.array([[0, 1], [1, 1]]), np.array([[0.0, 0.0], [0.0, 0.0]]))
    >>> ev.metrics["hamming_loss"], ev.metrics["subset_accuracy"]
    (0.75, 0.0)
    """
    y, proba, weights = _checked(y, proba, weights)
    n_labels = y.shape[1]
    settings = MultilabelSettings(n_labels, label_thresholds(threshold, n_labels),
                                  zero_division, n_bins, min_confidence, top)
    sums = multilabel_sums(y, proba, settings, weights)
    auc, ap, micro_auc, micro_ap = column_rankings(y, proba, weights)
    ev = finish(sums, auc, ap, micro_auc, micro_ap, weighted=weights is not None)
    over = ev.overconfident
    # The sums keep each cell's confidence; 1 - (1 - p) loses a tiny p, so read p back.
    exact = replace(over, proba=np.asarray(proba[over.rows, over.labels], dtype=np.float64))
    return replace(ev, overconfident=exact)


def _checked(y: npt.NDArray[np.integer] | BoolArray, proba: FloatArray,
             weights: FloatArray | None) -> tuple[BoolArray, FloatArray, FloatArray | None]:
    if y.ndim != 2 or proba.shape != y.shape:
        raise ValueError(f"y and proba must be (n, L) of the same shape, not {y.shape} "
                         f"and {proba.shape}")
    if y.shape[0] < 1 or y.shape[1] < 2:
        raise ValueError(f"need at least one row and two labels, not {y.shape}")
    if weights is not None and (weights.shape != (y.shape[0],) or not weights.sum() > 0):
        raise ValueError("weights must be one non-negative number per row, with a positive sum")
    return (np.asarray(y, dtype=bool), np.ascontiguousarray(proba, dtype=np.float64),
            None if weights is None else np.asarray(weights, dtype=np.float64))


def column_rankings(y: BoolArray, proba: FloatArray, weights: FloatArray | None
                    ) -> tuple[list[float | None], list[float | None], float | None,
                               float | None]:
    """Each label's ROC AUC and average precision, then the micro ones over all cells.

    One sort per column and one of the n L cells
    (:func:`~clfdiag.core.ranking.rank_binary`, or ``rank_weighted`` with weights).
    None where undefined: AUC without both classes, AP without a positive.
    """
    auc: list[float | None] = []
    ap: list[float | None] = []
    for j in range(y.shape[1]):
        column = np.ascontiguousarray(proba[:, j])
        truth = y[:, j].astype(np.int8)
        ranked = (rank_binary(truth, column) if weights is None
                  else rank_weighted(truth, column, weights))
        auc.append(roc_auc(ranked))
        ap.append(average_precision(ranked))
    cells = y.ravel().astype(np.int8)
    micro = (rank_binary(cells, proba.ravel()) if weights is None
             else rank_weighted(cells, proba.ravel(), np.repeat(weights, y.shape[1])))
    return auc, ap, roc_auc(micro), average_precision(micro)


def finish(sums: MultilabelSums, auc: Sequence[float | None], ap: Sequence[float | None],
           micro_auc: float | None, micro_ap: float | None, *, weighted: bool = False
           ) -> MultilabelEvaluation:
    """The evaluation from the sums and the column rankings (per label, then micro)."""
    s = sums.settings
    n_labels = s.n_labels
    total = sums.weight
    if not total > 0:
        raise ValueError("no rows (of positive weight) to evaluate")
    cells = total * n_labels
    zd = float(s.zero_division)
    metrics: dict[str, float | None] = {}
    undefined: dict[str, str] = {}
    metrics["hamming_loss"] = sums.wrong_cells / cells
    metrics["subset_accuracy"] = sums.exact_rows / total
    metrics["label_accuracy"] = 1.0 - sums.wrong_cells / cells
    support = sums.tp + sums.fn
    predicted = sums.tp + sums.fp
    per_label_sets = {
        "precision": (sums.tp, predicted),
        "recall": (sums.tp, support),
        "f1": (2 * sums.tp, support + predicted),
        "jaccard": (sums.tp, support + predicted - sums.tp),
    }
    label_values: dict[str, FloatArray] = {}
    for k, name in enumerate(SET_METRICS):
        num, den = per_label_sets[name]
        values = _divide(num, den, zd)
        label_values[name] = values
        metrics[f"{name}_micro"] = float(_divide(np.array([num.sum()]),
                                                 np.array([den.sum()]), zd)[0])
        metrics[f"{name}_macro"] = float(values.mean())
        # scikit-learn: weights are the supports; with no support at all, the plain mean.
        metrics[f"{name}_weighted"] = (float(values @ support / support.sum())
                                       if support.sum() > 0 else float(values.mean()))
        metrics[f"{name}_samples"] = float(sums.samples[k] / total)
    _averaged_rankings(metrics, undefined, "roc_auc", auc, micro_auc, support, sums)
    _averaged_rankings(metrics, undefined, "average_precision", ap, micro_ap, support, sums)
    metrics["label_ranking_average_precision"] = sums.lrap / total
    metrics["coverage_error"] = sums.coverage / total
    metrics["label_ranking_loss"] = sums.ranking_loss / total
    metrics["ndcg"] = sums.ndcg / total
    metrics["log_loss"] = float(sums.bce.sum() / cells)
    metrics["brier"] = float(sums.squared_error.sum() / cells)

    per_label = []
    for j in range(n_labels):
        why: dict[str, str] = {}
        if auc[j] is None:
            why["roc_auc"] = ("the label's column holds one class only (no row with the label, "
                              "or every row)")
        if ap[j] is None:
            why["average_precision"] = "no row has the label"
        calibration = calibration_from_sums(np.linspace(0.0, 1.0, s.n_bins + 1),
                                            sums.bin_count[j], sums.bin_score[j],
                                            sums.bin_hits[j])
        per_label.append(LabelMetrics(
            float(support[j]), float(support[j] / total), float(label_values["precision"][j]),
            float(label_values["recall"][j]), float(label_values["f1"][j]), auc[j], ap[j],
            float(sums.bce[j] / total), calibration.ece, why))

    top = sums.top_cells
    rows, labels = np.divmod(top.index, n_labels)
    truth = np.where(top.predicted == 1, 0, 1).astype(np.int64)
    proba = np.where(top.predicted == 1, top.confidence, 1.0 - top.confidence)
    over = CellErrors(
        s.min_confidence, sums.overconfident, sums.errors,
        sums.overconfident / sums.errors if sums.errors else None,
        sums.overconfident_loss / sums.loss_of_errors if sums.loss_of_errors > 0 else None,
        rows.astype(np.int64), labels.astype(np.int64), proba, truth, top.loss.copy())
    cardinality = Cardinality(sums.true_labels / total, sums.predicted_labels / total,
                              sums.rows_without_true, sums.rows_without_predicted)
    return MultilabelEvaluation(
        sums.rows, s.thresholds, s.zero_division, s.n_bins, metrics, undefined,
        tuple(per_label), cardinality, over, sums.clipped_cells,
        total if weighted else None)


def _averaged_rankings(metrics: dict[str, float | None], undefined: dict[str, str], key: str,
                       per_label: Sequence[float | None], micro: float | None,
                       support: FloatArray, sums: MultilabelSums) -> None:
    """Micro, macro, weighted and samples averages of ROC AUC or average precision.

    scikit-learn's ``_average_binary_score``: ``roc_auc_score`` is NaN for a
    column (or row) with one class, which makes its average NaN (None here);
    ``average_precision_score`` is 0 for a column or row without positives, and
    that 0 enters the macro and samples means. Weighted drops the labels
    without support; without any, scikit-learn returns 0, reported here as
    undefined, as is a micro average precision without any positive cell.
    """
    is_auc = key == "roc_auc"
    missing = [j for j, v in enumerate(per_label) if v is None]
    metrics[f"{key}_micro"] = micro
    if micro is None:
        undefined[f"{key}_micro"] = ("every label cell holds the same class" if is_auc
                                     else "no row has any true label")
    if is_auc and missing:
        metrics[f"{key}_macro"] = None
        undefined[f"{key}_macro"] = (f"{len(missing)} label(s) hold one class only, whose ROC "
                                     "AUC is undefined (label indices "
                                     f"{', '.join(map(str, missing[:10]))})")
    else:
        metrics[f"{key}_macro"] = float(np.mean([0.0 if v is None else v for v in per_label]))
    counted = support > 0
    if not counted.any():
        metrics[f"{key}_weighted"] = None
        undefined[f"{key}_weighted"] = ("no row has any true label, so every label weighs 0 "
                                        "(scikit-learn returns 0)")
    elif any(per_label[int(j)] is None for j in np.flatnonzero(counted)):
        metrics[f"{key}_weighted"] = None
        undefined[f"{key}_weighted"] = ("a label present in every row has no ROC AUC "
                                        "(one class only)")
    else:
        values = np.array([0.0 if v is None else v for v in per_label])
        metrics[f"{key}_weighted"] = float(values[counted] @ support[counted]
                                           / support[counted].sum())
    if is_auc:
        if sums.single_class_rows:
            metrics[f"{key}_samples"] = None
            undefined[f"{key}_samples"] = (
                f"{sums.single_class_rows} row(s) have no true label or every label; a row's "
                "ROC AUC needs both (scikit-learn gives nan)")
        else:
            metrics[f"{key}_samples"] = sums.auc_samples / sums.weight
    else:
        metrics[f"{key}_samples"] = sums.ap_samples / sums.weight


@dataclass(frozen=True)
class ExampleLosses:
    """Per-row losses: mean binary cross-entropy over the labels and Hamming loss.

    Their means are ``log_loss`` and ``hamming_loss`` (unweighted).
    """

    bce: FloatArray
    hamming: FloatArray


def example_losses(y: npt.NDArray[np.integer] | BoolArray, proba: FloatArray,
                   threshold: float | Sequence[float] | FloatArray = 0.5) -> ExampleLosses:
    """Each row's mean clipped binary cross-entropy and share of wrongly predicted labels."""
    truth = np.asarray(y, dtype=bool)
    thresholds = np.asarray(label_thresholds(threshold, truth.shape[1]))
    p_true = np.where(truth, proba, 1.0 - proba)
    bce = -np.log(np.clip(p_true, EPS, 1.0 - EPS)).mean(axis=1)
    hamming = ((proba >= thresholds) != truth).mean(axis=1)
    return ExampleLosses(bce, hamming)


ACCURACY_METRICS = ("subset_accuracy", "label_accuracy", "f1_micro")


@dataclass(frozen=True)
class MultilabelComparison:
    """Two models' multi-label evaluations on the same rows, and paired tests of their losses.

    ``log_loss_test`` and ``hamming_loss_test`` test the per-row differences
    B - A of the mean cross-entropy and of the Hamming loss; ``exact_match_test``
    is McNemar's exact test on the rows each model predicts exactly (the change
    of ``subset_accuracy``), None when weighted.
    """

    a: MultilabelEvaluation
    b: MultilabelEvaluation
    log_loss_test: MeanDifference
    hamming_loss_test: MeanDifference
    accuracy_metric: str
    loss_up_accuracy_up: bool
    exact_match_test: McNemar | None = None


def compare_multilabel(
    a: MultilabelEvaluation,
    b: MultilabelEvaluation,
    y: npt.NDArray[np.integer] | BoolArray,
    proba_a: FloatArray,
    proba_b: FloatArray,
    *,
    weights: FloatArray | None = None,
    accuracy_metric: str = "subset_accuracy",
    min_loss_delta: float = 0.0,
    min_accuracy_delta: float = 0.0,
    bootstrap: int = 0,
    seed: int | None = None,
) -> MultilabelComparison:
    """Compare two models' evaluations of the same rows and true labels.

    ``a`` and ``b`` are :func:`evaluate_multilabel` of ``(y, proba_a)`` and
    ``(y, proba_b)`` at the same thresholds, with ``weights`` if weighted.
    The tests are those of ``compare`` for a single label: the paired t test of
    the per-row differences (or a paired bootstrap with ``bootstrap``
    resamples), :func:`~clfdiag.core.stats.paired_t`; weighted, the weighted
    mean difference without an interval. ``loss_up_accuracy_up``: ``log_loss``
    rose by more than ``min_loss_delta`` and ``accuracy_metric`` (subset
    accuracy, label accuracy or micro F1) by more than ``min_accuracy_delta``.
    """
    if accuracy_metric not in ACCURACY_METRICS:
        raise ValueError(f"accuracy_metric must be one of {', '.join(ACCURACY_METRICS)}")
    if a.thresholds != b.thresholds or not a.n == b.n == len(y) \
            or (a.weight_sum is None, b.weight_sum is None) != (weights is None,) * 2:
        raise ValueError("a and b must evaluate the rows y, at the same thresholds and weights")
    la, lb = example_losses(y, proba_a, a.thresholds), example_losses(y, proba_b, a.thresholds)
    tests = []
    for diff in (lb.bce - la.bce, lb.hamming - la.hamming):
        if weights is not None:
            tests.append(MeanDifference(float(weights @ diff / weights.sum()), None, None,
                                        "weighted mean difference"))
        else:
            tests.append(paired_bootstrap(diff, bootstrap, seed) if bootstrap
                         else paired_t(diff))
    loss_delta = _value(b, "log_loss") - _value(a, "log_loss")
    accuracy_delta = _value(b, accuracy_metric) - _value(a, accuracy_metric)
    exact = None if weights is not None else mcnemar_exact(la.hamming == 0, lb.hamming == 0)
    return MultilabelComparison(a, b, tests[0], tests[1], accuracy_metric,
                                loss_delta > min_loss_delta
                                and accuracy_delta > min_accuracy_delta, exact)


def _value(ev: MultilabelEvaluation, key: str) -> float:
    value = ev.metrics[key]
    assert value is not None  # thresholded metrics and the log loss are always defined
    return value


def multilabel_regressions(cmp: MultilabelComparison, alpha: float) -> tuple[str, ...]:
    """The losses and accuracies on which B is significantly worse than A at level ``alpha``.

    ``subset_accuracy`` by McNemar's exact test on the exactly predicted rows,
    ``hamming_loss`` and ``log_loss`` by their paired tests of the per-row values;
    each only when B moved the worse way.
    """
    found = []
    exact = cmp.exact_match_test
    if exact is not None and exact.b10 > exact.b01 and exact.p_value < alpha:
        found.append("subset_accuracy")
    for key, test in (("hamming_loss", cmp.hamming_loss_test),
                      ("log_loss", cmp.log_loss_test)):
        if test.p_value is not None and test.mean_diff > 0 and test.p_value < alpha:
            found.append(key)
    return tuple(found)


def accuracy_rise_p(cmp: MultilabelComparison) -> float | None:
    """The p-value of the rise of the comparison's accuracy metric, None without a test.

    McNemar's exact test for ``subset_accuracy``, the paired test of the per-row
    Hamming loss for ``label_accuracy`` (1 - Hamming loss); micro F1 is not a mean
    of per-row values and has no paired test here.
    """
    if cmp.accuracy_metric == "subset_accuracy":
        return None if cmp.exact_match_test is None else cmp.exact_match_test.p_value
    if cmp.accuracy_metric == "label_accuracy":
        return cmp.hamming_loss_test.p_value
    return None


CURVE_POINTS = 200
"""Thresholds kept per label curve: enough for a small panel, exact at each point kept."""


@dataclass(frozen=True)
class ReliabilityBin:
    """The cells of one label whose probability is in ``(lower, upper]``."""

    lower: float
    upper: float
    count: int
    mean_p: float | None
    frequency: float | None


@dataclass(frozen=True)
class LabelCurves:
    """One label's curves and its equal-width positive-class reliability bins.

    ``roc`` is None without both classes, ``pr`` None without a positive.
    """

    roc: Curve | None
    pr: Curve | None
    reliability: tuple[ReliabilityBin, ...]


def label_curves(y: npt.NDArray[np.integer] | BoolArray, proba: FloatArray, n_bins: int,
                 points: int = CURVE_POINTS) -> tuple[LabelCurves, ...]:
    """Each label's column as a binary problem: ROC and PR curves, reliability bins.

    The curves are those of ``sklearn.metrics.roc_curve(drop_intermediate=False)``
    and ``precision_recall_curve`` at up to ``points`` of their thresholds
    (:func:`~clfdiag.core.ranking.sample`); the bins are right-closed, as the ECE's.
    """
    truth = np.asarray(y, dtype=bool)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    out = []
    for j in range(truth.shape[1]):
        column = np.ascontiguousarray(proba[:, j])
        positive = truth[:, j]
        ranked = sample(rank_binary(positive.astype(np.int8), column), points)
        both = 0 < ranked.positives < truth.shape[0]
        index = bin_index(column, n_bins)
        count = np.bincount(index, minlength=n_bins)
        p_sum = np.bincount(index, weights=column, minlength=n_bins)
        y_sum = np.bincount(index, weights=positive.astype(np.float64), minlength=n_bins)
        bins = tuple(ReliabilityBin(float(edges[b]), float(edges[b + 1]), int(count[b]),
                                    float(p_sum[b] / count[b]) if count[b] else None,
                                    float(y_sum[b] / count[b]) if count[b] else None)
                     for b in range(n_bins))
        out.append(LabelCurves(roc_curve(ranked) if both else None,
                               precision_recall_curve(ranked) if ranked.positives else None,
                               bins))
    return tuple(out)
