"""Every shape of predictions file people have: read right (checked by scikit-learn) or refused.

The fixtures are in tests/data/shapes (written by make_shapes.py there).
"""

import json
import os

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn import metrics as skm
from typer.testing import CliRunner

from clfdiag.cli.app import app
from clfdiag.errors import ClfdiagError
from clfdiag.io import ReadOptions, predictions_from_frame, read_predictions
from clfdiag.io.header_roles import PREDICTION_NAMES, SCORE_NAMES
from tests.conftest import DATA

SHAPES = os.path.join(DATA, "shapes")


def shape(name):
    return os.path.join(SHAPES, name)


def run(*args, code=0):
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert "Traceback" not in result.stdout + result.stderr
    return result


def report(*args):
    return json.loads(run("evaluate", *args, "--format", "json").stdout)


def refused(*args, needles=(), absent=(), command="evaluate"):
    err = run(command, *args, code=2).stderr
    for needle in needles:
        assert needle in err, err
    for word in absent:
        assert word not in err, err
    return err


def check_binary(rep, y, p):
    m = rep["metrics"]
    assert m["log_loss"] == pytest.approx(skm.log_loss(y, p), rel=1e-9)
    assert m["roc_auc"] == pytest.approx(skm.roc_auc_score(y, p), rel=1e-12)
    assert m["accuracy"] == pytest.approx(skm.accuracy_score(y, p >= 0.5))


def roles_of(rep):
    return {r["column"]: r["role"] for r in rep["input"]["column_roles"]}


# --- a hard column beside a probability column ----------------------------------------------

@pytest.mark.parametrize(("name", "label", "hard", "prob"), [
    ("y_pred_y_proba.csv", "y_true", "y_pred", "y_proba"),
    ("spark.csv", "label", "prediction", "probability"),
])
def test_probabilities_are_used_not_the_hard_column(name, label, hard, prob):
    frame = pd.read_csv(shape(name))
    rep = report(shape(name))
    assert rep["input"]["probability_columns"] == [prob]
    check_binary(rep, frame[label], frame[prob])
    roles = roles_of(rep)
    assert roles[label] == "true label"
    assert roles[hard].startswith("predicted class (not used")
    assert roles[prob].startswith("probabilities")
    assert any(f"'{prob}', chosen by content" in n for n in rep["notes"])


def test_spark_vectors():
    frame = pd.read_csv(shape("spark_vectors.csv"))
    p = frame["probability"].str.strip("[]").str.split(",").str[1].astype(float)
    rep = report(shape("spark_vectors.csv"))
    check_binary(rep, frame["label"].astype(int), p)
    roles = roles_of(rep)
    assert roles["probability"].startswith("class probabilities (one vector per row")
    assert roles["prediction"].startswith("predicted class (not used")
    assert roles["rawPrediction"].startswith("not used")


def test_oof_column():
    frame = pd.read_csv(shape("oof.csv"))
    check_binary(report(shape("oof.csv")), frame["target"], frame["oof"])


def test_any_single_numeric_column_by_content(tmp_path):
    frame = pd.read_csv(shape("oof.csv")).rename(columns={"oof": "model_output"})
    path = tmp_path / "renamed.csv"
    frame.to_csv(path, index=False)
    check_binary(report(path), frame["target"], frame["model_output"])


def test_two_probability_columns_by_content_are_refused_with_the_flags():
    refused(shape("two_models.csv"),
            needles=("'model_a'", "'model_b'", "--prob-col model_a", "--prob-col model_b"))


def test_explicit_prob_col_settles_two_columns():
    frame = pd.read_csv(shape("two_models.csv"))
    check_binary(report(shape("two_models.csv"), "--prob-col", "model_b"), frame["label"],
                 frame["model_b"])


# --- percentages and raw scores ---------------------------------------------------------------

def test_percentages_suggest_percent_never_logits():
    refused(shape("percent.csv"), needles=("percentages", "--percent"), absent=("--logits",))


def test_percentages_with_an_explicit_column_suggest_percent(tmp_path):
    refused(shape("percent.csv"), "--prob-col", "prob", needles=("--percent",),
            absent=("--logits",))


def test_percent_divides_by_100():
    frame = pd.read_csv(shape("percent.csv"))
    rep = report(shape("percent.csv"), "--percent")
    check_binary(rep, frame["label"], frame["prob"] / 100)
    assert rep["input"]["transform"] == "percent"


def test_raw_scores_name_scores_and_logits():
    refused(shape("raw_scores.csv"), needles=("raw scores", "--scores", "--logits"))


def test_logits_are_kept_beside_the_probabilities():
    frame = pd.read_csv(shape("raw_scores.csv"))
    preds = read_predictions(shape("raw_scores.csv"), ReadOptions(logits=True))
    np.testing.assert_array_equal(preds.logits, frame["score"].to_numpy())
    np.testing.assert_allclose(preds.proba, 1 / (1 + np.exp(-frame["score"].to_numpy())))
    assert preds.score_kind == "probability"


def test_logits_of_several_classes_are_kept_as_a_matrix(tmp_path):
    frame = pd.read_csv(shape("keras_digits.csv"))
    columns = ["0", "1", "2"]
    # Logits of the same probabilities, to 6 decimals as the file has them: every parser
    # reads such short decimals to the same double.
    frame[columns] = (np.log(frame[columns]) + 1.5).round(6)
    path = tmp_path / "logits.csv"
    frame.to_csv(path, index=False)
    preds = read_predictions(str(path), ReadOptions(logits=True))
    np.testing.assert_array_equal(preds.logits, pd.read_csv(path)[columns].to_numpy())
    with pytest.raises(ClfdiagError, match="softmax would flatten"):  # the probabilities
        read_predictions(shape("keras_digits.csv"), ReadOptions(logits=True))


def test_scores_are_carried_but_not_evaluated_as_probabilities():
    preds = read_predictions(shape("raw_scores.csv"), ReadOptions(scores=True))
    assert preds.score_kind == "scores"
    np.testing.assert_array_equal(preds.proba, pd.read_csv(shape("raw_scores.csv"))["score"])
    r = report(shape("raw_scores.csv"), "--scores")
    assert r["metrics"]["log_loss"] is None
    assert "--scores" in r["undefined"]["log_loss"]
    assert r["metrics"]["roc_auc"] is not None


@pytest.mark.parametrize("flags", [("--scores", "--logits"), ("--percent", "--logits")])
def test_contradictory_value_flags(flags):
    refused(shape("raw_scores.csv"), *flags, needles=("cannot be combined",))


# --- confidence beside prediction ------------------------------------------------------------

def test_confidence_of_the_predicted_class_is_converted():
    frame = pd.read_csv(shape("confidence_of_prediction.csv"))
    p = np.where(frame["prediction"] == 1, frame["confidence"], 1 - frame["confidence"])
    rep = report(shape("confidence_of_prediction.csv"))
    check_binary(rep, frame["label"], p)
    assert "confidence of the predicted class" in roles_of(rep)["confidence"]


def test_confidence_below_half_is_the_positive_probability():
    frame = pd.read_csv(shape("confidence_of_positive.csv"))
    check_binary(report(shape("confidence_of_positive.csv")), frame["label"],
                 frame["confidence"])


# --- class probabilities ---------------------------------------------------------------------

@pytest.mark.parametrize(("name", "label", "columns"), [
    ("predict_proba_names.csv", "y", ["setosa", "versicolor", "virginica"]),
    ("keras_digits.csv", "label", ["0", "1", "2"]),
    ("otto.csv", "target", ["Class_1", "Class_2", "Class_3", "Class_4"]),
])
def test_columns_named_after_the_classes(name, label, columns):
    frame = pd.read_csv(shape(name))
    rep = report(shape(name))
    assert rep["task"] == "multiclass"
    assert rep["classes"] == columns
    y = frame[label].astype(str)
    proba = frame[columns].to_numpy()
    assert rep["metrics"]["log_loss"] == pytest.approx(
        skm.log_loss(y, proba, labels=columns), rel=1e-9)
    assert rep["metrics"]["accuracy"] == pytest.approx(
        skm.accuracy_score(y, np.array(columns)[proba.argmax(axis=1)]))
    assert rep["metrics"]["roc_auc"] == pytest.approx(
        skm.roc_auc_score(y, proba, multi_class="ovr", labels=columns), rel=1e-9)


def test_otto_explicit_prob_cols_are_verbatim():
    columns = ["Class_1", "Class_2", "Class_3", "Class_4"]
    flags = [f for c in columns for f in ("--prob-col", c)]
    rep = report(shape("otto.csv"), *flags)
    assert rep["classes"] == columns


def test_positive_on_a_multiclass_file_is_an_error():
    refused(shape("otto.csv"), "--positive", "Class_1", needles=("--positive", "4 classes"))


def test_threshold_on_a_multiclass_file_is_an_error():
    refused(shape("otto.csv"), "--threshold", "0.3", needles=("--threshold", "4 classes"))


# --- a separate labels file ------------------------------------------------------------------

def test_labels_file_joined_by_id_in_any_order():
    sub = pd.read_csv(shape("submission.csv"))
    truth = pd.read_csv(shape("ground_truth.csv"))
    merged = sub.merge(truth, on="id", suffixes=("_p", "_y"))
    rep = report(shape("submission.csv"), "--labels", shape("ground_truth.csv"))
    check_binary(rep, merged["target_y"], merged["target_p"])
    assert rep["input"]["labels_joined_by"] == "id"
    assert any("joined from" in n and "by id" in n for n in rep["notes"])


def test_labels_file_joined_by_row_position():
    p = pd.read_csv(shape("submission_no_ids.csv"))["p_1"]
    y = pd.read_csv(shape("truth_no_ids.csv"))["label"]
    rep = report(shape("submission_no_ids.csv"), "--labels", shape("truth_no_ids.csv"))
    check_binary(rep, y, p)
    assert rep["input"]["labels_joined_by"] == "row"
    assert any("by row position" in n for n in rep["notes"])


def test_ids_in_one_file_only_are_an_error_with_counts():
    refused(shape("submission.csv"), "--labels", shape("ground_truth_extra.csv"),
            needles=("0 ids only in", "2 only in", "s_extra1", "--drop-invalid"))


def test_ids_in_one_file_only_are_dropped_and_reported():
    rep = report(shape("submission.csv"), "--labels", shape("ground_truth_extra.csv"),
                 "--drop-invalid")
    assert rep["input"]["used"] == 40
    assert any("2 only in" in n for n in rep["notes"])


def test_row_counts_that_differ_without_ids_are_an_error():
    refused(shape("submission_no_ids.csv"), "--labels", shape("ground_truth_extra.csv"),
            needles=("40 rows", "42", "--id-col"))


def test_labels_file_for_compare_and_epochs():
    args = [shape("submission.csv"), shape("submission.csv"), "--labels",
            shape("ground_truth.csv")]
    rep = json.loads(run("compare", *args, "-f", "json").stdout)
    assert rep["pairing"]["n"] == 40
    rep = json.loads(run("epochs", *args, "-f", "json").stdout)
    assert len(rep["epochs"]) == 2


# --- hard predictions only -------------------------------------------------------------------

@pytest.mark.parametrize(("name", "label", "pred"), [
    ("hard_binary.csv", "label", "pred"),
    ("hard_multiclass.csv", "truth", "predicted"),
])
def test_hard_predictions(name, label, pred):
    frame = pd.read_csv(shape(name), dtype=str)
    y, yhat = frame[label], frame[pred]
    rep = report(shape(name))
    m = rep["metrics"]
    assert m["accuracy"] == pytest.approx(skm.accuracy_score(y, yhat))
    assert m["balanced_accuracy"] == pytest.approx(skm.balanced_accuracy_score(y, yhat))
    assert m["mcc"] == pytest.approx(skm.matthews_corrcoef(y, yhat))
    assert m["cohen_kappa"] == pytest.approx(skm.cohen_kappa_score(y, yhat))
    labels = rep["classes"]
    assert rep["confusion_matrix"]["matrix"] == skm.confusion_matrix(
        y, yhat, labels=labels).tolist()
    precision, recall, f1, _ = skm.precision_recall_fscore_support(
        y, yhat, labels=labels, zero_division=np.nan)
    for row, p_, r_, f_ in zip(rep["per_class"], precision, recall, f1, strict=True):
        assert (row["precision"], row["recall"], row["f1"]) == pytest.approx((p_, r_, f_))
    if rep["task"] == "multiclass":
        assert m["macro_f1"] == pytest.approx(skm.f1_score(y, yhat, average="macro"))
        assert m["weighted_f1"] == pytest.approx(skm.f1_score(y, yhat, average="weighted"))
    else:
        assert m["f1"] == pytest.approx(skm.f1_score(y, yhat, pos_label="1"))
    for metric in ("log_loss", "brier", "roc_auc", "ece"):
        assert m[metric] is None
        assert "hard predictions" in rep["undefined"][metric]
    assert rep["input"]["score_kind"] == "hard"
    assert rep["input"]["prediction_column"] == pred
    assert rep["overconfident_errors"]["count"] is None
    for fmt in ("table", "markdown", "html", "csv"):
        run("evaluate", shape(name), "--format", fmt)


def test_pred_col_names_the_hard_column(tmp_path):
    frame = pd.read_csv(shape("hard_binary.csv")).rename(columns={"pred": "model_says"})
    frame["other"] = frame["model_says"]
    path = tmp_path / "hard.csv"
    frame.to_csv(path, index=False)
    refused(path, needles=("--pred-col model_says", "--pred-col other"))
    rep = report(path, "--pred-col", "model_says")
    assert rep["metrics"]["accuracy"] == pytest.approx(
        skm.accuracy_score(frame["label"], frame["model_says"]))


def test_cohen_kappa_one_class_only_is_undefined(tmp_path):
    path = tmp_path / "one.csv"
    path.write_text("label,pred\n1,1\n1,1\n")
    rep = report(path, "--classes", "0,1")
    assert rep["metrics"]["cohen_kappa"] is None


def test_hard_predictions_are_refused_by_compare():
    refused(shape("hard_binary.csv"), shape("hard_binary.csv"), command="compare",
            needles=("hard predictions", "clfdiag evaluate"))


# --- shapes that are refused -----------------------------------------------------------------

@pytest.mark.parametrize(("name", "needles"), [
    ("multilabel_sigmoid.csv", ("multi-label", "cat, dog", "do not sum to 1")),
    ("multilabel_lists.csv", ("multi-label", "lists of labels")),
    ("long_format.csv", ("long format", "pivot")),
    ("confusion_table.csv", ("confusion matrix",)),
])
def test_unsupported_shapes_are_named(name, needles):
    refused(shape(name), needles=needles)


# --- weights ---------------------------------------------------------------------------------

def test_weight_column_is_never_used_silently():
    frame = pd.read_csv(shape("weights.csv"))
    rep = report(shape("weights.csv"))
    check_binary(rep, frame["label"], frame["prob"])
    assert any("'sample_weight'" in n and "not used" in n and "--weight-col sample_weight" in n
               for n in rep["notes"])
    assert roles_of(rep)["sample_weight"].startswith("not used")


def test_weight_col_is_read_into_predictions():
    frame = pd.read_csv(shape("weights.csv"))
    preds = read_predictions(shape("weights.csv"), ReadOptions(weight_col="sample_weight"))
    np.testing.assert_array_equal(preds.weights, frame["sample_weight"])
    import clfdiag

    weighted = clfdiag.evaluate(preds)["metrics"]
    assert weighted["log_loss"] == pytest.approx(skm.log_loss(
        frame["label"], frame["prob"], sample_weight=frame["sample_weight"]))


# --- the other class's probability -----------------------------------------------------------

def test_auc_below_half_names_positive_and_the_column(tmp_path):
    frame = pd.read_csv(shape("oof.csv"))
    frame["prob"] = 1 - frame.pop("oof")
    path = tmp_path / "inverted.csv"
    frame.to_csv(path, index=False)
    rep = report(path)
    note = next(n for n in rep["notes"] if "below 0.5" in n)
    assert "'prob'" in note
    assert "--positive 0" in note


# --- the guarantee, on generated files --------------------------------------------------------

@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(4, 60),
    hard_name=st.sampled_from(PREDICTION_NAMES),
    prob_name=st.sampled_from([n for n in SCORE_NAMES if n != "confidence"]),
    hard_first=st.booleans(),
)
def test_a_hard_column_is_never_the_score_beside_probabilities(seed, n, hard_name, prob_name,
                                                               hard_first):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    y[:2] = [0, 1]
    p = rng.uniform(0.001, 0.999, n)
    p[0] = 0.3  # at least one value that is not 0 or 1
    columns = {hard_name: (p >= 0.5).astype(int), prob_name: p}
    order = [hard_name, prob_name] if hard_first else [prob_name, hard_name]
    frame = pd.DataFrame({"label": y, **{c: columns[c] for c in order}})
    preds = predictions_from_frame(frame)
    assert preds.source.probability_columns == (prob_name,)
    np.testing.assert_array_equal(preds.proba, p)
    assert preds.score_kind == "probability"
