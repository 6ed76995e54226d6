"""Dumps as people write them: the right numbers, or exit 2 naming the flag that gives them.

The fixtures and the labels and P(positive) each encodes are written by
tests/data/hostile/make_hostile.py; the metrics expected are scikit-learn's on those arrays.
"""

import json
import os

import numpy as np
import pytest
from sklearn import metrics as skm
from typer.testing import CliRunner

from clfdiag.cli.app import app
from tests.conftest import DATA

HOSTILE = os.path.join(DATA, "hostile")
with open(os.path.join(HOSTILE, "truth.json")) as handle:
    TRUTH = json.load(handle)


def run(*args, code=0):
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert "Traceback" not in result.stdout + result.stderr
    return result


def evaluate(name, *flags):
    return json.loads(run("evaluate", os.path.join(HOSTILE, name), *flags, "--format",
                          "json").stdout)


def check(rep, name, hard=False):
    """scikit-learn's metrics on the arrays the file encodes.

    Log loss and Brier are means of n terms, so summation order moves them by a few
    ulps (rel=1e-9); the logits of hf_prediction_output.csv are written with 9 decimals,
    so its probabilities differ from the truth's by about 1e-9 (rel=1e-7 there); the AUC
    is a ratio of integer counts.
    """
    y = np.array(TRUTH[name]["y"])
    p = np.array(TRUTH[name]["p"])
    m = rep["metrics"]
    assert m["accuracy"] == pytest.approx(skm.accuracy_score(y, p >= 0.5), rel=1e-12)
    if hard:
        assert m["log_loss"] is None
        return
    rel = 1e-7 if name.startswith("hf_") else 1e-9
    assert m["log_loss"] == pytest.approx(skm.log_loss(y, p, labels=[0, 1]), rel=rel)
    assert m["brier"] == pytest.approx(skm.brier_score_loss(y, p), rel=rel)
    assert m["roc_auc"] == pytest.approx(skm.roc_auc_score(y, p), rel=1e-12)


def roles_of(rep):
    return {r["column"]: r["role"] for r in rep["input"]["column_roles"]}


def test_a_confidence_under_any_name_beside_the_predictions_is_converted():
    rep = evaluate("fastai_conf.csv", "--positive", "dog")
    check(rep, "fastai_conf.csv")
    assert "confidence of the predicted class" in roles_of(rep)["conf"]


def test_the_positive_class_is_asked_first_and_named_by_the_flag():
    err = run("evaluate", os.path.join(HOSTILE, "fastai_conf.csv"), code=2).stderr
    assert "--positive dog" in err


def test_a_probability_under_any_name_beside_the_predictions_is_read():
    rep = evaluate("pred_and_prob_unnamed.csv")
    check(rep, "pred_and_prob_unnamed.csv")
    assert roles_of(rep)["model_output"].startswith("probabilities")


@pytest.mark.parametrize("name", ["pred_and_feature.csv", "pred_conf_and_feature.csv"])
def test_features_beside_the_predictions_leave_the_hard_predictions(name):
    """A column in [0, 1] fitting neither reading, or two such columns: never the score."""
    rep = evaluate(name)
    check(rep, name, hard=True)
    assert rep["input"]["prediction_column"] == "pred"
    assert roles_of(rep)["ratio"].startswith("not used")


def test_catboost_class_probabilities_after_a_shared_prefix():
    check(evaluate("catboost_eval.tsv"), "catboost_eval.tsv")


def test_explicit_columns_after_a_shared_prefix_map_to_the_classes():
    check(evaluate("catboost_eval.tsv", "--prob-col", "Probability:Class=0", "--prob-col",
                   "Probability:Class=1"), "catboost_eval.tsv")


def test_hugging_face_logits_are_refused_naming_logits_then_read():
    err = run("evaluate", os.path.join(HOSTILE, "hf_prediction_output.csv"), code=2).stderr
    assert "--logits" in err
    assert "multi-label" not in err
    check(evaluate("hf_prediction_output.csv", "--logits"), "hf_prediction_output.csv")


@pytest.mark.parametrize("mode", [[], ["--streaming"]])
def test_a_line_of_spaces_after_the_last_row_is_blank(mode):
    rep = evaluate("trailing_spaces.csv", *mode)
    assert rep["input"]["rows"] == len(TRUTH["trailing_spaces.csv"]["y"])
    check(rep, "trailing_spaces.csv")


def test_a_short_row_is_still_an_error(tmp_path):
    path = tmp_path / "short.csv"
    path.write_text("label,prob\n1,0.8\n   \n0,0.3\n1\n")
    err = run("evaluate", path, code=2).stderr
    assert "row 4" in err
