"""Files as training code dumps them, read right or refused: predicted classes spelled
otherwise than the labels, headerless class columns, and labels joined from another file.

Each test computes the numbers scikit-learn gives for the reading the file means.
"""

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

from tests.io.test_shapes import report, run


def binary_dump(seed=0, n=60):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    p = np.round(np.clip(rng.normal(0.3 + 0.4 * y, 0.2), 0.01, 0.99), 6)
    return y, p


# --- predicted classes spelled otherwise than the labels --------------------------------------

@pytest.mark.parametrize(("labels", "predicted"), [
    (lambda y: y, lambda h: h.astype(bool)),  # pandas writes ``proba > 0.5`` as True/False
    (lambda y: y.astype(bool), lambda h: h),
    (lambda y: np.where(y == 1, "yes", "no"), lambda h: np.where(h == 1, "Yes", "No")),
])
def test_predicted_classes_are_the_labels_they_spell(tmp_path, labels, predicted):
    y, p = binary_dump()
    hard = (p >= 0.5).astype(int)
    path = tmp_path / "hard.csv"
    pd.DataFrame({"label": labels(y), "pred": predicted(hard)}).to_csv(path, index=False)
    for flags in ((), ("--pred-col", "pred")):
        rep = report(path, *flags)
        assert rep["task"] == "binary", rep["classes"]
        assert rep["metrics"]["accuracy"] == pytest.approx(skm.accuracy_score(y, hard))


def test_a_confidence_beside_boolean_predictions_is_converted(tmp_path):
    y, p = binary_dump(1)
    path = tmp_path / "confidence.csv"
    pd.DataFrame({"label": y, "pred": p >= 0.5, "conf": np.maximum(p, 1 - p)}).to_csv(
        path, index=False)
    rep = report(path)
    assert rep["metrics"]["log_loss"] == pytest.approx(skm.log_loss(y, p), rel=1e-9)
    assert rep["metrics"]["roc_auc"] == pytest.approx(skm.roc_auc_score(y, p))


# --- --no-header: columns named by position name no class -------------------------------------

def headerless_multiclass(tmp_path, seed=2, n=60):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    p = rng.dirichlet([1, 1, 1], n)
    p[np.arange(n), y] += 0.5
    p = np.round(p / p.sum(axis=1, keepdims=True), 6)
    p[:, 2] = np.round(1 - p[:, 0] - p[:, 1], 6)
    path = tmp_path / "proba.csv"
    np.savetxt(path, np.column_stack([y, p]), delimiter=",", fmt="%.6g")
    return path, y, p


@pytest.mark.parametrize("flags", [
    ("--label-col", "0"),
    ("--label-col", "0", "--prob-col", "1", "--prob-col", "2", "--prob-col", "3"),
    ("--label-col", "0", "--prob-col", "1", "--prob-col", "2", "--prob-col", "3",
     "--drop-invalid"),
])
def test_headerless_class_columns_are_class_indices_not_their_positions(tmp_path, flags):
    # ``np.savetxt(np.column_stack([y, predict_proba(X)]))``: column 1 is class 0.
    path, y, p = headerless_multiclass(tmp_path)
    rep = report(path, "--no-header", *flags)
    assert rep["classes"] == ["0", "1", "2"]
    assert rep["input"]["used"] == len(y)
    assert rep["metrics"]["log_loss"] == pytest.approx(skm.log_loss(y, p), rel=1e-9)
    assert rep["metrics"]["accuracy"] == pytest.approx(skm.accuracy_score(y, p.argmax(1)))


def test_headerless_two_class_columns_are_classes_zero_and_one(tmp_path):
    y, p = binary_dump(3)
    path = tmp_path / "binary.csv"
    np.savetxt(path, np.column_stack([y, 1 - p, p]), delimiter=",", fmt="%.6g")
    for flags in ((), ("--prob-col", "1", "--prob-col", "2")):
        rep = report(path, "--no-header", "--label-col", "0", *flags)
        assert rep["positive_class"] == "1"
        assert rep["metrics"]["roc_auc"] == pytest.approx(skm.roc_auc_score(y, p))


# --- --labels: a column both files hold is the id ---------------------------------------------

def shuffled_submission(tmp_path, key, score="prob", seed=4):
    y, p = binary_dump(seed)
    rng = np.random.default_rng(seed)
    ids = np.arange(892, 892 + len(y))
    order = rng.permutation(len(y))
    gender = rng.choice(["f", "m"], len(y))
    pd.DataFrame({key: ids[order], score: p[order]}).to_csv(tmp_path / "pred.csv", index=False)
    pd.DataFrame({key: ids, "Survived": y, "gender": gender}).to_csv(
        tmp_path / "truth.csv", index=False)
    return y, p, gender


@pytest.mark.parametrize(("key", "score"), [("PassengerId", "Survived"),
                                            ("customer_id", "prob")])
def test_a_labels_file_is_joined_by_the_key_both_files_hold(tmp_path, key, score):
    # Titanic's submission and truth both hold PassengerId, which no id's name matches:
    # joined by row position, every prediction would meet another passenger's label.
    y, p, _ = shuffled_submission(tmp_path, key, score)
    rep = report(tmp_path / "pred.csv", "--labels", tmp_path / "truth.csv",
                 "--label-col", "Survived")
    assert rep["input"]["labels_joined_by"] == "id"
    assert rep["input"]["id_column"] == key
    assert any(key in note for note in rep["notes"]), rep["notes"]
    assert rep["metrics"]["log_loss"] == pytest.approx(skm.log_loss(y, p), rel=1e-9)
    assert rep["metrics"]["roc_auc"] == pytest.approx(skm.roc_auc_score(y, p))


def test_groups_from_the_labels_file_follow_the_key_both_files_hold(tmp_path):
    y, p, gender = shuffled_submission(tmp_path, "customer_id")
    rep = report(tmp_path / "pred.csv", "--labels", tmp_path / "truth.csv",
                 "--label-col", "Survived", "--by", "gender")
    for group in rep["slices"]:
        rows = gender == group["group"]
        assert group["n"] == int(rows.sum())
        assert group["metrics"]["log_loss"] == pytest.approx(
            skm.log_loss(y[rows], p[rows]), rel=1e-9)


def test_two_columns_both_files_hold_as_keys_are_refused(tmp_path):
    y, p = binary_dump(5)
    ids = np.arange(len(y))
    pd.DataFrame({"customer_id": ids, "order_no": ids + 7, "prob": p}).to_csv(
        tmp_path / "pred.csv", index=False)
    pd.DataFrame({"customer_id": ids, "order_no": ids + 7, "label": y}).to_csv(
        tmp_path / "truth.csv", index=False)
    err = run("evaluate", tmp_path / "pred.csv", "--labels", tmp_path / "truth.csv",
              code=2).stderr
    assert "--id-col" in err
    rep = report(tmp_path / "pred.csv", "--labels", tmp_path / "truth.csv",
                 "--id-col", "order_no")
    assert rep["metrics"]["log_loss"] == pytest.approx(skm.log_loss(y, p), rel=1e-9)


def test_a_column_both_files_hold_that_is_no_key_leaves_the_row_join(tmp_path):
    y, p = binary_dump(6)
    fold = np.arange(len(y)) % 5
    pd.DataFrame({"fold": fold, "prob": p}).to_csv(tmp_path / "pred.csv", index=False)
    pd.DataFrame({"fold": fold, "label": y}).to_csv(tmp_path / "truth.csv", index=False)
    rep = report(tmp_path / "pred.csv", "--labels", tmp_path / "truth.csv")
    assert rep["input"]["labels_joined_by"] == "row"
    assert rep["metrics"]["log_loss"] == pytest.approx(skm.log_loss(y, p), rel=1e-9)


@pytest.mark.parametrize("flags", [(), ("--pred-col", "pred")])
def test_predicted_classes_that_name_no_label_are_refused(tmp_path, flags):
    # Class indices 0/1 beside labels cat/dog: four classes, every row an error, were read.
    y, p = binary_dump(7)
    path = tmp_path / "indices.csv"
    pd.DataFrame({"label": np.where(y == 1, "dog", "cat"), "pred": (p >= 0.5).astype(int)}
                 ).to_csv(path, index=False)
    err = run("evaluate", path, *flags, code=2).stderr
    assert "none of which is a label" in err
    assert "--prob-col pred" in err  # 0 and 1 may be probabilities
    words = tmp_path / "words.csv"
    pd.DataFrame({"label": np.where(y == 1, "dog", "cat"),
                  "pred": np.where(p >= 0.5, "Hund", "Katze")}).to_csv(words, index=False)
    err = run("evaluate", words, "--pred-col", "pred", code=2).stderr
    assert "none of which is a label" in err
    assert "--prob-col" not in err  # text is no probability


def test_one_label_beside_one_other_predicted_class_is_read_with_the_classes_given(tmp_path):
    # Every example spam, every prediction ham: a slice of one class, not class indices.
    path = tmp_path / "slice.csv"
    path.write_text("label,pred\nspam,ham\nspam,ham\nspam,ham\n")
    assert "--classes" in run("evaluate", path, "--pred-col", "pred", code=2).stderr
    rep = report(path, "--pred-col", "pred", "--classes", "ham,spam", "--positive", "spam")
    assert rep["metrics"]["accuracy"] == 0.0
    assert rep["metrics"]["n"] == 3


# --- --labels: the predictions' own column under the label's name -----------------------------

def pipeline_output(tmp_path, predicted):
    # ``pd.DataFrame(pipe(texts))`` writes ``label,score``: the predicted class and its
    # confidence, never below 0.5; the truth comes with its own ``label`` column.
    y, p = binary_dump(8)
    hard = p >= 0.5
    pd.DataFrame({"label": predicted(hard), "score": np.maximum(p, 1 - p)}).to_csv(
        tmp_path / "pred.csv", index=False)
    pd.DataFrame({"text": ["t"] * len(y), "label": np.where(y == 1, "POSITIVE", "NEGATIVE")}
                 ).to_csv(tmp_path / "truth.csv", index=False)
    return y, p


def test_a_pipelines_label_and_score_beside_a_labels_file_are_a_confidence(tmp_path):
    y, p = pipeline_output(tmp_path, lambda h: np.where(h, "POSITIVE", "NEGATIVE"))
    rep = report(tmp_path / "pred.csv", "--labels", tmp_path / "truth.csv")
    assert rep["positive_class"] == "POSITIVE"
    assert "confidence" in {r["column"]: r["role"] for r in rep["input"]["column_roles"]
                            }["score"]
    assert rep["metrics"]["log_loss"] == pytest.approx(skm.log_loss(y, p), rel=1e-9)
    assert rep["metrics"]["roc_auc"] == pytest.approx(skm.roc_auc_score(y, p))


def test_a_pipelines_label_spelled_otherwise_is_refused_not_read_as_the_probability(tmp_path):
    pipeline_output(tmp_path, lambda h: np.where(h, "LABEL_1", "LABEL_0"))
    run("evaluate", tmp_path / "pred.csv", "--labels", tmp_path / "truth.csv", code=2)


def test_a_kaggle_label_column_of_probabilities_is_still_the_score(tmp_path):
    y, p = binary_dump(9)
    ids = np.arange(len(y))
    pd.DataFrame({"id": ids, "label": p}).to_csv(tmp_path / "pred.csv", index=False)
    pd.DataFrame({"id": ids, "label": y}).to_csv(tmp_path / "truth.csv", index=False)
    rep = report(tmp_path / "pred.csv", "--labels", tmp_path / "truth.csv")
    assert rep["metrics"]["log_loss"] == pytest.approx(skm.log_loss(y, p), rel=1e-9)


# --- 0-based labels beside 1-based class columns ----------------------------------------------

@pytest.mark.parametrize("drop", [(), ("--drop-invalid",)])
def test_zero_based_labels_beside_one_based_columns_are_refused(tmp_path, drop):
    # Matched by name, label 1 would meet the column of class 0 and label 0 none: dropping
    # its rows, as a hint once offered, read every other row against the wrong column.
    rng = np.random.default_rng(10)
    y = rng.integers(0, 3, 60)
    p = rng.dirichlet([1, 1, 1], 60)
    path = tmp_path / "shifted.csv"
    pd.DataFrame({"label": y, **{f"prob_{k + 1}": p[:, k] for k in range(3)}}).to_csv(
        path, index=False)
    err = run("evaluate", path, *drop, code=2).stderr
    assert "0-based" in err
    assert "--drop-invalid" not in err


# --- a log-probability is no logit -------------------------------------------------------------

@pytest.mark.parametrize("column", ["logp", "log_prob", "y_logprob"])
def test_logits_on_one_column_of_log_probabilities_are_refused(tmp_path, column):
    # sigmoid(log p) = p / (1 + p): the raw-scores hint once led here to wrong numbers.
    y, p = binary_dump(11)
    path = tmp_path / "logp.csv"
    pd.DataFrame({"label": y, column: np.log(p)}).to_csv(path, index=False)
    err = run("evaluate", path, "--logits", code=2).stderr
    assert "log-probability" in err
    rep = report(path, "--scores")
    assert rep["metrics"]["roc_auc"] == pytest.approx(skm.roc_auc_score(y, p))


def test_logits_on_class_columns_of_log_probabilities_are_their_softmax(tmp_path):
    rng = np.random.default_rng(12)
    y = rng.integers(0, 3, 60)
    p = rng.dirichlet([2, 2, 2], 60)
    path = tmp_path / "logp3.csv"
    pd.DataFrame({"label": y, **{f"logprob_{k}": np.log(p[:, k]) for k in range(3)}}).to_csv(
        path, index=False)
    rep = report(path, "--logits")
    assert rep["metrics"]["log_loss"] == pytest.approx(skm.log_loss(y, p), rel=1e-9)


@pytest.mark.parametrize("with_ids", [True, False])
def test_sample_weights_may_come_with_the_labels_file(tmp_path, with_ids):
    # A solution file of id,label,weight: the weights join with the labels, by id or by row.
    rng = np.random.default_rng(11)
    n = 120
    y = rng.integers(0, 2, n)
    p = np.clip(rng.beta(2, 2, n) * 0.6 + y * 0.3, 0.0, 1.0)
    w = rng.integers(0, 4, n).astype(float)
    order = rng.permutation(n) if with_ids else np.arange(n)
    preds = pd.DataFrame({"id": order, "prob": p[order]})
    (preds if with_ids else preds[["prob"]]).to_csv(tmp_path / "preds.csv", index=False)
    pd.DataFrame({"id": np.arange(n), "label": y, "weight": w}).to_csv(tmp_path / "truth.csv",
                                                                       index=False)
    rep = report(tmp_path / "preds.csv", "--labels", tmp_path / "truth.csv",
                 "--weight-col", "weight")
    assert rep["input"]["weight_column"] == "weight"
    m = rep["metrics"]
    assert m["log_loss"] == pytest.approx(skm.log_loss(y, p, sample_weight=w), rel=1e-12)
    assert m["roc_auc"] == pytest.approx(skm.roc_auc_score(y, p, sample_weight=w), rel=1e-12)
    assert m["accuracy"] == pytest.approx(skm.accuracy_score(y, p >= 0.5, sample_weight=w),
                                          rel=1e-12)


def test_a_headerless_file_of_text_labels_is_told_to_name_its_columns(tmp_path):
    path = tmp_path / "nh.csv"
    path.write_text("cat,0.2,0.8\ndog,0.7,0.3\ncat,0.4,0.6\n")
    err = run("evaluate", path, "--no-header", "--label-col", "0", code=2).stderr
    assert "without a header" in err
    assert "rename them" not in err


def test_headerless_one_hot_labels_beside_probabilities_are_read(tmp_path):
    # np.savetxt(np.c_[np.eye(K)[y], proba]): the first K columns are one-hot labels.
    rng = np.random.default_rng(12)
    y = rng.integers(0, 3, 90)
    p = rng.dirichlet([1.0, 1.0, 1.0], 90)
    path = tmp_path / "onehot.csv"
    np.savetxt(path, np.c_[np.eye(3)[y], p], delimiter=",")
    rep = report(path, "--no-header")
    assert rep["classes"] == ["0", "1", "2"]
    assert rep["metrics"]["log_loss"] == pytest.approx(skm.log_loss(y, p), rel=1e-12)
    assert rep["metrics"]["accuracy"] == skm.accuracy_score(y, p.argmax(axis=1))
    # One one-hot column named as the label says only whether a row is of its class.
    err = run("evaluate", path, "--no-header", "--label-col", "0", code=2).stderr
    assert "one-hot labels" in err


def test_a_quoted_column_name_over_a_line_break_is_named(tmp_path):
    path = tmp_path / "n.csv"
    path.write_text('label,"p_a\nb",p_c\n"a\nb",0.6,0.4\nc,0.3,0.7\n')
    err = run("evaluate", path, code=2).stderr
    assert "a quoted column name in the header holds a line break" in err
