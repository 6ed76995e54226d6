"""Hints name only options the command has; small rendering fixes stay fixed."""

import json
import os
import re

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from clfdiag.cli.app import app
from tests.conftest import DATA, SAMPLES

SHAPES = os.path.join(DATA, "shapes")


def options_of(name):
    command = get_command(app).commands[name]
    return {opt for param in command.params for opt in getattr(param, "opts", [])}


BAD = ["two_models.csv", "percent.csv", "raw_scores.csv", "confidence_of_prediction.csv",
       "multilabel_sigmoid.csv", "long_format.csv", "confusion_table.csv"]


@pytest.mark.parametrize("command", ["evaluate", "compare", "epochs"])
@pytest.mark.parametrize("name", BAD)
def test_hints_name_only_options_the_command_has(command, name):
    path = os.path.join(SHAPES, name)
    files = [path] if command == "evaluate" else [path, path]
    result = CliRunner().invoke(app, [command, *files])
    assert result.exit_code == 2, result.stderr
    named = set(re.findall(r"--[a-z][a-z-]+", result.stderr))
    assert named <= options_of(command), named - options_of(command)


def test_epochs_pairing_hint_names_allow_partial_which_epochs_has(tmp_path):
    a = tmp_path / "e1.csv"
    b = tmp_path / "e2.csv"
    a.write_text("id,label,prob\n1,1,0.9\n2,0,0.2\n")
    b.write_text("id,label,prob\n1,1,0.8\n")
    result = CliRunner().invoke(app, ["epochs", str(a), str(b)])
    assert result.exit_code == 2
    assert "--allow-partial" in result.stderr
    assert "--allow-partial" in options_of("epochs")


def test_streaming_cannot_choose_by_content():
    result = CliRunner().invoke(app, ["evaluate", "--streaming",
                                      os.path.join(SHAPES, "y_pred_y_proba.csv")])
    assert result.exit_code == 2
    assert "--prob-col" in result.stderr


def test_help_keeps_the_plot_extra():
    result = CliRunner().invoke(app, ["evaluate", "--help"], env={"COLUMNS": "200"})
    assert "clfdiag[plot]" in result.stdout


def test_delong_on_identical_predictions_says_so():
    path = os.path.join(SAMPLES, "binary.csv")
    result = CliRunner().invoke(app, ["compare", path, path])
    assert result.exit_code == 0
    assert "z=— —" not in result.stdout
    assert "no difference" in result.stdout


def test_html_calibration_table_has_the_gap_column():
    result = CliRunner().invoke(app, ["evaluate", os.path.join(SAMPLES, "binary.csv"),
                                      "-f", "markdown"])
    header = next(line for line in result.stdout.splitlines() if "confidence bin" in line)
    assert "gap" in header
    report = json.loads(CliRunner().invoke(
        app, ["evaluate", os.path.join(SAMPLES, "binary.csv"), "-f", "json"]).stdout)
    first = next(b for b in report["calibration"]["bins"] if b["count"])
    gap = f"{first['accuracy'] - first['confidence']:+.4f}"
    assert gap in result.stdout
    html = CliRunner().invoke(app, ["evaluate", os.path.join(SAMPLES, "binary.csv"),
                                    "-f", "html"]).stdout
    assert '<th class="r">gap</th>' in html
    assert gap in html


@pytest.mark.parametrize("flags", [["--labels", os.path.join(SHAPES, "ground_truth.csv")],
                                   ["--pred-col", "pred"]])
def test_options_that_need_the_whole_file_refuse_streaming(flags):
    path = os.path.join(SHAPES, "submission.csv" if flags[0] == "--labels" else
                        "hard_binary.csv")
    result = CliRunner().invoke(app, ["evaluate", path, "--streaming", *flags])
    assert result.exit_code == 2
    assert "--streaming" in result.stderr
    assert CliRunner().invoke(app, ["evaluate", path, *flags]).exit_code == 0
