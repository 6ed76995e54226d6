import numpy as np
import pytest
from hypothesis import assume, event, given, settings
from hypothesis import strategies as st
from scipy.special import expit
from sklearn.isotonic import IsotonicRegression
from sklearn.metrics import accuracy_score, brier_score_loss, log_loss

from clfdiag.core.calibration_error import calibration_view
from clfdiag.core.cross_fitting import (
    MIN_ROWS_PER_PARAMETER,
    calibration_metrics,
    cross_fit_calibration,
)
from clfdiag.core.recalibration import (
    apply_mapping,
    fit_histogram,
    fit_isotonic,
    fit_mapping,
    parameter_count,
    params_dict,
)
from clfdiag.core.resampling import stratified_folds
from tests.strategies import binary_problems, both_classes, multiclass_problems


def noisy_binary(seed, n=400, slope=0.5, shift=-0.4):
    rng = np.random.default_rng(seed)
    z = rng.normal(0, 2, n)
    y = (rng.random(n) < expit(slope * z + shift)).astype(np.int64)
    return y, expit(z)


@given(binary_problems(min_size=1, max_size=120), st.integers(2, 10))
def test_metrics_match_scikit_learn(problem, n_bins):
    y, p = problem
    m = calibration_metrics(y, p, n_bins, 0.8)
    assert m.log_loss == pytest.approx(log_loss(y, p, labels=[0, 1]), abs=1e-9)
    assert m.brier == pytest.approx(brier_score_loss(y, p, pos_label=1), abs=1e-12)
    assert m.accuracy == pytest.approx(accuracy_score(y, p >= 0.5))
    assert m.ece_positive_class == pytest.approx(
        calibration_view(y, p, "positive_class", n_bins).ece)
    assert m.ece == pytest.approx(calibration_view(y, p, "top_label", n_bins).ece, abs=1e-12)
    confidence = np.maximum(p, 1 - p)
    assert m.overconfident_errors == int(np.sum(((p >= 0.5) != (y == 1)) & (confidence >= 0.8)))


def test_after_is_the_pooled_held_out_predictions():
    y, p = noisy_binary(0)
    result = cross_fit_calibration(y, p, ["platt", "isotonic"], folds=4, seed=3)
    folds = stratified_folds(y, 4, 3)
    for r in result.methods:
        expected = np.empty_like(p)
        for k in range(4):
            train = folds != k
            expected[~train] = apply_mapping(fit_mapping(r.method, y[train], p[train]),
                                             p[~train])
        np.testing.assert_allclose(r.cross_fitted, expected, atol=1e-9)
        assert r.after.log_loss == pytest.approx(log_loss(y, expected), abs=1e-9)
        in_sample = apply_mapping(fit_mapping(r.method, y, p), p)
        assert r.in_sample.log_loss == pytest.approx(log_loss(y, in_sample), abs=1e-9)
        assert r.before.log_loss == pytest.approx(log_loss(y, p), abs=1e-12)
    assert (result.folds, result.seed) == (4, 3)


def test_recommendation_is_lowest_cross_fitted_log_loss_with_margin():
    y, p = noisy_binary(1, n=1000)
    result = cross_fit_calibration(y, p)
    losses = {r.method: r.after.log_loss for r in result.methods}
    assert [r.method for r in result.methods] == ["temperature", "platt", "isotonic", "beta",
                                                   "histogram"]
    ordered = sorted(losses.values())
    assert losses[result.recommended] == ordered[0]
    assert result.margin == pytest.approx(ordered[1] - ordered[0])
    # Miscalibrated by a slope of 0.5 and a shift: a fitted map must help.
    assert losses[result.recommended] < result.methods[0].before.log_loss


def test_isotonic_overfits_in_sample_on_few_rows():
    y, p = noisy_binary(2, n=200)
    (iso,) = cross_fit_calibration(y, p, ["isotonic"], seed=0).methods
    assert iso.in_sample.log_loss < iso.after.log_loss
    assert iso.in_sample.log_loss < iso.before.log_loss


def test_multiclass_methods():
    rng = np.random.default_rng(4)
    logits = rng.normal(size=(300, 3)) * 3
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    y = np.array([rng.choice(3, p=q) for q in np.exp(logits / 3) / np.exp(logits / 3).sum(
        axis=1, keepdims=True)])
    result = cross_fit_calibration(y, proba, folds=3)
    assert [r.method for r in result.methods] == ["temperature", "vector_scaling"]
    temperature = result.methods[0]
    assert temperature.params.temperature > 1.5
    assert temperature.after.ece_positive_class is None
    assert temperature.after.log_loss < temperature.before.log_loss
    assert temperature.after.log_loss == pytest.approx(
        log_loss(y, temperature.cross_fitted, labels=[0, 1, 2]), abs=1e-9)


def test_params_dict_is_plain_json():
    y, p = noisy_binary(5)
    result = cross_fit_calibration(y, p, ["platt", "histogram"])
    platt, histogram = (params_dict(r.params) for r in result.methods)
    assert set(platt) == {"slope", "intercept"}
    assert all(isinstance(v, float) for v in platt.values())
    assert set(histogram) == {"upper_edges", "values"}
    assert isinstance(histogram["values"], list)


def test_refusals():
    y, p = noisy_binary(6, n=50)
    with pytest.raises(ValueError, match="does not apply to binary"):
        cross_fit_calibration(y, p, ["vector_scaling"])
    with pytest.raises(ValueError, match="at least two classes"):
        cross_fit_calibration(np.zeros(10, np.int64), np.full(10, 0.3))
    y = np.array([1, 1, 0, 0, 0, 0, 0, 0])
    with pytest.raises(ValueError, match="class 1 has 2 examples"):
        cross_fit_calibration(y, np.linspace(0.1, 0.9, 8), folds=3)
    with pytest.raises(ValueError, match="at least 2 folds"):
        cross_fit_calibration(y, np.linspace(0.1, 0.9, 8), folds=1)


# --- estimability and the recommendation -------------------------------------------------


@given(binary_problems(min_size=1, max_size=150))
def test_isotonic_parameters_are_its_distinct_fitted_levels(problem):
    y, p = problem
    # The levels of scikit-learn's fit (its predictions at the scores would interpolate
    # between levels at scores it merged as ties).
    oracle = IsotonicRegression(out_of_bounds="clip").fit(p, y).y_thresholds_
    assert parameter_count(fit_isotonic(y, p)) == np.unique(oracle).size


@given(binary_problems(min_size=1, max_size=150), st.integers(1, 20))
def test_histogram_parameters_are_its_non_empty_bins(problem, n_bins):
    y, p = problem
    params = fit_histogram(y, p, n_bins)
    # Brute force: the equal-mass bins that hold a score, each score in its right-closed bin.
    from clfdiag.core.calibration_error import equal_mass_edges

    edges = equal_mass_edges(p, n_bins)
    filled = {min(sum(e < x for e in edges), len(edges) - 1) for x in p}
    assert parameter_count(params) == len(filled)


def test_parametric_maps_count_their_free_parameters():
    y, p = noisy_binary(7, n=100)
    assert [parameter_count(fit_mapping(m, y, p)) for m in ("temperature", "platt", "beta")] \
        == [1, 2, 3]
    proba = np.full((12, 4), 0.25)
    labels = np.arange(12) % 4
    # A scale per class and a bias per class but the first, which is fixed at 0.
    assert parameter_count(fit_mapping("vector_scaling", labels, proba)) == 2 * 4 - 1


def test_rows_per_parameter_is_the_sparsest_cross_fitted_fit():
    y, p = noisy_binary(8, n=90)
    result = cross_fit_calibration(y, p, folds=3, seed=5)
    folds = stratified_folds(y, 3, 5)
    for r in result.methods:
        fits = [(int(np.sum(folds != k)),
                 parameter_count(fit_mapping(r.method, y[folds != k], p[folds != k])))
                for k in range(3)]
        assert r.rows_per_parameter == pytest.approx(min(n / c for n, c in fits), rel=1e-12)
        assert r.estimable == (r.rows_per_parameter >= MIN_ROWS_PER_PARAMETER)
        assert (r.reason is None) == r.estimable


def test_a_tiny_file_has_no_estimable_method_and_no_recommendation():
    # 12 rows in 5 folds: each fit sees 9 or 10 rows, fewer than 10 per parameter for every
    # method (temperature's 1 parameter included, in the folds of 9 training rows).
    y = np.array([1, 0] * 6)
    p = np.array([0.9, 0.2, 0.7, 0.4, 0.35, 0.1, 0.8, 0.6, 0.65, 0.3, 0.55, 0.45])
    result = cross_fit_calibration(y, p)
    assert not any(r.estimable for r in result.methods)
    assert result.recommended is None
    assert result.margin is None
    assert "no method is estimable" in result.no_recommendation
    assert all("fewer than the minimum of 10" in r.reason for r in result.methods)


def test_no_recommendation_when_no_estimable_map_lowers_the_held_out_loss():
    # Calibrated by construction: y ~ Bernoulli(p). A map can only fit noise, so its
    # cross-fitted loss is no lower than the input's (checked against scikit-learn's).
    rng = np.random.default_rng(11)
    p = rng.uniform(0.05, 0.95, 300)
    y = (rng.random(300) < p).astype(np.int64)
    result = cross_fit_calibration(y, p, ["isotonic", "histogram"])
    before = log_loss(y, p)
    assert all(r.estimable for r in result.methods)
    assert all(log_loss(y, r.cross_fitted) >= before for r in result.methods)
    assert result.recommended is None
    assert result.margin is None
    assert "no estimable method lowers the cross-fitted log loss" in result.no_recommendation


def many_classes_two_present(seed, n=80, k=57):
    """Probabilities over 57 classes, labels from two of them: the shape of a small validation
    file of a model with many classes."""
    rng = np.random.default_rng(seed)
    y = np.where(rng.random(n) < 0.5, 3, 16)
    logits = rng.normal(0, 1, (n, k))
    logits[np.arange(n), y] += 2.5
    return y, np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)


def test_vector_scaling_on_two_of_57_classes_is_not_estimable():
    y, proba = many_classes_two_present(0)
    result = cross_fit_calibration(y, proba)
    temperature, vector = result.methods
    # 80 rows in 5 stratified folds: every fit sees 64 rows for 2 * 57 - 1 parameters.
    assert (vector.parameters, vector.rows_per_parameter) == (113, 64 / 113)
    assert not vector.estimable
    assert "64 training rows for 113 parameters" in vector.reason
    assert temperature.estimable
    assert result.recommended == "temperature"
    assert log_loss(y, temperature.cross_fitted, labels=range(57)) <= log_loss(
        y, proba, labels=range(57))


def test_vector_scaling_fitted_on_two_classes_raises_the_loss_of_other_rows():
    # Why the rule matters: the map fitted on 64 rows of two classes, applied to rows of the
    # same source that include a third class, makes the loss of those rows far worse.
    y, proba = many_classes_two_present(1, n=96)
    fitted = fit_mapping("vector_scaling", y[:64], proba[:64])
    rng = np.random.default_rng(2)
    other = proba[64:].copy()
    y_other = y[64:].copy()
    y_other[::4] = 40
    other[::4, 40] += rng.uniform(0.2, 0.4, other[::4].shape[0])
    other /= other.sum(axis=1, keepdims=True)
    assert log_loss(y_other, apply_mapping(fitted, other), labels=range(57)) > 2 * log_loss(
        y_other, other, labels=range(57))


@st.composite
def calibration_problems(draw):
    folds = draw(st.integers(2, 5))
    if draw(st.booleans()):
        y, p = draw(both_classes(min_size=2 * folds, max_size=120))
        assume(np.bincount(y, minlength=2).min() >= folds)
    else:
        y, p = draw(multiclass_problems(max_k=5, max_size=120))
        assume(np.unique(y).size >= 2 and y.size >= folds)
    return y, p, folds


@settings(max_examples=60, deadline=None)
@given(calibration_problems(), st.integers(0, 3))
def test_the_recommended_map_never_raises_the_cross_fitted_log_loss(problem, seed):
    y, p, folds = problem
    result = cross_fit_calibration(y, p, folds=folds, seed=seed)
    event("recommended" if result.recommended else "none recommended")
    labels = range(2 if p.ndim == 1 else p.shape[1])
    before = log_loss(y, p, labels=labels)
    estimable = [r for r in result.methods if r.estimable]
    if result.recommended is None:
        assert result.no_recommendation
        # Within the tolerance of two sums of n clipped log terms (each at most 36.04).
        tolerance = 1e-12 * y.size * 37
        assert all(log_loss(y, r.cross_fitted, labels=labels) >= before - tolerance
                   for r in estimable)
        return
    chosen = next(r for r in result.methods if r.method == result.recommended)
    assert chosen.estimable
    assert chosen.after.log_loss <= chosen.before.log_loss
    assert chosen.after.log_loss == min(r.after.log_loss for r in estimable)
    assert result.no_recommendation is None
