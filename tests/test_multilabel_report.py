"""The multi-label reports of ``evaluate`` and ``compare``: keys, values from core, JSON-able."""

import json
import os
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn import metrics as skm

from clfdiag.core.catalogue import spec
from clfdiag.core.multilabel import compare_multilabel, evaluate_multilabel, example_losses
from clfdiag.io.multilabel import multilabel_from_table, pair_multilabel, read_multilabel
from clfdiag.reports.multilabel import (
    multilabel_comparison_report,
    multilabel_evaluation_report,
)
from tests.conftest import DATA

FIXTURES = os.path.join(DATA, "multilabel")
EVALUATE_KEYS = {"schema_version", "clfdiag_version", "command", "input", "mode", "task",
                 "labels", "threshold", "zero_division", "metrics", "undefined", "per_label",
                 "cardinality", "overconfident_errors", "bins", "log_loss_clipped_cells",
                 "notes"}
LABEL_KEYS = ["label", "support", "prevalence", "precision", "recall", "f1", "roc_auc",
              "average_precision", "log_loss", "ece"]


def report_of(name, **kwargs):
    preds = read_multilabel(os.path.join(FIXTURES, name))
    ev = evaluate_multilabel(preds.y, preds.proba, **kwargs)
    return preds, multilabel_evaluation_report(preds, ev)


@pytest.mark.parametrize("name", ["indicators.csv", "delimited.csv", "lists.csv"])
def test_evaluate_report_of_each_shape(name):
    preds, report = report_of(name, min_confidence=0.6)
    json.dumps(report, allow_nan=False)
    assert set(report) == EVALUATE_KEYS
    assert report["task"] == "multilabel"
    assert report["command"] == "evaluate"
    assert report["labels"] == list(preds.labels)
    assert report["threshold"] == 0.5
    assert report["zero_division"] == 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pred = (preds.proba >= 0.5).astype(int)
        assert report["metrics"]["f1_micro"] == pytest.approx(
            skm.f1_score(preds.y, pred, average="micro", zero_division=0))
        assert report["metrics"]["label_ranking_average_precision"] == pytest.approx(
            skm.label_ranking_average_precision_score(preds.y, preds.proba))
    for key in report["metrics"]:
        assert spec(key).key == key
    assert [list(e)[:10] for e in report["per_label"]] == [LABEL_KEYS] * len(preds.labels)
    for entry, column in zip(report["per_label"], preds.y.T, strict=True):
        assert entry["support"] == int(column.sum())
        assert isinstance(entry["support"], int)
    assert set(report["cardinality"]) == {"mean_true", "mean_predicted",
                                          "rows_without_true_label",
                                          "rows_without_predicted_label"}
    assert report["cardinality"]["mean_true"] == pytest.approx(preds.y.sum(axis=1).mean())
    for cell in report["overconfident_errors"]["top"]:
        row, j = cell["row"] - 1, report["labels"].index(cell["label"])
        assert cell["p"] == preds.proba[row, j]
        assert cell["truth"] == preds.y[row, j]
        assert cell["id"] == (None if preds.ids is None else preds.ids[row])
        assert (cell["p"] >= 0.5) != bool(cell["truth"])
    with open(os.path.join(FIXTURES, name)) as f:
        header = f.readline().strip().split(",")
    assert [r["column"] for r in report["input"]["column_roles"]] == header


def test_undefined_values_are_null_with_reasons_and_notes():
    preds, report = report_of("delimited.csv")  # row c2 has no true label
    assert report["metrics"]["roc_auc_samples"] is None
    assert "roc_auc_samples" in report["undefined"]
    assert report["cardinality"]["rows_without_true_label"] == 1
    assert any("label_ranking_average_precision" in n for n in report["notes"])
    frame = pd.DataFrame({"y_a": [1, 1], "y_b": [0, 1], "p_a": [0.9, 0.8], "p_b": [0.3, 0.6]})
    preds = multilabel_from_table("t", frame)
    ev = evaluate_multilabel(preds.y, preds.proba)
    report = multilabel_evaluation_report(preds, ev)
    first = report["per_label"][0]  # label a is present in every row
    assert first["roc_auc"] is None
    assert "roc_auc" in first["undefined"]
    assert report["metrics"]["roc_auc_macro"] is None


def test_per_label_thresholds_and_zero_division_are_reported():
    preds = read_multilabel(os.path.join(FIXTURES, "indicators.csv"))
    ev = evaluate_multilabel(preds.y, preds.proba, [0.5, 0.6, 0.7, 0.99], zero_division=1)
    report = multilabel_evaluation_report(preds, ev)
    assert report["threshold"] == {"0": 0.5, "1": 0.6, "2": 0.7, "3": 0.99}
    assert report["zero_division"] == 1


def test_compare_report_deltas_and_paired_tests():
    a = read_multilabel(os.path.join(FIXTURES, "indicators.csv"))
    frame = pd.read_csv(os.path.join(FIXTURES, "indicators.csv"))
    for k in range(4):
        frame[f"p_{k}"] = np.clip(frame[f"p_{k}"] ** 2 + 0.05, 0, 1)
    b = multilabel_from_table("b.csv", frame)
    paired = pair_multilabel(a, b)
    cmp = compare_multilabel(evaluate_multilabel(paired.y, paired.proba_a),
                             evaluate_multilabel(paired.y, paired.proba_b),
                             paired.y, paired.proba_a, paired.proba_b)
    report = multilabel_comparison_report(a, b, cmp, pairing=paired.pairing_json())
    json.dumps(report, allow_nan=False)
    assert report["task"] == "multilabel"
    assert report["command"] == "compare"
    assert report["labels"] == ["0", "1", "2", "3"]
    for key, value in report["delta"].items():
        if value is None:
            assert report["a"][key] is None or report["b"][key] is None
        else:
            assert value == pytest.approx(report["b"][key] - report["a"][key])
    assert [e["label"] for e in report["per_label"]] == report["labels"]
    for entry in report["per_label"]:
        assert set(entry) == {"label", "a", "b", "delta"}
        assert entry["delta"]["f1"] == pytest.approx(entry["b"]["f1"] - entry["a"]["f1"])
    la, lb = example_losses(paired.y, paired.proba_a), example_losses(paired.y, paired.proba_b)
    for key, a_loss, b_loss in (("log_loss", la.bce, lb.bce),
                                ("hamming_loss", la.hamming, lb.hamming)):
        test = report["tests"][key]
        assert set(test) >= {"mean_diff", "ci", "p_value", "method"}
        assert test["mean_diff"] == pytest.approx(report["delta"][key])
        if np.std(b_loss - a_loss) > 0:
            assert test["p_value"] == pytest.approx(stats.ttest_rel(b_loss, a_loss).pvalue,
                                                    rel=1e-6)
    assert report["loss_up_accuracy_up"] == (report["delta"]["log_loss"] > 0
                                             and report["delta"]["subset_accuracy"] > 0)
    assert report["loss_up_accuracy_up_metrics"] == {"loss": "log_loss",
                                                     "accuracy": "subset_accuracy"}
    assert report["pairing"] == {"by": "id", "n": 6, "only_in_a": 0, "only_in_b": 0}


def test_the_sample_file_reads_as_multilabel_and_matches_sklearn():
    from tests.conftest import SAMPLES

    preds = read_multilabel(os.path.join(SAMPLES, "multilabel.csv"))
    assert preds.shape == "indicators"
    assert preds.labels == ("sports", "politics", "science", "business", "health")
    ev = evaluate_multilabel(preds.y, preds.proba)
    assert ev.metrics["roc_auc_macro"] == pytest.approx(
        skm.roc_auc_score(preds.y, preds.proba, average="macro"))
    assert ev.metrics["coverage_error"] == pytest.approx(skm.coverage_error(preds.y, preds.proba))
