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


# --- training histories ------------------------------------------------------------------

def history(name, *flags):
    return json.loads(run("history", os.path.join(HOSTILE, name), *flags, "--format",
                          "json").stdout)


def expected_scan(first):
    """The best evaluation by loss and the loss-up/metric-up flags, by a plain loop."""
    loss, metric = TRUTH["histories"]["loss"], TRUTH["histories"]["metric"]
    flagged = [first + i for i in range(1, len(loss))
               if loss[i] > loss[i - 1] and metric[i] > metric[i - 1]]
    return first + loss.index(min(loss)), flagged


@pytest.mark.parametrize("name", ["keras_history.json", "semicolon_decimal_comma.csv"])
def test_keras_histories_as_dumped(name):
    rep = history(name)
    best, flagged = expected_scan(0)
    assert rep["best"]["by_loss"] == best
    assert rep["flagged"] == flagged
    assert rep["metric"] == "val_accuracy"
    losses = [e["loss"] for e in rep["epochs"]]
    assert losses == pytest.approx(TRUTH["histories"]["loss"], rel=0, abs=0)


def test_a_lightgbm_record_is_read_by_round_and_its_metric_chosen():
    rep = history("lightgbm_record.json")
    best, flagged = expected_scan(1)
    assert rep["best"]["by_loss"] == best
    assert rep["flagged"] == []
    assert any("--metric" in n and "valid_0_auc" in n for n in rep["notes"])
    assert history("lightgbm_record.json", "--metric", "valid_0_auc")["flagged"] == flagged


def test_xgboost_evaluation_sets_are_chosen_with_loss_col():
    err = run("history", os.path.join(HOSTILE, "xgboost_evals.json"), code=2).stderr
    assert "--loss-col" in err
    assert "CatBoost" not in err
    rep = history("xgboost_evals.json", "--loss-col", "validation_1_logloss")
    assert rep["best"]["by_loss"] == expected_scan(1)[0]


def test_other_json_is_refused_naming_the_shapes_read(tmp_path):
    path = tmp_path / "config.json"
    path.write_text('{"lr": 0.1, "layers": [64, 32]}')
    err = run("history", path, code=2).stderr
    assert "history.history" in err
