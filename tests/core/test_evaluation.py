"""Every metric of evaluate_predictions, binary and multiclass, against scikit-learn."""

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn import metrics as skm

from clfdiag.core import evaluate_predictions
from tests.strategies import binary_problems, multiclass_problems

TOL = 1e-9


def sk(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def check(ours, expected):
    if expected is None:
        assert ours is None
    else:
        assert ours is not None
        assert ours == pytest.approx(expected, abs=TOL)


@given(binary_problems(), st.sampled_from([0.5, 0.3, 0.9, 0.0, 1.0]))
def test_binary_metrics_match_sklearn(problem, threshold):
    y, p = problem
    ev = evaluate_predictions(y, p, threshold=threshold)
    m = ev.metrics
    pred = (p >= threshold).astype(int)
    both = 0 < y.sum() < len(y)
    tp = int(((pred == 1) & (y == 1)).sum())
    fp = int(((pred == 1) & (y == 0)).sum())
    fn = int(((pred == 0) & (y == 1)).sum())
    assert m["n"] == len(y)
    assert m["positives"] == int(y.sum())
    check(m["log_loss"], sk(skm.log_loss, y, p, labels=[0, 1]))
    check(m["brier"], sk(skm.brier_score_loss, y, p, labels=[0, 1]))
    check(m["accuracy"], skm.accuracy_score(y, pred))
    check(m["balanced_accuracy"], sk(skm.balanced_accuracy_score, y, pred))
    check(m["precision"], skm.precision_score(y, pred, zero_division=np.nan)
          if tp + fp else None)
    check(m["recall"], skm.recall_score(y, pred, zero_division=np.nan) if tp + fn else None)
    check(m["specificity"], skm.recall_score(y, pred, pos_label=0, zero_division=np.nan)
          if (y == 0).any() else None)
    check(m["f1"], skm.f1_score(y, pred, zero_division=np.nan) if tp + fp + fn else None)
    mcc_defined = both and 0 < pred.sum() < len(pred)
    check(m["mcc"], skm.matthews_corrcoef(y, pred) if mcc_defined else None)
    check(m["roc_auc"], skm.roc_auc_score(y, p) if both else None)
    check(m["pr_auc"], skm.average_precision_score(y, p) if y.any() else None)
    np.testing.assert_array_equal(ev.confusion_matrix,
                                  skm.confusion_matrix(y, pred, labels=[0, 1]))
    for name, value in m.items():
        assert (value is None) == (name in ev.undefined), name


@given(multiclass_problems())
def test_multiclass_metrics_match_sklearn(problem):
    y, proba = problem
    k = proba.shape[1]
    ev = evaluate_predictions(y, proba)
    m = ev.metrics
    pred = proba.argmax(axis=1)
    labels = list(range(k))
    check(m["log_loss"], sk(skm.log_loss, y, proba, labels=labels))
    check(m["brier"], sk(skm.brier_score_loss, y, proba, labels=labels, scale_by_half=False))
    check(m["accuracy"], skm.accuracy_score(y, pred))
    check(m["balanced_accuracy"], sk(skm.balanced_accuracy_score, y, pred))
    for ours, avg in (("macro_precision", "macro"), ("macro_f1", "macro"),
                      ("weighted_f1", "weighted")):
        fn = skm.precision_score if "precision" in ours else skm.f1_score
        check(m[ours], sk(fn, y, pred, labels=labels, average=avg, zero_division=np.nan))
    present = np.bincount(y, minlength=k) > 0
    check(m["macro_recall"], float(np.mean([
        skm.recall_score(y == c, pred == c) for c in range(k) if present[c]])))
    t = np.bincount(y, minlength=k)
    q = np.bincount(pred, minlength=k)
    mcc_defined = (t.max() < len(y)) and (q.max() < len(y))
    check(m["mcc"], skm.matthews_corrcoef(y, pred) if mcc_defined else None)
    if present.all():
        check(m["roc_auc"], skm.roc_auc_score(y, proba, multi_class="ovr", labels=labels))
    else:
        aucs = [skm.roc_auc_score(y == c, proba[:, c]) for c in range(k)
                if 0 < (y == c).sum() < len(y)]
        check(m["roc_auc"], float(np.mean(aucs)) if aucs else None)
    np.testing.assert_array_equal(ev.confusion_matrix,
                                  skm.confusion_matrix(y, pred, labels=labels))


@given(multiclass_problems(min_k=6, max_k=9))
def test_top5_accuracy_counts_ties_by_class_index(problem):
    y, proba = problem
    ev = evaluate_predictions(y, proba)
    # Independent definition: rank classes by (-p, index); a hit is a rank below 5.
    hits = [list(np.lexsort((np.arange(proba.shape[1]), -row))).index(c) < 5
            for row, c in zip(proba, y, strict=True)]
    check(ev.metrics["top5_accuracy"], float(np.mean(hits)))
    if len(np.unique(proba.round(12))) == proba.size:  # no ties: scikit-learn agrees
        check(ev.metrics["top5_accuracy"], skm.top_k_accuracy_score(y, proba, k=5,
                                                                   labels=list(range(proba.shape[1]))))


def test_top5_only_with_more_than_five_classes():
    proba = np.full((4, 5), 0.2)
    assert "top5_accuracy" not in evaluate_predictions(np.arange(4), proba).metrics


def test_worked_log_loss_numbers():
    # One prediction of 0.99 for the true class costs 0.0100503358535; 0.51 costs 0.673344553264.
    one = np.array([1])
    assert evaluate_predictions(one, np.array([0.99])).metrics["log_loss"] == pytest.approx(
        0.0100503358535, abs=1e-12)
    assert evaluate_predictions(one, np.array([0.51])).metrics["log_loss"] == pytest.approx(
        0.673344553264, abs=1e-12)
    two = evaluate_predictions(np.array([1, 1]), np.array([0.49, 0.99]))
    assert two.metrics["log_loss"] == pytest.approx(0.361700111865, abs=1e-12)
    assert two.metrics["accuracy"] == 0.5


def test_worked_tumour_confusion_matrix():
    # 29 malignant caught, 2 missed; 4 benign flagged, 66 cleared.
    y = np.array([1] * 31 + [0] * 70)
    p = np.array([0.9] * 29 + [0.1] * 2 + [0.9] * 4 + [0.1] * 66)
    m = evaluate_predictions(y, p).metrics
    assert m["accuracy"] == pytest.approx(95 / 101)
    assert m["precision"] == pytest.approx(29 / 33)
    assert m["recall"] == pytest.approx(29 / 31)
    assert m["specificity"] == pytest.approx(66 / 70)


def test_probabilities_of_exactly_zero_and_one_are_clipped_and_counted():
    ev = evaluate_predictions(np.array([1, 0, 1, 0]), np.array([0.0, 1.0, 1.0, 0.0]))
    assert ev.clipped == 4
    assert ev.metrics["log_loss"] == pytest.approx(-np.log(np.finfo(float).eps) / 2)
    assert ev.overconfident.count == 2


def test_one_class_only_leaves_ranking_metrics_undefined():
    ev = evaluate_predictions(np.ones(5, dtype=np.int64), np.linspace(0.1, 0.9, 5))
    for name in ("roc_auc", "specificity", "mcc"):
        assert ev.metrics[name] is None
        assert ev.undefined[name]
    assert ev.roc_auc_ci is None
    assert ev.metrics["recall"] == pytest.approx(0.6)


def test_no_predicted_positives_makes_precision_undefined_not_zero():
    ev = evaluate_predictions(np.array([0, 1, 0, 1]), np.array([0.1, 0.2, 0.3, 0.4]))
    assert ev.metrics["precision"] is None
    assert "no predicted positives" in ev.undefined["precision"]
    assert ev.metrics["recall"] == 0.0
    assert ev.metrics["f1"] == 0.0
    assert ev.metrics["roc_auc"] == 0.75  # 3 of the 4 positive-negative pairs ordered


def test_class_never_predicted_is_left_out_of_macro_precision():
    y = np.array([0, 1, 2, 2])
    proba = np.array([[.8, .1, .1], [.8, .1, .1], [.1, .1, .8], [.1, .1, .8]])
    ev = evaluate_predictions(y, proba)
    assert ev.per_class[1].stats.precision.value is None
    assert ev.metrics["macro_precision"] == pytest.approx((0.5 + 1.0) / 2)
    assert any("macro precision averages 2 of 3" in n for n in ev.notes)


def test_binary_as_two_columns_equals_one_column():
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 300)
    p = rng.random(300)
    one = evaluate_predictions(y, p)
    two = evaluate_predictions(y, np.column_stack([1 - p, p]))
    for name in ("log_loss", "accuracy", "mcc", "roc_auc"):
        assert one.metrics[name] == pytest.approx(two.metrics[name], abs=1e-12)
    # The K-class Brier sums over both classes: twice the binary one (scale_by_half).
    assert two.metrics["brier"] == pytest.approx(2 * one.metrics["brier"], abs=1e-12)
