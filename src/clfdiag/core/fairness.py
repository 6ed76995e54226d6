"""Group fairness of hard predictions: each group's rates and the disparities between them.

A model's decisions are summarised per group (the values of one or more columns,
or their crossing) by the rates of its confusion matrix, and the groups are
compared by how far apart those rates are:

- demographic parity: the selection rate, P(h(X) = 1 | A = a);
- equal opportunity: the true positive rate, P(h(X) = 1 | A = a, Y = 1)
  (Hardt, Price and Srebro, "Equality of Opportunity in Supervised Learning",
  NeurIPS 2016);
- equalized odds: the true positive and the false positive rates together
  (same paper), aggregated as the worse of the two or their mean.

The definitions are Fairlearn's (``fairlearn.metrics.MetricFrame`` and the
``*_difference``/``*_ratio`` functions, version 0.15): a *difference* between
groups is the largest minus the smallest group value, to the overall value the
largest absolute distance of a group value from the overall one; a *ratio*
between groups is the smallest over the largest group value, to the overall
value the smallest of min(m_g / m_o, m_o / m_g). Weights are Fairlearn's
``sample_weight``: every rate is a ratio of weight sums, while ``count`` stays
the number of rows.

One deliberate difference: a group without positive rows has no true positive
rate (0/0). Fairlearn, through scikit-learn's row-normalised confusion matrix,
calls it 0, which makes such a group look maximally disadvantaged; here it is
undefined, reported with its reason, and left out of the disparities that need
it (each disparity says which groups it could use).

The counts behind every rate are weight sums per group and cell, so states of
parts of the data merge by addition: streaming and distributed runs give the
same numbers as one pass.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

Reference = Literal["between_groups", "to_overall"]
Aggregation = Literal["worst_case", "mean"]

RATES = ("selection_rate", "tpr", "fpr", "fnr", "tnr", "precision", "accuracy")
"""The per-group rates, in the order they are reported."""

DISPARITIES = (
    "demographic_parity_difference",
    "demographic_parity_ratio",
    "equalized_odds_difference",
    "equalized_odds_ratio",
    "equal_opportunity_difference",
    "equal_opportunity_ratio",
)
"""The disparity metrics, with Fairlearn's names."""

# Cells of the confusion matrix, as a row's code: 2 * predicted + actual.
_TN, _FN, _FP, _TP = 0, 1, 2, 3


@dataclass(frozen=True)
class GroupCounts:
    """Weighted confusion-matrix counts of every group; merge by adding.

    ``cells[g]`` holds the weight sums of group ``g``'s true negatives, false
    negatives, false positives and true positives (in that order); ``rows[g]``
    its number of rows, whatever the weights.
    """

    cells: FloatArray
    rows: IntArray

    def merge(self, other: GroupCounts) -> GroupCounts:
        """The counts of both parts of the data (the same groups, in the same order)."""
        if self.cells.shape != other.cells.shape:
            raise ValueError("merged group counts must describe the same groups")
        return GroupCounts(self.cells + other.cells, self.rows + other.rows)

    def overall(self) -> GroupCounts:
        """All groups together, as one group."""
        return GroupCounts(self.cells.sum(axis=0, keepdims=True),
                           self.rows.sum(keepdims=True))


def cell_codes(actual: BoolArray, predicted: BoolArray) -> IntArray:
    """The confusion-matrix cell of every row: 0 TN, 1 FN, 2 FP, 3 TP."""
    return 2 * np.asarray(predicted, np.int64) + np.asarray(actual, np.int64)


def group_counts(actual: BoolArray, predicted: BoolArray, groups: IntArray, n_groups: int,
                 weights: FloatArray | None = None) -> GroupCounts:
    """Count every group's confusion matrix in one pass (``np.bincount``).

    ``groups`` holds each row's group index in ``0 .. n_groups - 1`` (see
    :func:`clfdiag.core.slices.group_codes`).

    Examples
    --------
    >>> counts = group_counts(np.array([1, 0, 1, 1], bool), np.array([1, 1, 0, 1], bool),
    ...                       np.array([0, 0, 1, 1]), 2)
    >>> counts.cells.tolist(), counts.rows.tolist()
    ([[0.0, 0.0, 1.0, 1.0], [0.0, 1.0, 0.0, 1.0]], [2, 2])
    """
    key = np.asarray(groups, np.int64) * 4 + cell_codes(actual, predicted)
    cells = np.bincount(key, weights=weights, minlength=4 * n_groups).astype(np.float64)
    rows = np.bincount(np.asarray(groups, np.int64), minlength=n_groups).astype(np.int64)
    return GroupCounts(cells.reshape(n_groups, 4), rows)


@dataclass(frozen=True)
class GroupRates:
    """One group's rates; a rate whose denominator is empty is None, with its reason."""

    count: int
    selection_rate: float | None
    tpr: float | None
    fpr: float | None
    fnr: float | None
    tnr: float | None
    precision: float | None
    accuracy: float | None
    undefined: dict[str, str] = field(default_factory=dict)

    def value(self, rate: str) -> float | None:
        """The rate named ``rate`` (one of :data:`RATES`)."""
        value: float | None = getattr(self, rate)
        return value


def _ratio(numerator: float, denominator: float) -> float | None:
    return None if denominator <= 0 else numerator / denominator


def group_rates(cells: FloatArray, rows: int) -> GroupRates:
    """The rates of one group from its four weighted cells (TN, FN, FP, TP).

    selection rate = (TP + FP) / total (Fairlearn's ``selection_rate``);
    TPR = TP / (TP + FN), FNR = FN / (TP + FN); FPR = FP / (FP + TN),
    TNR = TN / (FP + TN) (Fairlearn's ``true_positive_rate`` etc.); precision =
    TP / (TP + FP), and 0 when nothing is predicted positive (scikit-learn's
    ``precision_score`` with ``zero_division=0``); accuracy = (TP + TN) / total.

    Examples
    --------
    >>> r = group_rates(np.array([3.0, 1.0, 1.0, 5.0]), 10)
    >>> r.selection_rate, r.tpr, r.fpr, r.precision
    (0.6, 0.8333333333333334, 0.25, 0.8333333333333334)
    """
    tn, fn, fp, tp = (float(c) for c in cells)
    total = tn + fn + fp + tp
    positives, negatives = tp + fn, tn + fp
    undefined: dict[str, str] = {}
    if total <= 0:
        for rate in ("selection_rate", "accuracy"):
            undefined[rate] = "the group has no rows (or only rows of weight 0)"
    if positives <= 0:
        for rate in ("tpr", "fnr"):
            undefined[rate] = "the group has no positive rows"
    if negatives <= 0:
        for rate in ("fpr", "tnr"):
            undefined[rate] = "the group has no negative rows"
    precision = _ratio(tp, tp + fp)
    if precision is None and total > 0:
        precision = 0.0  # scikit-learn's zero_division=0: nothing predicted positive
    elif precision is None:
        undefined["precision"] = "the group has no rows (or only rows of weight 0)"
    return GroupRates(
        count=int(rows),
        selection_rate=_ratio(tp + fp, total),
        tpr=_ratio(tp, positives),
        fpr=_ratio(fp, negatives),
        fnr=_ratio(fn, positives),
        tnr=_ratio(tn, negatives),
        precision=precision,
        accuracy=_ratio(tp + tn, total),
        undefined=undefined,
    )


@dataclass(frozen=True)
class Disparity:
    """One disparity: its value (None when fewer than the groups it needs are defined)."""

    value: float | None
    groups_used: tuple[int, ...]
    reason: str | None = None


def rate_difference(values: list[float | None], overall: float | None,
                    reference: Reference) -> Disparity:
    """Fairlearn's ``MetricFrame.difference``: max - min, or max |m_g - m_overall|.

    Groups whose value is None are left out (``groups_used`` lists the others).

    Examples
    --------
    >>> rate_difference([0.2, None, 0.5], 0.4, "between_groups").value
    0.3
    >>> round(rate_difference([0.2, None, 0.5], 0.4, "to_overall").value, 12)
    0.2
    """
    used, defined, undefined = _defined_rates(values, overall, reference)
    if undefined is not None:
        return undefined
    if overall is not None and reference == "to_overall":
        return Disparity(max(abs(v - overall) for v in defined), used)
    return Disparity(max(defined) - min(defined), used)


def rate_ratio(values: list[float | None], overall: float | None,
               reference: Reference) -> Disparity:
    """Fairlearn's ``MetricFrame.ratio``: min / max, or min over g of min(m_g/m_o, m_o/m_g).

    Examples
    --------
    >>> rate_ratio([0.2, None, 0.5], 0.4, "between_groups").value
    0.4
    >>> rate_ratio([0.2, None, 0.5], 0.4, "to_overall").value
    0.5
    """
    used, defined, undefined = _defined_rates(values, overall, reference)
    if undefined is not None:
        return undefined
    if overall is not None and reference == "to_overall":
        if overall == 0:
            return Disparity(None, used, "the overall rate is 0, so no ratio to it is defined")
        ratios = [v / overall for v in defined]
        return Disparity(min(r if r <= 1 else 1 / r for r in ratios), used)
    if max(defined) == 0:
        return Disparity(None, used, "the rate is 0 in every group, so 0/0")
    return Disparity(min(defined) / max(defined), used)


def _defined_rates(values: list[float | None], overall: float | None, reference: Reference
                   ) -> tuple[tuple[int, ...], list[float], Disparity | None]:
    """The groups with a rate, their rates, and the undefined disparity when too few have one.

    To the overall value, the overall rate and one group's are needed; between
    groups, two groups' rates.
    """
    used = tuple(i for i, v in enumerate(values) if v is not None)
    defined = [v for v in values if v is not None]
    if reference == "to_overall":
        if overall is None or not defined:
            return used, defined, Disparity(None, used, "the rate is undefined overall or in "
                                            "every group")
    elif len(defined) < 2:
        return used, defined, Disparity(None, used, "fewer than two groups have this rate")
    return used, defined, None


def _aggregate(parts: list[Disparity], aggregation: Aggregation, worst: str) -> Disparity:
    """Equalized odds from its TPR and FPR parts: the worse one, or their mean.

    A part that is undefined (a rate that is 0 in every group has no ratio) is
    left out and the other one decides, as Fairlearn's aggregation does when the
    missing part is the FPR's; when both are undefined so is the aggregate.
    """
    defined = [p for p in parts if p.value is not None]
    used = tuple(sorted(set().union(*(p.groups_used for p in defined)))) if defined else ()
    if not defined:
        return Disparity(None, used, f"neither the TPR nor the FPR part: {parts[0].reason}")
    values = [p.value for p in defined if p.value is not None]
    reason = None if len(defined) == 2 else "one part is undefined: " + str(
        next(p.reason for p in parts if p.value is None))
    if aggregation == "mean":
        return Disparity(sum(values) / len(values), used, reason)
    return Disparity(max(values) if worst == "max" else min(values), used, reason)


@dataclass(frozen=True)
class Fairness:
    """Every group's rates, the overall rates and the six disparities."""

    reference: Reference
    aggregation: Aggregation
    groups: list[GroupRates]
    overall: GroupRates
    disparities: dict[str, Disparity]


def fairness(counts: GroupCounts, reference: Reference = "between_groups",
             aggregation: Aggregation = "worst_case") -> Fairness:
    """Per-group and overall rates, and the disparities of Fairlearn 0.15.

    ``demographic_parity_*`` compare selection rates, ``equal_opportunity_*``
    true positive rates, ``equalized_odds_*`` aggregate the TPR and FPR
    comparisons (``worst_case``: the larger difference, the smaller ratio;
    ``mean``: their mean). Groups with no rows are left out altogether.
    """
    kept = [g for g in range(counts.rows.shape[0]) if counts.rows[g] > 0]
    groups = [group_rates(counts.cells[g], int(counts.rows[g])) for g in kept]
    whole = counts.overall()
    overall = group_rates(whole.cells[0], int(whole.rows[0]))

    def compare(rate: str) -> tuple[Disparity, Disparity]:
        values = [g.value(rate) for g in groups]
        return (rate_difference(values, overall.value(rate), reference),
                rate_ratio(values, overall.value(rate), reference))

    dp_diff, dp_ratio = compare("selection_rate")
    tpr_diff, tpr_ratio = compare("tpr")
    fpr_diff, fpr_ratio = compare("fpr")
    disparities = {
        "demographic_parity_difference": dp_diff,
        "demographic_parity_ratio": dp_ratio,
        "equalized_odds_difference": _aggregate([tpr_diff, fpr_diff], aggregation, "max"),
        "equalized_odds_ratio": _aggregate([tpr_ratio, fpr_ratio], aggregation, "min"),
        "equal_opportunity_difference": tpr_diff,
        "equal_opportunity_ratio": tpr_ratio,
    }
    return Fairness(reference, aggregation, groups, overall, disparities)


def kept_groups(counts: GroupCounts) -> list[int]:
    """The indices of the groups that have rows, in the order :func:`fairness` lists them."""
    return [g for g in range(counts.rows.shape[0]) if counts.rows[g] > 0]


def exceeds(metric: str, value: float | None, limit: float) -> bool:
    """Whether a disparity breaks its limit: a difference above it, a ratio below it.

    An undefined disparity breaks nothing (the report says why it is undefined).

    Examples
    --------
    >>> exceeds("demographic_parity_ratio", 0.75, 0.8)
    True
    >>> exceeds("equalized_odds_difference", 0.05, 0.1)
    False
    """
    if value is None:
        return False
    return value < limit if metric.endswith("_ratio") else value > limit


def _resampled_cells(codes: IntArray, groups: IntArray, n_groups: int, n_cells: int,
                     weights: FloatArray | None, resamples: int,
                     rng: np.random.Generator) -> FloatArray:
    """Weighted cell sums of ``resamples`` group-stratified bootstrap samples.

    Each group's rows are drawn with replacement, as many as the group has, so
    every replicate keeps the group sizes. Unweighted, the cell counts of such a
    draw are multinomial with the group's cell shares, which is drawn directly;
    with weights the rows themselves are drawn.
    """
    out = np.zeros((resamples, n_groups, n_cells), np.float64)
    # Each group's rows in increasing order, from one stable sort (not a scan a group).
    order = np.argsort(groups, kind="stable")
    ends = np.cumsum(np.bincount(groups, minlength=n_groups))
    for g in range(n_groups):
        members = order[(ends[g - 1] if g else 0):ends[g]]
        if members.size == 0:
            continue
        if weights is None:
            shares = np.bincount(codes[members], minlength=n_cells) / members.size
            out[:, g, :] = rng.multinomial(members.size, shares, size=resamples)
        else:
            for b in range(resamples):  # one replicate at a time: memory stays O(rows)
                picked = members[rng.integers(0, members.size, size=members.size)]
                out[b, g, :] = np.bincount(codes[picked], weights=weights[picked],
                                           minlength=n_cells)
    return out


def _percentile_interval(values: list[float], confidence: float) -> tuple[float, float] | None:
    if len(values) < 2:
        return None
    tail = (1 - confidence) / 2 * 100
    lo, hi = np.percentile(np.asarray(values), [tail, 100 - tail])
    return float(lo), float(hi)


def _rate_arrays(cells: FloatArray) -> dict[str, FloatArray]:
    """Selection rate, TPR and FPR of every replicate and group (NaN where 0/0)."""
    tn, fn, fp, tp = (cells[..., i] for i in range(4))
    with np.errstate(invalid="ignore", divide="ignore"):
        return {"selection_rate": (tp + fp) / (tn + fn + fp + tp),
                "tpr": tp / (tp + fn), "fpr": fp / (fp + tn)}


def _disparity_arrays(cells: FloatArray, reference: Reference,
                      aggregation: Aggregation) -> dict[str, FloatArray]:
    """The six disparities of every replicate at once (NaN where undefined).

    ``cells`` has shape (replicates, groups, 4). The same definitions as
    :func:`fairness` (checked against it in the tests), without a Python loop
    over the replicates.
    """
    rates = _rate_arrays(cells)
    overall = _rate_arrays(cells.sum(axis=1))
    diffs: dict[str, FloatArray] = {}
    ratios: dict[str, FloatArray] = {}
    # An all-NaN slice (no group defines the rate) is an undefined value, not a warning.
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for name, values in rates.items():
            defined = np.sum(~np.isnan(values), axis=1)
            if reference == "to_overall":
                o = overall[name][:, None]
                diffs[name] = np.nanmax(np.abs(values - o), axis=1)
                r = values / o
                r = np.where(r > 1, 1 / r, r)
                ratios[name] = np.where(overall[name] == 0, np.nan, np.nanmin(r, axis=1))
            else:
                hi, lo = np.nanmax(values, axis=1), np.nanmin(values, axis=1)
                diffs[name] = np.where(defined >= 2, hi - lo, np.nan)
                ratios[name] = np.where((defined >= 2) & (hi > 0), lo / hi, np.nan)
        odds_d = np.stack([diffs["tpr"], diffs["fpr"]])
        odds_r = np.stack([ratios["tpr"], ratios["fpr"]])
        if aggregation == "mean":
            eo_d, eo_r = np.nanmean(odds_d, axis=0), np.nanmean(odds_r, axis=0)
        else:
            eo_d, eo_r = np.nanmax(odds_d, axis=0), np.nanmin(odds_r, axis=0)
    return {
        "demographic_parity_difference": diffs["selection_rate"],
        "demographic_parity_ratio": ratios["selection_rate"],
        "equalized_odds_difference": eo_d,
        "equalized_odds_ratio": eo_r,
        "equal_opportunity_difference": diffs["tpr"],
        "equal_opportunity_ratio": ratios["tpr"],
    }


def _percentile_intervals(samples: dict[str, FloatArray], confidence: float
                          ) -> dict[str, tuple[float, float] | None]:
    out: dict[str, tuple[float, float] | None] = {}
    for name in DISPARITIES:
        values = samples[name][~np.isnan(samples[name])]
        out[name] = _percentile_interval(values.tolist(), confidence)
    return out


def disparity_intervals(actual: BoolArray, predicted: BoolArray, groups: IntArray,
                        n_groups: int, weights: FloatArray | None = None, *,
                        reference: Reference = "between_groups",
                        aggregation: Aggregation = "worst_case", resamples: int = 1000,
                        seed: int | None = None, confidence: float = 0.95,
                        ) -> dict[str, tuple[float, float] | None]:
    """Percentile bootstrap intervals of the six disparities, resampling within groups.

    The scheme (group-stratified bootstrap): every replicate draws each group's
    rows with replacement, keeping the group sizes, and recomputes every
    disparity; the interval is the ``(1 - confidence) / 2`` and ``(1 + confidence)
    / 2`` percentiles of the replicates in which the disparity is defined (None
    when fewer than two are). Reproducible from ``seed``.
    """
    rng = np.random.default_rng(seed)
    codes = cell_codes(actual, predicted)
    cells = _resampled_cells(codes, np.asarray(groups, np.int64), n_groups, 4, weights,
                             resamples, rng)
    kept = np.bincount(np.asarray(groups, np.int64), minlength=n_groups) > 0
    return _percentile_intervals(_disparity_arrays(cells[:, kept, :], reference, aggregation),
                                 confidence)


def disparity_change_intervals(actual: BoolArray, predicted_a: BoolArray, predicted_b: BoolArray,
                               groups: IntArray, n_groups: int,
                               weights: FloatArray | None = None, *,
                               reference: Reference = "between_groups",
                               aggregation: Aggregation = "worst_case", resamples: int = 1000,
                               seed: int | None = None, confidence: float = 0.95,
                               ) -> dict[str, tuple[float, float] | None]:
    """Paired bootstrap intervals of each disparity's change, B minus A.

    The same rows are drawn for both models (group-stratified, as
    :func:`disparity_intervals`), so the interval reflects the change on the same
    examples. Each row's pair of cells is one of 16 joint cells, whose counts are
    resampled together.
    """
    rng = np.random.default_rng(seed)
    codes = 4 * cell_codes(actual, predicted_a) + cell_codes(actual, predicted_b)
    rows = np.bincount(np.asarray(groups, np.int64), minlength=n_groups).astype(np.int64)
    joint = _resampled_cells(codes, np.asarray(groups, np.int64), n_groups, 16, weights,
                             resamples, rng).reshape(resamples, n_groups, 4, 4)
    kept = rows > 0
    a = _disparity_arrays(joint.sum(axis=3)[:, kept, :], reference, aggregation)
    b = _disparity_arrays(joint.sum(axis=2)[:, kept, :], reference, aggregation)
    return _percentile_intervals({name: b[name] - a[name] for name in DISPARITIES}, confidence)


GroupKey = tuple[str, ...]


def fairness_entries(by: tuple[str, ...]) -> tuple[tuple[int, ...], ...]:
    """The column subsets audited for ``--by`` columns: each one alone, then their crossing.

    Examples
    --------
    >>> fairness_entries(("sex",)), fairness_entries(("sex", "age"))
    (((0,),), ((0,), (1,), (0, 1)))
    """
    singles = tuple((i,) for i in range(len(by)))
    return singles if len(by) < 2 else (*singles, tuple(range(len(by))))


@dataclass
class FairnessCounts:
    """Per-group confusion counts of every audited column subset, mergeable across parts.

    ``counts[e]`` maps the values of entry ``e``'s columns (a group) to its four
    weighted cells and its row count; parts of the data merge by adding the
    counts of equal groups, so streaming and distributed runs are exact.
    """

    entries: tuple[tuple[int, ...], ...]
    counts: list[dict[GroupKey, FloatArray]]

    @classmethod
    def empty(cls, n_columns: int) -> FairnessCounts:
        """No rows yet, for ``n_columns`` ``--by`` columns."""
        entries = fairness_entries(tuple(str(i) for i in range(n_columns)))
        return cls(entries, [{} for _ in entries])

    def update(self, actual: BoolArray, predicted: BoolArray,
               values: list[npt.NDArray[np.object_]],
               weights: FloatArray | None = None) -> None:
        """Add rows: their labels, decisions and values of the ``--by`` columns."""
        from clfdiag.core.slices import group_codes

        for entry, table in zip(self.entries, self.counts, strict=True):
            codes, keys = group_codes([values[i] for i in entry])
            counts = group_counts(actual, predicted, codes, len(keys), weights)
            for g, key in enumerate(keys):
                if counts.rows[g] == 0:
                    continue
                row = np.append(counts.cells[g], float(counts.rows[g]))
                table[key] = table[key] + row if key in table else row

    def merge(self, other: FairnessCounts) -> FairnessCounts:
        """The counts of both parts (a new value)."""
        merged: list[dict[GroupKey, FloatArray]] = []
        for mine, theirs in zip(self.counts, other.counts, strict=True):
            table = dict(mine)
            for key, row in theirs.items():
                table[key] = table[key] + row if key in table else row
            merged.append(table)
        return FairnessCounts(self.entries, merged)

    def group_counts(self, e: int) -> tuple[list[GroupKey], GroupCounts]:
        """Entry ``e``'s groups in sorted order of their values, and their counts."""
        keys = sorted(self.counts[e])
        if not keys:
            return [], GroupCounts(np.zeros((0, 4)), np.zeros(0, np.int64))
        rows = np.array([self.counts[e][k] for k in keys])
        return keys, GroupCounts(rows[:, :4], rows[:, 4].astype(np.int64))


@dataclass(frozen=True)
class FairnessAudit:
    """The audit of one column subset: its groups' names, rates, disparities and intervals.

    ``columns`` indexes the ``--by`` columns; ``groups`` holds the values of
    every group with rows, in the order of ``result.groups``; ``intervals`` is
    None when no bootstrap ran.
    """

    columns: tuple[int, ...]
    groups: list[GroupKey]
    result: Fairness
    intervals: dict[str, tuple[float, float] | None] | None = None


def audit(counts: FairnessCounts, reference: Reference = "between_groups",
          aggregation: Aggregation = "worst_case") -> list[FairnessAudit]:
    """Every entry's rates and disparities from merged counts (no intervals)."""
    out = []
    for e, columns in enumerate(counts.entries):
        keys, group_table = counts.group_counts(e)
        out.append(FairnessAudit(columns, keys, fairness(group_table, reference, aggregation)))
    return out


def _coded_entries(values: list[npt.NDArray[np.object_]], resamples: int,
                   check_groups: Callable[[int], None] | None
                   ) -> list[tuple[tuple[int, ...], IntArray, list[GroupKey]]]:
    """Each entry of :func:`fairness_entries` with its rows' group codes and its groups.

    ``check_groups``: called once with the most groups of an entry (the crossing's)
    before any resampling, when ``resamples`` > 0, so that a caller can refuse a
    bootstrap too large to hold before any of it is drawn.
    """
    from clfdiag.core.slices import group_codes

    entries = [(columns, *group_codes([values[i] for i in columns]))
               for columns in fairness_entries(tuple(str(i) for i in range(len(values))))]
    if resamples > 0 and check_groups is not None:
        check_groups(max(len(keys) for _, _, keys in entries))
    return entries


def audit_in_memory(actual: BoolArray, predicted: BoolArray,
                    values: list[npt.NDArray[np.object_]], weights: FloatArray | None = None,
                    *, reference: Reference = "between_groups",
                    aggregation: Aggregation = "worst_case", resamples: int = 0,
                    seed: int | None = None,
                    check_groups: Callable[[int], None] | None = None) -> list[FairnessAudit]:
    """:func:`audit` of rows held in memory, with bootstrap intervals when ``resamples``.

    ``check_groups``: see :func:`_coded_entries`.
    """
    out = []
    for columns, codes, keys in _coded_entries(values, resamples, check_groups):
        counts = group_counts(actual, predicted, codes, len(keys), weights)
        intervals = None if resamples <= 0 else disparity_intervals(
            actual, predicted, codes, len(keys), weights, reference=reference,
            aggregation=aggregation, resamples=resamples, seed=seed)
        out.append(FairnessAudit(columns, keys, fairness(counts, reference, aggregation),
                                 intervals))
    return out


@dataclass(frozen=True)
class FairnessChange:
    """One column subset audited under model A and model B on the same rows.

    ``a`` and ``b`` are each model's :class:`Fairness`; ``intervals`` the paired
    bootstrap intervals of every disparity's change B minus A (each None when
    ``resamples`` is 0 or the change is defined in fewer than two replicates),
    drawn with ``seed``.
    """

    columns: tuple[int, ...]
    groups: list[GroupKey]
    a: Fairness
    b: Fairness
    intervals: dict[str, tuple[float, float] | None]
    resamples: int
    seed: int


def audit_change_in_memory(actual: BoolArray, predicted_a: BoolArray, predicted_b: BoolArray,
                           values: list[npt.NDArray[np.object_]],
                           weights: FloatArray | None = None, *,
                           reference: Reference = "between_groups",
                           aggregation: Aggregation = "worst_case", resamples: int = 1000,
                           seed: int = 0, check_groups: Callable[[int], None] | None = None,
                           ) -> list[FairnessChange]:
    """The disparities of two models' decisions on the same rows, and their change.

    One entry per column of ``values``, then their crossing (as
    :func:`audit_in_memory`); each model is audited by :func:`fairness`, and the
    change B minus A gets the intervals of :func:`disparity_change_intervals`.
    ``check_groups``: see :func:`_coded_entries`.
    """
    out = []
    for columns, codes, keys in _coded_entries(values, resamples, check_groups):
        audited = [fairness(group_counts(actual, predicted, codes, len(keys), weights),
                            reference, aggregation) for predicted in (predicted_a, predicted_b)]
        intervals: dict[str, tuple[float, float] | None] = dict.fromkeys(DISPARITIES)
        if resamples > 0:
            intervals = disparity_change_intervals(
                actual, predicted_a, predicted_b, codes, len(keys), weights,
                reference=reference, aggregation=aggregation, resamples=resamples, seed=seed)
        out.append(FairnessChange(columns, keys, audited[0], audited[1], intervals, resamples,
                                  seed))
    return out
