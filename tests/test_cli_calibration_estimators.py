"""The calibration estimators `evaluate` reports, against scikit-learn and by hand."""

import itertools
import json
import os

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.calibration import calibration_curve
from typer.testing import CliRunner

import clfdiag
from clfdiag.cli.app import app
from clfdiag.core.calibration_error import calibration_view
from clfdiag.io import predictions_from_frame
from tests.conftest import SAMPLES

BINARY = os.path.join(SAMPLES, "binary.csv")
MULTI = os.path.join(SAMPLES, "multiclass.csv")


def run(*args, code=0):
    result = CliRunner().invoke(app, ["evaluate", *map(str, args)])
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert "Traceback" not in result.stdout + result.stderr
    return result


def as_json(*args):
    return json.loads(run(*args, "-f", "json").stdout)


def sklearn_positive_class_ece(y, p, bins):
    """ECE from calibration_curve's per-bin means, weighted by the bin counts."""
    prob_true, prob_pred = calibration_curve(y, p, n_bins=bins, strategy="uniform")
    edges = np.linspace(0.0, 1.0, bins + 1)
    counts = np.bincount(np.searchsorted(edges[1:-1], p, side="right"), minlength=bins)
    counts = counts[counts > 0]
    return float(np.sum(counts / len(y) * np.abs(prob_true - prob_pred)))


# Scores away from the bin edges, where the right-closed bins and scikit-learn's left-closed
# ones agree.
@given(st.integers(0, 2**32 - 1), st.integers(20, 400), st.sampled_from([5, 10, 15]))
def test_positive_class_ece_matches_scikit_learn(seed, n, bins):
    rng = np.random.default_rng(seed)
    p = rng.uniform(0, 1, n)
    edges = np.linspace(0, 1, bins + 1)
    p[np.min(np.abs(p[:, None] - edges[None, :]), axis=1) < 1e-9] = 0.5 / bins
    y = (rng.uniform(size=n) < p ** 1.5).astype(int)
    if y.min() == y.max():
        y[0] = 1 - y[0]
    preds = predictions_from_frame(pd.DataFrame({"label": y, "prob": p}))
    report = clfdiag.evaluate(preds, bins=bins)
    assert report["metrics"]["ece_positive_class"] == pytest.approx(
        sklearn_positive_class_ece(y, p, bins), abs=1e-12)
    rel = report["reliability_positive_class"]
    prob_true, prob_pred = calibration_curve(y, p, n_bins=bins, strategy="uniform")
    used = [b for b in rel["bins"] if b["count"]]
    np.testing.assert_allclose([b["observed"] for b in used], prob_true, atol=1e-12)
    np.testing.assert_allclose([b["mean_score"] for b in used], prob_pred, atol=1e-12)


def test_binary_report_names_both_views_and_every_estimator():
    r = as_json(BINARY)
    assert r["calibration"]["method"].startswith("top-label")
    assert r["reliability_positive_class"]["view"] == "positive_class"
    keys = list(r["metrics"])
    assert keys.index("ece_positive_class") == keys.index("ece") + 1
    block = r["calibration_estimators"]
    assert {(e["view"], e["binning"]) for e in block["binned"]} == {
        ("top_label", "equal_width"), ("positive_class", "equal_width"),
        ("positive_class", "equal_mass")}
    by = {(e["view"], e["binning"]): e for e in block["binned"]}
    # The top-label estimators come from evaluate's own bins: the same as counting anew.
    frame = pd.read_csv(BINARY)
    y, p = frame["label"].to_numpy(), frame["prob"].to_numpy()
    anew = calibration_view(y, p, "top_label", 15)
    for key in ("ece", "mce", "l2", "debiased_l2"):
        assert by[("top_label", "equal_width")][key] == pytest.approx(getattr(anew, key),
                                                                     abs=1e-12)
    assert by[("top_label", "equal_width")]["ece"] == pytest.approx(r["metrics"]["ece"])
    assert by[("positive_class", "equal_width")]["ece"] == r["metrics"]["ece_positive_class"]
    assert block["smooth_ece"]["view"] == "positive_class"
    assert 0 <= block["smooth_ece"]["value"] <= 1
    assert block["ece_interval"] is None


def test_equal_mass_ece_by_hand():
    frame = pd.read_csv(BINARY)
    y, p = frame["label"].to_numpy(), frame["prob"].to_numpy()
    r = as_json(BINARY, "--bins", 4)
    entry = next(e for e in r["calibration_estimators"]["binned"]
                 if e["view"] == "positive_class" and e["binning"] == "equal_mass")
    order = np.sort(p)
    parts = np.array_split(order, 4)
    edges = [(a[-1] + b[0]) / 2 for a, b in itertools.pairwise(parts)] + [1.0]
    total, lower = 0.0, -1.0
    for upper in edges:
        inside = (p > lower) & (p <= upper)
        total += inside.sum() / len(p) * abs(y[inside].mean() - p[inside].mean())
        lower = upper
    assert entry["ece"] == pytest.approx(total, abs=1e-12)


def test_multiclass_has_classwise_and_no_positive_class():
    r = as_json(MULTI)
    assert "ece_positive_class" not in r["metrics"]
    assert r["reliability_positive_class"] is None
    views = {(e["view"], e["binning"]) for e in r["calibration_estimators"]["binned"]}
    assert views == {("top_label", "equal_width"), ("top_label", "equal_mass"),
                     ("classwise", "equal_width")}
    frame = pd.read_csv(MULTI)
    probs = frame[[f"p_{k}" for k in range(10)]].to_numpy()
    y = frame["label"].to_numpy()
    eces = []
    for k in range(10):
        score, hit = probs[:, k], y == k
        ece = 0.0
        for b in range(15):
            inside = (score > b / 15) & (score <= (b + 1) / 15)
            if b == 0:
                inside |= score == 0.0
            if inside.any():
                ece += inside.sum() / len(y) * abs(hit[inside].mean() - score[inside].mean())
        eces.append(ece)
    classwise = next(e for e in r["calibration_estimators"]["binned"]
                     if e["view"] == "classwise")
    assert classwise["ece"] == pytest.approx(np.mean(eces), abs=1e-12)


def test_bootstrap_interval_on_evaluate():
    r = as_json(BINARY, "--bootstrap", 60, "--seed", 3)
    interval = r["calibration_estimators"]["ece_interval"]
    assert interval["resamples"] == 60
    assert interval["seed"] == 3
    low, high = interval["interval"]
    assert 0 <= low <= high
    assert interval == as_json(BINARY, "--bootstrap", 60, "--seed", 3)[
        "calibration_estimators"]["ece_interval"]
    assert "bootstrap interval" in run(BINARY, "--bootstrap", 20, "--seed", 1).stdout


def test_streaming_says_why_the_estimators_are_missing():
    r = as_json(BINARY, "--streaming")
    assert r["metrics"]["ece_positive_class"] is None
    assert "streaming" in r["undefined"]["ece_positive_class"]
    assert r["calibration_estimators"]["binned"] == []
    assert "--in-memory" in r["calibration_estimators"]["undefined"]
    assert "--bootstrap" in run(BINARY, "--streaming", "--bootstrap", 5, code=2).stderr


def test_label_of_positive_class_ece_follows_bins():
    out = run(BINARY, "--bins", 10).stdout
    assert "ECE of P(y=1) (10 bins)" in out


def test_hard_predictions_leave_the_estimators_null_with_the_reason(tmp_path):
    path = tmp_path / "hard.csv"
    path.write_text("label,pred\n1,1\n0,0\n1,0\n0,0\n")
    r = as_json(path)
    assert r["metrics"]["ece_positive_class"] is None
    assert "hard predictions" in r["undefined"]["ece_positive_class"]
    assert r["calibration_estimators"]["binned"] == []
    assert "hard predictions" in r["calibration_estimators"]["undefined"]
    result = CliRunner().invoke(app, ["calibrate", str(path)])
    assert result.exit_code == 2
    assert "hard predictions" in result.stderr


def test_classwise_left_out_with_a_note_beyond_the_budget_of_counting_rows(monkeypatch):
    from clfdiag.reports import calibration_estimators

    monkeypatch.setattr(calibration_estimators, "MAX_CLASSWISE_CELLS", 100)
    frame = pd.read_csv(MULTI)
    proba = frame[[f"p_{k}" for k in range(10)]].to_numpy()
    block, _ = calibration_estimators.calibration_estimators(frame["label"].to_numpy(), proba,
                                                             15)
    assert "classwise" not in {e["view"] for e in block["binned"]}
    assert "class-wise ECE left out" in block["notes"][0]


def test_classwise_read_from_the_class_rankings_at_any_size(monkeypatch):
    # evaluate reads each class's bins from the ranking it sorts for the AUC, so the
    # budget of counting them from the rows does not apply.
    from clfdiag.reports import calibration_estimators

    expected = {e["view"]: e for e in as_json(MULTI)["calibration_estimators"]["binned"]}
    monkeypatch.setattr(calibration_estimators, "MAX_CLASSWISE_CELLS", 100)
    block = as_json(MULTI)["calibration_estimators"]
    assert block["notes"] == []
    got = {e["view"]: e for e in block["binned"]}
    assert got["classwise"] == expected["classwise"]
