"""`evaluate --by`: group fairness as Fairlearn defines it, in every engine, and its gate."""

import json
import os

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from clfdiag.cli.app import app
from tests.conftest import DATA, SAMPLES
from tests.fairlearn_oracle import TOL, fairlearn_disparities, fairlearn_metrics

DISPARITIES = ("demographic_parity_difference", "demographic_parity_ratio",
               "equalized_odds_difference", "equalized_odds_ratio",
               "equal_opportunity_difference", "equal_opportunity_ratio")


@pytest.fixture(scope="module")
def audited(tmp_path_factory):
    rng = np.random.default_rng(7)
    n = 900
    sex = rng.choice(["F", "M"], n)
    band = rng.choice(["<30", "30-50", ">50"], n, p=[0.3, 0.5, 0.2])
    y = rng.random(n) < 0.4
    prob = np.clip(0.25 + 0.4 * y + np.where(sex == "F", -0.08, 0.05) + rng.normal(0, 0.2, n),
                   0, 1)
    frame = pd.DataFrame({"id": np.arange(n), "label": y.astype(int), "prob": prob, "sex": sex,
                          "age_band": band, "weight": rng.uniform(0.5, 2.0, n)})
    path = tmp_path_factory.mktemp("fair") / "audit.csv"
    frame.to_csv(path, index=False)
    return path, frame


def run(*args):
    result = CliRunner().invoke(app, [str(a) for a in args])
    return result


def expected(frame, columns, method="between_groups", agg="worst_case", weights=None):
    y = frame["label"].to_numpy()
    pred = (frame["prob"] >= 0.5).astype(int).to_numpy()
    features = frame[columns] if len(columns) > 1 else frame[columns[0]]
    return fairlearn_disparities(y, pred, features, weights, method=method, agg=agg)


@pytest.mark.parametrize("engine", [[], ["--streaming"], ["--in-memory"]])
def test_each_column_then_the_crossing_equal_fairlearn(audited, engine):
    path, frame = audited
    result = run("evaluate", path, "--by", "sex", "--by", "age_band", "-f", "json",
                 "--fairness-bootstrap", "50", *engine)
    assert result.exit_code == 0, result.output
    entries = json.loads(result.stdout)["fairness"]
    assert [e["columns"] for e in entries] == [["sex"], ["age_band"], ["sex", "age_band"]]
    for entry in entries:
        want = expected(frame, entry["columns"])
        for name in DISPARITIES:
            assert entry[name] == pytest.approx(want[name], abs=TOL), (entry["columns"], name)
    crossing = entries[2]
    assert crossing["groups"][0]["group"] == "F × 30-50"
    assert sum(g["count"] for g in crossing["groups"]) == len(frame)


@pytest.mark.parametrize(("reference", "agg"), [("to-overall", "mean"),
                                                ("between_groups", "mean"),
                                                ("to_overall", "worst-case")])
def test_reference_and_aggregation_equal_fairlearn(audited, reference, agg):
    path, frame = audited
    result = run("evaluate", path, "--by", "sex", "--fairness-reference", reference,
                 "--fairness-agg", agg, "-f", "json", "--fairness-bootstrap", "0")
    assert result.exit_code == 0, result.output
    entry = json.loads(result.stdout)["fairness"][0]
    method, aggregation = reference.replace("-", "_"), agg.replace("-", "_")
    assert (entry["reference"], entry["aggregation"]) == (method, aggregation)
    assert entry["intervals"] is None
    want = expected(frame, ["sex"], method, aggregation)
    for name in DISPARITIES:
        assert entry[name] == pytest.approx(want[name], abs=TOL), name


def test_weighted_rates_and_disparities_equal_fairlearn(audited):
    path, frame = audited
    result = run("evaluate", path, "--by", "age_band", "--weight-col", "weight", "-f", "json",
                 "--fairness-bootstrap", "20")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    entry = report["fairness"][0]
    want = expected(frame, ["age_band"], weights=frame["weight"].to_numpy())
    for name in DISPARITIES:
        assert entry[name] == pytest.approx(want[name], abs=TOL), name
    # count stays the number of rows while the rates are weighted
    counts = frame.groupby("age_band").size()
    assert {g["group"]: g["count"] for g in entry["groups"]} == counts.to_dict()
    mf = fairlearn_metrics.MetricFrame(
        metrics=fairlearn_metrics.selection_rate, y_true=frame["label"],
        y_pred=(frame["prob"] >= 0.5).astype(int), sensitive_features=frame["age_band"],
        sample_params={"sample_weight": frame["weight"].to_numpy()})
    for g in entry["groups"]:
        assert g["selection_rate"] == pytest.approx(mf.by_group[g["group"]], abs=TOL)
    assert any("unweighted" in note for note in report["notes"])


def test_threshold_decides_the_predictions(audited):
    path, frame = audited
    result = run("evaluate", path, "--by", "sex", "--threshold", "0.3", "-f", "json",
                 "--fairness-bootstrap", "0")
    entry = json.loads(result.stdout)["fairness"][0]
    rates = frame.assign(pred=frame["prob"] >= 0.3).groupby("sex")["pred"].mean()
    assert {g["group"]: g["selection_rate"] for g in entry["groups"]} == pytest.approx(
        rates.to_dict(), abs=TOL)


def test_gate_fails_on_a_difference_above_and_a_ratio_below(audited, tmp_path):
    path, _ = audited
    junit = tmp_path / "gates.xml"
    result = run("evaluate", path, "--by", "sex", "-f", "json", "--fail-on", "disparity",
                 "--max-disparity", "0.01", "--junit", junit)
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert report["gates"][0]["fail_on"] == "disparity"
    assert not report["gates"][0]["passed"]
    assert "disparity" in junit.read_text()
    four_fifths = run("evaluate", path, "--by", "sex", "-f", "json", "--fail-on", "disparity",
                      "--disparity-metric", "demographic_parity_ratio", "--max-disparity",
                      "0.8")
    value = json.loads(four_fifths.stdout)["fairness"][0]["demographic_parity_ratio"]
    assert four_fifths.exit_code == (1 if value < 0.8 else 0)
    lenient = run("evaluate", path, "--by", "sex", "-f", "markdown", "--fail-on", "disparity",
                  "--max-disparity", "1")
    assert lenient.exit_code == 0, lenient.output
    assert "disparity" in lenient.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["--fail-on", "disparity"], "--max-disparity"),
    (["--fail-on", "disparity", "--max-disparity", "0.1", "--disparity-metric", "gap"],
     "--disparity-metric"),
    (["--fail-on", "regression", "--max-disparity", "0.1"], "unknown condition"),
    (["--fairness-reference", "sideways"], "--fairness-reference"),
])
def test_bad_fairness_options_are_usage_errors(audited, args, message):
    path, _ = audited
    result = run("evaluate", path, "--by", "sex", *args)
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_gate_without_groups_is_refused(audited):
    path, _ = audited
    result = run("evaluate", path, "--fail-on", "disparity", "--max-disparity", "0.1")
    assert result.exit_code == 2
    assert "--by" in result.output


def test_group_without_positives_is_undefined_and_left_out(tmp_path):
    frame = pd.DataFrame({"label": [1, 0, 1, 0, 0, 0, 0, 1], "prob": [.9, .2, .4, .7, .6, .1,
                                                                      .3, .8],
                          "site": ["a", "a", "a", "a", "b", "b", "b", "a"]})
    path = tmp_path / "p.csv"
    frame.to_csv(path, index=False)
    result = run("evaluate", path, "--by", "site", "-f", "json")
    assert result.exit_code == 0, result.output
    entry = json.loads(result.stdout)["fairness"][0]
    b = next(g for g in entry["groups"] if g["group"] == "b")
    assert b["tpr"] is None
    assert "b: tpr" in entry["undefined"]
    assert entry["equal_opportunity_difference"] is None
    assert entry["groups_used"]["demographic_parity_difference"] == ["a", "b"]


def test_table_shows_the_fairness_section(audited):
    path, _ = audited
    result = run("evaluate", path, "--by", "sex", "--fairness-bootstrap", "30")
    assert result.exit_code == 0, result.output
    assert "Fairness by sex" in result.stdout
    assert "demographic parity difference" in result.stdout


def test_multiclass_has_no_fairness_entry(tmp_path):
    from tests.conftest import SAMPLES

    frame = pd.read_csv(f"{SAMPLES}/multiclass.csv")
    frame["site"] = np.where(np.arange(len(frame)) % 2, "x", "y")
    path = tmp_path / "m.csv"
    frame.to_csv(path, index=False)
    result = run("evaluate", path, "--by", "site", "-f", "json")
    assert result.exit_code == 0, result.output
    assert "fairness" not in json.loads(result.stdout)


def test_dask_counts_merge_exactly(audited):
    pytest.importorskip("dask")
    path, frame = audited
    result = run("evaluate", path, "--by", "sex", "--engine", "dask", "--scheduler",
                 "synchronous", "-f", "json")
    assert result.exit_code == 0, result.output
    entry = json.loads(result.stdout)["fairness"][0]
    want = expected(frame, ["sex"])
    for name in DISPARITIES:
        assert entry[name] == pytest.approx(want[name], abs=TOL), name


def test_disparity_bootstrap_over_many_groups_is_bounded(tmp_path, monkeypatch):
    # 1000 resamples x 20,000 groups x 4 cells was 640 MB of float64 and more beside it:
    # MemoryError, exit 3. The refusal names the resamples that fit.
    from clfdiag import limits

    monkeypatch.setattr(limits, "MAX_FAIRNESS_COUNTS", 4 * 1000 * 50)
    n = 120
    frame = pd.DataFrame({"label": np.arange(n) % 2, "prob": np.linspace(0.01, 0.99, n),
                          "g": [f"g{i // 2}" for i in range(n)]})
    path = tmp_path / "groups.csv"
    frame.to_csv(path, index=False)
    result = run("evaluate", path, "--by", "g", "--format", "json")
    assert result.exit_code == 2, result.output
    assert "--fairness-bootstrap 1000 over 60 groups" in result.stderr
    assert "use --fairness-bootstrap 833 or fewer" in result.stderr
    assert run("evaluate", path, "--by", "g", "--fairness-bootstrap", 833,
               "--format", "json").exit_code == 0
    second = tmp_path / "second.csv"
    frame.assign(prob=frame["prob"][::-1].to_numpy()).to_csv(second, index=False)
    result = run("compare", path, second, "--by", "g", "--fairness-bootstrap", 300,
                 "--format", "json")
    assert result.exit_code == 2, result.output
    assert "use --fairness-bootstrap 208 or fewer" in result.stderr


def test_a_disparity_gate_with_nothing_defined_is_an_input_error():
    # Nobody selected at a threshold of 1, above every score: each site's rate is 0, the
    # ratio 0/0. A gate that checked nothing must not pass.
    result = run("evaluate", os.path.join(DATA, "snapshots", "binary_sites.csv"), "--by",
                 "site", "--threshold", "1", "--fairness-bootstrap", "0", "--fail-on",
                 "disparity", "--disparity-metric", "demographic_parity_ratio",
                 "--max-disparity", "0.8")
    assert result.exit_code == 2, result.stdout
    assert "demographic_parity_ratio is undefined by site" in result.stderr
    assert "0/0" in result.stderr
    # Multiclass predictions have no fairness entry at all.
    result = run("evaluate", os.path.join(SAMPLES, "multiclass.csv"), "--by", "label",
                 "--fail-on", "disparity", "--max-disparity", "0.1")
    assert result.exit_code == 2, result.stdout
    assert "no fairness entry" in result.stderr
