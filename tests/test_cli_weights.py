"""``--weight-col`` on evaluate, compare and epochs, against scikit-learn's sample_weight."""

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm
from typer.testing import CliRunner

from clfdiag.cli.app import app

DATA = Path(__file__).parent / "data" / "weighted"
A, B, MULTI = str(DATA / "a.csv"), str(DATA / "b.csv"), str(DATA / "multiclass.csv")


def run(*args, code=0):
    result = CliRunner().invoke(app, [*args])
    assert result.exit_code == code, result.output
    return result


def run_json(*args):
    return json.loads(run(*args, "-f", "json").stdout)


def sk(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(fn(*args, **kwargs))


def binary_truth(path):
    frame = pd.read_csv(path)
    y, p, w = frame["label"].to_numpy(), frame["prob"].to_numpy(), frame["w"].to_numpy()
    pred = (p >= 0.5).astype(int)
    kw = {"sample_weight": w}
    return {
        "log_loss": sk(skm.log_loss, y, p, **kw),
        "brier": sk(skm.brier_score_loss, y, p, **kw),
        "accuracy": sk(skm.accuracy_score, y, pred, **kw),
        "balanced_accuracy": sk(skm.balanced_accuracy_score, y, pred, **kw),
        "precision": sk(skm.precision_score, y, pred, **kw),
        "recall": sk(skm.recall_score, y, pred, **kw),
        "specificity": sk(skm.recall_score, y, pred, pos_label=0, **kw),
        "f1": sk(skm.f1_score, y, pred, **kw),
        "mcc": sk(skm.matthews_corrcoef, y, pred, **kw),
        "roc_auc": sk(skm.roc_auc_score, y, p, **kw),
        "pr_auc": sk(skm.average_precision_score, y, p, **kw),
        "weight_sum": float(w.sum()),
    }, skm.confusion_matrix(y, pred, sample_weight=w)


def test_evaluate_weighted_binary_matches_sklearn():
    report = run_json("evaluate", A, "--weight-col", "w")
    truth, cm = binary_truth(A)
    for key, value in truth.items():
        assert report["metrics"][key] == pytest.approx(value, abs=1e-12), key
    assert report["confusion_matrix"]["weighted"] is True
    np.testing.assert_allclose(report["confusion_matrix"]["matrix"], cm)
    assert report["input"]["weight_column"] == "w"
    assert report["accuracy_ci"] is None
    assert report["roc_auc_ci"] is None
    assert "sample weights" in report["undefined"]["accuracy_ci"]
    assert "DeLong" in report["undefined"]["roc_auc_ci"]
    assert any("weighted by 'w'" in n for n in report["notes"])
    bins = report["calibration"]["bins"]
    assert sum(b["count"] for b in bins) == pytest.approx(truth["weight_sum"])


def test_evaluate_weighted_multiclass_matches_sklearn():
    report = run_json("evaluate", MULTI, "--weight-col", "weight")
    frame = pd.read_csv(MULTI)
    classes = report["classes"]
    y = frame["label"].map({c: i for i, c in enumerate(classes)}).to_numpy()
    proba = frame[classes].to_numpy()
    w = frame["weight"].to_numpy()
    pred = proba.argmax(axis=1)
    labels = list(range(len(classes)))
    kw = {"sample_weight": w, "labels": labels}
    m = report["metrics"]
    assert m["log_loss"] == pytest.approx(sk(skm.log_loss, y, proba, **kw), abs=1e-12)
    assert m["accuracy"] == pytest.approx(sk(skm.accuracy_score, y, pred, sample_weight=w))
    assert m["macro_f1"] == pytest.approx(sk(skm.f1_score, y, pred, average="macro",
                                             zero_division=np.nan, **kw))
    assert m["weighted_f1"] == pytest.approx(sk(skm.f1_score, y, pred, average="weighted",
                                                zero_division=np.nan, **kw))
    assert m["mcc"] == pytest.approx(sk(skm.matthews_corrcoef, y, pred, sample_weight=w))
    assert m["roc_auc"] == pytest.approx(sk(skm.roc_auc_score, y, proba, multi_class="ovr",
                                            **kw))
    supports = [row["support"] for row in report["per_class"]]
    np.testing.assert_allclose(supports, np.bincount(y, weights=w, minlength=len(classes)))


CLASS_COLUMNS = [arg for name in ("cat", "dog", "fox", "owl") for arg in ("--prob-col", name)]


@pytest.mark.parametrize(("path", "column", "extra"), [(A, "w", []),
                                                       (MULTI, "weight", CLASS_COLUMNS)])
def test_streaming_with_weights_equals_in_memory(path, column, extra):
    memory = run_json("evaluate", path, "--weight-col", column, "--in-memory", *extra)
    stream = run_json("evaluate", path, "--weight-col", column, "--streaming", *extra)
    assert stream["mode"] == "streaming"
    bound = stream["roc_auc_error_bound"]
    for key, value in memory["metrics"].items():
        tol = bound if key == "roc_auc" else 1e-9
        if key == "pr_auc":
            continue  # the histogram's tie groups are not the exact ones
        assert stream["metrics"][key] == pytest.approx(value, abs=tol), key
    assert stream["confusion_matrix"] == memory["confusion_matrix"]
    for a, b in zip(stream["calibration"]["bins"], memory["calibration"]["bins"], strict=True):
        assert a["count"] == pytest.approx(b["count"])
        assert a["confidence"] == pytest.approx(b["confidence"])


def test_compare_with_weights():
    report = run_json("compare", A, B, "--weight-col", "w")
    truth_a, _ = binary_truth(A)
    truth_b, _ = binary_truth(B)
    for key in ("log_loss", "accuracy", "roc_auc", "pr_auc", "mcc"):
        assert report["a"][key] == pytest.approx(truth_a[key], abs=1e-12), key
        assert report["b"][key] == pytest.approx(truth_b[key], abs=1e-12), key
    decomposition = report["decomposition"]
    assert decomposition["total_loss_change"] == pytest.approx(
        truth_b["log_loss"] - truth_a["log_loss"], abs=1e-12)
    assert sum(g["loss_change"] for g in decomposition["groups"]) == pytest.approx(
        decomposition["total_loss_change"], abs=1e-12)
    tests = report["tests"]
    assert tests["mcnemar"] is None
    assert tests["delong"] is None
    assert tests["log_loss"]["p_value"] is None
    assert tests["log_loss"]["mean_diff"] == pytest.approx(decomposition["total_loss_change"])
    assert set(tests["undefined"]) == {"mcnemar", "delong", "log_loss"}
    table = run("compare", A, B, "--weight-col", "w").stdout
    assert "not tested (sample weights)" in table


def test_compare_refuses_different_weights(tmp_path):
    frame = pd.read_csv(B)
    frame.loc[frame["w"] > 0, "w"] *= 2
    other = tmp_path / "b.csv"
    frame.to_csv(other, index=False)
    result = run("compare", A, str(other), "--weight-col", "w", code=2)
    assert "sample weights differ" in result.output


def test_epochs_with_weights():
    report = run_json("epochs", A, B, "--weight-col", "w", "--keep-order")
    truth_a, _ = binary_truth(A)
    truth_b, _ = binary_truth(B)
    losses = [row["log_loss"] for row in report["epochs"]]
    assert losses == pytest.approx([truth_a["log_loss"], truth_b["log_loss"]], abs=1e-12)


def test_unweighted_run_is_unchanged_by_the_weight_column():
    report = run_json("evaluate", A)
    assert "weight_sum" not in report["metrics"]
    assert "weighted" not in report["confusion_matrix"]
    assert report["accuracy_ci"] is not None
    assert any("'w'" in n and "not used" in n for n in report["notes"]) or any(
        r["column"] == "w" for r in report["input"]["column_roles"])


def test_a_command_that_does_not_weigh_refuses_weights():
    from clfdiag.errors import ClfdiagError
    from clfdiag.input_checks import require_supported
    from clfdiag.io import ReadOptions, read_predictions

    preds = read_predictions(A, ReadOptions(weight_col="w"))
    with pytest.raises(ClfdiagError, match="does not weigh"):
        require_supported(preds, "thresholds")
    require_supported(preds, "evaluate", weights=True)


@pytest.mark.parametrize("args", [["evaluate", A, "--weight-col", "w"],
                                  ["evaluate", MULTI, "--weight-col", "weight"],
                                  ["compare", A, B, "--weight-col", "w"]])
def test_every_weighted_metric_has_a_spec(args):
    from clfdiag.core import catalogue

    report = run_json(*args)
    for place in ("metrics",) if args[0] == "evaluate" else ("a", "b", "delta"):
        assert catalogue.missing(report[place]) == []


def test_weighted_hard_predictions_match_sklearn(tmp_path):
    frame = pd.read_csv(Path(__file__).parent / "data" / "shapes" / "hard_multiclass.csv")
    frame["w"] = np.resize([0.0, 1.0, 2.5, 3.0, 0.5], len(frame))
    path = tmp_path / "hard_weighted.csv"
    frame.to_csv(path, index=False)
    report = run_json("evaluate", str(path), "--weight-col", "w")
    m, w = report["metrics"], frame["w"]
    y, pred = frame["truth"], frame["predicted"]
    assert m["accuracy"] == pytest.approx(sk(skm.accuracy_score, y, pred, sample_weight=w))
    assert m["cohen_kappa"] == pytest.approx(sk(skm.cohen_kappa_score, y, pred,
                                                sample_weight=w))
    assert m["mcc"] == pytest.approx(sk(skm.matthews_corrcoef, y, pred, sample_weight=w))
    assert m["log_loss"] is None
