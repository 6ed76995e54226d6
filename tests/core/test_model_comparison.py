import functools
import math
import warnings

import numpy as np
import pytest
import scikit_posthocs as sp
import scipy.stats as ss
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sklearn.metrics import accuracy_score
from statsmodels.stats.contingency_tables import cochrans_q as sm_cochrans_q
from statsmodels.stats.contingency_tables import mcnemar as sm_mcnemar
from statsmodels.stats.multitest import multipletests

from clfdiag.core import model_comparison as mc
from clfdiag.core.comparison import compare_predictions
from tests.strategies import probability

# Statistics and p-values agree with their oracles to 1e-9 relative: both sides sum a few
# hundred float terms or integrate numerically, which leaves errors far below that; accuracy
# and average ranks are ratios of small integers and agree to 1e-12.
STAT = {"rel": 1e-9, "abs": 1e-300}
EXACT = {"rel": 1e-12, "abs": 1e-12}
DEMSAR_Q_005 = [1.960, 2.343, 2.569, 2.728, 2.850, 2.949, 3.031, 3.102, 3.164]
"""Demsar (2006), Table 5(a): q_0.05 of the Nemenyi test for k = 2..10, to three decimals."""


@functools.cache
def scipy_nemenyi_q(k, alpha=0.05):
    # SciPy's quantile with infinite df takes about a second: once per k.
    return float(ss.studentized_range.ppf(1 - alpha, k, np.inf)) / math.sqrt(2)


def twelve_digits(v):
    return float(f"{v:.12g}")


def brute_force_wilcoxon_p(d):
    """Two-sided p over all 2^n' sign assignments of the nonzero differences' average ranks."""
    nonzero = d[d != 0]
    if nonzero.size == 0:
        return 1.0
    ranks = ss.rankdata(np.abs(nonzero))
    observed = ranks[nonzero > 0].sum()
    bits = (np.arange(2 ** nonzero.size)[:, None] >> np.arange(nonzero.size)) & 1
    totals = bits @ ranks
    return min(1.0, 2 * min(np.mean(totals <= observed), np.mean(totals >= observed)))


def wilcoxon_oracle(d):
    """SciPy's default p; where SciPy runs a permutation test (n <= 13 with ties or zeros,
    seconds a call on a busy machine), the same enumeration done directly."""
    nonzero = d[d != 0]
    untied = np.unique(np.abs(nonzero)).size == nonzero.size == d.size
    if d.size <= 13 and not untied:
        return brute_force_wilcoxon_p(d)
    return float(ss.wilcoxon(d).pvalue)


def rounded_diff(a, b):
    return np.array([twelve_digits(twelve_digits(y) - twelve_digits(x))
                     for x, y in zip(a, b, strict=True)])


p_values = st.lists(st.one_of(st.sampled_from([0.0, 0.001, 0.01, 0.02, 0.05, 0.5, 1.0]),
                              st.floats(0.0, 1.0)), min_size=1, max_size=45)


# --- corrections -------------------------------------------------------------------------

@settings(max_examples=30)  # statsmodels' multipletests takes ~0.15 s a call
@given(p_values)
def test_holm_and_bonferroni_match_statsmodels(ps):
    for method in ("holm", "bonferroni"):
        expected = multipletests(ps, method=method)[1]
        assert mc.adjust_p_values(ps, method) == pytest.approx(list(expected), **STAT)
    assert mc.adjust_p_values(ps, "none") == ps


@given(p_values)
def test_holm_gives_tied_p_values_the_same_adjusted_value(ps):
    adjusted = mc.adjust_p_values(ps + ps[:1], "holm")
    assert adjusted[0] == adjusted[-1]
    assert all(q >= p for p, q in zip(ps, adjusted, strict=False))


def test_a_missing_p_value_stays_missing_and_counts_as_one():
    adjusted = mc.adjust_p_values([0.01, None, 0.02], "holm")
    assert adjusted[1] is None
    assert adjusted[0] == pytest.approx(multipletests([0.01, 1.0, 0.02], method="holm")[1][0])
    assert mc.adjust_p_values([0.01, None], "bonferroni") == [0.02, None]


def test_an_unknown_correction_is_refused():
    with pytest.raises(ValueError, match="unknown correction"):
        mc.adjust_p_values([0.1], "sidak")  # type: ignore[arg-type]


# --- ties and ranks -----------------------------------------------------------------------

def _same_floats(got, want):
    """Equal values, NaN where NaN, and the same sign of every zero (a NaN's sign is moot)."""
    got, want = np.asarray(got), np.asarray(want)
    numbers = ~np.isnan(want)
    return np.array_equal(got, want, equal_nan=True) and np.array_equal(
        np.signbit(got[numbers]), np.signbit(want[numbers]))


@settings(max_examples=300, deadline=None)
@given(hnp.arrays(np.float64, st.integers(0, 60),
                  elements=st.floats(allow_nan=True, allow_infinity=True, allow_subnormal=True)))
def test_round_significant_equals_formatting_to_twelve_digits(values):
    want = np.array([twelve_digits(v) for v in values.tolist()], dtype=np.float64)
    assert _same_floats(mc.round_significant(values), want)


@settings(max_examples=300, deadline=None)
@given(st.integers(10 ** 11, 10 ** 12 - 1), st.integers(-40, 40),
       st.sampled_from([-2, -1, 0, 1, 2]), st.booleans())
def test_round_significant_at_halves_and_their_neighbours(digits, exponent, ulps, negative):
    # A 13th digit of exactly 5 (as near as a float gets) and the floats beside it: where
    # the scaled product's rounding error could tip the rounding.
    centre = float(f"{digits}5e{exponent}")
    value = centre
    for _ in range(abs(ulps)):
        value = math.nextafter(value, math.inf if ulps > 0 else -math.inf)
    value = -value if negative else value
    assert _same_floats(mc.round_significant([value]), [twelve_digits(value)])


def test_round_significant_on_exact_halves_powers_of_ten_and_extremes():
    values = np.array([123456789012.5, 123456789013.5, 0.5, 1e22, 1e23, 9.9999999999995,
                       9.99999999999949, 1e-11, 1e-12, 2.220446049250313e-16, 5e-324,
                       1.7976931348623157e308, 0.0, -0.0, 1.0, -1.0])
    want = np.array([twelve_digits(v) for v in values.tolist()])
    assert _same_floats(mc.round_significant(values), want)
    grid = np.random.default_rng(7).random((50, 40)) * 10.0 ** np.arange(-20, 20)
    assert _same_floats(mc.round_significant(grid),
                        np.vectorize(twelve_digits)(grid))


def test_means_of_folds_summed_in_another_order_tie():
    a, b = 0.9566666666666667, 0.9566666666666666
    assert a != b
    assert mc.round_significant([a])[0] == mc.round_significant([b])[0]
    assert mc.rounded_differences(np.array([a]), np.array([b]))[0] == 0.0
    ranks = mc.ranks_within_rows(np.array([[a, b, 0.5]]), higher_is_better=True)
    assert ranks.tolist() == [[1.5, 1.5, 3.0]]


scores_matrix = st.tuples(st.integers(1, 12), st.integers(2, 7)).flatmap(
    lambda shape: hnp.arrays(np.float64, shape, elements=st.sampled_from(
        [0.0, 0.25, 0.5, 0.7, 0.9566666666666667, 1.0])))


@given(scores_matrix, st.booleans())
def test_ranks_match_scipy_rankdata_with_ties(x, higher):
    expected = ss.rankdata(-x if higher else x, axis=1, method="average")
    got = mc.ranks_within_rows(x, higher_is_better=higher)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)
    np.testing.assert_allclose(mc.average_ranks(x, higher_is_better=higher),
                               expected.mean(axis=0), rtol=0, atol=1e-12)


# --- Wilcoxon -----------------------------------------------------------------------------

differences = st.one_of(
    hnp.arrays(np.float64, st.integers(1, 80), elements=st.integers(-5, 5).map(float)),
    hnp.arrays(np.float64, st.integers(1, 80), elements=st.floats(-10, 10).map(twelve_digits)))


@given(differences)
def test_wilcoxon_matches_scipy_defaults(d):
    if not d.any():
        return  # SciPy warns and may give NaN; see the test of all-zero differences
    result = mc.wilcoxon_signed_rank(d)
    nonzero = d[d != 0]
    ranks = ss.rankdata(np.abs(nonzero))
    r_plus = ranks[nonzero > 0].sum()
    assert result.statistic == pytest.approx(min(r_plus, ranks.sum() - r_plus), **EXACT)
    assert result.p == pytest.approx(wilcoxon_oracle(d), **STAT)


@given(differences)
def test_scipy_default_regime_is_the_documented_rule(d):
    if not d.any():
        return
    result = mc.wilcoxon_signed_rank(d)
    nonzero = d[d != 0]
    tied = np.unique(np.abs(nonzero)).size < nonzero.size
    assert result.exact == (d.size <= 13 or (d.size <= 50 and not tied and nonzero.size == d.size))
    if result.exact and not tied and nonzero.size == d.size:
        assert result.p == pytest.approx(float(ss.wilcoxon(d, method="exact").pvalue), **STAT)
    if not result.exact:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SciPy notes that ties make its exact p inexact
            asymptotic = ss.wilcoxon(d, method="asymptotic", correction=False)
        assert result.p == pytest.approx(float(asymptotic.pvalue), **STAT)


def test_wilcoxon_both_regimes_are_exercised_at_the_boundaries():
    rng = np.random.default_rng(4)
    untied = rng.permutation(np.arange(1, 51)) * rng.choice([-1.0, 1.0], 50)
    assert mc.wilcoxon_signed_rank(untied).exact
    assert not mc.wilcoxon_signed_rank(np.append(untied, 51.0)).exact
    tied = np.array([1.0, 1.0, -2.0, 3.0, 0.0, 4.0, -4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0])
    assert mc.wilcoxon_signed_rank(tied).exact
    assert not mc.wilcoxon_signed_rank(np.append(tied, 11.0)).exact
    for d in (untied, np.append(untied, 51.0), tied, np.append(tied, 11.0)):
        assert mc.wilcoxon_signed_rank(d).p == pytest.approx(ss.wilcoxon(d).pvalue, **STAT)


def test_all_zero_differences_give_p_one():
    for n in (5, 30):
        result = mc.wilcoxon_signed_rank(np.zeros(n))
        assert (result.statistic, result.p, result.nonzero) == (0.0, 1.0, 0)


def test_wilcoxon_by_brute_force_and_scipy_permutation_with_ties_and_a_zero():
    d = np.array([0.5, -0.5, 1.5, 0.0, 2.0, -2.0, 2.0, 3.5])
    p = mc.wilcoxon_signed_rank(d).p
    assert p == pytest.approx(brute_force_wilcoxon_p(d), **STAT)
    assert p == pytest.approx(float(ss.wilcoxon(d).pvalue), **STAT)


# --- Friedman, Cochran's Q, McNemar --------------------------------------------------------

@given(st.tuples(st.integers(2, 30), st.integers(3, 7)).flatmap(
    lambda s: hnp.arrays(np.float64, s, elements=st.integers(0, 4).map(float))))
def test_friedman_matches_scipy(x):
    result = mc.friedman(x)
    tied_everywhere = all(np.unique(row).size == 1 for row in x)
    if tied_everywhere:
        assert result.statistic is None
        assert result.p is None
        return
    expected = ss.friedmanchisquare(*x.T)
    assert result.df == x.shape[1] - 1
    assert result.statistic == pytest.approx(float(expected.statistic), **STAT)
    assert result.p == pytest.approx(float(expected.pvalue), **STAT)
    assert mc.friedman(x, higher_is_better=False).statistic == pytest.approx(result.statistic,
                                                                             **STAT)


@given(st.tuples(st.integers(1, 60), st.integers(2, 6)).flatmap(
    lambda s: hnp.arrays(np.bool_, s)))
def test_cochran_q_matches_statsmodels(x):
    result = mc.cochran_q(x)
    informative = x.any(axis=1) & ~x.all(axis=1)
    if not informative.any():
        assert result.statistic is None
        assert result.p is None
        return
    expected = sm_cochrans_q(x.astype(int))
    assert result.df == x.shape[1] - 1 == expected.df
    assert result.statistic == pytest.approx(float(expected.statistic), **STAT)
    assert result.p == pytest.approx(float(expected.pvalue), **STAT)


@given(st.integers(0, 120).flatmap(lambda n: st.tuples(hnp.arrays(np.bool_, n),
                                                        hnp.arrays(np.bool_, n))))
def test_mcnemar_table_and_exact_p_match_statsmodels(arrays):
    a, b = arrays
    result = mc.mcnemar_table(a, b)
    table = [[int(np.sum(a & b)), int(np.sum(a & ~b))], [int(np.sum(~a & b)), int(np.sum(~a & ~b))]]
    assert [list(row) for row in result.table] == table
    if table[0][1] + table[1][0]:
        assert result.p == pytest.approx(float(sm_mcnemar(table, exact=True).pvalue), **STAT)
    else:
        assert result.p == 1.0


def test_mcnemar_published_table():
    # mlxtend's documentation example, recomputed: exact two-sided p = 0.00634765625.
    a = np.array([True] * 9959 + [True] * 11 + [False] * 1 + [False] * 29)
    b = np.array([True] * 9959 + [False] * 11 + [True] * 1 + [False] * 29)
    result = mc.mcnemar_table(a, b)
    assert result.table == ((9959, 11), (1, 29))
    assert result.p == pytest.approx(0.00634765625, **STAT)


# --- distribution tails ---------------------------------------------------------------------

@given(st.floats(0.0, 400.0), st.integers(1, 60))
def test_chi_square_tail_matches_scipy(x, df):
    expected = float(ss.chi2.sf(x, df))
    assert mc.chi_square_sf(x, df) == pytest.approx(expected, **STAT)


@given(st.floats(0.0, 200.0), st.integers(1, 20), st.integers(1, 200))
def test_f_tail_matches_scipy(f, df1, df2):
    expected = float(ss.f.sf(f, df1, df2))
    if expected < 1e-250:
        return
    assert mc.f_sf(f, df1, df2) == pytest.approx(expected, **STAT)


def test_studentized_range_of_two_has_a_closed_form():
    # The range of two standard normals is sqrt(2) |Z|: P(R > q) = erfc(q / 2). This
    # holds to 1e-12 even deep in the tail, where SciPy's integration is less precise.
    for q in (0.1, 1.0, 3.0, 6.0, 10.0):
        assert mc.studentized_range_sf(q, 2) == pytest.approx(math.erfc(q / 2), rel=1e-12)


@pytest.mark.parametrize("k", range(2, 11))
@pytest.mark.parametrize("alpha", [0.05, 0.1])
def test_nemenyi_q_matches_scipy_and_demsar(k, alpha):
    result = mc.nemenyi(k, 14, alpha)
    expected_q = scipy_nemenyi_q(k, alpha)
    assert result.q == pytest.approx(expected_q, **STAT)
    assert result.cd == pytest.approx(expected_q * math.sqrt(k * (k + 1) / (6 * 14)), **STAT)
    if alpha == 0.05:
        # Published to three decimals (its source tables rounded the last digit either way).
        assert result.q == pytest.approx(DEMSAR_Q_005[k - 2], abs=1e-3)


@given(st.tuples(st.integers(1, 15), st.integers(2, 8)).flatmap(
    lambda s: hnp.arrays(np.float64, s, elements=st.integers(0, 5).map(float))))
def test_nemenyi_p_matches_scikit_posthocs_and_the_critical_difference(x):
    n, k = x.shape
    ranks = mc.average_ranks(x, higher_is_better=False)
    expected = sp.posthoc_nemenyi_friedman(x).to_numpy()
    cd = mc.nemenyi(k, n, 0.05).cd
    for a, b in mc.model_pairs(k):
        p = mc.nemenyi_p(ranks[a], ranks[b], k, n)
        if expected[a, b] > 1e-6:  # SciPy's own tail loses precision below that
            assert p == pytest.approx(expected[a, b], **STAT)
        gap = abs(ranks[a] - ranks[b])
        if abs(gap - cd) > 1e-9:
            assert (p < 0.05) == (gap > cd)


def test_iman_davenport_matches_its_formula_with_scipy_tail():
    x = np.array([[0.8, 0.7, 0.6], [0.9, 0.6, 0.7], [0.7, 0.7, 0.5], [0.85, 0.8, 0.9],
                  [0.6, 0.5, 0.55]])
    chi2 = float(ss.friedmanchisquare(*x.T).statistic)
    n, k = x.shape
    f = (n - 1) * chi2 / (n * (k - 1) - chi2)
    result = mc.iman_davenport(chi2, n, k)
    assert (result.df1, result.df2) == (2, 8)
    assert result.statistic == pytest.approx(f, **STAT)
    assert result.p == pytest.approx(float(ss.f.sf(f, 2, 8)), **STAT)


def test_iman_davenport_undefined_with_one_dataset_and_zero_p_with_perfect_agreement():
    assert mc.iman_davenport(2.0, 1, 3).statistic is None
    agree = mc.iman_davenport(3 * 2.0, 3, 3)  # chi2 = N (k - 1): every dataset ranks alike
    assert (agree.statistic, agree.p) == (None, 0.0)


# --- corrected resampled t ------------------------------------------------------------------

@given(hnp.arrays(np.float64, st.integers(2, 30), elements=st.floats(-1, 1)),
       st.floats(0.01, 1.0))
def test_corrected_t_matches_its_definition_and_is_student_t_without_correction(d, ratio):
    variance = d.var(ddof=1)
    result = mc.corrected_resampled_t(d, ratio)
    if variance <= 0:
        assert result.t is None
        assert result.p is None
        return
    j = d.size
    t = d.mean() / math.sqrt((1 / j + ratio) * variance)
    assert result.df == j - 1
    assert result.t == pytest.approx(t, **STAT)
    assert result.p == pytest.approx(float(2 * ss.t.sf(abs(t), j - 1)), **STAT)
    if variance > 1e-20 * max(1.0, float(np.mean(d)) ** 2):
        plain = mc.corrected_resampled_t(d, 0.0)
        expected = ss.ttest_1samp(d, 0.0)
        assert plain.t == pytest.approx(float(expected.statistic), rel=1e-9)
        assert plain.p == pytest.approx(float(expected.pvalue), rel=1e-9)


# --- many models on the same examples ---------------------------------------------------

@st.composite
def binary_models(draw, k_min=3, k_max=5):
    n = draw(st.integers(4, 120))
    k = draw(st.integers(k_min, k_max))
    y = draw(hnp.arrays(np.int64, n, elements=st.integers(0, 1)))
    probas = [draw(hnp.arrays(np.float64, n, elements=probability)) for _ in range(k)]
    return y, probas


@given(binary_models(), st.sampled_from(mc.CORRECTIONS))
def test_many_models_match_the_two_file_comparison_and_the_oracles(problem, correction):
    y, probas = problem
    result = mc.compare_models(y, probas, correction=correction)
    k = len(probas)
    correct = np.column_stack([(p >= 0.5).astype(int) == y for p in probas])
    for i, ev in enumerate(result.evaluations):
        assert ev.metrics["accuracy"] == pytest.approx(accuracy_score(y, probas[i] >= 0.5),
                                                       **EXACT)
    if (correct.any(axis=1) & ~correct.all(axis=1)).any():
        expected = sm_cochrans_q(correct.astype(int))
        assert result.cochran_q.statistic == pytest.approx(float(expected.statistic), **STAT)
    losses = np.column_stack([-np.log(np.clip(np.where(y == 1, p, 1 - p), np.finfo(float).eps,
                                              1 - np.finfo(float).eps)) for p in probas])
    if result.friedman_log_loss.statistic is not None:
        rounded = np.vectorize(twelve_digits)(losses)
        expected = ss.friedmanchisquare(*rounded.T)
        assert result.friedman_log_loss.statistic == pytest.approx(float(expected.statistic),
                                                                   rel=1e-6)
    assert [(pr.a, pr.b) for pr in result.pairs] == mc.model_pairs(k)
    for pair in result.pairs:
        two = compare_predictions(y, probas[pair.a], probas[pair.b])
        assert pair.log_loss.mean_diff == two.log_loss_test.mean_diff
        assert pair.log_loss.p_value == two.log_loss_test.p_value
        assert pair.mcnemar.p == two.mcnemar.p_value
        assert (pair.delong is None) == (two.delong is None)
        if pair.delong is not None:
            assert pair.delong.p_value == two.delong.p_value
        d = rounded_diff(losses[:, pair.a], losses[:, pair.b])
        if d.any():
            assert pair.wilcoxon_log_loss.p == pytest.approx(wilcoxon_oracle(d), rel=1e-6)
    raw = [pr.log_loss.p_value for pr in result.pairs]
    assert [pr.log_loss_p_adjusted for pr in result.pairs] == mc.adjust_p_values(raw, correction)
    means = [ev.metrics["log_loss"] for ev in result.evaluations]
    assert result.best == int(np.argmin(means))
    expected_not_worse = []
    for pair in result.pairs:
        if result.best in (pair.a, pair.b):
            other = pair.b if pair.a == result.best else pair.a
            if pair.log_loss_p_adjusted is None or pair.log_loss_p_adjusted >= 0.05:
                expected_not_worse.append(other)
    assert list(result.not_significantly_worse) == sorted(expected_not_worse)


def test_identical_models_and_a_model_with_every_example_right():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 60)
    noisy = y * 0.4 + rng.uniform(0.1, 0.6, 60)  # some negatives above 0.5: wrong
    perfect = y.astype(float)
    result = mc.compare_models(y, [noisy, noisy.copy(), perfect])
    same = result.pairs[0]
    assert same.mcnemar.table[0][1] == same.mcnemar.table[1][0] == 0
    assert same.mcnemar.p == 1.0
    assert (same.wilcoxon_log_loss.statistic, same.wilcoxon_log_loss.p) == (0.0, 1.0)
    assert same.log_loss.p_value is None
    assert same.log_loss_p_adjusted is None
    assert same.delong is not None
    assert same.delong.p_value is None
    assert result.evaluations[2].metrics["accuracy"] == 1.0
    assert result.best == 2
    assert result.metric_ranks["accuracy"] is not None
    assert result.metric_ranks["accuracy"][2] == 1.0
    assert result.metric_ranks["log_loss"] == (2.5, 2.5, 1.0)


def test_first_model_wins_a_tie_for_lowest_log_loss_and_identical_is_not_worse():
    y = np.array([0, 1, 0, 1, 1, 0])
    p = np.array([0.2, 0.7, 0.4, 0.9, 0.6, 0.1])
    worse = np.array([0.6, 0.4, 0.5, 0.5, 0.3, 0.7])
    result = mc.compare_models(y, [worse, p, p.copy()])
    assert result.best == 1
    assert 2 in result.not_significantly_worse


def test_multiclass_models_have_no_delong():
    rng = np.random.default_rng(2)
    y = rng.integers(0, 3, 40)
    probas = [rng.dirichlet(np.ones(3), 40) for _ in range(3)]
    result = mc.compare_models(y, probas)
    assert all(pr.delong is None and pr.delong_p_adjusted is None for pr in result.pairs)
    correct = np.column_stack([p.argmax(axis=1) == y for p in probas])
    expected = sm_cochrans_q(correct.astype(int))
    assert result.cochran_q.p == pytest.approx(float(expected.pvalue), **STAT)


# --- many models across datasets ---------------------------------------------------------

@given(st.tuples(st.integers(1, 12), st.integers(2, 6)).flatmap(
    lambda s: hnp.arrays(np.float64, s, elements=st.sampled_from(
        [0.61, 0.7, 0.75, 0.8, 0.9566666666666667, 0.9566666666666666]))),
    st.booleans(), st.sampled_from(mc.CORRECTIONS))
def test_ranking_matches_the_oracles(x, higher, correction):
    result = mc.rank_models(x, higher_is_better=higher, correction=correction)
    n, k = x.shape
    rounded = np.vectorize(twelve_digits)(x)
    expected_ranks = ss.rankdata(-rounded if higher else rounded, axis=1).mean(axis=0)
    np.testing.assert_allclose(result.average_ranks, expected_ranks, rtol=0, atol=1e-12)
    if k >= 3 and not all(np.unique(row).size == 1 for row in rounded):
        expected = ss.friedmanchisquare(*rounded.T)
        assert result.friedman.statistic == pytest.approx(float(expected.statistic), **STAT)
    assert result.nemenyi.cd == pytest.approx(
        scipy_nemenyi_q(k) * math.sqrt(k * (k + 1) / (6 * n)), **STAT)
    raw = []
    for pair in result.pairs:
        d = rounded_diff(x[:, pair.a], x[:, pair.b])
        raw.append(pair.wilcoxon.p)
        if d.any():
            assert pair.wilcoxon.p == pytest.approx(wilcoxon_oracle(d), **STAT)
        else:
            assert pair.wilcoxon.p == 1.0
    assert [pr.p_adjusted for pr in result.pairs] == mc.adjust_p_values(raw, correction)
    assert result.corrected_t is None


def test_one_dataset():
    result = mc.rank_models(np.array([[0.9, 0.8, 0.7]]))
    assert result.average_ranks.tolist() == [1.0, 2.0, 3.0]
    assert result.friedman.statistic == pytest.approx(2.0, **STAT)
    assert result.iman_davenport.statistic is None
    assert result.iman_davenport.p is None
    assert all(pr.wilcoxon.p == 1.0 for pr in result.pairs)


def test_folds_use_per_dataset_means_and_the_corrected_t():
    rng = np.random.default_rng(3)
    folds = [rng.uniform(0.6, 0.9, size=(10, 3)) for _ in range(4)]
    result = mc.rank_models(None, fold_scores=folds, test_train_ratio=0.25)
    means = np.array([f.mean(axis=0) for f in folds])
    np.testing.assert_allclose(result.scores, means, rtol=0, atol=0)
    plain = mc.rank_models(means)
    np.testing.assert_array_equal(result.average_ranks, plain.average_ranks)
    assert result.corrected_t is not None
    assert [(t.dataset, t.a, t.b) for t in result.corrected_t] == [
        (d, a, b) for d in range(4) for a, b in mc.model_pairs(3)]
    first = result.corrected_t[0].test
    d = folds[0][:, 1] - folds[0][:, 0]
    t = d.mean() / math.sqrt((1 / 10 + 0.25) * d.var(ddof=1))
    assert first.t == pytest.approx(t, **STAT)
    assert first.p == pytest.approx(float(2 * ss.t.sf(abs(t), 9)), **STAT)
    with pytest.raises(ValueError, match="test/train ratio"):
        mc.rank_models(None, fold_scores=folds)


@pytest.mark.parametrize("alpha", [0.9, 0.99999, 0.999999])
def test_nemenyi_q_keeps_its_precision_for_alpha_near_one(alpha):
    # There P(R <= q) is tiny: bisected on the lower tail, not on 1 - the upper one.
    # The range of two standard normals is sqrt(2) |Z|: q / sqrt(2) = Phi^-1(1/2 + p/2).
    exact = float(ss.norm.ppf(0.5 + (1 - alpha) / 2))
    assert mc.nemenyi(2, 10, alpha).q == pytest.approx(exact, rel=1e-9)
    assert mc.studentized_range_cdf(2.0, 3) == pytest.approx(
        float(ss.studentized_range.cdf(2.0, 3, np.inf)), rel=1e-9)
