import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from clfdiag.core.ordering import BLOCK, ascending_order, ascending_orders


@st.composite
def near_ties(draw):
    """Scores a few ulps apart around a few values: runs that tie on their leading bits."""
    n = draw(st.integers(0, 200))
    pool = draw(st.lists(st.floats(-1e3, 1e3) | st.sampled_from([0.0, -0.0, 1.0, np.inf,
                                                                   -np.inf]),
                         min_size=1, max_size=4))
    base = np.array(draw(st.lists(st.sampled_from(pool), min_size=n, max_size=n)),
                    dtype=np.float64)
    # Spread over 2^6 ulps most scores tie on their leading bits, over 2^20 a few do;
    # a spread of 0 keeps the pool's values, so that many scores are exactly equal.
    spread = draw(st.sampled_from([0, 1 << 6, 1 << 12, 1 << 20]))
    ulps = draw(hnp.arrays(np.int64, n, elements=st.integers(0, spread)))
    finite = np.isfinite(base)
    base[finite] += ulps[finite] * np.spacing(base[finite])
    return base


def stable_argsort(scores):
    return np.argsort(scores, kind="stable")


@given(near_ties())
def test_ascending_order_is_the_stable_argsort(scores):
    # An order of integers: equal as arrays, ties (-0.0 beside 0.0 included) in row order.
    assert np.array_equal(ascending_order(scores), stable_argsort(scores))


@given(near_ties())
def test_ascending_order_in_a_given_buffer(scores):
    work = np.empty(scores.size, dtype=np.uint64)
    order = ascending_order(scores, work)
    assert scores.size == 0 or np.shares_memory(order, work)
    assert np.array_equal(order, stable_argsort(scores))


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_ascending_order_reorders_runs_that_tie_on_leading_bits(sign):
    # 200 scores within 2^20 ulps of 0.5: a few pairs share all but their last 8 bits.
    ulps = np.random.default_rng(2).integers(0, 1 << 20, 200)
    scores = sign * (0.5 + ulps * np.spacing(0.5))
    scores = np.append(scores, [0.0, 1.0, -0.0])  # non-negative scores beside the negatives
    assert np.array_equal(ascending_order(scores), stable_argsort(scores))


@pytest.mark.parametrize("values", [[0.0, -0.0], [-0.0, 0.0, -1.0], [-0.0, 0.0, 1.0]])
def test_negative_zero_ties_with_zero(values):
    scores = np.array(values * 3)
    assert np.array_equal(ascending_order(scores), stable_argsort(scores))


def test_exactly_tied_scores_keep_their_row_order():
    # Three distinct values among 1000 rows: every row ties on its leading bits with
    # others, but the runs are already in order, and stay in row order.
    scores = np.random.default_rng(3).choice([-0.25, 0.0, 0.75], size=1000)
    assert np.array_equal(ascending_order(scores), stable_argsort(scores))


def test_one_run_of_every_row_out_of_order():
    # Within 2^6 ulps of 0.3, 1000 scores tie on their 54 leading bits: one run, out
    # of order, re-sorted as a whole.
    ulps = np.random.default_rng(4).integers(0, 1 << 6, 1000)
    scores = 0.3 + ulps * np.spacing(0.3)
    assert np.array_equal(ascending_order(scores), stable_argsort(scores))


def test_ascending_order_at_scale():
    scores = np.random.default_rng(5).uniform(size=200_000)
    scores[::7] = -scores[::7]
    scores[::11] = np.round(scores[::11], 3)  # some exact ties
    assert np.array_equal(ascending_order(scores), stable_argsort(scores))


@pytest.mark.parametrize("n", [0, 1, 2])
def test_tiny_inputs(n):
    scores = np.array([0.5, 0.5][:n])
    assert np.array_equal(ascending_order(scores), np.arange(n))


def test_ascending_orders_side_by_side():
    # Large enough for the two threads; each order is its array's stable argsort.
    rng = np.random.default_rng(5)
    a = rng.random(BLOCK + 7)
    b = np.round(rng.normal(size=BLOCK + 7), 3)  # ties and negative scores
    orders = ascending_orders(a, b)
    assert np.array_equal(orders[0], stable_argsort(a))
    assert np.array_equal(orders[1], stable_argsort(b))
    assert [o.tolist() for o in ascending_orders(a[:5], b[:5])] == [
        stable_argsort(a[:5]).tolist(), stable_argsort(b[:5]).tolist()]
