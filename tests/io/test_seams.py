"""Reading at the seams between files, roles and hints: the right numbers, or exit 2 and a flag.

Every refusal names a flag spelled as the option is, and the run with that flag gives the
numbers scikit-learn gives. The fixtures are in tests/data/shapes (written by make_seams.py).
"""

import json
import os

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn import metrics as skm
from typer.main import get_command
from typer.testing import CliRunner

import clfdiag
from clfdiag.cli.app import app
from clfdiag.errors import ClfdiagError
from clfdiag.io import ReadOptions, predictions_from_frame
from tests.conftest import DATA

SHAPES = os.path.join(DATA, "shapes")
READING_COMMANDS = ("evaluate", "compare", "epochs", "threshold", "calibrate", "ood")


def shape(name):
    return os.path.join(SHAPES, name)


def run(*args, code=0):
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert "Traceback" not in result.stdout + result.stderr
    return result


def report(*args, command="evaluate"):
    return json.loads(run(command, *args, "--format", "json").stdout)


def refused(*args, needles=(), absent=(), command="evaluate"):
    err = run(command, *args, code=2).stderr
    for needle in needles:
        assert needle in err, err
    for word in absent:
        assert word not in err, err
    return err


def roles_of(rep):
    return {r["column"]: r["role"] for r in rep["input"]["column_roles"]}


def check_binary(rep, y, p):
    """Log loss, Brier, ROC AUC and accuracy as scikit-learn computes them.

    The log loss and Brier score are means of n terms: summation order alone moves them by
    a few ulps, hence rel=1e-9; the AUC is a ratio of integer counts (rel=1e-12).
    """
    m = rep["metrics"]
    y = np.asarray(y)
    p = np.asarray(p, dtype=float)
    assert m["log_loss"] == pytest.approx(skm.log_loss(y, p, labels=[0, 1]), rel=1e-9)
    assert m["brier"] == pytest.approx(skm.brier_score_loss(y, p, pos_label=1), rel=1e-9)
    if len(set(y.tolist())) == 2:
        assert m["roc_auc"] == pytest.approx(skm.roc_auc_score(y, p), rel=1e-12)
    assert m["accuracy"] == pytest.approx(skm.accuracy_score(y, p >= 0.5))


def test_every_reading_command_has_the_new_flags():
    for name in READING_COMMANDS:
        command = get_command(app).commands[name]
        flags = {opt for param in command.params for opt in getattr(param, "opts", [])}
        assert {"--confidence-of-predicted", "--classes", "--no-header"} <= flags, name


# --- 1. the confidence of the predicted class ------------------------------------------------

def max_confidence():
    frame = pd.read_csv(shape("max_confidence.csv"))
    p = np.where(frame["prediction"] == 1, frame["probability"], 1 - frame["probability"])
    return frame, p


def test_a_max_confidence_column_is_converted_and_said_so():
    frame, p = max_confidence()
    assert frame["probability"].min() >= 0.5
    assert frame["prediction"].nunique() == 2
    rep = report(shape("max_confidence.csv"))
    check_binary(rep, frame["label"], p)
    assert "confidence of the predicted class" in roles_of(rep)["probability"]
    assert any("confidence of the predicted class" in n for n in rep["notes"])


def test_the_explicit_flag_gives_the_same_numbers():
    frame, p = max_confidence()
    rep = report(shape("max_confidence.csv"), "--confidence-of-predicted")
    check_binary(rep, frame["label"], p)
    assert "--confidence-of-predicted" in " ".join(rep["notes"])


@pytest.mark.parametrize("command", ["compare", "epochs"])
def test_compare_and_epochs_read_the_confidence_alike(command):
    frame, p = max_confidence()
    rep = report(shape("max_confidence.csv"), shape("max_confidence.csv"), command=command)
    read = rep["epochs"] if command == "epochs" else [rep["a"], rep["b"]]
    # A mean of 60 terms: summation order moves it by a few ulps.
    for metrics in read:
        assert metrics["log_loss"] == pytest.approx(skm.log_loss(frame["label"], p), rel=1e-9)
        assert metrics["roc_auc"] == pytest.approx(skm.roc_auc_score(frame["label"], p),
                                                   rel=1e-12)


def test_threshold_and_calibrate_read_the_confidence_alike():
    for command in ("threshold", "calibrate"):
        rep = report(shape("max_confidence.csv"), command=command)
        assert "confidence of the predicted class" in json.dumps(rep["input"])


def test_streaming_refuses_rather_than_read_the_confidence_as_a_probability():
    err = refused("--streaming", shape("max_confidence.csv"))
    assert "--in-memory" in err
    assert "--confidence-of-predicted" in err


@pytest.mark.parametrize("prediction", ["label_pred", "y_pred_class", "class_hat",
                                        "model_prediction"])
def test_a_predicted_class_column_named_otherwise_is_found(tmp_path, prediction):
    frame, p = max_confidence()
    path = tmp_path / "renamed.csv"
    frame.rename(columns={"prediction": prediction, "probability": "confidence"}).to_csv(
        path, index=False)
    rep = report(path)
    check_binary(rep, frame["label"], p)
    assert rep["input"]["prediction_column"] == prediction


@pytest.mark.parametrize("name", ["confidence", "conf", "max_prob", "Top Prob",
                                  "model_confidence"])
@pytest.mark.parametrize("streaming", [False, True])
def test_a_lone_confidence_never_below_half_is_refused(tmp_path, name, streaming):
    # max_k p_k beside the labels alone: P(positive) cannot be recovered from it.
    frame, _ = max_confidence()
    path = tmp_path / "alone.csv"
    frame[["label", "probability"]].rename(columns={"probability": name}).to_csv(path,
                                                                                index=False)
    err = refused(path, *(["--streaming"] if streaming else []),
                  needles=("confidence of the predicted class", "--confidence-of-predicted",
                           "--prob-col"))
    # Streaming settles by the header only: a name not known as a score is refused anyway.
    assert "0.5 or more" in err or (streaming and name != "confidence")
    rep = report(path, "--prob-col", name)  # said to be P(positive): read as such
    check_binary(rep, frame["label"], frame["probability"])


def test_a_confidence_named_column_below_half_is_the_probability(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("label,confidence\n1,0.9\n0,0.2\n1,0.6\n0,0.4\n")
    check_binary(report(path), [1, 0, 1, 0], [0.9, 0.2, 0.6, 0.4])


def test_prediction_and_confidence_names():
    from clfdiag.io.header_roles import confidence_name, prediction_name

    for name in ("pred", "preds", "y_pred", "label_pred", "Pred Label", "y_hat", "class_hat",
                 "predicted_class", "model_prediction", "pred_0"):
        assert prediction_name(name), name
    for name in ("prob", "precision", "label", "probability", "score", "hat_size"):
        assert not prediction_name(name), name
    for name in ("confidence", "CONF", "max_prob", "top_probability", "model_confidence"):
        assert confidence_name(name), name
    for name in ("prob", "probability", "conformal_set", "p_1"):
        assert not confidence_name(name), name


def frame_of(label, prediction, score):
    return pd.DataFrame({"label": label, "prediction": prediction, "probability": score})


def test_all_predictions_one_class_and_never_below_half_is_refused():
    frame = frame_of([0, 1, 0, 1], [0, 0, 0, 0], [0.9, 0.6, 0.7, 0.55])
    with pytest.raises(ClfdiagError) as err:
        predictions_from_frame(frame)
    text = str(err.value) + " " + (err.value.hint or "")
    assert "--confidence-of-predicted" in text
    assert "--prob-col probability" in text
    as_confidence = predictions_from_frame(frame, ReadOptions(confidence_of_predicted=True))
    np.testing.assert_allclose(as_confidence.proba, [0.1, 0.4, 0.3, 0.45], rtol=0, atol=1e-15)
    as_probability = predictions_from_frame(frame, ReadOptions(prob_cols=("probability",)))
    np.testing.assert_array_equal(as_probability.proba, frame["probability"])


def test_a_threshold_that_separates_the_predictions_is_refused():
    # P(positive) thresholded at 0.7 looks like a confidence: every value >= 0.5, both classes.
    frame = frame_of([0, 1, 0, 1, 1], [0, 1, 0, 1, 1], [0.55, 0.8, 0.6, 0.9, 0.75])
    with pytest.raises(ClfdiagError, match="separates"):
        predictions_from_frame(frame)


def test_scores_of_exactly_one_half_read_alike_either_way():
    # argmax breaks a tie toward class 0: the row (0.5, predicted 0) fits both readings.
    frame = frame_of([0, 1, 1, 0], [0, 1, 1, 0], [0.5, 0.8, 0.6, 0.2])
    np.testing.assert_array_equal(predictions_from_frame(frame).proba, [0.5, 0.8, 0.6, 0.2])


def test_a_confidence_with_more_than_two_classes_is_refused_then_read_hard():
    frame = pd.DataFrame({"label": ["a", "b", "c", "a", "b"],
                          "prediction": ["a", "b", "b", "c", "b"],
                          "probability": [0.9, 0.6, 0.5, 0.4, 0.8]})
    with pytest.raises(ClfdiagError) as err:
        predictions_from_frame(frame)
    assert "--pred-col prediction" in (err.value.hint or "")
    hard = predictions_from_frame(frame, ReadOptions(pred_col="prediction"))
    assert hard.score_kind == "hard"
    predicted = np.array(hard.classes)[hard.proba.argmax(axis=1)]
    assert skm.accuracy_score(frame["label"], predicted) == pytest.approx(
        skm.accuracy_score(frame["label"], frame["prediction"]))


@given(st.lists(st.tuples(st.integers(0, 1), st.floats(0, 1)), min_size=2, max_size=40),
       st.booleans())
def test_a_reading_is_right_or_refused(rows, confidence_dump):
    """Whatever the dump, the probability read is P(positive), or the reader refuses."""
    y = np.array([r[0] for r in rows])
    p = np.array([r[1] for r in rows])
    predicted = (p >= 0.5).astype(int)
    score = np.maximum(p, 1 - p) if confidence_dump else p
    frame = frame_of(y if len(set(y.tolist())) == 2 else np.r_[y[:-1], 1 - y[-1]],
                     predicted, score)
    # 1 - (1 - p) differs from p by at most one rounding of a number in [0, 1].
    try:
        read = predictions_from_frame(frame)
    except ClfdiagError as exc:
        hint = exc.hint or ""
    else:
        hint = "--"
        np.testing.assert_allclose(read.proba, p, rtol=0, atol=1e-15)
    assert "--" in hint  # a refusal names the flag that settles it
    if confidence_dump:
        explicit = predictions_from_frame(frame, ReadOptions(
            prob_cols=("probability",), pred_col="prediction", confidence_of_predicted=True))
        np.testing.assert_allclose(explicit.proba, p, rtol=0, atol=1e-15)


# --- 2. a label column that holds one value --------------------------------------------------

def test_a_split_name_in_the_label_column_is_refused_without_positive():
    needle = "column 'label' holds the single value 'test' in all 1,050 rows"
    err = refused(shape("split_label.csv"), needles=(needle, "--classes"), absent=("--positive",))
    assert err
    refused(shape("split_label.csv"), "--positive", "test", needles=(needle,),
            absent=("--positive",))


@pytest.mark.parametrize("command", ["evaluate", "threshold", "calibrate"])
def test_every_command_refuses_one_label_value(command):
    refused(shape("split_label.csv"), command=command, needles=("single value 'test'",))


def test_compare_and_epochs_refuse_one_label_value():
    for command in ("compare", "epochs"):
        refused(shape("split_label.csv"), shape("split_label.csv"), command=command,
                needles=("single value 'test'",), absent=("--positive",))


def test_streaming_refuses_one_label_value_over_the_whole_file():
    refused("--streaming", shape("all_positive.csv"), needles=("single value '1'",))
    rep = report("--streaming", shape("all_positive.csv"), "--classes", "0,1")
    assert rep["metrics"]["roc_auc"] is None


def test_an_all_positive_batch_with_its_classes_is_right_everywhere():
    frame = pd.read_csv(shape("all_positive.csv"))
    y, p = frame["label"].to_numpy(), frame["prob"].to_numpy()
    rep = report(shape("all_positive.csv"), "--classes", "0,1")
    m, undefined = rep["metrics"], rep["undefined"]
    predicted = (p >= 0.5).astype(int)
    assert rep["classes"] == ["0", "1"]
    assert rep["positive_class"] == "1"
    assert m["n"] == m["positives"] == len(y)
    assert m["prevalence"] == 1.0
    check_binary(rep, y, p)
    assert m["recall"] == pytest.approx(skm.recall_score(y, predicted))
    assert m["precision"] == pytest.approx(skm.precision_score(y, predicted, zero_division=0))
    assert m["f1"] == pytest.approx(skm.f1_score(y, predicted))
    assert m["pr_auc"] == pytest.approx(skm.average_precision_score(y, p))
    # Balanced accuracy over the classes present: the recall of the one class.
    assert m["balanced_accuracy"] == pytest.approx(skm.recall_score(y, predicted))
    for name in ("roc_auc", "specificity", "mcc"):
        assert m[name] is None, name
        assert undefined[name], name
    assert "one class" in undefined["roc_auc"]
    matrix = skm.confusion_matrix(y, predicted, labels=[0, 1]).tolist()
    assert rep["confusion_matrix"]["matrix"] == matrix
    # Top-label ECE over 15 equal-width bins, by brute force.
    confidence = np.maximum(p, 1 - p)
    correct = predicted == y
    bins = np.minimum((confidence * 15).astype(int), 14)
    ece = sum(abs(correct[bins == b].mean() - confidence[bins == b].mean()) * (bins == b).sum()
              for b in np.unique(bins)) / len(y)
    assert m["ece"] == pytest.approx(ece, abs=1e-12)


def test_classes_must_hold_every_label():
    refused(shape("all_positive.csv"), "--classes", "0,2", needles=("--classes",))
    refused(shape("all_positive.csv"), "--classes", "1", needles=("fewer than two",))


def test_classes_with_a_positive_chooses_as_without_them():
    rep = report(shape("split_label.csv"), "--classes", "test,train", "--positive", "test")
    assert rep["positive_class"] == "test"
    assert rep["metrics"]["roc_auc"] is None
    q = pd.read_csv(shape("split_label.csv"))["prob"].to_numpy()
    assert rep["metrics"]["log_loss"] == pytest.approx(-np.mean(np.log(q)), rel=1e-9)


# --- 3. labels and ids under other names; spaced headers; a pandas index ---------------------

def labelled_frame():
    frame = pd.read_csv(shape("label_true_label.csv"))
    return frame["true_label"].to_numpy(), frame["prob"].to_numpy()


@pytest.mark.parametrize("label", ["true_label", "true_class", "actual", "actual_outcome",
                                   "ground_truth", "gt_label", "y_test", "target_churn"])
def test_a_label_under_another_name_is_found(label):
    y, p = labelled_frame()
    rep = report(shape(f"label_{label}.csv"))
    assert rep["input"]["label_column"] == label
    assert rep["input"]["id_column"] == "image_id"
    check_binary(rep, y, p)


def test_two_prefixed_label_candidates_are_refused(tmp_path):
    path = tmp_path / "two.csv"
    path.write_text("target_a,target_b,prob\n1,0,0.8\n0,1,0.3\n")
    refused(path, needles=("'target_a'", "'target_b'", "--label-col"))
    rep = report(path, "--label-col", "target_a")
    assert rep["metrics"]["roc_auc"] == 1.0


@pytest.mark.parametrize("ident", ["object_id", "uid", "filename", "image_id"])
def test_an_id_under_another_name_is_found(ident):
    y, p = labelled_frame()
    rep = report(shape(f"id_{ident}.csv"))
    assert rep["input"]["id_column"] == ident
    check_binary(rep, y, p)


def test_a_pandas_index_without_a_name_is_an_id_never_a_score():
    y, p = labelled_frame()
    rep = report(shape("pandas_index.csv"))
    assert rep["input"]["id_column"] == ""
    assert rep["input"]["probability_columns"] == ["prob"]
    assert roles_of(rep)[""] == "example id"
    check_binary(rep, y, p)


def test_a_header_with_spaces_after_the_commas_is_named_without_them():
    frame = pd.read_csv(shape("spaced_header.csv"), skipinitialspace=True)
    truth, predicted = frame["actual label"], frame["predicted label"]
    for flags in ([], ["--label-col", "actual label", "--pred-col", "predicted label"]):
        rep = report(shape("spaced_header.csv"), *flags)
        m = rep["metrics"]
        assert rep["input"]["label_column"] == "actual label"
        assert rep["input"]["prediction_column"] == " predicted label"
        assert m["accuracy"] == pytest.approx(skm.accuracy_score(truth, predicted))
        assert m["recall"] == pytest.approx(skm.recall_score(truth, predicted,
                                                             pos_label="positive"))


# --- 4. 0/1 features beside one probability column -------------------------------------------

def test_binary_features_are_ignored_and_said_so():
    frame = pd.read_csv(shape("dropout.csv"))
    rep = report(shape("dropout.csv"))
    assert rep["input"]["label_column"] == "target_dropout"
    assert rep["input"]["probability_columns"] == ["dropout_proba"]
    check_binary(rep, frame["target_dropout"], frame["dropout_proba"])
    roles = roles_of(rep)
    for feature in ("female", "worked_abroad", "tuition_paid"):
        assert roles[feature].startswith("not used"), roles
    assert any("female" in n and "not used" in n for n in rep["notes"]), rep["notes"]


# --- 5. --pred-col with string labels ----------------------------------------------------------

def test_pred_col_is_honoured_with_string_labels():
    frame = pd.read_csv(shape("rev_label.csv"))
    rep = report(shape("rev_label.csv"), "--label-col", "rev_label",
                 "--pred-col", "predicted_classes")
    assert rep["input"]["prediction_column"] == "predicted_classes"
    assert rep["metrics"]["accuracy"] == pytest.approx(
        skm.accuracy_score(frame["rev_label"], frame["predicted_classes"]))


def test_pred_col_is_honoured_beside_one_score_of_many_classes(tmp_path):
    path = tmp_path / "stars.csv"
    stars = ["one", "two", "three", "two", "one", "three"]
    predicted = ["one", "two", "two", "two", "three", "three"]
    confidence = [0.9, 0.7, 0.5, 0.8, 0.4, 0.6]
    path.write_text("rev_label,predicted_classes,probability\n" + "".join(
        f"{a},{b},{c}\n" for a, b, c in zip(stars, predicted, confidence, strict=True)))
    refused(path, "--label-col", "rev_label", needles=("--pred-col predicted_classes",))
    rep = report(path, "--label-col", "rev_label", "--pred-col", "predicted_classes")
    assert rep["metrics"]["accuracy"] == pytest.approx(skm.accuracy_score(stars, predicted))
    assert rep["input"]["score_kind"] == "hard"


# --- 6. --labels in every format, and --by from the labels file -------------------------------

def holdout_formats(tmp_path):
    frame = pd.read_csv(shape("churn_holdout.csv"))
    paths = {"csv": shape("churn_holdout.csv")}
    paths["tsv"] = tmp_path / "holdout.tsv"
    frame.to_csv(paths["tsv"], sep="\t", index=False)
    paths["gz"] = tmp_path / "holdout.csv.gz"
    frame.to_csv(paths["gz"], index=False)
    paths["parquet"] = tmp_path / "holdout.parquet"
    frame.to_parquet(paths["parquet"], index=False)
    paths["jsonl"] = tmp_path / "holdout.jsonl"
    frame.to_json(paths["jsonl"], orient="records", lines=True)
    paths["arrow"] = tmp_path / "holdout.arrow"
    frame.to_feather(paths["arrow"])
    return frame, paths


def churn_truth():
    preds = pd.read_csv(shape("churn_predictions.csv"))
    holdout = pd.read_csv(shape("churn_holdout.csv")).set_index("id").loc[preds["id"]]
    return preds, holdout


def test_a_labels_file_is_read_in_every_format(tmp_path):
    _, paths = holdout_formats(tmp_path)
    preds, holdout = churn_truth()
    y = (holdout["Churn"] == "Yes").astype(int).to_numpy()
    for kind, path in paths.items():
        rep = report(shape("churn_predictions.csv"), "--labels", path, "--label-col", "Churn",
                     "--positive", "Yes")
        assert rep["input"]["labels_joined_by"] == "id", kind
        check_binary(rep, y, preds["prob"].to_numpy())


def test_by_names_a_column_of_the_labels_file(tmp_path):
    _, paths = holdout_formats(tmp_path)
    preds, holdout = churn_truth()
    y = (holdout["Churn"] == "Yes").astype(int).to_numpy()
    p = preds["prob"].to_numpy()
    for path in (paths["csv"], paths["parquet"]):
        rep = report(shape("churn_predictions.csv"), "--labels", path, "--label-col", "Churn",
                     "--positive", "Yes", "--by", "gender")
        groups = {s["group"]: s for s in rep["slices"]}
        assert set(groups) == {"Female", "Male"}
        for group, s in groups.items():
            inside = (holdout["gender"] == group).to_numpy()
            assert s["n"] == int(inside.sum())
            assert s["metrics"]["roc_auc"] == pytest.approx(
                skm.roc_auc_score(y[inside], p[inside]), rel=1e-12)
            assert s["metrics"]["accuracy"] == pytest.approx(
                skm.accuracy_score(y[inside], p[inside] >= 0.5))


def test_by_a_column_in_neither_file_is_refused():
    refused(shape("churn_predictions.csv"), "--labels", shape("churn_holdout.csv"),
            "--label-col", "Churn", "--positive", "Yes", "--by", "region",
            needles=("'region'", "gender"))


# --- 7. shapes that are not predictions, each named with what reads it ------------------------

def test_soft_labels_are_named_with_what_to_pass():
    refused(shape("soft_labels.csv"),
            needles=("soft labels", "neg, neu, pos", "--prob-col", "--pred-col"))


def test_real_probabilities_named_after_the_classes_are_not_soft_labels():
    frame = pd.read_csv(shape("predict_proba_names.csv"))
    rep = report(shape("predict_proba_names.csv"))
    assert rep["metrics"]["log_loss"] == pytest.approx(skm.log_loss(
        frame["y"], frame[["setosa", "versicolor", "virginica"]].to_numpy(),
        labels=["setosa", "versicolor", "virginica"]), rel=1e-9)


def test_multilabel_indicator_columns_are_named_with_the_flags_that_read_them():
    from sklearn import metrics as skm

    flags = ["--label-cols", "cat", "--label-cols", "dog", "--label-cols", "fox"]
    refused(shape("multilabel_indicators.csv"),
            needles=("multi-label indicator columns", "cat, dog, fox", " ".join(flags)))
    frame = pd.read_csv(shape("multilabel_indicators.csv"))
    truth = frame[["cat", "dog", "fox"]].to_numpy()
    predicted = frame[["p_cat", "p_dog", "p_fox"]].to_numpy() >= 0.5
    m = report(shape("multilabel_indicators.csv"), *flags)["metrics"]
    assert m["hamming_loss"] == pytest.approx(skm.hamming_loss(truth, predicted), rel=1e-12)
    assert m["f1_micro"] == pytest.approx(skm.f1_score(truth, predicted, average="micro"),
                                          rel=1e-12)


def test_a_confusion_matrix_and_long_format_are_named():
    refused(shape("confusion_table.csv"), needles=("confusion matrix",))
    refused(shape("long_format.csv"), needles=("long format",))


def test_a_headerless_file_is_named_and_read_with_no_header():
    frame = pd.read_csv(shape("headerless.csv"), header=None)
    refused(shape("headerless.csv"), needles=("no header line", "--no-header",
                                              "--label-col 0 --prob-col 1"))
    for flags in (["--label-col", "0", "--prob-col", "1"], ["--label-col", "0"]):
        rep = report(shape("headerless.csv"), "--no-header", *flags)
        assert rep["input"]["rows"] == len(frame)
        check_binary(rep, frame[0], frame[1])
    rep = report("--streaming", shape("headerless.csv"), "--no-header", "--label-col", "0",
                 "--prob-col", "1")
    assert rep["metrics"]["log_loss"] == pytest.approx(skm.log_loss(frame[0], frame[1]),
                                                       rel=1e-9)


def test_no_header_is_refused_for_a_file_that_names_its_columns(tmp_path):
    path = tmp_path / "p.parquet"
    pd.DataFrame({"label": [0, 1], "prob": [0.2, 0.7]}).to_parquet(path)
    refused(path, "--no-header", needles=("--no-header",))


# --- hints that must not lead to a wrong reading ---------------------------------------------

def test_one_based_labels_beside_zero_based_columns_are_refused_without_drop_invalid(tmp_path):
    path = tmp_path / "k.csv"
    path.write_text("label,p_0,p_1,p_2\n1,0.8,0.1,0.1\n2,0.1,0.8,0.1\n3,0.1,0.1,0.8\n"
                    "1,0.7,0.2,0.1\n2,0.2,0.7,0.1\n3,0.2,0.1,0.7\n")
    refused(path, needles=("1-based", "label - 1"), absent=("--drop-invalid",))
    fixed = tmp_path / "fixed.csv"
    frame = pd.read_csv(path)
    frame["label"] -= 1
    frame.to_csv(fixed, index=False)
    rep = report(fixed)  # the fix the message names reads them right
    probs = frame[["p_0", "p_1", "p_2"]].to_numpy()
    assert rep["metrics"]["log_loss"] == pytest.approx(
        skm.log_loss(frame["label"], probs), rel=1e-9)
    assert rep["metrics"]["accuracy"] == 1.0


def test_minus_one_and_one_beside_columns_zero_and_one_name_the_flags_that_read_them(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("label,p_0,p_1\n-1,0.8,0.2\n1,0.3,0.7\n-1,0.6,0.4\n1,0.1,0.9\n"
                    "-1,0.7,0.3\n1,0.4,0.6\n")
    err = refused(path, needles=("-1 and 1", "--prob-col p_1 --positive 1"),
                  absent=("--drop-invalid",))
    assert "write the labels as 0 and 1" in err
    rep = report(path, "--prob-col", "p_1", "--positive", "1")
    check_binary(rep, [0, 1, 0, 1, 0, 1], [0.2, 0.7, 0.4, 0.9, 0.3, 0.6])


def test_percentages_of_a_rare_class_name_percent_before_dropping(tmp_path):
    path = tmp_path / "pct.csv"
    path.write_text("label,prob\n0,0.2\n0,0.5\n0,0.8\n0,0.3\n0,0.9\n0,0.6\n1,35.0\n1,12.5\n"
                    "0,1.5\n1,60.0\n")
    err = refused(path, needles=("--percent", "[0, 100]"))
    assert err.index("--percent") < err.index("--drop-invalid")
    p = np.array([0.2, 0.5, 0.8, 0.3, 0.9, 0.6, 35.0, 12.5, 1.5, 60.0]) / 100
    check_binary(report(path, "--percent"), [0, 0, 0, 0, 0, 0, 1, 1, 0, 1], p)


def test_rows_of_probabilities_not_summing_to_one_never_name_logits(tmp_path):
    path = tmp_path / "sum.csv"
    path.write_text("label,p_a,p_b,p_c\na,0.7,0.2,0.1\nb,0.2,0.7,0.1\nc,0.1,0.2,0.7\n"
                    "a,0.6,0.3,0.1\nb,0.3,0.6,0.15\nc,0.2,0.2,0.6\n")
    refused(path, needles=("--renormalize",), absent=("--logits",))
    path.write_text("label,p_a,p_b,p_c\na,-2.5,0.2,1.3\nb,0.2,0.7,0.1\nc,0.1,0.2,0.7\n")
    refused(path, needles=("--logits",))


@pytest.mark.parametrize("column", ["prob_1", "score_1", "p_1"])
def test_a_class_that_is_also_the_other_labels_index_is_refused(tmp_path, column):
    # prob_1 beside labels 1 and 2: P(1) by its name, P(2) as predict_proba(X)[:, 1].
    rng = np.random.default_rng(0)
    y = rng.integers(1, 3, 200)
    p2 = np.clip(rng.beta(2, 2, 200) * 0.5 + 0.5 * (y == 2), 0, 1)
    path = tmp_path / "p.csv"
    pd.DataFrame({"label": y, column: p2}).to_csv(path, index=False)
    err = refused(path, needles=("index of label '2'", "--positive 1", "rename the column"))
    assert "--positive 2 if" not in err  # no flag reads the column as P(2): only a rename
    renamed = tmp_path / "renamed.csv"
    pd.DataFrame({"label": y, "prob_2": p2}).to_csv(renamed, index=False)
    check_binary(report(renamed), (y == 2).astype(int), p2)
    check_binary(report(path, "--positive", "1"), (y == 1).astype(int), p2)
    zero_one = tmp_path / "zero_one.csv"
    pd.DataFrame({"label": y - 1, column: p2}).to_csv(zero_one, index=False)
    check_binary(report(zero_one), y - 1, p2)  # labels 0 and 1 name their own index


def test_logits_on_class_probabilities_are_refused(tmp_path):
    path = tmp_path / "sum.csv"
    path.write_text("label,p_a,p_b,p_c\na,0.7,0.2,0.1\nb,0.2,0.7,0.1\nc,0.1,0.2,0.7\n"
                    "a,0.6,0.3,0.1\nb,0.3,0.6,0.15\nc,0.2,0.2,0.6\n")
    refused(path, "--logits", needles=("--logits", "probabilities", "leave out --logits"))
    rep = report(path, "--renormalize")  # the reading the message leads to
    frame = pd.read_csv(path)
    probs = frame[["p_a", "p_b", "p_c"]].to_numpy()
    probs = probs / probs.sum(axis=1, keepdims=True)
    assert rep["metrics"]["log_loss"] == pytest.approx(
        skm.log_loss(frame["label"], probs, labels=["a", "b", "c"]), rel=1e-9)
    logits = tmp_path / "logits.csv"
    logits.write_text("label,p_a,p_b,p_c\na,2.0,0.2,-1\nb,0.2,1.7,0.1\nc,0.1,0.2,0.7\n")
    assert report(logits, "--logits")["input"]["transform"] == "logits"


def test_boolean_class_columns_beside_the_label_are_scores(tmp_path):
    # DataFrame(predict_proba(X), columns=clf.classes_) with classes False and True.
    both = tmp_path / "both.csv"
    both.write_text("label,False,True\nTrue,0.213,0.787\nFalse,0.7,0.3\nTrue,0.41,0.59\n"
                    "False,0.93,0.07\n")
    check_binary(report(both), [1, 0, 1, 0], [0.787, 0.3, 0.59, 0.07])
    alone = tmp_path / "alone.csv"
    alone.write_text("label,True\nTrue,0.8\nFalse,0.3\nTrue,0.6\nFalse,0.1\n")
    check_binary(report(alone), [1, 0, 1, 0], [0.8, 0.3, 0.6, 0.1])
    truth = tmp_path / "truth.csv"  # a lone True column is still the label
    truth.write_text("True,prob\n1,0.8\n0,0.3\n1,0.6\n0,0.1\n")
    check_binary(report(truth), [1, 0, 1, 0], [0.8, 0.3, 0.6, 0.1])


@pytest.mark.parametrize(("score", "prediction"), [("score", "label_pred"),
                                                   ("p_1", "is_fraud_pred"),
                                                   ("prob", "baseline_pred")])
def test_a_prediction_at_another_threshold_leaves_a_named_score_alone(tmp_path, score,
                                                                      prediction):
    # Names ending in _pred are sought only beside a confidence-named score: beside a
    # probability they never displace it.
    rng = np.random.default_rng(1)
    p = rng.uniform(0, 1, 300)
    y = (rng.uniform(0, 1, 300) < p).astype(int)
    path = tmp_path / "t.csv"
    pd.DataFrame({"label": y, score: p, prediction: (p >= 0.3).astype(int)}).to_csv(
        path, index=False)
    check_binary(report(path), y, p)


@pytest.mark.parametrize("sort_by_label", [True, False])
def test_streaming_tests_a_lone_confidence_over_the_whole_file(tmp_path, sort_by_label):
    rng = np.random.default_rng(2)
    n = 20_000
    p = rng.uniform(0, 1, n)
    y = (rng.uniform(0, 1, n) < p).astype(int)
    order = np.argsort(y, kind="stable") if sort_by_label else np.arange(n)
    confident = tmp_path / "confidence.csv"
    pd.DataFrame({"label": y[order], "confidence": np.maximum(p, 1 - p)[order]}).to_csv(
        confident, index=False)
    refused(confident, "--streaming", needles=("0.5 or more", "--confidence-of-predicted"))
    with pytest.raises(ClfdiagError, match=r"0\.5 or more"):  # batches of about 100 rows
        clfdiag.evaluate_file(str(confident), streaming=True, batch_bytes=4096)
    # A probability named so, whose first rows are all at or above 0.5: read, not refused.
    first_high = np.argsort(-p, kind="stable")
    probability = tmp_path / "probability.csv"
    pd.DataFrame({"label": y[first_high], "confidence": p[first_high]}).to_csv(
        probability, index=False)
    rep = clfdiag.evaluate_file(str(probability), streaming=True, batch_bytes=4096)
    assert rep["mode"] == "streaming"
    assert rep["metrics"]["log_loss"] == pytest.approx(skm.log_loss(y, p), rel=1e-9)
