"""``evaluate --threshold RULE``: the threshold chosen by a rule, and the report saying how."""

import json
import os

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from clfdiag.cli.app import app
from tests.conftest import DATA, SAMPLES

BINARY = os.path.join(SAMPLES, "binary.csv")
MULTI = os.path.join(SAMPLES, "multiclass.csv")
ASAH = os.path.join(DATA, "aSAH.csv")


def run(*args, code=0):
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert "Traceback" not in result.stdout + result.stderr
    return result


def as_json(*args):
    return json.loads(run("evaluate", *args, "--format", "json").stdout)


def brute_force(y, p, value, minimise=False):
    """Every observed score as a threshold; the best value and the highest threshold reaching it."""
    best, chosen = None, None
    for t in sorted(set(p.tolist()), reverse=True):
        pred = p >= t
        tp = int(np.sum(pred & (y == 1)))
        fp = int(np.sum(pred & (y == 0)))
        v = value(tp, fp, int(np.sum(y == 1)) - tp, int(np.sum(y == 0)) - fp)
        v = -v if minimise else v
        if best is None or v > best + 1e-12:
            best, chosen = v, t
    return (-best if minimise else best), chosen


def sample():
    frame = pd.read_csv(BINARY)
    return frame["label"].to_numpy(), frame["prob"].to_numpy()


def test_youden_on_asah_is_procs_best_point():
    r = as_json(ASAH, "--scores", "--label-col", "outcome", "--positive", "Poor",
                "--prob-col", "s100b", "--threshold", "youden")
    assert r["threshold"] == 0.22
    rule = r["threshold_rule"]
    assert rule["criterion"] == "youden"
    assert rule["midpoint"] == pytest.approx(0.205, abs=1e-15)
    assert rule["given"] == "youden"
    assert r["metrics"]["recall"] == pytest.approx(0.6341463, abs=5e-8)
    assert r["metrics"]["specificity"] == pytest.approx(0.8055556, abs=5e-8)


def test_f1_rule_matches_a_brute_force_search():
    y, p = sample()
    value, chosen = brute_force(y, p, lambda tp, fp, fn, tn: 2 * tp / (2 * tp + fp + fn))
    r = as_json(BINARY, "--threshold", "f1")
    assert r["threshold"] == chosen
    assert r["threshold_rule"]["value"] == pytest.approx(value, abs=1e-12)
    assert r["metrics"]["f1"] == pytest.approx(value, abs=1e-12)


@pytest.mark.parametrize(("text", "fn_cost", "fp_cost"), [("cost:10", 10, 1), ("cost:3/2", 3, 2)])
def test_cost_rule_matches_a_brute_force_search(text, fn_cost, fp_cost):
    y, p = sample()
    value, chosen = brute_force(y, p, lambda tp, fp, fn, tn: (fn_cost * fn + fp_cost * fp)
                                / len(y), minimise=True)
    r = as_json(BINARY, "--threshold", text)
    assert r["threshold"] == chosen
    assert r["threshold_rule"]["value"] == pytest.approx(value, abs=1e-12)
    assert (r["threshold_rule"]["cost_fn"], r["threshold_rule"]["cost_fp"]) == (fn_cost, fp_cost)
    assert "threshold" in run("evaluate", BINARY, "--threshold", text).stdout


def test_a_number_has_no_rule():
    r = as_json(BINARY, "--threshold", "0.3")
    assert r["threshold"] == 0.3
    assert r["threshold_rule"] is None


@pytest.mark.parametrize("text", ["youdn", "cost:x", "fbeta:-1", "nan"])
def test_bad_rules_exit_2_naming_the_flag(text):
    result = run("evaluate", BINARY, "--threshold", text, code=2)
    assert "--threshold" in result.stderr


def test_a_rule_on_a_multiclass_file_is_refused():
    result = run("evaluate", MULTI, "--threshold", "youden", code=2)
    assert "--threshold" in result.stderr


def test_a_rule_cannot_stream():
    result = run("evaluate", BINARY, "--threshold", "youden", "--streaming", code=2)
    assert "leave out --streaming" in result.stderr


def test_an_unknown_rule_is_told_the_rules_that_read():
    # Every name the message offers is a rule --threshold takes; bare "cost" is none.
    err = run("evaluate", BINARY, "--threshold", "foo", code=2).stderr
    offered = err.split("expected a number, or one of ", 1)[1].split("\n", 1)[0].split(", ")
    assert "cost" not in offered
    for rule in offered:
        example = rule.replace(":B", ":2").replace(":PT", ":0.2").replace(":R", ":5")
        run("evaluate", BINARY, "--threshold", example.replace(":A/B", ":5/1"))
