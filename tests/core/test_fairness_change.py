"""The audit of two models on the same rows: each one's disparities and the change's intervals."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clfdiag.core.fairness import DISPARITIES, audit_change_in_memory
from tests.core.test_fairness import _frame, audited
from tests.fairlearn_oracle import TOL, fairlearn_disparities


def _as_values(codes):
    return [np.array([f"g{c}" for c in codes], dtype=object)]


def _expected(y, pred, codes, weights, method, agg):
    """Fairlearn's disparities, NaN for undefined; equalized odds from its defined parts.

    Fairlearn aggregates equalized odds with Python's max/min over a Series that may hold a
    NaN part (a rate 0 in every group has no ratio), which depends on the parts' order; the
    defined parts decide here, as in the tests of a single model.
    """
    expected = fairlearn_disparities(y, pred, codes, weights, method, agg)
    frame = _frame(y, pred, codes, weights)
    for kind, fn in (("difference", frame.difference), ("ratio", frame.ratio)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            parts = fn(method=method)[["tpr", "fpr"]].dropna()
        if len(parts):
            worst = parts.max() if kind == "difference" else parts.min()
            expected[f"equalized_odds_{kind}"] = worst if agg == "worst_case" else parts.mean()
    return expected


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize(("method", "agg"), [("between_groups", "worst_case"),
                                             ("to_overall", "mean")])
@settings(max_examples=6, deadline=None)
@given(data=st.data())
def test_each_model_equals_fairlearn_and_nothing_is_resampled_without_resamples(
        data, weighted, method, agg):
    y, pred_a, codes, _, weights = data.draw(audited(weighted=weighted))
    pred_b = np.array(data.draw(st.lists(st.booleans(), min_size=len(y), max_size=len(y))))
    (change,) = audit_change_in_memory(y, pred_a, pred_b, _as_values(codes), weights,
                                       reference=method, aggregation=agg, resamples=0)
    for model, pred in ((change.a, pred_a), (change.b, pred_b)):
        want = _expected(y.astype(int), pred.astype(int), codes, weights, method, agg)
        for name in DISPARITIES:
            ours = model.disparities[name].value
            if np.isnan(want[name]):
                assert ours is None, name
            else:
                assert ours == pytest.approx(want[name], abs=TOL), name
    assert change.intervals == dict.fromkeys(DISPARITIES)
    assert (change.resamples, change.seed) == (0, 0)


@settings(max_examples=10, deadline=None)
@given(data=st.data())
def test_the_same_model_twice_has_zero_change_in_every_replicate(data):
    y, pred, codes, _, weights = data.draw(audited(weighted=data.draw(st.booleans())))
    (change,) = audit_change_in_memory(y, pred, pred, _as_values(codes), weights,
                                       resamples=30, seed=1)
    # Every group keeps its rows in every replicate, so the selection rates are always defined.
    assert change.intervals["demographic_parity_difference"] == (0.0, 0.0)
    for name in DISPARITIES:
        assert change.intervals[name] in (None, (0.0, 0.0)), name


def test_one_entry_per_column_then_the_crossing_with_the_same_groups():
    rng = np.random.default_rng(2)
    n = 200
    sex = np.array(rng.choice(["F", "M"], n), dtype=object)
    band = np.array(rng.choice(["a", "b", "c"], n), dtype=object)
    y, pred = rng.random(n) < 0.5, rng.random(n) < 0.5
    changes = audit_change_in_memory(y, pred, ~pred, [sex, band], resamples=10, seed=4)
    assert [c.columns for c in changes] == [(0,), (1,), (0, 1)]
    assert changes[2].groups[0] == ("F", "a")
    assert all(c.resamples == 10 and c.seed == 4 for c in changes)
