"""`clfdiag rank` through the CLI: the JSON contract, its numbers against SciPy,
statsmodels and Demsar's table, both table shapes, folds, every format and the errors."""

import json
import math
import os

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from tests.conftest import SAMPLES
from tests.test_cli import run

MODELS = os.path.join(SAMPLES, "models")
LONG = os.path.join(MODELS, "scores.csv")
WIDE = os.path.join(MODELS, "scores_wide.csv")
NAMES = ["logreg", "forest", "boosting"]
# Statistics and p-values: both sides sum a handful of terms or evaluate tails to near
# machine precision, so 1e-9 relative; average ranks are ratios of small integers: 1e-12.
STAT = {"rel": 1e-9, "abs": 1e-12}
EXACT = {"rel": 1e-12, "abs": 1e-12}


def rank_json(*args, code=0):
    return json.loads(run("rank", *args, "--format", "json", code=code).stdout)


@pytest.fixture(scope="module")
def folds():
    return rank_json(LONG, "--test-train-ratio", "0.25")


def per_dataset_means():
    frame = pd.read_csv(LONG)
    means = frame.groupby(["dataset", "model"], sort=False)["accuracy"].mean().unstack()
    return means.loc[frame["dataset"].unique(), NAMES]


def test_the_json_contract(folds):
    assert folds["command"] == "rank"
    assert folds["models"] == NAMES
    assert folds["datasets"] == list(pd.read_csv(LONG)["dataset"].unique())
    assert folds["n_datasets"] == 6
    assert folds["higher_is_better"] is True
    assert folds["alpha"] == 0.05
    assert folds["correction"] == "holm"
    assert set(folds["average_ranks"]) == set(NAMES)
    assert set(folds["friedman"]) == {"statistic", "df", "p"}
    assert set(folds["iman_davenport"]) == {"statistic", "df1", "df2", "p"}
    assert set(folds["nemenyi"]) == {"alpha", "q", "cd"}
    assert [(p["a"], p["b"]) for p in folds["pairwise"]] == [
        ("logreg", "forest"), ("logreg", "boosting"), ("forest", "boosting")]
    assert len(folds["corrected_t"]) == 6 * 3
    assert set(folds["corrected_t"][0]) >= {"dataset", "a", "b", "mean_diff", "t", "df", "p"}


def test_numbers_against_scipy_and_statsmodels(folds):
    means = per_dataset_means().to_numpy()
    n, k = means.shape
    ranks = stats.rankdata(-np.round(means, 12), axis=1).mean(axis=0)
    assert [folds["average_ranks"][m] for m in NAMES] == pytest.approx(list(ranks), **EXACT)
    chi2 = stats.friedmanchisquare(*means.T)
    assert folds["friedman"]["statistic"] == pytest.approx(chi2.statistic, **STAT)
    assert folds["friedman"]["p"] == pytest.approx(chi2.pvalue, **STAT)
    assert folds["friedman"]["df"] == k - 1
    f = (n - 1) * chi2.statistic / (n * (k - 1) - chi2.statistic)
    iman = folds["iman_davenport"]
    assert (iman["df1"], iman["df2"]) == (k - 1, (k - 1) * (n - 1))
    assert iman["statistic"] == pytest.approx(f, **STAT)
    assert iman["p"] == pytest.approx(stats.f.sf(f, k - 1, (k - 1) * (n - 1)), **STAT)
    q = stats.studentized_range.ppf(0.95, k, np.inf) / math.sqrt(2)
    assert folds["nemenyi"]["q"] == pytest.approx(q, **STAT)
    # Demsar, Table 5a, prints q to three decimals (2.343 for 2.3437): within a unit of the last.
    assert folds["nemenyi"]["q"] == pytest.approx(2.343, abs=1e-3)
    assert folds["nemenyi"]["cd"] == pytest.approx(q * math.sqrt(k * (k + 1) / (6 * n)), **STAT)
    raw = []
    for pair in folds["pairwise"]:
        a, b = NAMES.index(pair["a"]), NAMES.index(pair["b"])
        d = np.array([float(f"{float(f'{y:.12g}') - float(f'{x:.12g}'):.12g}")
                      for x, y in zip(means[:, a], means[:, b], strict=True)])
        w = stats.wilcoxon(d)
        assert pair["statistic"] == pytest.approx(w.statistic, **STAT)
        assert pair["p"] == pytest.approx(w.pvalue, **STAT)
        raw.append(pair["p"])
    assert [p["p_adjusted"] for p in folds["pairwise"]] == pytest.approx(
        list(multipletests(raw, method="holm")[1]), **STAT)


def test_corrected_resampled_t_by_brute_force(folds):
    frame = pd.read_csv(LONG)
    for entry in folds["corrected_t"]:
        rows = frame[frame["dataset"] == entry["dataset"]]
        by_fold = rows.pivot(index="fold", columns="model", values="accuracy")
        d = (by_fold[entry["b"]] - by_fold[entry["a"]]).to_numpy()
        j = len(d)
        assert entry["df"] == j - 1
        assert entry["mean_diff"] == pytest.approx(d.mean(), rel=1e-12, abs=1e-15)
        s2 = d.var(ddof=1)
        if s2 == 0:
            assert entry["t"] is None
            continue
        t = d.mean() / math.sqrt((1 / j + 0.25) * s2)
        assert entry["t"] == pytest.approx(t, **STAT)
        assert entry["p"] == pytest.approx(2 * stats.t.sf(abs(t), j - 1), **STAT)


def test_the_wide_table_of_means_ranks_the_same(folds):
    wide = rank_json(WIDE)
    assert wide["corrected_t"] is None
    assert wide["average_ranks"] == folds["average_ranks"]
    assert wide["friedman"] == folds["friedman"]
    assert [p["p"] for p in wide["pairwise"]] == [p["p"] for p in folds["pairwise"]]


def test_lower_is_better_reverses_the_ranks(tmp_path):
    higher, lower = rank_json(WIDE), rank_json(WIDE, "--lower-is-better")
    assert lower["higher_is_better"] is False
    for m in NAMES:
        assert lower["average_ranks"][m] == pytest.approx(4 - higher["average_ranks"][m],
                                                          **EXACT)
    assert lower["friedman"] == higher["friedman"]


def test_ties_and_one_dataset(tmp_path):
    path = tmp_path / "one.csv"
    path.write_text("dataset,a,b,c\nd1,0.9,0.9,0.8\n")
    got = rank_json(path)
    assert got["average_ranks"] == {"a": 1.5, "b": 1.5, "c": 3.0}
    assert got["iman_davenport"]["statistic"] is None
    assert got["pairwise"][0]["p"] == 1.0  # a and b tie: no nonzero difference
    assert any("1 dataset" in note for note in got["notes"])


def test_identical_models_give_no_friedman(tmp_path):
    path = tmp_path / "same.csv"
    path.write_text("dataset,a,b\nd1,0.9,0.9\nd2,0.8,0.8\n")
    got = rank_json(path)
    assert got["friedman"]["statistic"] is None
    assert got["average_ranks"] == {"a": 1.5, "b": 1.5}


def test_corrections(folds):
    got = rank_json(LONG, "--test-train-ratio", "0.25", "--correction", "bonferroni")
    assert [p["p_adjusted"] for p in got["pairwise"]] == pytest.approx(
        [min(1.0, 3 * p["p"]) for p in folds["pairwise"]], **STAT)
    none = rank_json(WIDE, "--correction", "none")
    assert all(p["p_adjusted"] == p["p"] for p in none["pairwise"])


def test_folds_need_the_test_train_ratio():
    result = run("rank", LONG, code=2)
    assert "--test-train-ratio" in result.stderr
    assert "--test-train-ratio" in run("rank", LONG, "--test-train-ratio", "0", code=2).stderr


@pytest.mark.parametrize(("text", "words"), [
    ("dataset,model,score\nd1,a,0.9\nd1,b,0.8\nd2,a,0.7\n", ["missing", "'d2'", "'b'"]),
    ("dataset,model,score\nd1,a,0.9\nd1,a,0.8\nd1,b,0.7\n", ["more than one score", "rows"]),
    ("dataset,model,s1,s2\nd1,a,0.9,1\nd1,b,0.8,2\n", ["--score-col"]),
    ("model,score\na,0.9\nb,0.8\n", ["'dataset'"]),
    ("dataset,a,b\nd1,0.9,x\n", ["'b'", "finite number"]),
])
def test_bad_tables_name_what_is_wrong(tmp_path, text, words):
    path = tmp_path / "scores.csv"
    path.write_text(text)
    stderr = run("rank", path, code=2).stderr
    for word in words:
        assert word in stderr


def test_score_col_picks_the_column_and_does_not_apply_to_wide(tmp_path):
    path = tmp_path / "scores.csv"
    path.write_text("dataset,model,s1,s2\nd1,a,0.9,1\nd1,b,0.8,2\nd2,a,0.7,3\nd2,b,0.6,1\n")
    assert rank_json(path, "--score-col", "S2")["average_ranks"] == {"a": 1.5, "b": 1.5}
    assert rank_json(path, "--score-col", "s1")["average_ranks"] == {"a": 1.0, "b": 2.0}
    assert "--score-col" in run("rank", WIDE, "--score-col", "x", code=2).stderr


@pytest.mark.parametrize("alpha", ["0", "1", "1.5"])
def test_alpha_must_be_a_level(alpha):
    assert "--alpha" in run("rank", WIDE, "--alpha", alpha, code=2).stderr


def test_every_format_and_the_diagram(tmp_path):
    table = run("rank", LONG, "--test-train-ratio", "0.25").stdout
    assert "forest has the best average" in table
    assert "Corrected resampled t test" in table
    csv = run("rank", WIDE, "-f", "csv").stdout.splitlines()
    assert csv[0].split(",")[:2] == ["model", "average_rank"]
    assert [r.split(",")[0] for r in csv[1:]] == NAMES
    assert "**1.917**" in run("rank", WIDE, "-f", "markdown").stdout
    assert "<strong>1.917</strong>" in run("rank", WIDE, "-f", "html").stdout
    run("rank", WIDE, "--plot", tmp_path / "figures")
    assert sorted(os.listdir(tmp_path / "figures")) == ["critical_difference.png",
                                                         "critical_difference.svg"]


def test_cliques_join_the_runs_within_the_critical_difference():
    from clfdiag.render.views.rank import cliques

    names = list("abcde")
    assert cliques(names, [1.0, 1.5, 2.2, 3.0, 4.5], 1.0) == [(0, 1), (1, 2), (2, 3)]
    assert cliques(names, [1.0, 1.1, 1.2, 1.3, 1.4], 1.0) == [(0, 4)]
    assert cliques(names, [1.0, 2.5, 4.0, 5.5, 7.0], 1.0) == []


@pytest.mark.parametrize("index_name", ["", "Unnamed: 0"])
def test_a_pandas_index_is_no_model(tmp_path, index_name):
    # df.to_csv() writes the row index first, without a name (or, read back and written
    # again, as "Unnamed: 0"): ranked as a model, it would take the last rank everywhere.
    frame = pd.read_csv(WIDE)
    path = tmp_path / "wide.csv"
    frame.rename_axis(index_name or None).to_csv(path)
    report = rank_json(str(path))
    assert report["models"] == NAMES
    expected = stats.friedmanchisquare(*(frame[m] for m in NAMES))
    assert report["friedman"]["statistic"] == pytest.approx(expected.statistic, **STAT)
    assert any("row index" in note for note in report["notes"])
    long_path = tmp_path / "long.csv"
    pd.read_csv(LONG).to_csv(long_path)
    assert rank_json(str(long_path), "--test-train-ratio", "0.25")["models"] == NAMES
