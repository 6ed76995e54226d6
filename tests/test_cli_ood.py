"""`clfdiag ood` through the CLI: the JSON contract, its numbers against independent
implementations, the rows of the confident OUT examples, and the input errors."""

import csv
import json
import os

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score
from typer.testing import CliRunner

from clfdiag.cli.app import app
from clfdiag.core import catalogue
from tests.conftest import SAMPLES

OOD = os.path.join(SAMPLES, "ood")
DIGITS, NOISE, SCALED = (os.path.join(OOD, f"{n}.csv") for n in ("digits", "noise", "scaled"))
SEPARATION_KEYS = {"score", "direction", "auroc", "aupr_in", "aupr_out", "fpr_at_95_tpr",
                   "fpr_at_95_tpr_ood_positive", "detection_error"}
SELECTIVE_KEYS = {"auroc", "aurc", "e_aurc", "augrc", "risk_at_coverage", "coverage_at_risk",
                  "curve"}


def invoke(*args):
    return CliRunner().invoke(app, ["ood", *map(str, args)])


def run_json(*args):
    result = invoke(*args, "-f", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def read(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    columns = [i for i, h in enumerate(header) if h.startswith(("p_", "logit_"))]
    labels = ([int(r[header.index("label")]) for r in body] if "label" in header else None)
    return ([r[0] for r in body], labels,
            np.array([[float(r[i]) for i in columns] for r in body]))


def brute_force_fpr_at_95(in_scores, out_scores):
    """Share of OUT scoring >= t at the largest t that keeps at least 95% of IN."""
    for t in sorted(set(in_scores) | set(out_scores), reverse=True):
        if np.mean(in_scores >= t) >= 0.95:
            return float(np.mean(out_scores >= t))
    raise AssertionError("unreachable: the lowest score keeps everything")


def test_the_json_contract():
    report = run_json(DIGITS, NOISE, SCALED)
    assert report["command"] == "ood"
    assert {"in", "out"} <= set(report)
    assert report["in"]["path"] == DIGITS
    assert report["in"]["label_column"] == "label"
    assert {"accuracy", "selective", "n"} <= set(report["in"])
    assert set(report["in"]["selective"]) == SELECTIVE_KEYS
    assert [o["input"]["path"] for o in report["out"]] == [NOISE, SCALED]
    for out in report["out"]:
        assert {"input", "scores", "overconfident", "operating_point"} <= set(out)
        assert out["input"]["label_column"] is None
        assert [s["score"] for s in out["scores"]] == ["max_softmax", "margin", "entropy"]
        for s in out["scores"]:
            assert set(s) == SEPARATION_KEYS
        assert [s["direction"] for s in out["scores"]] == ["higher", "higher", "lower"]
        assert {"min_confidence", "share_out", "share_in", "top"} <= set(out["overconfident"])
        assert {"keep", "threshold", "share_in", "share_out", "in_accuracy"} <= set(
            out["operating_point"])


def test_every_metric_key_has_a_spec():
    report = run_json(*(p.replace(".csv", "_logits.csv") for p in (DIGITS, NOISE)),
                      "--logits")  # logits give every score
    metric_keys = set(SEPARATION_KEYS - {"score", "direction"})
    metric_keys |= {"auroc", "aurc", "e_aurc", "augrc"}
    assert catalogue.missing(sorted(metric_keys)) == []
    assert metric_keys <= set(report["out"][0]["scores"][0]) | set(report["in"]["selective"])


def test_separation_against_scikit_learn_and_a_brute_force_loop():
    report = run_json(DIGITS, SCALED)
    _, _, p_in = read(DIGITS)
    _, _, p_out = read(SCALED)
    ms_in, ms_out = p_in.max(axis=1), p_out.max(axis=1)
    is_in = np.r_[np.ones(len(ms_in)), np.zeros(len(ms_out))]
    both = np.r_[ms_in, ms_out]
    msp = report["out"][0]["scores"][0]
    assert msp["auroc"] == pytest.approx(roc_auc_score(is_in, both), abs=1e-12)
    assert msp["aupr_in"] == pytest.approx(average_precision_score(is_in, both), abs=1e-12)
    assert msp["aupr_out"] == pytest.approx(average_precision_score(1 - is_in, -both), abs=1e-12)
    assert msp["fpr_at_95_tpr"] == pytest.approx(brute_force_fpr_at_95(ms_in, ms_out))
    assert report["out"][0]["operating_point"]["share_out"] == msp["fpr_at_95_tpr"]


def test_logits_add_max_logit_and_energy():
    digits, noise = (os.path.join(OOD, f"{n}_logits.csv") for n in ("digits", "noise"))
    report = run_json(digits, noise, "--logits")
    scores = report["out"][0]["scores"]
    assert [s["score"] for s in scores] == ["max_softmax", "margin", "entropy", "max_logit",
                                            "energy"]
    _, _, z_in = read(digits)
    _, _, z_out = read(noise)
    is_in = np.r_[np.ones(len(z_in)), np.zeros(len(z_out))]
    lse = np.r_[np.logaddexp.reduce(z_in, axis=1), np.logaddexp.reduce(z_out, axis=1)]
    assert scores[4]["auroc"] == pytest.approx(roc_auc_score(is_in, lse), abs=1e-12)
    assert scores[3]["auroc"] == pytest.approx(
        roc_auc_score(is_in, np.r_[z_in.max(axis=1), z_out.max(axis=1)]), abs=1e-12)


def test_confident_out_examples_name_their_file_row_and_id():
    report = run_json(DIGITS, NOISE, "--top", "4", "--min-confidence", "0.95")
    over = report["out"][0]["overconfident"]
    ids, _, p_out = read(NOISE)
    assert len(over["top"]) == 4
    for e in over["top"]:
        row = e["row"] - 1  # 1-based data row
        assert e["id"] == ids[row]
        assert e["confidence"] == pytest.approx(p_out[row].max())
        assert e["predicted"] == str(int(p_out[row].argmax()))
    confidences = [e["confidence"] for e in over["top"]]
    assert confidences == sorted(confidences, reverse=True)
    assert confidences[0] == pytest.approx(p_out.max(axis=1).max())
    assert over["share_out"] == pytest.approx(np.mean(p_out.max(axis=1) >= 0.95))
    predicted = np.bincount(p_out.argmax(axis=1), minlength=10)
    assert over["most_assigned_class"] == str(int(predicted.argmax()))


def test_scaled_inputs_are_more_confident_than_real_ones():
    result = invoke(DIGITS, NOISE, SCALED)
    assert result.exit_code == 0, result.output
    assert "scaled.csv: 100.0% of 200 OUT examples" in result.stdout
    assert "OUT is predicted more confidently than IN" in result.stdout


def test_mismatched_class_columns_are_refused(tmp_path):
    other = tmp_path / "other.csv"
    other.write_text("id,p_0,p_1,p_2\na,0.2,0.3,0.5\nb,0.1,0.1,0.8\n")
    result = invoke(DIGITS, other)
    assert result.exit_code == 2, result.output
    assert "error:" in result.output
    assert "p_0, p_1, p_2" in result.output
    assert "p_9" in result.output
    assert "Traceback" not in result.output


def test_an_out_file_with_labels_is_read_without_them(tmp_path):
    labelled = tmp_path / "labelled.csv"
    with open(NOISE) as f:
        lines = f.read().splitlines()
    # Labels that match no class: they would make every row invalid if they were read.
    labelled.write_text("\n".join([lines[0] + ",label"]
                                  + [line + ",cat" for line in lines[1:]]) + "\n")
    report = run_json(DIGITS, labelled)
    plain = run_json(DIGITS, NOISE)
    assert report["out"][0]["scores"] == plain["out"][0]["scores"]
    assert report["out"][0]["input"]["label_column"] is None
    assert any("'label' are ignored" in note for note in report["notes"])


def test_keep_must_be_a_share():
    result = invoke(DIGITS, NOISE, "--keep", "0")
    assert result.exit_code == 2, result.output
    assert "--keep" in result.output


def test_csv_markdown_html_and_figures(tmp_path):
    rows = invoke(DIGITS, NOISE, "-f", "csv").stdout.splitlines()
    assert rows[0].startswith("out,score,direction,auroc")
    assert len(rows) == 4
    assert "| max softmax |" in invoke(DIGITS, NOISE, "-f", "markdown").stdout
    pytest.importorskip("matplotlib")
    html = invoke(DIGITS, NOISE, "-f", "html")
    assert html.exit_code == 0, html.output
    assert html.stdout.count("<svg") >= 3
    result = invoke(DIGITS, NOISE, "--plot", tmp_path / "figs")
    assert result.exit_code == 0, result.output
    names = sorted(os.listdir(tmp_path / "figs"))
    assert names == sorted(f"{n}.{e}" for n in ("ood_confidence", "ood_roc", "risk_coverage")
                           for e in ("png", "svg"))


def test_a_binary_out_file_of_one_probability_column(tmp_path):
    # OUT files need no label: a column of P(positive) alone is read, as with an id beside it.
    rng = np.random.default_rng(4)
    y = rng.integers(0, 2, 200)
    p = np.clip(rng.beta(2, 2, 200) * 0.5 + 0.5 * y, 0, 1)
    q = rng.uniform(0.3, 0.7, 80)
    in_file, alone, with_id = tmp_path / "in.csv", tmp_path / "out.csv", tmp_path / "out_id.csv"
    in_file.write_text("id,label,prob\n" + "".join(
        f"{i},{a},{b}\n" for i, (a, b) in enumerate(zip(y, p, strict=True))))
    alone.write_text("prob\n" + "".join(f"{v}\n" for v in q))
    with_id.write_text("id,prob\n" + "".join(f"{i},{v}\n" for i, v in enumerate(q)))
    got = run_json(str(in_file), str(alone))["out"][0]["scores"][0]
    assert got == run_json(str(in_file), str(with_id))["out"][0]["scores"][0]
    truth = np.r_[np.ones(200), np.zeros(80)]
    assert got["auroc"] == pytest.approx(
        roc_auc_score(truth, np.r_[np.maximum(p, 1 - p), np.maximum(q, 1 - q)]), rel=1e-12)
