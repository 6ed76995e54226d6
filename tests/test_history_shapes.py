"""Histories of other shapes: CatBoost TSV, semicolons, folds, Lightning `valid_`, HF F1, `acc`.

Each file is read again here with pandas, and its flags found by a plain loop over
consecutive evaluations (:func:`tests.test_trajectories.expected_flags`).
"""

import json
import os

import pandas as pd
import pytest

from clfdiag.io.histories import delimiter_of, read_history
from tests.test_cli import run
from tests.test_trajectories import HISTORIES, expected_flags


def path(name):
    return os.path.join(HISTORIES, name)


def history_json(*args, code=0):
    result = run("history", *args, "--format", "json", code=code)
    return json.loads(result.stdout) if code in (0, 1) else result


def flagged_labels(labels, losses, metric):
    return [labels[i] for i in expected_flags(list(losses), list(metric))]


@pytest.mark.parametrize(("text", "sep"), [("a,b,c\n1,2,3", ","), ("iter\tLogloss\tAUC\n", "\t"),
                                           ("epoch;val_loss;val_auc\n", ";"),
                                           ("1700000000 0.5 3\n", ","), ("a;b,c,d\n", ",")])
def test_delimiter_is_the_one_the_header_uses_most(text, sep):
    assert delimiter_of(text) == sep


def test_catboost_test_error_is_read_without_flags():
    frame = pd.read_csv(path("catboost/test_error.tsv"), sep="\t")
    report = history_json(path("catboost/test_error.tsv"), "--metric", "AUC")
    assert report["source"]["loss_column"] == "Logloss"
    assert report["source"]["labelled_by"] == "iter"
    assert [r["epoch"] for r in report["epochs"]] == frame["iter"].tolist()
    assert [r["loss"] for r in report["epochs"]] == pytest.approx(frame["Logloss"].tolist(),
                                                                  abs=1e-12)
    assert [r["metric_value"] for r in report["epochs"]] == pytest.approx(
        frame["AUC"].tolist(), abs=1e-12)
    expected = flagged_labels(frame["iter"].tolist(), frame["Logloss"], frame["AUC"])
    assert expected
    assert report["flagged"] == expected
    assert report["metric"] == "AUC"


def test_catboost_gate_without_a_metric_names_the_columns_and_the_flag():
    result = run("history", path("catboost/test_error.tsv"), "--fail-on",
                 "loss-up-accuracy-up", code=2)
    assert "AUC" in result.stderr
    assert "--metric" in result.stderr
    assert "Traceback" not in result.stderr


def test_catboost_training_log_is_refused(tmp_path):
    learn = tmp_path / "learn_error.tsv"
    learn.write_text("iter\tLogloss\n0\t0.6\n1\t0.5\n")
    assert "test_error.tsv" in run("history", learn, code=2).stderr


def test_semicolon_history_gate_on_a_missing_accuracy_is_an_input_error():
    result = run("history", path("auc_only.csv"), "--fail-on", "loss-up-accuracy-up", code=2)
    assert "val_auc" in result.stderr
    assert "--metric" in result.stderr


def test_metric_takes_accuracys_place_in_the_scan_and_the_gate():
    frame = pd.read_csv(path("auc_only.csv"), sep=";")
    expected = flagged_labels(frame["epoch"].tolist(), frame["val_loss"], frame["val_auc"])
    assert expected
    report = history_json(path("auc_only.csv"), "--metric", "val_auc", "--fail-on",
                          "loss-up-accuracy-up", code=1)
    assert report["metric"] == "val_auc"
    assert report["flagged"] == expected
    assert [f["epoch"] for f in report["flags"]] == expected
    for flag in report["flags"]:
        row = frame.index[frame["epoch"] == flag["epoch"]][0]
        assert flag["metric"] == "val_auc"
        assert flag["loss_delta"] == pytest.approx(
            frame["val_loss"][row] - frame["val_loss"][row - 1], abs=1e-12)
        assert flag["metric_delta"] == pytest.approx(
            frame["val_auc"][row] - frame["val_auc"][row - 1], abs=1e-12)
    assert all(r["accuracy"] is None for r in report["epochs"])
    [gate] = report["gates"]
    assert gate["metric"] == "val_auc"
    assert not gate["passed"]
    assert "val_auc" in gate["message"]


@pytest.mark.parametrize(("metric", "needle"), [("val_loss", "a loss"), ("val_f2", "val_auc")])
def test_metric_must_be_a_logged_quality_metric(metric, needle):
    result = run("history", path("auc_only.csv"), "--metric", metric, code=2)
    assert needle in result.stderr


def test_without_metric_the_accuracy_column_is_named():
    report = history_json(path("keras.csv"))
    assert report["metric"] == "val_accuracy"
    assert [r["metric_value"] for r in report["epochs"]] == [r["accuracy"]
                                                             for r in report["epochs"]]
    assert history_json(path("auc_only.csv"))["metric"] is None


def fold_truth(frame, fold_col):
    out = []
    for fold, part in frame.groupby(fold_col, sort=False):
        epochs = part["epoch"].tolist()
        out.append((fold, epochs, flagged_labels(epochs, part["val_loss"].tolist(),
                                                 part["val_accuracy"].tolist())))
    return out


def test_each_fold_is_scanned_on_its_own():
    frame = pd.read_csv(path("folds.csv"))
    report = history_json(path("folds.csv"))
    truth = fold_truth(frame, "fold")
    assert [f["fold"] for f in report["folds"]] == [fold for fold, _, _ in truth]
    for entry, (_, epochs, flagged) in zip(report["folds"], truth, strict=True):
        assert [r["epoch"] for r in entry["epochs"]] == epochs
        assert entry["flagged"] == flagged
        assert [f["epoch"] for f in entry["flags"]] == flagged
        # The first epoch of a fold is never compared with the last of the one before.
        assert entry["epochs"][0]["loss_up_accuracy_up"] is None
        part = frame[frame["fold"] == entry["fold"]]
        assert entry["best"]["by_loss"] == part["epoch"][part["val_loss"].idxmin()]
        assert set(entry) >= {"fold", "epochs", "flagged", "flags", "best", "loss_rises_from"}
    assert any(f["flagged"] for f in report["folds"])
    assert report["best"]["by_loss"] is None
    assert report["best"]["by_accuracy"] is None
    assert report["loss_rises_from"] is None
    assert report["flagged"] == [f"{f['fold']}:{e}" for f in report["folds"]
                                 for e in f["flagged"]]


def test_fold_col_names_the_column(tmp_path):
    frame = pd.read_csv(path("folds.csv")).rename(columns={"fold": "cv_split"})
    renamed = tmp_path / "renamed.csv"
    frame.to_csv(renamed, index=False)
    report = history_json(renamed, "--fold-col", "cv_split")
    assert [f["flagged"] for f in report["folds"]] == [t[2] for t in fold_truth(frame,
                                                                                "cv_split")]
    assert "cv_split" in run("history", renamed, "--fold-col", "fold", code=2).stderr


def test_lightning_valid_names_with_a_repeated_loss():
    frame = pd.read_csv(path("lightning_valid/metrics.csv")).dropna(subset=["valid_loss"])
    report = history_json(path("lightning_valid/metrics.csv"))
    assert report["source"]["loss_column"] == "valid_loss"
    assert report["source"]["accuracy_column"] == "valid_acc"
    assert any("valid_loss_0" in note for note in report["notes"])
    expected = flagged_labels(frame["epoch"].tolist(), frame["valid_loss"],
                              frame["valid_acc"])
    assert expected
    assert report["flagged"] == expected


def test_hugging_face_fractional_epochs_with_f1():
    with open(path("hf_f1/trainer_state.json"), encoding="utf-8") as f:
        log = json.load(f)
    evals = [e for e in log["log_history"] if "eval_loss" in e]
    result = run("history", path("hf_f1/trainer_state.json"), "--fail-on",
                 "loss-up-accuracy-up", code=2)
    assert "eval_f1" in result.stderr
    assert "--metric" in result.stderr
    report = history_json(path("hf_f1/trainer_state.json"), "--metric", "eval_f1")
    assert report["source"]["labelled_by"] == "step"
    steps = [e["step"] for e in evals]
    assert [r["epoch"] for r in report["epochs"]] == steps
    expected = flagged_labels(steps, [e["eval_loss"] for e in evals],
                              [e["eval_f1"] for e in evals])
    assert expected
    assert report["flagged"] == expected
    assert "eval_runtime" not in report["source"]["metric_columns"]


def test_unprefixed_acc_is_named_and_never_scanned_unasked():
    report = history_json(path("acc_unprefixed.csv"))
    assert report["metric"] is None
    assert any("`acc`" in note and "--acc-col acc" in note for note in report["notes"])
    result = run("history", path("acc_unprefixed.csv"), "--fail-on", "loss-up-accuracy-up",
                 code=2)
    assert "--acc-col acc" in result.stderr
    frame = pd.read_csv(path("acc_unprefixed.csv"))
    report = history_json(path("acc_unprefixed.csv"), "--acc-col", "acc")
    assert report["flagged"] == flagged_labels(frame["epoch"].tolist(), frame["val_loss"],
                                               frame["acc"])


def test_acc_beside_the_training_loss_is_the_training_accuracy(tmp_path):
    log = tmp_path / "log.csv"
    log.write_text("epoch,acc,loss,val_loss\n0,0.6,0.7,0.8\n1,0.7,0.6,0.9\n")
    history = read_history(str(log))
    assert history.accuracy_column is None
    assert any("training accuracy" in note for note in history.notes)


def test_a_phase_column_keeps_the_validation_rows(tmp_path):
    # One row per phase, as a hand-written loop logs it: the train rows' loss is the
    # training loss, and read as evaluations they would be compared with validation rows.
    log = tmp_path / "log.csv"
    log.write_text("epoch,phase,loss,accuracy\n0,train,0.9,0.60\n0,val,0.70,0.62\n"
                   "1,train,0.7,0.70\n1,val,0.66,0.65\n2,train,0.6,0.75\n2,val,0.68,0.66\n")
    frame = pd.read_csv(log)
    val = frame[frame["phase"] == "val"]
    for flags in ((), ("--loss-col", "loss", "--acc-col", "accuracy")):
        report = history_json(str(log), *flags)
        assert [e["epoch"] for e in report["epochs"]] == list(val["epoch"])
        assert [e["loss"] for e in report["epochs"]] == list(val["loss"])
        assert [e["accuracy"] for e in report["epochs"]] == list(val["accuracy"])
        assert report["flagged"] == flagged_labels(list(val["epoch"]), val["loss"],
                                                   val["accuracy"]) == [2]
        assert report["best"]["by_loss"] == 1
        assert any("'phase'" in note and "3 others (train)" in note for note in report["notes"])
