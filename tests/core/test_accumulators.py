"""Accumulators: merging is associative and commutative with an empty identity, and any split
of the input gives the whole's result."""

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from clfdiag.core.accumulators import ClassificationSums, ScoreHistogram, TopErrors
from clfdiag.core.calibration import bin_index
from clfdiag.core.evaluation import evaluate_predictions, finish
from clfdiag.core.ranking import rank_binary, roc_auc
from tests.strategies import binary_problems, both_classes, multiclass_problems

EXACT = ("n", "clipped", "top5_hits", "errors", "overconfident")


def assert_same(a, b):
    for name in EXACT:
        assert getattr(a, name) == getattr(b, name), name
    for name in ("loss_sum", "brier_sum", "overconfident_loss"):
        assert getattr(a, name) == pytest.approx(getattr(b, name), rel=1e-12, abs=1e-12)
    np.testing.assert_array_equal(a.confusion, b.confusion)
    np.testing.assert_array_equal(a.bin_count, b.bin_count)
    np.testing.assert_array_equal(a.bin_correct, b.bin_correct)
    np.testing.assert_allclose(a.bin_confidence, b.bin_confidence, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(a.top_errors.index, b.top_errors.index)


def fed(sums, y, p, start, stop):
    part = sums.empty_like()
    part.update(y[start:stop], p[start:stop], offset=start)
    return part


@given(binary_problems(max_size=300), st.data())
def test_any_split_gives_the_whole_binary(problem, data):
    y, p = problem
    whole = ClassificationSums(2, top=5)
    whole.update(y, p)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(y)), max_size=4)))
    bounds = [0, *cuts, len(y)]
    merged = whole.empty_like()
    for start, stop in itertools.pairwise(bounds):
        merged = merged.merge(fed(whole, y, p, start, stop))
    assert_same(merged, whole)


@given(multiclass_problems(min_k=6, max_k=8), st.integers(0, 150))
def test_any_split_gives_the_whole_multiclass(problem, cut):
    y, proba = problem
    cut = min(cut, len(y))
    whole = ClassificationSums(proba.shape[1], top=4)
    whole.update(y, proba)
    merged = fed(whole, y, proba, 0, cut).merge(fed(whole, y, proba, cut, len(y)))
    assert_same(merged, whole)


@given(binary_problems(max_size=200), st.integers(0, 200), st.integers(0, 200))
def test_merge_is_commutative_and_associative_with_identity(problem, i, j):
    y, p = problem
    i, j = sorted((min(i, len(y)), min(j, len(y))))
    base = ClassificationSums(2, top=3)
    a, b, c = fed(base, y, p, 0, i), fed(base, y, p, i, j), fed(base, y, p, j, len(y))
    assert_same(a.merge(b), b.merge(a))
    assert_same(a.merge(b).merge(c), a.merge(b.merge(c)))
    assert_same(a.merge(base.empty_like()), a)


@given(st.integers(1, 80).flatmap(lambda n: st.tuples(
    hnp.arrays(np.float64, n, elements=st.sampled_from([0.5, 0.9, 0.95, 0.99, 1.0])),
    hnp.arrays(np.float64, n, elements=st.floats(0, 40)))),
    st.integers(0, 12), st.integers(1, 30))
def test_top_errors_match_brute_force_in_any_batches(arrays, limit, batch):
    confidence, loss = arrays
    top = TopErrors(limit)
    index = np.arange(len(confidence))
    for start in range(0, len(confidence), batch):
        sl = slice(start, start + batch)
        top.offer(index[sl], index[sl] % 2, index[sl] % 3, confidence[sl], loss[sl])
    ranked = sorted(range(len(confidence)), key=lambda i: (-confidence[i], -loss[i], i))
    assert top.index.tolist() == ranked[:limit]


@given(binary_problems(max_size=200), st.sampled_from([0.5, 0.8, 0.95]),
       st.sampled_from([0.3, 0.5, 0.7]))
def test_overconfident_errors_by_brute_force(problem, min_confidence, threshold):
    y, p = problem
    ev = evaluate_predictions(y, p, threshold=threshold, min_confidence=min_confidence, top=5)
    predicted = (p >= threshold).astype(int)
    confidence = np.where(predicted == 1, p, 1 - p)
    eps = np.finfo(float).eps
    loss = -np.log(np.clip(np.where(y == 1, p, 1 - p), eps, 1 - eps))
    hits = [i for i in range(len(y)) if predicted[i] != y[i] and confidence[i] >= min_confidence]
    ranked = sorted(hits, key=lambda i: (-confidence[i], -loss[i], i))
    over = ev.overconfident
    assert over.count == len(hits)
    assert over.top.tolist() == ranked[:5]
    errors = int((predicted != y).sum())
    assert over.share_of_errors == (None if errors == 0 else pytest.approx(len(hits) / errors))
    if loss.sum() > 0:
        assert over.share_of_loss == pytest.approx(loss[hits].sum() / loss.sum())


@given(both_classes(max_size=300))
def test_histogram_auc_is_within_its_bound(problem):
    y, p = problem
    hist = ScoreHistogram(n_bins=1 << 10)
    hist.update(y, p)
    sums = ClassificationSums(2)
    sums.update(y, p)
    approx = finish(sums, None, histogram=hist)
    exact = roc_auc(rank_binary(y, p))
    assert approx.auc_error_bound is not None
    assert abs(approx.metrics["roc_auc"] - exact) <= approx.auc_error_bound + 1e-12


def test_histogram_merge_equals_whole():
    rng = np.random.default_rng(0)
    y, p = rng.integers(0, 2, 5000), rng.random(5000)
    whole, a, b = ScoreHistogram(), ScoreHistogram(), ScoreHistogram()
    whole.update(y, p)
    a.update(y[:1234], p[:1234])
    b.update(y[1234:], p[1234:])
    merged = a.merge(b)
    np.testing.assert_array_equal(merged.positives, whole.positives)
    np.testing.assert_array_equal(merged.negatives, whole.negatives)


def test_histogram_bound_is_small_on_ordinary_data():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 200_000)
    p = 1 / (1 + np.exp(-(rng.normal(size=200_000) + 1.5 * y)))
    hist = ScoreHistogram()
    hist.update(y, p)
    assert hist.auc_error_bound() < 1e-4


@pytest.mark.parametrize("n_bins", [7, 10, 15, 20])
def test_bin_index_matches_searchsorted_at_every_edge(n_bins):
    edges = np.linspace(0, 1, n_bins + 1)
    values = np.concatenate([edges, np.nextafter(edges, 2), np.nextafter(edges, -1),
                             np.random.default_rng(0).random(10_000)])
    values = values[(values >= 0) & (values <= 1)]
    expected = np.clip(np.searchsorted(edges, values, side="left") - 1, 0, n_bins - 1)
    np.testing.assert_array_equal(bin_index(values, n_bins), expected)


@given(st.data())
def test_average_precision_error_bound_holds(data):
    from sklearn.metrics import average_precision_score

    from clfdiag.core.ranking import average_precision, ranking_from_counts

    n = data.draw(st.integers(1, 300))
    y = np.array(data.draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)))
    decimals = data.draw(st.integers(0, 3))
    seed = data.draw(st.integers(0, 2**32 - 1))
    p = np.round(np.random.default_rng(seed).random(n), decimals)
    hist = ScoreHistogram(data.draw(st.sampled_from([1, 2, 8, 64, 1 << 12])))
    hist.update(y, p)
    bound = hist.ap_error_bound()
    if y.sum() == 0:
        assert bound is None
        return
    binned = average_precision(ranking_from_counts(hist.lower_edges(), hist.positives,
                                                   hist.negatives))
    assert abs(binned - average_precision_score(y, p)) <= bound + 1e-12


@given(st.data())
def test_weighted_average_precision_error_bound_holds(data):
    from sklearn.metrics import average_precision_score

    from clfdiag.core.ranking import average_precision, weighted_ranking_from_sums

    n = data.draw(st.integers(1, 300))
    y = np.array(data.draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)))
    seed = data.draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    p = np.round(rng.random(n), data.draw(st.integers(0, 3)))
    w = rng.random(n) ** data.draw(st.sampled_from([1, 4, 16])) * (rng.random(n) > 0.1)
    hist = ScoreHistogram(data.draw(st.sampled_from([1, 2, 8, 64, 1 << 12])), weighted=True)
    hist.update(y, p, w)
    bound = hist.ap_error_bound()
    if w[y == 1].sum() == 0 or w[y == 0].sum() == 0:
        return
    binned = average_precision(weighted_ranking_from_sums(hist.lower_edges(), hist.positives,
                                                          hist.negatives))
    assert bound is not None
    assert abs(binned - average_precision_score(y, p, sample_weight=w)) <= bound + 1e-12


def test_weighted_average_precision_error_bound_holds_for_light_positives():
    """Many light positives after a heavy negative in one bin: the exact average precision is
    near 1 - ln(11) / 10, far below the bin's 10 / 11; whole-number harmonics bound too little."""
    from sklearn.metrics import average_precision_score

    from clfdiag.core.ranking import average_precision, weighted_ranking_from_sums

    k = 1000
    p = np.r_[0.3 + 2e-6, 0.3 + np.arange(k) * 1e-9, 0.01, 0.02]
    y = np.r_[0, np.ones(k, dtype=np.int64), 0, 0]
    w = np.r_[1.0, np.full(k, 0.01), 1.0, 1.0]
    hist = ScoreHistogram(1 << 20, weighted=True)
    hist.update(y, p, w)
    binned = average_precision(weighted_ranking_from_sums(hist.lower_edges(), hist.positives,
                                                          hist.negatives))
    exact = average_precision_score(y, p, sample_weight=w)
    assert abs(binned - exact) > 0.1
    assert abs(binned - exact) <= hist.ap_error_bound()


def test_average_precision_error_bound_is_zero_for_one_positive_a_bin():
    hist = ScoreHistogram(1 << 20)
    hist.update(np.array([1, 0, 1, 0]), np.array([0.9, 0.7, 0.5, 0.1]))
    assert hist.ap_error_bound() == 0
