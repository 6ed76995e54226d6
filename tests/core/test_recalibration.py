import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from scipy.optimize import minimize, minimize_scalar
from scipy.special import expit, log_softmax, logsumexp
from sklearn.isotonic import IsotonicRegression, isotonic_regression

from clfdiag.core.recalibration import (
    BetaParams,
    TemperatureParams,
    apply_beta,
    apply_histogram,
    apply_isotonic,
    apply_mapping,
    apply_platt,
    apply_temperature,
    fit_beta,
    fit_histogram,
    fit_isotonic,
    fit_mapping,
    fit_platt,
    fit_temperature,
    fit_vector_scaling,
    pool_adjacent_violators,
)
from tests.strategies import both_classes, multiclass_problems

EPS = np.finfo(np.float64).eps


def clipped_logit(p):
    p = np.clip(p, EPS, 1 - EPS)
    return np.log(p) - np.log1p(-p)


def binary_nll(y, t):
    """Mean cross-entropy of labels against logits t (scipy's logaddexp)."""
    return float(np.mean(np.logaddexp(0, t) - y * t))


def noisy_binary(seed, n=400):
    rng = np.random.default_rng(seed)
    z = rng.normal(0, 2, n)
    y = (rng.random(n) < expit(0.7 * z - 0.4)).astype(np.int64)
    return y, expit(z)


# --- Platt -------------------------------------------------------------------------------


def test_platt_matches_scikit_learn_published_fit():
    # sklearn/tests/test_calibration.py::test_sigmoid_calibration (smoothed targets).
    f = np.array([5.0, -4.0, 1.0])
    y = np.array([1, 0, 0])
    params = fit_platt(y, expit(f), smoothing=True)
    # The published pair stops short of the optimum (its gradient is ~5e-6);
    # the exact maximum, found by scipy's Newton-CG below, is within 4e-6 of it.
    assert -params.slope == pytest.approx(-0.20261354391187855, abs=4e-6)
    assert -params.intercept == pytest.approx(0.65236314980010512, abs=4e-6)
    t = np.array([2 / 3, 1 / 4, 1 / 4])

    def grad(w):
        r = expit(w[0] * f + w[1]) - t
        return np.array([r @ f, r.sum()])

    def hess(w):
        s = expit(w[0] * f + w[1])
        v = s * (1 - s)
        return np.array([[v @ (f * f), v @ f], [v @ f, v.sum()]])

    exact = minimize(lambda w: binary_nll(t, w[0] * f + w[1]), [0.0, 0.0], jac=grad, hess=hess,
                     method="Newton-CG", options={"xtol": 1e-14}).x
    assert (params.slope, params.intercept) == pytest.approx(tuple(exact), abs=1e-9)


@given(st.integers(0, 10_000), st.booleans())
def test_platt_matches_scipy_mle(seed, smoothing):
    y, p = noisy_binary(seed)
    z = clipped_logit(p)
    n_pos, n_neg = y.sum(), (1 - y).sum()
    target = np.where(y == 1, (n_pos + 1) / (n_pos + 2), 1 / (n_neg + 2)) if smoothing else y

    def nll(w):
        return binary_nll(target, w[0] * z + w[1])

    def grad(w):
        r = expit(w[0] * z + w[1]) - target
        return np.array([np.mean(r * z), np.mean(r)])

    ref = minimize(nll, [1.0, 0.0], jac=grad, method="BFGS", options={"gtol": 1e-12}).x
    params = fit_platt(y, p, smoothing=smoothing)
    assert params.slope == pytest.approx(ref[0], abs=1e-6)
    assert params.intercept == pytest.approx(ref[1], abs=1e-6)
    np.testing.assert_allclose(apply_platt(params, p), expit(ref[0] * z + ref[1]), atol=1e-6)


@given(both_classes(max_size=80))
def test_platt_never_does_worse_than_scipy_on_edge_cases(problem):
    y, p = problem
    z = clipped_logit(p)
    # Scores a few ulps apart (0.5 and 0.5 + 2e-12) separate the classes only through
    # rounding; the likelihood's supremum there needs a slope beyond 1e12, which the fit
    # does not chase (its Newton decrement is already below 1e-12).
    gaps = np.diff(np.unique(z))
    assume(gaps.size == 0 or gaps.min() > 1e-9)
    params = fit_platt(y, p)
    ref = minimize(lambda w: binary_nll(y, w[0] * z + w[1]), [1.0, 0.0], method="Nelder-Mead",
                   options={"xatol": 1e-10, "fatol": 1e-14, "maxiter": 4000}).fun
    # On separable data the likelihood has no maximum and the loss only tends to 0: Newton
    # stops once its decrement is below 1e-12, a few 1e-8 above what Nelder-Mead's underflow
    # reaches (two points 3e-4 apart: 2.9e-8 against 0).
    assert binary_nll(y, params.slope * z + params.intercept) <= ref + 1e-7


# --- temperature -------------------------------------------------------------------------


def scipy_temperature(nll):
    return minimize_scalar(lambda u: nll(np.exp(u)), bounds=(np.log(1e-4), np.log(1e4)),
                           method="bounded", options={"xatol": 1e-12})


@given(st.integers(0, 10_000))
def test_temperature_matches_scipy_binary(seed):
    y, p = noisy_binary(seed)
    z = clipped_logit(p)
    ref = scipy_temperature(lambda t: binary_nll(y, z / t))
    params = fit_temperature(y, p)
    assert params.temperature == pytest.approx(np.exp(ref.x), rel=1e-6)
    np.testing.assert_allclose(apply_temperature(params, p), expit(z / params.temperature))


@given(multiclass_problems(min_k=3, max_k=5, max_size=120))
def test_temperature_matches_scipy_multiclass(problem):
    y, proba = problem
    log_p = np.log(np.clip(proba, EPS, 1 - EPS))
    rows = np.arange(len(y))

    def nll(t):
        return float(np.mean(logsumexp(log_p / t, axis=1) - log_p[rows, y] / t))

    ref = scipy_temperature(nll)
    params = fit_temperature(y, proba)
    assert 1e-4 <= params.temperature <= 1e4
    # The optimum can lie at the end of the bracket or on a flat stretch: compare losses.
    assert nll(params.temperature) <= ref.fun + 1e-9
    out = apply_temperature(params, proba)
    np.testing.assert_allclose(out, np.exp(log_softmax(log_p / params.temperature, axis=1)),
                               atol=1e-12)


@given(both_classes(max_size=80))
def test_temperature_edge_cases_are_optimal_and_positive(problem):
    y, p = problem
    z = clipped_logit(p)
    params = fit_temperature(y, p)
    assert 1e-4 <= params.temperature <= 1e4
    assert binary_nll(y, z / params.temperature) <= scipy_temperature(
        lambda t: binary_nll(y, z / t)).fun + 1e-9


def test_temperature_of_uninformative_scores_is_one():
    assert fit_temperature(np.array([0, 1, 1]), np.full(3, 0.5)).temperature == 1.0


# --- models calibrated by maximum likelihood ---------------------------------------------


def self_calibrated_binary(seed, n=500):
    """Probabilities of a logistic regression fitted by MLE (scipy) on its own data."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    y = (rng.random(n) < expit(1.5 * x - 0.5)).astype(np.int64)

    def grad(w):
        r = expit(w[0] * x + w[1]) - y
        return np.array([np.mean(r * x), np.mean(r)])

    def hess(w):
        s = expit(w[0] * x + w[1])
        v = s * (1 - s)
        return np.array([[np.mean(v * x * x), np.mean(v * x)], [np.mean(v * x), np.mean(v)]])

    fit = minimize(lambda w: binary_nll(y, w[0] * x + w[1]), [0.0, 0.0], jac=grad, hess=hess,
                   method="trust-exact", options={"gtol": 1e-14})
    return y, expit(fit.x[0] * x + fit.x[1])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_model_calibrated_by_mle_fits_identity(seed):
    y, p = self_calibrated_binary(seed)
    assert fit_temperature(y, p).temperature == pytest.approx(1.0, abs=1e-6)
    platt = fit_platt(y, p)
    assert platt.slope == pytest.approx(1.0, abs=1e-6)
    assert platt.intercept == pytest.approx(0.0, abs=1e-6)


def test_multiclass_model_calibrated_by_mle_fits_unit_temperature():
    rng = np.random.default_rng(3)
    n, k = 600, 3
    x = rng.normal(size=(n, 2))
    y = np.array([rng.choice(k, p=q) for q in np.exp(log_softmax(x @ [[1, -1, 0], [0, 1, -1]],
                                                                 axis=1))])
    design = np.column_stack((x, np.ones(n)))

    def nll(w):
        t = design @ w.reshape(3, k)
        return float(np.mean(logsumexp(t, axis=1) - t[np.arange(n), y]))

    def grad(w):
        t = design @ w.reshape(3, k)
        q = np.exp(log_softmax(t, axis=1))
        q[np.arange(n), y] -= 1
        return (design.T @ q / n).ravel()

    w = minimize(nll, np.zeros(3 * k), jac=grad, method="BFGS", options={"gtol": 1e-13}).x
    proba = np.exp(log_softmax(design @ w.reshape(3, k), axis=1))
    assert fit_temperature(y, proba).temperature == pytest.approx(1.0, abs=1e-6)


# --- isotonic ----------------------------------------------------------------------------


grid = st.sampled_from([0.0, 0.1, 0.2, 0.2, 0.5, 0.7, 0.9, 1.0])


@given(both_classes(max_size=150), st.lists(st.one_of(grid, st.floats(0, 1)), max_size=20))
def test_isotonic_matches_scikit_learn(problem, new_points):
    y, p = problem
    params = fit_isotonic(y, p)
    ref = IsotonicRegression(out_of_bounds="clip").fit(p, y)
    np.testing.assert_allclose(apply_isotonic(params, p), ref.predict(p), atol=1e-12)
    if new_points:
        new = np.array(new_points)
        np.testing.assert_allclose(apply_isotonic(params, new), ref.predict(new), atol=1e-12)
    assert np.all(np.diff(params.values) >= 0)


def test_isotonic_merges_ties_before_pooling():
    # The three ties at 0.5 (all positive) become one point of weight 3 and mean 1,
    # above the 0.6 point's 0: pooled with it, (3 + 0) / 4.
    y = np.array([0, 1, 1, 0, 1, 1])
    p = np.array([0.1, 0.5, 0.5, 0.6, 0.9, 0.5])
    params = fit_isotonic(y, p)
    ref = IsotonicRegression(out_of_bounds="clip").fit(p, y)
    np.testing.assert_allclose(apply_isotonic(params, p), ref.predict(p))
    np.testing.assert_allclose(apply_isotonic(params, p), [0, 0.75, 0.75, 0.75, 1, 0.75])


def test_isotonic_merges_near_ties_as_scikit_learn():
    p = np.array([0.0, 1e-300, 5e-16, 1.2e-15, 2e-15, 0.3, 0.3 + 1e-16])
    y = np.array([0, 1, 1, 0, 1, 0, 1])
    ref = IsotonicRegression(out_of_bounds="clip").fit(p, y)
    grid = np.linspace(0, 1e-14, 11)
    params = fit_isotonic(y, p)
    np.testing.assert_allclose(apply_isotonic(params, p), ref.predict(p), atol=1e-12)
    np.testing.assert_allclose(apply_isotonic(params, grid), ref.predict(grid), atol=1e-12)


def expand_blocks(start, weight, total, n):
    stop = np.append(start[1:], n)
    return np.concatenate([np.full(b - a, t / w) for a, b, w, t in
                           zip(start, stop, weight, total, strict=True)])


@given(st.lists(st.tuples(st.floats(0.1, 10), st.floats(-5, 5)), min_size=1, max_size=80))
def test_weighted_pav_matches_scikit_learn(points):
    w = np.array([a for a, _ in points])
    v = np.array([b for _, b in points])
    start, weight, total = pool_adjacent_violators(w, w * v)
    np.testing.assert_allclose(expand_blocks(start, weight, total, len(v)),
                               isotonic_regression(v, sample_weight=w), atol=1e-9)


@given(st.lists(st.sampled_from([0.0, 1.0]), min_size=1, max_size=80))
def test_pav_of_one_example_a_group_equals_explicit_unit_weights(labels):
    """Score groups of distinct scores pass a broadcast 1 as the weights: the same blocks."""
    v = np.array(labels)
    ones = np.broadcast_to(np.float64(1.0), v.shape)
    shared = pool_adjacent_violators(ones, v)
    explicit = pool_adjacent_violators(np.ones(v.size), v)
    for a, b in zip(shared, explicit, strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(expand_blocks(*shared, v.size), isotonic_regression(v),
                               atol=1e-12)


def test_pav_staircase_needs_many_passes():
    # Each pass pools one more step of the staircase: more than the vectorised
    # passes allow, so the stack finishes the job.
    v = np.concatenate((np.arange(1.0, 201.0), [-1e6]))
    w = np.ones(v.size)
    start, weight, total = pool_adjacent_violators(w, v)
    np.testing.assert_allclose(expand_blocks(start, weight, total, v.size),
                               isotonic_regression(v), rtol=1e-12)


# --- beta --------------------------------------------------------------------------------

# Scores and labels of betacal's own test
# (github.com/betacal/python, tests/test_beta_calibration.py).
BETACAL_S = np.array([
    0.43155171, 0.81164906, 0.66544901, 0.53177918, 0.15549116, 0.16259166, 0.36480309,
    0.81877874, 0.94360637, 0.73610746, 0.55979712, 0.85662239, 0.38039252, 0.7806386,
    0.38548359, 0.7468978, 0.26136641, 0.21377051, 0.01270956, 0.05394571, 0.51571459,
    0.31820521, 0.65717799, 0.25428535, 0.45378324, 0.62464611, 0.20519146, 0.87777557,
    0.11439908, 0.53848995, 0.64487573, 0.08061064, 0.46484883, 0.40406019, 0.81670188,
    0.9357303, 0.40183604, 0.09328503, 0.9462795, 0.26967112])
BETACAL_Y = np.array([0, 1, 1, 0, 0, 0, 0, 1, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
                      0, 1, 0, 0, 0, 0, 1, 0, 0, 1, 1, 1, 0, 0, 1, 0])


def scipy_beta(y, p, use_a=True, use_b=True):
    """Maximum-likelihood (a, b, c) of sigmoid(a ln p - b ln(1-p) + c) with scipy."""
    p = np.clip(p, EPS, 1 - EPS)
    la, lb = np.log(p), -np.log1p(-p)

    def t(w):
        return w[0] * la * use_a + w[1] * lb * use_b + w[2]

    fit = minimize(lambda w: binary_nll(y, t(w)), [1.0, 1.0, 0.0], method="BFGS",
                   options={"gtol": 1e-12})
    return fit.x[0] * use_a, fit.x[1] * use_b, fit.x[2]


def test_beta_matches_scipy_mle_on_betacal_test_data():
    params = fit_beta(BETACAL_Y, BETACAL_S)
    a, b, c = scipy_beta(BETACAL_Y, BETACAL_S)
    assert a >= 0
    assert b >= 0
    assert (params.a, params.b, params.c) == pytest.approx((a, b, c), abs=1e-5)
    expected = expit(a * np.log(BETACAL_S) - b * np.log1p(-BETACAL_S) + c)
    np.testing.assert_allclose(apply_beta(params, BETACAL_S), expected, atol=1e-6)


def test_beta_drops_a_negative_coefficient_as_betacal_does():
    # Scores that fall as the positive share rises in ln p: the free fit has a < 0.
    rng = np.random.default_rng(5)
    p = rng.uniform(0.01, 0.99, 500)
    y = (rng.random(500) < expit(-1.0 * np.log(p) - 0.5 * np.log1p(-p) - 1)).astype(np.int64)
    free = scipy_beta(y, p)
    assert free[0] < 0
    params = fit_beta(y, p)
    assert params.a == 0.0
    _, b, c = scipy_beta(y, p, use_a=False)
    assert (params.b, params.c) == pytest.approx((b, c), abs=1e-5)


def test_beta_keeps_its_start_out_of_a_constrained_fit():
    y, p = noisy_binary(4)
    assert fit_beta(y, p, start=BetaParams(0.0, 1.0, 0.0)) == pytest.approx(fit_beta(y, p))


# --- histogram binning -------------------------------------------------------------------


@given(both_classes(max_size=150), st.integers(1, 12))
def test_histogram_maps_each_bin_to_its_frequency(problem, n_bins):
    y, p = problem
    params = fit_histogram(y, p, n_bins)
    out = apply_histogram(params, p)
    edges = np.array(params.upper_edges)
    for b, value in enumerate(params.values):
        lower = -np.inf if b == 0 else edges[b - 1]
        members = (p > lower) & (p <= edges[b])
        assert members.any()
        assert value == pytest.approx(y[members].mean())
        np.testing.assert_allclose(out[members], value)


# --- vector scaling ----------------------------------------------------------------------


@given(multiclass_problems(min_k=3, max_k=4, max_size=100))
def test_vector_scaling_is_at_least_as_good_as_scipy(problem):
    y, proba = problem
    k = proba.shape[1]
    log_p = np.log(np.clip(proba, EPS, 1 - EPS))
    rows = np.arange(len(y))

    def nll(w):
        t = log_p * w[:k] + np.concatenate(([0.0], w[k:]))
        return float(np.mean(logsumexp(t, axis=1) - t[rows, y]))

    ref = minimize(nll, np.concatenate((np.ones(k), np.zeros(k - 1))), method="BFGS").fun
    params = fit_vector_scaling(y, proba)
    assert params.bias[0] == 0.0
    assert nll(np.concatenate((params.scale, params.bias[1:]))) <= ref + 1e-7


# --- dispatch ----------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["temperature", "platt", "isotonic", "beta", "histogram"])
def test_dispatch_round_trip(method):
    y, p = noisy_binary(7)
    params = fit_mapping(method, y, p)
    out = apply_mapping(params, p)
    assert out.shape == p.shape
    assert np.all((out >= 0) & (out <= 1))


def test_unknown_method_is_refused():
    with pytest.raises(ValueError, match="unknown calibration method"):
        fit_mapping("magic", np.array([0, 1]), np.array([0.2, 0.8]))


def test_binary_methods_refuse_matrices():
    with pytest.raises(ValueError, match="binary"):
        fit_platt(np.array([0, 1]), np.eye(2))


def test_probabilities_zero_and_one_stay_finite():
    y = np.array([0, 1, 0, 1])
    p = np.array([0.0, 1.0, 1.0, 0.0])
    for method in ("temperature", "platt", "beta"):
        out = apply_mapping(fit_mapping(method, y, p), p)
        assert np.all(np.isfinite(out))
    assert apply_temperature(TemperatureParams(1.0), np.array([0.25, 0.5])) == pytest.approx(
        [0.25, 0.5], abs=1e-15)


@given(st.integers(0, 2**32 - 1), st.integers(20, 200), st.integers(2, 6))
def test_temperature_on_logits_equals_temperature_on_their_probabilities(seed, n, k):
    from clfdiag.core.transforms import softmax

    rng = np.random.default_rng(seed)
    logits = rng.normal(0, 3, (n, k)) + rng.normal(0, 5, (n, 1))  # a shift per row
    y = rng.integers(0, k, n)
    proba = softmax(logits)
    from_logits = fit_temperature(y, proba, logits=logits)
    from_proba = fit_temperature(y, proba)
    assert from_logits.temperature == pytest.approx(from_proba.temperature, rel=1e-6)
    np.testing.assert_allclose(apply_temperature(from_logits, proba, logits),
                               apply_temperature(from_logits, proba), atol=1e-9)
