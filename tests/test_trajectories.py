"""epochs and history: every epoch where both validation loss and accuracy rose, and no other."""

import glob
import json
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest
from sklearn import metrics as skm
from typer.testing import CliRunner

import clfdiag
from clfdiag.cli.app import app
from clfdiag.core.trajectory import scan
from clfdiag.io.histories import read_history
from tests.conftest import DATA, SAMPLES
from tests.test_cli import run

HISTORIES = os.path.join(DATA, "histories")
TRUTH = json.loads(Path(HISTORIES, "truth.json").read_text())


def expected_flags(losses, accs):
    """Independent reference: compare each evaluation with the one before it."""
    return [i for i in range(1, len(losses)) if losses[i] > losses[i - 1] and accs[i] > accs[i - 1]]


def history_json(*args, code=0):
    return json.loads(run("history", *args, "--format", "json", code=code).stdout)


TRUE_FLAGS = expected_flags([r["val_loss"] for r in TRUTH], [r["val_accuracy"] for r in TRUTH])


def test_truth_has_flags_to_find():
    assert len(TRUE_FLAGS) >= 2


@pytest.mark.parametrize(("files", "fmt", "labels"), [
    (["keras.csv"], "Keras", list(range(16))),
    (["keras_old_names.csv"], "Keras", list(range(16))),
    (["lightning/metrics.csv"], "Lightning", list(range(16))),
    (["hf/trainer_state.json"], "Hugging Face", [50 * (i + 1) for i in range(16)]),
    (["mlflow/metrics"], "MLflow", list(range(16))),
    (["tensorboard/run-version_0-tag-val_loss.csv",
      "tensorboard/run-version_0-tag-val_accuracy.csv"], "TensorBoard export", list(range(16))),
])
def test_each_format_flags_exactly_the_right_evaluations(files, fmt, labels):
    report = history_json(*(os.path.join(HISTORIES, f) for f in files))
    assert report["source"]["format"] == fmt
    assert [r["epoch"] for r in report["epochs"]] == labels
    assert report["flagged"] == [labels[i] for i in TRUE_FLAGS]
    losses = [r["loss"] for r in report["epochs"]]
    assert losses == pytest.approx([r["val_loss"] for r in TRUTH], abs=1e-12)


def test_second_fit_starts_a_new_segment():
    report = history_json(os.path.join(HISTORIES, "keras_two_fits.csv"))
    assert report["source"]["segments"] == 2
    labels = [r["epoch"] for r in report["epochs"]]
    assert labels[8] == "2:0"
    assert report["epochs"][8]["loss_up_accuracy_up"] is None
    assert report["flagged"] == [labels[i] for i in TRUE_FLAGS if i != 8]
    assert any("restarts" in n for n in report["notes"])


def test_loss_without_accuracy_cannot_be_flagged():
    report = history_json(os.path.join(HISTORIES, "hf_no_accuracy", "trainer_state.json"))
    assert report["flagged"] == []
    assert all(r["loss_up_accuracy_up"] is None for r in report["epochs"])
    assert report["best"]["by_accuracy"] is None
    assert "cannot be computed" in " ".join(report["notes"])
    out = run("history", os.path.join(HISTORIES, "hf_no_accuracy", "trainer_state.json")).stdout
    assert "cannot be computed" in " ".join(out.split())


def test_columns_can_be_named(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("epoch,my_loss,my_acc\n0,0.5,0.7\n1,0.6,0.8\n")
    result = run("history", path, code=2)
    assert "found no validation loss" in result.stderr
    report = history_json(path, "--loss-col", "my_loss", "--acc-col", "my_acc")
    assert report["flagged"] == [1]


def test_fractional_epochs_are_labelled_by_step():
    run_ = read_history(os.path.join(HISTORIES, "hf", "trainer_state.json"))
    assert run_.labelled_by == "step"


def test_history_gate():
    path = os.path.join(HISTORIES, "keras.csv")
    result = run("history", path, "--fail-on", "loss-up-accuracy-up", code=1)
    assert "at epochs 2, 4, 13, 15" in result.stderr
    result = run("history", path, "--fail-on", "regression", code=2)
    assert "needs predictions" in result.stderr


@pytest.mark.parametrize(("content", "needle"), [
    ("", "empty"),
    ("epoch,val_loss\n", "no validation evaluation"),
    ('{"no": 1}', "without `log_history`"),
    ("{broken", "not valid JSON"),
    ("loss,acc\n0.5,0.7\n", "found no validation loss"),
])
def test_bad_history_files(tmp_path, content, needle):
    path = tmp_path / "h.csv"
    path.write_text(content)
    result = run("history", path, code=2)
    assert needle in result.stderr


def test_scan_against_reference_with_min_deltas():
    losses = [0.5, 0.52, 0.521, 0.6, 0.55]
    accs = [0.7, 0.72, 0.75, 0.7505, 0.8]
    assert scan(losses, accs).flagged == expected_flags(losses, accs) == [1, 2, 3]
    assert scan(losses, accs, min_loss_delta=0.01).flagged == [1, 3]
    assert scan(losses, accs, min_accuracy_delta=0.01).flagged == [1, 2]
    t = scan(losses, accs)
    assert (t.best_by_loss, t.best_by_accuracy, t.loss_rises_from) == (0, 4, 1)


# --- epochs --------------------------------------------------------------------------------

EPOCH_FILES = sorted(glob.glob(os.path.join(SAMPLES, "epochs", "*.csv")))


def test_epochs_flags_match_pandas_and_sklearn():
    losses, accs = [], []
    for f in EPOCH_FILES:
        frame = pd.read_csv(f)
        losses.append(skm.log_loss(frame["label"], frame["prob"]))
        accs.append(skm.accuracy_score(frame["label"], frame["prob"] >= 0.5))
    report = json.loads(run("epochs", *EPOCH_FILES, "--format", "json").stdout)
    assert report["flagged"] == [i + 1 for i in expected_flags(losses, accs)]
    assert [r["log_loss"] for r in report["epochs"]] == pytest.approx(losses, abs=1e-9)
    best_loss = min(range(len(losses)), key=losses.__getitem__) + 1
    assert report["best"]["by_loss"] == best_loss
    assert report["last_vs_best"]["best"] == best_loss
    for row in report["epochs"]:
        assert (row["diagnosis"] is not None) == bool(row["loss_up_accuracy_up"])


def test_epochs_are_sorted_naturally(tmp_path):
    for n in (2, 10, 1):
        shutil.copy(EPOCH_FILES[n - 1], tmp_path / f"epoch_{n}.csv")
    names = [str(tmp_path / f"epoch_{n}.csv") for n in (10, 2, 1)]
    report = json.loads(run("epochs", *names, "--format", "json").stdout)
    assert [r["epoch"] for r in report["epochs"]] == [1, 2, 10]
    kept = json.loads(run("epochs", *names, "--keep-order", "--format", "json").stdout)
    assert [r["epoch"] for r in kept["epochs"]] == [10, 2, 1]


def test_epochs_table_and_gates():
    out = run("epochs", *EPOCH_FILES).stdout
    assert "Why loss and accuracy both rose" in out
    assert "▁" in out
    result = run("epochs", *EPOCH_FILES, "--fail-on", "loss-up-accuracy-up", "--fail-on",
                  "regression", code=1)
    assert "at epochs 6, 7, 9, 11, 13, 18" in result.stderr
    assert "roc_auc" in result.stderr


def test_epochs_needs_two_files():
    result = run("epochs", EPOCH_FILES[0], code=2)
    assert "at least two" in result.stderr


def test_mlflow_training_loss_is_never_the_validation_loss(tmp_path):
    folder = tmp_path / "metrics"
    folder.mkdir()
    (folder / "loss").write_text("1700000000000 0.9 0\n1700000000001 0.8 1\n")
    (folder / "accuracy").write_text("1700000000000 0.5 0\n1700000000001 0.6 1\n")
    result = CliRunner().invoke(app, ["history", str(folder)])
    assert result.exit_code == 2
    assert "no validation loss" in result.stderr
    assert "loss, accuracy" in result.stderr or "accuracy, loss" in result.stderr
    assert "--loss-col" in result.stderr


def test_mlflow_run_folder_is_read():
    run_folder = os.path.join(DATA, "histories", "mlflow")
    report = clfdiag.history(clfdiag.read_history(run_folder))
    inner = clfdiag.history(clfdiag.read_history(os.path.join(run_folder, "metrics")))
    assert report["epochs"] == inner["epochs"]
    assert report["source"]["loss_column"] == "val_loss"


@pytest.mark.parametrize("name", ["run-version_0-tag-val_loss.csv",
                                  "run-version_0-tag-val_loss"])
def test_loss_col_takes_a_file_name_or_its_stem(name):
    folder = os.path.join(DATA, "histories", "tensorboard")
    files = sorted(os.path.join(folder, f) for f in os.listdir(folder))
    run = clfdiag.read_history(files, loss_col=name)
    assert run.loss_column == "run-version_0-tag-val_loss"


def test_one_evaluation_is_singular(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("epoch,val_loss,val_accuracy\n0,0.5,0.7\n")
    result = CliRunner().invoke(app, ["history", str(path)])
    assert "1 evaluation from" in " ".join(result.stdout.split())


@pytest.mark.parametrize("value", ["", "nan", "1e309"])
def test_a_keras_evaluation_without_a_loss_is_counted_never_dropped_silently(tmp_path, value):
    lines = Path(HISTORIES, "keras.csv").read_text().splitlines()
    cells = lines[3].split(",")
    lines[3] = ",".join([*cells[:-1], value])  # epoch 2 keeps its accuracy, loses its loss
    path = tmp_path / "log.csv"
    path.write_text("\n".join(lines) + "\n")
    report = history_json(str(path))
    if not value:  # no evaluation logged there
        assert [r["epoch"] for r in report["epochs"]] == [e for e in range(16) if e != 2]
        assert "1 evaluations without a val_loss value were skipped" in report["notes"]
        return
    # A diverged loss (nan, or inf as 1e309 reads) is kept without a value: no flag there,
    # and epoch 3 is not compared with epoch 1 across it.
    epochs = {r["epoch"]: r for r in report["epochs"]}
    assert sorted(epochs) == list(range(16))
    assert epochs[2]["loss"] is None
    assert epochs[2]["loss_up_accuracy_up"] is None
    assert epochs[3]["loss_up_accuracy_up"] is None
    assert any("no finite number" in n for n in report["notes"])


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_a_diverged_hugging_face_evaluation_is_kept_without_a_loss(tmp_path, value):
    # json writes a diverged eval_loss as NaN or Infinity: kept, never dropped silently
    # (which would compare the evaluations on either side of it).
    state = json.loads(Path(HISTORIES, "hf", "trainer_state.json").read_text())
    evals = [e for e in state["log_history"] if "eval_loss" in e]
    evals[2]["eval_loss"] = value
    path = tmp_path / "trainer_state.json"
    path.write_text(json.dumps(state))
    report = history_json(str(path))
    rows = report["epochs"]
    assert len(rows) == len(evals)
    assert rows[2]["loss"] is None
    assert rows[2]["loss_up_accuracy_up"] is None
    assert rows[3]["loss_up_accuracy_up"] is None
    assert any("no finite number" in n for n in report["notes"])


def metric_files(tmp_path, source, steps, losses, accuracies):
    """A TensorBoard export (a file per metric) or an MLflow metrics folder; their paths."""
    if source == "tensorboard":
        paths = [tmp_path / "val_loss.csv", tmp_path / "val_accuracy.csv"]
        for path, values in zip(paths, (losses, accuracies), strict=True):
            path.write_text("Wall time,Step,Value\n" + "".join(
                f"{1700000000 + i}.5,{s},{v}\n"
                for i, (s, v) in enumerate(zip(steps, values, strict=True))))
        return paths
    folder = tmp_path / "metrics"
    folder.mkdir()
    for name, values in (("val_loss", losses), ("val_accuracy", accuracies)):
        (folder / name).write_text("".join(
            f"{1700000000 + i} {v} {s}\n"
            for i, (s, v) in enumerate(zip(steps, values, strict=True))))
    return [folder]


@pytest.mark.parametrize("value", ["NaN", "inf"])
@pytest.mark.parametrize("source", ["tensorboard", "mlflow"])
def test_a_diverged_loss_in_a_file_per_metric_is_kept_without_a_loss(tmp_path, source, value):
    losses, accuracies = ["0.5", value, "0.6", "0.65"], ["0.7", "0.72", "0.74", "0.75"]
    paths = metric_files(tmp_path, source, [1, 2, 3, 4], losses, accuracies)
    report = history_json(*map(str, paths))
    assert [r["loss"] for r in report["epochs"]] == [0.5, None, 0.6, 0.65]
    # Step 3 is not compared with step 1 across the diverged evaluation.
    assert [r["loss_up_accuracy_up"] for r in report["epochs"]] == [None, None, None, True]
    assert any("no finite number" in n for n in report["notes"])


def test_several_validations_an_epoch_are_ordered_by_step_not_read_as_restarts(tmp_path):
    # Lightning's val_check_interval < 1: two validations in each epoch.
    path = tmp_path / "metrics.csv"
    path.write_text("epoch,step,train_loss,val_loss,val_acc\n0,24,0.9,,\n0,49,,0.70,0.60\n"
                    "0,74,0.8,,\n0,99,,0.75,0.65\n1,124,0.7,,\n1,149,,0.72,0.64\n"
                    "1,174,0.6,,\n1,199,,0.71,0.63\n")
    report = history_json(str(path))
    assert [r["step"] for r in report["epochs"]] == [49, 99, 149, 199]
    assert {r["segment"] for r in report["epochs"]} == {0}
    assert [r["loss_up_accuracy_up"] for r in report["epochs"]] == [None, True, False, False]
    assert not any("restarts" in n for n in report["notes"])
    # Steps that go back within a repeated epoch are no such log: a restart, as before.
    back = tmp_path / "back.csv"
    back.write_text("epoch,step,val_loss,val_acc\n0,99,0.70,0.60\n0,49,0.75,0.65\n"
                    "1,149,0.72,0.64\n")
    assert [r["segment"] for r in history_json(str(back))["epochs"]] == [0, 1, 1]


def test_a_restarted_run_appended_with_the_same_steps_is_a_segment_of_its_own(tmp_path):
    # Its evaluations repeat the first run's epochs and steps: never merged into them.
    path = tmp_path / "metrics.csv"
    path.write_text("epoch,step,val_loss,val_acc\n0,49,0.70,0.60\n1,99,0.75,0.65\n"
                    "0,49,0.72,0.64\n1,99,0.71,0.63\n")
    report = history_json(str(path))
    assert [(r["step"], r["segment"], r["loss"]) for r in report["epochs"]] == [
        (49, 0, 0.70), (99, 0, 0.75), (49, 1, 0.72), (99, 1, 0.71)]
    assert [r["loss_up_accuracy_up"] for r in report["epochs"]] == [None, True, None, False]


@pytest.mark.parametrize("source", ["tensorboard", "mlflow"])
def test_a_restarted_run_in_a_file_per_metric_is_a_segment_of_its_own(tmp_path, source):
    # Steps 1, 2, 3, then 1, 2 again: the second run never replaces the first's steps.
    paths = metric_files(tmp_path, source, [1, 2, 3, 1, 2], [0.50, 0.40, 0.45, 0.90, 0.80],
                         [0.60, 0.70, 0.72, 0.40, 0.50])
    report = history_json(*map(str, paths))
    assert [(r["step"], r["segment"], r["loss"], r["accuracy"]) for r in report["epochs"]] == [
        (1, 0, 0.50, 0.60), (2, 0, 0.40, 0.70), (3, 0, 0.45, 0.72), (1, 1, 0.90, 0.40),
        (2, 1, 0.80, 0.50)]
    assert [r["loss_up_accuracy_up"] for r in report["epochs"]] == [None, False, True, None,
                                                                     False]
    assert any("restarts 1 time" in n for n in report["notes"])


def test_keras_rows_of_validation_freq_are_counted_as_skipped(tmp_path):
    # validation_freq=2 leaves both validation cells of every other epoch empty.
    path = tmp_path / "log.csv"
    path.write_text("epoch,accuracy,loss,lr,val_accuracy,val_loss\n0,0.6,0.7,0.01,0.55,0.72\n"
                    "1,0.65,0.66,0.01,,\n2,0.7,0.6,0.01,0.6,0.69\n3,0.72,0.58,0.01,,\n"
                    "4,0.74,0.55,0.01,0.62,0.7\n")
    report = history_json(str(path))
    assert [(r["epoch"], r["loss"]) for r in report["epochs"]] == [(0, 0.72), (2, 0.69),
                                                                   (4, 0.7)]
    assert "2 evaluations without a val_loss value were skipped" in report["notes"]
