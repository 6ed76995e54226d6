"""The top-label confidence ranking derived from the sorted binary probabilities equals the
ranking of a direct sort of the confidences, ties and thresholds included."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from clfdiag.core.accumulators import ScoreHistogram
from clfdiag.core.evaluation_state import HistogramScores, ScoreLayout
from clfdiag.core.ranking import rank_binary
from clfdiag.core.score_ranking import rank_scores
from clfdiag.core.selective import (
    selective,
    selective_from_ranking,
    top_label_ranking,
    top_label_selective,
)
from tests.strategies import binary_problems


def direct(y, p, threshold):
    """Oracle: the confidence of each prediction, sorted on its own."""
    predicted = p >= threshold
    confidence = np.where(predicted, p, 1.0 - p)
    correct = predicted == (y == 1)
    return rank_scores(correct.astype(np.int8), confidence)


def assert_same(a, b):
    np.testing.assert_array_equal(a.thresholds, b.thresholds)
    np.testing.assert_array_equal(a.tps, b.tps)
    np.testing.assert_array_equal(a.fps, b.fps)
    assert (a.positives, a.negatives) == (b.positives, b.negatives)


@given(binary_problems(), st.sampled_from([0.5, 0.3, 0.7, 0.0, 1.0, 0.25]))
def test_equals_a_direct_sort(problem, threshold):
    y, p = problem
    assert_same(top_label_ranking(rank_binary(y, p), threshold), direct(y, p, threshold))


def test_confidences_from_both_sides_tie_into_one_group():
    # 0.8 is predicted 1 with confidence 0.8; 0.2 is predicted 0 with confidence 0.8 too.
    y = np.array([1, 0, 1, 0])
    p = np.array([0.8, 0.2, 0.2, 0.8])
    r = top_label_ranking(rank_binary(y, p))
    assert r.thresholds.tolist() == [0.8]
    assert (r.tps.tolist(), r.fps.tolist()) == ([2], [2])


def test_tiny_probabilities_merge_where_one_minus_p_rounds():
    y = np.array([0, 0, 1])
    p = np.array([1e-20, 2e-20, 0.6])
    r = top_label_ranking(rank_binary(y, p))
    assert r.thresholds.tolist() == [1.0, 0.6]
    assert (r.tps.tolist(), r.fps.tolist()) == ([2, 3], [0, 0])


def test_empty():
    r = top_label_ranking(rank_binary(np.zeros(0, np.int8), np.zeros(0)))
    assert r.thresholds.size == 0
    assert (r.positives, r.negatives) == (0, 0)


@pytest.mark.parametrize("threshold", [0.5, 0.3])
def test_histogram_bins_rank_by_their_lowest_confidence(threshold):
    # Each bin is one tie group: above the threshold its confidence is its lower edge; below,
    # 1 - its upper edge, which is the lower edge of its mirror bin (the bins are symmetric
    # in the logit), so a bin and its mirror form one group.
    bins = 1 << 8
    h = ScoreHistogram(bins)
    rng = np.random.default_rng(3)
    p = rng.uniform(0.05, 0.95, 4000)
    y = (rng.random(4000) < p).astype(np.int8)
    h.update(y, p)
    state = HistogramScores(ScoreLayout(2, columns=False))
    state.histograms = (h,)
    edges = h.lower_edges()
    index = h.bin_of(p)
    predicted = edges[index] >= threshold  # a bin holding the threshold counts as above
    confidence = np.where(predicted, edges[index], edges[bins - 1 - index])
    oracle = rank_scores((predicted == (y == 1)).astype(np.int8), confidence)
    assert_same(state.top_label_ranking(threshold), oracle)
    exact = selective(np.where(p >= threshold, p, 1 - p), (p >= threshold) == (y == 1))
    binned = selective_from_ranking(state.top_label_ranking(threshold))
    assert binned.aurc == pytest.approx(exact.aurc, abs=2e-3)


@given(st.lists(st.tuples(st.floats(0.0, 1.0), st.booleans()), min_size=1, max_size=60,
                unique_by=lambda t: t[0]),
       st.sampled_from([0.5, 0.3, 0.7, 0.0, 1.0]), st.sampled_from([1, 3, 7, 1 << 16]))
def test_distinct_scores_in_any_slices_equal_a_direct_sort(rows, threshold, chunk):
    # Every group one example: the counts come from the key's "right" bit, slice by slice.
    import clfdiag.core.selective as selective_module

    y = np.array([int(label) for _, label in rows], dtype=np.int8)
    p = np.array([score for score, _ in rows])
    saved = selective_module.SCAN_CHUNK
    selective_module.SCAN_CHUNK = chunk
    try:
        got = top_label_ranking(rank_binary(y, p), threshold)
    finally:
        selective_module.SCAN_CHUNK = saved
    assert_same(got, direct(y, p, threshold))


@pytest.mark.parametrize("chunk", [1, 2, 5])
def test_tied_scores_in_any_slices_equal_a_direct_sort(chunk, monkeypatch):
    import clfdiag.core.selective as selective_module

    rng = np.random.default_rng(3)
    p = np.round(rng.random(200), 1)
    y = (rng.random(200) < p).astype(np.int8)
    monkeypatch.setattr(selective_module, "SCAN_CHUNK", chunk)
    for threshold in (0.5, 0.3, 0.8):
        assert_same(top_label_ranking(rank_binary(y, p), threshold), direct(y, p, threshold))


def assert_same_selective(a, b):
    """Equal analyses: counts and points exactly, areas to float64 summation error."""
    for name in ("auroc", "aurc", "e_aurc", "augrc"):
        x, y = getattr(a, name), getattr(b, name)
        assert (x is None) == (y is None), name
        if x is not None:
            assert x == pytest.approx(y, rel=1e-12, abs=1e-15), name
    assert a.risk_at_coverage == b.risk_at_coverage
    assert a.coverage_at_risk == b.coverage_at_risk
    for name in ("coverage", "risk", "generalized_risk", "thresholds"):
        np.testing.assert_array_equal(getattr(a.curve, name), getattr(b.curve, name))


def _columns(rows):
    return np.array([label for _, label in rows]), np.array([p for p, _ in rows])


distinct_problems = st.lists(st.tuples(st.floats(0.0, 1.0), st.integers(0, 1)), min_size=1,
                             max_size=80, unique_by=lambda t: t[0]).map(_columns)


@given(st.one_of(binary_problems(), distinct_problems),
       st.sampled_from([0.5, 0.3, 0.7, 0.0, 1.0]), st.sampled_from([1, 2, 5, 1 << 16]),
       st.sampled_from([2, 5, 200]), st.sampled_from([None, 0.0, 0.1, 1.5]))
def test_selective_in_slices_equals_the_whole_ranking_and_a_direct_sort(
        problem, threshold, chunk, points, target_risk):
    # The slice-by-slice analysis sees tie groups cut by slices, curve points picked across
    # slices and targets reached in any slice; the oracle sorts the confidences itself.
    import clfdiag.core.selective as selective_module

    y, p = problem
    r = rank_binary(y, p)
    saved = selective_module.SCAN_CHUNK
    selective_module.SCAN_CHUNK = chunk
    try:
        sliced = top_label_selective(r, threshold, target_risk=target_risk, points=points)
        whole = selective_from_ranking(top_label_ranking(r, threshold), target_risk=target_risk,
                                       points=points)
    finally:
        selective_module.SCAN_CHUNK = saved
    predicted = p >= threshold
    oracle = selective(np.where(predicted, p, 1.0 - p), predicted == (y == 1),
                       target_risk=target_risk, points=points)
    assert_same_selective(sliced, oracle)
    assert_same_selective(whole, oracle)


def test_selective_of_no_examples():
    s = top_label_selective(rank_binary(np.zeros(0, np.int8), np.zeros(0)))
    assert (s.auroc, s.aurc, s.risk_at_coverage, s.coverage_at_risk) == (None, None, (), None)
    assert s.curve.coverage.size == 0
