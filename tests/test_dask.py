"""The Dask engine: any split into parts gives the whole's result; a real cluster agrees."""

import itertools
import json
import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import clfdiag
from clfdiag.engines.distributed import require_dask
from clfdiag.engines.slices import SliceOptions
from clfdiag.errors import ClfdiagError
from tests.test_cli import run
from tests.test_progress import Recorder

EXACT = ("n", "positives", "accuracy", "balanced_accuracy", "precision", "recall",
         "specificity", "f1", "mcc", "top5_accuracy", "macro_f1", "weighted_f1")
SUMS = ("log_loss", "brier", "ece", "mce", "prevalence")
ASIDE = ("mode", "engine", "input", "metrics", "roc_auc_ci", "roc_auc_error_bound",
         "pr_auc_error_bound", "curves", "calibration", "class_roc", "notes", "slices",
         "overconfident_errors", "per_class", "selective", "undefined",
         # Kept in memory only: the folds keep the top-label bins, not these estimators.
         "reliability_positive_class", "calibration_estimators",
         # The calibration tests need the rows in memory: null, with the reason, when folded.
         "calibration_tests")
IN_MEMORY_ONLY = ("ece_positive_class", "calibration_tests")


def dataset(seed, n, k=2):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    out = {"id": [f"r{i}" for i in range(n)], "label": y}
    if k == 2:
        p = 1 / (1 + np.exp(-(rng.normal(size=n) * 2 + y)))
        p[: n // 10] = np.round(p[: n // 10], 2)  # ties
        out["prob"] = p
    else:
        p = rng.dirichlet(np.ones(k), n)
        out.update({f"p_{c}": p[:, c] for c in range(k)})
        out["label"] = [str(c) for c in y]
    out["site"] = rng.choice(["north", "south", "east"], n)
    return pd.DataFrame(out)


def write_parts(directory, df, cuts, kind="csv", row_groups=None):
    directory.mkdir(exist_ok=True)
    bounds = [0, *cuts, len(df)]
    for i, (a, b) in enumerate(itertools.pairwise(bounds)):
        part = df.iloc[a:b]
        if kind == "csv":
            part.to_csv(directory / f"part-{i:03d}.csv", index=False)
        else:
            part.to_parquet(directory / f"part-{i:03d}.parquet", index=False,
                            row_group_size=(row_groups or {}).get(i, 1 << 20))
    return str(directory)


def assert_same(whole, parts, exact_ranking=False):
    """Counts exactly, sums within 1e-12, rankings within the bound (or exactly)."""
    assert set(parts["undefined"]) - set(whole["undefined"]) <= set(IN_MEMORY_ONLY)
    for name, value in whole["metrics"].items():
        if name in IN_MEMORY_ONLY:
            assert parts["metrics"][name] is None
        elif name in EXACT:
            assert parts["metrics"][name] == value, name
        elif name in SUMS:
            assert parts["metrics"][name] == pytest.approx(value, rel=1e-12, abs=1e-15), name
    for name, bound_key in (("roc_auc", "roc_auc_error_bound"), ("pr_auc", "pr_auc_error_bound")):
        if whole["metrics"].get(name) is None:
            continue
        if exact_ranking:
            assert parts["metrics"][name] == whole["metrics"][name]
        else:
            bound = parts[bound_key]
            assert abs(parts["metrics"][name] - whole["metrics"][name]) <= bound + 1e-12
    assert parts["confusion_matrix"] == whole["confusion_matrix"]
    assert [b["count"] for b in parts["calibration"]["bins"]] == [
        b["count"] for b in whole["calibration"]["bins"]]
    top_w, top_p = whole["overconfident_errors"], parts["overconfident_errors"]
    assert top_p["top"] == top_w["top"]
    for key, value in top_w.items():
        if key == "likely_label_issues":  # confident learning needs every example in memory
            assert key not in top_p
        elif key.startswith("share"):
            assert top_p[key] == pytest.approx(value, rel=1e-12), key
        else:
            assert top_p[key] == value, key
    for row_w, row_p in zip(whole["per_class"], parts["per_class"], strict=True):
        auc_w, auc_p = row_w.pop("roc_auc"), row_p.pop("roc_auc")
        assert row_p == row_w
        if auc_w is not None and not exact_ranking:
            assert abs(auc_p - auc_w) <= parts["roc_auc_error_bound"] + 1e-12
        elif exact_ranking:
            assert auc_p == auc_w
    for key in whole:
        if key not in ASIDE:
            assert parts[key] == whole[key], key
    if whole.get("calibration_tests") is not None:
        assert parts["calibration_tests"] is None
        assert "calibration_tests" in parts["undefined"]


def dask_sync(path, **kwargs):
    return clfdiag.evaluate_file(path, engine="dask", scheduler="synchronous", **kwargs)


@settings(max_examples=8)
@given(seed=st.integers(0, 10_000), n=st.integers(40, 400), k=st.sampled_from([2, 4]),
       data=st.data())
def test_every_split_gives_the_whole(tmp_path_factory, seed, n, k, data):
    df = dataset(seed, n, k)
    cuts = sorted(data.draw(st.lists(st.integers(0, n), max_size=5)))
    base = tmp_path_factory.mktemp("split")
    whole = dask_sync(write_parts(base / "whole", df, []), threshold=0.4 if k == 2 else None)
    parts = dask_sync(write_parts(base / "parts", df, cuts), threshold=0.4 if k == 2 else None)
    assert parts["mode"] == "distributed"
    assert parts["engine"] == "dask"
    # Histograms are integer counts: the ranking metrics of any split equal the whole's.
    assert_same(whole, parts, exact_ranking=True)
    assert parts["input"]["rows"] == n


def test_parquet_parts_agree_with_the_concatenated_file(tmp_path):
    df = dataset(1, 5000)
    directory = write_parts(tmp_path / "ds", df, [1000, 1000, 3500], "parquet",
                            row_groups={0: 100, 2: 777, 3: 4096})  # part 1 is empty
    whole_file = tmp_path / "all.parquet"
    df.to_parquet(whole_file, index=False)
    memory = clfdiag.evaluate_file(str(whole_file), streaming=False)
    parts = dask_sync(directory)
    assert_same(memory, parts)
    assert parts["pr_auc_error_bound"] is not None
    assert parts["input"]["rows"] == memory["input"]["rows"] == 5000


def test_slices_on_dask_equal_streaming(tmp_path):
    df = dataset(2, 3000)
    directory = write_parts(tmp_path / "ds", df, [700, 2000])
    whole_file = tmp_path / "all.csv"
    df.to_csv(whole_file, index=False)
    options = SliceOptions(("site",), metric="roc_auc")
    stream = clfdiag.evaluate_file(str(whole_file), streaming=True, slices=options)
    parts = dask_sync(directory, slices=options)
    for a, b in zip(parts["slices"], stream["slices"], strict=True):
        assert (a["group"], a["n"], a["below_rest"]) == (b["group"], b["n"], b["below_rest"])
        # Histograms are integer counts, merged exactly; float sums agree to rounding.
        assert a["metrics"] == pytest.approx(b["metrics"], rel=1e-12)
        assert a["p_value"] == pytest.approx(b["p_value"], rel=1e-12)
        for name, interval in b["intervals"].items():
            assert a["intervals"][name] == pytest.approx(interval, rel=1e-12)


def test_a_bad_row_names_the_part_and_the_row(tmp_path):
    df = dataset(3, 300)
    df["label"] = df["label"].astype(object)
    df.loc[250, "label"] = None  # row 51 of the third part
    directory = write_parts(tmp_path / "ds", df, [100, 200])
    with pytest.raises(ClfdiagError) as error:
        dask_sync(directory)
    assert "part 3" in error.value.message
    assert "part-002.csv" in error.value.message
    assert "row 51" in error.value.message or "rows 51" in error.value.message
    dropped = dask_sync(directory, options=clfdiag.ReadOptions(drop_invalid=True))
    assert dropped["input"]["dropped"] == 1
    assert dropped["metrics"]["n"] == 299


def test_an_unreadable_part_fails_the_run_unless_dropped(tmp_path):
    df = dataset(4, 200)
    directory = write_parts(tmp_path / "ds", df, [120], "parquet")
    (tmp_path / "ds" / "part-002.parquet").write_bytes(b"PAR1 this is not parquet")
    result = run("evaluate", directory, "--engine", "dask", "--scheduler", "synchronous",
                 code=2)
    assert "part 3" in result.stderr
    assert "Traceback" not in result.stderr
    kept = dask_sync(directory, options=clfdiag.ReadOptions(drop_invalid=True))
    assert kept["metrics"]["n"] == 200
    assert any("part 3" in note and "left out" in note for note in kept["notes"])


def test_missing_dask_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "dask", None)
    with pytest.raises(ClfdiagError) as error:
        require_dask()
    assert "clfdiag[dask]" in (error.value.hint or "")


def test_a_real_local_cluster_with_two_worker_processes(tmp_path):
    from distributed import LocalCluster

    df = dataset(5, 4000)
    directory = write_parts(tmp_path / "ds", df, [900, 2500], "parquet",
                            row_groups={0: 128, 1: 1000, 2: 333})
    whole_file = tmp_path / "all.parquet"
    df.to_parquet(whole_file, index=False)
    memory = json.loads(run("evaluate", str(whole_file), "-f", "json").stdout)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None,
                      scheduler_kwargs={"dashboard_address": ":0"}) as cluster:
        assert len(cluster.workers) == 2
        result = run("evaluate", directory, "--engine", "dask", "--scheduler",
                     cluster.scheduler_address, "-f", "json", "--by", "site")
        sink = Recorder()
        clfdiag.evaluate_file(directory, engine="dask", scheduler=cluster.scheduler_address,
                              progress=sink)
    assert (sink.unit, sink.total, sink.done) == ("parts", 3, 3)
    parts = json.loads(result.stdout)
    assert parts["engine"] == "dask"
    assert_same(memory, parts)
    assert [s["n"] for s in parts["slices"]] == df.site.value_counts().sort_index().tolist()


def test_scheduler_needs_the_dask_engine_and_dask_needs_parts(tmp_path):
    df = dataset(6, 50)
    path = tmp_path / "p.csv"
    df.to_csv(path, index=False)
    result = run("evaluate", str(path), "--scheduler", "tcp://nowhere:8786", code=2)
    assert "--engine dask" in result.stderr
    missing = run("evaluate", str(tmp_path / "nothing"), "--engine", "dask", code=2)
    assert "no such file or directory" in missing.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run("evaluate", str(empty), "--engine", "dask", code=2)
    assert "the directory holds no parts" in result.stderr


def test_parts_of_one_class_each_are_fine_but_one_value_in_all_is_refused(tmp_path):
    df = dataset(3, 60)
    df = df.sort_values("label", kind="stable").reset_index(drop=True)
    cut = int((df["label"] == 0).sum())
    mixed = write_parts(tmp_path / "mixed", df, [cut])
    report = dask_sync(mixed)
    assert report["metrics"]["positives"] == int((df["label"] == 1).sum())
    ones = df[df["label"] == 1].reset_index(drop=True)
    single = write_parts(tmp_path / "single", ones, [len(ones) // 2])
    with pytest.raises(ClfdiagError, match="single value '1'"):
        dask_sync(single)
    declared = dask_sync(single, options=clfdiag.ReadOptions(classes=("0", "1")))
    assert declared["metrics"]["positives"] == len(ones)


def test_target_risk_reaches_the_dask_engine(tmp_path):
    df = dataset(11, 2000)
    df.to_csv(tmp_path / "whole.csv", index=False)
    streamed = clfdiag.evaluate_file(str(tmp_path / "whole.csv"), streaming=True,
                                     target_risk=0.05)
    parts = dask_sync(write_parts(tmp_path / "parts", df, [700, 1500]), target_risk=0.05)
    assert parts["selective"]["coverage_at_risk"]["target"] == 0.05
    assert parts["selective"]["coverage_at_risk"] == streamed["selective"]["coverage_at_risk"]


def test_a_part_of_one_named_class_names_the_other_as_the_next_part_does(tmp_path):
    df = pd.DataFrame({"label": ["False"] * 30 + ["True", "False"] * 15,
                       "prob": np.linspace(0.01, 0.99, 60)})
    report = dask_sync(write_parts(tmp_path / "parts", df, [30]))
    assert report["classes"] == ["False", "True"]
    assert report["metrics"]["positives"] == 15


def test_a_part_of_one_row_is_read_unless_it_is_a_header(tmp_path):
    df = dataset(12, 40)[["label", "prob"]]
    directory = tmp_path / "parts"
    directory.mkdir()
    df.iloc[:39].to_json(directory / "part-000.jsonl", orient="records", lines=True)
    df.iloc[39:].to_json(directory / "part-001.jsonl", orient="records", lines=True)
    report = dask_sync(str(directory / "*.jsonl"))
    assert report["input"]["rows"] == report["metrics"]["n"] == 40
    # The directory itself: its JSON Lines files are its parts.
    assert dask_sync(str(directory))["metrics"] == report["metrics"]
    text = tmp_path / "text"
    text.mkdir()
    df.iloc[:39].to_csv(text / "part-000.csv", index=False, header=False)
    df.iloc[39:].to_csv(text / "part-001.csv", index=False, header=False)
    plain = dask_sync(str(text), options=clfdiag.ReadOptions(no_header=True, label_col="0",
                                                             prob_cols=("1",)))
    assert plain["metrics"]["n"] == 40
