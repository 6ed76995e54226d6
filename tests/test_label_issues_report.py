"""The report of ``clfdiag label-issues``: its keys, its values and the ``--scores-out`` table."""

import csv
import io
import json
import warnings

import cleanlab.filter
import numpy as np
import pytest
from cleanlab import count, rank

from clfdiag.core.label_quality import label_issues
from clfdiag.errors import ClfdiagError
from clfdiag.predictions import InputSummary, Predictions
from clfdiag.reports.label_issues import (
    OUT_OF_SAMPLE_NOTE,
    label_issues_report,
    scores_csv,
)

CLASSES = ("cat", "dog", "fox")
PROBA = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.2, 0.2, 0.6], [0.05, 0.9, 0.05],
                  [0.6, 0.3, 0.1], [0.1, 0.1, 0.8], [0.85, 0.1, 0.05], [0.9, 0.05, 0.05],
                  [0.3, 0.6, 0.1], [0.0, 0.0, 1.0]])
# Rows 3, 6 and 7 carry a label the model firmly disagrees with.
Y = np.array([0, 1, 2, 0, 0, 2, 2, 1, 1, 2])
# Two input rows were dropped before these examples: file rows are not index + 1.
ROWS = np.array([1, 2, 4, 5, 6, 7, 8, 9, 11, 12])
IDS = [f"img-{i}" for i in range(10)]
KEYS = ["schema_version", "clfdiag_version", "command", "input", "n", "classes", "filter",
        "rank_by", "adjust_pred_probs", "confident_thresholds", "prior_true",
        "confident_joint", "noise_matrix", "inverse_noise_matrix", "num_label_issues",
        "label_health_score", "class_quality", "issue_count", "issues", "notes"]


def predictions(ids=IDS, y=Y, proba=PROBA, classes=CLASSES):
    source = InputSummary(path="preds.csv", rows=12, used=10, dropped={"missing label": 2},
                          label_column="label",
                          probability_columns=tuple(f"p_{c}" for c in classes),
                          id_column="id" if ids is not None else None,
                          notes=("2 rows without a label were dropped",))
    return Predictions(y=y, proba=proba, classes=classes, source=source, ids=ids, rows=ROWS)


def cleanlab_ranking(y, proba, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cleanlab.filter.find_label_issues(y, proba, n_jobs=1, **kwargs)


def test_keys_and_values_follow_the_contract():
    preds = predictions()
    result = label_issues(Y, PROBA, rank_by="normalized-margin", adjust_pred_probs=True)
    report = label_issues_report(preds, result, top=2, notes=["fold column seen"])
    assert list(report) == KEYS
    json.dumps(report, allow_nan=False)
    assert report["command"] == "label-issues"
    assert report["n"] == 10
    assert report["classes"] == ["cat", "dog", "fox"]
    assert (report["filter"], report["rank_by"], report["adjust_pred_probs"]) == (
        "prune-by-noise-rate", "normalized-margin", True)
    assert report["input"]["path"] == "preds.csv"
    assert report["notes"] == ["2 rows without a label were dropped", OUT_OF_SAMPLE_NOTE,
                               "fold column seen"]
    thresholds = count.get_confident_thresholds(Y, PROBA)
    assert list(report["confident_thresholds"]) == ["cat", "dog", "fox"]
    assert list(report["confident_thresholds"].values()) == pytest.approx(thresholds, abs=1e-15)
    raw = count.compute_confident_joint(Y, PROBA, calibrate=False)
    calibrated = count.compute_confident_joint(Y, PROBA)
    assert report["confident_joint"] == {"raw": raw.tolist(), "calibrated": calibrated.tolist()}
    prior, noise, inverse = count.estimate_latent(calibrated, Y)
    assert list(report["prior_true"].values()) == pytest.approx(prior, abs=1e-12)
    assert np.allclose(report["noise_matrix"], noise, rtol=0, atol=1e-12)
    assert np.allclose(report["inverse_noise_matrix"], inverse, rtol=0, atol=1e-12)
    assert report["num_label_issues"] == {
        "off_diagonal": count.num_label_issues(Y, PROBA),
        "off_diagonal_calibrated": count.num_label_issues(
            Y, PROBA, estimation_method="off_diagonal_calibrated")}
    assert report["label_health_score"] == 1 - report["num_label_issues"]["off_diagonal"] / 10

    ranked = cleanlab_ranking(Y, PROBA, return_indices_ranked_by="normalized_margin",
                              rank_by_kwargs={"adjust_pred_probs": True})
    assert report["issue_count"] == len(ranked) > 2
    scores = rank.get_label_quality_scores(Y, PROBA, method="normalized_margin",
                                           adjust_pred_probs=True)
    assert [issue["index"] for issue in report["issues"]] == ranked[:2].tolist()
    for issue in report["issues"]:
        i = issue["index"]
        assert list(issue) == ["row", "index", "id", "given_label", "suggested_label",
                               "quality", "p_given", "p_suggested"]
        assert issue["row"] == ROWS[i]
        assert issue["id"] == IDS[i]
        assert issue["given_label"] == CLASSES[Y[i]]
        assert issue["suggested_label"] == CLASSES[int(np.argmax(PROBA[i]))]
        assert issue["quality"] == pytest.approx(scores[i], abs=1e-12)
        assert issue["p_given"] == PROBA[i, Y[i]]
        assert issue["p_suggested"] == PROBA[i].max()


def test_class_quality_is_worst_first_with_cleanlab_counts():
    report = label_issues_report(predictions(), label_issues(Y, PROBA))
    quality = [c["label_quality"] for c in report["class_quality"]]
    assert quality == sorted(quality)
    assert sorted(c["class"] for c in report["class_quality"]) == list(CLASSES)
    calibrated = np.array(report["confident_joint"]["calibrated"])
    for entry in report["class_quality"]:
        k = CLASSES.index(entry["class"])
        # rank_classes_by_label_quality's "Label Issues": the off-diagonal of row k.
        assert entry["label_issues"] == calibrated[k].sum() - calibrated[k, k]
        assert entry["label_noise"] == pytest.approx(1 - entry["label_quality"], abs=1e-15)


def test_top_cuts_the_list_but_not_the_count_and_ids_are_optional():
    result = label_issues(Y, PROBA, filter_by="confident-learning")
    report = label_issues_report(predictions(ids=None), result, top=0)
    assert report["issues"] == []
    assert report["issue_count"] == int(result.is_issue.sum()) > 0
    shown = label_issues_report(predictions(ids=None), result, top=10_000)["issues"]
    assert len(shown) == report["issue_count"]
    assert all("id" not in issue for issue in shown)
    with pytest.raises(ClfdiagError, match="--top"):
        label_issues_report(predictions(), result, top=10_001)


def test_binary_report_uses_both_columns():
    p = np.array([0.1, 0.9, 0.8, 0.2, 0.7, 0.3, 0.95, 0.05, 0.6, 0.4])
    y = np.array([0, 1, 0, 0, 1, 0, 0, 1, 1, 0])
    preds = predictions(y=y, proba=p, classes=("no", "yes"))
    report = label_issues_report(preds, label_issues(y, p), top=10)
    matrix = np.column_stack((1 - p, p))
    ranked = cleanlab_ranking(y, matrix, return_indices_ranked_by="self_confidence")
    assert [issue["index"] for issue in report["issues"]] == ranked.tolist()
    assert report["confident_joint"]["raw"] == count.compute_confident_joint(
        y, matrix, calibrate=False).tolist()


def read_scores(text):
    return list(csv.reader(io.StringIO(text)))


def test_scores_table_lists_every_example_with_exact_scores():
    result = label_issues(Y, PROBA, adjust_pred_probs=True)
    lines = read_scores(scores_csv(predictions(), result))
    assert lines[0] == ["row", "id", "given_label", "self_confidence", "normalized_margin",
                        "confidence_weighted_entropy", "self_confidence_adjusted",
                        "normalized_margin_adjusted", "is_label_issue"]
    body = lines[1:]
    assert [int(r[0]) for r in body] == ROWS.tolist()
    assert [r[1] for r in body] == IDS
    assert [r[2] for r in body] == [CLASSES[g] for g in Y]
    for column, (method, adjust) in enumerate(
            [("self_confidence", False), ("normalized_margin", False),
             ("confidence_weighted_entropy", False), ("self_confidence", True),
             ("normalized_margin", True)], start=3):
        expected = rank.get_label_quality_scores(Y, PROBA, method=method,
                                                 adjust_pred_probs=adjust)
        written = np.array([float(r[column]) for r in body])
        np.testing.assert_allclose(written, expected, rtol=0, atol=1e-12)
        # repr round-trips: the text gives back our float bit for bit.
        ours = result.quality if (method, adjust) == ("self_confidence", True) else None
        if ours is not None:
            np.testing.assert_array_equal(written, ours)
    flagged = cleanlab_ranking(Y, PROBA)
    assert [r[-1] for r in body] == ["1" if f else "0" for f in flagged]


def test_scores_table_without_ids_or_adjustment_has_the_plain_columns():
    lines = read_scores(scores_csv(predictions(ids=None), label_issues(Y, PROBA)))
    assert lines[0] == ["row", "given_label", "self_confidence", "normalized_margin",
                        "confidence_weighted_entropy", "is_label_issue"]
    assert len(lines) == 11
