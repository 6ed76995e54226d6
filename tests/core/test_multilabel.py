"""Every multi-label metric against scikit-learn, on hypothesis inputs with the awkward cases.

The inputs are drawn with rows without any true label, rows with every label, a
label never present, a label always present, ties (a coarse grid of
probabilities), probabilities 0 and 1, per-label thresholds and sample weights
(some zero), under both ``zero_division`` values.
"""

import itertools
import math
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sklearn import metrics as skm

from clfdiag.core.calibration_error import calibration_view
from clfdiag.core.catalogue import spec
from clfdiag.core.multilabel import (
    AVERAGES,
    MultilabelSettings,
    column_rankings,
    compare_multilabel,
    evaluate_multilabel,
    example_losses,
    finish,
    label_thresholds,
    multilabel_sums,
    row_rankings,
)
from tests.strategies import probability

# Our sums run in another order than scikit-learn's (per-row values summed chunk by chunk,
# weights applied before summing): the results agree to a few ulps of the values summed.
RTOL, ATOL = 1e-9, 1e-12


@st.composite
def multilabel_problems(draw, max_rows=40, max_labels=6, weighted=None):
    n = draw(st.integers(1, max_rows))
    n_labels = draw(st.integers(2, max_labels))
    y = draw(hnp.arrays(np.int64, (n, n_labels), elements=st.integers(0, 1)))
    # Force the edge cases often, not only when hypothesis stumbles on them.
    if draw(st.booleans()):
        y[draw(st.integers(0, n - 1))] = 0  # a row without a true label
    if draw(st.booleans()):
        y[draw(st.integers(0, n - 1))] = 1  # a row with every label
    if draw(st.booleans()):
        y[:, draw(st.integers(0, n_labels - 1))] = 0  # a label never present
    if draw(st.booleans()):
        y[:, draw(st.integers(0, n_labels - 1))] = 1  # a label always present
    coarse = draw(st.booleans())
    elements = st.sampled_from([0.0, 0.2, 0.5, 0.8, 1.0]) if coarse else probability
    p = draw(hnp.arrays(np.float64, (n, n_labels), elements=elements))
    if draw(st.booleans()):
        threshold = draw(st.sampled_from([0.5, 0.3, 0.0, 1.0, 0.8]))
    else:
        threshold = draw(hnp.arrays(np.float64, n_labels,
                                    elements=st.sampled_from([0.1, 0.5, 0.5, 0.7, 1.0])))
    use_weights = draw(st.booleans()) if weighted is None else weighted
    w = None
    if use_weights:
        w = draw(hnp.arrays(np.float64, n, elements=st.one_of(
            st.just(0.0), st.just(1.0), st.floats(0.1, 5.0))))
        if not w.sum() > 0:
            w[0] = 1.0
    return y, p, threshold, w


def close(ours, theirs):
    return math.isclose(ours, theirs, rel_tol=RTOL, abs_tol=ATOL)


def sklearn_metrics(y, p, threshold, zero_division, w):
    """scikit-learn's value of every key, NaN where it gives NaN."""
    pred = (p >= np.asarray(threshold)).astype(np.int64)
    n_labels = y.shape[1]
    cell_w = None if w is None else np.repeat(w, n_labels)
    ref = {
        "hamming_loss": skm.hamming_loss(y, pred, sample_weight=w),
        "subset_accuracy": skm.accuracy_score(y, pred, sample_weight=w),
        "label_accuracy": 1 - skm.hamming_loss(y, pred, sample_weight=w),
        "label_ranking_average_precision":
            skm.label_ranking_average_precision_score(y, p, sample_weight=w),
        "coverage_error": skm.coverage_error(y, p, sample_weight=w),
        "label_ranking_loss": skm.label_ranking_loss(y, p, sample_weight=w),
        "ndcg": skm.ndcg_score(y, p, sample_weight=w),
        "log_loss": skm.log_loss(y.ravel(), p.ravel(), sample_weight=cell_w, labels=[0, 1]),
        "brier": skm.brier_score_loss(y.ravel(), p.ravel(), sample_weight=cell_w),
    }
    for a in AVERAGES:
        kw = {"average": a, "sample_weight": w, "zero_division": zero_division}
        ref[f"precision_{a}"] = skm.precision_score(y, pred, **kw)
        ref[f"recall_{a}"] = skm.recall_score(y, pred, **kw)
        ref[f"f1_{a}"] = skm.f1_score(y, pred, **kw)
        ref[f"jaccard_{a}"] = skm.jaccard_score(y, pred, **kw)
        ref[f"roc_auc_{a}"] = skm.roc_auc_score(y, p, average=a, sample_weight=w)
        ref[f"average_precision_{a}"] = skm.average_precision_score(y, p, average=a,
                                                                    sample_weight=w)
    return ref


def no_positive(y, w):
    return not (y * (1.0 if w is None else w[:, None])).sum() > 0


def assert_like_sklearn(ev, ref, y, w):
    assert set(ev.metrics) == set(ref)
    for key, theirs in ref.items():
        ours = ev.metrics[key]
        if ours is None:
            assert key in ev.undefined, key
            # The undefined cases: NaN in scikit-learn, or a 0 it returns for an average
            # over no positive at all (documented as undefined here).
            assert math.isnan(theirs) or (
                theirs == 0 and key in ("roc_auc_weighted", "average_precision_weighted",
                                        "average_precision_micro") and no_positive(y, w)), key
        else:
            assert close(ours, theirs), (key, ours, theirs)


@given(multilabel_problems(), st.sampled_from([0, 1]))
def test_every_metric_equals_sklearn(problem, zero_division):
    y, p, threshold, w = problem
    ev = evaluate_multilabel(y, p, threshold, zero_division=zero_division, weights=w)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scikit-learn warns on each undefined value
        ref = sklearn_metrics(y, p, threshold, zero_division, w)
    assert_like_sklearn(ev, ref, y, w)


@given(multilabel_problems(), st.sampled_from([0, 1]))
def test_per_label_entries_equal_sklearn(problem, zero_division):
    y, p, threshold, w = problem
    ev = evaluate_multilabel(y, p, threshold, zero_division=zero_division, weights=w, n_bins=7)
    pred = (p >= np.asarray(threshold)).astype(np.int64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        precision, recall, f1, _ = skm.precision_recall_fscore_support(
            y, pred, average=None, sample_weight=w, zero_division=zero_division)
    total = len(y) if w is None else w.sum()
    for j, label in enumerate(ev.per_label):
        col, score = y[:, j], p[:, j]
        support = col.sum() if w is None else col @ w
        assert close(label.support, support)
        assert close(label.prevalence, support / total)
        assert close(label.precision, precision[j])
        assert close(label.recall, recall[j])
        assert close(label.f1, f1[j])
        assert close(label.log_loss, skm.log_loss(col, score, sample_weight=w, labels=[0, 1]))
        weighted_classes = {int(v) for v in col[(w if w is not None else np.ones(len(col))) > 0]}
        if len(weighted_classes) < 2:
            assert label.roc_auc is None
            assert "roc_auc" in label.undefined
        else:
            assert close(label.roc_auc, skm.roc_auc_score(col, score, sample_weight=w))
        if not support > 0:
            assert label.average_precision is None
            assert "average_precision" in label.undefined
        else:
            assert close(label.average_precision,
                         skm.average_precision_score(col, score, sample_weight=w))
        assert close(label.ece, brute_force_ece(col, score, 7, w))


def brute_force_ece(y, p, bins, w=None):
    """ECE of P(y = 1) over right-closed equal-width bins, one bin at a time."""
    w = np.ones(len(y)) if w is None else w
    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for b in range(bins):
        inside = (p > edges[b]) & (p <= edges[b + 1])
        if b == 0:
            inside |= p == 0
        weight = w[inside].sum()
        if weight > 0:
            total += abs(w[inside] @ y[inside] - w[inside] @ p[inside])
    return total / w.sum()


@given(multilabel_problems(weighted=False))
def test_label_ece_is_evaluates_positive_class_ece(problem):
    y, p, threshold, _ = problem
    ev = evaluate_multilabel(y, p, threshold)
    for j, label in enumerate(ev.per_label):
        binary = calibration_view(y[:, j], np.ascontiguousarray(p[:, j]), "positive_class", 15)
        assert close(label.ece, binary.ece)


@given(multilabel_problems())
def test_cardinality_and_overconfident_cells_by_brute_force(problem):
    y, p, threshold, w = problem
    ev = evaluate_multilabel(y, p, threshold, weights=w, min_confidence=0.75, top=5)
    pred = p >= np.asarray(threshold)
    rw = np.ones(len(y)) if w is None else w
    c = ev.cardinality
    assert close(c.mean_true, rw @ y.sum(axis=1) / rw.sum())
    assert close(c.mean_predicted, rw @ pred.sum(axis=1) / rw.sum())
    assert c.rows_without_true_label == int((y.sum(axis=1) == 0).sum())
    assert c.rows_without_predicted_label == int((pred.sum(axis=1) == 0).sum())
    cells = []
    errors = 0
    for i in range(y.shape[0]):
        for j in range(y.shape[1]):
            if bool(pred[i, j]) != bool(y[i, j]):
                errors += 1
                confidence = p[i, j] if pred[i, j] else 1 - p[i, j]
                p_true = p[i, j] if y[i, j] else 1 - p[i, j]
                loss = -math.log(min(max(p_true, np.finfo(float).eps), 1 - np.finfo(float).eps))
                if confidence >= 0.75:
                    cells.append((-confidence, -loss, i, j))
    over = ev.overconfident
    assert over.errors == errors
    assert over.count == len(cells)
    assert over.share_of_errors == (len(cells) / errors if errors else None)
    expected = sorted(cells)[:5]
    assert [(int(r), int(j)) for r, j in zip(over.rows, over.labels, strict=True)] == [
        (i, j) for _, _, i, j in expected]
    for r, j, prob, truth in zip(over.rows, over.labels, over.proba, over.truth,
                                     strict=True):
        assert prob == p[r, j]
        assert truth == y[r, j]


@given(multilabel_problems(weighted=False), st.data())
def test_splitting_the_rows_anywhere_gives_the_whole(problem, data):
    y, p, threshold, _ = problem
    n = y.shape[0]
    cuts = sorted(data.draw(st.lists(st.integers(0, n), max_size=3)))
    settings = MultilabelSettings(y.shape[1], label_thresholds(threshold, y.shape[1]), 1, 10,
                                  0.6, 4)
    whole = multilabel_sums(y, p, settings)
    bounds = [0, *cuts, n]
    parts = []
    for a, b in itertools.pairwise(bounds):
        part = whole.empty_like()
        part.update(y[a:b], p[a:b], first_row=a)
        parts.append(part)
    merged = parts[0]
    for part in parts[1:]:
        merged = merged.merge(part)
    rankings = column_rankings(y.astype(bool), p, None)
    ev_whole, ev_merged = finish(whole, *rankings), finish(merged, *rankings)
    exact = ("hamming_loss", "subset_accuracy", "label_accuracy",
             *(f"{m}_{a}" for m in ("precision", "recall", "f1", "jaccard")
               for a in ("micro", "macro", "weighted")))
    for key in exact:  # counts are exact, so are the metrics made from them
        assert ev_merged.metrics[key] == ev_whole.metrics[key], key
    for key, value in ev_whole.metrics.items():  # per-row sums agree to rounding
        other = ev_merged.metrics[key]
        assert (value is None and other is None) or close(other, value), key
    assert ev_merged.cardinality.rows_without_true_label == (
        ev_whole.cardinality.rows_without_true_label)
    assert ev_merged.overconfident.count == ev_whole.overconfident.count
    assert ev_merged.overconfident.rows.tolist() == ev_whole.overconfident.rows.tolist()
    assert ev_merged.overconfident.labels.tolist() == ev_whole.overconfident.labels.tolist()
    assert [x.support for x in ev_merged.per_label] == [x.support for x in ev_whole.per_label]
    # The empty state is the identity, and merging commutes.
    assert finish(whole.merge(whole.empty_like()), *rankings).metrics == ev_whole.metrics
    nonempty = [part for part in parts if part.rows]
    if len(nonempty) >= 2:
        swapped = nonempty[1].merge(nonempty[0])
        straight = nonempty[0].merge(nonempty[1])
        assert finish(swapped, *rankings).metrics["hamming_loss"] == finish(
            straight, *rankings).metrics["hamming_loss"]


@given(multilabel_problems())
def test_example_losses_average_to_the_metrics(problem):
    y, p, threshold, _ = problem
    ev = evaluate_multilabel(y, p, threshold)
    losses = example_losses(y, p, threshold)
    assert close(losses.bce.mean(), ev.metrics["log_loss"])
    assert close(losses.hamming.mean(), ev.metrics["hamming_loss"])


def test_rows_without_true_labels_score_one_in_lrap_and_zero_in_ap():
    y = np.array([[0, 0, 0], [1, 0, 1]], dtype=bool)
    p = np.array([[0.9, 0.1, 0.5], [0.8, 0.3, 0.2]])
    r = row_rankings(y, p)
    assert r.lrap[0] == 1.0
    assert r.average_precision[0] == 0.0
    assert math.isnan(r.roc_auc[0])
    ev = evaluate_multilabel(y, p)
    assert ev.metrics["roc_auc_samples"] is None
    assert "2" not in ev.undefined["roc_auc_samples"][:2]  # one row, named by its count
    assert ev.undefined["roc_auc_samples"].startswith("1 row(s)")


def test_sklearn_documented_examples():
    # The examples of scikit-learn's docstrings for coverage_error and label_ranking_loss.
    y = np.array([[1, 0, 0], [0, 0, 1]])
    p = np.array([[0.75, 0.5, 1], [1, 0.2, 0.1]])
    ev = evaluate_multilabel(y, p)
    assert ev.metrics["coverage_error"] == 2.5
    assert ev.metrics["label_ranking_loss"] == 0.75
    assert ev.metrics["label_ranking_average_precision"] == pytest.approx(0.416666, abs=1e-6)


def test_zero_division_decides_a_label_never_predicted():
    y = np.array([[1, 0], [0, 0], [1, 1]])
    p = np.array([[0.9, 0.1], [0.2, 0.1], [0.7, 0.2]])  # label 1 never predicted
    for zd in (0, 1):
        ev = evaluate_multilabel(y, p, zero_division=zd)
        assert ev.per_label[1].precision == zd
        assert ev.metrics["precision_macro"] == (1.0 + zd) / 2
        # Row 1 has empty true and predicted sets: its sample precision, recall, F1 and
        # Jaccard are all zero_division.
        assert ev.metrics["jaccard_samples"] == pytest.approx((1 + zd + 0.5) / 3)


def test_auc_invariant_to_monotone_transforms_and_flips_with_complement():
    rng = np.random.default_rng(3)
    y = (rng.random((60, 4)) < 0.4).astype(int)
    y[0], y[1] = 1, 0
    y[2, :] = [1, 0, 0, 0]
    y[3, :] = [0, 1, 1, 1]
    p = rng.random((60, 4))
    a = evaluate_multilabel(y, p)
    b = evaluate_multilabel(y, p ** 3)
    c = evaluate_multilabel(y, 1 - p)
    for key in ("roc_auc_micro", "roc_auc_macro", "label_ranking_loss", "coverage_error"):
        assert b.metrics[key] == pytest.approx(a.metrics[key])
    assert c.metrics["roc_auc_macro"] == pytest.approx(1 - a.metrics["roc_auc_macro"])


@given(multilabel_problems(weighted=False))
def test_paired_tests_equal_scipy(problem):
    from scipy import stats

    y, p, threshold, _ = problem
    q = np.clip(p[::-1] * 0.5 + 0.25, 0, 1) if len(p) > 1 else 1 - p
    cmp = compare_multilabel(evaluate_multilabel(y, p, threshold),
                             evaluate_multilabel(y, q, threshold), y, p, q)
    la, lb = example_losses(y, p, threshold), example_losses(y, q, threshold)
    assert close(cmp.log_loss_test.mean_diff, cmp.b.metrics["log_loss"] - cmp.a.metrics["log_loss"])
    assert close(cmp.hamming_loss_test.mean_diff,
                 cmp.b.metrics["hamming_loss"] - cmp.a.metrics["hamming_loss"])
    for test, a, b in ((cmp.log_loss_test, la.bce, lb.bce),
                       (cmp.hamming_loss_test, la.hamming, lb.hamming)):
        diff = b - a
        if len(diff) >= 2 and diff.std(ddof=1) > 1e-12 * max(1.0, abs(diff).max()):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ref = stats.ttest_rel(b, a)
            # Our t distribution is a continued fraction; SciPy's a different series.
            assert test.p_value == pytest.approx(ref.pvalue, rel=1e-6, abs=1e-12)
    loss_up = cmp.b.metrics["log_loss"] > cmp.a.metrics["log_loss"]
    acc_up = cmp.b.metrics["subset_accuracy"] > cmp.a.metrics["subset_accuracy"]
    assert cmp.loss_up_accuracy_up == (loss_up and acc_up)


@given(multilabel_problems(weighted=True))
def test_weighted_comparison_is_the_weighted_mean_difference(problem):
    y, p, threshold, w = problem
    q = np.clip(1.0 - p * 0.5, 0, 1)
    cmp = compare_multilabel(evaluate_multilabel(y, p, threshold, weights=w),
                             evaluate_multilabel(y, q, threshold, weights=w), y, p, q, weights=w)
    la, lb = example_losses(y, p, threshold), example_losses(y, q, threshold)
    assert close(cmp.log_loss_test.mean_diff, np.average(lb.bce - la.bce, weights=w))
    assert close(cmp.hamming_loss_test.mean_diff,
                 cmp.b.metrics["hamming_loss"] - cmp.a.metrics["hamming_loss"])
    assert cmp.log_loss_test.p_value is None
    assert cmp.exact_match_test is None


def test_comparison_refuses_evaluations_of_other_rows_thresholds_or_weights():
    y = np.array([[1, 0], [0, 1], [1, 1]])
    p = np.array([[0.8, 0.3], [0.4, 0.6], [0.9, 0.2]])
    ev = evaluate_multilabel(y, p)
    with pytest.raises(ValueError, match="same thresholds and weights"):
        compare_multilabel(ev, evaluate_multilabel(y, p, 0.7), y, p, p)
    with pytest.raises(ValueError, match="same thresholds and weights"):
        compare_multilabel(ev, ev, y[:2], p[:2], p[:2])
    with pytest.raises(ValueError, match="same thresholds and weights"):
        compare_multilabel(ev, ev, y, p, p, weights=np.ones(3))


def test_every_metric_key_is_in_the_catalogue():
    ev = evaluate_multilabel(np.array([[1, 0], [0, 1]]), np.array([[0.8, 0.3], [0.4, 0.6]]))
    for key in ev.metrics:
        assert spec(key).key == key


@pytest.mark.parametrize(("y", "p", "message"), [
    (np.zeros((0, 3)), np.zeros((0, 3)), "at least one row"),
    (np.zeros((2, 1)), np.zeros((2, 1)), "two labels"),
    (np.zeros((2, 3)), np.zeros((2, 2)), "same shape"),
])
def test_refuses_shapes_it_cannot_evaluate(y, p, message):
    with pytest.raises(ValueError, match=message):
        evaluate_multilabel(y, p)


def test_threshold_per_label_must_match_the_labels():
    with pytest.raises(ValueError, match="one per label"):
        label_thresholds([0.5, 0.5], 3)
