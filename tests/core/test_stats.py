import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import stats

from clfdiag.core.stats import (
    binomial_two_sided,
    delong_paired,
    mcnemar_exact,
    paired_bootstrap,
    paired_t,
    student_t_quantile,
    student_t_sf,
)
from tests.strategies import probability


@given(st.integers(0, 5000), st.data())
def test_binomial_matches_scipy(n, data):
    k = data.draw(st.integers(0, n))
    expected = stats.binomtest(k, n, 0.5).pvalue if n else 1.0
    # SciPy underflows to 0 below about 1e-300 where the log-space sum still has a value.
    assert binomial_two_sided(k, n) == pytest.approx(expected, rel=1e-9, abs=1e-250)


@pytest.mark.parametrize(("k", "n"), [(499_000, 1_000_000), (4_990_000, 10_000_000), (3, 10**6)])
def test_binomial_large_n(k, n):
    assert binomial_two_sided(k, n) == pytest.approx(stats.binomtest(k, n, 0.5).pvalue,
                                                    rel=1e-6, abs=1e-300)


@given(hnp.arrays(np.bool_, st.integers(1, 300)), st.data())
def test_mcnemar_counts_and_p_value(a, data):
    b = data.draw(hnp.arrays(np.bool_, len(a)))
    result = mcnemar_exact(a, b)
    assert result.b01 == int((~a & b).sum())
    assert result.b10 == int((a & ~b).sum())
    n = result.b01 + result.b10
    expected = stats.binomtest(result.b01, n, 0.5).pvalue if n else 1.0
    assert result.p_value == pytest.approx(expected, abs=1e-12)


@given(st.floats(0, 50), st.integers(1, 10**7))
def test_student_t_sf_matches_scipy(t, df):
    assert student_t_sf(t, df) == pytest.approx(stats.t.sf(t, df), rel=1e-7, abs=1e-300)


@pytest.mark.parametrize("df", [1, 2, 5, 30, 1000, 10**6])
def test_student_t_quantile_matches_scipy(df):
    assert student_t_quantile(0.975, df) == pytest.approx(stats.t.ppf(0.975, df), rel=1e-9)


@given(hnp.arrays(np.float64, st.integers(2, 300), elements=st.floats(-40, 40)))
def test_paired_t_matches_scipy(diff):
    result = paired_t(diff)
    if diff.std(ddof=1) == 0:
        assert result.ci == (diff.mean(), diff.mean())
        return
    # SciPy itself warns that its moments are unreliable for near-identical values.
    assume(diff.std(ddof=1) > 1e-9 * max(1.0, abs(diff.mean())))
    ref = stats.ttest_1samp(diff, 0.0)
    ci = ref.confidence_interval(0.95)
    assert result.p_value == pytest.approx(ref.pvalue, abs=1e-9)
    assert result.ci[0] == pytest.approx(ci.low, abs=1e-9)
    assert result.ci[1] == pytest.approx(ci.high, abs=1e-9)


def test_bootstrap_is_seeded_and_brackets_the_mean():
    rng = np.random.default_rng(1)
    diff = rng.normal(0.15, 1.0, 400)
    one = paired_bootstrap(diff, 2000, seed=7)
    assert one == paired_bootstrap(diff, 2000, seed=7)
    assert one != paired_bootstrap(diff, 2000, seed=8)
    assert one.ci[0] < diff.mean() < one.ci[1]
    t = paired_t(diff)
    assert one.ci == pytest.approx(t.ci, abs=0.02)
    assert one.p_value == pytest.approx(t.p_value, abs=0.02)


def naive_delong_paired(y, a, b):
    """DeLong et al. (1988): the covariance of two AUCs from O(m n) placement values."""
    def placements(s):
        pos, neg = s[y == 1], s[y == 0]
        psi = (pos[:, None] > neg) + 0.5 * (pos[:, None] == neg)
        return psi.mean(axis=1), psi.mean(axis=0), psi.mean()
    v10a, v01a, auc_a = placements(a)
    v10b, v01b, auc_b = placements(b)
    s10 = np.cov(np.vstack([v10a, v10b]))
    s01 = np.cov(np.vstack([v01a, v01b]))
    m, n = len(v10a), len(v01a)
    var = (s10[0, 0] + s10[1, 1] - 2 * s10[0, 1]) / m + (s01[0, 0] + s01[1, 1] - 2 * s01[0, 1]) / n
    if var <= 1e-20:
        return auc_a, auc_b, None, None, var
    z = (auc_b - auc_a) / np.sqrt(var)
    return auc_a, auc_b, z, 2 * stats.norm.sf(abs(z)), var


@given(st.integers(4, 150).flatmap(lambda n: st.tuples(
    hnp.arrays(np.int64, n, elements=st.integers(0, 1)),
    hnp.arrays(np.float64, n, elements=probability),
    hnp.arrays(np.float64, n, elements=probability))))
def test_delong_paired_matches_definition(arrays):
    y, a, b = arrays
    y[:2], y[2:4] = 1, 0
    result = delong_paired(y, a, b)
    auc_a, auc_b, z, p, var = naive_delong_paired(y, a, b)
    assert result.auc_a == pytest.approx(auc_a, abs=1e-12)
    assert result.auc_b == pytest.approx(auc_b, abs=1e-12)
    if var > 1e-20:
        assert result.z == pytest.approx(z, rel=1e-6, abs=1e-9)
        assert result.p_value == pytest.approx(p, abs=1e-6)
        half = 1.959963984540054 * np.sqrt(var)
        assert result.ci[0] == pytest.approx(auc_b - auc_a - half, abs=1e-9)


def test_delong_paired_identical_models_has_no_z():
    y = np.array([0, 1, 0, 1, 1, 0])
    p = np.array([0.1, 0.9, 0.3, 0.6, 0.4, 0.5])
    result = delong_paired(y, p, p ** 2)
    assert result.z is None
    assert result.ci == (0.0, 0.0)


def test_delong_paired_is_stable_at_a_million_rows():
    rng = np.random.default_rng(0)
    n = 1_000_000
    y = rng.integers(0, 2, n)
    a = 1 / (1 + np.exp(-(rng.normal(size=n) + 1.0 * y)))
    b = 1 / (1 + np.exp(-(rng.normal(size=n) * 0.5 + np.log(a / (1 - a)))))
    result = delong_paired(y, a, b)
    assert np.isfinite(result.z)
    assert 0 <= result.p_value <= 1
    assert result.ci[0] < result.auc_b - result.auc_a < result.ci[1]


@given(st.integers(4, 150).flatmap(lambda n: st.tuples(
    hnp.arrays(np.int64, n, elements=st.integers(0, 1)),
    hnp.arrays(np.float64, n, elements=probability, unique=True),
    hnp.arrays(np.float64, n, elements=probability, unique=True))))
def test_delong_paired_told_the_scores_are_distinct_matches_definition(arrays):
    # The path that skips the search for ties, against the O(m n) placements.
    y, a, b = arrays
    y[:2], y[2:4] = 1, 0
    result = delong_paired(y, a, b, distinct=(True, True))
    auc_a, auc_b, z, _, var = naive_delong_paired(y, a, b)
    assert result.auc_a == pytest.approx(auc_a, abs=1e-12)
    assert result.auc_b == pytest.approx(auc_b, abs=1e-12)
    if var > 1e-20:
        # Placement means against sums of cumulative counts: a few ulps apart.
        assert result.z == pytest.approx(z, rel=1e-6, abs=1e-9)


@given(st.integers(4, 150).flatmap(lambda n: st.tuples(
    hnp.arrays(np.int64, n, elements=st.integers(0, 1)),
    hnp.arrays(np.float64, n, elements=st.sampled_from([0.0, 0.25, 0.5, 1.0]) | probability),
    hnp.arrays(np.float64, n, elements=probability))))
def test_delong_paired_given_the_orders_matches_definition(arrays):
    # The orders the evaluations' rankings were read in, instead of sorting again.
    y, a, b = arrays
    y[:2], y[2:4] = 1, 0
    orders = (np.argsort(a, kind="stable"), np.argsort(b, kind="stable"))
    result = delong_paired(y, a, b, orders=orders)
    auc_a, auc_b, z, _, var = naive_delong_paired(y, a, b)
    assert result.auc_a == pytest.approx(auc_a, abs=1e-12)
    assert result.auc_b == pytest.approx(auc_b, abs=1e-12)
    if var > 1e-20:
        assert result.z == pytest.approx(z, rel=1e-6, abs=1e-9)
