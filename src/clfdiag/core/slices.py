"""Which slices of the data is the model worse on? Per-group tests against the rest.

A slice is a group of rows sharing the value of one or more columns (site, sex,
age band, or their crossing). Each group's metric is tested against the same
metric on all the other rows, one-sided (is this group *below* the rest?), and
the p-values of all tested groups are adjusted together by Holm's step-down
procedure (Holm 1979), which controls the family-wise error rate without
assuming independence. Groups smaller than a minimum size are reported but not
tested: their intervals are too wide for a test to mean anything.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from statistics import NormalDist
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from clfdiag.core.accumulators import ScoreHistogram
from clfdiag.core.evaluation_state import (
    EvaluationSettings,
    EvaluationState,
    ExactScores,
    HistogramScores,
)
from clfdiag.core.ranking import (
    BinaryRanking,
    WeightedRanking,
    delong_components,
    ranking_from_counts,
)
from clfdiag.core.state import merged, state

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class BelowRest:
    """A one-sided test that a group's metric is below the rest's.

    ``z`` is the standardised difference (group minus rest), ``p_value`` its
    one-sided p-value P(Z <= z); both are None with ``reason`` when the test is
    undefined (a group or the rest without both classes, or no variance).
    """

    estimate: float | None
    rest: float | None
    z: float | None
    p_value: float | None
    reason: str | None = None


def group_codes(columns: list[npt.NDArray[np.object_]]) -> tuple[IntArray, list[tuple[str, ...]]]:
    """Code the rows by the crossing of one or more columns of group values.

    Returns ``codes`` (the group index of every row) and ``groups`` (the value
    of each column for every group, in sorted order of the values as text).
    Missing values (None) form a group of their own, shown as the empty string.

    Examples
    --------
    >>> codes, groups = group_codes([np.array(["b", "a", "b"], dtype=object)])
    >>> codes.tolist(), groups
    ([1, 0, 1], [('a',), ('b',)])
    """
    n = columns[0].shape[0] if columns else 0
    per_column: list[IntArray] = []
    names: list[list[str]] = []
    for values in columns:
        text = np.array(["" if v is None else str(v) for v in values], dtype=object)
        uniques, inverse = np.unique(text, return_inverse=True)
        per_column.append(inverse.astype(np.int64).reshape(n))
        names.append([str(u) for u in uniques])
    if not per_column:
        return np.zeros(n, np.int64), [()]
    # One integer key a row (mixed radix, first column most significant) sorts as the rows
    # of column codes would, and np.unique on integers is far faster than on rows.
    key = np.zeros(n, np.int64)
    for codes_of_column, column_names in zip(per_column, names, strict=True):
        key = key * max(len(column_names), 1) + codes_of_column
    crossed, codes = np.unique(key, return_inverse=True)
    groups = []
    for value in crossed.tolist():
        digits = []
        for column_names in reversed(names):
            value, digit = divmod(value, max(len(column_names), 1))
            digits.append(column_names[digit])
        groups.append(tuple(reversed(digits)))
    return codes.astype(np.int64).reshape(n), groups


def accuracy_below_rest(correct: int, n: int, correct_rest: int, n_rest: int) -> BelowRest:
    """Pooled two-proportion z-test of the group's accuracy against the rest's, one-sided.

    z = (p_g - p_r) / sqrt(p (1 - p) (1/n_g + 1/n_r)) with p the pooled
    accuracy (Agresti 2013, section 3.1.3); p-value P(Z <= z), small when the
    group's accuracy is below the rest's.
    """
    if n == 0 or n_rest == 0:
        return BelowRest(None, None, None, None, "the group or the rest is empty")
    p_g, p_r = correct / n, correct_rest / n_rest
    pooled = (correct + correct_rest) / (n + n_rest)
    variance = pooled * (1 - pooled) * (1 / n + 1 / n_rest)
    if variance == 0:
        return BelowRest(p_g, p_r, None, None, "every prediction is right, or every one wrong")
    z = (p_g - p_r) / math.sqrt(variance)
    return BelowRest(p_g, p_r, z, NormalDist().cdf(z))


def auc_below_rest(group: BinaryRanking, rest: BinaryRanking) -> BelowRest:
    """DeLong test of the group's ROC AUC against the rest's, one-sided, independent samples.

    The two AUCs come from disjoint rows, so their DeLong variances add
    (DeLong et al. 1988; the unpaired case of pROC's ``roc.test``):
    z = (AUC_g - AUC_r) / sqrt(var_g + var_r).
    """
    parts_g, parts_r = delong_components(group), delong_components(rest)
    if parts_g is None or parts_r is None:
        return BelowRest(None, None, None, None,
                         "the group or the rest has fewer than two examples of a class")
    auc_g, s10_g, s01_g = parts_g
    auc_r, s10_r, s01_r = parts_r
    variance = (s10_g / group.positives + s01_g / group.negatives
                + s10_r / rest.positives + s01_r / rest.negatives)
    if variance == 0:
        return BelowRest(auc_g, auc_r, None, None, "both AUCs have zero variance")
    z = (auc_g - auc_r) / math.sqrt(variance)
    return BelowRest(auc_g, auc_r, z, NormalDist().cdf(z))


def holm_adjust(p_values: list[float | None]) -> list[float | None]:
    """Holm's step-down adjusted p-values; None entries are not tests and stay None.

    With the m defined p-values sorted ascending, p_(1) <= ... <= p_(m), the
    adjusted value is max over j <= i of min(1, (m - j + 1) p_(j)) (Holm 1979;
    ``statsmodels.stats.multitest.multipletests(method="holm")``). Rejecting
    where the adjusted value is below alpha is Holm's procedure at level alpha.

    Examples
    --------
    >>> holm_adjust([0.01, None, 0.04, 0.03])
    [0.03, None, 0.06, 0.06]
    """
    tested = [i for i, p in enumerate(p_values) if p is not None]
    m = len(tested)
    adjusted: list[float | None] = [None] * len(p_values)
    running = 0.0
    for rank, i in enumerate(sorted(tested, key=lambda i: (p_values[i], i))):
        p = p_values[i]
        assert p is not None
        running = max(running, min(1.0, (m - rank) * p))
        adjusted[i] = running
    return adjusted


SliceMetric = Literal["accuracy", "roc_auc"]
GroupKey = tuple[str, ...]
REPORTED = ("accuracy", "balanced_accuracy", "roc_auc", "pr_auc", "log_loss", "brier")
"""The metrics reported for each group, when the task defines them."""


@dataclass(frozen=True)
class SliceResult:
    """One group's metrics, their intervals and its test against the rest of the rows.

    ``p_value`` is Holm-adjusted over all tested groups and ``below_rest`` is
    ``p_value < alpha``; both stay None/False for a group smaller than the
    minimum size or whose test is undefined (``reason`` says which).
    """

    group: GroupKey
    n: int
    metrics: dict[str, float | None]
    intervals: dict[str, tuple[float, float] | None]
    test: BelowRest | None
    p_value: float | None
    below_rest: bool
    reason: str | None


def merge_groups(a: dict[GroupKey, EvaluationState], b: dict[GroupKey, EvaluationState]
                 ) -> dict[GroupKey, EvaluationState]:
    """Per-group states of two parts of the data, merged key by key (a new dict)."""
    out = dict(a)
    for key, value in b.items():
        out[key] = out[key].merge(value) if key in out else value
    return out


def _counting(settings: EvaluationSettings) -> EvaluationState:
    return EvaluationState.of(replace(settings, sums=replace(settings.sums, weighted=False)))


@dataclass(eq=False)
class WeightedGroup(EvaluationState):
    """A group's weighted state, and the unweighted state of its rows of non-zero weight.

    The group's metrics are weighted as the whole's; its tests against the rest
    count examples (:func:`counting`), which weighted sums cannot give back.
    """

    counts: EvaluationState = state(_counting, merged)

    def update(self, y: npt.NDArray[np.integer], proba: npt.NDArray[np.float64],
               weights: npt.NDArray[np.float64] | None = None, **where: Any) -> None:
        """Add examples to the weighted state, and those of weight > 0 to the counts."""
        if weights is None:
            raise ValueError("a weighted group needs the sample weights")
        super().update(y, proba, weights, **where)
        used = weights > 0  # as the weighted sums count examples
        self.counts.update(y[used], proba[used])


def counting(state: EvaluationState) -> EvaluationState:
    """The unweighted state a group's tests count: its own, or a weighted group's counts."""
    return state.counts if isinstance(state, WeightedGroup) else state


def update_groups(groups: dict[GroupKey, EvaluationState], template: EvaluationState,
                  keys: list[GroupKey], codes: IntArray, y: npt.NDArray[np.integer],
                  proba: npt.NDArray[np.float64], where: IntArray | None = None,
                  weights: npt.NDArray[np.float64] | None = None) -> None:
    """Add a batch to the states of its groups; ``codes[i]`` indexes ``keys``.

    ``where`` gives each example's position (its row), kept by the top errors;
    ``weights``: the sample weights, given exactly when ``template`` is weighted.
    """
    order = np.argsort(codes, kind="stable")
    bounds = np.flatnonzero(np.diff(codes[order])) + 1
    for part in np.split(order, bounds):
        if part.size == 0:
            continue
        key = keys[int(codes[part[0]])]
        if key not in groups:
            groups[key] = template.empty_like()
        groups[key].update(y[part], proba[part], None if weights is None else weights[part],
                           where=None if where is None else where[part])


def _rest_ranking(total: EvaluationState, key: GroupKey,
                  groups: dict[GroupKey, EvaluationState]) -> BinaryRanking:
    """The positive-class ranking of every example outside the group ``key``."""
    whole = total.scores
    if isinstance(whole, HistogramScores):
        part = groups[key].scores
        assert isinstance(part, HistogramScores)
        return ranking_from_counts_of(whole.histograms[0].minus(part.histograms[0]))
    rest = ExactScores(whole.settings)
    for other, value in groups.items():
        if other != key:
            rest = rest.merge(value.scores)  # type: ignore[arg-type]
    return _unweighted(rest.positive_ranking())


def _unweighted(ranking: BinaryRanking | WeightedRanking) -> BinaryRanking:
    """Slices are tested on counts: sample weights are refused before they get here."""
    if not isinstance(ranking, BinaryRanking):
        raise TypeError("per-group tests count examples; weighted rankings are not tested")
    return ranking


def ranking_from_counts_of(histogram: ScoreHistogram) -> BinaryRanking:
    """A histogram's ranking, one tie group per bin."""
    return ranking_from_counts(histogram.lower_edges(), histogram.positives,
                               histogram.negatives)


def compare_slices(groups: dict[GroupKey, EvaluationState], total: EvaluationState, *,
                   metric: SliceMetric = "accuracy", min_group: int = 30,
                   alpha: float = 0.05, leave_out: tuple[str, ...] = ()) -> list[SliceResult]:
    """Every group's metrics and whether its ``metric`` is significantly below the rest's.

    ``groups`` partition the examples of ``total``. Accuracy is tested with
    :func:`accuracy_below_rest`, ROC AUC (binary only) with :func:`auc_below_rest`;
    groups with fewer than ``min_group`` examples are not tested, and the
    p-values of the tested ones are adjusted together (:func:`holm_adjust`).
    Intervals: Wilson for accuracy, DeLong for the ROC AUC (95%). Weighted
    (:class:`WeightedGroup`): the metrics and intervals are the whole's, weighted
    and restricted to the group; the tests count its examples of non-zero weight.
    ``leave_out`` names metrics the predictions do not support (hard predictions
    have no log loss).
    """
    from clfdiag.core.evaluation import finish

    if total.settings.sums.weighted:
        # The tests count examples: the whole is the sum of the groups' counts.
        groups_counted = {key: counting(g) for key, g in groups.items()}
        parts = list(groups_counted.values())
        total = parts[0].empty_like() if parts else _counting(total.settings)
        for part in parts:
            total = total.merge(part)
    else:
        groups_counted = groups
    n_total = total.sums.n
    correct_total = int(np.trace(total.sums.confusion))
    out: list[tuple[GroupKey, int, dict[str, float | None],
                    dict[str, tuple[float, float] | None], BelowRest | None, str | None]] = []
    for key in sorted(groups):
        state = groups[key]
        ev = finish(state)
        metrics = {k: ev.metrics[k] for k in REPORTED if k in ev.metrics
                   and k not in leave_out}
        intervals = {"accuracy": ev.accuracy_ci}
        if "roc_auc" in metrics and ev.task == "binary":
            intervals["roc_auc"] = ev.roc_auc_ci
        n = ev.n
        counted = groups_counted[key]
        test: BelowRest | None = None
        reason: str | None = None
        if n < min_group:
            reason = f"fewer than {min_group} examples: not tested"
        elif metric == "accuracy":
            correct = int(np.trace(counted.sums.confusion))
            test = accuracy_below_rest(correct, n, correct_total - correct, n_total - n)
        else:
            test = auc_below_rest(_unweighted(counted.scores.positive_ranking()),
                                  _rest_ranking(total, key, groups_counted))
        if test is not None and test.p_value is None:
            reason = test.reason
        out.append((key, n, metrics, intervals, test, reason))
    adjusted = holm_adjust([None if t is None else t.p_value for *_, t, _ in out])
    return [SliceResult(key, n, metrics, intervals, test, p,
                        p is not None and p < alpha, reason)
            for (key, n, metrics, intervals, test, reason), p in zip(out, adjusted, strict=True)]
