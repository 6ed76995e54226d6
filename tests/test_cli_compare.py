import json
import os
import xml.etree.ElementTree as ET

import pandas as pd
import pytest
from scipy import stats
from sklearn import metrics as skm

from tests.conftest import SAMPLES
from tests.test_cli import run

EPOCHS = os.path.join(SAMPLES, "epochs")


def epoch(n):
    return os.path.join(EPOCHS, f"epoch_{n:02d}.csv")


def compare_json(*args, code=0):
    return json.loads(run("compare", *args, "--format", "json", code=code).stdout)


def test_json_contract_and_oracles():
    report = compare_json(epoch(5), epoch(6))
    assert set(report) >= {"a", "b", "delta", "pairing", "loss_up_accuracy_up", "decomposition",
                           "tests", "diagnosis"}
    assert report["pairing"] == {"by": "id", "n": 600, "only_in_a": 0, "only_in_b": 0,
                                 "label_mismatch": 0, "left_out": {}, "ids_only_in": None}
    a, b = pd.read_csv(epoch(5)), pd.read_csv(epoch(6))
    y = a["label"].to_numpy()
    assert report["a"]["log_loss"] == pytest.approx(skm.log_loss(y, a["prob"]), abs=1e-9)
    assert report["b"]["roc_auc"] == pytest.approx(skm.roc_auc_score(y, b["prob"]), abs=1e-9)
    right_a, right_b = (a["prob"] >= 0.5) == y, (b["prob"] >= 0.5) == y
    b01, b10 = int((~right_a & right_b).sum()), int((right_a & ~right_b).sum())
    mcnemar = report["tests"]["mcnemar"]
    assert (mcnemar["b01"], mcnemar["b10"]) == (b01, b10)
    assert mcnemar["p_value"] == pytest.approx(stats.binomtest(b01, b01 + b10).pvalue, abs=1e-9)
    groups = report["decomposition"]["groups"]
    assert sum(g["loss_change"] for g in groups) == pytest.approx(report["delta"]["log_loss"],
                                                                  abs=1e-12)


@pytest.mark.parametrize(("before", "after", "flag"), [(5, 6, True), (1, 2, False)])
def test_loss_up_accuracy_up_flag_and_gate(before, after, flag):
    report = compare_json(epoch(before), epoch(after))
    assert report["loss_up_accuracy_up"] is flag
    assert (report["delta"]["log_loss"] > 0 and report["delta"]["accuracy"] > 0) is flag
    result = run("compare", epoch(before), epoch(after), "--fail-on", "loss-up-accuracy-up",
                 code=1 if flag else 0)
    assert ("gate failed" in result.stderr) is flag


def test_diagnosis_sentence_on_screen():
    out = " ".join(run("compare", epoch(5), epoch(6)).stdout.split())
    assert "Accuracy rose by 0.33 points" in out
    assert "stayed wrong and grew more confident" in out
    assert "Change in mean log loss" in out


def test_regression_gate():
    report = compare_json(epoch(3), epoch(15), "--fail-on", "regression", code=1)
    assert "log_loss" in report["regressions"]
    run("compare", epoch(15), epoch(3), "--fail-on", "regression")


def test_bootstrap_with_seed_is_reproducible():
    one = compare_json(epoch(5), epoch(6), "--bootstrap", 300, "--seed", 1)
    two = compare_json(epoch(5), epoch(6), "--bootstrap", 300, "--seed", 1)
    assert one["tests"]["log_loss"] == two["tests"]["log_loss"]
    assert one["tests"]["log_loss"]["method"] == "bootstrap (300 resamples)"


def test_min_deltas():
    assert not compare_json(epoch(5), epoch(6), "--min-accuracy-delta", 0.01)[
        "loss_up_accuracy_up"]


def test_csv_and_markdown():
    rows = run("compare", epoch(5), epoch(6), "-f", "csv").stdout.splitlines()
    assert rows[0] == "metric,a,b,delta"
    md = run("compare", epoch(5), epoch(6), "-f", "markdown").stdout
    assert md.startswith("## clfdiag compare")
    assert "| became wrong | 35 |" in md


def test_junit_for_fail_on(tmp_path):
    target = tmp_path / "j.xml"
    run("compare", epoch(5), epoch(6), "--fail-on", "loss-up-accuracy-up", "--fail-on",
        "regression", "--junit", target, code=1)
    suite = ET.parse(target).getroot()
    assert (suite.get("tests"), suite.get("failures")) == ("2", "1")


def test_unknown_fail_on():
    result = run("compare", epoch(5), epoch(6), "--fail-on", "worse", code=2)
    assert "unknown condition" in result.stderr


def test_partial_overlap(tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("id,label,prob\nx,1,0.9\ny,0,0.2\nz,1,0.6\nw,0,0.3\n")
    b.write_text("id,label,prob\nx,1,0.8\ny,0,0.1\nz,1,0.7\nq,0,0.3\n")
    result = run("compare", a, b, code=2)
    assert "1 ids only in" in result.stderr
    report = compare_json(a, b, "--allow-partial")
    assert report["pairing"]["n"] == 3
    assert report["pairing"]["left_out"] == {"only_in_a": ["w"], "only_in_b": ["q"]}


def test_files_with_no_example_in_common_are_not_offered_allow_partial(tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("id,label,prob\nx,1,0.9\ny,0,0.2\n")
    b.write_text("id,label,prob\nu,1,0.8\nv,0,0.1\n")
    result = run("compare", a, b, code=2)
    assert "no example in common" in result.stderr
    assert "2 ids only in" in result.stderr
    assert "--allow-partial" not in result.stderr
    run("compare", a, b, "--allow-partial", code=2)


def test_labels_that_differ_on_every_pair_are_not_offered_allow_partial(tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("id,label,prob\nx,1,0.9\ny,0,0.2\n")
    b.write_text("id,label,prob\nx,0,0.8\ny,1,0.1\n")
    result = run("compare", a, b, code=2)
    assert "labels differ for 2 paired examples" in result.stderr
    assert "--allow-partial" not in result.stderr
    a.write_text("id,label,prob\nx,1,0.9\ny,0,0.2\nz,1,0.7\n")
    b.write_text("id,label,prob\nx,0,0.8\ny,0,0.1\nz,1,0.6\n")
    assert "--allow-partial" in run("compare", a, b, code=2).stderr
    assert compare_json(a, b, "--allow-partial")["pairing"]["n"] == 2


def test_mismatched_tasks(tmp_path):
    b = tmp_path / "multi.csv"
    b.write_text("label,p_a,p_b,p_c\na,0.2,0.3,0.5\n")
    result = run("compare", epoch(1), b, code=2)
    assert "binary but" in result.stderr


def _one_ulp_copy(src, dst, columns):
    """``src`` with every probability in ``columns`` one unit in the last place higher (those
    at 1 one lower), written with 17 significant digits so the change survives the CSV."""
    import numpy as np

    frame = pd.read_csv(src)
    for c in columns:
        p = frame[c].to_numpy()
        frame[c] = np.where(p < 1.0, np.nextafter(p, 2.0), np.nextafter(p, 0.0))
    frame.to_csv(dst, index=False, float_format="%.17g")
    return dst


@pytest.mark.parametrize("shape", ["binary", "multiclass"])
def test_float_noise_is_no_change(tmp_path, shape):
    src = epoch(20) if shape == "binary" else os.path.join(SAMPLES, "multiclass.csv")
    columns = ["prob"] if shape == "binary" else [f"p_{k}" for k in range(10)]
    noisy = _one_ulp_copy(src, tmp_path / "noisy.csv", columns)
    for other in (src, noisy):
        report = compare_json(src, other)
        assert abs(report["delta"]["log_loss"]) <= report["noise"]["log_loss"]
        assert report["diagnosis"] == ("No change in log loss or accuracy (0 examples became "
                                       "correct, 0 became wrong).")
        assert report["loss_up_accuracy_up"] is False
        assert report["regressions"] == []
        assert report["decomposition"]["top"] == []
        run("compare", src, other, "--fail-on", "loss-up-accuracy-up")
    if shape == "binary":
        # The perturbation reached the numbers: a confident error's -ln(1 - p) moved.
        assert report["delta"]["log_loss"] != 0


def test_how_each_file_was_read_is_in_the_notes(tmp_path):
    # p_no under --positive yes is read as P(yes) = 1 - p_no: said for each file, as evaluate
    # says it.
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("id,label,p_no\n1,yes,0.2\n2,no,0.7\n3,yes,0.4\n4,no,0.9\n")
    b.write_text("id,label,p_no\n1,yes,0.3\n2,no,0.6\n3,yes,0.45\n4,no,0.8\n")
    report = json.loads(run("compare", a, b, "--positive", "yes", "--format", "json").stdout)
    for path in (a, b):
        assert any(n.startswith(f"{path}: ") and "1 - p_no" in n for n in report["notes"])
    y = [1, 0, 1, 0]
    assert report["b"]["log_loss"] == pytest.approx(
        skm.log_loss(y, [0.7, 0.4, 0.55, 0.2]), rel=1e-9)


def test_logits_never_squeeze_a_file_of_probabilities(tmp_path):
    """--logits applies to every file: beside logits, A's probabilities must not be read so."""
    from scipy.special import logit

    frame = pd.read_csv(epoch(6))
    frame["prob"] = logit(frame["prob"].clip(1e-6, 1 - 1e-6))
    b = tmp_path / "epoch_06_logits.csv"
    frame.to_csv(b, index=False)
    # Read alone, B's raw scores are refused with a hint naming --logits ...
    assert "--logits" in run("compare", epoch(5), b, code=2).stderr
    # ... which must not read A's probabilities as logits at exit 0.
    for command in (("compare", epoch(5), b), ("compare", b, epoch(5), epoch(7)),
                    ("epochs", epoch(5), b)):
        err = run(*command, "--logits", code=2).stderr
        assert "epoch_05.csv: --logits, but column 'prob' holds values in [0, 1]" in err
    # Files of logits only are read as before.
    assert compare_json(b, b, "--logits")["pairing"]["n"] == 600


def test_an_auc_below_one_half_is_noted_and_positive_named_only_when_every_file_is(tmp_path):
    import numpy as np

    rng = np.random.default_rng(5)
    y = rng.integers(0, 2, 300)
    p = np.clip(0.3 + 0.4 * y + rng.normal(0, 0.2, 300), 0.01, 0.99)
    for name, prob in (("a.csv", p), ("b.csv", 1 - p)):
        pd.DataFrame({"id": range(300), "label": y, "prob": prob}).to_csv(tmp_path / name,
                                                                          index=False)
    notes = json.loads(run("compare", str(tmp_path / "a.csv"), str(tmp_path / "b.csv"),
                           "--format", "json").stdout)["notes"]
    inverted = [n for n in notes if "below 0.5" in n]
    assert len(inverted) == 1
    assert inverted[0].startswith(str(tmp_path / "b.csv"))
    assert "--positive" not in inverted[0]  # it would turn a.csv too
    notes = json.loads(run("compare", str(tmp_path / "b.csv"), str(tmp_path / "b.csv"),
                           "--format", "json").stdout)["notes"]
    assert all("--positive 0" in n for n in notes if "below 0.5" in n)
