"""`clfdiag compare` with three or more files through the CLI: the JSON contract, its numbers
against statsmodels, SciPy and scikit-learn, the pairing of every file to the first, the
model names, every format, and the input errors."""

import json
import os
import shutil

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn import metrics as skm
from statsmodels.stats.contingency_tables import cochrans_q, mcnemar
from statsmodels.stats.multitest import multipletests

from tests.conftest import SAMPLES
from tests.test_cli import run

MODELS = os.path.join(SAMPLES, "models")
NAMES = ("logreg", "forest", "boosting")
FILES = [os.path.join(MODELS, f"{n}.csv") for n in NAMES]
EPS = np.finfo(np.float64).eps
# Statistics and p-values are sums of a few hundred float terms or tails computed to
# near machine precision on both sides: 1e-9 relative. Friedman and Wilcoxon on per-example
# log loss: 1e-6, as SciPy ranks the raw losses where clfdiag ranks them rounded to 12
# significant digits (ties of equal losses summed differently are the only difference).
STAT = {"rel": 1e-9, "abs": 1e-12}
RANKED = {"rel": 1e-6, "abs": 1e-12}


def compare_json(*args, code=0):
    return json.loads(run("compare", *args, "--format", "json", code=code).stdout)


def aligned(files):
    """Labels and probabilities of every file in the first file's id order."""
    frames = [pd.read_csv(f).set_index("id") for f in files]
    order = frames[0].index
    y = frames[0]["label"].to_numpy()
    for frame in frames[1:]:
        assert (frame.loc[order, "label"].to_numpy() == y).all()
    return y, [frame.loc[order, "prob"].to_numpy() for frame in frames]


def losses(y, p):
    return -np.log(np.clip(np.where(y == 1, p, 1 - p), EPS, 1 - EPS))


@pytest.fixture(scope="module")
def report():
    return compare_json(*FILES)


def test_the_json_contract(report):
    assert report["command"] == "compare"
    assert report["correction"] == "holm"
    assert report["alpha"] == 0.05
    assert report["threshold"] == 0.5
    assert report["pairing"]["by"] == "id"
    assert report["pairing"]["n"] == 228
    assert [m["name"] for m in report["models"]] == list(NAMES)
    assert [m["file"] for m in report["models"]] == FILES
    for model in report["models"]:
        assert set(model) == {"name", "file", "metrics", "intervals", "ranks"}
        assert set(model["intervals"]) == {"accuracy", "roc_auc"}
    assert set(report["cochran_q"]) == set(report["friedman_log_loss"]) == {"statistic", "df",
                                                                            "p"}
    assert [(p["a"], p["b"]) for p in report["pairwise"]] == [
        ("logreg", "forest"), ("logreg", "boosting"), ("forest", "boosting")]
    for pair in report["pairwise"]:
        assert {"table", "p", "p_adjusted"} <= set(pair["mcnemar"])
        assert {"statistic", "p", "p_adjusted"} <= set(pair["wilcoxon_log_loss"])
        assert {"mean_diff", "p", "p_adjusted"} <= set(pair["log_loss"])
        assert {"difference", "p", "p_adjusted"} <= set(pair["delong"])
    assert set(report["best"]) == {"name", "log_loss", "not_significantly_worse"}


def test_numbers_against_independent_implementations(report):
    y, probas = aligned(FILES)
    right = np.column_stack([(p >= 0.5).astype(int) == y for p in probas])
    loss = np.column_stack([losses(y, p) for p in probas])
    for model, p in zip(report["models"], probas, strict=True):
        assert model["metrics"]["accuracy"] == pytest.approx(
            skm.accuracy_score(y, p >= 0.5), abs=1e-12)
        assert model["metrics"]["log_loss"] == pytest.approx(skm.log_loss(y, p), rel=1e-9)
        assert model["metrics"]["roc_auc"] == pytest.approx(skm.roc_auc_score(y, p), rel=1e-9)
    q = cochrans_q(right.astype(int))
    assert report["cochran_q"]["statistic"] == pytest.approx(q.statistic, **STAT)
    assert report["cochran_q"]["p"] == pytest.approx(q.pvalue, **STAT)
    assert report["cochran_q"]["df"] == 2
    friedman = stats.friedmanchisquare(*loss.T)
    assert report["friedman_log_loss"]["statistic"] == pytest.approx(friedman.statistic,
                                                                     **RANKED)
    assert report["friedman_log_loss"]["p"] == pytest.approx(friedman.pvalue, **RANKED)
    pairs = [(0, 1), (0, 2), (1, 2)]
    raw = {"mcnemar": [], "wilcoxon_log_loss": [], "log_loss": []}
    for (a, b), pair in zip(pairs, report["pairwise"], strict=True):
        ra, rb = right[:, a], right[:, b]
        table = [[int((ra & rb).sum()), int((ra & ~rb).sum())],
                 [int((~ra & rb).sum()), int((~ra & ~rb).sum())]]
        assert pair["mcnemar"]["table"] == table
        assert pair["mcnemar"]["p"] == pytest.approx(mcnemar(table, exact=True).pvalue, **STAT)
        w = stats.wilcoxon(loss[:, b] - loss[:, a])
        assert pair["wilcoxon_log_loss"]["statistic"] == pytest.approx(w.statistic, **RANKED)
        assert pair["wilcoxon_log_loss"]["p"] == pytest.approx(w.pvalue, **RANKED)
        t = stats.ttest_1samp(loss[:, b] - loss[:, a], 0.0)
        assert pair["log_loss"]["mean_diff"] == pytest.approx(
            float(np.mean(loss[:, b] - loss[:, a])), rel=1e-12)
        assert pair["log_loss"]["p"] == pytest.approx(t.pvalue, **STAT)
        assert pair["delong"]["difference"] == pytest.approx(
            skm.roc_auc_score(y, probas[b]) - skm.roc_auc_score(y, probas[a]), abs=1e-12)
        for test in raw:
            raw[test].append(pair[test]["p"])
    for test, ps in raw.items():
        holm = multipletests(ps, method="holm")[1]
        got = [pair[test]["p_adjusted"] for pair in report["pairwise"]]
        assert got == pytest.approx(list(holm), **STAT)


def test_each_pair_equals_the_two_file_comparison(report):
    # A pair not holding the first file sums its examples in the first file's order, which
    # the two-file comparison of the pair does not: equal up to the order of summation.
    same = {"rel": 1e-12, "abs": 1e-15}
    for pair in report["pairwise"]:
        a, b = (FILES[NAMES.index(pair[k])] for k in ("a", "b"))
        two = compare_json(a, b)
        assert pair["log_loss"]["mean_diff"] == pytest.approx(
            two["tests"]["log_loss"]["mean_diff"], **same)
        assert pair["log_loss"]["p"] == pytest.approx(two["tests"]["log_loss"]["p_value"],
                                                      **same)
        assert pair["delong"]["p"] == pytest.approx(two["tests"]["delong"]["p_value"], **same)
        assert pair["mcnemar"]["p"] == two["tests"]["mcnemar"]["p_value"]
        assert report["models"][NAMES.index(pair["b"])]["metrics"] == pytest.approx(
            two["b"], **same)


def test_the_best_model_and_those_not_significantly_worse(report):
    mean_loss = [m["metrics"]["log_loss"] for m in report["models"]]
    best = report["models"][int(np.argmin(mean_loss))]["name"]
    assert report["best"]["name"] == best
    assert report["best"]["log_loss"] == min(mean_loss)
    expected = [p["b"] if p["a"] == best else p["a"] for p in report["pairwise"]
                if best in (p["a"], p["b"]) and p["log_loss"]["p_adjusted"] >= 0.05]
    assert report["best"]["not_significantly_worse"] == [
        n for n in NAMES if n in expected]
    ranks = report["models"][NAMES.index(best)]["ranks"]
    assert ranks["log_loss"] == 1.0


@pytest.mark.parametrize(("correction", "scale"), [("bonferroni", 3.0), ("none", 1.0)])
def test_other_corrections(correction, scale):
    got = compare_json(*FILES, "--correction", correction)
    assert got["correction"] == correction
    for pair in got["pairwise"]:
        for test in ("mcnemar", "wilcoxon_log_loss", "log_loss"):
            assert pair[test]["p_adjusted"] == pytest.approx(min(1.0, scale * pair[test]["p"]),
                                                             **STAT)


def test_names_by_flag_and_by_file_stem(tmp_path):
    got = compare_json(*FILES, "--name", "a", "--name", "b", "--name", "c")
    assert [m["name"] for m in got["models"]] == ["a", "b", "c"]
    assert got["pairwise"][0]["a"] == "a"
    compressed = tmp_path / "boosting.csv.gz"
    import gzip
    with open(FILES[2], "rb") as f, gzip.open(compressed, "wb") as g:
        g.write(f.read())
    got = compare_json(FILES[0], FILES[1], str(compressed))
    assert [m["name"] for m in got["models"]] == list(NAMES)


@pytest.mark.parametrize("names", [["a", "b"], ["a", "b", "a"], ["a", "b", " "]])
def test_names_must_be_once_per_file_and_distinct(names):
    args = [x for n in names for x in ("--name", n)]
    result = run("compare", *FILES, *args, code=2)
    assert "--name" in result.stderr


def test_files_with_one_stem_need_names(tmp_path):
    os.mkdir(tmp_path / "other")
    copy = tmp_path / "other" / "logreg.csv"
    shutil.copy(FILES[0], copy)
    result = run("compare", FILES[0], FILES[1], copy, code=2)
    assert "'logreg'" in result.stderr
    assert "--name" in result.stderr
    run("compare", FILES[0], FILES[1], copy, "--name", "x", "--name", "y", "--name", "z")


def test_name_with_two_files_is_refused():
    result = run("compare", *FILES[:2], "--name", "a", "--name", "b", code=2)
    assert "--name" in result.stderr


def write(path, frame):
    frame.to_csv(path, index=False)
    return str(path)


def test_pairing_by_row_when_the_files_have_no_ids(tmp_path):
    y, probas = aligned(FILES)
    paths = [write(tmp_path / f"{n}.csv", pd.DataFrame({"label": y, "prob": p}))
             for n, p in zip(NAMES, probas, strict=True)]
    got = compare_json(*paths)
    assert got["pairing"]["by"] == "row"
    by_id = compare_json(*FILES)
    # Pairing by row reads the examples in another order than pairing by id, so each sum
    # adds the same terms in another order: equal to a few ulps, not bit for bit.
    assert_close([m["metrics"] for m in got["models"]], [m["metrics"] for m in by_id["models"]])
    assert_close(got["pairwise"], by_id["pairwise"])


def assert_close(got, want, where="report"):
    """Equal structure and values, floats to 1e-12 relative."""
    if isinstance(want, dict):
        assert list(got) == list(want), where
        for key in want:
            assert_close(got[key], want[key], f"{where}.{key}")
    elif isinstance(want, list):
        assert len(got) == len(want), where
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            assert_close(g, w, f"{where}[{i}]")
    elif isinstance(want, float):
        assert got == pytest.approx(want, rel=1e-12, abs=1e-15), where
    else:
        assert got == want, where


def test_a_file_with_one_label_and_one_probability_column_needs_no_flag(tmp_path):
    y, probas = aligned(FILES)
    ids = pd.read_csv(FILES[0])["id"]
    paths = [write(tmp_path / f"{n}.csv", pd.DataFrame({"object_id": ids, "target": y,
                                                         f"{n}_prob": p}))
             for n, p in zip(("cat", "lgbm", "xgb"), probas, strict=True)]
    got = compare_json(*paths)
    assert got["inputs"][0]["label_column"] == "target"
    assert got["inputs"][0]["probability_columns"] == ["cat_prob"]
    assert [m["name"] for m in got["models"]] == ["cat", "lgbm", "xgb"]
    # Another row order, so the same sums in another order (see assert_close).
    assert_close([m["metrics"] for m in got["models"]],
                 [m["metrics"] for m in compare_json(*FILES)["models"]])


def test_partial_files_keep_the_examples_common_to_all(tmp_path):
    frames = [pd.read_csv(f) for f in FILES]
    frames[1] = frames[1].iloc[5:]
    frames[2] = frames[2].iloc[:-7]
    paths = [write(tmp_path / f"{n}.csv", f) for n, f in zip(NAMES, frames, strict=True)]
    result = run("compare", *paths, code=2)
    assert "--allow-partial" in result.stderr
    assert "ids only in" in result.stderr
    got = compare_json(*paths, "--allow-partial")
    common = set(frames[0]["id"]) & set(frames[1]["id"]) & set(frames[2]["id"])
    assert got["pairing"]["n"] == len(common) == 228 - 12
    assert got["pairing"]["left_out"] == {paths[0]: 12, paths[1]: 7, paths[2]: 5}
    kept = frames[0][frames[0]["id"].isin(common)]
    assert got["models"][0]["metrics"]["accuracy"] == pytest.approx(
        skm.accuracy_score(kept["label"], kept["prob"] >= 0.5), abs=1e-12)


def test_labels_must_agree(tmp_path):
    frames = [pd.read_csv(f) for f in FILES]
    frames[2].loc[3, "label"] = 1 - frames[2].loc[3, "label"]
    paths = [write(tmp_path / f"{n}.csv", f) for n, f in zip(NAMES, frames, strict=True)]
    result = run("compare", *paths, code=2)
    assert "labels differ" in result.stderr
    got = compare_json(*paths, "--allow-partial")
    assert got["pairing"]["n"] == 227


def test_two_identical_models_and_one_always_right(tmp_path):
    y, probas = aligned(FILES)
    perfect = np.where(y == 1, 0.9, 0.1)
    paths = [write(tmp_path / f"{n}.csv", pd.DataFrame({"label": y, "prob": p}))
             for n, p in (("first", probas[0]), ("twin", probas[0]), ("perfect", perfect))]
    got = compare_json(*paths)
    twins = got["pairwise"][0]
    assert twins["mcnemar"]["table"][0][1] == twins["mcnemar"]["table"][1][0] == 0
    assert twins["mcnemar"]["p"] == 1.0
    assert twins["wilcoxon_log_loss"]["p"] == 1.0
    assert twins["log_loss"]["mean_diff"] == 0.0
    assert twins["delong"]["difference"] == 0.0
    assert got["models"][2]["metrics"]["accuracy"] == 1.0
    assert got["models"][2]["ranks"]["accuracy"] == 1.0
    assert got["models"][0]["ranks"]["accuracy"] == got["models"][1]["ranks"]["accuracy"] == 2.5
    # The first of the two tied "lowest" would win a tie; here the perfect model is best.
    assert got["best"]["name"] == "perfect"


def test_multiclass_has_no_delong(tmp_path):
    frame = pd.read_csv(os.path.join(SAMPLES, "multiclass.csv"))
    columns = [c for c in frame if c.startswith("p_")]
    rng = np.random.default_rng(3)
    paths = []
    for n in ("m1", "m2", "m3"):
        noisy = frame.copy()
        p = frame[columns].to_numpy() + rng.uniform(0, 0.2, (len(frame), len(columns)))
        noisy[columns] = p / p.sum(axis=1, keepdims=True)
        paths.append(write(tmp_path / f"{n}.csv", noisy))
    got = compare_json(*paths)
    assert got["task"] == "multiclass"
    assert got["threshold"] is None
    assert all(p["delong"] is None for p in got["pairwise"])
    assert all(m["intervals"]["roc_auc"] is None or len(m["intervals"]["roc_auc"]) == 2
               for m in got["models"])
    result = run("compare", *paths)
    assert "Metrics" in result.stdout


@pytest.mark.parametrize(("flag", "value"), [("--fail-on", "regression"),
                                             ("--junit", "gates.xml"), ("--plot", "figures")])
def test_flags_of_two_files_are_refused(flag, value, tmp_path):
    result = run("compare", *FILES, flag, str(tmp_path / value), code=2)
    assert flag in result.stderr


def test_scores_weights_and_levels_are_refused(tmp_path):
    assert "--scores" in run("compare", *FILES, "--scores", code=2).stderr
    frames = [pd.read_csv(f).assign(w=1.0) for f in FILES]
    paths = [write(tmp_path / f"{n}.csv", f) for n, f in zip(NAMES, frames, strict=True)]
    assert "--weight-col" in run("compare", *paths, "--weight-col", "w", code=2).stderr
    assert "--alpha" in run("compare", *FILES, "--alpha", "0", code=2).stderr
    assert run("compare", *FILES, "--correction", "sidak", code=2).stderr


def test_every_format(tmp_path):
    table = run("compare", *FILES).stdout
    assert "logreg is best" in table
    assert "Adjusted p-values" in table
    csv = run("compare", *FILES, "-f", "csv").stdout.splitlines()
    assert csv[0].startswith("model,n,")
    assert [r.split(",")[0] for r in csv[1:]] == list(NAMES)
    markdown = run("compare", *FILES, "-f", "markdown").stdout
    assert "| logreg | **0.1057** |" in markdown
    html = run("compare", *FILES, "-f", "html").stdout
    assert "<strong>0.1057</strong>" in html
    out = tmp_path / "report.json"
    run("compare", *FILES, "-f", "json", "-o", out)
    assert json.loads(out.read_text())["command"] == "compare"
