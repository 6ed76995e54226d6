import math
import warnings

import numpy as np
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import optimize, stats
from scipy.special import expit
from sklearn.isotonic import IsotonicRegression
from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score
from statsmodels.nonparametric.smoothers_lowess import lowess

from clfdiag.core.calibration_tests import (
    ONE_CLASS,
    ONE_LOGIT,
    POOLED_GROUPS,
    SEPARATED,
    WEIGHTED,
    CalibrationTestSettings,
    ScoreGroups,
    _separated,
    _type7_quantiles,
    calibration_tests,
    calibration_tests_per_class,
    chi2_sf,
    decomposition_change,
    hosmer_lemeshow,
    isotonic_fit,
    lowess_fit,
    normal_two_sided,
    score_decomposition,
    score_groups,
)
from clfdiag.core.evaluation import evaluate_predictions
from clfdiag.core.ranking import rank_binary, rank_weighted
from tests.strategies import binary_problems, both_classes, multiclass_problems

EPS = np.finfo(np.float64).eps


def clipped(p):
    return np.clip(p, EPS, 1 - EPS)


def clipped_logit(p):
    q = clipped(p)
    return np.log(q) - np.log1p(-q)


def deviance(y, q):
    """-2 ln L of probabilities q (already inside (0, 1))."""
    return float(-2 * np.sum(y * np.log(q) + (1 - y) * np.log1p(-q)))


# A grid with ties, 0 and 1 (clipped), and values 1e-3 apart (no near-ties under 1e-15).
grid_probability = st.one_of(st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0]),
                             st.integers(1, 999).map(lambda k: k / 1000))


@st.composite
def grid_problems(draw, min_size=2, max_size=120):
    n = draw(st.integers(min_size, max_size))
    y = draw(hnp.arrays(np.int64, n, elements=st.integers(0, 1)))
    p = draw(hnp.arrays(np.float64, n, elements=grid_probability))
    return y, p


# --- distributions ----------------------------------------------------------------------

@given(st.floats(0, 5000), st.integers(1, 400))
def test_chi2_sf_matches_scipy(x, df):
    expected = stats.chi2.sf(x, df)
    # A finite sum of positive terms in log space: a few ulps per term.
    assert chi2_sf(x, df) == pytest.approx(expected, rel=1e-10, abs=1e-300)


@given(st.floats(-37, 37))
def test_normal_two_sided_matches_scipy_sf(z):
    # Beyond |z| = 37 both are subnormal, where relative accuracy is lost.
    assert normal_two_sided(z) == pytest.approx(2 * stats.norm.sf(abs(z)), rel=1e-12, abs=1e-300)


def test_far_tails_do_not_underflow_to_zero():
    # 1 - cdf would give exactly 0 here.
    assert normal_two_sided(30.0) > 0
    assert chi2_sf(300.0, 8) > 0
    assert chi2_sf(300.0, 8) == pytest.approx(stats.chi2.sf(300.0, 8), rel=1e-10)


# --- logistic recalibration: statsmodels ------------------------------------------------

def statsmodels_fits(y, p):
    """statsmodels' Logit of y on logit(p) and its GLM with logit(p) as offset; None on failure."""
    z = clipped_logit(p)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            joint = sm.Logit(y, sm.add_constant(z, has_constant="add")).fit(
                method="newton", disp=0, tol=1e-14, maxiter=500, start_params=[0.0, 1.0])
            if not np.all(np.isfinite(joint.params)):
                joint = None
            else:
                # statsmodels computes these lazily (llnull refits): read them here.
                joint.llf, joint.llnull, joint.cov_params()
        except np.linalg.LinAlgError:
            joint = None
        offset = sm.GLM(y, np.ones(y.size), family=sm.families.Binomial(), offset=z).fit(
            start_params=[0.0], tol=1e-14, maxiter=500)
        # Its IRLS can run away on tiny or saturated inputs: kept only where its own
        # score equation holds.
        score = np.sum(expit(offset.params[0] + z)) - y.sum()
        if not (np.all(np.isfinite(offset.params)) and abs(score) < 1e-12 * y.size):
            offset = None
    return joint, offset


def offset_root(y, p):
    """The calibration in the large by bisection of its score equation (scipy's brentq)."""
    z = clipped_logit(p)
    return optimize.brentq(lambda a: np.sum(expit(a + z)) - y.sum(), -80, 80, xtol=1e-14,
                           rtol=4 * EPS)


@settings(max_examples=80, deadline=None)
@given(both_classes(min_size=4, max_size=150))
def test_logistic_calibration_matches_statsmodels(problem):
    y, p = problem
    t = calibration_tests(y, p)
    joint, offset = statsmodels_fits(y, p)
    n = y.size
    if t.calibration_in_the_large is not None:
        a, se = t.calibration_in_the_large, t.calibration_in_the_large_se
        # The score equation is a sum of n terms, known to ~n ulps; divided by its
        # slope (the information, 1 / se^2) that is the accuracy of its root.
        tol = 1e-8 + 1e-12 * y.size * se * se
        assert a == pytest.approx(offset_root(y, p), abs=tol)
        t_ = a + clipped_logit(p)
        assert se == pytest.approx(1 / np.sqrt(np.sum(expit(t_) * expit(-t_))), rel=1e-9)
        if offset is not None and se < 100:
            assert a == pytest.approx(offset.params[0], abs=tol)
            assert se == pytest.approx(offset.bse[0], rel=1e-6)
    if t.calibration_slope is None:
        return
    # The score equations hold at the fit: sum (sigmoid(a + b z) - y) (1, z) = 0, up to
    # rounding of n terms of size |z| <= 36.04.
    z = clipped_logit(p)
    r = expit(t.calibration_intercept + t.calibration_slope * z) - y
    assert abs(r.sum()) <= 1e-9 * n
    assert abs(np.dot(r, z)) <= 1e-9 * n * 37
    dev_fit = deviance(y, clipped(p)) - t.unreliability.chi2
    # statsmodels' Newton can fail where the fit rests on clipped 0s and 1s; where it
    # reaches the same likelihood, its coefficients are compared.
    if joint is None or -2 * joint.llf > dev_fit + 1e-9 * (1 + dev_fit):
        return
    assert -2 * joint.llf >= dev_fit - 1e-9 * (1 + dev_fit)
    # Both fits are Newton iterations run to convergence; they meet to the accuracy
    # the curvature allows: tight where the log-likelihood is sharply curved.
    se = np.sqrt(np.diag(joint.cov_params()))
    assert abs(t.calibration_intercept - joint.params[0]) <= 1e-6 * (1 + se[0])
    assert abs(t.calibration_slope - joint.params[1]) <= 1e-6 * (1 + se[1])
    # Deviances are sums of n terms of size ~1: compare to n times a few ulps.
    dev_given = deviance(y, clipped(p))
    chi2 = dev_given + 2 * joint.llf
    tol = 1e-9 * (1 + dev_given)
    assert t.unreliability.chi2 == pytest.approx(chi2, abs=tol)
    assert t.unreliability.u == pytest.approx((chi2 - 2) / n, abs=tol / n)
    assert t.unreliability.p == pytest.approx(stats.chi2.sf(t.unreliability.chi2, 2), rel=1e-12)
    null = -2 * joint.llnull
    lr = null - dev_given
    assert t.discrimination_index == pytest.approx((lr - 1) / n, abs=tol / n)
    assert t.quality_index == pytest.approx((lr - 1) / n - (chi2 - 2) / n, abs=2 * tol / n)
    r2 = (1 - np.exp(-lr / n)) / (1 - np.exp(-null / n))
    # The deviances' rounding (tol) carried through 1 - exp(-LR / n) over its denominator.
    assert t.r2_nagelkerke == pytest.approx(r2, abs=2 * tol / n / -np.expm1(-null / n))


def test_calibration_in_the_large_differs_from_the_joint_intercept():
    rng = np.random.default_rng(3)
    p = rng.uniform(0.02, 0.98, 3000)
    y = (rng.uniform(size=p.size) < p ** 2).astype(int)
    t = calibration_tests(y, p)
    joint, offset = statsmodels_fits(y, p)
    assert t.calibration_intercept == pytest.approx(joint.params[0], rel=1e-9)
    assert t.calibration_slope == pytest.approx(joint.params[1], rel=1e-9)
    assert t.calibration_in_the_large == pytest.approx(offset.params[0], rel=1e-9)
    assert abs(t.calibration_in_the_large - t.calibration_intercept) > 0.05


@pytest.mark.parametrize("ends", [0, 50])
def test_fits_started_from_pooled_groups_match_statsmodels(ends):
    # Above 2 POOLED_GROUPS distinct scores the fits start from the pooled groups;
    # ``ends`` probabilities of exactly 0 and 1 stretch z over the clipped range.
    rng = np.random.default_rng(11)
    p = rng.beta(0.7, 1.3, 2 * POOLED_GROUPS + 5000)
    p[:ends], p[ends:2 * ends] = 0.0, 1.0
    y = (rng.uniform(size=p.size) < np.clip(p, 0.01, 0.99) ** 1.5).astype(int)
    t = calibration_tests(y, p)
    joint, offset = statsmodels_fits(y, p)
    # Both are Newton iterations to convergence on the same likelihood: they meet to
    # within ~n ulps of the score equations over the curvature.
    assert t.calibration_intercept == pytest.approx(joint.params[0], rel=1e-9)
    assert t.calibration_slope == pytest.approx(joint.params[1], rel=1e-9)
    assert t.calibration_in_the_large == pytest.approx(offset.params[0], rel=1e-9)
    t_ = t.calibration_in_the_large + clipped_logit(p)
    se = 1 / np.sqrt(np.sum(expit(t_) * expit(-t_)))
    assert t.calibration_in_the_large_se == pytest.approx(se, rel=1e-9)
    # statsmodels' IRLS stops at its own tolerance, a little away from the maximum.
    assert t.calibration_in_the_large_se == pytest.approx(offset.bse[0], rel=1e-6)
    chi2 = deviance(y, clipped(p)) + 2 * joint.llf
    assert t.unreliability.chi2 == pytest.approx(chi2, rel=1e-9)


def test_perfect_calibration_has_intercept_zero_and_slope_one_in_the_limit():
    rng = np.random.default_rng(7)
    p = rng.uniform(0.05, 0.95, 300_000)
    y = (rng.uniform(size=p.size) < p).astype(int)
    t = calibration_tests(y, p)
    # Sampling error only: a few standard errors of ~0.01.
    assert abs(t.calibration_intercept) < 0.05
    assert abs(t.calibration_slope - 1) < 0.05
    assert abs(t.calibration_in_the_large) < 4 * t.calibration_in_the_large_se
    assert t.e_avg is None
    assert "lowess" in t.undefined["e_avg"]


# --- Spiegelhalter, Dxy -------------------------------------------------------------------

@given(binary_problems(min_size=1, max_size=150))
def test_spiegelhalter_matches_its_definition(problem):
    y, p = problem
    t = calibration_tests(y, p)
    num = 0.0
    var = 0.0
    for yi, pi in zip(y.tolist(), p.tolist(), strict=True):
        num += (yi - pi) * (1 - 2 * pi)
        var += (1 - 2 * pi) ** 2 * pi * (1 - pi)
    if var == 0:
        assert t.spiegelhalter is None
        assert "variance" in t.undefined["spiegelhalter"]
        return
    z = num / math.sqrt(var)
    # Sums of n terms in another order: a relative error of n ulps on the numerator,
    # which can be small against its terms.
    scale = sum(abs((yi - pi) * (1 - 2 * pi)) for yi, pi in zip(y, p, strict=True))
    assert t.spiegelhalter.z == pytest.approx(z, abs=1e-12 * (1 + scale) / math.sqrt(var),
                                              rel=1e-9)
    assert t.spiegelhalter.p == pytest.approx(2 * stats.norm.sf(abs(t.spiegelhalter.z)),
                                              rel=1e-12)


@given(both_classes(max_size=150))
def test_dxy_is_exact_two_auc_minus_one(problem):
    y, p = problem
    assert calibration_tests(y, p).dxy == pytest.approx(2 * roc_auc_score(y, p) - 1,
                                                        abs=1e-12)


# --- Hosmer-Lemeshow: brute force ---------------------------------------------------------

def r_type7(sorted_x, prob):
    """R's quantile(type = 7), written out as in R's quantile.default."""
    n = len(sorted_x)
    index = 1 + (n - 1) * prob
    lo, hi = math.floor(index), math.ceil(index)
    q = sorted_x[lo - 1]
    h = index - lo
    if index > lo and sorted_x[hi - 1] != q:
        q = (1 - h) * q + h * sorted_x[hi - 1]
    return q


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(0.0, 1.0), min_size=1, max_size=40), st.booleans(),
       st.integers(3, 12))
def test_type7_quantiles_of_groups_equal_rs_on_the_rows(values, distinct, g):
    """Both ways to the order statistics: one example a group (distinct) and counted ties."""
    p = np.array(sorted(set(values)) if distinct else values)
    y = np.zeros(p.size, dtype=np.int8)
    probs = np.array([min(k * (1.0 / g), 1.0) for k in range(g + 1)])
    ours = _type7_quantiles(score_groups(rank_binary(y, p)), probs)
    xs = sorted(p.tolist())
    assert ours.tolist() == [r_type7(xs, q) for q in probs]


def brute_hl(y, p, g, method):
    n = len(p)
    if method == "quantile":
        xs = sorted(p.tolist())
        probs = [min(k * (1.0 / g), 1.0) for k in range(g + 1)]
        breaks = sorted({r_type7(xs, q) for q in probs})
        members = [[] for _ in range(max(len(breaks) - 1, 1))]
        for i in range(n):
            for b in range(len(members)):
                low = breaks[b] if len(breaks) > 1 else breaks[0]
                high = breaks[b + 1] if len(breaks) > 1 else breaks[0]
                if (low < p[i] <= high) or (b == 0 and p[i] == low):
                    members[b].append(i)
                    break
    else:
        order = sorted(range(n), key=lambda i: p[i])  # Python's sort is stable
        members = [part.tolist() for part in np.array_split(np.array(order, dtype=int), g)]
    members = [m for m in members if m]
    assert sum(len(m) for m in members) == n
    stat = 0.0
    for m in members:
        o1 = sum(y[i] for i in m)
        e1 = sum(p[i] for i in m)
        o0, e0 = len(m) - o1, sum(1 - p[i] for i in m)
        if e1 <= 0 or e0 <= 0:
            return None, len(members)
        stat += (o1 - e1) ** 2 / e1 + (o0 - e0) ** 2 / e0
    return stat, len(members)


@settings(max_examples=200, deadline=None)
@given(grid_problems(min_size=1, max_size=80), st.integers(3, 12),
       st.sampled_from(["quantile", "equal-count"]))
def test_hosmer_lemeshow_matches_brute_force(problem, g, method):
    y, p = problem
    hl, reason = hosmer_lemeshow(score_groups(rank_binary(y, p)), y, p, g=g, method=method)
    stat, formed = brute_hl(y, p, g, method)
    if stat is None:
        assert hl is None
        assert "expected count" in reason
        return
    assert hl.method == method
    assert hl.groups == formed
    assert hl.df == g - 2
    # Group sums in another order: rounding of order n ulps relative to the terms.
    assert hl.statistic == pytest.approx(stat, rel=1e-9, abs=1e-9)
    assert hl.p == pytest.approx(stats.chi2.sf(hl.statistic, g - 2), rel=1e-9, abs=1e-300)


def test_equal_count_splits_ties_in_file_order():
    # Six rows tied at 0.5: parts of 2 take them in file order, so the labels differ by part.
    p = np.array([0.5] * 6 + [0.9] * 3)
    y = np.array([1, 1, 0, 0, 1, 0, 1, 1, 1])
    hl, _ = hosmer_lemeshow(score_groups(rank_binary(y, p)), y, p, g=3, method="equal-count")
    stat, formed = brute_hl(y, p, 3, "equal-count")
    assert hl.groups == formed == 3
    assert hl.statistic == pytest.approx(stat, rel=1e-12)


def test_fewer_distinct_p_than_groups_keeps_df():
    # Unique breaks 0.2, 0.5, 0.8: two groups, [0.2, 0.5] and (0.5, 0.8], as hoslem.test.
    p = np.repeat([0.2, 0.5, 0.8], 30)
    y = np.tile(np.r_[np.ones(10), np.zeros(20)].astype(int), 3)
    t = calibration_tests(y, p)
    assert t.hosmer_lemeshow.groups == 2
    assert t.hosmer_lemeshow.df == 8
    stat, _ = brute_hl(y, p, 10, "quantile")
    assert t.hosmer_lemeshow.statistic == pytest.approx(stat, rel=1e-12)


def test_hosmer_lemeshow_method_and_groups_are_passed():
    rng = np.random.default_rng(1)
    p = rng.uniform(size=500)
    y = (rng.uniform(size=500) < p).astype(int)
    t = calibration_tests(y, p, hl_groups=5, hl_method="equal-count")
    assert (t.hosmer_lemeshow.method, t.hosmer_lemeshow.groups, t.hosmer_lemeshow.df) == (
        "equal-count", 5, 3)


# --- lowess: statsmodels ------------------------------------------------------------------

@settings(max_examples=150, deadline=None)
@given(grid_problems(min_size=2, max_size=120), st.sampled_from([0.0, 0.01, 0.1]))
def test_lowess_matches_statsmodels(problem, delta_share):
    y, p = problem
    order = np.argsort(p, kind="stable")
    x, yy = p[order], y[order].astype(float)
    delta = delta_share * float(np.ptp(x))
    with warnings.catch_warnings():
        # statsmodels divides 0 by a radius of 0 (all neighbours tied), then uses y.
        warnings.simplefilter("ignore", RuntimeWarning)
        expected = lowess(yy, x, frac=2 / 3, it=0, delta=delta, is_sorted=True,
                          return_sorted=False)
    # The same weighted sums in another order; the weighted variance of x is at
    # least 1e-12, so rounding is amplified by at most ~1e4 on values of size 1.
    np.testing.assert_allclose(lowess_fit(x, yy, delta=delta), expected, rtol=0, atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(grid_problems(min_size=2, max_size=120))
def test_smoothed_errors_follow_val_prob(problem):
    y, p = problem
    t = calibration_tests(y, p)
    order = np.argsort(p, kind="stable")
    x = p[order]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        fit = lowess(y[order].astype(float), x, frac=2 / 3, it=0,
                     delta=0.01 * float(np.ptp(x)), is_sorted=True, return_sorted=False)
    # R's approx(..., ties = mean): each distinct p gets the mean fit of its rows.
    smooth = {v: fit[x == v].mean() for v in np.unique(x)}
    err = np.abs(p - np.array([smooth[v] for v in p]))
    assert t.e_avg == pytest.approx(err.mean(), abs=1e-9)
    assert t.e_90 == pytest.approx(np.quantile(err, 0.9), abs=1e-9)
    assert t.e_max == pytest.approx(err.max(), abs=1e-9)


# --- CORP decomposition -------------------------------------------------------------------

@given(grid_problems(min_size=1, max_size=150))
def test_pav_matches_scikit_learn(problem):
    y, p = problem
    groups = score_groups(rank_binary(y, p))
    iso = IsotonicRegression().fit(p, y)
    np.testing.assert_allclose(isotonic_fit(groups), iso.predict(groups.values), atol=1e-12)


@given(grid_problems(min_size=1, max_size=150),
       st.lists(st.floats(0.01, 5.0), min_size=150, max_size=150))
def test_weighted_pav_matches_scikit_learn(problem, w):
    y, p = problem
    w = np.array(w[: y.size])
    groups = score_groups(rank_weighted(y, p, w))
    iso = IsotonicRegression().fit(p, y, sample_weight=w)
    np.testing.assert_allclose(isotonic_fit(groups), iso.predict(groups.values), atol=1e-12)


def brute_decomposition(y, p, w=None):
    w = np.ones(y.size) if w is None else w
    iso = IsotonicRegression().fit(p, y, sample_weight=w).predict(p)
    ybar = np.average(y, weights=w)

    def entropy_of(q):
        # 0 ln 0 = 0: a fitted 0 (1) occurs only where every label is 0 (1).
        q = np.asarray(q, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            pos = np.where(y == 1, -np.log(q), 0.0)
            neg = np.where(y == 0, -np.log1p(-q), 0.0)
        return np.average(pos + neg, weights=w)

    score_ll = log_loss(y, clipped(p), sample_weight=w, labels=[0, 1])
    score_b = brier_score_loss(y, p, sample_weight=w, labels=[0, 1])
    s_iso_ll, s_base_ll = entropy_of(iso), entropy_of(np.full(y.size, ybar))
    s_iso_b = np.average((iso - y) ** 2, weights=w)
    s_base_b = np.average((ybar - y) ** 2, weights=w)
    return ((score_ll, score_ll - s_iso_ll, s_base_ll - s_iso_ll, s_base_ll),
            (score_b, score_b - s_iso_b, s_base_b - s_iso_b, s_base_b))


def parts(d):
    return (d.score, d.miscalibration, d.discrimination, d.uncertainty)


@given(grid_problems(min_size=1, max_size=150))
def test_decomposition_matches_brute_force(problem):
    y, p = problem
    d = score_decomposition(y, p)
    expected_ll, expected_b = brute_decomposition(y, p)
    # Means of n terms up to ~36 (clipped logs): a few ulps times n.
    np.testing.assert_allclose(parts(d.log_loss), expected_ll, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(parts(d.brier), expected_b, rtol=1e-9, atol=1e-12)


@given(binary_problems(min_size=1, max_size=200))
def test_score_is_miscalibration_minus_discrimination_plus_uncertainty(problem):
    y, p = problem
    d = score_decomposition(y, p)
    for s in (d.log_loss, d.brier):
        # Three sums of the same size: rounding of a few ulps of the largest.
        scale = max(abs(s.score), abs(s.miscalibration), abs(s.uncertainty), 1.0)
        assert s.score == pytest.approx(s.miscalibration - s.discrimination + s.uncertainty,
                                        abs=1e-12 * scale)
        assert s.miscalibration >= -1e-12 * scale
        assert s.discrimination >= -1e-12 * scale
    assert d.log_loss.score == pytest.approx(log_loss(y, clipped(p), labels=[0, 1]),
                                             rel=1e-12, abs=1e-15)


@given(grid_problems(min_size=1, max_size=60),
       st.lists(st.integers(1, 4), min_size=60, max_size=60))
def test_integer_weights_count_as_copies(problem, counts):
    y, p = problem
    w = np.array(counts[: y.size], dtype=float)
    weighted = score_decomposition(y, p, weights=w)
    copies = score_decomposition(np.repeat(y, counts[: y.size]), np.repeat(p, counts[: y.size]))
    for a, b in ((weighted.log_loss, copies.log_loss), (weighted.brier, copies.brier)):
        np.testing.assert_allclose(parts(a), parts(b), rtol=1e-10, atol=1e-13)


def test_weighted_tests_are_undefined_with_a_reason():
    rng = np.random.default_rng(2)
    p = rng.uniform(size=200)
    y = (rng.uniform(size=200) < p).astype(int)
    w = rng.uniform(0.5, 2.0, 200)
    t = calibration_tests(y, p, weights=w)
    for key in ("spiegelhalter", "calibration_slope", "unreliability", "hosmer_lemeshow",
                "e_avg", "r2_nagelkerke"):
        assert getattr(t, key) is None
        assert t.undefined[key] == WEIGHTED
    assert t.dxy == pytest.approx(2 * roc_auc_score(y, p, sample_weight=w) - 1, abs=1e-12)
    expected_ll, _ = brute_decomposition(y, p, w)
    np.testing.assert_allclose(parts(t.decomposition.log_loss), expected_ll, rtol=1e-9)


def test_recalibration_lowers_miscalibration_only():
    # A monotone map of p leaves the isotonic fit, hence S(iso) and DSC, unchanged.
    rng = np.random.default_rng(5)
    p = rng.uniform(0.01, 0.99, 5000)
    y = (rng.uniform(size=p.size) < p).astype(int)
    sharp = 1 / (1 + np.exp(-3 * np.log(p / (1 - p))))
    before, after = score_decomposition(y, sharp), score_decomposition(y, p)
    change = decomposition_change(before, after)
    for c, a, b in ((change.log_loss, before.log_loss, after.log_loss),
                    (change.brier, before.brier, after.brier)):
        assert c.miscalibration < 0
        assert c.discrimination == pytest.approx(0, abs=1e-12)
        assert c.uncertainty == 0
        assert c.miscalibration - c.discrimination + c.uncertainty == pytest.approx(
            b.score - a.score, abs=1e-12)


# --- edge cases ---------------------------------------------------------------------------

def test_one_class_leaves_the_logistic_summaries_undefined():
    p = np.array([0.1, 0.4, 0.7, 0.9])
    t = calibration_tests(np.zeros(4, dtype=int), p)
    for key in ("calibration_intercept", "calibration_slope", "calibration_in_the_large",
                "calibration_in_the_large_se", "unreliability", "discrimination_index",
                "quality_index", "r2_nagelkerke"):
        assert getattr(t, key) is None
        assert t.undefined[key] == ONE_CLASS
    assert t.dxy is None
    assert t.undefined["dxy"] == ONE_CLASS
    assert t.spiegelhalter is not None  # defined with one class
    assert t.decomposition.log_loss.uncertainty == 0


def test_probabilities_zero_and_one_are_clipped_and_counted():
    p = np.array([0.0, 1.0, 0.3, 0.6, 0.2, 0.8, 1.0, 0.0])
    y = np.array([0, 1, 1, 0, 0, 1, 0, 1])
    t = calibration_tests(y, p)
    assert t.clipped == 4
    z = clipped_logit(p)
    r = expit(t.calibration_intercept + t.calibration_slope * z) - y
    assert abs(r.sum()) < 1e-12
    assert abs(np.dot(r, z)) < 1e-10
    assert t.calibration_in_the_large == pytest.approx(offset_root(y, p), abs=1e-9)
    assert math.isfinite(t.unreliability.chi2)
    assert t.decomposition.log_loss.score == pytest.approx(log_loss(y, clipped(p)), rel=1e-12)


@pytest.mark.parametrize(("y", "p"), [
    ([0, 0, 1, 0, 1, 1, 0], [1.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0]),
    ([1, 0, 1, 0, 0, 1, 0, 1, 1], [0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 0.0, 1.0]),
    ([0, 1], [0.0, 1.0]),
])
def test_calibration_in_the_large_of_probabilities_all_zero_or_one(y, p):
    # One-hot probabilities: every logit is -Z or +Z (Z = logit(1 - eps)), so the score
    # equation sum(y - sigmoid(a + z)) = 0 is, with its whole-number parts cancelling,
    # m1 sigmoid(-a - Z) = m0 sigmoid(a - Z) - (positives at 0 - negatives at 1): a root
    # that brentq finds on the exact form. Summing each residual as one number rounded
    # sigmoid(-a - Z) ~ 1e-16 away and gave 0.0 for the first case instead of -0.1438.
    y, p = np.array(y), np.array(p)
    z = clipped_logit(p)
    m1, m0 = int(np.sum(p == 1)), int(np.sum(p == 0))
    whole = int(np.sum((p == 0) & (y == 1)) - np.sum((p == 1) & (y == 0)))
    top, bottom = float(z.max()), float(z.min())  # +Z and -Z

    def score(a):
        return whole + m1 * expit(-a - top) - m0 * expit(a + bottom)

    a = optimize.brentq(score, -80, 80, xtol=1e-14, rtol=1e-15)
    t_ = a + z
    se = 1 / np.sqrt(np.sum(expit(t_) * expit(-t_)))
    t = calibration_tests(y, p)
    assert t.calibration_in_the_large == pytest.approx(a, rel=1e-9, abs=1e-12)
    assert t.calibration_in_the_large_se == pytest.approx(se, rel=1e-9)


def test_separated_classes_have_no_slope():
    p = np.array([0.1, 0.2, 0.3, 0.6, 0.7])
    y = np.array([0, 0, 1, 1, 1])
    t = calibration_tests(y, p)
    assert t.calibration_slope is None
    assert t.undefined["calibration_slope"] == SEPARATED
    assert t.calibration_in_the_large is not None
    assert t.dxy == 1.0


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 3), st.integers(0, 3)),
                min_size=1, max_size=12))
def test_separation_on_ascending_logits_matches_a_brute_force_look(cells):
    """The ascending shortcut against every threshold between and at the logits, ties included."""
    z = np.sort(np.array([float(v) for v, _, _ in cells]))  # ties at the clip, as in practice
    positives = np.array([float(p) for _, p, _ in cells])
    count = positives + np.array([float(q) for _, _, q in cells])
    groups = ScoreGroups(z, count, positives)
    pos, neg = z[positives > 0], z[count > positives]
    brute = (pos.size == 0 or neg.size == 0 or neg.max() <= pos.min()
             or pos.max() <= neg.min())
    assert _separated(z, groups, ascending=True) == brute
    assert _separated(z, groups) == brute


def test_a_single_probability_has_no_slope():
    y = np.array([0, 1, 1, 0, 1])
    t = calibration_tests(y, np.full(5, 0.3))
    assert t.undefined["calibration_slope"] == ONE_LOGIT
    assert t.hosmer_lemeshow.groups == 1
    assert t.dxy == 0.0


def test_no_examples():
    t = calibration_tests(np.zeros(0, dtype=int), np.zeros(0))
    assert t.n == 0
    assert t.decomposition is None
    assert t.dxy is None
    assert t.undefined["spiegelhalter"] == "no examples"


@given(both_classes(min_size=2, max_size=100))
def test_the_evaluations_ranking_gives_the_same_result(problem):
    y, p = problem
    assert calibration_tests(y, p, ranking=rank_binary(y, p)) == calibration_tests(y, p)


@settings(max_examples=30, deadline=None)
@given(multiclass_problems(max_size=60))
def test_per_class_is_one_vs_rest(problem):
    y, proba = problem
    per_class = calibration_tests_per_class(y, proba)
    assert len(per_class) == proba.shape[1]
    for c, t in enumerate(per_class):
        assert t == calibration_tests((y == c).astype(int), proba[:, c])


@settings(max_examples=30, deadline=None)
@given(multiclass_problems(max_size=60), st.integers(3, 6),
       st.sampled_from(["quantile", "equal-count"]),
       st.one_of(st.none(), st.integers(0, 3)))
def test_the_evaluation_tests_each_class_from_its_auc_ranking(problem, g, method, weight_seed):
    y, proba = problem
    weights = (None if weight_seed is None else
               np.random.default_rng(weight_seed).integers(0, 3, y.size).astype(float))
    ev = evaluate_predictions(y, proba, weights=weights,
                              calibration_tests=CalibrationTestSettings(g, method))
    assert ev.class_calibration_tests == calibration_tests_per_class(
        y, proba, weights=weights, hl_groups=g, hl_method=method)
    assert evaluate_predictions(y, proba).class_calibration_tests is None


@given(binary_problems(min_size=1, max_size=150), st.booleans())
def test_decomposition_from_the_evaluations_means(problem, weighted):
    y, p = problem
    weights = np.random.default_rng(y.size).uniform(0.5, 2, y.size) if weighted else None
    ev = evaluate_predictions(y, p, weights=weights)
    reused = score_decomposition(y, p, weights, ev.positive_ranking,
                                 score_means=(ev.metrics["log_loss"], ev.metrics["brier"]))
    own = score_decomposition(y, p, weights)
    # The same means summed in another order: the parts agree to the rounding of sums of
    # terms up to -ln(eps) ~ 36.
    for got, want in ((reused.log_loss, own.log_loss), (reused.brier, own.brier)):
        for part in ("score", "miscalibration", "discrimination", "uncertainty"):
            assert getattr(got, part) == pytest.approx(getattr(want, part), rel=1e-12,
                                                       abs=1e-13)


@settings(max_examples=40, deadline=None)
@given(binary_problems(min_size=1, max_size=150), st.integers(3, 6),
       st.sampled_from(["quantile", "equal-count"]), st.one_of(st.none(), st.integers(0, 3)),
       st.sampled_from([1, 2, 15]))
def test_the_binary_evaluation_tests_from_its_ranking_then_lets_it_go(
        problem, g, method, weight_seed, n_bins):
    # The evaluation hands the tests the groups and the AUC of its ranking, and reads the
    # positive-class bins from the ranking before it lets it go: each equals its own
    # computation from the rows.
    from clfdiag.core.calibration_error import BINNINGS, calibration_view

    y, p = problem
    weights = (None if weight_seed is None else
               np.random.default_rng(weight_seed).integers(0, 3, y.size).astype(float))
    ev = evaluate_predictions(y, p, weights=weights, n_bins=n_bins,
                              calibration_tests=CalibrationTestSettings(g, method))
    assert ev.calibration_tests == calibration_tests(y, p, weights=weights, hl_groups=g,
                                                     hl_method=method)
    assert ev.positive_ranking is None
    if weights is not None:
        assert ev.positive_class_calibration is None
        return
    assert ev.positive_class_calibration is not None
    for binning in BINNINGS:
        got = ev.positive_class_calibration[binning]
        want = calibration_view(y, p, "positive_class", n_bins, binning)
        assert (got.binning, got.n_bins) == (want.binning, want.n_bins)
        assert [(b.count, b.lower, b.upper) for b in got.bins] == [
            (b.count, b.lower, b.upper) for b in want.bins]
        for name in ("ece", "mce", "l2", "debiased_l2"):
            assert getattr(got, name) == pytest.approx(getattr(want, name), rel=1e-12,
                                                       abs=1e-15)
    without = evaluate_predictions(y, p, n_bins=n_bins)
    assert without.positive_ranking is not None
    assert without.positive_class_calibration is None
