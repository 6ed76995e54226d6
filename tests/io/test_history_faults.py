"""Damaged training logs are input errors (exit 2) naming the file and the line or entry."""

import json

import pytest
from typer.testing import CliRunner

from clfdiag.cli.app import app


def history(*args):
    result = CliRunner().invoke(app, ["history", *map(str, args)])
    assert "Traceback" not in result.stdout + result.stderr
    return result


def mlflow_lines(steps):
    return "".join(f"17000000{i:02d} 0.{i + 1} {s}\n" for i, s in enumerate(steps))


def test_csv_field_over_the_limit(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("epoch,val_loss,val_accuracy\n0,0.5,0.8\n1,\"" + "x" * 140_000 + "\",0.7\n")
    result = history(path)
    assert result.exit_code == 2
    assert f"{path}: line 3: a field longer than 131,072 characters" in result.stderr


@pytest.mark.parametrize("payload", ["[" * 100_000 + "]" * 100_000,
                                     '{"log_history": ' + "[" * 100_000 + "]" * 100_000 + "}",
                                     '{"a": ' * 50_000 + "1" + "}" * 50_000])
def test_deeply_nested_json(tmp_path, payload):
    path = tmp_path / "trainer_state.json"
    path.write_text(payload)
    result = history(path)
    assert result.exit_code == 2
    assert str(path) in result.stderr


def trainer_state(step, epoch=2):
    entries = [{"epoch": 1, "step": 10, "eval_loss": 0.5, "eval_accuracy": 0.8},
               {"epoch": epoch, "step": step, "eval_loss": 0.4, "eval_accuracy": 0.9}]
    return json.dumps({"log_history": entries})


@pytest.mark.parametrize(("step", "epoch", "shown"), [
    (float("nan"), 2, "the step nan"), (float("inf"), 2, "the step inf"),
    (float("-inf"), 2, "the step -inf"), (20.5, 2, "the step 20.5"),
    (20, float("nan"), "the epoch is nan"), (20, float("inf"), "the epoch is inf")])
def test_non_finite_steps_and_epochs_in_trainer_state(tmp_path, step, epoch, shown):
    path = tmp_path / "trainer_state.json"
    path.write_text(trainer_state(step, epoch))
    assert "NaN" in path.read_text() or "Infinity" in path.read_text() or step == 20.5
    result = history(path)
    assert result.exit_code == 2
    assert f"{path}: log_history entry 2: {shown}" in result.stderr


@pytest.mark.parametrize("bad", ["NaN", "Infinity", "-inf", "1.5"])
def test_non_finite_steps_in_mlflow_files(tmp_path, bad):
    metrics = tmp_path / "metrics"
    metrics.mkdir()
    (metrics / "val_loss").write_text(mlflow_lines([1, 2, 3, 4, 5, 6, bad]))
    (metrics / "val_accuracy").write_text(mlflow_lines([1, 2, 3, 4, 5, 6, 7]))
    for args in ([metrics], [metrics / "val_loss", metrics / "val_accuracy"]):
        result = history(*args)
        assert result.exit_code == 2
        assert f"{metrics / 'val_loss'}: line 7: the step '{bad}'" in result.stderr


def test_non_finite_step_in_tensorboard_export(tmp_path):
    loss = tmp_path / "val_loss.csv"
    loss.write_text("Wall time,Step,Value\n1.0,1,0.5\n2.0,NaN,0.4\n")
    acc = tmp_path / "val_accuracy.csv"
    acc.write_text("Wall time,Step,Value\n1.0,1,0.7\n2.0,2,0.8\n")
    result = history(loss, acc)
    assert result.exit_code == 2
    assert f"{loss}: line 3: the step 'NaN'" in result.stderr


def test_well_formed_logs_still_read(tmp_path):
    path = tmp_path / "trainer_state.json"
    path.write_text(trainer_state(20))
    result = history(path, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert [e["epoch"] for e in json.loads(result.stdout)["epochs"]] == [1, 2]
