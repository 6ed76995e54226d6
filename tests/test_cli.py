"""The command line, driven through Typer's CliRunner: formats, gates, exit codes, errors."""

import io
import json
import os
import subprocess
import sys
import warnings
import xml.etree.ElementTree as ET
import zipfile

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm
from typer.testing import CliRunner

import clfdiag
from clfdiag.cli.app import app
from tests.conftest import SAMPLES

BINARY = os.path.join(SAMPLES, "binary.csv")
MULTI = os.path.join(SAMPLES, "multiclass.csv")


def run(*args, input=None, code=0):
    result = CliRunner().invoke(app, [str(a) for a in args], input=input)
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert "Traceback" not in result.stdout + result.stderr
    return result


def as_json(*args):
    return json.loads(run("evaluate", *args, "--format", "json").stdout)


def test_version():
    assert run("--version").stdout.strip() == f"clfdiag {clfdiag.__version__}"


def test_help_lists_commands_and_exit_codes():
    out = run("--help").stdout
    assert "evaluate" in out
    assert "Exit codes" in out


def test_table_output_on_binary_sample():
    out = run("evaluate", BINARY).stdout
    words = " ".join(out.split())
    for heading in ("Summary", "Confusion matrix", "Calibration", "Overconfident errors",
                    "positive class '1'", "ROC AUC", "DeLong", "Wilson"):
        assert heading in words
    assert max(len(line) for line in out.splitlines()) <= 80


def test_table_output_on_multiclass_sample():
    out = run("evaluate", MULTI).stdout
    assert "Per class" in out
    assert "top-5 accuracy" in out
    assert max(len(line) for line in out.splitlines()) <= 80


def test_no_colour_codes_when_piped():
    assert "\x1b[" not in run("evaluate", BINARY).stdout


def test_json_schema():
    report = as_json(BINARY)
    assert report["schema_version"] == 1
    assert report["clfdiag_version"] == clfdiag.__version__
    assert set(report["input"]) >= {"path", "rows", "used", "dropped", "label_column",
                                     "probability_columns", "id_column"}
    assert report["task"] == "binary"
    assert report["positive_class"] == "1"
    assert report["threshold"] == 0.5
    assert len(report["roc_auc_ci"]) == 2
    assert report["confusion_matrix"]["labels"] == ["0", "1"]
    assert set(report["calibration"]) >= {"bins", "ece", "mce"}
    assert set(report["calibration"]["bins"][0]) == {"lower", "upper", "count", "confidence",
                                                     "accuracy"}
    assert set(report["overconfident_errors"]) >= {"min_confidence", "count", "share_of_errors",
                                                   "share_of_loss", "top"}


@pytest.mark.parametrize("threshold", [0.5, 0.3])
def test_binary_sample_agrees_with_sklearn(threshold):
    frame = pd.read_csv(BINARY)
    y, p = frame["label"].to_numpy(), frame["prob"].to_numpy()
    pred = (p >= threshold).astype(int)
    m = as_json(BINARY, "--threshold", threshold)["metrics"]
    expected = {
        "log_loss": skm.log_loss(y, p), "brier": skm.brier_score_loss(y, p),
        "accuracy": skm.accuracy_score(y, pred),
        "balanced_accuracy": skm.balanced_accuracy_score(y, pred),
        "precision": skm.precision_score(y, pred), "recall": skm.recall_score(y, pred),
        "specificity": skm.recall_score(y, pred, pos_label=0), "f1": skm.f1_score(y, pred),
        "mcc": skm.matthews_corrcoef(y, pred), "roc_auc": skm.roc_auc_score(y, p),
        "pr_auc": skm.average_precision_score(y, p),
    }
    for name, value in expected.items():
        assert m[name] == pytest.approx(value, abs=1e-9), name


def test_multiclass_sample_agrees_with_sklearn():
    frame = pd.read_csv(MULTI)
    y = frame["label"].to_numpy()
    proba = frame[[f"p_{k}" for k in range(10)]].to_numpy()
    pred = proba.argmax(axis=1)
    m = as_json(MULTI)["metrics"]
    expected = {
        "log_loss": skm.log_loss(y, proba),
        "brier": skm.brier_score_loss(y, proba, scale_by_half=False),
        "accuracy": skm.accuracy_score(y, pred),
        "top5_accuracy": skm.top_k_accuracy_score(y, proba, k=5),
        "balanced_accuracy": skm.balanced_accuracy_score(y, pred),
        "macro_precision": skm.precision_score(y, pred, average="macro"),
        "macro_recall": skm.recall_score(y, pred, average="macro"),
        "macro_f1": skm.f1_score(y, pred, average="macro"),
        "weighted_f1": skm.f1_score(y, pred, average="weighted"),
        "mcc": skm.matthews_corrcoef(y, pred),
        "roc_auc": skm.roc_auc_score(y, proba, multi_class="ovr"),
    }
    for name, value in expected.items():
        assert m[name] == pytest.approx(value, abs=1e-9), name


def test_csv_output():
    rows = run("evaluate", BINARY, "--format", "csv").stdout.splitlines()
    assert rows[0] == "metric,value,ci_lower,ci_upper,note"
    by_name = {r.split(",")[0]: r.split(",") for r in rows[1:]}
    assert float(by_name["roc_auc"][1]) == as_json(BINARY)["metrics"]["roc_auc"]
    assert by_name["roc_auc"][2] != ""


def test_markdown_output():
    out = run("evaluate", MULTI, "--format", "markdown").stdout
    assert out.startswith("## clfdiag evaluate")
    assert "| metric | value | note |" in out
    assert "### Per class" in out


def test_output_file_is_written_and_stdout_stays_empty(tmp_path):
    target = tmp_path / "report.json"
    result = run("evaluate", BINARY, "--format", "json", "-o", target)
    assert result.stdout == ""
    assert json.loads(target.read_text())["task"] == "binary"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_table_to_file(tmp_path):
    target = tmp_path / "report.txt"
    run("evaluate", BINARY, "-o", target)
    assert "Summary" in target.read_text()


def test_output_into_missing_folder(tmp_path):
    result = run("evaluate", BINARY, "-o", tmp_path / "nope" / "r.json", code=2)
    assert "does not exist" in result.stderr


def test_stdin():
    with open(BINARY, "rb") as f:
        report = json.loads(run("evaluate", "-", "--format", "json", input=f.read()).stdout)
    assert report["input"]["path"] == "<stdin>"
    assert report["metrics"]["n"] == 228


def test_gates_pass():
    result = run("evaluate", BINARY, "--fail-under", "roc_auc=0.9", "--fail-over", "ece=0.5")
    assert result.stderr == ""


def test_gate_fails_with_exit_1():
    result = run("evaluate", BINARY, "--fail-under", "roc_auc=0.999", "--fail-over",
                 "log_loss=1", code=1)
    assert "gate failed: roc_auc = " in result.stderr
    assert "< 0.999" in result.stderr
    assert "log_loss" not in result.stderr


def test_gates_in_json():
    result = run("evaluate", BINARY, "--format", "json", "--fail-under", "accuracy=0.99", code=1)
    gates = json.loads(result.stdout)["gates"]
    assert gates == [{"metric": "accuracy", "kind": "under", "bound": 0.99,
                      "value": gates[0]["value"], "passed": False}]


def test_gate_on_unknown_metric():
    result = run("evaluate", BINARY, "--fail-under", "auc=0.9", code=2)
    assert "unknown metric 'auc'" in result.stderr
    assert "roc_auc" in result.stderr


def test_gate_on_undefined_metric(tmp_path):
    path = tmp_path / "one.csv"
    path.write_text("label,prob\n1,0.9\n1,0.8\n")
    result = run("evaluate", path, "--classes", "0,1", "--fail-under", "roc_auc=0.5", code=2)
    assert "roc_auc is undefined: only one class" in result.stderr


def test_malformed_gate():
    result = run("evaluate", BINARY, "--fail-under", "roc_auc", code=2)
    assert "expected METRIC=VALUE" in result.stderr


def test_junit(tmp_path):
    target = tmp_path / "gates.xml"
    run("evaluate", BINARY, "--fail-under", "roc_auc=0.9", "--fail-under", "f1=0.99",
        "--junit", target, code=1)
    suite = ET.parse(target).getroot()
    assert suite.get("tests") == "2"
    assert suite.get("failures") == "1"
    failed = [c for c in suite if c.find("failure") is not None]
    assert "f1" in failed[0].get("name")


def test_undefined_metrics_shown_with_reason(tmp_path):
    path = tmp_path / "one.csv"
    path.write_text("label,prob\n1,0.9\n1,0.8\n1,0.3\n")
    report = json.loads(run("evaluate", path, "--classes", "0,1", "--format", "json").stdout)
    assert report["metrics"]["roc_auc"] is None
    assert "only one class" in report["undefined"]["roc_auc"]
    out = run("evaluate", path, "--classes", "0,1").stdout
    assert "undefined: only one class" in out


def test_dropped_rows_are_reported(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("label,prob\n1,0.9\n0,\n1,0.8\n0,0.1\n")
    report = json.loads(run("evaluate", path, "--drop-invalid", "--format", "json").stdout)
    assert report["input"]["dropped"] == 1
    assert report["input"]["dropped_reasons"] == {"missing or NaN probability": 1}
    assert "dropped 1 of 4 rows: 1 missing or NaN probability" in run(
        "evaluate", path, "--drop-invalid").stdout


def test_overconfident_rows_refer_to_the_file(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("id,label,prob\na,1,0.9\nb,0,\nc,0,0.99\nd,1,0.2\n")
    top = json.loads(run("evaluate", path, "--drop-invalid", "--format", "json").stdout)[
        "overconfident_errors"]["top"]
    assert top[0] == {"row": 3, "id": "c", "label": "0", "predicted": "1",
                      "confidence": 0.99, "loss": pytest.approx(-np.log(0.01))}


def zipped(*names):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name in names:
            z.writestr(name, "label,prob\n1,0.5\n")
    return buffer.getvalue()


@pytest.mark.parametrize(("content", "needle"), [
    ("", "empty"),
    ("label,prob\n", "no rows"),
    ("label,prob\n1,1.7\n", "--percent"),
    ("label,prob\n1,-1.7\n", "--logits"),
    ("label,prob\nfraud,0.2\nlegit,0.9\n", "--positive"),
    ("label,score_a,score_b,score_c\na,0.5,0.5,0.5\n", "--renormalize"),
    ("id,label,prob\n1,1,0.5\n1,0,0.5\n", "duplicate ids"),
    ("label,prob\n1,abc\n", "non-numeric"),
    ("label,prob\n1,\n", "missing or NaN probability"),
    ("label,prob\n1,nan\n", "missing or NaN probability"),
    ("label,prob\n1,inf\n", "infinite value"),
    ("label,prob\n,0.5\n", "has no label in any of its 1 rows"),
    ("label,prob\n1,0.2\n,0.5\n", "missing label"),
    ("label\n1,0.5\n", "header has one field"),
    ("label,prob\n1,0.5\n0,0.5,9\n", "row 2 has 3"),
    ("label,target,prob\n1,1,0.5\n", "--label-col"),
    ("label,weight\n1,0.5\n", "no probability column"),
    ("label,prob\na,0.5\nb,0.5\nc,0.5\n", "3 classes"),
    ("label,p_a,p_b,p_c\nx,0.2,0.3,0.5\n", "no label value matches"),
    (b"\x00\x01binary", "binary content"),
    ("label,prob\n1,0.5\n0,0.2\n".encode("utf-16")[:-1], "is not UTF-16"),
    ("label,prob,n\n1,0.5,caf\xe9\n".encode("latin-1"), "not UTF-8"),
    (zipped("a.csv", "b.csv"), "exactly one file"),
    (b"PAR1 not really parquet", "not a readable Parquet file"),
])
def test_bad_input_is_exit_2_with_a_message(tmp_path, content, needle):
    path = tmp_path / "bad.csv"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    result = run("evaluate", path, code=2)
    assert result.stderr.startswith(f"error: {path}")
    assert needle in result.stderr
    assert result.stdout == ""


def test_missing_file():
    result = run("evaluate", "no/such/file.csv", code=2)
    assert "no such file" in result.stderr


def test_bad_option_value_is_usage_error():
    run("evaluate", BINARY, "--threshold", "1.5", code=2)
    run("evaluate", BINARY, "--format", "yaml", code=2)


def test_internal_error_is_exit_3_without_traceback(monkeypatch):
    def broken(*args, **kwargs):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr("clfdiag.api.evaluate_file", broken)
    result = run("evaluate", BINARY, code=3)
    assert "internal error: ZeroDivisionError: boom" in result.stderr
    assert "--debug" in result.stderr


def test_debug_shows_the_traceback(monkeypatch):
    monkeypatch.setattr("clfdiag.api.evaluate_file", lambda *a, **k: 1 / 0)
    monkeypatch.setattr("clfdiag.cli.app._state", {"debug": False})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = CliRunner().invoke(app, ["--debug", "evaluate", BINARY])
    assert isinstance(result.exception, ZeroDivisionError)


def test_tensorboard_event_file_points_to_history(tmp_path):
    path = tmp_path / "events.out.tfevents.1700000000.host"
    path.write_bytes(b"\x18\x00\x00\x00\x00\x00\x00\x00\xa3\x7fK\"\tbrain.Event:2")
    result = run("evaluate", path, code=2)
    assert "TensorBoard" in result.stderr
    assert "clfdiag history" in result.stderr


def test_python_dash_m():
    out = subprocess.run([sys.executable, "-m", "clfdiag", "--version"], capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip().startswith("clfdiag ")
