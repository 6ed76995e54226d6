"""Group rates and disparities against Fairlearn's MetricFrame and *_difference/*_ratio."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clfdiag.core.fairness import (
    DISPARITIES,
    GroupCounts,
    disparity_change_intervals,
    disparity_intervals,
    exceeds,
    fairness,
    group_counts,
)
from tests.fairlearn_oracle import TOL, fairlearn_disparities, fairlearn_metrics


def _frame(y, pred, groups, weights):
    fm = fairlearn_metrics
    from sklearn.metrics import accuracy_score, precision_score

    metrics = {
        "selection_rate": fm.selection_rate,
        "tpr": fm.true_positive_rate,
        "fpr": fm.false_positive_rate,
        "fnr": fm.false_negative_rate,
        "tnr": fm.true_negative_rate,
        "precision": lambda t, p, sample_weight=None: precision_score(
            t, p, zero_division=0, sample_weight=sample_weight),
        "accuracy": accuracy_score,
    }
    params = {name: {"sample_weight": weights} for name in metrics}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fm.MetricFrame(metrics=metrics, y_true=y, y_pred=pred, sensitive_features=groups,
                              sample_params=params)


@st.composite
def audited(draw, weighted=False):
    """Labels, decisions and 2-4 groups, each group holding both classes (Fairlearn defines
    every rate there; a group without positives is where the two deliberately differ)."""
    n_groups = draw(st.integers(2, 4))
    ys, preds, groups = [], [], []
    for g in range(n_groups):
        size = draw(st.integers(2, 12))
        y = draw(st.lists(st.booleans(), min_size=size, max_size=size))
        y[0], y[1] = True, False
        p = draw(st.lists(st.booleans(), min_size=size, max_size=size))
        ys += y
        preds += p
        groups += [g] * size
    y, pred, codes = np.array(ys), np.array(preds), np.array(groups)
    weights = None
    if weighted:
        weights = np.array(draw(st.lists(st.floats(0.1, 5.0), min_size=len(y),
                                         max_size=len(y))))
    return y, pred, codes, n_groups, weights


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("method", ["between_groups", "to_overall"])
@pytest.mark.parametrize("agg", ["worst_case", "mean"])
@settings(max_examples=12, deadline=None)
@given(data=st.data())
def test_disparities_equalfairlearn_disparities(data, weighted, method, agg):
    y, pred, codes, n_groups, weights = data.draw(audited(weighted=weighted))
    result = fairness(group_counts(y, pred, codes, n_groups, weights), method, agg)
    expected = fairlearn_disparities(y.astype(int), pred.astype(int), codes, weights, method, agg)
    # Fairlearn aggregates equalized odds with Python's max/min over a Series that may hold a
    # NaN part, which depends on the order of the parts; the defined parts decide here.
    frame = _frame(y.astype(int), pred.astype(int), codes, weights)
    for kind, fn in (("difference", frame.difference), ("ratio", frame.ratio)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            parts = fn(method=method)[["tpr", "fpr"]].dropna()
        if len(parts):
            worst = parts.max() if kind == "difference" else parts.min()
            expected[f"equalized_odds_{kind}"] = worst if agg == "worst_case" else parts.mean()
    for name in DISPARITIES:
        ours = result.disparities[name].value
        if np.isnan(expected[name]):
            assert ours is None, name
        else:
            assert ours == pytest.approx(expected[name], abs=TOL), name


@pytest.mark.parametrize("weighted", [False, True])
@settings(max_examples=12, deadline=None)
@given(data=st.data())
def test_group_rates_equal_metric_frame(data, weighted):
    y, pred, codes, n_groups, weights = data.draw(audited(weighted=weighted))
    result = fairness(group_counts(y, pred, codes, n_groups, weights))
    frame = _frame(y.astype(int), pred.astype(int), codes, weights)
    for g, rates in enumerate(result.groups):
        assert rates.count == int((codes == g).sum())
        for name in frame.by_group.columns:
            assert rates.value(name) == pytest.approx(frame.by_group.loc[g, name], abs=TOL)
    for name in frame.overall.index:
        assert result.overall.value(name) == pytest.approx(frame.overall[name], abs=TOL)


def test_intersectional_groups_equal_fairlearn_with_two_features():
    rng = np.random.default_rng(3)
    n = 400
    sex = rng.choice(["F", "M"], n)
    band = rng.choice(["<30", "30-50", ">50"], n)
    y = rng.random(n) < 0.4
    pred = rng.random(n) < np.where(sex == "F", 0.3, 0.5)
    from clfdiag.core.slices import group_codes

    codes, names = group_codes([sex.astype(object), band.astype(object)])
    counts = group_counts(y, pred, codes, len(names))
    ours = fairness(counts).disparities
    import pandas as pd

    features = pd.DataFrame({"sex": sex, "band": band})
    expected = fairlearn_disparities(y.astype(int), pred.astype(int), features)
    for name in DISPARITIES:
        assert ours[name].value == pytest.approx(expected[name], abs=TOL)


def test_weight_two_is_the_row_twice():
    y = np.array([1, 0, 1, 0, 1, 1], bool)
    pred = np.array([1, 1, 0, 0, 1, 0], bool)
    groups = np.array([0, 0, 0, 1, 1, 1])
    weighted = fairness(group_counts(y, pred, groups, 2, np.array([2.0, 1, 1, 1, 1, 1])))
    twice = fairness(group_counts(np.r_[y[:1], y], np.r_[pred[:1], pred],
                                  np.r_[groups[:1], groups], 2))
    for name in DISPARITIES:
        assert weighted.disparities[name].value == pytest.approx(twice.disparities[name].value)
    # count stays the number of rows
    assert weighted.groups[0].count == 3
    assert twice.groups[0].count == 4


def test_group_without_positives_has_no_tpr_and_is_left_out():
    y = np.array([1, 0, 1, 0, 0, 0], bool)
    pred = np.array([1, 0, 0, 1, 1, 0], bool)
    groups = np.array([0, 0, 0, 1, 1, 1])
    result = fairness(group_counts(y, pred, groups, 2))
    assert result.groups[1].tpr is None
    assert "positive" in result.groups[1].undefined["tpr"]
    eo = result.disparities["equal_opportunity_difference"]
    assert eo.value is None
    assert eo.groups_used == (0,)
    # demographic parity still uses both groups
    dp = result.disparities["demographic_parity_difference"]
    assert dp.value == pytest.approx(abs(1 / 3 - 2 / 3))
    assert dp.groups_used == (0, 1)
    # Fairlearn calls the missing TPR 0 (scikit-learn's normalised confusion matrix): pinned
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fl = fairlearn_metrics.equal_opportunity_difference(
            y.astype(int), pred.astype(int), sensitive_features=groups)
    assert fl == pytest.approx(0.5)


def test_groups_without_rows_are_left_out_and_counts_merge():
    y = np.array([1, 0, 1, 1], bool)
    pred = np.array([1, 1, 0, 1], bool)
    groups = np.array([0, 0, 2, 2])
    whole = group_counts(y, pred, groups, 3)
    assert [g.count for g in fairness(whole).groups] == [2, 2]
    parts = group_counts(y[:1], pred[:1], groups[:1], 3).merge(
        group_counts(y[1:], pred[1:], groups[1:], 3))
    np.testing.assert_array_equal(parts.cells, whole.cells)
    np.testing.assert_array_equal(parts.rows, whole.rows)
    with pytest.raises(ValueError, match="same groups"):
        whole.merge(group_counts(y, pred, groups, 4))


def test_ratio_of_rates_all_zero_is_undefined():
    y = np.array([1, 0, 1, 0], bool)
    pred = np.zeros(4, bool)
    result = fairness(group_counts(y, pred, np.array([0, 0, 1, 1]), 2))
    assert result.disparities["demographic_parity_ratio"].value is None
    assert result.disparities["demographic_parity_difference"].value == 0.0
    overall = fairness(group_counts(y, pred, np.array([0, 0, 1, 1]), 2), "to_overall")
    assert overall.disparities["demographic_parity_ratio"].value is None


def test_gate_direction():
    assert exceeds("demographic_parity_ratio", 0.79, 0.8)
    assert not exceeds("demographic_parity_ratio", 0.81, 0.8)
    assert exceeds("equalized_odds_difference", 0.11, 0.1)
    assert not exceeds("equalized_odds_difference", None, 0.1)


def test_bootstrap_intervals_cover_the_estimate_and_are_reproducible():
    rng = np.random.default_rng(0)
    n = 600
    groups = rng.integers(0, 3, n)
    y = rng.random(n) < 0.5
    pred = rng.random(n) < 0.3 + 0.1 * groups
    point = fairness(group_counts(y, pred, groups, 3)).disparities
    first = disparity_intervals(y, pred, groups, 3, resamples=300, seed=1)
    again = disparity_intervals(y, pred, groups, 3, resamples=300, seed=1)
    assert first == again
    for name in DISPARITIES:
        lo, hi = first[name]
        assert lo <= hi
        # a percentile interval of 300 replicates of a smooth statistic holds its estimate
        assert lo - 0.05 <= point[name].value <= hi + 0.05
    weighted = disparity_intervals(y, pred, groups, 3, rng.random(n) + 0.5, resamples=50,
                                   seed=1)
    assert all(v is not None for v in weighted.values())


def test_paired_change_interval_is_zero_for_the_same_model():
    rng = np.random.default_rng(1)
    n = 300
    groups = rng.integers(0, 2, n)
    y = rng.random(n) < 0.5
    pred = rng.random(n) < 0.4
    same = disparity_change_intervals(y, pred, pred, groups, 2, resamples=100, seed=0)
    assert all(v == (0.0, 0.0) for v in same.values())
    other = pred.copy()
    other[groups == 1] = True  # B selects every row of group 1: a wider selection-rate gap
    change = disparity_change_intervals(y, pred, other, groups, 2, resamples=200, seed=0)
    lo, _hi = change["demographic_parity_difference"]
    assert lo > 0


def test_counts_of_empty_input():
    counts = group_counts(np.array([], bool), np.array([], bool), np.array([], np.int64), 1)
    result = fairness(counts)
    assert result.groups == []
    assert result.overall.selection_rate is None
    assert isinstance(counts, GroupCounts)


@pytest.mark.parametrize("method", ["between_groups", "to_overall"])
@pytest.mark.parametrize("agg", ["worst_case", "mean"])
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_vectorised_disparities_equal_the_scalar_definition(data, method, agg):
    from clfdiag.core.fairness import _disparity_arrays

    n_groups = data.draw(st.integers(1, 4))
    cells = np.array(data.draw(st.lists(
        st.lists(st.integers(0, 5), min_size=4, max_size=4), min_size=n_groups,
        max_size=n_groups)), float)
    cells[cells.sum(axis=1) == 0, 0] = 1  # every group has a row
    scalar = fairness(GroupCounts(cells, cells.sum(axis=1).astype(np.int64)), method, agg)
    vector = _disparity_arrays(cells[None], method, agg)
    for name in DISPARITIES:
        expected = scalar.disparities[name].value
        got = vector[name][0]
        if expected is None:
            assert np.isnan(got), name
        else:
            assert got == pytest.approx(expected, abs=1e-12), name


def test_audit_names_each_column_then_the_crossing():
    from clfdiag.core.fairness import audit_in_memory

    rng = np.random.default_rng(2)
    n = 200
    values = [rng.choice(["F", "M"], n).astype(object), rng.choice(["a", "b"], n).astype(object)]
    y = rng.random(n) < 0.5
    pred = rng.random(n) < 0.5
    audits = audit_in_memory(y, pred, values, resamples=50, seed=0)
    assert [a.columns for a in audits] == [(0,), (1,), (0, 1)]
    assert audits[2].groups == [("F", "a"), ("F", "b"), ("M", "a"), ("M", "b")]
    assert audits[0].intervals is not None
    # streaming in two parts gives the same counts and disparities
    from clfdiag.core.fairness import FairnessCounts, audit

    first, second = FairnessCounts.empty(2), FairnessCounts.empty(2)
    first.update(y[:70], pred[:70], [v[:70] for v in values])
    second.update(y[70:], pred[70:], [v[70:] for v in values])
    merged = audit(first.merge(second))
    for whole, parts in zip(audits, merged, strict=True):
        assert whole.groups == parts.groups
        for name in DISPARITIES:
            assert whole.result.disparities[name].value == parts.result.disparities[name].value
