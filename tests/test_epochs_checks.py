"""epochs: every file holds the same examples; flags carry paired tests; the diagnosis adds up."""

import glob
import json
import os
import re

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from typer.testing import CliRunner

import clfdiag
from clfdiag.cli.app import app
from clfdiag.core.comparison import compare_predictions
from clfdiag.reports.compare import diagnosis_sentence
from tests.conftest import SAMPLES

EPOCHS = sorted(glob.glob(os.path.join(SAMPLES, "epochs", "*.csv")))


def run(*args, code=0):
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code == code, (result.stdout, result.stderr)
    return result


def epochs_json(*args):
    return json.loads(run("epochs", *args, "--format", "json").stdout)


def test_a_file_with_half_the_examples_is_refused(tmp_path):
    half = tmp_path / "epoch_99.csv"
    pd.read_csv(EPOCHS[-1]).iloc[:300].to_csv(half, index=False)
    # --keep-order: the natural sort of full paths would put the temporary file first or
    # last depending on where the checkout lives.
    err = run("epochs", "--keep-order", *EPOCHS[:3], half, code=2).stderr
    assert "300 ids only in" in err
    assert "epoch_99.csv" in err
    assert "--allow-partial" in err


def test_every_file_is_checked_not_only_neighbours(tmp_path):
    # The middle file lacks rows; the flagged pairs do not involve it.
    files = []
    for i, path in enumerate(EPOCHS[:4]):
        frame = pd.read_csv(path)
        if i == 1:
            frame = frame.iloc[10:]
        files.append(tmp_path / f"epoch_{i + 1}.csv")
        frame.to_csv(files[-1], index=False)
    run("epochs", *files, code=2)


def test_allow_partial_keeps_the_common_examples(tmp_path):
    files = []
    for i, path in enumerate(EPOCHS[:3]):
        frame = pd.read_csv(path)
        frame = frame.drop(index=range(i * 5, i * 5 + 5))
        files.append(tmp_path / f"epoch_{i + 1}.csv")
        frame.to_csv(files[-1], index=False)
    rep = epochs_json(*files, "--allow-partial")
    assert rep["pairing"]["n"] == 600 - 15
    assert rep["pairing"]["left_out"] == {str(f): 10 for f in files}
    assert any("left out" in n for n in rep["notes"])
    common = set.intersection(*(set(pd.read_csv(f)["id"]) for f in files))
    frame = pd.read_csv(files[1]).set_index("id").loc[sorted(common)]
    p, y = frame["prob"].to_numpy(), frame["label"].to_numpy()
    expected = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert rep["epochs"][1]["log_loss"] == pytest.approx(expected, rel=1e-12)


def test_flags_carry_paired_tests_and_significant_keeps_the_significant():
    rep = epochs_json(*EPOCHS)
    flagged = [r for r in rep["epochs"] if r["loss_up_accuracy_up"]]
    assert flagged
    for row in rep["epochs"]:
        if row["loss_up_accuracy_up"]:
            assert 0 <= row["mcnemar_p"] <= 1
            assert 0 <= row["loss_test_p"] <= 1
        else:
            assert row["mcnemar_p"] is None
    # McNemar's exact p, recomputed from the two files of one flagged change.
    row = flagged[0]
    i = [r["epoch"] for r in rep["epochs"]].index(row["epoch"])
    a, b = pd.read_csv(EPOCHS[i - 1]), pd.read_csv(EPOCHS[i])
    right_a, right_b = (a["prob"] >= 0.5) == a["label"], (b["prob"] >= 0.5) == b["label"]
    b01 = int((right_a & ~right_b).sum())
    b10 = int((~right_a & right_b).sum())
    expected = stats.binomtest(b01, b01 + b10, 0.5).pvalue
    assert row["mcnemar_p"] == pytest.approx(expected, rel=1e-9)

    alpha = 0.5
    strict = epochs_json(*EPOCHS, "--significant", "--alpha", str(alpha))
    survivors = [r["epoch"] for r in epochs_json(*EPOCHS, "--alpha", str(alpha))["epochs"]
                 if r["loss_up_accuracy_up"] and r["mcnemar_p"] < alpha
                 and r["loss_test_p"] < alpha]
    assert strict["flagged"] == survivors
    assert strict["flag_tests"] == {"alpha": alpha, "loss_up_accuracy_up": len(flagged),
                                    "both_rises_significant": len(survivors),
                                    "significant_only": True}
    text = run("epochs", *EPOCHS, "--significant", "--alpha", str(alpha)).stdout
    assert f"{len(survivors)} of {len(flagged)} flags" in text
    assert "McNemar p" in text


def test_threshold_on_multiclass_epochs_is_an_error(tmp_path):
    files = []
    for i in range(2):
        files.append(tmp_path / f"e{i}.csv")
        files[-1].write_text("label,p_a,p_b,p_c\na,0.5,0.3,0.2\nb,0.2,0.7,0.1\n")
    run("epochs", *files, "--threshold", "0.3", code=2)


def _signed_parts(sentence):
    parts = re.findall(r"(add|take off) ([+-]?\d+\.\d{4})", sentence)
    return sum(float(v) if w == "add" else -float(v) for w, v in parts)


@pytest.mark.parametrize("seed", range(12))
def test_diagnosis_parts_add_up_to_the_stated_total(seed):
    rng = np.random.default_rng(seed)
    n = 300
    y = rng.integers(0, 2, n)
    a = np.clip(rng.beta(2, 2, n), 1e-6, 1 - 1e-6)
    b = np.clip(a + rng.normal(0, 0.25, n), 1e-6, 1 - 1e-6)
    cmp = compare_predictions(y, a, b)
    sentence = diagnosis_sentence(cmp)
    total = float(re.search(r"log loss (?:rose|fell|held) by (\d+\.\d{4})", sentence,
                            re.I).group(1))
    assert abs(_signed_parts(sentence)) == pytest.approx(total, abs=6e-4), sentence
    assert np.sign(_signed_parts(sentence)) == np.sign(round(cmp.loss_delta, 4))


def test_readme_diagnosis_adds_up():
    rep = epochs_json(*EPOCHS)
    for row in rep["epochs"]:
        if row["diagnosis"]:
            stated = float(re.search(r"log loss rose by (\d+\.\d{4})", row["diagnosis"]).group(1))
            assert _signed_parts(row["diagnosis"]) == pytest.approx(stated, abs=6e-4)


def test_api_epochs_flags_survivors():
    runs = [clfdiag.read_predictions(p) for p in EPOCHS[:6]]
    rep = clfdiag.epochs(runs, significant=True, alpha=1e-12)
    assert rep["flagged"] == []


def test_a_loss_rise_within_float_noise_is_no_flag(tmp_path):
    # One example crosses the threshold (accuracy rises by 1/6) while another moves by a
    # few units in the last place: the mean log loss rises by 1.1e-16, below its float64
    # noise. compare calls that no change; epochs and compare --metric must agree.
    y = np.array([1, 0, 1, 0, 1, 0])
    before = np.array([np.nextafter(0.5, 0.0), 0.3, 0.8, 0.2, 0.7, 0.4])
    after = before.copy()
    after[0] = 0.5
    after[1] = 0.3 + 4 * np.spacing(0.3)
    files = []
    for i, proba in enumerate((before, after)):
        files.append(tmp_path / f"epoch_{i + 1}.csv")
        pd.DataFrame({"id": range(6), "label": y, "prob": proba}).to_csv(
            files[-1], index=False, float_format="%.17g")
    compared = json.loads(run("compare", *files, "--format", "json").stdout)
    assert 0 < compared["delta"]["log_loss"] < compared["noise"]["log_loss"]
    assert compared["delta"]["accuracy"] > 0
    assert compared["loss_up_accuracy_up"] is False
    assert epochs_json(*files)["flagged"] == []
    assert epochs_json(*files, "--metric", "f1")["flagged"] == []
    by_f1 = json.loads(run("compare", *files, "--metric", "f1", "--format", "json").stdout)
    assert by_f1["loss_up_accuracy_up"] is False
    run("compare", *files, "--metric", "f1", "--fail-on", "loss-up-accuracy-up")


def test_a_compression_suffix_gives_no_epoch(tmp_path):
    import bz2
    import gzip

    files = []
    for i, opener, suffix in ((3, bz2.open, ".bz2"), (7, gzip.open, ".gz")):
        files.append(tmp_path / f"epoch_{i}.csv{suffix}")
        with open(EPOCHS[i - 1], "rb") as src, opener(files[-1], "wb") as out:
            out.write(src.read())
    assert [e["epoch"] for e in epochs_json(*files)["epochs"]] == [3, 7]
    assert clfdiag.api.epoch_label("runs/epoch_12.csv.bz2", 1) == 12
