import numpy as np
import pytest
from hypothesis import assume, given
from sklearn import metrics as skm

from clfdiag.core.ranking import (
    average_precision,
    delong_components,
    precision_recall_curve,
    rank_binary,
    rank_in_order,
    roc_auc,
    roc_curve,
)
from tests.core.test_ordering import near_ties
from tests.strategies import binary_problems, both_classes, scored_both_classes, scored_problems


def test_published_toy_values():
    # scikit-learn's documented example: roc_auc_score(...) == 0.75, AP == 0.8333...
    r = rank_binary(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8]))
    assert roc_auc(r) == 0.75
    assert average_precision(r) == pytest.approx(0.83333333333, abs=1e-10)


@given(both_classes())
def test_roc_auc_matches_sklearn(problem):
    y, p = problem
    assert roc_auc(rank_binary(y, p)) == pytest.approx(skm.roc_auc_score(y, p), abs=1e-12)


@given(binary_problems())
def test_average_precision_matches_sklearn(problem):
    y, p = problem
    r = rank_binary(y, p)
    if y.sum() == 0:
        assert average_precision(r) is None
    else:
        assert average_precision(r) == pytest.approx(
            skm.average_precision_score(y, p), abs=1e-12)


@given(both_classes())
def test_curves_match_sklearn(problem):
    y, p = problem
    r = rank_binary(y, p)
    fpr, tpr, thr = skm.roc_curve(y, p, drop_intermediate=False)
    roc = roc_curve(r)
    np.testing.assert_allclose(roc.x, fpr, atol=1e-15)
    np.testing.assert_allclose(roc.y, tpr, atol=1e-15)
    np.testing.assert_array_equal(roc.thresholds, thr)
    precision, recall, thr = skm.precision_recall_curve(y, p)
    pr = precision_recall_curve(r)
    np.testing.assert_allclose(pr.y, precision, atol=1e-15)
    np.testing.assert_allclose(pr.x, recall, atol=1e-15)
    np.testing.assert_array_equal(pr.thresholds, thr)


@given(both_classes())
def test_auc_of_complement_is_one_minus_auc(problem):
    y, p = problem
    assume(len(np.unique(1.0 - p)) == len(np.unique(p)))  # 1 - 1e-300 == 1 merges scores
    assert roc_auc(rank_binary(y, 1.0 - p)) == pytest.approx(
        1.0 - roc_auc(rank_binary(y, p)), abs=1e-12)


@given(both_classes())
def test_auc_invariant_under_monotone_transform(problem):
    y, p = problem
    q = np.unique(p)  # map each distinct score to its rank / count: strictly increasing
    transformed = np.searchsorted(q, p) / len(q)
    assert roc_auc(rank_binary(y, transformed)) == roc_auc(rank_binary(y, p))
    assert average_precision(rank_binary(y, transformed)) == average_precision(rank_binary(y, p))


def test_negative_zero_ranks_as_zero():
    y = np.array([0, 1, 0, 1])
    p = np.array([-0.0, 0.0, 0.0, 0.5])
    assert roc_auc(rank_binary(y, p)) == skm.roc_auc_score(y, np.abs(p))


def test_all_scores_equal_give_chance():
    y = np.array([0, 1, 1, 0, 1])
    r = rank_binary(y, np.full(5, 0.3))
    assert roc_auc(r) == 0.5
    assert len(r.thresholds) == 1
    assert average_precision(r) == pytest.approx(0.6)


def test_one_class_is_undefined():
    r = rank_binary(np.ones(4, dtype=np.int64), np.array([0.1, 0.2, 0.3, 0.4]))
    assert roc_auc(r) is None
    assert delong_components(r) is None
    assert average_precision(r) == 1.0
    r = rank_binary(np.zeros(4, dtype=np.int64), np.array([0.1, 0.2, 0.3, 0.4]))
    assert average_precision(r) is None


def naive_delong(y, p):
    """DeLong et al. (1988) straight from the definitions: O(m n) placement values."""
    pos, neg = p[y == 1], p[y == 0]
    psi = (pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])
    v10, v01 = psi.mean(axis=1), psi.mean(axis=0)
    return psi.mean(), v10.var(ddof=1), v01.var(ddof=1)


@given(both_classes(min_size=4))
def test_delong_components_match_definition(problem):
    y, p = problem
    if min(y.sum(), len(y) - y.sum()) < 2:
        y[:2], y[-2:] = 1, 0
    auc, s10, s01 = delong_components(rank_binary(y, p))
    ref = naive_delong(y, p)
    assert auc == pytest.approx(ref[0], abs=1e-12)
    assert s10 == pytest.approx(ref[1], abs=1e-12)
    assert s01 == pytest.approx(ref[2], abs=1e-12)


@given(scored_both_classes())
def test_real_scores_match_sklearn(problem):
    y, s = problem
    r = rank_binary(y, s)
    assert roc_auc(r) == pytest.approx(skm.roc_auc_score(y, s), abs=1e-12)
    assert average_precision(r) == pytest.approx(skm.average_precision_score(y, s), abs=1e-12)
    fpr, tpr, thr = skm.roc_curve(y, s, drop_intermediate=False)
    roc = roc_curve(r)
    np.testing.assert_allclose(roc.x, fpr, atol=1e-15)
    np.testing.assert_allclose(roc.y, tpr, atol=1e-15)
    np.testing.assert_array_equal(roc.thresholds, thr)


@given(scored_problems())
def test_ranking_counts_match_brute_force(problem):
    y, s = problem
    r = rank_binary(y, s)
    np.testing.assert_array_equal(r.thresholds, np.unique(s)[::-1])
    for t, tp, fp in zip(r.thresholds, r.tps, r.fps, strict=True):
        chosen = s >= t
        assert (tp, fp) == (int((chosen & (y == 1)).sum()), int((chosen & (y == 0)).sum()))
    assert (r.positives, r.negatives) == (int(y.sum()), int((1 - y).sum()))


def test_opposite_scores_are_distinct_groups():
    # -x and x share their magnitude bits; only the sign tells them apart.
    y = np.array([1, 0, 1, 0])
    s = np.array([-1.0, 1.0, -0.0, 0.0])
    r = rank_binary(y, s)
    assert r.thresholds.tolist() == [1.0, 0.0, -1.0]
    assert r.tps.tolist() == [0, 1, 2]
    assert r.fps.tolist() == [1, 2, 2]


def test_auc_invariant_under_shift_to_negative():
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 500)
    p = np.round(rng.random(500), 2)
    assert roc_auc(rank_binary(y, p - 0.5)) == roc_auc(rank_binary(y, p))
    assert roc_auc(rank_binary(y, -p)) == pytest.approx(1 - roc_auc(rank_binary(y, p)), abs=1e-15)


@given(scored_problems() | near_ties().map(lambda s: ((np.arange(s.size) % 3 == 0), s)))
def test_ranking_read_in_order_is_the_sorted_ranking(problem):
    # Two gathers in the order instead of a sort: the same groups, counts and thresholds,
    # -0.0 beside 0.0 and the infinities included.
    y, s = problem
    y = np.asarray(y, dtype=np.int64)
    expected = rank_binary(y, s)
    r = rank_in_order(y, s, np.argsort(s, kind="stable"))
    np.testing.assert_array_equal(r.thresholds, expected.thresholds)
    assert not np.signbit(r.thresholds[r.thresholds == 0]).any()
    np.testing.assert_array_equal(r.tps, expected.tps)
    np.testing.assert_array_equal(r.fps, expected.fps)
    assert (r.positives, r.negatives) == (expected.positives, expected.negatives)
