"""The tie groups of a ranking against numpy's unique values and counts."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from clfdiag.core.evaluation_state import EvaluationSettings, EvaluationState
from clfdiag.core.ranking import rank_binary, rank_weighted, score_groups
from tests.strategies import binary_problems


def oracle(y, p, w=None):
    """Distinct scores ascending, examples (or weights) and positives at each, by brute force."""
    w = np.ones(len(p)) if w is None else w
    keep = w != 0
    y, p, w = y[keep], p[keep], w[keep]
    values, inverse = np.unique(p, return_inverse=True)
    return (values, np.bincount(inverse, weights=w, minlength=len(values)),
            np.bincount(inverse, weights=w * (y == 1), minlength=len(values)))


@settings(max_examples=200, deadline=None)
@given(binary_problems(max_size=300))
def test_groups_equal_unique_scores_and_counts(problem):
    y, p = problem
    groups = score_groups(rank_binary(y, p))
    values, counts, positives = oracle(y, p)
    assert np.array_equal(groups.scores, values)
    assert groups.counts.dtype == np.int64
    assert np.array_equal(groups.counts, counts)  # integer counts: exact
    assert np.array_equal(groups.positives, positives)


@settings(max_examples=100, deadline=None)
@given(binary_problems(max_size=200), st.data())
def test_weighted_groups_sum_the_weights(problem, data):
    y, p = problem
    w = np.asarray(data.draw(st.lists(st.sampled_from([0.0, 0.5, 1.0, 3.0]), min_size=len(y),
                                      max_size=len(y))))
    groups = score_groups(rank_weighted(y, p, w))
    values, counts, positives = oracle(y, p, w)
    assert np.array_equal(groups.scores, values)
    # Cumulative sums differenced back: a few ulps of the running total (weights <= 3, n <= 200).
    np.testing.assert_allclose(groups.counts, counts, rtol=0, atol=1e-12)
    np.testing.assert_allclose(groups.positives, positives, rtol=0, atol=1e-12)


def test_the_evaluation_state_serves_its_one_ranking():
    y = np.array([0, 1, 1, 0, 1, 1])
    p = np.array([0.2, 0.7, 0.2, 0.9, 0.7, 0.7])
    state = EvaluationState.of(EvaluationSettings.for_scores(p))
    state.update(y, p)
    ranking = state.scores.positive_ranking()
    assert state.scores.positive_ranking() is ranking  # sorted once, then kept
    groups = score_groups(ranking)
    assert groups.scores.tolist() == [0.2, 0.7, 0.9]
    assert groups.counts.tolist() == [2, 3, 1]
    assert groups.positives.tolist() == [1, 3, 0]
