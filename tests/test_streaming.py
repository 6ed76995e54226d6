"""Streaming mode agrees with in-memory mode: exactly, or within the reported AUC bound."""

import json
import os

import numpy as np
import pandas as pd
import pytest

import clfdiag
from clfdiag.errors import ClfdiagError
from clfdiag.io import ReadOptions
from clfdiag.io import streaming as streaming_module
from tests.conftest import SAMPLES
from tests.test_cli import run

EXACT = ("n", "positives", "accuracy", "balanced_accuracy", "precision", "recall",
         "specificity", "f1", "mcc", "top5_accuracy", "macro_f1", "weighted_f1")
CLOSE = ("log_loss", "brier", "ece", "mce", "prevalence")


def both(path, batch_bytes=4096, **kwargs):
    memory = clfdiag.evaluate_file(path, streaming=False, **kwargs)
    stream = clfdiag.evaluate_file(path, streaming=True, batch_bytes=batch_bytes, **kwargs)
    return memory, stream


def assert_agree(memory, stream):
    assert stream["mode"] == "streaming"
    assert memory["mode"] == "in-memory"
    for name, value in memory["metrics"].items():
        if name in EXACT:
            assert stream["metrics"][name] == value, name
        elif name in CLOSE:
            assert stream["metrics"][name] == pytest.approx(value, rel=1e-12, abs=1e-15), name
    bound = stream["roc_auc_error_bound"]
    assert bound is not None
    assert abs(stream["metrics"]["roc_auc"] - memory["metrics"]["roc_auc"]) <= bound + 1e-12
    if memory["task"] == "binary":
        ap_bound = stream["pr_auc_error_bound"]
        assert abs(stream["metrics"]["pr_auc"] - memory["metrics"]["pr_auc"]) <= ap_bound + 1e-12
    assert stream["confusion_matrix"] == memory["confusion_matrix"]
    assert [b["count"] for b in stream["calibration"]["bins"]] == [
        b["count"] for b in memory["calibration"]["bins"]]
    assert stream["overconfident_errors"]["top"] == memory["overconfident_errors"]["top"]
    assert stream["input"] == memory["input"]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_binary_files_agree(tmp_path, seed):
    rng = np.random.default_rng(seed)
    n = 5000
    y = rng.integers(0, 2, n)
    p = 1 / (1 + np.exp(-(rng.normal(size=n) * 2 + y)))
    p[:20] = np.round(p[:20], 1)  # some ties
    p[20:25] = [0.0, 1.0, 1.0, 0.0, 0.5]
    path = tmp_path / "p.csv"
    pd.DataFrame({"id": [f"r{i}" for i in range(n)], "label": y, "prob": p}).to_csv(
        path, index=False)
    assert_agree(*both(str(path), threshold=0.4, min_confidence=0.8))


@pytest.mark.parametrize("sample", ["binary.csv", "multiclass.csv", "epochs/epoch_20.csv"])
def test_samples_agree(sample):
    assert_agree(*both(os.path.join(SAMPLES, sample)))


def test_parquet_streams(tmp_path):
    frame = pd.read_csv(os.path.join(SAMPLES, "binary.csv"))
    path = tmp_path / "p.parquet"
    frame.to_parquet(path, row_group_size=50)
    assert_agree(*both(str(path)))


def test_dropped_rows_and_errors_keep_file_row_numbers(tmp_path):
    lines = ["label,prob"] + [f"{i % 2},0.{i % 9 + 1}" for i in range(3000)]
    lines[2500] = "1,"  # file row 2500
    path = tmp_path / "p.csv"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ClfdiagError, match="rows 2500"):
        clfdiag.evaluate_file(str(path), streaming=True, batch_bytes=2048)
    report = clfdiag.evaluate_file(str(path), ReadOptions(drop_invalid=True), streaming=True,
                                   batch_bytes=2048)
    assert report["input"]["dropped_reasons"] == {"missing or NaN probability": 1}
    assert report["input"]["rows"] == 3000


def test_classes_settle_across_batches(tmp_path):
    lines = ["label,prob"] + ["1,0.8"] * 2000 + ["0,0.3"] * 2000
    path = tmp_path / "p.csv"
    path.write_text("\n".join(lines) + "\n")
    report = clfdiag.evaluate_file(str(path), streaming=True, batch_bytes=2048)
    assert report["classes"] == ["0", "1"]
    assert report["metrics"]["accuracy"] == 1.0


@pytest.mark.parametrize(("negative", "positive"),
                         [("False", "True"), ("No", "Yes"), ("NEG", "POS")])
def test_named_classes_settle_across_batches_in_their_case(tmp_path, negative, positive):
    lines = ["label,prob"] + [f"{negative},0.3"] * 2000 + [f"{positive},0.8"] * 2000
    path = tmp_path / "p.csv"
    path.write_text("\n".join(lines) + "\n")
    memory, stream = both(str(path), batch_bytes=2048)
    assert stream["classes"] == memory["classes"] == [negative, positive]
    assert stream["metrics"]["accuracy"] == 1.0


def test_a_positive_class_that_would_change_is_an_error(tmp_path):
    lines = ["label,prob"] + ["0,0.2"] * 2000 + ["-1,0.3"] * 2000
    path = tmp_path / "p.csv"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ClfdiagError, match="--positive"):
        clfdiag.evaluate_file(str(path), streaming=True, batch_bytes=2048)


def test_mode_is_chosen_by_size(monkeypatch):
    path = os.path.join(SAMPLES, "binary.csv")
    assert json.loads(run("evaluate", path, "-f", "json").stdout)["mode"] == "in-memory"
    monkeypatch.setattr(streaming_module, "available_memory", lambda: 10_000)
    report = json.loads(run("evaluate", path, "-f", "json").stdout)
    assert report["mode"] == "streaming"
    assert json.loads(run("evaluate", path, "--in-memory", "-f", "json").stdout)[
        "mode"] == "in-memory"


def test_streaming_is_stated_on_screen():
    out = " ".join(run("evaluate", os.path.join(SAMPLES, "binary.csv"), "--streaming")
                   .stdout.split())
    assert "streaming: read in batches" in out
    assert "histogram: within" in out


@pytest.mark.parametrize("bad_row", [1, 3000])
def test_non_numeric_value_while_streaming(tmp_path, bad_row):
    lines = ["extra,id,label,prob"] + [f"x,r{i},{i % 2},0.{i % 9 + 1}" for i in range(4000)]
    lines[bad_row] = f"x,r{bad_row},1,oops"
    path = tmp_path / "p.csv"
    path.write_text("\n".join(lines) + "\n")
    result = run("evaluate", path, "--streaming", code=2)
    assert f"column 'prob': 1 non-numeric values (rows {bad_row} ('oops'))" in result.stderr


def test_ragged_row_while_streaming(tmp_path):
    lines = ["label,prob"] + ["1,0.5"] * 3000 + ["0,0.5,7"]
    path = tmp_path / "p.csv"
    path.write_text("\n".join(lines) + "\n")
    result = run("evaluate", path, "--streaming", code=2)
    assert "malformed CSV" in result.stderr
