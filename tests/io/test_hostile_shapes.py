"""More shapes people dump, through the CLI: the right numbers, or exit 2 naming what works.

Each fixture under tests/data/hostile/ is read here independently (pandas, the csv
module) and its metrics computed with scikit-learn or a plain loop; clfdiag's JSON must
agree, or its refusal must name a flag (or a conversion) after which it agrees.
"""

import json
import os

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm
from typer.testing import CliRunner

from clfdiag.cli.app import app
from tests.conftest import DATA, SAMPLES

HOSTILE = os.path.join(DATA, "hostile")
with open(os.path.join(HOSTILE, "truth.json")) as handle:
    HISTORY = json.load(handle)["histories"]


def run(*args, code=0):
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert "Traceback" not in result.stdout + result.stderr
    return result


def report(command, name, *flags):
    return json.loads(run(command, os.path.join(HOSTILE, name), *flags, "--format",
                          "json").stdout)


def check_binary(rep, y, p):
    """Log loss and Brier are means of n terms (a few ulps apart by summation order)."""
    m = rep["metrics"]
    assert m["accuracy"] == pytest.approx(skm.accuracy_score(y, p >= 0.5), rel=1e-12)
    assert m["log_loss"] == pytest.approx(skm.log_loss(y, p, labels=[0, 1]), rel=1e-9)
    assert m["brier"] == pytest.approx(skm.brier_score_loss(y, p), rel=1e-9)
    assert m["roc_auc"] == pytest.approx(skm.roc_auc_score(y, p), rel=1e-12)


# --- encodings ---------------------------------------------------------------------------

def test_a_utf16_export_with_its_byte_order_mark_is_read():
    frame = pd.read_csv(os.path.join(HOSTILE, "excel_utf16.csv"), encoding="utf-16")
    rep = report("evaluate", "excel_utf16.csv")
    check_binary(rep, frame["label"].to_numpy(), frame["prob"].to_numpy())


def test_latin1_names_the_line_and_byte_and_how_to_convert():
    err = run("evaluate", os.path.join(HOSTILE, "excel_latin1.csv"), code=2).stderr
    assert "line 2" in err
    assert "0xeb" in err  # the ë of Zoë
    assert "iconv -f cp1252 -t utf-8" in err


def test_latin1_converted_as_the_hint_says_gives_the_numbers(tmp_path):
    converted = tmp_path / "utf8.csv"
    with open(os.path.join(HOSTILE, "excel_latin1.csv"), encoding="cp1252") as f:
        converted.write_text(f.read(), encoding="utf-8")
    frame = pd.read_csv(converted, sep=";")
    rep = json.loads(run("evaluate", converted, "--format", "json").stdout)
    check_binary(rep, frame["label"].to_numpy(), frame["prob"].to_numpy())


def test_a_utf16_training_log_is_read():
    rep = report("history", "keras_log_utf16.csv")
    best, flagged = expected_scan(0)
    assert [e["loss"] for e in rep["epochs"]] == HISTORY["loss"]
    assert rep["best"]["by_loss"] == best
    assert rep["flagged"] == flagged


def test_a_latin1_training_log_names_the_line(tmp_path):
    log = tmp_path / "log.csv"
    log.write_bytes("epoch,val_loss,val_accuracy,note\n0,0.5,0.6,d\xe9but\n".encode("latin-1"))
    err = run("history", log, code=2).stderr
    assert "line 2" in err
    assert "iconv" in err


# --- long-format training logs -----------------------------------------------------------

def expected_scan(first, loss=None, metric=None):
    """The best evaluation by loss and the loss-up/metric-up flags, by a plain loop."""
    loss = HISTORY["loss"] if loss is None else loss
    metric = HISTORY["metric"] if metric is None else metric
    flagged = [first + i for i in range(1, len(loss))
               if loss[i] > loss[i - 1] and metric[i] > metric[i - 1]]
    return first + loss.index(min(loss)), flagged


def long_series(name, run=None):
    """Step -> value per metric key, read from the long file with pandas."""
    frame = pd.read_csv(os.path.join(HOSTILE, name))
    if run is not None:
        frame = frame[frame["run_id"] == run]
    wide = frame.pivot(index="step", columns="key", values="value").sort_index()
    return wide["val_loss"].tolist(), wide["val_accuracy"].tolist()


def test_an_mlflow_metric_history_in_long_format_is_pivoted_by_step():
    rep = report("history", "mlflow_metric_history.csv")
    loss, metric = long_series("mlflow_metric_history.csv")
    best, flagged = expected_scan(0, loss, metric)
    assert [e["loss"] for e in rep["epochs"]] == loss
    assert [e["accuracy"] for e in rep["epochs"]] == metric
    assert rep["best"]["by_loss"] == best
    assert rep["flagged"] == flagged
    assert any("long format" in n for n in rep["notes"])


def test_several_runs_in_long_format_are_folds_never_compared():
    rep = report("history", "mlflow_two_runs.csv")
    assert [f["fold"] for f in rep["folds"]] == ["3f2a", "9b1c"]
    for fold in rep["folds"]:
        loss, metric = long_series("mlflow_two_runs.csv", fold["fold"])
        best, flagged = expected_scan(0, loss, metric)
        assert [e["loss"] for e in fold["epochs"]] == loss
        assert fold["flagged"] == flagged
        assert fold["best"]["by_loss"] == best
    assert rep["best"]["by_loss"] is None


def test_long_format_with_the_loss_under_another_key_names_the_keys(tmp_path):
    log = tmp_path / "metrics.csv"
    log.write_text("key,value,step\nholdout_nll,0.5,0\nholdout_nll,0.4,1\nholdout_nll,0.45,2\n")
    err = run("history", log, code=2).stderr
    assert "--loss-col" in err
    assert "holdout_nll" in err
    rep = json.loads(run("history", log, "--loss-col", "holdout_nll", "--format",
                         "json").stdout)
    assert [e["loss"] for e in rep["epochs"]] == [0.5, 0.4, 0.45]
    assert rep["best"]["by_loss"] == 1


# --- one truth column per class ----------------------------------------------------------

MULTILABEL = ["toxic", "insult", "threat"]


def test_multilabel_columns_under_other_prefixes_name_the_multilabel_mode():
    err = run("evaluate", os.path.join(HOSTILE, "multilabel_label_pred.csv"), code=2).stderr
    assert "multi-label" in err
    assert "--label-cols label_" in err
    assert "found no label column" not in err


@pytest.mark.parametrize("flags", [
    ["--label-cols", "label_"],
    [f for c in MULTILABEL for f in ("--label-cols", f"label_{c}")],
    ["--label-cols", "label_", *(f for c in MULTILABEL for f in ("--prob-col", f"pred_{c}"))],
])
def test_following_the_multilabel_hint_gives_scikit_learns_numbers(flags):
    frame = pd.read_csv(os.path.join(HOSTILE, "multilabel_label_pred.csv"))
    truth = frame[[f"label_{c}" for c in MULTILABEL]].to_numpy()
    proba = frame[[f"pred_{c}" for c in MULTILABEL]].to_numpy()
    rep = report("evaluate", "multilabel_label_pred.csv", *flags)
    predicted = proba >= 0.5
    m = rep["metrics"]
    # Counts of cells and rows: ratios of integers, equal to the last bit or nearly.
    assert m["hamming_loss"] == pytest.approx(skm.hamming_loss(truth, predicted), rel=1e-12)
    assert m["subset_accuracy"] == pytest.approx(skm.accuracy_score(truth, predicted),
                                                 rel=1e-12)
    for average in ("micro", "macro"):
        assert m[f"f1_{average}"] == pytest.approx(
            skm.f1_score(truth, predicted, average=average, zero_division=0), rel=1e-12)
    per_label = {row["label"]: row for row in rep["per_label"]}
    assert list(per_label) == MULTILABEL
    for j, label in enumerate(MULTILABEL):
        assert per_label[label]["support"] == int(truth[:, j].sum())


@pytest.mark.parametrize(("name", "classes"), [
    ("onehot_labels.csv", ["0", "1", "2"]),
    ("onehot_named_classes.csv", ["cat", "dog", "fox"]),
])
def test_one_hot_labels_beside_probabilities_that_sum_to_one_are_one_label_per_row(
        name, classes):
    frame = pd.read_csv(os.path.join(HOSTILE, name))
    truth_columns = [c for c in frame.columns if c.startswith(("y_", "label_"))]
    score_columns = [c for c in frame.columns if c.startswith(("p_", "prob_"))]
    y = frame[truth_columns].to_numpy().argmax(axis=1)
    proba = frame[score_columns].to_numpy()
    rep = report("evaluate", name)
    m = rep["metrics"]
    # Means of n terms (log loss, Brier): a few ulps apart by summation order.
    assert m["log_loss"] == pytest.approx(skm.log_loss(y, proba, labels=[0, 1, 2]), rel=1e-9)
    assert m["accuracy"] == pytest.approx(skm.accuracy_score(y, proba.argmax(axis=1)),
                                          rel=1e-12)
    assert m["macro_f1"] == pytest.approx(
        skm.f1_score(y, proba.argmax(axis=1), average="macro"), rel=1e-12)
    assert m["roc_auc"] == pytest.approx(skm.roc_auc_score(y, proba, multi_class="ovr"),
                                         rel=1e-12)
    roles = {r["column"]: r["role"] for r in rep["input"]["column_roles"]}
    for column in truth_columns:
        assert "one-hot" in roles[column]
    assert rep["per_class"][0]["class"] in classes
    assert "multi-label" not in json.dumps(rep)


def test_one_hot_labels_never_lead_to_the_multilabel_mode_when_streamed():
    err = run("evaluate", os.path.join(HOSTILE, "onehot_labels.csv"), "--streaming",
              code=2).stderr
    assert "one-hot labels" in err
    assert "--in-memory" in err
    assert "--label-cols" not in err


def test_a_one_hot_row_with_two_ones_is_named(tmp_path):
    path = tmp_path / "p.csv"
    # The first rows alone are one-hot: the whole file then names the row that is not.
    text = "y_a,y_b,p_a,p_b\n" + "1,0,0.8,0.2\n0,1,0.3,0.7\n" * 3000 + "1,1,0.6,0.4\n"
    path.write_text(text)
    err = run("evaluate", path, code=2).stderr
    assert "row(s) 6001" in err


# --- compare: two files of different shapes ----------------------------------------------

def compare(b, *flags):
    return json.loads(run("compare", os.path.join(HOSTILE, "compare_a.csv"),
                          os.path.join(HOSTILE, b), *flags, "--format", "json").stdout)


def paired(b):
    """Labels and both files' P(positive), joined by id with pandas."""
    a = pd.read_csv(os.path.join(HOSTILE, "compare_a.csv"))
    other = pd.read_csv(os.path.join(HOSTILE, b))
    joined = a.merge(other, on="id", suffixes=("_a", "_b"))
    assert (joined["label_a"] == joined["label_b"]).all()
    return joined["label_a"].to_numpy(), joined["prob_a"].to_numpy(), joined["prob_b"].to_numpy()


@pytest.mark.parametrize("b", ["compare_b_shuffled.csv", "compare_b_index.csv"])
def test_compare_joins_by_id_whatever_the_row_order_or_index_column(b):
    y, pa, pb = paired(b)
    rep = compare(b)
    assert rep["pairing"]["n"] == len(y)
    for side, p in (("a", pa), ("b", pb)):
        # Means of n terms: a few ulps apart by summation order; AUC is a ratio of counts.
        assert rep[side]["log_loss"] == pytest.approx(skm.log_loss(y, p), rel=1e-9)
        assert rep[side]["roc_auc"] == pytest.approx(skm.roc_auc_score(y, p), rel=1e-12)


def test_percent_never_divides_a_file_of_probabilities():
    """--percent applies to both files of compare: A's probabilities must not be divided."""
    err = run("compare", os.path.join(HOSTILE, "compare_a.csv"),
              os.path.join(HOSTILE, "compare_b_percent.csv"), "--percent", code=2).stderr
    assert "compare_a.csv" in err
    assert "probabilities already" in err
    frame = pd.read_csv(os.path.join(HOSTILE, "compare_b_percent.csv"))
    rep = report("evaluate", "compare_b_percent.csv", "--percent")
    assert rep["metrics"]["log_loss"] == pytest.approx(
        skm.log_loss(frame["label"], frame["prob"] / 100), rel=1e-9)


def test_a_command_without_the_multilabel_mode_names_the_commands_that_have_it():
    err = run("label-issues", os.path.join(HOSTILE, "multilabel_label_pred.csv"), code=2).stderr
    assert "evaluate, compare or epochs" in err
    assert "--label-cols label_" in err


def test_files_whose_class_columns_differ_only_in_prefix_pair_by_class(tmp_path):
    # The same classes' scores under p_<class> in one file and prob_<class> in the other
    # are the same model's predictions: conformal reads them as if named alike.
    cal, test = (os.path.join(SAMPLES, "conformal", f"{name}.csv") for name in ("cal", "test"))
    renamed = tmp_path / "test_renamed.csv"
    pd.read_csv(test).rename(columns=lambda c: "prob_" + c[2:] if c.startswith("p_") else c
                             ).to_csv(renamed, index=False)
    same = json.loads(run("conformal", cal, test, "--format", "json").stdout)
    other = json.loads(run("conformal", cal, renamed, "--format", "json").stdout)
    assert other["results"] == same["results"]


def test_labels_spelled_differently_are_refused_without_a_flag_that_cannot_help(tmp_path):
    frame = pd.read_csv(os.path.join(HOSTILE, "compare_a.csv"))
    words = frame.assign(label=frame["label"].map({0: "no", 1: "yes"}))
    path = tmp_path / "words.csv"
    words.to_csv(path, index=False)
    result = run("compare", os.path.join(HOSTILE, "compare_a.csv"), path, code=2)
    # --positive applies to both files alike: it cannot make 0/1 and no/yes the same labels.
    assert "--positive" not in result.stderr
    assert "labels the same way" in result.stderr


def test_a_logit_column_that_names_no_class_is_never_read_as_a_class(tmp_path):
    # out_max shares the class columns' prefix but names no label: softmaxing it as a
    # fourth class would change every probability. The run asks which columns the
    # classes are, and with them gives scikit-learn's numbers.
    rng = np.random.default_rng(1)
    logits = rng.normal(-2, 2, (60, 3))
    y = logits.argmax(axis=1)
    frame = pd.DataFrame({"label": y, **{f"out_{k}": logits[:, k] for k in range(3)},
                          "out_max": logits.max(axis=1) - 5})
    path = tmp_path / "logits.csv"
    frame.to_csv(path, index=False)
    refused = run("evaluate", path, "--logits", code=2)
    assert "--prob-col once for each class" in refused.stderr
    rep = json.loads(run("evaluate", path, "--logits", "--prob-col", "out_0", "--prob-col",
                         "out_1", "--prob-col", "out_2", "--format", "json").stdout)
    proba = np.exp(logits - logits.max(axis=1, keepdims=True))
    proba /= proba.sum(axis=1, keepdims=True)
    # A mean of 60 terms: a few ulps.
    assert rep["metrics"]["log_loss"] == pytest.approx(skm.log_loss(y, proba), rel=1e-9)
