"""`clfdiag calibrate` through the CLI: options, the JSON contract, --save/--apply, bad mappings."""

import json
import os

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from scipy.special import expit, logit
from sklearn.calibration import _sigmoid_calibration
from typer.testing import CliRunner

from clfdiag.cli.app import app
from clfdiag.core.catalogue import CATALOGUE
from clfdiag.core.recalibration import BINARY_METHODS, MULTICLASS_METHODS
from tests.conftest import DATA, SAMPLES, read_csv_exact

EPOCH = os.path.join(SAMPLES, "epochs", "epoch_20.csv")
MANY_CLASSES = os.path.join(DATA, "shapes", "many_classes_two_present.csv")
MULTI = os.path.join(SAMPLES, "multiclass.csv")
EPS = np.finfo(float).eps
METRICS = ["log_loss", "brier", "accuracy", "ece", "ece_positive_class", "mce",
           "overconfident_errors"]


def run(*args, code=0):
    result = CliRunner().invoke(app, ["calibrate", *map(str, args)])
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert "Traceback" not in result.stdout + result.stderr
    return result


def as_json(*args):
    return json.loads(run(*args, "-f", "json").stdout)


@pytest.fixture(scope="module")
def binary_report():
    return as_json(EPOCH)


def test_json_contract(binary_report):
    r = binary_report
    for key in ("command", "methods", "recommended", "folds", "seed", "margin"):
        assert key in r
    assert r["command"] == "calibrate"
    assert r["folds"] == 5
    assert r["seed"] == 0
    assert [m["method"] for m in r["methods"]] == list(BINARY_METHODS)
    for m in r["methods"]:
        assert {"method", "params", "before", "after", "in_sample"} <= set(m)
        for stage in ("before", "after", "in_sample", "change"):
            assert list(m[stage]) == METRICS
            assert all(k in CATALOGUE for k in m[stage])
    losses = {m["method"]: m["after"]["log_loss"] for m in r["methods"]}
    ranked = sorted(losses.values())
    assert losses[r["recommended"]] == ranked[0]
    assert r["margin"] == pytest.approx(ranked[1] - ranked[0])


def test_cross_fitting_lowers_the_log_loss_of_the_overfitted_epoch(binary_report):
    best = next(m for m in binary_report["methods"]
                if m["method"] == binary_report["recommended"])
    assert best["after"]["log_loss"] < best["before"]["log_loss"] - 0.5
    assert best["change"]["log_loss"] == pytest.approx(
        best["after"]["log_loss"] - best["before"]["log_loss"])


def brute_force_top_label_ece(y, p, bins):
    conf = np.where(p >= 0.5, p, 1 - p)
    right = (p >= 0.5) == (y == 1)
    total = 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        inside = [(c > lo or (b == 0 and c >= lo)) and c <= hi for c in conf]
        inside = np.array(inside)
        if inside.any():
            total += inside.sum() / len(y) * abs(right[inside].mean() - conf[inside].mean())
    return total


def test_bins_and_min_confidence_against_a_brute_force():
    frame = pd.read_csv(EPOCH)
    y, p = frame["label"].to_numpy(), frame["prob"].to_numpy()
    r = as_json(EPOCH, "--bins", 10, "--min-confidence", 0.8, "--method", "platt")
    before = r["methods"][0]["before"]
    assert before["ece"] == pytest.approx(brute_force_top_label_ece(y, p, 10), abs=1e-12)
    conf = np.maximum(p, 1 - p)
    wrong = (p >= 0.5) != (y == 1)
    assert before["overconfident_errors"] == int((wrong & (conf >= 0.8)).sum())
    assert r["bins"] == 10
    assert len(r["reliability_before"]["bins"]) == 10


def test_platt_smoothing_matches_scikit_learn():
    frame = pd.read_csv(EPOCH)
    y, p = frame["label"].to_numpy(), frame["prob"].to_numpy()
    a, b = _sigmoid_calibration(logit(np.clip(p, EPS, 1 - EPS)), y)
    params = as_json(EPOCH, "--method", "platt", "--platt-smoothing")["methods"][0]["params"]
    assert params["slope"] == pytest.approx(-a, abs=1e-6)
    assert params["intercept"] == pytest.approx(-b, abs=1e-6)
    plain = as_json(EPOCH, "--method", "platt")["methods"][0]["params"]
    assert plain["slope"] != pytest.approx(params["slope"], abs=1e-9)


def test_repeated_method_and_multiclass_defaults():
    r = as_json(EPOCH, "--method", "temperature", "--method", "isotonic")
    assert [m["method"] for m in r["methods"]] == ["temperature", "isotonic"]
    multi = as_json(MULTI)
    assert [m["method"] for m in multi["methods"]] == list(MULTICLASS_METHODS)
    assert "ece_positive_class" not in [k for m in multi["methods"]
                                        for k, v in m["before"].items() if v is not None]


def test_folds_and_seed():
    a = as_json(EPOCH, "--method", "isotonic", "--folds", 3, "--seed", 7)
    again = as_json(EPOCH, "--method", "isotonic", "--folds", 3, "--seed", 7)
    other = as_json(EPOCH, "--method", "isotonic", "--folds", 3, "--seed", 8)
    assert a["folds"] == 3
    assert a["seed"] == 7
    assert a["methods"] == again["methods"]
    assert a["methods"][0]["after"] != other["methods"][0]["after"]
    # The fit on all rows does not depend on the folds.
    assert a["methods"][0]["in_sample"] == other["methods"][0]["in_sample"]


@pytest.mark.parametrize(("args", "flag"), [
    (["--method", "magic"], "--method"),
    (["--method", "vector_scaling"], "--method"),
    (["--folds", "400"], "--folds"),
    (["--folds", "1"], "--folds"),
    (["--bins", "0"], "--bins"),
    (["--bootstrap", "-1"], "--bootstrap"),
])
def test_bad_options_exit_2_naming_the_flag(args, flag):
    result = run(EPOCH, *args, code=2)
    assert flag in result.stderr


def test_multiclass_method_on_binary_refused_and_binary_method_on_multiclass():
    assert "--method" in run(MULTI, "--method", "platt", code=2).stderr


def test_bootstrap_interval():
    r = as_json(EPOCH, "--method", "temperature", "--bootstrap", 40)
    interval = r["methods"][0]["ece_interval"]
    low, high = interval["before"]
    assert low <= r["methods"][0]["before"]["ece"] <= high or low <= high
    assert low < high
    assert as_json(EPOCH, "--method", "temperature")["methods"][0]["ece_interval"] is None
    assert "bootstrap intervals (40 resamples)" in run(EPOCH, "--method", "temperature",
                                                       "--bootstrap", 40).stdout


def platt_by_hand(params, p):
    z = np.log(np.clip(p, EPS, 1 - EPS)) - np.log1p(-np.clip(p, EPS, 1 - EPS))
    return expit(params["slope"] * z + params["intercept"])


def test_save_and_apply_round_trip(tmp_path):
    mapping = tmp_path / "platt.json"
    out = tmp_path / "calibrated.csv"
    fitted = as_json(EPOCH, "--method", "platt", "--save", mapping)
    saved = json.loads(mapping.read_text())
    assert saved["method"] == "platt"
    assert saved["classes"] == ["0", "1"]
    assert saved["params"] == fitted["methods"][0]["params"]
    applied = json.loads(run("--apply", mapping, EPOCH, "-o", out, "-f", "json").stdout)
    original, calibrated = read_csv_exact(EPOCH), read_csv_exact(out)
    assert list(calibrated.columns) == list(original.columns)
    assert calibrated["id"].tolist() == original["id"].tolist()
    assert calibrated["label"].tolist() == original["label"].tolist()
    np.testing.assert_allclose(calibrated["prob"], platt_by_hand(saved["params"],
                                                                  original["prob"].to_numpy()),
                               rtol=1e-12, atol=1e-15)
    # Applying the map fitted on all rows to the same rows is the in-sample fit.
    assert applied["methods"][0]["after"] == pytest.approx(fitted["methods"][0]["in_sample"])
    assert applied["mode"] == "apply"
    assert applied["methods"][0]["in_sample"] is None


def test_save_takes_the_recommended_method_by_default(tmp_path):
    mapping = tmp_path / "m.json"
    r = as_json(EPOCH, "--save", mapping)
    assert json.loads(mapping.read_text())["method"] == r["recommended"]


@pytest.mark.parametrize("method", BINARY_METHODS)
def test_every_binary_mapping_round_trips(tmp_path, method):
    mapping, out = tmp_path / "m.json", tmp_path / "c.csv"
    fitted = as_json(EPOCH, "--method", method, "--save", mapping)
    applied = json.loads(run("--apply", mapping, EPOCH, "-o", out, "-f", "json").stdout)
    assert applied["methods"][0]["after"] == pytest.approx(fitted["methods"][0]["in_sample"],
                                                           rel=1e-9)


def test_multiclass_round_trip_keeps_the_columns(tmp_path):
    mapping, out = tmp_path / "m.json", tmp_path / "c.csv"
    as_json(MULTI, "--method", "temperature", "--save", mapping)
    run("--apply", mapping, MULTI, "-o", out)
    original, calibrated = read_csv_exact(MULTI), read_csv_exact(out)
    assert list(calibrated.columns) == list(original.columns)
    probs = [c for c in original.columns if c.startswith("p_")]
    np.testing.assert_allclose(calibrated[probs].sum(axis=1), 1.0, atol=1e-12)
    t = json.loads(mapping.read_text())["params"]["temperature"]
    log_p = np.log(np.clip(original[probs].to_numpy(), EPS, 1 - EPS)) / t
    expected = np.exp(log_p - log_p.max(axis=1, keepdims=True))
    expected /= expected.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(calibrated[probs].to_numpy(), expected, rtol=1e-9, atol=1e-15)


def test_vector_scaling_follows_the_classes_by_name_not_by_position(tmp_path):
    # A map of one scale and bias per class, applied to the same rows with the class
    # columns in another order: each class keeps its own parameters.
    mapping, same, shuffled = tmp_path / "m.json", tmp_path / "same.csv", tmp_path / "shuf.csv"
    as_json(MULTI, "--method", "vector_scaling", "--save", mapping)
    original = read_csv_exact(MULTI)
    probs = [c for c in original.columns if c.startswith("p_")]
    moved = [c for c in original.columns if c not in probs] + probs[::-1]
    original[moved].to_csv(tmp_path / "moved.csv", index=False)
    run("--apply", mapping, MULTI, "-o", same)
    report = json.loads(run("--apply", mapping, tmp_path / "moved.csv", "-o", shuffled,
                            "-f", "json").stdout)
    saved = json.loads(mapping.read_text())
    assert saved["params"]["scale"][0] != saved["params"]["scale"][-1]
    calibrated = read_csv_exact(shuffled)
    assert list(calibrated.columns) == moved
    np.testing.assert_allclose(calibrated[probs].to_numpy(),
                               read_csv_exact(same)[probs].to_numpy(), rtol=1e-12, atol=1e-15)
    assert any("matched to the mapping's classes by name" in n for n in report["notes"])


def test_apply_keeps_text_ids_and_writes_parquet(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("id,label,prob,note\n007,1,0.9,\"a, b\"\n008,0,0.2,x\n009,1,0.6,y\n"
                   "010,0,0.4,z\n")
    mapping = tmp_path / "m.json"
    mapping.write_text(json.dumps({"format": "clfdiag calibration mapping", "version": 1,
                                   "method": "temperature", "params": {"temperature": 2.0},
                                   "classes": ["0", "1"]}))
    run("--apply", mapping, src, "-o", tmp_path / "out.csv")
    assert (tmp_path / "out.csv").read_text().splitlines()[0] == "id,label,prob,note"
    written = pd.read_csv(tmp_path / "out.csv", dtype=str)
    assert written["id"].tolist() == ["007", "008", "009", "010"]
    assert written["note"].tolist() == ["a, b", "x", "y", "z"]
    run("--apply", mapping, src, "-o", tmp_path / "out.parquet")
    table = pq.read_table(tmp_path / "out.parquet")
    assert table.column_names == ["id", "label", "prob", "note"]
    assert table["id"].to_pylist() == ["007", "008", "009", "010"]
    expected = expit(logit(np.array([0.9, 0.2, 0.6, 0.4])) / 2.0)
    np.testing.assert_allclose(table["prob"].to_numpy(), expected, rtol=1e-12)


def test_apply_writes_percentages_back_as_percentages(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("label,prob\n1,90\n0,20\n1,60\n0,40\n")
    mapping = tmp_path / "m.json"
    mapping.write_text(json.dumps({"format": "clfdiag calibration mapping", "version": 1,
                                   "method": "platt",
                                   "params": {"slope": 1.0, "intercept": 0.0},
                                   "classes": ["0", "1"]}))
    run("--apply", mapping, src, "--percent", "-o", tmp_path / "out.csv")
    np.testing.assert_allclose(pd.read_csv(tmp_path / "out.csv")["prob"], [90, 20, 60, 40])


def test_logits_are_calibrated_and_written_as_probabilities(tmp_path):
    rng = np.random.default_rng(0)
    z = rng.normal(0, 3, 400)
    y = (rng.uniform(size=400) < expit(z / 2)).astype(int)
    src = tmp_path / "logits.csv"
    pd.DataFrame({"label": y, "logit": z}).to_csv(src, index=False)
    r = as_json(src, "--logits", "--method", "temperature", "--save", tmp_path / "m.json")
    t = r["methods"][0]["params"]["temperature"]
    assert 1.5 < t < 2.7
    result = run("--apply", tmp_path / "m.json", src, "--logits", "-o", tmp_path / "o.csv",
                 "-f", "json")
    assert "not logits" in " ".join(json.loads(result.stdout)["notes"])
    np.testing.assert_allclose(pd.read_csv(tmp_path / "o.csv")["logit"], expit(z / t),
                               rtol=1e-9)


def test_mapping_for_other_classes_is_refused(tmp_path):
    mapping = tmp_path / "m.json"
    as_json(EPOCH, "--method", "temperature", "--save", mapping)
    result = run("--apply", mapping, MULTI, "-o", tmp_path / "o.csv", code=2)
    assert "--apply" in result.stderr
    assert "classes" in result.stderr
    other = json.loads(mapping.read_text())
    other["classes"] = ["cat", "dog"]
    mapping.write_text(json.dumps(other))
    assert "classes" in run("--apply", mapping, EPOCH, "-o", tmp_path / "o.csv",
                            code=2).stderr
    assert not (tmp_path / "o.csv").exists()


@pytest.mark.parametrize("content", [
    "not json {", "[1, 2]", '{"format": "something else"}',
    json.dumps({"format": "clfdiag calibration mapping", "version": 9, "method": "platt",
                "params": {}, "classes": ["0", "1"]}),
    json.dumps({"format": "clfdiag calibration mapping", "version": 1, "method": "temperature",
                "params": {"temperature": -1.0}, "classes": ["0", "1"]}),
    json.dumps({"format": "clfdiag calibration mapping", "version": 1, "method": "platt",
                "params": {"slope": "x", "intercept": 0}, "classes": ["0", "1"]}),
])
def test_bad_mapping_files_exit_2(tmp_path, content):
    mapping = tmp_path / "m.json"
    mapping.write_text(content)
    result = run("--apply", mapping, EPOCH, "-o", tmp_path / "o.csv", code=2)
    assert result.stderr.startswith("error: --apply")


def test_missing_mapping_and_misused_apply(tmp_path):
    assert "cannot read" in run("--apply", tmp_path / "none.json", EPOCH, "-o",
                                tmp_path / "o.csv", code=2).stderr
    mapping = tmp_path / "m.json"
    as_json(EPOCH, "--method", "platt", "--save", mapping)
    assert "-o" in run("--apply", mapping, EPOCH, code=2).stderr
    assert "--method" in run("--apply", mapping, EPOCH, "-o", tmp_path / "o.csv", "--method",
                             "platt", code=2).stderr
    assert "uncompressed" in run("--apply", mapping, EPOCH, "-o", tmp_path / "o.csv.gz",
                                 code=2).stderr


@pytest.mark.parametrize("fmt", ["table", "markdown", "html", "csv"])
def test_every_format(fmt):
    out = run(EPOCH, "--method", "platt", "--method", "isotonic", "-f", fmt).stdout
    assert "platt" in out
    if fmt == "csv":
        assert out.splitlines()[0] == "method,stage," + ",".join(METRICS)
    if fmt == "table":
        assert max(len(line) for line in out.splitlines()) <= 80


def test_report_to_file_and_plots(tmp_path):
    pytest.importorskip("matplotlib")
    run(EPOCH, "--method", "platt", "-o", tmp_path / "r.json", "-f", "json", "--plot",
        tmp_path / "figs")
    assert json.loads((tmp_path / "r.json").read_text())["command"] == "calibrate"
    assert (tmp_path / "figs" / "reliability_platt.png").exists()


def test_reliability_bins_carry_wilson_intervals(binary_report):
    rel = binary_report["methods"][0]["reliability_after"]
    assert rel["view"] == "positive_class"
    for b in rel["bins"]:
        if b["count"]:
            assert b["interval"][0] - 1e-12 <= b["observed"] <= b["interval"][1] + 1e-12


def test_bundled_mapping_is_what_save_writes(tmp_path):
    mapping = tmp_path / "m.json"
    as_json(EPOCH, "--method", "platt", "--save", mapping)
    bundled = os.path.join(SAMPLES, "epoch_20_platt.json")
    with open(bundled, encoding="utf-8") as f:
        expected = json.load(f)
    saved = json.loads(mapping.read_text())
    # The parameters come out of Newton's method, which stops at a decrement below 1e-12
    # and whose gradient is a sum over the rows: the last few bits depend on how numpy
    # orders that sum (versions, CPUs), so they agree to about n * eps, not bit for bit.
    expected_params, saved_params = expected.pop("params"), saved.pop("params")
    assert saved == expected
    assert saved_params == pytest.approx(expected_params, rel=1e-9, abs=1e-12)


def scipy_temperature(y, z):
    from scipy.optimize import minimize_scalar

    def nll(log_t):
        s = z / np.exp(log_t)
        return np.mean(np.where(y == 1, np.logaddexp(0, -s), np.logaddexp(0, s)))

    return float(np.exp(minimize_scalar(nll, bounds=(-5, 5), method="bounded",
                                        options={"xatol": 1e-12}).x))


@pytest.fixture(scope="module")
def saturated(tmp_path_factory):
    """Logits far beyond +-36, where the probabilities saturate at 0 and 1."""
    rng = np.random.default_rng(1)
    z = rng.normal(0, 30, 500)
    y = (rng.uniform(size=500) < expit(z / 10)).astype(int)
    folder = tmp_path_factory.mktemp("saturated")
    one, two = folder / "one.csv", folder / "two.csv"
    pd.DataFrame({"label": y, "logit": z}).to_csv(one, index=False)
    pd.DataFrame({"label": y, "p_0": -z / 2, "p_1": z / 2}).to_csv(two, index=False)
    return y, z, one, two


def test_temperature_rescales_the_logits_read_with_logits(saturated, tmp_path):
    y, z, one, two = saturated
    expected = scipy_temperature(y, z)
    r = as_json(one, "--logits", "--method", "temperature")
    assert r["methods"][0]["params"]["temperature"] == pytest.approx(expected, rel=1e-6)
    assert any("--logits" in note for note in r["notes"])
    # Two logit columns: softmax's positive-class logit is their difference.
    r2 = as_json(two, "--logits", "--method", "temperature")
    assert r2["methods"][0]["params"]["temperature"] == pytest.approx(expected, rel=1e-6)
    # From the saturated probabilities alone, the clipped logits give another temperature.
    probs = tmp_path / "p.csv"
    pd.DataFrame({"label": y, "prob": expit(z)}).to_csv(probs, index=False)
    clipped = as_json(probs, "--method", "temperature")["methods"][0]["params"]["temperature"]
    assert abs(clipped - expected) > 0.1
    run("--apply", tmp_path / "none.json", one, "--logits", "-o", tmp_path / "o.csv", code=2)
    as_json(one, "--logits", "--method", "temperature", "--save", tmp_path / "t.json")
    run("--apply", tmp_path / "t.json", one, "--logits", "-o", tmp_path / "o.csv")
    np.testing.assert_allclose(pd.read_csv(tmp_path / "o.csv")["logit"], expit(z / expected),
                               rtol=1e-6, atol=1e-12)


def test_python_api_matches_the_cli(tmp_path):
    import clfdiag

    preds = clfdiag.read_predictions(EPOCH)
    report = clfdiag.calibrate(preds, methods=["platt"])
    assert report["methods"] == as_json(EPOCH, "--method", "platt")["methods"]
    from clfdiag.reports.calibrate import saved_mapping

    applied, calibrated = clfdiag.apply_calibration(preds, saved_mapping(report))
    np.testing.assert_allclose(calibrated, platt_by_hand(report["methods"][0]["params"],
                                                         preds.proba), rtol=1e-12)
    assert applied["methods"][0]["after"] == pytest.approx(report["methods"][0]["in_sample"])


def test_estimability_keys(binary_report):
    for m in binary_report["methods"]:
        assert {"estimable", "parameters", "rows_per_parameter", "reason"} <= set(m)
        assert m["estimable"] is (m["rows_per_parameter"] >= 10)
        assert (m["reason"] is None) is m["estimable"]
    assert binary_report["undefined"] == {}


def test_57_classes_with_two_present_never_recommend_vector_scaling():
    r = as_json(MANY_CLASSES)
    frame = pd.read_csv(MANY_CLASSES)
    assert frame.shape[1] - 2 == 57
    assert frame["target"].nunique() == 2
    vector = next(m for m in r["methods"] if m["method"] == "vector_scaling")
    # 80 rows in 5 folds: 64 training rows for a scale per class and 56 free biases.
    assert vector["estimable"] is False
    assert vector["parameters"] == 2 * 57 - 1
    assert vector["rows_per_parameter"] == pytest.approx(64 / 113, rel=1e-12)
    assert "64 training rows for 113 parameters" in vector["reason"]
    assert r["recommended"] != "vector_scaling"
    chosen = next(m for m in r["methods"] if m["method"] == r["recommended"])
    assert chosen["after"]["log_loss"] <= chosen["before"]["log_loss"]
    table = run(MANY_CLASSES).stdout
    assert "vector_scaling is not estimable" in table


def test_a_file_too_small_for_any_map_recommends_none(tmp_path):
    src = tmp_path / "tiny.csv"
    probs = [0.9, 0.2, 0.7, 0.4, 0.35, 0.1, 0.8, 0.6, 0.65, 0.3, 0.55, 0.45]
    src.write_text("label,prob\n" + "".join(f"{i % 2 ^ 1},{q}\n" for i, q in enumerate(probs)))
    r = as_json(src)
    assert [m["estimable"] for m in r["methods"]] == [False] * len(BINARY_METHODS)
    assert r["recommended"] is None
    assert r["margin"] is None
    assert r["undefined"]["recommended"].startswith("no method is estimable")
    assert "No map recommended: no method is estimable" in " ".join(run(src).stdout.split())
    refused = run(src, "--save", tmp_path / "m.json", code=2)
    assert "--method" in refused.stderr
    assert not (tmp_path / "m.json").exists()
    run(src, "--method", "platt", "--save", tmp_path / "m.json")
    assert json.loads((tmp_path / "m.json").read_text())["method"] == "platt"
