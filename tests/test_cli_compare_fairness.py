"""`compare --by`: each disparity under A and B (Fairlearn's), its change and a paired interval."""

import json

import numpy as np
import pandas as pd
import pytest

from tests.conftest import SAMPLES
from tests.fairlearn_oracle import TOL, fairlearn_disparities
from tests.test_cli import run

DISPARITIES = ("demographic_parity_difference", "demographic_parity_ratio",
               "equalized_odds_difference", "equalized_odds_ratio",
               "equal_opportunity_difference", "equal_opportunity_ratio")


@pytest.fixture(scope="module")
def two_models(tmp_path_factory):
    """A with its group columns and weights; B in another row order, paired by id."""
    rng = np.random.default_rng(11)
    n = 800
    sex = rng.choice(["F", "M"], n)
    band = rng.choice(["<30", "30-50", ">50"], n, p=[0.3, 0.5, 0.2])
    y = (rng.random(n) < 0.4).astype(int)
    prob_a = np.clip(0.3 + 0.4 * y + rng.normal(0, 0.2, n), 0, 1)
    prob_b = np.clip(prob_a + np.where(sex == "F", -0.1, 0.06) + rng.normal(0, 0.05, n), 0, 1)
    weight = rng.uniform(0.5, 2.0, n)
    a = pd.DataFrame({"id": np.arange(n), "label": y, "prob": prob_a, "sex": sex,
                      "age_band": band, "weight": weight})
    b = pd.DataFrame({"id": np.arange(n), "label": y, "prob": prob_b, "weight": weight})
    b = b.iloc[rng.permutation(n)]
    folder = tmp_path_factory.mktemp("compare_fair")
    a.to_csv(folder / "a.csv", index=False)
    b.to_csv(folder / "b.csv", index=False)
    return folder / "a.csv", folder / "b.csv", a, b


def expected(a, b, columns, weighted=False, **options):
    """Fairlearn on each file's paired rows: B's probabilities lined up with A's by id."""
    joined = a.merge(b[["id", "prob"]], on="id", suffixes=("_a", "_b"))
    features = joined[columns] if len(columns) > 1 else joined[columns[0]]
    weights = joined["weight"].to_numpy() if weighted else None
    y = joined["label"].to_numpy()
    return tuple(fairlearn_disparities(y, (joined[f"prob_{side}"] >= 0.5).astype(int).to_numpy(),
                                       features, weights, **options) for side in ("a", "b"))


def entries_of(*args, code=0):
    return json.loads(run("compare", *args, "-f", "json", code=code).stdout)["fairness_change"]


def check_against_fairlearn(entries, a, b, weighted=False, **options):
    for entry in entries:
        want_a, want_b = expected(a, b, entry["columns"], weighted, **options)
        for name in DISPARITIES:
            assert entry["a"][name] == pytest.approx(want_a[name], abs=TOL), (entry, name)
            assert entry["b"][name] == pytest.approx(want_b[name], abs=TOL), (entry, name)
            assert entry["delta"][name] == entry["b"][name] - entry["a"][name]


def test_each_column_then_the_crossing_equal_fairlearn_on_the_paired_rows(two_models):
    path_a, path_b, a, b = two_models
    entries = entries_of(path_a, path_b, "--by", "sex", "--by", "age_band",
                         "--fairness-bootstrap", "50", "--seed", "3")
    assert [e["columns"] for e in entries] == [["sex"], ["age_band"], ["sex", "age_band"]]
    assert list(entries[0]) == ["columns", "reference", "aggregation", "a", "b", "delta",
                                "intervals", "resamples", "seed"]
    assert all((e["resamples"], e["seed"]) == (50, 3) for e in entries)
    assert all((e["reference"], e["aggregation"]) == ("between_groups", "worst_case")
               for e in entries)
    check_against_fairlearn(entries, a, b)


@pytest.mark.parametrize(("reference", "agg"), [("to-overall", "mean"),
                                                ("between_groups", "mean"),
                                                ("to_overall", "worst-case")])
def test_reference_and_aggregation_equal_fairlearn(two_models, reference, agg):
    path_a, path_b, a, b = two_models
    entries = entries_of(path_a, path_b, "--by", "sex", "--fairness-reference", reference,
                         "--fairness-agg", agg, "--fairness-bootstrap", "0")
    method, aggregation = reference.replace("-", "_"), agg.replace("-", "_")
    assert (entries[0]["reference"], entries[0]["aggregation"]) == (method, aggregation)
    check_against_fairlearn(entries, a, b, method=method, agg=aggregation)


def test_weighted_equal_fairlearn_with_sample_weight(two_models):
    path_a, path_b, a, b = two_models
    report = json.loads(run("compare", path_a, path_b, "--by", "sex", "--by", "age_band",
                            "--weight-col", "weight", "--fairness-bootstrap", "20",
                            "-f", "json").stdout)
    check_against_fairlearn(report["fairness_change"], a, b, weighted=True)
    assert any("weighted" in note for note in report["notes"])


def test_partial_pairing_audits_only_the_rows_in_both(two_models, tmp_path):
    path_a, _, a, b = two_models
    fewer = b[b["id"] % 5 != 0]
    path_b = tmp_path / "fewer.csv"
    fewer.to_csv(path_b, index=False)
    entries = entries_of(path_a, path_b, "--by", "age_band", "--allow-partial",
                         "--fairness-bootstrap", "0")
    check_against_fairlearn(entries, a, fewer)


def test_a_model_compared_with_itself_changes_nothing(two_models):
    path_a, _, _, _ = two_models
    for entry in entries_of(path_a, path_a, "--by", "sex", "--by", "age_band",
                            "--fairness-bootstrap", "100"):
        assert entry["a"] == entry["b"]
        assert all(d == 0 for d in entry["delta"].values())
        assert all(ci == [0.0, 0.0] for ci in entry["intervals"].values()), entry


def test_selecting_every_row_of_one_group_widens_demographic_parity(two_models, tmp_path):
    path_a, _, a, _ = two_models
    # B differs from A only by selecting every man: the selection-rate gap grows (A selects
    # about the same share of both sexes), by more than the resampling noise.
    b = a[["id", "label", "prob"]].assign(prob=np.where(a["sex"] == "M", 1.0, a["prob"]))
    path_b = tmp_path / "men_selected.csv"
    b.to_csv(path_b, index=False)
    entry = entries_of(path_a, path_b, "--by", "sex", "--seed", "0")[0]
    assert entry["resamples"] == 1000
    delta = entry["delta"]["demographic_parity_difference"]
    lo, hi = entry["intervals"]["demographic_parity_difference"]
    assert delta > 0.2
    assert 0 < lo <= delta <= hi


def test_intervals_are_reproducible_and_none_without_resamples(two_models):
    path_a, path_b, _, _ = two_models
    once = entries_of(path_a, path_b, "--by", "sex", "--fairness-bootstrap", "40", "--seed", "5")
    again = entries_of(path_a, path_b, "--by", "sex", "--fairness-bootstrap", "40",
                       "--seed", "5")
    assert once == again
    none = entries_of(path_a, path_b, "--by", "sex", "--fairness-bootstrap", "0")[0]
    assert none["resamples"] == 0
    assert all(ci is None for ci in none["intervals"].values())


def test_group_column_from_the_labels_file(two_models, tmp_path):
    _, _, a, b = two_models
    a[["id", "prob"]].to_csv(tmp_path / "pa.csv", index=False)
    b[["id", "prob"]].to_csv(tmp_path / "pb.csv", index=False)
    a[["id", "label", "sex"]].iloc[::-1].to_csv(tmp_path / "truth.csv", index=False)
    entries = entries_of(tmp_path / "pa.csv", tmp_path / "pb.csv", "--labels",
                         tmp_path / "truth.csv", "--by", "sex", "--fairness-bootstrap", "0")
    check_against_fairlearn(entries, a, b)


def test_without_by_there_is_no_key(two_models):
    path_a, path_b, _, _ = two_models
    assert "fairness_change" not in json.loads(
        run("compare", path_a, path_b, "-f", "json").stdout)


def test_multiclass_has_no_key_and_a_note(tmp_path):
    frame = pd.read_csv(f"{SAMPLES}/multiclass.csv")
    frame["site"] = np.where(np.arange(len(frame)) % 2, "x", "y")
    path = tmp_path / "m.csv"
    frame.to_csv(path, index=False)
    report = json.loads(run("compare", path, path, "--by", "site", "-f", "json").stdout)
    assert "fairness_change" not in report
    assert any("multiclass" in note and "--by" in note for note in report["notes"])


@pytest.mark.parametrize("fmt", ["table", "markdown", "html", "csv"])
def test_every_format(two_models, fmt):
    path_a, path_b, _, _ = two_models
    out = run("compare", path_a, path_b, "--by", "sex", "--fairness-bootstrap", "20",
              "-f", fmt).stdout
    if fmt != "csv":
        assert "Fairness change by sex" in out
        assert "demographic parity difference" in out
    else:
        assert out.startswith("metric,a,b,delta")


@pytest.mark.parametrize(("extra", "named"), [
    (["--by", "region"], "region"),
    (["--by", "sex", "--fairness-reference", "pairwise"], "--fairness-reference"),
    (["--by", "sex", "--fairness-agg", "max"], "--fairness-agg"),
    (["--by", "sex", "--scores"], "--scores"),
    (["--by", "sex", "--fairness-bootstrap", "1000000"], "--fairness-bootstrap"),
])
def test_errors_exit_2_naming_the_column_or_flag(two_models, extra, named):
    path_a, path_b, _, _ = two_models
    result = run("compare", path_a, path_b, *extra, code=2)
    assert named in result.stderr


def test_by_with_three_files_exits_2(two_models):
    path_a, path_b, _, _ = two_models
    result = run("compare", path_a, path_b, path_a, "--by", "sex", code=2)
    assert "--by" in result.stderr


def test_missing_group_column_in_labels_file_exits_2(two_models, tmp_path):
    _, _, a, b = two_models
    a[["id", "prob"]].to_csv(tmp_path / "pa.csv", index=False)
    b[["id", "prob"]].to_csv(tmp_path / "pb.csv", index=False)
    a[["id", "label"]].to_csv(tmp_path / "truth.csv", index=False)
    result = run("compare", tmp_path / "pa.csv", tmp_path / "pb.csv", "--labels",
                 tmp_path / "truth.csv", "--by", "sex", code=2)
    assert "sex" in result.stderr


def test_by_with_multilabel_files_exits_2():
    path = f"{SAMPLES}/multilabel.csv"
    result = run("compare", path, path, "--by", "site", code=2)
    assert "--by" in result.stderr
    assert "multi-label" in result.stderr
