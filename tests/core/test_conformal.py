"""Split conformal sets against MAPIE 1.6, crepes 0.9, brute-force loops and simulation.

MAPIE and crepes differ from the definitions of :mod:`clfdiag.core.conformal` in a
few places by design; each difference has a test below that pins it:

- MAPIE computes ``k`` in floating point: where ``alpha (n + 1)`` is an integer
  the product can land just above it and ``k`` grows by one (``alpha = 0.42``,
  ``n = 49``: MAPIE takes the 30th score, the exact rule the 29th).
- MAPIE compares scores with a tolerance of ``1e-8`` (``EPSILON``): a class
  whose score is above ``qhat`` by less than that is in MAPIE's set, not ours.
- MAPIE's top-k adds every class whose probability is within ``1e-8`` of the
  last one taken, ours takes exactly ``qhat`` ranks; its ranks are 0-based.
- MAPIE raises when ``k > n``; crepes (and clfdiag) return full sets.
- crepes includes a class when its p-value ``(#{s_i >= s} + 1) / (n + 1)`` is
  ``>= alpha``: where ``alpha (n + 1)`` is an integer that is one order
  statistic more than ``k``.
"""

import math
import warnings
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import stats

from clfdiag.core.conformal import (
    METHODS,
    conformal_sets,
    conformal_threshold,
    conformity_scores,
    exact_alpha,
    order_statistic_rank,
    prediction_sets,
    set_summary,
    undercoverage_test,
)

# Decimal alphas as a user writes them; some make alpha (n + 1) an integer for common n.
ALPHAS = ["0.01", "0.05", "0.1", "0.15", "0.2", "0.25", "0.3", "0.42", "0.5", "0.75", "0.9"]
# A small grid makes ties within a row and between rows common; 0 and 1 included.
GRID = [0.0, 0.1, 0.2, 0.25, 0.5, 1.0]
MAPIE_EPSILON = 1e-8


# ---------------------------------------------------------------- oracles

def stable_order(p):
    return np.argsort(-p, kind="stable")


def brute_score(p, y, method, penalty=0.0, kreg=0, u=None):
    """The definition, one row at a time: rank by a stable argsort of -p, cumulative sums."""
    order = list(stable_order(p))
    rank = order.index(y) + 1
    if method == "lac":
        return 1.0 - p[y]
    if method == "topk":
        return float(rank)
    sorted_p = p[order]
    total = 0.0
    for value in sorted_p[:rank - 1]:
        total += value
    score = total + u * p[y] if u is not None else total + sorted_p[rank - 1]
    if method == "raps":
        score += penalty * float(max(rank - kreg, 0))
    return score


def brute_set(p, qhat, method, penalty=0.0, kreg=0, u=None):
    """The set of one row by its definition (``qhat`` may be per class for lac)."""
    k = len(p)
    q = np.broadcast_to(np.asarray(qhat, dtype=float), (k,))
    if method == "lac":
        return [c for c in range(k) if 1.0 - p[c] <= q[c]]
    order = list(stable_order(p))
    if method == "aps-incl":
        total, taken = 0.0, []
        for c in order:
            taken.append(c)
            total += p[c]
            if total >= q[0]:
                break
        return sorted(taken)
    return sorted(c for c in range(k)
                  if brute_score(p, c, method, penalty, kreg, u) <= q[0])


def kth_smallest(scores, k):
    return math.inf if k > len(scores) else sorted(scores)[k - 1]


# ---------------------------------------------------------------- strategies

@st.composite
def probability_rows(draw, n, k):
    element = st.one_of(st.sampled_from(GRID), st.floats(0.0, 1.0))
    raw = draw(hnp.arrays(np.float64, (n, k), elements=element))
    raw[raw.sum(axis=1) == 0, 0] = 1.0
    return raw / raw.sum(axis=1, keepdims=True)


@st.composite
def split_problems(draw, min_k=2, max_k=6, max_cal=60, max_test=25):
    k = draw(st.integers(min_k, max_k))
    n_cal = draw(st.integers(1, max_cal))
    n_test = draw(st.integers(1, max_test))
    cal = draw(probability_rows(n_cal, k))
    test = draw(probability_rows(n_test, k))
    cal_y = draw(hnp.arrays(np.int64, n_cal, elements=st.integers(0, k - 1)))
    test_y = draw(hnp.arrays(np.int64, n_test, elements=st.integers(0, k - 1)))
    return cal, cal_y, test, test_y


@st.composite
def continuous_problems(draw, min_k=3, max_k=6, max_cal=80, max_test=25):
    """Dirichlet rows from a drawn seed: ties and near-ties have probability zero."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    k = draw(st.integers(min_k, max_k))
    n_cal, n_test = draw(st.integers(1, max_cal)), draw(st.integers(1, max_test))
    concentration = draw(st.sampled_from([0.3, 1.0, 5.0]))
    cal = rng.dirichlet(np.full(k, concentration), n_cal)
    test = rng.dirichlet(np.full(k, concentration), n_test)
    return cal, rng.integers(0, k, n_cal), test, rng.integers(0, k, n_test)


def distinct_rows(proba, gap=1e-6):
    """True when every row's probabilities differ pairwise by more than ``gap``."""
    values = np.sort(proba, axis=1)
    return bool(np.all(np.diff(values, axis=1) > gap))


# ---------------------------------------------------------------- exact k and qhat

@pytest.mark.parametrize(("alpha", "n", "k"), [("0.1", 39, 36), ("0.1", 9, 9), ("0.05", 19, 19),
                                               ("0.1", 8, 9), ("0.42", 49, 29)])
def test_k_is_exact(alpha, n, k):
    assert order_statistic_rank(n, exact_alpha(alpha)) == k


@given(st.integers(1, 999), st.integers(0, 5000))
def test_k_matches_integer_arithmetic(thousandths, n):
    # alpha = a / 1000: k is the least integer with 1000 k >= (n + 1)(1000 - a).
    alpha = exact_alpha(f"{thousandths / 1000:.3f}")
    expected = -(-(n + 1) * (1000 - thousandths) // 1000)
    assert order_statistic_rank(n, alpha) == expected


def test_alpha_is_read_as_written():
    assert exact_alpha("0.1") == exact_alpha("0.10") == exact_alpha(0.1) == Fraction(1, 10)
    assert exact_alpha(Fraction(1, 20)) == exact_alpha(" 0.05 ") == exact_alpha("1/20")
    # 1 - 0.9 is the float 0.09999999999999998, a different decimal: k follows it.
    assert order_statistic_rank(39, exact_alpha(1 - 0.9)) == 37


@pytest.mark.parametrize("bad", ["0", "1", "-0.1", "1.5", "abc", "", math.nan, math.inf, True])
def test_alpha_outside_zero_one_is_refused(bad):
    with pytest.raises(ValueError, match="alpha"):
        exact_alpha(bad)


@given(hnp.arrays(np.float64, st.integers(0, 40), elements=st.sampled_from(GRID)),
       st.sampled_from(ALPHAS))
def test_qhat_is_the_kth_smallest_score(scores, alpha):
    t = conformal_threshold(scores, exact_alpha(alpha))
    assert t.k == order_statistic_rank(len(scores), exact_alpha(alpha))
    assert t.qhat == kth_smallest(list(scores), t.k)
    assert t.infinite == (t.k > len(scores))


# ---------------------------------------------------------------- brute force, with ties

@settings(max_examples=60)
@given(split_problems(), st.sampled_from(METHODS), st.lists(st.sampled_from(ALPHAS),
                                                            min_size=1, max_size=3),
       st.sampled_from([0.0, 0.001, 0.1, 0.3]), st.integers(0, 4))
def test_scores_and_sets_follow_the_definition(problem, method, alphas, penalty, kreg):
    cal, cal_y, test, test_y = problem
    result = conformal_sets(cal, cal_y, test, test_y, alphas, method=method,
                            raps_penalty=penalty, raps_kreg=kreg)
    expected_scores = [brute_score(p, y, method, penalty, kreg)
                       for p, y in zip(cal, cal_y, strict=True)]
    np.testing.assert_array_equal(result.calibration_scores, expected_scores)
    for alpha, r in zip(alphas, result.results, strict=True):
        k = order_statistic_rank(len(cal), exact_alpha(alpha))
        assert r.threshold.k == k
        assert r.threshold.qhat == kth_smallest(expected_scores, k)
        for p, row in zip(test, r.sets, strict=True):
            assert list(np.flatnonzero(row)) == brute_set(p, r.threshold.qhat, method,
                                                          penalty, kreg)


@settings(max_examples=40)
@given(split_problems(min_k=3), st.sampled_from(["aps", "raps"]), st.sampled_from(ALPHAS),
       st.integers(0, 2**32 - 1))
def test_randomised_sets_follow_the_definition(problem, method, alpha, seed):
    cal, cal_y, test, test_y = problem
    result = conformal_sets(cal, cal_y, test, test_y, [alpha], method=method,
                            raps_penalty=0.05, raps_kreg=1, randomized=True, seed=seed)
    # The documented generator: default_rng(seed), calibration rows first, then test rows.
    rng = np.random.default_rng(seed)
    u_cal, u_test = rng.random(len(cal)), rng.random(len(test))
    expected = [brute_score(p, y, method, 0.05, 1, u)
                for p, y, u in zip(cal, cal_y, u_cal, strict=True)]
    np.testing.assert_array_equal(result.calibration_scores, expected)
    r = result.results[0]
    for p, row, u in zip(test, r.sets, u_test, strict=True):
        assert list(np.flatnonzero(row)) == brute_set(p, r.threshold.qhat, method, 0.05, 1, u)


@settings(max_examples=40)
@given(split_problems(max_k=5), st.sampled_from(ALPHAS))
def test_class_conditional_follows_the_definition(problem, alpha):
    cal, cal_y, test, test_y = problem
    r = conformal_sets(cal, cal_y, test, test_y, [alpha], class_conditional=True).results[0]
    assert r.threshold is None
    scores = 1.0 - cal[np.arange(len(cal)), cal_y]
    for c, t in enumerate(r.class_thresholds):
        own = list(scores[cal_y == c])
        assert t.n == len(own)
        assert t.k == order_statistic_rank(len(own), exact_alpha(alpha))
        assert t.qhat == kth_smallest(own, t.k)
    qhat = [t.qhat for t in r.class_thresholds]
    for p, row in zip(test, r.sets, strict=True):
        assert list(np.flatnonzero(row)) == brute_set(p, qhat, "lac")


def test_a_class_without_calibration_rows_is_in_every_set():
    cal = np.array([[0.7, 0.2, 0.1], [0.6, 0.3, 0.1], [0.1, 0.8, 0.1]])
    test = np.array([[0.98, 0.01, 0.01], [0.01, 0.98, 0.01]])
    r = conformal_sets(cal, np.array([0, 0, 1]), test, None, ["0.5"],
                       class_conditional=True).results[0]
    assert r.class_thresholds[2].n == 0
    assert r.class_thresholds[2].infinite
    assert r.sets[:, 2].all()


def test_k_above_n_gives_full_sets_for_every_method():
    rng = np.random.default_rng(0)
    cal, test = rng.dirichlet(np.ones(4), 5), rng.dirichlet(np.ones(4), 7)
    for method in METHODS:
        r = conformal_sets(cal, np.arange(5) % 4, test, None, ["0.1"], method=method).results[0]
        assert r.threshold.k == 6
        assert r.threshold.qhat == math.inf
        assert r.sets.all()


def test_blocks_of_rows_give_the_same_sets(monkeypatch):
    rng = np.random.default_rng(1)
    proba = rng.dirichlet(np.full(7, 0.5), 300)
    proba[::3, 2] = proba[::3, 4]  # ties across the block boundaries too
    whole = [prediction_sets(proba, [0.6, 0.9], m) for m in ("lac", "aps", "aps-incl", "topk")]
    monkeypatch.setattr("clfdiag.core.conformal.CHUNK_CELLS", 50)
    blocks = [prediction_sets(proba, [0.6, 0.9], m) for m in ("lac", "aps", "aps-incl", "topk")]
    for a, b in zip(whole, blocks, strict=True):
        for x, y in zip(a, b, strict=True):
            np.testing.assert_array_equal(x, y)


def test_binary_probabilities_are_two_classes():
    rng = np.random.default_rng(2)
    p_cal, p_test = rng.random(30), rng.random(12)
    y = (rng.random(30) < p_cal).astype(np.int64)
    for method in ("lac", "aps", "topk"):
        one = conformal_sets(p_cal, y, p_test, None, ["0.2"], method=method)
        two = conformal_sets(np.column_stack((1 - p_cal, p_cal)), y,
                             np.column_stack((1 - p_test, p_test)), None, ["0.2"], method=method)
        np.testing.assert_array_equal(one.results[0].sets, two.results[0].sets)


# ---------------------------------------------------------------- properties

@settings(max_examples=60)
@given(split_problems(), st.sampled_from(METHODS), st.sampled_from(ALPHAS),
       st.sampled_from(ALPHAS), st.booleans())
def test_sets_are_nested_in_alpha(problem, method, a, b, variant):
    cal, cal_y, test, test_y = problem
    assume(Fraction(a) < Fraction(b))
    # The variant: randomised for aps/raps (one seed for both alphas), Mondrian for lac.
    result = conformal_sets(cal, cal_y, test, test_y, [a, b], method=method, seed=7,
                            randomized=variant and method in ("aps", "raps"),
                            class_conditional=variant and method == "lac")
    small_alpha, large_alpha = (r.sets for r in result.results)
    assert not np.any(large_alpha & ~small_alpha)


@settings(max_examples=60)
@given(split_problems(), st.sampled_from(ALPHAS))
def test_aps_incl_is_never_empty_and_takes_at_most_one_class_more(problem, alpha):
    cal, cal_y, test, test_y = problem
    aps = conformal_sets(cal, cal_y, test, test_y, [alpha], method="aps").results[0]
    incl = conformal_sets(cal, cal_y, test, test_y, [alpha], method="aps-incl").results[0]
    assert incl.threshold == aps.threshold
    sizes = incl.sets.sum(axis=1)
    assert sizes.min() >= 1
    assert np.all(sizes <= aps.sets.sum(axis=1) + 1)
    # Every class whose aps score is below qhat is in; one scoring exactly qhat after
    # the first to reach it (a zero probability) is in the aps set only.
    below = np.column_stack([conformity_scores(test, np.full(len(test), c), "aps")
                             for c in range(test.shape[1])]) < incl.threshold.qhat
    assert not np.any(below & ~incl.sets)


@settings(max_examples=60)
@given(split_problems(), st.sampled_from(["aps", "aps-incl", "raps", "topk"]),
       st.sampled_from(ALPHAS))
def test_rank_methods_give_rank_prefixes(problem, method, alpha):
    cal, cal_y, test, test_y = problem
    r = conformal_sets(cal, cal_y, test, test_y, [alpha], method=method,
                       raps_penalty=0.1, raps_kreg=2).results[0]
    for p, row in zip(test, r.sets, strict=True):
        order = stable_order(p)
        size = int(row.sum())
        assert set(order[:size]) == set(np.flatnonzero(row))
        if method == "topk":
            assert size == min(r.threshold.qhat, len(p))


def marginal_coverage(method, alpha, n, splits, seed, **options):
    """Mean test coverage over random calibration/test splits of fresh Dirichlet data."""
    rng = np.random.default_rng(seed)
    k, n_test = 4, 40
    covered = []
    for _ in range(splits):
        proba = rng.dirichlet(np.ones(k), n + n_test)
        y = (proba.cumsum(axis=1) < rng.random((n + n_test, 1))).sum(axis=1).clip(0, k - 1)
        r = conformal_sets(proba[:n], y[:n], proba[n:], y[n:], [alpha], method=method,
                           seed=int(rng.integers(2**31)), **options).results[0]
        covered.append(r.summary.coverage)
    return float(np.mean(covered)), float(np.std(covered) / math.sqrt(splits))


@pytest.mark.parametrize(("method", "options"), [
    ("lac", {}), ("aps", {}), ("raps", {"raps_penalty": 0.05, "raps_kreg": 1}),
    ("aps", {"randomized": True}), ("raps", {"randomized": True, "raps_penalty": 0.05})])
def test_marginal_coverage_by_simulation(method, options):
    # Continuous scores: the coverage of a fresh row is exactly k / (n + 1), which
    # lies in [1 - alpha, 1 - alpha + 1 / (n + 1)). n = 30, alpha = 0.1: k = 28, 28/31.
    n, alpha = 30, "0.1"
    k = order_statistic_rank(n, exact_alpha(alpha))
    assert 0.9 <= k / (n + 1) < 0.9 + 1 / (n + 1)
    mean, error = marginal_coverage(method, alpha, n, 1500, seed=11, **options)
    # 1500 splits: the standard error is about 0.0013; one order statistic off
    # would move the mean by 1/31 = 0.032, twenty-five standard errors.
    assert abs(mean - k / (n + 1)) < 4.5 * error
    assert mean > 0.9 - 4.5 * error


def test_class_conditional_coverage_by_simulation():
    rng = np.random.default_rng(5)
    k, n, n_test = 3, 60, 60
    hits = np.zeros(k)
    counts = np.zeros(k)
    for _ in range(800):
        proba = rng.dirichlet(np.ones(k), n + n_test)
        y = (proba.cumsum(axis=1) < rng.random((n + n_test, 1))).sum(axis=1).clip(0, k - 1)
        r = conformal_sets(proba[:n], y[:n], proba[n:], y[n:], ["0.2"],
                           class_conditional=True).results[0]
        covered = r.sets[np.arange(n_test), y[n:]]
        hits += np.bincount(y[n:], weights=covered, minlength=k)
        counts += np.bincount(y[n:], minlength=k)
    # Conditional on its label, each row is covered with probability >= 0.8.
    assert np.all(hits / counts > 0.8 - 4 * np.sqrt(0.16 / counts))


# ---------------------------------------------------------------- summaries and the test

@given(hnp.arrays(np.bool_, st.tuples(st.integers(0, 30), st.integers(1, 5))), st.data())
def test_summary_matches_loops(sets, data):
    n, k = sets.shape
    y = data.draw(hnp.arrays(np.int64, n, elements=st.integers(0, k - 1)))
    s = set_summary(sets, y)
    sizes = [int(row.sum()) for row in sets]
    assert s.size_histogram == tuple(sizes.count(m) for m in range(k + 1))
    if n == 0:
        assert s.mean_size is None
        assert s.coverage is None
        assert s.empty_share is None
        return
    hit = [bool(sets[i, y[i]]) for i in range(n)]
    assert s.mean_size == pytest.approx(sum(sizes) / n, rel=1e-12)  # a mean of small integers
    assert s.empty_share == sizes.count(0) / n
    assert s.singleton_share == sizes.count(1) / n
    assert s.covered == sum(hit)
    assert s.coverage == sum(hit) / n
    for c in range(k):
        rows = [i for i in range(n) if y[i] == c]
        expected = sum(hit[i] for i in rows) / len(rows) if rows else None
        assert s.coverage_by_class[c] == expected
    by_size = {m: sum(hit[i] for i in range(n) if sizes[i] == m) / sizes.count(m)
               for m in sorted(set(sizes))}
    assert dict(s.coverage_by_size) == by_size
    assert set_summary(sets, None).coverage is None


@given(st.integers(1, 400), st.data(), st.sampled_from(ALPHAS),
       st.sampled_from([0.01, 0.05, 0.1]))
def test_undercoverage_is_the_exact_binomial_test(n, data, alpha, significance):
    covered = data.draw(st.integers(0, n))
    t = undercoverage_test(covered, n, exact_alpha(alpha), significance)
    target = 1 - float(Fraction(alpha))
    expected = stats.binomtest(covered, n, target, alternative="less").pvalue
    # The cdf sums at most n pmf terms: agreement to a few ulps times n.
    assert t.p_value == pytest.approx(expected, rel=1e-9, abs=1e-300)
    assert t.undercovered == (t.p_value < significance)
    assert t.undercovered == (covered < t.min_covered)
    assert stats.binom.cdf(t.min_covered, n, target) >= significance
    if t.min_covered > 0:
        assert stats.binom.cdf(t.min_covered - 1, n, target) < significance


def test_undercoverage_needs_a_row():
    with pytest.raises(ValueError, match="test row"):
        undercoverage_test(0, 0, Fraction(1, 10))


@pytest.mark.parametrize(("options", "message"), [
    ({"method": "nope"}, "unknown method"),
    ({"method": "lac", "randomized": True}, "randomised"),
    ({"method": "topk", "randomized": True}, "randomised"),
    ({"method": "aps", "class_conditional": True}, "class-conditional"),
    ({"method": "raps", "raps_penalty": -1.0}, "penalty")])
def test_bad_settings_are_refused(options, message):
    p = np.full((3, 3), 1 / 3)
    with pytest.raises(ValueError, match=message):
        conformal_sets(p, np.zeros(3, dtype=np.int64), p, None, ["0.1"], **options)


# ---------------------------------------------------------------- MAPIE 1.6

class StoredProbabilities:
    """A prefit classifier whose ``predict_proba(X)`` returns stored rows ``X[:, 0]``."""

    def __init__(self, proba):
        self.proba = proba
        self.classes_ = np.arange(proba.shape[1])
        self.n_features_in_ = 1

    def fit(self, X, y):
        return self

    def predict_proba(self, X):
        return self.proba[np.asarray(X, dtype=np.int64)[:, 0]]

    def predict(self, X):
        return self.predict_proba(X).argmax(axis=1)

    def get_params(self, deep=True):
        return {"proba": self.proba}

    def __sklearn_is_fitted__(self):
        return True


def mapie_split(cal, cal_y, test, alphas, score):
    from mapie.classification import SplitConformalClassifier

    warnings.filterwarnings("ignore", message=".*conformalization dataset has less labels",
                            category=UserWarning)
    proba = np.vstack((cal, test))
    # MAPIE turns a confidence level into alpha through Decimal: 1 - alpha is exact.
    levels = [float(1 - Fraction(a)) for a in alphas]
    model = SplitConformalClassifier(StoredProbabilities(proba), confidence_level=levels,
                                     conformity_score=score, prefit=True)
    model.conformalize(np.arange(len(cal))[:, None], cal_y)
    _, sets = model.predict_set(np.arange(len(cal), len(proba))[:, None])
    quantiles = model._mapie_classifier.conformity_score_function_.quantiles_
    return np.asarray(quantiles), sets


def comparable_with_mapie(n, alphas):
    """k <= n and alpha (n + 1) not an integer (where MAPIE's float k may differ).

    MAPIE also refuses n up to 1 / alpha or 1 / (1 - alpha) (in floats).
    """
    return all(order_statistic_rank(n, exact_alpha(a)) <= n
               and (Fraction(a) * (n + 1)).denominator != 1
               and n > max(1 / Fraction(a), 1 / (1 - Fraction(a))) for a in alphas)


@settings(max_examples=40, deadline=None)
@given(split_problems(min_k=2),
       st.lists(st.sampled_from(ALPHAS), min_size=1, max_size=3, unique=True))
def test_lac_equals_mapie_where_k_is_at_most_n(problem, alphas):
    cal, cal_y, test, _ = problem
    assume(comparable_with_mapie(len(cal), alphas))
    assume(len(np.unique(cal_y)) >= 2 or cal.shape[1] > 2)  # MAPIE refuses one-class binary
    quantiles, mapie_sets = mapie_split(cal, cal_y, test, alphas, "lac")
    result = conformal_sets(cal, cal_y, test, None, alphas)
    for j, r in enumerate(result.results):
        assert r.threshold.qhat == quantiles[j]
        ours, theirs = r.sets, mapie_sets[:, :, j]
        # MAPIE's tolerance: it also takes classes whose score is above qhat by <= 1e-8.
        margin = (1.0 - test) - r.threshold.qhat
        np.testing.assert_array_equal(ours, theirs & (margin <= 0))
        assert not np.any(theirs & ~ours & (margin > MAPIE_EPSILON))


def test_lac_tolerance_at_the_boundary_is_pinned():
    cal = np.array([[0.5, 0.3, 0.2], [0.2, 0.6, 0.2], [0.1, 0.1, 0.8],
                    [0.6, 0.2, 0.2], [0.3, 0.5, 0.2]])
    cal_y = np.array([0, 1, 2, 0, 1])
    # alpha 0.5, n 5: k = 3, qhat = the 3rd smallest of (0.5, 0.4, 0.2, 0.4, 0.5) = 0.4.
    test = np.array([[0.6 - 5e-9, 0.2, 0.2 + 5e-9]])
    _, mapie_sets = mapie_split(cal, cal_y, test, ["0.5"], "lac")
    r = conformal_sets(cal, cal_y, test, None, ["0.5"]).results[0]
    assert r.threshold.qhat == 1.0 - 0.6
    assert mapie_sets[0, :, 0].tolist() == [True, False, False]
    assert r.sets[0].tolist() == [False, False, False]


def test_k_where_alpha_n_plus_one_is_an_integer_is_pinned():
    rng = np.random.default_rng(3)
    cal, test = rng.dirichlet(np.ones(3), 49), rng.dirichlet(np.ones(3), 10)
    cal_y = np.arange(49) % 3
    quantiles, _ = mapie_split(cal, cal_y, test, ["0.42"], "lac")
    result = conformal_sets(cal, cal_y, test, None, ["0.42"])
    r = result.results[0]
    ordered = np.sort(result.calibration_scores)
    assert r.threshold.k == 29
    assert r.threshold.qhat == ordered[28]
    assert quantiles[0] == ordered[29]  # MAPIE: ceil(50 * 0.58) in floats is 30


def test_mapie_raises_where_k_exceeds_n():
    rng = np.random.default_rng(4)
    cal, test = rng.dirichlet(np.ones(3), 8), rng.dirichlet(np.ones(3), 4)
    with pytest.raises(ValueError):  # noqa: PT011 - MAPIE's message changes between versions
        mapie_split(cal, np.arange(8) % 3, test, ["0.1"], "lac")
    assert conformal_sets(cal, np.arange(8) % 3, test, None, ["0.1"]).results[0].sets.all()


@settings(max_examples=40, deadline=None)
@given(continuous_problems(), st.sampled_from(ALPHAS))
def test_aps_scores_and_sets_equal_mapie_where_comparable(problem, alpha):
    from mapie.conformity_scores.sets.aps import APSConformityScore

    cal, cal_y, test, _ = problem
    # MAPIE ranks with an unstable argsort and compares with a 1e-8 tolerance:
    # comparable on rows without near-ties, away from qhat.
    assume(distinct_rows(cal) and distinct_rows(test))
    k = cal.shape[1]
    cumulative, _ = APSConformityScore.get_true_label_cumsum_proba(cal_y, cal, np.arange(k))
    ours = conformity_scores(cal, cal_y, "aps")
    np.testing.assert_array_equal(ours, cumulative[:, 0])
    for method, include_last in (("aps-incl", True), ("aps", False)):
        r = conformal_sets(cal, cal_y, test, None, [alpha], method=method).results[0]
        assume(math.isfinite(r.threshold.qhat))
        by_rank = np.cumsum(-np.sort(-test, axis=1), axis=1)
        assume(np.all(np.abs(by_rank - r.threshold.qhat) > 1e-6))
        score = APSConformityScore()
        score.quantiles_ = np.array([r.threshold.qhat])
        theirs = score.get_prediction_sets(test[:, :, None], None, np.array([0.1]),
                                           cv="prefit", include_last_label=include_last)[:, :, 0]
        if include_last:
            np.testing.assert_array_equal(r.sets, theirs)
        else:
            # MAPIE's include_last_label=False never returns an empty set: it keeps the
            # top class. Ours is {y : s <= qhat}, which can be empty.
            nonempty = r.sets.any(axis=1)
            np.testing.assert_array_equal(r.sets[nonempty], theirs[nonempty])
            top = np.argmax(test, axis=1)
            assert np.all(theirs[~nonempty].sum(axis=1) == 1)
            assert np.all(theirs[~nonempty, top[~nonempty]])


@settings(max_examples=40, deadline=None)
@given(continuous_problems(),
       st.lists(st.sampled_from(ALPHAS), min_size=1, max_size=3, unique=True))
def test_topk_equals_mapie_without_near_ties(problem, alphas):
    cal, cal_y, test, _ = problem
    assume(comparable_with_mapie(len(cal), alphas))
    assume(len(np.unique(cal_y)) >= 3)  # MAPIE takes two labels for a binary problem
    assume(distinct_rows(cal) and distinct_rows(test, gap=MAPIE_EPSILON))
    quantiles, mapie_sets = mapie_split(cal, cal_y, test, alphas, "top_k")
    result = conformal_sets(cal, cal_y, test, None, alphas, method="topk")
    for j, r in enumerate(result.results):
        assert r.threshold.qhat == quantiles[j] + 1  # MAPIE's ranks start at 0
        np.testing.assert_array_equal(r.sets, mapie_sets[:, :, j])


def test_topk_near_ties_are_pinned():
    cal = np.array([[0.5, 0.3, 0.2], [0.5, 0.3, 0.2], [0.3, 0.5, 0.2], [0.2, 0.3, 0.5],
                    [0.3, 0.5, 0.2]])
    cal_y = np.array([0, 0, 1, 2, 0])
    # n 5, alpha 0.25: k = 5, qhat = the largest rank, 2 (the last row's label).
    test = np.array([[0.6, 0.2, 0.2 - 1e-9]])
    quantiles, mapie_sets = mapie_split(cal, cal_y, test, ["0.25"], "top_k")
    r = conformal_sets(cal, cal_y, test, None, ["0.25"], method="topk").results[0]
    assert r.threshold.qhat == 2
    assert quantiles[0] == 1
    assert r.sets[0].tolist() == [True, True, False]
    assert mapie_sets[0, :, 0].tolist() == [True, True, True]


# ---------------------------------------------------------------- crepes 0.9

def crepes_sets(cal_scores, test_scores, alpha, bins_cal=None):
    from crepes import ConformalClassifier

    confidence = float(1 - Fraction(alpha))
    model = ConformalClassifier().fit(cal_scores, bins=bins_cal)
    if bins_cal is None:
        return model.predict_set(test_scores, confidence=confidence, smoothing=False) == 1
    n = len(test_scores)
    columns = [model.predict_set(test_scores, bins=np.full(n, c), confidence=confidence,
                                 smoothing=False)[:, c] for c in range(test_scores.shape[1])]
    return np.column_stack(columns) == 1


def integer_alpha_times(n, alpha):
    return (Fraction(alpha) * (n + 1)).denominator == 1


@settings(max_examples=40, deadline=None)
@given(split_problems(), st.sampled_from(ALPHAS))
def test_class_conditional_lac_equals_crepes_mondrian(problem, alpha):
    cal, cal_y, test, _ = problem
    k = cal.shape[1]
    assume(not any(integer_alpha_times(int(np.sum(cal_y == c)), alpha) for c in range(k)))
    r = conformal_sets(cal, cal_y, test, None, [alpha], class_conditional=True).results[0]
    scores = 1.0 - cal[np.arange(len(cal)), cal_y]
    np.testing.assert_array_equal(r.sets, crepes_sets(scores, 1.0 - test, alpha, cal_y))


@settings(max_examples=40, deadline=None)
@given(split_problems(), st.sampled_from(["lac", "raps", "topk"]), st.sampled_from(ALPHAS))
def test_marginal_sets_equal_crepes(problem, method, alpha):
    cal, cal_y, test, _ = problem
    assume(not integer_alpha_times(len(cal), alpha))
    result = conformal_sets(cal, cal_y, test, None, [alpha], method=method, raps_penalty=0.1,
                            raps_kreg=1)
    k = test.shape[1]
    test_scores = np.column_stack([
        conformity_scores(test, np.full(len(test), c), method, raps_penalty=0.1, raps_kreg=1)
        for c in range(k)])
    expected = crepes_sets(result.calibration_scores, test_scores, alpha)
    np.testing.assert_array_equal(result.results[0].sets, expected)


def test_crepes_takes_one_order_statistic_more_where_alpha_n_plus_one_is_an_integer():
    rng = np.random.default_rng(6)
    cal, test = rng.dirichlet(np.ones(3), 27), rng.dirichlet(np.ones(3), 200)
    cal_y = np.repeat([0, 1, 2], 9)  # n_c = 9: alpha (n_c + 1) = 1 at alpha 0.1
    r = conformal_sets(cal, cal_y, test, None, ["0.1"], class_conditional=True).results[0]
    scores = 1.0 - cal[np.arange(27), cal_y]
    theirs = crepes_sets(scores, 1.0 - test, "0.1", cal_y)
    assert [t.k for t in r.class_thresholds] == [9, 9, 9]
    # k_c = 9 = n_c: our qhat_c is the largest score; crepes' rule p >= 0.1 is met by
    # every class (count + 1 >= 1), i.e. the 10th order statistic, +inf: full sets.
    assert theirs.all()
    assert not r.sets.all()
    np.testing.assert_array_equal(r.sets, (1.0 - test) <= [t.qhat for t in r.class_thresholds])
