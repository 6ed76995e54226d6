"""`evaluate --by`: per-group metrics against scikit-learn, streaming against in memory."""

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    balanced_accuracy_score,
    brier_score_loss,
    log_loss,
    roc_auc_score,
)

import clfdiag
from clfdiag.core.accumulators import ScoreHistogram
from clfdiag.engines.slices import SliceOptions
from clfdiag.errors import ClfdiagError
from clfdiag.io.options import ReadOptions
from tests.test_cli import run

KEYS = {"column", "group", "n", "metrics", "intervals", "below_rest", "p_value"}


def frame(seed, n=600, groups=("a", "b", "c")):
    rng = np.random.default_rng(seed)
    g = rng.choice(groups, n)
    y = rng.integers(0, 2, n)
    noise = np.where(g == groups[0], 3.0, 1.0)  # the first group is worse
    p = 1 / (1 + np.exp(-(rng.normal(size=n) * noise + 2 * y - 1)))
    p[:10] = np.round(p[:10], 1)
    return pd.DataFrame({"label": y, "prob": p, "site": g,
                         "sex": rng.choice(["F", "M"], n)})


def write(tmp_path, df, name="p.csv"):
    path = tmp_path / name
    if name.endswith(".parquet"):
        df.to_parquet(path, index=False)
    else:
        df.to_csv(path, index=False)
    return str(path)


def sklearn_metrics(y, p):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # one class in a group: scikit-learn warns, still answers
        return _sklearn_metrics(y, p)


def _sklearn_metrics(y, p):
    out = {"accuracy": accuracy_score(y, p >= 0.5),
           "balanced_accuracy": balanced_accuracy_score(y, p >= 0.5),
           "log_loss": log_loss(y, p, labels=[0, 1]),
           "brier": brier_score_loss(y, p, pos_label=1)}
    if len(set(y)) == 2:
        out["roc_auc"] = roc_auc_score(y, p)
        out["pr_auc"] = average_precision_score(y, p)
    return out


def evaluate_by(path, *by, streaming=False, **kwargs):
    return clfdiag.evaluate_file(path, streaming=streaming, batch_bytes=2048,
                                 slices=SliceOptions(tuple(by), **kwargs))


@settings(max_examples=25)
@given(seed=st.integers(0, 10_000), n=st.integers(12, 300))  # fewer could be all 0 and 1: hard
def test_group_metrics_equal_scikit_learn_on_each_group(tmp_path_factory, seed, n):
    df = frame(seed, n)
    path = write(tmp_path_factory.mktemp("s"), df)
    report = evaluate_by(path, "site", "sex", min_group=5)
    seen = 0
    for s in report["slices"]:
        assert set(s) == KEYS
        site, sex = s["group"].split(" × ")
        part = df[(df.site == site) & (df.sex == sex)]
        assert s["n"] == len(part)
        seen += len(part)
        want = sklearn_metrics(part.label.to_numpy(), part.prob.to_numpy())
        for key, value in want.items():
            assert s["metrics"][key] == pytest.approx(value, rel=1e-9, abs=1e-12), key
    assert seen == len(df)
    assert report["slices"][0]["column"] == "site × sex"


def test_accuracy_p_values_are_holm_of_the_pooled_z_test(tmp_path):
    df = frame(3, 2000)
    report = evaluate_by(write(tmp_path, df), "site", min_group=30)
    raw = []
    for s in report["slices"]:
        inside = df.site == s["group"]
        a = ((df.prob >= 0.5) == df.label)
        p1, p2 = a[inside].mean(), a[~inside].mean()
        pooled = a.mean()
        z = (p1 - p2) / np.sqrt(pooled * (1 - pooled) * (1 / inside.sum() + 1 / (~inside).sum()))
        raw.append(norm.cdf(z))
    order = np.argsort(raw)
    holm = np.maximum.accumulate(np.minimum(1, (len(raw) - np.arange(len(raw)))
                                            * np.array(raw)[order]))
    expected = np.empty(len(raw))
    expected[order] = holm
    got = [s["p_value"] for s in report["slices"]]
    assert got == pytest.approx(expected.tolist(), rel=1e-9)
    assert report["slices"][0]["below_rest"] is True  # group "a" has the noisiest scores
    assert [s["below_rest"] for s in report["slices"]] == [p < 0.05 for p in got]


def test_small_groups_are_reported_not_tested(tmp_path):
    df = frame(4, 400)
    df.loc[:9, "site"] = "tiny"
    report = evaluate_by(write(tmp_path, df), "site", min_group=30)
    tiny = next(s for s in report["slices"] if s["group"] == "tiny")
    assert tiny["n"] == 10
    assert tiny["p_value"] is None
    assert tiny["below_rest"] is False
    assert tiny["metrics"]["accuracy"] is not None


@pytest.mark.parametrize("metric", ["accuracy", "roc_auc"])
@pytest.mark.parametrize("name", ["p.csv", "p.parquet"])
def test_streaming_slices_agree_with_in_memory(tmp_path, metric, name):
    df = frame(5, 3000)
    path = write(tmp_path, df, name)
    memory = evaluate_by(path, "site", "sex", metric=metric)
    stream = evaluate_by(path, "site", "sex", metric=metric, streaming=True)
    assert stream["mode"] == "streaming"
    for m, s in zip(memory["slices"], stream["slices"], strict=True):
        assert (s["group"], s["n"]) == (m["group"], m["n"])
        assert s["metrics"]["accuracy"] == m["metrics"]["accuracy"]
        assert s["metrics"]["log_loss"] == pytest.approx(m["metrics"]["log_loss"], rel=1e-12)
        site, sex = s["group"].split(" × ")
        part = df[(df.site == site) & (df.sex == sex)]
        histogram = ScoreHistogram()
        histogram.update(part.label.to_numpy(), part.prob.to_numpy())
        bound = histogram.auc_error_bound()
        assert abs(s["metrics"]["roc_auc"] - m["metrics"]["roc_auc"]) <= bound + 1e-12
        if metric == "accuracy":
            assert s["p_value"] == m["p_value"]
        else:
            assert s["p_value"] == pytest.approx(m["p_value"], abs=1e-3)
        assert s["below_rest"] == m["below_rest"]


def test_streaming_slices_skip_the_rows_dropped(tmp_path):
    df = frame(6, 500)
    df["prob"] = df.prob.where(~df.index.isin([3, 100, 499]))  # blank: dropped when asked
    path = write(tmp_path, df)
    options = clfdiag.ReadOptions(drop_invalid=True)
    a = clfdiag.evaluate_file(path, options, streaming=False,
                              slices=SliceOptions(("site",)))
    b = clfdiag.evaluate_file(path, options, streaming=True, batch_bytes=1024,
                              slices=SliceOptions(("site",)))
    assert [s["n"] for s in a["slices"]] == [s["n"] for s in b["slices"]]
    assert sum(s["n"] for s in a["slices"]) == 497
    kept = df.drop(index=[3, 100, 499])
    assert [s["n"] for s in a["slices"]] == kept.site.value_counts().sort_index().tolist()


def test_histograms_subtract():
    rng = np.random.default_rng(0)
    y, p = rng.integers(0, 2, 100), rng.random(100)
    whole, part, rest = ScoreHistogram(1024), ScoreHistogram(1024), ScoreHistogram(1024)
    whole.update(y, p)
    part.update(y[:30], p[:30])
    rest.update(y[30:], p[30:])
    diff = whole.minus(part)
    assert (diff.positives == rest.positives).all()
    assert (diff.negatives == rest.negatives).all()
    with pytest.raises(ValueError, match="not part"):
        part.minus(whole)


def test_cli_by_json_and_errors(tmp_path):
    df = frame(7, 300)
    path = write(tmp_path, df)
    result = run("evaluate", path, "--by", "site", "--slice-metric", "roc_auc",
                 "--min-group", "10", "--alpha", "0.01", "-f", "json")
    report = json.loads(result.stdout)
    assert report["slice_test"]["metric"] == "roc_auc"
    assert report["slice_test"]["alpha"] == 0.01
    assert [set(s) for s in report["slices"]] == [KEYS] * 3
    missing = run("evaluate", path, "--by", "region", code=2)
    assert "no column 'region' for --by" in missing.stderr
    table = run("evaluate", path, "--by", "site")
    assert "Slices by site" in table.stdout


def test_auc_slices_refuse_multiclass(tmp_path):
    rng = np.random.default_rng(8)
    p = rng.dirichlet(np.ones(3), 90)
    classes = ["cat", "dog", "eel"]
    df = pd.DataFrame({"label": rng.choice(classes, 90), **dict(zip(classes, p.T, strict=True)),
                       "site": rng.choice(["a", "b"], 90)})
    path = write(tmp_path, df)
    result = run("evaluate", path, "--by", "site", "--slice-metric", "roc_auc", code=2)
    assert "--slice-metric accuracy" in result.stderr
    ok = run("evaluate", path, "--by", "site", "-f", "json")
    slices = json.loads(ok.stdout)["slices"]
    for s in slices:
        part = df[df.site == s["group"]]
        predicted = np.array(classes)[part[classes].to_numpy().argmax(1)]
        assert s["metrics"]["accuracy"] == pytest.approx(accuracy_score(part.label, predicted))


def test_streaming_refuses_more_groups_than_it_can_hold(tmp_path, monkeypatch):
    from clfdiag.engines import slices as slices_module

    monkeypatch.setattr(slices_module, "MAX_HISTOGRAM_GROUPS", 2)
    path = write(tmp_path, frame(9, 200))
    with pytest.raises(ClfdiagError, match="more than 2 groups"):
        evaluate_by(path, "site", streaming=True)
    assert len(evaluate_by(path, "site")["slices"]) == 3  # in memory: no histograms


def test_forest_plot_is_drawn(tmp_path):
    from clfdiag.render.views import figures

    report = evaluate_by(write(tmp_path, frame(10, 300)), "site", metric="roc_auc")
    fig = figures(report)["slices"]
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert sorted(labels) == sorted(f"{s['group']} (n={s['n']})" for s in report["slices"])


def weighted_sklearn_metrics(y, p, w):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = {"accuracy": accuracy_score(y, p >= 0.5, sample_weight=w),
               "balanced_accuracy": balanced_accuracy_score(y, p >= 0.5, sample_weight=w),
               "log_loss": log_loss(y, p, labels=[0, 1], sample_weight=w),
               "brier": brier_score_loss(y, p, pos_label=1, sample_weight=w)}
        if len(set(y[w > 0])) == 2:
            out["roc_auc"] = roc_auc_score(y, p, sample_weight=w)
            out["pr_auc"] = average_precision_score(y, p, sample_weight=w)
        return out


@pytest.mark.parametrize("streaming", [False, True])
@pytest.mark.parametrize("metric", ["accuracy", "roc_auc"])
def test_weighted_group_metrics_equal_scikit_learn_and_tests_count_examples(
        tmp_path, streaming, metric):
    # The metrics are weighted as the whole's; rows of weight 0 are no examples; the
    # tests against the rest count the examples, as the unweighted run of those rows.
    df = frame(7, 1500)
    rng = np.random.default_rng(7)
    df["w"] = rng.choice([0.0, 0.5, 1.0, 4.0], len(df))
    path = write(tmp_path, df)
    report = clfdiag.evaluate_file(path, ReadOptions(weight_col="w"), streaming=streaming,
                                   batch_bytes=4096,
                                   slices=SliceOptions(("site",), metric=metric, min_group=30))
    kept = df[df.w > 0]
    counted = evaluate_by(write(tmp_path, kept.drop(columns="w"), "kept.csv"), "site",
                          streaming=streaming, metric=metric, min_group=30)
    for s, c in zip(report["slices"], counted["slices"], strict=True):
        part = df[df.site == s["group"]]
        assert s["n"] == int((part.w > 0).sum()) == c["n"]
        want = weighted_sklearn_metrics(part.label.to_numpy(), part.prob.to_numpy(),
                                        part.w.to_numpy())
        for key, value in want.items():
            if streaming and key in ("roc_auc", "pr_auc"):
                continue  # a histogram's, within its bound (the unweighted test covers it)
            assert s["metrics"][key] == pytest.approx(value, rel=1e-9, abs=1e-12), key
        assert s["intervals"] == {"accuracy": None, "roc_auc": None}  # as the whole's
        assert s["p_value"] == pytest.approx(c["p_value"], rel=1e-12)
        assert s["below_rest"] == c["below_rest"]
    assert any(s["p_value"] is not None for s in report["slices"])


def test_weighted_slices_on_the_command_line(tmp_path):
    path = tmp_path / "w.csv"
    path.write_text("label,prob,weight,group\n1,0.9,1,a\n0,0.8,5,a\n1,0.7,1,a\n0,0.2,0,a\n"
                    "1,0.6,1,b\n0,0.3,1,b\n1,0.4,1,b\n0,0.1,1,b\n")
    for extra in ([], ["--streaming"]):
        result = run("evaluate", str(path), "--weight-col", "weight", "--by", "group",
                     "--fairness-bootstrap", "0", "-f", "json", *extra)
        report = json.loads(result.stdout)
        a = next(s for s in report["slices"] if s["group"] == "a")
        assert a["n"] == 3
        assert a["metrics"]["accuracy"] == pytest.approx(2 / 7)
        fair = report["fairness"][0]["groups"]
        assert a["metrics"]["accuracy"] == pytest.approx(
            next(g for g in fair if g["group"] == "a")["accuracy"])
