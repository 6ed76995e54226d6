"""Dumps as people write them, third round: the right numbers, or exit 2 naming the flag.

Each fixture is written under tmp_path from arrays whose metrics scikit-learn computes.
"""

import json

import numpy as np
import pytest
from sklearn import metrics as skm
from typer.testing import CliRunner

from clfdiag.cli.app import app

RNG = np.random.default_rng(7)
N = 60
Y = RNG.integers(0, 2, N)
Y[:2] = [0, 1]
P = np.clip(0.25 + 0.5 * Y + RNG.normal(0, 0.2, N), 0.01, 0.99).round(4)


def run(*args, code=0):
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert "Traceback" not in result.stdout + result.stderr
    return result


def evaluate(path, *flags):
    return json.loads(run("evaluate", path, *flags, "--format", "json").stdout)


def check(rep, y, p):
    m = rep["metrics"]
    assert m["log_loss"] == pytest.approx(skm.log_loss(y, p, labels=[0, 1]), rel=1e-9)
    assert m["brier"] == pytest.approx(skm.brier_score_loss(y, p), rel=1e-9)
    assert m["roc_auc"] == pytest.approx(skm.roc_auc_score(y, p), rel=1e-12)
    assert m["accuracy"] == pytest.approx(skm.accuracy_score(y, p >= 0.5), rel=1e-12)


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize("column,names,mode", [
    ("prob_1", ("0", "1"), "--in-memory"), ("prob_1", ("0", "1"), "--streaming"),
    ("p_fraud", ("legit", "fraud"), "--in-memory"), ("proba_yes", ("no", "yes"), "--in-memory")])
def test_positive_naming_the_other_class_takes_the_complement(tmp_path, mode, column, names):
    """``p_fraud`` is P(fraud) by its name: under --positive legit, P(legit) = 1 - p_fraud."""
    labels = np.array(names)[Y]
    path = write(tmp_path, "named.csv", f"label,{column}\n"
                 + "".join(f"{lab},{q}\n" for lab, q in zip(labels, P)))
    rep = evaluate(path, "--positive", names[0], mode)
    assert rep["positive_class"] == names[0]
    check(rep, 1 - Y, 1 - P)
    assert any("1 - " + column in note for note in rep["notes"])
    check(evaluate(path, "--positive", names[1], mode), Y, P)


def test_a_negated_raw_score_is_the_other_class_score(tmp_path):
    scores = np.round((P - 0.5) * 6, 4)
    path = write(tmp_path, "scores.csv", "label,score_0\n"
                 + "".join(f"{lab},{-s}\n" for lab, s in zip(Y, scores)))
    rep = evaluate(path, "--positive", "1", "--scores")
    assert rep["metrics"]["roc_auc"] == pytest.approx(skm.roc_auc_score(Y, scores), rel=1e-12)
    rep = evaluate(path, "--positive", "1", "--logits")
    check(rep, Y, 1 / (1 + np.exp(-scores)))


def test_an_inverted_named_column_is_not_sent_to_positive(tmp_path):
    """A class-named column reads the same under either --positive: no hint to pass it."""
    path = write(tmp_path, "p1.csv", "label,p_1\n"
                 + "".join(f"{lab},{1 - q:.4f}\n" for lab, q in zip(Y, P)))
    rep = evaluate(path)
    check(rep, Y, np.round(1 - P, 4))
    note = next(n for n in rep["notes"] if "below 0.5" in n)
    assert "--positive" not in note and "rename" in note
