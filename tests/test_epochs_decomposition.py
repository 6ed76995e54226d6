"""`decomposition_change` of `clfdiag epochs`: each epoch's CORP parts minus the previous
epoch's, checked against scikit-learn's log_loss, brier_score_loss and IsotonicRegression,
and the reading a flagged epoch's diagnosis shares with `compare`."""

import csv
import glob
import json
import os
import tempfile

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.isotonic import IsotonicRegression
from sklearn.metrics import brier_score_loss, log_loss
from typer.testing import CliRunner

import clfdiag
from clfdiag.cli.app import app
from clfdiag.io.options import ReadOptions
from tests.conftest import SAMPLES, read_csv_exact

EPOCHS = sorted(glob.glob(os.path.join(SAMPLES, "epochs", "*.csv")))
PARTS = ("miscalibration", "discrimination", "uncertainty")
# Both classes named, so that a file whose labels are all one class still reads as binary.
OPTIONS = ReadOptions(label_col="label", prob_cols=("prob",), id_col="id", positive="1",
                      classes=("0", "1"))


def run(*args):
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return result.stdout


def corp_by_sklearn(y, p):
    """MCB, DSC, UNC of the log loss and Brier score from scikit-learn's pieces.

    PAV by ``IsotonicRegression``, fitted on the dense rank of p: the fit depends on
    the order alone, and ranks keep apart the distinct p within 1e-15 of each other
    (near 0 and 1) that scikit-learn would merge. The scores by ``log_loss`` (which
    clips p to [eps, 1 - eps]) and ``brier_score_loss``; the isotonic fit is 0 or 1
    only where the labels it pools all agree, where the clipped loss is below 1e-15.
    """
    rank = np.unique(p, return_inverse=True)[1].astype(float)
    iso = IsotonicRegression(y_min=0.0, y_max=1.0).fit_transform(rank, y)
    base = np.full(y.shape, y.mean())
    out = {}
    for name, score in (("log_loss", lambda q: log_loss(y, q, labels=[0, 1])),
                        ("brier", lambda q: brier_score_loss(y, q, pos_label=1))):
        s_p, s_iso, s_base = score(p), score(iso), score(base)
        out[name] = {"miscalibration": s_p - s_iso, "discrimination": s_base - s_iso,
                     "uncertainty": s_base, "score": s_p}
    return out


def read(path):
    frame = read_csv_exact(path)
    return frame["label"].to_numpy(), frame["prob"].to_numpy()


@pytest.fixture(scope="module")
def sample_report():
    return json.loads(run("epochs", *EPOCHS, "--format", "json"))


def test_sample_parts_add_up_and_match_sklearn(sample_report):
    rows = sample_report["epochs"]
    assert rows[0]["decomposition_change"] is None
    truth = [corp_by_sklearn(*read(path)) for path in EPOCHS]
    for i in range(1, len(rows)):
        change = rows[i]["decomposition_change"]
        assert list(change) == ["log_loss", "brier"]
        for score in ("log_loss", "brier"):
            assert list(change[score]) == list(PARTS)
            # Differences of means over 600 examples, each mean exact to a few ulps
            # (the scikit-learn side sums in another order): 1e-12 is ample.
            for part in PARTS:
                expected = truth[i][score][part] - truth[i - 1][score][part]
                assert change[score][part] == pytest.approx(expected, abs=1e-12)
            moved = (change[score]["miscalibration"] - change[score]["discrimination"]
                     + change[score]["uncertainty"])
            assert moved == pytest.approx(truth[i][score]["score"] - truth[i - 1][score]["score"],
                                          abs=1e-12)
        # The same labels in every file: the uncertainty cannot move, and the parts
        # add up to the change of the row's own log loss.
        assert change["log_loss"]["uncertainty"] == 0.0
        assert change["log_loss"]["miscalibration"] - change["log_loss"]["discrimination"] \
            == pytest.approx(rows[i]["log_loss"] - rows[i - 1]["log_loss"], abs=1e-12)


def test_flagged_epochs_explain_their_flag_as_compare_does(sample_report):
    rows = sample_report["epochs"]
    flagged = [i for i, r in enumerate(rows) if r["loss_up_accuracy_up"]]
    assert flagged, "the sample run has flagged epochs"
    for i in flagged:
        diagnosis = rows[i]["diagnosis"]
        assert "miscalibration" in diagnosis
        assert "discrimination" in diagnosis
        compared = json.loads(run("compare", EPOCHS[i - 1], EPOCHS[i], "--format", "json"))
        reading = compared["diagnosis"][compared["diagnosis"].index("By part,"):]
        assert diagnosis.endswith(reading)
        for score in ("log_loss", "brier"):
            # The same decomposition of the same arrays on both paths; the tolerance
            # only allows a reordered sum, should one path ever pair the rows anew.
            assert rows[i]["decomposition_change"][score] == pytest.approx(
                compared["decomposition_change"][score], abs=1e-15)
    for r in rows:
        if not r["loss_up_accuracy_up"]:
            assert r["diagnosis"] is None


def test_the_sample_flag_at_epoch_11_is_miscalibration(sample_report):
    # Epoch 11: log loss up by 0.146 with accuracy up; the rise is calibration's.
    row = next(r for r in sample_report["epochs"] if r["epoch"] == 11)
    change = row["decomposition_change"]["log_loss"]
    assert row["loss_up_accuracy_up"]
    assert change["miscalibration"] > 0.1 > abs(change["discrimination"])
    assert "miscalibration +0.14, discrimination +0.00" in row["diagnosis"]
    assert "recalibrate rather than roll back" in row["diagnosis"]


def test_markdown_and_csv_carry_the_change():
    markdown = run("epochs", *EPOCHS[:8], "--format", "markdown")
    assert "By part, log loss rose by" in markdown
    lines = list(csv.reader(run("epochs", *EPOCHS[:3], "--format", "csv").splitlines()))
    header = lines[0]
    assert "decomposition_change" not in header
    column = header.index("decomposition_change.brier.discrimination")
    assert lines[1][column] == ""
    y, p1 = read(EPOCHS[0])
    _, p2 = read(EPOCHS[1])
    a, b = corp_by_sklearn(y, p1), corp_by_sklearn(y, p2)
    expected = b["brier"]["discrimination"] - a["brier"]["discrimination"]
    assert float(lines[2][column]) == pytest.approx(expected, abs=1e-12)


def test_multiclass_change_is_null_with_a_note(tmp_path):
    frame = read_csv_exact(os.path.join(SAMPLES, "multiclass.csv"))
    files = []
    for i, power in enumerate((1.0, 2.0)):
        out = frame.copy()
        probs = [c for c in out.columns if c not in ("id", "label")]
        sharpened = out[probs].to_numpy() ** power
        out[probs] = sharpened / sharpened.sum(axis=1, keepdims=True)
        files.append(tmp_path / f"epoch_{i + 1}.csv")
        out.to_csv(files[-1], index=False)
    report = json.loads(run("epochs", *files, "--format", "json"))
    assert [r["decomposition_change"] for r in report["epochs"]] == [None, None]
    assert any("decomposition_change is null" in n and "binary" in n for n in report["notes"])


def test_binary_report_has_no_multiclass_note(sample_report):
    assert not any("decomposition_change" in n for n in sample_report["notes"])


labels = st.lists(st.integers(0, 1), min_size=4, max_size=40)
# Few distinct values, 0 and 1 among them: ties, clipped probabilities, pooled PAV blocks.
probability = st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.5, 0.7, 0.9, 1.0])


@settings(max_examples=25, deadline=None)
@given(data=st.data(), y=labels)
def test_parts_add_up_on_any_run(data, y):
    y = np.array(y)
    runs = [np.array(data.draw(st.lists(probability, min_size=y.size, max_size=y.size)))
            for _ in range(3)]
    with tempfile.TemporaryDirectory() as tmp:
        preds = []
        for k, p in enumerate(runs):
            path = os.path.join(tmp, f"epoch_{k + 1}.csv")
            pd.DataFrame({"id": np.arange(y.size), "label": y, "prob": p}).to_csv(
                path, index=False)
            preds.append(clfdiag.read_predictions(path, OPTIONS))
        report = clfdiag.epochs(preds)
    rows = report["epochs"]
    assert rows[0]["decomposition_change"] is None
    truth = [corp_by_sklearn(y, p) for p in runs]
    for i in (1, 2):
        for score in ("log_loss", "brier"):
            change = rows[i]["decomposition_change"][score]
            # Clipped log losses of 0 and 1 reach ln(1 / eps) ~ 36 per example; a mean of
            # at most 40 such terms differs between summation orders by ~1e-13.
            for part in PARTS:
                assert change[part] == pytest.approx(
                    truth[i][score][part] - truth[i - 1][score][part], abs=1e-11)
            assert change["miscalibration"] - change["discrimination"] + \
                change["uncertainty"] == pytest.approx(
                    truth[i][score]["score"] - truth[i - 1][score]["score"], abs=1e-11)
