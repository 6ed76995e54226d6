"""`clfdiag label-issues` through the CLI: the JSON contract against cleanlab 2.9.0, every
format, --scores-out, the gate, the notes, the input errors; and `evaluate`'s count of the
overconfident errors confident learning flags."""

import csv
import json
import os
import warnings
from pathlib import Path

import cleanlab.filter
import numpy as np
import pytest
from cleanlab import count, dataset, rank
from typer.testing import CliRunner

from clfdiag.cli.app import app
from tests.conftest import DATA, SAMPLES
from tests.core.test_label_quality import SCORE_TOL, assert_same_up_to_ties, stable_ties

DIGITS = os.path.join(SAMPLES, "label_issues.csv")
PLANTED = os.path.join(SAMPLES, "label_issues_planted.csv")
BINARY = os.path.join(SAMPLES, "binary.csv")
KEYS = ["schema_version", "clfdiag_version", "command", "input", "n", "classes", "filter",
        "rank_by", "adjust_pred_probs", "confident_thresholds", "prior_true", "confident_joint",
        "noise_matrix", "inverse_noise_matrix", "num_label_issues", "label_health_score",
        "class_quality", "issue_count", "issues", "notes"]
ISSUE_KEYS = ["row", "index", "id", "given_label", "suggested_label", "quality", "p_given",
              "p_suggested"]
FILTERS = ["prune-by-noise-rate", "prune-by-class", "both", "confident-learning",
           "predicted-neq-given", "low-self-confidence", "low-normalized-margin"]


def invoke(*args):
    return CliRunner().invoke(app, ["label-issues", *map(str, args)])


def run_json(*args):
    result = invoke(*args, "-f", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def read_digits():
    with open(DIGITS, newline="") as f:
        rows = list(csv.DictReader(f))
    ids = [r["id"] for r in rows]
    y = np.array([int(r["label"]) for r in rows])
    proba = np.array([[float(r[f"p_{k}"]) for k in range(10)] for r in rows])
    return ids, y, proba


def read_binary():
    with open(BINARY, newline="") as f:
        rows = list(csv.DictReader(f))
    y = np.array([int(r["label"]) for r in rows])
    p = np.array([float(r["prob"]) for r in rows])
    return y, np.column_stack((1 - p, p))


def quietly(function, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # cleanlab warns about small classes
        return function(*args, **kwargs)


def ranked_by_cleanlab(y, proba, filter_by="prune_by_noise_rate", rank_by="self_confidence",
                       adjust=False):
    with stable_ties():
        return quietly(cleanlab.filter.find_label_issues, y, proba, filter_by=filter_by,
                       return_indices_ranked_by=rank_by, n_jobs=1,
                       rank_by_kwargs={"adjust_pred_probs": adjust})


# --------------------------------------------------------------------------- the JSON contract

def test_the_json_keys_in_their_order():
    report = run_json(DIGITS, "--top", "3")
    assert list(report) == KEYS
    assert report["command"] == "label-issues"
    assert report["classes"] == [str(k) for k in range(10)]
    assert (report["filter"], report["rank_by"], report["adjust_pred_probs"]) == (
        "prune-by-noise-rate", "self-confidence", False)
    assert list(report["confident_joint"]) == ["raw", "calibrated"]
    assert list(report["num_label_issues"]) == ["off_diagonal", "off_diagonal_calibrated"]
    assert [list(c) for c in report["class_quality"]] == [
        ["class", "label_issues", "label_noise", "label_quality"]] * 10
    assert [list(e) for e in report["issues"]] == [ISSUE_KEYS] * 3


def test_every_number_equals_cleanlabs_on_the_digits():
    ids, y, proba = read_digits()
    report = run_json(DIGITS, "--top", "10000")
    assert report["n"] == len(y)
    thresholds = count.get_confident_thresholds(y, proba)
    np.testing.assert_allclose([report["confident_thresholds"][str(k)] for k in range(10)],
                               thresholds, rtol=0, atol=SCORE_TOL)
    with stable_ties():
        calibrated = quietly(count.compute_confident_joint, y, proba)
        raw = quietly(count.compute_confident_joint, y, proba, calibrate=False)
    assert report["confident_joint"] == {"raw": raw.tolist(), "calibrated": calibrated.tolist()}
    prior, noise, inverse = count.estimate_latent(calibrated, y)
    # Divisions of small integers and one renormalisation: a few ulps.
    np.testing.assert_allclose(report["noise_matrix"], noise, rtol=0, atol=SCORE_TOL)
    np.testing.assert_allclose(report["inverse_noise_matrix"], inverse, rtol=0, atol=SCORE_TOL)
    np.testing.assert_allclose([report["prior_true"][str(k)] for k in range(10)], prior,
                               rtol=0, atol=SCORE_TOL)
    assert report["num_label_issues"] == {
        "off_diagonal": quietly(count.num_label_issues, y, proba),
        "off_diagonal_calibrated": quietly(count.num_label_issues, y, proba,
                                           estimation_method="off_diagonal_calibrated")}
    assert report["label_health_score"] == pytest.approx(
        quietly(dataset.overall_label_health_score, y, proba, verbose=False), abs=1e-15)
    by_class = quietly(dataset.rank_classes_by_label_quality, y, proba).set_index("Class Index")
    for entry in report["class_quality"]:
        theirs = by_class.loc[int(entry["class"])]
        assert entry["label_issues"] == theirs["Label Issues"]
        assert entry["label_quality"] == pytest.approx(theirs["Label Quality Score"],
                                                       abs=SCORE_TOL)
        assert entry["label_noise"] == pytest.approx(theirs["Label Noise"], abs=SCORE_TOL)
    theirs = ranked_by_cleanlab(y, proba)
    assert report["issue_count"] == len(theirs)
    assert [e["index"] for e in report["issues"]] == theirs.tolist()
    scores = rank.get_label_quality_scores(y, proba)
    for e in report["issues"]:
        i = e["index"]
        assert e["row"] == i + 1  # no row dropped
        assert e["id"] == ids[i]
        assert e["given_label"] == str(y[i])
        assert e["suggested_label"] == str(int(np.argmax(proba[i])))
        assert e["quality"] == pytest.approx(scores[i], abs=SCORE_TOL)
        assert e["p_given"] == proba[i, y[i]]
        assert e["p_suggested"] == proba[i].max()


@pytest.mark.parametrize("filter_by", FILTERS)
def test_each_filter_flags_what_cleanlab_flags(filter_by):
    _, y, proba = read_digits()
    report = run_json(DIGITS, "--filter", filter_by, "--top", "10000")
    assert report["filter"] == filter_by
    theirs = ranked_by_cleanlab(y, proba, filter_by.replace("-", "_"))
    assert [e["index"] for e in report["issues"]] == theirs.tolist()
    assert report["issue_count"] == len(theirs)


@pytest.mark.parametrize(("rank_by", "adjust"), [
    ("normalized-margin", False), ("normalized-margin", True), ("self-confidence", True),
    ("confidence-weighted-entropy", False)])
def test_rank_by_orders_the_same_flagged_examples_as_cleanlab(rank_by, adjust):
    _, y, proba = read_digits()
    plain = run_json(DIGITS, "--top", "10000")
    args = ["--rank-by", rank_by, "--top", "10000"] + (["--adjust-pred-probs"] if adjust else [])
    report = run_json(DIGITS, *args)
    assert (report["rank_by"], report["adjust_pred_probs"]) == (rank_by, adjust)
    assert sorted(e["index"] for e in report["issues"]) == sorted(
        e["index"] for e in plain["issues"])
    scores = rank.get_label_quality_scores(y, proba, method=rank_by.replace("-", "_"),
                                           adjust_pred_probs=adjust)
    ours = np.array([e["index"] for e in report["issues"]])
    np.testing.assert_allclose([e["quality"] for e in report["issues"]], scores[ours],
                               rtol=0, atol=SCORE_TOL)
    theirs = ranked_by_cleanlab(y, proba, rank_by=rank_by.replace("-", "_"), adjust=adjust)
    assert_same_up_to_ties(ours, theirs, scores)


def test_a_binary_file_is_read_as_two_columns():
    y, proba = read_binary()
    report = run_json(BINARY, "--filter", "confident-learning", "--top", "10000")
    assert report["classes"] == ["0", "1"]
    theirs = ranked_by_cleanlab(y, proba, "confident_learning")
    assert [e["index"] for e in report["issues"]] == theirs.tolist()
    assert report["num_label_issues"]["off_diagonal"] == quietly(count.num_label_issues, y,
                                                                 proba)


def test_the_planted_label_errors_are_found():
    """Most flagged digits are among the 40 labels flipped on purpose (independent truth)."""
    with open(PLANTED, newline="") as f:
        planted = {r["id"]: r for r in csv.DictReader(f)}
    report = run_json(DIGITS, "--top", "10000")
    flagged = [e for e in report["issues"] if e["id"] in planted]
    assert len(flagged) >= 0.7 * report["issue_count"]
    assert len(flagged) >= 0.7 * len(planted)
    for e in flagged:
        assert e["given_label"] == planted[e["id"]]["given"]


@pytest.mark.parametrize("top", [0, 1, 5])
def test_top_limits_the_list_not_the_count(top):
    everything = run_json(DIGITS, "--top", "10000")
    report = run_json(DIGITS, "--top", top)
    assert report["issue_count"] == everything["issue_count"]
    assert report["issues"] == everything["issues"][:top]


# --------------------------------------------------------------------------- formats and files

def test_the_table_shows_health_classes_and_issues():
    result = invoke(DIGITS, "--top", "3")
    assert result.exit_code == 0, result.output
    report = run_json(DIGITS, "--top", "3")
    out = result.stdout
    assert f"label health score {report['label_health_score']:.4f}" in out
    assert "Noisiest classes" in out
    assert "the first 3 of" in out
    for e in report["issues"]:
        assert e["id"] in out
        assert f"{e['given_label']} -> {e['suggested_label']}" in out
    assert "out-of-sample" in out


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_documents_name_the_flagged_examples(fmt):
    result = invoke(DIGITS, "--top", "2", "-f", fmt)
    assert result.exit_code == 0, result.output
    for e in run_json(DIGITS, "--top", "2")["issues"]:
        assert e["id"] in result.stdout


def test_csv_lists_the_shown_issues():
    result = invoke(DIGITS, "--top", "4", "-f", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(result.stdout.splitlines()))
    assert rows[0] == ISSUE_KEYS
    issues = run_json(DIGITS, "--top", "4")["issues"]
    assert [r[2] for r in rows[1:]] == [e["id"] for e in issues]
    assert [float(r[5]) for r in rows[1:]] == pytest.approx([e["quality"] for e in issues])


def test_scores_out_holds_every_example_with_cleanlabs_scores(tmp_path):
    _, y, proba = read_digits()
    out = tmp_path / "scores.csv"
    result = invoke(DIGITS, "--scores-out", out, "--top", "0", "--adjust-pred-probs",
                    "-f", "json")
    assert result.exit_code == 0, result.output
    assert f"wrote {out}" in result.stderr
    with open(out, newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["row", "id", "given_label", "self_confidence", "normalized_margin",
                             "confidence_weighted_entropy", "self_confidence_adjusted",
                             "normalized_margin_adjusted", "is_label_issue"]
    assert [int(r["row"]) for r in rows] == list(range(1, len(y) + 1))
    for column, method, adjust in (("self_confidence", "self_confidence", False),
                                   ("normalized_margin", "normalized_margin", False),
                                   ("confidence_weighted_entropy",
                                    "confidence_weighted_entropy", False),
                                   ("self_confidence_adjusted", "self_confidence", True),
                                   ("normalized_margin_adjusted", "normalized_margin", True)):
        np.testing.assert_allclose(
            [float(r[column]) for r in rows],
            rank.get_label_quality_scores(y, proba, method=method, adjust_pred_probs=adjust),
            rtol=0, atol=SCORE_TOL, err_msg=column)
    with stable_ties():
        flags = quietly(cleanlab.filter.find_label_issues, y, proba, n_jobs=1)
    assert [r["is_label_issue"] == "1" for r in rows] == flags.tolist()


def test_plot_draws_the_confident_joint(tmp_path):
    pytest.importorskip("matplotlib")
    result = invoke(DIGITS, "--top", "0", "--plot", tmp_path)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["confident_joint.png",
                                                          "confident_joint.svg"]


# --------------------------------------------------------------------------- notes and gates

def test_the_out_of_sample_note_always_and_the_fold_note_with_a_fold_column(tmp_path):
    plain = run_json(DIGITS, "--top", "0")
    assert len(plain["notes"]) == 1
    assert "out-of-sample" in plain["notes"][0]
    folded = tmp_path / "folded.csv"
    with open(DIGITS, newline="") as f:
        lines = f.read().splitlines()
    folded.write_text("\n".join([lines[0] + ",CV_Fold",
                                 *(f"{line},{i % 5}" for i, line in enumerate(lines[1:]))]))
    report = run_json(folded, "--top", "0")
    assert report["notes"][0] == plain["notes"][0]
    assert "'CV_Fold'" in report["notes"][1]
    assert "out of fold" in report["notes"][1]
    assert report["num_label_issues"] == plain["num_label_issues"]


@pytest.mark.parametrize(("bound", "exit_code"), [("0.99", 1), ("0.5", 0)])
def test_fail_on_label_health_below(bound, exit_code, tmp_path):
    junit = tmp_path / "gates.xml"
    result = invoke(DIGITS, "--fail-on", f"label-health-below={bound}", "--junit", junit,
                    "-f", "json")
    assert result.exit_code == exit_code, result.output
    report = json.loads(result.stdout)
    [gate] = report["gates"]
    assert gate["fail_on"] == f"label-health-below={bound}"
    assert gate["passed"] is (exit_code == 0)
    assert ("gate failed" in result.stderr) is (exit_code == 1)
    assert junit.exists()


# --------------------------------------------------------------------------- errors: exit 2

@pytest.mark.parametrize(("args", "words"), [
    (["--rank-by", "confidence-weighted-entropy", "--adjust-pred-probs"],
     ["--adjust-pred-probs", "confidence-weighted-entropy"]),
    (["--fail-on", "label-health-below"], ["--fail-on", "label-health-below=X"]),
    (["--fail-on", "label-health-below=high"], ["--fail-on"]),
    (["--fail-on", "regression"], ["--fail-on", "'regression'"]),
    (["--top", "10001"], ["--top"]),
    (["--label-col", "truth"], ["truth"]),
])
def test_bad_options_exit_2_naming_the_flag(args, words):
    result = invoke(DIGITS, *args)
    assert result.exit_code == 2, result.output
    assert "error:" in result.stderr
    assert "Traceback" not in result.output
    for word in words:
        assert word in result.stderr


@pytest.mark.parametrize("args", [["--filter", "everything"], ["--rank-by", "loss"]])
def test_unknown_choices_are_usage_errors(args):
    result = invoke(DIGITS, *args)
    assert result.exit_code == 2
    assert args[0] in result.output


@pytest.mark.parametrize(("path", "args", "words"), [
    (os.path.join(DATA, "shapes", "hard_multiclass.csv"), [], ["hard predictions", "--prob-col"]),
    (os.path.join(DATA, "shapes", "raw_scores.csv"), ["--scores"], ["--scores"]),
    (os.path.join(DATA, "weighted", "a.csv"), ["--weight-col", "w"], ["--weight-col", "'w'"]),
    ("no-such-file.csv", [], ["no-such-file.csv"]),
])
def test_inputs_it_cannot_use_exit_2_naming_the_fix(path, args, words):
    result = invoke(path, *args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    for word in words:
        assert word in result.stderr


def test_scores_out_never_overwrites_the_input_or_the_report(tmp_path):
    copy = tmp_path / "digits.csv"
    copy.write_bytes(Path(DIGITS).read_bytes())
    before = copy.read_bytes()
    result = invoke(copy, "--scores-out", copy)
    assert result.exit_code == 2
    assert "--scores-out" in result.stderr or str(copy) in result.stderr
    assert copy.read_bytes() == before
    report = tmp_path / "report.json"
    result = invoke(copy, "--scores-out", report, "-o", report)
    assert result.exit_code == 2
    assert "--scores-out" in result.stderr


# --------------------------------------------------------------------------- evaluate's count

def brute_overconfident_flagged(y, proba, min_confidence=0.9):
    with stable_ties():
        flags = quietly(cleanlab.filter.find_label_issues, y, proba, n_jobs=1)
    count_ = 0
    for label, p, flagged in zip(y, proba, flags, strict=True):
        predicted = int(np.argmax(p))
        if predicted != label and p[predicted] >= min_confidence and flagged:
            count_ += 1
    return count_


@pytest.mark.parametrize("min_confidence", ["0.9", "0.5"])
def test_evaluate_counts_the_overconfident_errors_cleanlab_flags(min_confidence):
    _, y, proba = read_digits()
    result = CliRunner().invoke(app, ["evaluate", DIGITS, "--min-confidence", min_confidence,
                                      "-f", "json"])
    assert result.exit_code == 0, result.output
    over = json.loads(result.stdout)["overconfident_errors"]
    expected = brute_overconfident_flagged(y, proba, float(min_confidence))
    assert over["likely_label_issues"] == expected
    assert 0 < expected <= over["count"]


def test_evaluate_names_the_command_under_its_confident_errors():
    result = CliRunner().invoke(app, ["evaluate", DIGITS, "--top", "2"])
    assert result.exit_code == 0, result.output
    out = " ".join(result.stdout.split())
    after = out[out.index("Overconfident errors"):]
    assert "flagged as likely label issues" in after
    assert f"clfdiag label-issues {DIGITS}" in after


@pytest.mark.parametrize("args", [
    [os.path.join(DATA, "shapes", "hard_multiclass.csv")],
    [os.path.join(DATA, "shapes", "raw_scores.csv"), "--scores"],
    [os.path.join(DATA, "weighted", "a.csv"), "--weight-col", "w"],
    [DIGITS, "--streaming"],
])
def test_evaluate_says_nothing_of_label_issues_where_they_do_not_apply(args):
    result = CliRunner().invoke(app, ["evaluate", *args, "-f", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert "likely_label_issues" not in report["overconfident_errors"]
    table = CliRunner().invoke(app, ["evaluate", *args])
    assert "label-issues" not in table.stdout


# --------------------------------------------------------------------------- rows and the API

def test_rows_are_file_rows_when_rows_are_dropped(tmp_path):
    """A dropped row shifts the examples: `row` is the file's, `index` cleanlab's position."""
    with open(DIGITS, newline="") as f:
        lines = f.read().splitlines()
    damaged = tmp_path / "damaged.csv"
    # The second data line loses its probabilities: --drop-invalid drops file row 2.
    damaged.write_text("\n".join([lines[0], lines[1], "digit-x,3" + "," * 10, *lines[2:]]))
    report = run_json(damaged, "--drop-invalid", "--top", "10000")
    plain = run_json(DIGITS, "--top", "10000")
    assert report["input"]["dropped"] == 1
    assert [e["index"] for e in report["issues"]] == [e["index"] for e in plain["issues"]]
    assert [e["row"] for e in report["issues"]] == [
        e["index"] + 1 + (e["index"] >= 1) for e in plain["issues"]]


def test_the_python_api_returns_the_json_report():
    import clfdiag

    assert "label_issues" in clfdiag.__all__
    preds = clfdiag.read_predictions(DIGITS)
    report = clfdiag.label_issues(preds, filter="both", rank_by="normalized-margin", top=4)
    assert json.loads(json.dumps(report)) == run_json(
        DIGITS, "--filter", "both", "--rank-by", "normalized-margin", "--top", "4")


@pytest.mark.parametrize(("kwargs", "flag"), [
    ({"filter": "prune_by_noise_rate"}, "--filter"), ({"rank_by": "margin"}, "--rank-by"),
    ({"top": -1}, "--top"),
    ({"rank_by": "confidence-weighted-entropy", "adjust_pred_probs": True},
     "--adjust-pred-probs")])
def test_the_python_api_refuses_bad_options_naming_the_flag(kwargs, flag):
    import clfdiag
    from clfdiag.errors import ClfdiagError

    preds = clfdiag.read_predictions(DIGITS)
    with pytest.raises(ClfdiagError, match=flag):
        clfdiag.label_issues(preds, **kwargs)
