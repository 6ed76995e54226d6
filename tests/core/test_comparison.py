import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from clfdiag.core.calibration_tests import score_decomposition
from clfdiag.core.comparison import ComparisonSettings, compare_predictions
from tests.strategies import multiclass_problems, probability


@given(st.integers(1, 200).flatmap(lambda n: st.tuples(
    hnp.arrays(np.int64, n, elements=st.integers(0, 1)),
    hnp.arrays(np.float64, n, elements=probability),
    hnp.arrays(np.float64, n, elements=probability))))
def test_groups_add_up_to_the_change_in_mean_log_loss(arrays):
    y, a, b = arrays
    cmp = compare_predictions(y, a, b)
    assert sum(g.count for g in cmp.groups) == len(y)
    assert sum(g.loss_change for g in cmp.groups) == pytest.approx(cmp.loss_delta, abs=1e-9)
    assert cmp.loss_delta == pytest.approx(
        cmp.b.metrics["log_loss"] - cmp.a.metrics["log_loss"], abs=1e-12)


@given(multiclass_problems(), st.data())
def test_groups_add_up_for_multiclass(problem, data):
    y, a = problem
    b = np.roll(a, data.draw(st.integers(0, 3)), axis=1)
    cmp = compare_predictions(y, a, b)
    assert sum(g.loss_change for g in cmp.groups) == pytest.approx(cmp.loss_delta, abs=1e-9)


def test_worked_example_loss_and_accuracy_both_rise():
    # 0.99 -> 0.51 on one example (still right, much less sure) while 0.49 -> 0.51
    # flips another to right: accuracy 50% -> 100%, and the loss rises.
    y = np.array([1, 1])
    cmp = compare_predictions(y, np.array([0.49, 0.99]), np.array([0.51, 0.51]))
    assert cmp.accuracy_delta == 0.5
    assert cmp.loss_delta == pytest.approx(0.673344553264 - 0.361700111865, abs=1e-12)
    assert cmp.loss_up_accuracy_up
    groups = {g.name: g for g in cmp.groups}
    assert groups["became_correct"].count == 1
    assert groups["correct_lost_confidence"].count == 1
    assert groups["correct_lost_confidence"].loss_change > -groups["became_correct"].loss_change


def test_minimum_deltas_silence_small_moves():
    y = np.array([1, 1])
    a, b = np.array([0.49, 0.99]), np.array([0.51, 0.51])
    for settings in (ComparisonSettings(min_loss_delta=0.5),
                     ComparisonSettings(min_accuracy_delta=0.5)):
        assert not compare_predictions(y, a, b, settings).loss_up_accuracy_up


def test_top_lists_the_largest_loss_increases():
    y = np.array([1, 0, 1, 0])
    a = np.array([0.9, 0.1, 0.6, 0.4])
    b = np.array([0.2, 0.15, 0.7, 0.9])
    cmp = compare_predictions(y, a, b, ComparisonSettings(top=2))
    assert [c.index for c in cmp.top] == [3, 0]
    assert cmp.top[0].loss_b > cmp.top[0].loss_a


def test_no_examples_is_refused_not_a_zero_delta():
    empty = np.zeros(0)
    with pytest.raises(ValueError, match="no examples"):
        compare_predictions(np.zeros(0, dtype=np.int64), empty, empty)


def test_regressions_follow_each_metric_direction():
    from clfdiag.core.catalogue import spec
    from clfdiag.core.comparison import significant_regressions

    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 400)
    good = np.clip(0.5 + (y - 0.5) * 0.8 + rng.normal(0, 0.1, 400), 0.01, 0.99)
    bad = np.clip(0.5 + (y - 0.5) * 0.1 + rng.normal(0, 0.3, 400), 0.01, 0.99)
    worse = significant_regressions(compare_predictions(y, good, bad), 0.05)
    better = significant_regressions(compare_predictions(y, bad, good), 0.05)
    assert set(worse) == {"accuracy", "roc_auc", "log_loss"}
    assert better == ()
    assert [spec(k).greater_is_better for k in worse] == [True, True, False]


# --- float noise: a change no larger than rounding is no change ------------------------


def one_ulp(p, direction):
    """Every probability moved by one unit in the last place, up or down as ``direction`` says
    (0 and 1 stay inside [0, 1])."""
    return np.where(direction, np.nextafter(p, 2.0), np.nextafter(p, -1.0)).clip(0.0, 1.0)


@given(st.integers(1, 200).flatmap(lambda n: st.tuples(
    hnp.arrays(np.int64, n, elements=st.integers(0, 1)),
    hnp.arrays(np.float64, n, elements=probability),
    hnp.arrays(np.bool_, n))))
def test_one_ulp_moves_the_log_loss_less_than_the_noise_bound(arrays):
    from sklearn.metrics import log_loss

    y, p, up = arrays
    q = one_ulp(p, up)
    # Oracle: scikit-learn's log loss of both files, whatever its summation order.
    moved = abs(log_loss(y, q, labels=[0, 1]) - log_loss(y, p, labels=[0, 1]))
    cmp = compare_predictions(y, p, q)
    assert moved <= cmp.loss_noise
    assert abs(cmp.loss_delta) <= cmp.loss_noise
    assert not cmp.loss_up_accuracy_up
    assert cmp.top == ()


@given(multiclass_problems(), st.data())
def test_one_ulp_is_no_change_for_multiclass(problem, data):
    from clfdiag.reports.compare import diagnosis_sentence

    y, a = problem
    b = one_ulp(a, data.draw(hnp.arrays(np.bool_, a.shape)))
    cmp = compare_predictions(y, a, b)
    assert abs(cmp.loss_delta) <= cmp.loss_noise
    # A one-ulp move can flip an argmax between tied classes: that is a real change of
    # decision, so accuracy is narrated only when no decision changed.
    if np.array_equal(a.argmax(axis=1), b.argmax(axis=1)):
        assert diagnosis_sentence(cmp).startswith("No change in log loss or accuracy")
    else:
        assert "No change in log loss" in diagnosis_sentence(cmp)


def test_log_loss_noise_against_a_loop():
    from clfdiag.core.comparison import log_loss_noise

    p_true = np.array([0.0, 1e-300, 2.220446049250313e-16, 1e-10, 0.5, 1.0])
    eps = np.finfo(float).eps
    terms = [-np.log(min(max(q, eps), 1 - eps)) for q in p_true]
    # Clipped terms (q <= eps) do not move; the others by eps / q; plus n eps times the mean.
    expected = (sum(eps / q for q in p_true if q > eps) / 6 + 6 * eps * sum(terms) / 6)
    assert log_loss_noise(p_true) == pytest.approx(expected, rel=1e-12)
    weights = np.array([1.0, 0.0, 2.0, 3.0, 1.0, 1.0])
    weighted = (sum(w * eps / q for w, q in zip(weights, p_true, strict=True) if q > eps) / 8
                + 6 * eps * sum(w * t for w, t in zip(weights, terms, strict=True)) / 8)
    assert log_loss_noise(p_true, weights) == pytest.approx(weighted, rel=1e-12)


def test_a_change_above_the_noise_is_still_narrated():
    from clfdiag.reports.compare import diagnosis_sentence

    y = np.array([1, 0, 1, 0])
    a = np.array([0.8, 0.3, 0.6, 0.1])
    b = a.copy()
    b[0] = 0.79999
    cmp = compare_predictions(y, a, b)
    assert cmp.loss_delta > cmp.loss_noise
    # -ln(0.79999) + ln(0.8), over 4 rows: about 3.1e-6, below 4 decimals.
    assert diagnosis_sentence(cmp).startswith("Log loss rose by 3.1e-06 and no change in accuracy")


@given(st.integers(1, 120).flatmap(lambda n: st.tuples(
    hnp.arrays(np.int64, n, elements=st.integers(0, 1)),
    # Few distinct values: ties in the loss changes, and changes within the noise.
    hnp.arrays(np.float64, n, elements=st.sampled_from([0.0, 1e-17, 0.3, 0.5, 0.7, 1.0])),
    hnp.arrays(np.float64, n, elements=st.sampled_from([0.0, 2e-17, 0.3, 0.5, 0.71, 1.0])))),
    st.integers(0, 12))
def test_top_rises_equal_a_loop_over_every_example(arrays, top):
    # Brute force: every example's rise and noise (eps / q of each side plus each
    # term's rounding), those above their noise ordered by rise, then by index.
    y, a, b = arrays
    cmp = compare_predictions(y, a, b, ComparisonSettings(top=top))
    eps = np.finfo(np.float64).eps
    listed = []
    for i in range(len(y)):
        q_a = a[i] if y[i] == 1 else 1.0 - a[i]
        q_b = b[i] if y[i] == 1 else 1.0 - b[i]
        loss_a = -np.log(min(max(q_a, eps), 1 - eps))
        loss_b = -np.log(min(max(q_b, eps), 1 - eps))
        noise = sum(eps / q if q > eps else 0.0 for q in (q_a, q_b)) + eps * (loss_a + loss_b)
        if loss_b - loss_a > noise:
            listed.append((-(loss_b - loss_a), i))
    assert [c.index for c in cmp.top] == [i for _, i in sorted(listed)[:top]]


def test_evaluations_of_a_comparison_equal_evaluate_without_its_details():
    from clfdiag.core.evaluation import evaluate_predictions

    rng = np.random.default_rng(4)
    y = rng.integers(0, 2, 500)
    a, b = rng.random(500), rng.random(500)
    cmp = compare_predictions(y, a, b)
    for ev, p in ((cmp.a, a), (cmp.b, b)):
        full = evaluate_predictions(y, p)
        assert ev.metrics == full.metrics
        assert ev.undefined == full.undefined
        assert (ev.selective, ev.roc_auc_ci, ev.accuracy_ci) == (None, None, None)
        assert full.selective is not None
        assert full.roc_auc_ci is not None


@given(st.integers(1, 200).flatmap(lambda n: st.tuples(
    hnp.arrays(np.int64, n, elements=st.integers(0, 1)),
    hnp.arrays(np.float64, n, elements=probability),
    hnp.arrays(np.float64, n, elements=probability))), st.booleans())
def test_decompositions_are_each_models_own(arrays, weighted):
    y, a, b = arrays
    weights = np.random.default_rng(y.size).uniform(0.5, 2, y.size) if weighted else None
    cmp = compare_predictions(y, a, b, ComparisonSettings(decompose=True), weights=weights)
    assert compare_predictions(y, a, b, weights=weights).decompositions is None
    for got, proba in zip(cmp.decompositions, (a, b), strict=True):
        want = score_decomposition(y, proba, weights)
        # From the evaluation's means, summed in another order than the decomposition's
        # own sums of terms up to -ln(eps) ~ 36: equal to their rounding.
        for g, w in ((got.log_loss, want.log_loss), (got.brier, want.brier)):
            for part in ("score", "miscalibration", "discrimination", "uncertainty"):
                assert getattr(g, part) == pytest.approx(getattr(w, part), rel=1e-12,
                                                         abs=1e-13)
    # The rankings are let go once decomposed.
    assert cmp.a.positive_ranking is None
    assert cmp.b.positive_ranking is None
