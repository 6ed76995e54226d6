"""Real-valued scores (--scores) through the CLI, pinned to pROC's published values on aSAH."""

import csv
import json
import os

import numpy as np
import pytest
from sklearn import metrics as skm
from typer.testing import CliRunner

from clfdiag.cli.app import app
from tests.conftest import DATA, SAMPLES

ASAH = os.path.join(DATA, "aSAH.csv")
READ = ["--scores", "--label-col", "outcome", "--positive", "Poor"]


def run(*args, code=0):
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert "Traceback" not in result.stdout + result.stderr
    return result


def as_json(*args):
    return json.loads(run(*args, "--format", "json").stdout)


def asah_columns():
    with open(ASAH, newline="") as f:
        rows = list(csv.DictReader(f))
    y = np.array([r["outcome"] == "Poor" for r in rows], dtype=np.int64)
    return y, {c: np.array([float(r[c]) for r in rows]) for c in ("wfns", "s100b", "ndka")}


def brute_force_delong(y, s):
    """DeLong et al. (1988) interval from the O(m n) placement values."""
    from scipy.stats import norm

    pos, neg = s[y == 1], s[y == 0]
    psi = (pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])
    auc = psi.mean()
    v10, v01 = psi.mean(axis=1), psi.mean(axis=0)
    se = np.sqrt(v10.var(ddof=1) / len(pos) + v01.var(ddof=1) / len(neg))
    z = norm.ppf(0.975)
    return auc - z * se, auc + z * se


def test_evaluate_scores_gives_procs_auc_and_delong_interval():
    r = as_json("evaluate", ASAH, *READ, "--prob-col", "s100b")
    assert r["input"]["score_kind"] == "scores"
    assert r["metrics"]["roc_auc"] == pytest.approx(0.731368563685637, abs=1e-13)
    # pROC prints "95% CI: 0.6301-0.8326 (DeLong)" for roc(aSAH$outcome, aSAH$s100b).
    lo, hi = r["roc_auc_ci"]
    assert (round(lo, 4), round(hi, 4)) == (0.6301, 0.8326)
    y, scores = asah_columns()
    assert (lo, hi) == pytest.approx(brute_force_delong(y, scores["s100b"]), abs=1e-12)
    assert r["metrics"]["pr_auc"] == pytest.approx(
        skm.average_precision_score(y, scores["s100b"]), abs=1e-12)


def test_evaluate_scores_nulls_every_probability_metric_with_the_reason():
    r = as_json("evaluate", ASAH, *READ, "--prob-col", "ndka")
    for name in ("log_loss", "brier", "ece", "mce"):
        assert r["metrics"][name] is None
        assert "--scores" in r["undefined"][name]
    assert r["calibration"]["bins"] == []
    assert r["overconfident_errors"]["count"] is None
    assert r["curves"]["roc"]["fpr"]


def test_scores_without_a_threshold_decide_nothing_and_name_the_flag():
    r = as_json("evaluate", ASAH, *READ, "--prob-col", "ndka")
    assert r["threshold"] is None
    assert r["confusion_matrix"]["matrix"] == []
    for name in ("accuracy", "precision", "recall", "specificity", "f1", "mcc"):
        assert r["metrics"][name] is None
        assert "--threshold" in r["undefined"][name]
    assert "real-valued scores decide only at a --threshold" in run(
        "evaluate", ASAH, *READ, "--prob-col", "ndka").stdout


@pytest.mark.parametrize("cut", [10.5, 3, -1])
def test_scores_at_an_explicit_threshold_match_sklearn(cut):
    y, scores = asah_columns()
    r = as_json("evaluate", ASAH, *READ, "--prob-col", "ndka", "--threshold", cut)
    predicted = (scores["ndka"] >= cut).astype(int)
    assert r["threshold"] == cut
    assert r["metrics"]["accuracy"] == pytest.approx(skm.accuracy_score(y, predicted))
    assert r["metrics"]["recall"] == pytest.approx(skm.recall_score(y, predicted))
    assert r["confusion_matrix"]["matrix"] == skm.confusion_matrix(y, predicted).tolist()


def test_scores_keep_refusing_without_the_flag():
    result = run("evaluate", ASAH, "--label-col", "outcome", "--positive", "Poor",
                 "--prob-col", "ndka", code=2)
    assert "--scores" in result.stderr
    assert "--logits" in result.stderr


def test_scores_cannot_stream():
    result = run("evaluate", ASAH, *READ, "--prob-col", "ndka", "--streaming", code=2)
    assert "--scores" in result.stderr
    assert "leave out --streaming" in result.stderr


def test_probability_threshold_outside_the_unit_interval_is_refused():
    result = run("evaluate", os.path.join(SAMPLES, "binary.csv"), "--threshold", "1.5", code=2)
    assert "--threshold 1.5" in result.stderr


def split_files(tmp_path, first, second):
    y, scores = asah_columns()
    paths = []
    for name in (first, second):
        path = tmp_path / f"{name}.csv"
        with path.open("w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["outcome", "score"])
            for label, s in zip(y, scores[name], strict=True):
                w.writerow(["Poor" if label else "Good", repr(float(s))])
        paths.append(path)
    return paths


# pROC: roc.test(roc(outcome, wfns), roc(outcome, s100b)) (DeLong, paired), which tests
# AUC(wfns) - AUC(s100b); compare A B reports B - A.
def test_compare_scores_gives_procs_paired_delong(tmp_path):
    a, b = split_files(tmp_path, "wfns", "s100b")
    r = as_json("compare", a, b, *READ, "--prob-col", "score")
    d = r["tests"]["delong"]
    assert d["auc_a"] == pytest.approx(0.823678861788618, abs=1e-13)
    assert d["auc_b"] == pytest.approx(0.731368563685637, abs=1e-13)
    assert d["z"] == pytest.approx(-2.20898359144091, abs=1e-10)
    assert d["p_value"] == pytest.approx(0.0271757822291882, abs=1e-12)
    assert d["ci"][0] == pytest.approx(-0.174214419249478, abs=1e-12)
    assert d["ci"][1] == pytest.approx(-0.0104061769564846, abs=1e-12)
    assert r["regressions"] == ["roc_auc"]
    assert r["tests"]["log_loss"] is None
    assert r["tests"]["mcnemar"] is None
    assert r["a"]["log_loss"] is None
    assert r["delta"]["roc_auc"] == pytest.approx(0.731368563685637 - 0.823678861788618)
    out = run("compare", a, b, *READ, "--prob-col", "score").stdout
    assert "DeLong" in out


def test_compare_scores_at_a_threshold_runs_mcnemar(tmp_path):
    a, b = split_files(tmp_path, "ndka", "s100b")
    y, scores = asah_columns()
    r = as_json("compare", a, b, *READ, "--prob-col", "score", "--threshold", "0.5")
    assert r["tests"]["mcnemar"] is not None
    assert r["b"]["accuracy"] == pytest.approx(
        skm.accuracy_score(y, scores["s100b"] >= 0.5))
    assert r["a"]["accuracy"] == pytest.approx(skm.accuracy_score(y, scores["ndka"] >= 0.5))
    run("compare", a, b, *READ, "--prob-col", "score", "-f", "html")


def test_epochs_still_refuse_scores(tmp_path):
    a, b = split_files(tmp_path, "ndka", "s100b")
    result = run("epochs", a, b, *READ, "--prob-col", "score", code=2)
    assert "--scores" in result.stderr
