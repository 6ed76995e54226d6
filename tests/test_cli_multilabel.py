"""Multi-label files through the CLI: evaluate, compare and epochs, against scikit-learn.

The three shapes are read without flags and give ``task: "multilabel"``; every
metric of the JSON report is scikit-learn's on the same matrices; the formats,
the gates, the thresholds, ``--zero-division`` and every refusal (exit 2, a
message naming the file, column or flag) are driven through the command line.
"""

import json
import os
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm
from typer.testing import CliRunner

from clfdiag.cli.app import app
from tests.conftest import DATA, SAMPLES

SHAPES = os.path.join(DATA, "multilabel")
INDICATORS, DELIMITED, LISTS, AMBIGUOUS = (
    os.path.join(SHAPES, f"{n}.csv")
    for n in ("indicators", "delimited", "lists", "ambiguous_suffixes"))
SAMPLE = os.path.join(SAMPLES, "multilabel.csv")
# Sums over at most a few thousand cells in a different order than scikit-learn's:
# agreement to 1e-12 leaves room for the rounding of float64 sums of that size.
TOLERANCE = 1e-12


def invoke(*args):
    return CliRunner().invoke(app, list(map(str, args)))


def run_json(*args):
    result = invoke(*args, "-f", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def sample_matrices(path=SAMPLE):
    frame = pd.read_csv(path)
    labels = [c[2:] for c in frame.columns if c.startswith("p_")]
    y = frame[[f"y_{k}" for k in labels]].to_numpy()
    proba = frame[[f"p_{k}" for k in labels]].to_numpy()
    return labels, y, proba


def sklearn_metrics(y, proba, thresholds, zero_division=0):
    """Every key of ``metrics``, as scikit-learn computes it (None where it gives nan)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scikit-learn warns on each undefined value
        return _sklearn_metrics(y, proba, thresholds, zero_division)


def _sklearn_metrics(y, proba, thresholds, zero_division):
    predicted = (proba >= np.asarray(thresholds)).astype(int)
    out = {"hamming_loss": skm.hamming_loss(y, predicted),
           "subset_accuracy": skm.accuracy_score(y, predicted),
           "label_accuracy": 1 - skm.hamming_loss(y, predicted)}
    for name, fn in (("precision", skm.precision_score), ("recall", skm.recall_score),
                     ("f1", skm.f1_score), ("jaccard", skm.jaccard_score)):
        for average in ("micro", "macro", "weighted", "samples"):
            out[f"{name}_{average}"] = fn(y, predicted, average=average,
                                          zero_division=zero_division)
    for average in ("micro", "macro", "weighted", "samples"):
        try:
            out[f"roc_auc_{average}"] = skm.roc_auc_score(y, proba, average=average)
        except ValueError:
            out[f"roc_auc_{average}"] = None
        out[f"average_precision_{average}"] = skm.average_precision_score(
            y, proba, average=average)
    out["label_ranking_average_precision"] = skm.label_ranking_average_precision_score(
        y, proba)
    out["coverage_error"] = skm.coverage_error(y, proba)
    out["label_ranking_loss"] = skm.label_ranking_loss(y, proba)
    out["ndcg"] = skm.ndcg_score(y, proba)
    eps = np.finfo(np.float64).eps
    clipped = np.clip(proba, eps, 1 - eps)
    out["log_loss"] = float(-np.mean(y * np.log(clipped) + (1 - y) * np.log(1 - clipped)))
    out["brier"] = float(np.mean((proba - y) ** 2))
    return {k: None if v is None or np.isnan(v) else float(v) for k, v in out.items()}


def assert_metrics_equal(found, expected):
    assert set(found) == set(expected)
    for key, value in expected.items():
        if value is None:
            assert found[key] is None, key
        else:
            assert found[key] == pytest.approx(value, abs=TOLERANCE), key


# --- reading the three shapes without flags ---------------------------------------------------

@pytest.mark.parametrize(("path", "labels"), [
    (INDICATORS, ["0", "1", "2", "3"]),
    (DELIMITED, ["toxic", "obscene", "insult", "threat"]),
    (LISTS, ["Atelectasis", "Cardiomegaly", "Edema", "Pleural Effusion"]),
])
def test_each_shape_is_read_without_flags_as_multilabel(path, labels):
    report = run_json("evaluate", path)
    assert report["task"] == "multilabel"
    assert report["labels"] == labels
    assert [e["label"] for e in report["per_label"]] == labels
    assert report["threshold"] == 0.5
    assert report["zero_division"] == 0


def test_the_shapes_give_scikit_learns_numbers():
    frame = pd.read_csv(INDICATORS)
    y = frame[[f"y_{k}" for k in range(4)]].to_numpy()
    proba = frame[[f"p_{k}" for k in range(4)]].to_numpy()
    assert_metrics_equal(run_json("evaluate", INDICATORS)["metrics"],
                         sklearn_metrics(y, proba, 0.5))
    lists = pd.read_csv(LISTS)
    y = np.array([json.loads(v) for v in lists["labels"]])
    proba = lists.iloc[:, 3:].to_numpy()
    assert_metrics_equal(run_json("evaluate", LISTS)["metrics"], sklearn_metrics(y, proba, 0.5))
    delimited = pd.read_csv(DELIMITED, keep_default_na=False)
    names = ["toxic", "obscene", "insult", "threat"]
    y = np.array([[int(k in cell.split("|")) for k in names] for cell in delimited["labels"]])
    proba = delimited[[f"p_{k}" for k in names]].to_numpy()
    assert_metrics_equal(run_json("evaluate", DELIMITED)["metrics"],
                         sklearn_metrics(y, proba, 0.5))


@pytest.mark.parametrize("zero_division", [0, 1])
def test_sample_metrics_and_per_label_equal_scikit_learn(zero_division):
    labels, y, proba = sample_matrices()
    report = run_json("evaluate", SAMPLE, "--threshold", "0.4", "--zero-division",
                      zero_division)
    assert report["threshold"] == 0.4
    assert report["zero_division"] == zero_division
    assert_metrics_equal(report["metrics"], sklearn_metrics(y, proba, 0.4, zero_division))
    predicted = (proba >= 0.4).astype(int)
    for j, entry in enumerate(report["per_label"]):
        assert entry["label"] == labels[j]
        assert entry["support"] == int(y[:, j].sum())
        assert entry["prevalence"] == pytest.approx(y[:, j].mean(), abs=TOLERANCE)
        assert entry["f1"] == pytest.approx(skm.f1_score(
            y[:, j], predicted[:, j], zero_division=zero_division), abs=TOLERANCE)
        assert entry["roc_auc"] == pytest.approx(skm.roc_auc_score(y[:, j], proba[:, j]),
                                                 abs=TOLERANCE)
        assert entry["log_loss"] == pytest.approx(skm.log_loss(y[:, j], proba[:, j]),
                                                  abs=1e-9)
    c = report["cardinality"]
    assert c["mean_true"] == pytest.approx(y.sum(axis=1).mean())
    assert c["mean_predicted"] == pytest.approx(predicted.sum(axis=1).mean())
    assert c["rows_without_true_label"] == int((y.sum(axis=1) == 0).sum())
    assert c["rows_without_predicted_label"] == int((predicted.sum(axis=1) == 0).sum())


def test_a_label_never_predicted_follows_zero_division(tmp_path):
    """At a threshold no probability reaches, precision is 0/0 for every label."""
    _labels, y, proba = sample_matrices()
    for zd in (0, 1):
        report = run_json("evaluate", SAMPLE, "--threshold", "1", "--zero-division", zd)
        expected = sklearn_metrics(y, proba, 1.0, zd)
        assert report["metrics"]["precision_macro"] == pytest.approx(
            expected["precision_macro"])
        assert report["metrics"]["precision_macro"] == zd


@pytest.mark.parametrize("form", ["json_object", "json_list", "csv"])
def test_per_label_thresholds_from_a_file(tmp_path, form):
    labels, y, proba = sample_matrices()
    cuts = [0.3, 0.45, 0.5, 0.6, 0.7]
    path = tmp_path / ("t.json" if form.startswith("json") else "t.csv")
    if form == "json_object":
        path.write_text(json.dumps(dict(zip(reversed(labels), reversed(cuts), strict=True))))
    elif form == "json_list":
        path.write_text(json.dumps(cuts))
    else:
        path.write_text("label,threshold\n" + "".join(
            f"{k},{c}\n" for k, c in zip(labels, cuts, strict=True)))
    report = run_json("evaluate", SAMPLE, "--thresholds", path)
    assert report["threshold"] == dict(zip(labels, cuts, strict=True))
    assert_metrics_equal(report["metrics"], sklearn_metrics(y, proba, cuts))


def test_logits_apply_a_sigmoid_per_label(tmp_path):
    labels, y, proba = sample_matrices()
    frame = pd.read_csv(SAMPLE)
    inner = np.clip(proba, 1e-6, 1 - 1e-6)
    for j, k in enumerate(labels):
        frame[f"p_{k}"] = np.log(inner[:, j] / (1 - inner[:, j]))
    path = tmp_path / "logits.csv"
    frame.to_csv(path, index=False, float_format="%.17g")
    report = run_json("evaluate", path, "--logits")
    # The sigmoid of the logit gives back the probability to within a few ulps.
    expected = sklearn_metrics(y, inner, 0.5)
    for key in ("log_loss", "brier", "roc_auc_macro", "f1_micro"):
        assert report["metrics"][key] == pytest.approx(expected[key], abs=1e-9), key


# --- explicit flags ---------------------------------------------------------------------------

def test_label_cols_prefix_and_label_list_with_a_separator(tmp_path):
    frame = pd.read_csv(SAMPLE)
    labels = [c[2:] for c in frame.columns if c.startswith("p_")]
    renamed = frame.rename(columns={f"y_{k}": f"true_{k}" for k in labels})
    path = tmp_path / "renamed.csv"
    renamed.to_csv(path, index=False)
    by_flag = run_json("evaluate", path, "--label-cols", "true_",
                       *[a for k in labels for a in ("--prob-col", f"p_{k}")])
    assert by_flag["task"] == "multilabel"
    reference = run_json("evaluate", SAMPLE)
    assert by_flag["metrics"] == reference["metrics"]
    listed = frame[["id"]].copy()
    listed["tags"] = [";".join(k for k in labels if row[f"y_{k}"]) for _, row in
                      frame.iterrows()]
    for k in labels:
        listed[f"p_{k}"] = frame[f"p_{k}"]
    path = tmp_path / "listed.csv"
    listed.to_csv(path, index=False)
    by_list = run_json("evaluate", path, "--label-list", "tags", "--list-sep", ";")
    assert by_list["metrics"] == reference["metrics"]


# --- formats ----------------------------------------------------------------------------------

def test_table_shows_headline_worst_f1_first_and_cardinality():
    result = invoke("evaluate", SAMPLE)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "subset accuracy" in out
    assert "Hamming loss" in out
    assert "mean BCE" in out
    report = run_json("evaluate", SAMPLE)
    order = sorted(report["per_label"], key=lambda e: e["f1"])
    table = out[out.index("Per label"):]
    positions = [table.index(f" {e['label']} ") for e in order]
    assert positions == sorted(positions)
    assert "labels per row" in out


def test_undefined_labels_come_last(tmp_path):
    frame = pd.read_csv(SAMPLE)
    frame["y_sports"] = 0  # never present: its ROC AUC and average precision are undefined
    path = tmp_path / "never.csv"
    frame.to_csv(path, index=False)
    report = run_json("evaluate", path)
    sports = next(e for e in report["per_label"] if e["label"] == "sports")
    assert sports["roc_auc"] is None
    assert "roc_auc" in sports["undefined"]
    result = invoke("evaluate", path, "-f", "markdown")
    assert result.exit_code == 0, result.output
    rows = [line for line in result.stdout.splitlines() if line.startswith("| ")]
    per_label = rows[1:1 + len(report["labels"]) + 1]
    assert per_label[-1].startswith("| sports |")


@pytest.mark.parametrize("fmt", ["csv", "markdown", "html"])
def test_other_formats(fmt):
    result = invoke("evaluate", SAMPLE, "-f", fmt)
    assert result.exit_code == 0, result.output
    if fmt == "csv":
        lines = result.stdout.splitlines()
        assert lines[0] == "metric,value,note"
        assert any(line.startswith("f1[sports],") for line in lines)
    else:
        assert "sports" in result.stdout


def test_plot_writes_small_multiples(tmp_path):
    pytest.importorskip("matplotlib")
    result = invoke("evaluate", SAMPLE, "--plot", tmp_path)
    assert result.exit_code == 0, result.output
    for stem in ("per_label_roc", "per_label_pr", "per_label_reliability"):
        assert (tmp_path / f"{stem}.png").exists(), stem


# --- gates ------------------------------------------------------------------------------------

def test_gates_on_any_metric():
    f1 = run_json("evaluate", SAMPLE)["metrics"]["f1_micro"]
    failed = invoke("evaluate", SAMPLE, "--fail-under", f"f1_micro={f1 + 0.01}", "-f", "json")
    assert failed.exit_code == 1, failed.output
    assert json.loads(failed.stdout)["gates"][0]["passed"] is False
    passed = invoke("evaluate", SAMPLE, "--fail-over", "hamming_loss=0.5")
    assert passed.exit_code == 0, passed.output
    undefined = invoke("evaluate", SAMPLE, "--fail-under", "roc_auc_samples=0.5")
    assert undefined.exit_code == 2
    assert "undefined" in undefined.output


# --- refusals ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("args", "words"), [
    (["evaluate", AMBIGUOUS], ["no probability column for 'y_c'", "--label-cols"]),
    (["evaluate", SAMPLE, "--streaming"], ["--streaming", "in memory"]),
    (["evaluate", SAMPLE, "--multilabel", "--streaming"], ["--streaming"]),
    (["evaluate", SAMPLE, "--threshold", "youden"], ["--threshold youden", "--thresholds"]),
    (["evaluate", SAMPLE, "--threshold", "0.5", "--thresholds", "cuts.json"],
     ["--threshold and --thresholds"]),
    (["evaluate", SAMPLE, "--zero-division", "2"], ["--zero-division 2"]),
    (["evaluate", SAMPLE, "--by", "id"], ["--by"]),
    (["evaluate", SAMPLE, "--multilabel", "--label-col", "id"], ["--label-col"]),
    (["evaluate", SAMPLE, "--label-cols", "nope_"], ["--label-cols 'nope_'"]),
    (["evaluate", SAMPLE, "--label-list", "missing"], ["--label-list 'missing'"]),
    (["evaluate", INDICATORS, "--label-cols", "y_0"], ["--label-cols names one column"]),
    (["evaluate", os.path.join(SAMPLES, "binary.csv"), "--zero-division", "1"],
     ["--zero-division", "multi-label"]),
    (["evaluate", os.path.join(SAMPLES, "binary.csv"), "--list-sep", ";"], ["--list-sep"]),
    (["threshold", SAMPLE], ["multi-label", "evaluate, compare and epochs"]),
    (["compare", SAMPLE, os.path.join(SAMPLES, "binary.csv")], ["single-label"]),
    (["compare", os.path.join(SAMPLES, "binary.csv"), os.path.join(SAMPLES, "binary.csv"),
      "--metric", "f1_micro"], ["--metric"]),
])
def test_refusals_exit_2_naming_the_flag_or_column(args, words, tmp_path):
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    for word in words:
        assert word in result.output, (word, result.output)


def test_thresholds_file_errors(tmp_path):
    unknown = tmp_path / "unknown.json"
    unknown.write_text(json.dumps({"sports": 0.5, "cooking": 0.5}))
    result = invoke("evaluate", SAMPLE, "--thresholds", unknown)
    assert result.exit_code == 2
    assert "no threshold for 'politics'" in result.output
    assert "'cooking'" in result.output
    out_of_range = tmp_path / "bad.csv"
    out_of_range.write_text("label,threshold\nsports,1.5\n")
    result = invoke("evaluate", SAMPLE, "--thresholds", out_of_range)
    assert result.exit_code == 2
    assert "1.5" in result.output


def test_bad_cells_name_the_column_and_rows(tmp_path):
    frame = pd.read_csv(SAMPLE)
    frame.loc[3, "y_health"] = 2
    path = tmp_path / "bad.csv"
    frame.to_csv(path, index=False)
    result = invoke("evaluate", path, "--multilabel", "--label-cols", "y_")
    assert result.exit_code == 2
    assert "'y_health'" in result.output
    assert "rows 4" in result.output


# --- compare and epochs -----------------------------------------------------------------------

@pytest.fixture
def noisier(tmp_path):
    rng = np.random.default_rng(7)
    frame = pd.read_csv(SAMPLE)
    columns = [c for c in frame.columns if c.startswith("p_")]
    paths = []
    for step in (1, 2):
        other = frame.copy()
        other[columns] = np.clip(frame[columns] + rng.normal(0, 0.08 * step,
                                                             (len(frame), len(columns))), 0, 1)
        other = other.sample(frac=1.0, random_state=step)  # paired by id, not by position
        path = tmp_path / f"epoch_{step}.csv"
        other.to_csv(path, index=False)
        paths.append(path)
    return paths


def test_compare_multilabel(noisier):
    from scipy import stats

    report = run_json("compare", SAMPLE, noisier[0])
    assert report["task"] == "multilabel"
    labels, y, proba_a = sample_matrices()
    b = pd.read_csv(noisier[0]).set_index("id").loc[pd.read_csv(SAMPLE)["id"]]
    proba_b = b[[f"p_{k}" for k in labels]].to_numpy()
    assert_metrics_equal(report["a"], sklearn_metrics(y, proba_a, 0.5))
    assert_metrics_equal(report["b"], sklearn_metrics(y, proba_b, 0.5))
    assert report["delta"]["f1_micro"] == pytest.approx(
        report["b"]["f1_micro"] - report["a"]["f1_micro"])
    eps = np.finfo(np.float64).eps

    def bce(p):
        p = np.clip(p, eps, 1 - eps)
        return -(y * np.log(p) + (1 - y) * np.log(1 - p)).mean(axis=1)

    diff = bce(proba_b) - bce(proba_a)
    test = report["tests"]["log_loss"]
    assert test["mean_diff"] == pytest.approx(diff.mean(), abs=1e-12)
    assert test["p_value"] == pytest.approx(stats.ttest_1samp(diff, 0).pvalue, rel=1e-6)
    hamming = (((proba_b >= 0.5) != y).mean(axis=1) - ((proba_a >= 0.5) != y).mean(axis=1))
    assert report["tests"]["hamming_loss"]["mean_diff"] == pytest.approx(hamming.mean())
    assert [e["label"] for e in report["per_label"]] == labels
    assert report["loss_up_accuracy_up_metrics"] == {"loss": "log_loss",
                                                     "accuracy": "subset_accuracy"}
    result = invoke("compare", SAMPLE, noisier[0])
    assert result.exit_code == 0
    assert "Paired tests" in result.stdout


def test_compare_metric_choice_and_fail_on(noisier):
    report = run_json("compare", noisier[1], SAMPLE, "--metric", "label_accuracy")
    assert report["loss_up_accuracy_up_metrics"]["accuracy"] == "label_accuracy"
    flagged = invoke("compare", SAMPLE, noisier[1], "--fail-on", "regression")
    assert flagged.exit_code == 1, flagged.output


def test_epochs_multilabel(noisier):
    report = run_json("epochs", SAMPLE, *noisier, "--keep-order", "--metric", "f1_micro")
    assert report["task"] == "multilabel"
    assert report["accuracy_metric"] == "f1_micro"
    _labels, y, proba = sample_matrices()
    first = report["epochs"][0]
    expected = sklearn_metrics(y, proba, 0.5)
    assert first["accuracy"] == pytest.approx(expected["f1_micro"])
    assert first["log_loss"] == pytest.approx(expected["log_loss"])
    assert report["best"]["by_loss"] == report["epochs"][0]["epoch"]
    result = invoke("epochs", SAMPLE, *noisier, "--keep-order")
    assert result.exit_code == 0, result.output
