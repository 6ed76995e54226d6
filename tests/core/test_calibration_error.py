import bisect
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import binomtest
from sklearn.calibration import calibration_curve

from clfdiag.core import calibration_error
from clfdiag.core.calibration_error import (
    binned_calibration,
    calibration_view,
    classwise_calibration,
    ece_bootstrap_interval,
    equal_mass_edges,
    ranked_calibration,
    smooth_ece,
)
from clfdiag.core.ranking import rank_binary
from clfdiag.core.resampling import stratified_bootstrap
from tests.strategies import binary_problems, multiclass_problems


def loop_bins(score, outcome, n_bins, binning):
    """Independent reference: explicit bins, right-closed, upper edges found with bisect."""
    n = len(score)
    if binning == "equal_width":
        # The reported edges are np.linspace's: i * (1 / B) can be an ulp from i / B (5/7),
        # and a score on an edge belongs to the bin the report shows it in.
        uppers = np.linspace(0.0, 1.0, n_bins + 1)[1:].tolist()
    else:
        ordered = sorted(score)
        parts = min(n_bins, n)
        chunks, start = [], 0
        for i in range(parts):
            size = n // parts + (1 if i < n % parts else 0)
            chunks.append(ordered[start:start + size])
            start += size
        uppers = sorted({(chunks[i][-1] + chunks[i + 1][0]) / 2 for i in range(parts - 1)}
                        | {1.0})
    members = [[] for _ in uppers]
    for i in range(n):
        members[min(bisect.bisect_left(uppers, score[i]), len(uppers) - 1)].append(i)
    return members


def loop_estimators(score, outcome, n_bins, binning):
    n = len(score)
    ece = l2sq = debiased = 0.0
    mce = 0.0
    for m in loop_bins(score, outcome, n_bins, binning):
        if not m:
            continue
        s = sum(score[i] for i in m) / len(m)
        o = sum(outcome[i] for i in m) / len(m)
        ece += len(m) / n * abs(o - s)
        mce = max(mce, abs(o - s))
        l2sq += len(m) / n * (o - s) ** 2
        if len(m) >= 2:
            debiased += len(m) / n * ((o - s) ** 2 - o * (1 - o) / (len(m) - 1))
    return ece, mce, math.sqrt(l2sq), math.sqrt(max(debiased, 0.0))


def test_kumar_published_example():
    p, y = np.array([0.6, 0.7, 0.8, 0.9]), np.array([0, 0, 1, 1])
    assert binned_calibration(p, y, 2, "equal_width").ece == pytest.approx(0.25, abs=1e-12)
    assert binned_calibration(p, y, 2, "equal_mass").ece == pytest.approx(0.4, abs=1e-12)


def test_torchmetrics_docstring_example():
    p, y = np.array([0.25, 0.25, 0.55, 0.75, 0.75]), np.array([0, 0, 1, 1, 1])
    b = binned_calibration(p, y, 2, "equal_width")
    assert b.ece == pytest.approx(0.2900, abs=5e-5)
    assert b.l2 == pytest.approx(0.2918, abs=5e-5)
    assert b.mce == pytest.approx(0.3167, abs=5e-5)


@pytest.mark.parametrize("binning", ["equal_width", "equal_mass"])
@given(binary_problems(max_size=120), st.integers(1, 12))
def test_estimators_match_loops(binning, problem, n_bins):
    y, p = problem
    b = binned_calibration(p, y, n_bins, binning)
    ece, mce, l2, debiased = loop_estimators(p.tolist(), y.tolist(), n_bins, binning)
    assert b.ece == pytest.approx(ece, abs=1e-12)
    assert b.mce == pytest.approx(mce, abs=1e-12)
    assert b.l2 == pytest.approx(l2, abs=1e-12)
    assert b.debiased_l2 == pytest.approx(debiased, abs=1e-7)
    assert sum(x.count for x in b.bins) == len(y)
    expected = [len(m) for m in loop_bins(p.tolist(), y.tolist(), n_bins, binning)]
    assert [x.count for x in b.bins] == expected


@pytest.mark.parametrize("binning", ["equal_width", "equal_mass"])
@given(binary_problems(max_size=150), st.integers(1, 20))
def test_ranked_calibration_equals_the_rows(binning, problem, n_bins):
    # From the ranking the score sums run in order of score rather than of rows: the
    # means and estimators agree to rounding (a few ulps of sums of at most 150
    # probabilities), the counts, hits and edges exactly.
    y, p = problem
    ranked = ranked_calibration(rank_binary(y, p), n_bins, binning)
    rows = binned_calibration(p, y == 1, n_bins, binning)
    assert [(b.lower, b.upper, b.count, b.observed, b.interval) for b in ranked.bins] == [
        (b.lower, b.upper, b.count, b.observed, b.interval) for b in rows.bins]
    for ours, theirs in zip(ranked.bins, rows.bins, strict=True):
        assert ours.mean_score == pytest.approx(theirs.mean_score, abs=1e-12)
    ece, mce, l2, _ = loop_estimators(p.tolist(), y.tolist(), n_bins, binning)
    assert ranked.ece == pytest.approx(ece, abs=1e-12)
    assert ranked.mce == pytest.approx(mce, abs=1e-12)
    assert ranked.l2 == pytest.approx(l2, abs=1e-12)
    assert ranked.debiased_l2 == pytest.approx(rows.debiased_l2, abs=1e-12)


@pytest.mark.parametrize("binning", ["equal_width", "equal_mass"])
def test_ranked_calibration_of_no_examples_is_undefined(binning):
    empty = ranked_calibration(rank_binary(np.zeros(0, np.int64), np.zeros(0)), 15, binning)
    assert empty.ece is None
    assert sum(b.count for b in empty.bins) == 0


@given(binary_problems(max_size=150), st.integers(1, 20))
def test_positive_class_bins_match_sklearn_calibration_curve(problem, n_bins):
    y, p = problem
    b = calibration_view(y, p, "positive_class", n_bins)
    prob_true, prob_pred = calibration_curve(y, p, n_bins=n_bins, pos_label=1)
    filled = [x for x in b.bins if x.count]
    np.testing.assert_allclose([x.observed for x in filled], prob_true, atol=1e-12)
    np.testing.assert_allclose([x.mean_score for x in filled], prob_pred, atol=1e-12)


@given(binary_problems(max_size=60), st.integers(1, 8))
def test_bins_carry_wilson_intervals(problem, n_bins):
    y, p = problem
    for x in calibration_view(y, p, "positive_class", n_bins, "equal_mass").bins:
        if x.count == 0:
            assert x.interval is None
            continue
        k = round(x.observed * x.count)
        ci = binomtest(k, x.count).proportion_ci(method="wilson")
        assert x.interval == pytest.approx((ci.low, ci.high), abs=1e-9)


def test_equal_mass_keeps_ties_together_and_may_use_fewer_bins():
    edges = equal_mass_edges(np.array([0.2, 0.2, 0.2, 0.2, 0.9]), 4)
    assert edges.tolist() == [0.2, 0.55, 1.0]
    b = binned_calibration(np.array([0.2, 0.2, 0.2, 0.2, 0.9]), np.array([0, 1, 0, 0, 1]), 4,
                           "equal_mass")
    assert [x.count for x in b.bins] == [4, 0, 1]


def test_top_label_and_positive_class_differ_on_binary():
    y = np.array([0, 0, 1, 1])
    p = np.array([0.1, 0.4, 0.35, 0.8])
    top = calibration_view(y, p, "top_label", 10)
    pos = calibration_view(y, p, "positive_class", 10)
    # Top-label: confidences 0.9, 0.6, 0.65, 0.8, all right but 0.65.
    assert top.ece == pytest.approx((0.1 + 0.4 + 0.65 + 0.2) / 4)
    # Positive class: 0.4 and 0.35 share (0.3, 0.4]: mean 0.375 against 1/2.
    assert pos.ece == pytest.approx((0.1 + 2 * 0.125 + 0.2) / 4)
    assert top.view == "top_label"
    assert pos.view == "positive_class"
    assert calibration_view(y, p, "top_label", 1).ece == pytest.approx(
        abs(0.75 - (0.9 + 0.6 + 0.65 + 0.8) / 4))
    assert calibration_view(y, p, "positive_class", 1).ece == pytest.approx(
        abs(0.5 - (0.1 + 0.4 + 0.35 + 0.8) / 4))


def test_empty_input_is_undefined():
    b = binned_calibration(np.zeros(0), np.zeros(0, np.int64), 5)
    assert (b.ece, b.mce, b.l2, b.debiased_l2) == (None, None, None, None)


def test_positive_class_view_needs_binary():
    with pytest.raises(ValueError, match="binary"):
        calibration_view(np.array([0, 1]), np.eye(2), "positive_class")


@given(multiclass_problems(), st.integers(1, 10))
def test_classwise_ece_is_mean_of_one_vs_rest_loops(problem, n_bins):
    y, proba = problem
    c = classwise_calibration(y, proba, n_bins)
    per = [loop_estimators(proba[:, k].tolist(), (y == k).astype(int).tolist(), n_bins,
                           "equal_width") for k in range(proba.shape[1])]
    assert c.ece == pytest.approx(np.mean([e[0] for e in per]), abs=1e-12)
    assert c.debiased_l2 == pytest.approx(math.sqrt(np.mean([e[3] ** 2 for e in per])),
                                          abs=1e-7)


@given(binary_problems(min_size=2, max_size=80), st.integers(0, 2**32 - 1))
def test_bootstrap_interval_is_the_percentile_of_resampled_loops(problem, seed):
    y, p = problem
    ci = ece_bootstrap_interval(y, p, 30, seed, view="positive_class", n_bins=5)
    values = [loop_estimators(p[rows].tolist(), y[rows].tolist(), 5, "equal_width")[0]
              for rows in stratified_bootstrap(y, 30, seed)]
    assert ci == pytest.approx(tuple(np.quantile(values, [0.025, 0.975])), abs=1e-12)
    assert ci == ece_bootstrap_interval(y, p, 30, seed, view="positive_class", n_bins=5)


@pytest.mark.filterwarnings("ignore")
@given(binary_problems(min_size=1, max_size=300), st.sampled_from([None, 0.01, 0.05, 0.3]))
def test_smooth_ece_matches_relplot(problem, bandwidth):
    relplot = pytest.importorskip("relplot")
    y, p = problem
    ours = smooth_ece(p, y, bandwidth)
    if bandwidth is None:
        value, width = relplot.smECE(p, y.astype(float), return_width=True)
        assert ours.bandwidth == width
    else:
        value = relplot.smECE_sigma(p, y.astype(float), bandwidth)
    assert ours.smooth_ece == pytest.approx(value, abs=1e-12)


@pytest.mark.filterwarnings("ignore")
@given(binary_problems(min_size=1, max_size=300), st.sampled_from([None, 0.01, 0.3]))
def test_smooth_ece_placed_in_slices_matches_relplot(problem, bandwidth):
    # Large inputs are placed on the grid a slice at a time: small slices here, so that
    # the slices' sums are checked on inputs relplot can score (rounding only differs).
    relplot = pytest.importorskip("relplot")
    y, p = problem
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(calibration_error, "GRID_CHUNK", 16)
        ours = smooth_ece(p, y, bandwidth)
    if bandwidth is None:
        value = relplot.smECE(p, y.astype(float))
    else:
        value = relplot.smECE_sigma(p, y.astype(float), bandwidth)
    assert ours.smooth_ece == pytest.approx(value, abs=1e-12)


def test_smooth_ece_of_no_examples_is_undefined():
    assert smooth_ece(np.zeros(0), np.zeros(0)).smooth_ece is None


@given(multiclass_problems(), st.sampled_from([1, 2, 15]), st.booleans())
def test_the_multiclass_evaluation_reads_each_class_bins_from_its_ranking(
        problem, n_bins, weighted):
    # Ties, probabilities 0 and 1, classes absent from the labels: each class's bins,
    # read from the ranking that gives its AUC, equal the bins counted from the rows.
    from clfdiag.core.calibration_error import classwise_from
    from clfdiag.core.evaluation import evaluate_predictions

    y, proba = problem
    weights = np.ones(y.size) if weighted else None
    ev = evaluate_predictions(y, proba, weights=weights, n_bins=n_bins)
    if weighted:
        assert ev.class_calibration is None
        return
    assert ev.class_calibration is not None
    want = classwise_calibration(y, proba, n_bins)
    got = classwise_from(ev.class_calibration)
    assert (got.binning, got.n_bins) == (want.binning, want.n_bins)
    for g, w in zip(got.per_class, want.per_class, strict=True):
        assert g.view == w.view
        assert [(b.count, b.lower, b.upper) for b in g.bins] == [
            (b.count, b.lower, b.upper) for b in w.bins]
        for name in ("ece", "mce", "l2", "debiased_l2"):
            assert getattr(g, name) == pytest.approx(getattr(w, name), rel=1e-12, abs=1e-15)
    for name in ("ece", "debiased_l2"):
        assert getattr(got, name) == pytest.approx(getattr(want, name), rel=1e-12, abs=1e-15)
