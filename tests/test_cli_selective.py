"""`evaluate`'s selective section through the CLI, against the engine run on the file's arrays."""

import csv
import json
import os

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score
from typer.testing import CliRunner

from clfdiag.cli.app import app
from clfdiag.core.selective import selective
from tests.conftest import SAMPLES

BINARY = os.path.join(SAMPLES, "binary.csv")
MULTI = os.path.join(SAMPLES, "multiclass.csv")


def run_json(*args):
    result = CliRunner().invoke(app, ["evaluate", *map(str, args), "-f", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def read(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    y = np.array([int(r["label"]) for r in rows])
    columns = [c for c in rows[0] if c == "prob" or c.startswith("p_")]
    proba = np.array([[float(r[c]) for c in columns] for r in rows])
    return y, proba[:, 0] if proba.shape[1] == 1 else proba


def expected(y, proba, threshold=0.5, target_risk=None):
    """The engine's selective() on the confidences computed here, by one sort of them."""
    if proba.ndim == 1:
        predicted = (proba >= threshold).astype(int)
        confidence = np.where(predicted == 1, proba, 1 - proba)
    else:
        predicted = proba.argmax(axis=1)
        confidence = proba.max(axis=1)
    return selective(confidence, predicted == y, target_risk=target_risk), confidence, \
        predicted == y


def assert_matches(section, s):
    assert set(section) == {"auroc", "aurc", "e_aurc", "augrc", "risk_at_coverage",
                            "coverage_at_risk", "curve"}
    for key in ("auroc", "aurc", "e_aurc", "augrc"):
        assert section[key] == pytest.approx(getattr(s, key), abs=1e-12), key
    assert [(r["target"], r["coverage"], r["risk"], r["threshold"])
            for r in section["risk_at_coverage"]] == [
        (r.target, r.coverage, r.risk, r.threshold) for r in s.risk_at_coverage]
    at = section["coverage_at_risk"]
    assert (at["target"], at["coverage"], at["risk"]) == pytest.approx(
        (s.coverage_at_risk.target, s.coverage_at_risk.coverage, s.coverage_at_risk.risk))
    curve = section["curve"]
    assert curve["thresholds"][0] is None  # +inf at coverage 0 is null in JSON
    assert curve["coverage"][0] == 0.0
    assert curve["coverage"][-1] == 1.0
    np.testing.assert_allclose(curve["risk"], s.curve.risk)


@pytest.mark.parametrize("path", [BINARY, MULTI])
def test_selective_key_equals_the_engine_on_the_sample(path):
    y, proba = read(path)
    report = run_json(path)
    s, confidence, correct = expected(y, proba)
    assert_matches(report["selective"], s)
    assert report["selective"]["auroc"] == pytest.approx(roc_auc_score(correct, confidence))


def test_threshold_and_target_risk_are_followed():
    y, proba = read(BINARY)
    report = run_json(BINARY, "--threshold", "0.3", "--target-risk", "0.01")
    s, _, _ = expected(y, proba, threshold=0.3, target_risk=0.01)
    assert report["selective"]["coverage_at_risk"]["target"] == 0.01
    assert_matches(report["selective"], s)


def test_streaming_binary_comes_from_the_histogram():
    memory = run_json(BINARY, "--in-memory")["selective"]
    stream = run_json(BINARY, "--streaming")["selective"]
    for key in ("auroc", "aurc", "e_aurc", "augrc"):
        assert stream[key] == pytest.approx(memory[key], abs=1e-3), key


def test_streaming_multiclass_says_why_there_is_no_selective_section():
    report = run_json(MULTI, "--streaming")
    assert report["selective"] is None
    assert any("selective prediction" in note for note in report["notes"])


def test_hard_predictions_have_no_selective_section(tmp_path):
    path = tmp_path / "hard.csv"
    path.write_text("label,pred\n1,1\n0,1\n1,0\n0,0\n")
    report = run_json(path, "--pred-col", "pred")
    assert report["selective"] is None


def test_risk_coverage_figure(tmp_path):
    pytest.importorskip("matplotlib")
    result = CliRunner().invoke(app, ["evaluate", MULTI, "--plot", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "risk_coverage.png").exists()
