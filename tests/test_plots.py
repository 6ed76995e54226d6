"""Each figure is a valid image of the expected size, drawn from the engine's numbers."""

import json
import os
import sys

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("matplotlib")
from matplotlib.image import imread

from clfdiag.render.views import compare, evaluate, trajectory
from tests.conftest import SAMPLES
from tests.test_cli import run

EPOCHS = [os.path.join(SAMPLES, "epochs", f"epoch_{i:02d}.csv") for i in range(1, 21)]


def report(*args):
    return json.loads(run(*args, "--format", "json").stdout)


def test_files_are_valid_images_of_the_expected_size(tmp_path):
    run("evaluate", os.path.join(SAMPLES, "binary.csv"), "--plot", tmp_path)
    names = {p.stem for p in tmp_path.iterdir()}
    assert names == {"roc", "pr", "reliability", "confidence", "risk_coverage", "confusion"}
    for name in names:
        image = imread(tmp_path / f"{name}.png")
        assert image.shape[:2] == (600, 800)
        assert image[..., :3].std() > 0.05  # not blank
        svg = (tmp_path / f"{name}.svg").read_text()
        assert "<svg" in svg
        assert "http://www.w3.org/2000/svg" in svg
        # Self-contained: an embedded image (the heatmap's raster) is a data: URI.
        assert 'href="http' not in svg
        assert svg.count("<image") == svg.count('href="data:image/png;base64,')


def test_roc_and_pr_are_the_engines_curves():
    r = report("evaluate", os.path.join(SAMPLES, "binary.csv"))
    figs = evaluate.evaluation_figures(r)
    roc_line = figs["roc"].axes[0].lines[0]
    np.testing.assert_array_equal(roc_line.get_xdata(), r["curves"]["roc"]["fpr"])
    np.testing.assert_array_equal(roc_line.get_ydata(), r["curves"]["roc"]["tpr"])
    assert f"AUC {r['metrics']['roc_auc']:.3f}" in roc_line.get_label()
    point = figs["roc"].axes[0].lines[2]
    assert point.get_xdata()[0] == pytest.approx(1 - r["metrics"]["specificity"])
    assert point.get_ydata()[0] == pytest.approx(r["metrics"]["recall"])
    pr_line = figs["pr"].axes[0].lines[0]
    np.testing.assert_array_equal(pr_line.get_xdata(), r["curves"]["pr"]["recall"])
    assert figs["pr"].axes[0].lines[1].get_ydata()[0] == r["metrics"]["prevalence"]


def test_binary_reliability_is_the_positive_class_view_with_wilson_intervals():
    from scipy.stats import binomtest

    path = os.path.join(SAMPLES, "epochs", "epoch_20.csv")
    r = report("evaluate", path)
    figs = evaluate.evaluation_figures(r)
    rel = r["reliability_positive_class"]
    assert rel["view"] == "positive_class"
    used = [b for b in rel["bins"] if b["count"]]
    ax = figs["reliability"].axes[0]
    line = ax.lines[1]
    np.testing.assert_allclose(np.asarray(line.get_xdata(), dtype=float),
                               [b["mean_score"] for b in used])
    np.testing.assert_allclose(np.asarray(line.get_ydata(), dtype=float),
                               [b["observed"] for b in used])
    assert ax.get_xlim() == (0.0, 1.0)
    assert f"{r['metrics']['ece_positive_class']:.4f}" in figs["reliability"].get_suptitle()
    frame = pd.read_csv(path)
    for b in used:
        inside = (frame["prob"] > b["lower"]) & (frame["prob"] <= b["upper"])
        if b["lower"] == 0.0:
            inside |= frame["prob"] == 0.0
        k, n = int(frame["label"][inside].sum()), int(inside.sum())
        assert n == b["count"]
        ci = binomtest(k, n).proportion_ci(0.95, method="wilson")
        assert b["interval"] == pytest.approx([ci.low, ci.high], abs=1e-12)


def test_reliability_and_confidence_are_the_calibration_bins():
    r = report("evaluate", os.path.join(SAMPLES, "multiclass.csv"))
    figs = evaluate.evaluation_figures(r)
    used = [b for b in r["calibration"]["bins"] if b["count"]]
    line = figs["reliability"].axes[0].lines[1]
    np.testing.assert_allclose(line.get_xdata(), [b["confidence"] for b in used])
    np.testing.assert_allclose(line.get_ydata(), [b["accuracy"] for b in used])
    assert f"{r['calibration']['ece']:.4f}" in figs["reliability"].get_suptitle()
    bars = figs["confidence"].axes[0].patches
    heights = [p.get_height() for p in bars[: len(r["calibration"]["bins"])]]
    heights_wrong = [p.get_height() for p in bars[len(heights): 2 * len(heights)]]
    assert sum(heights) + sum(heights_wrong) == r["metrics"]["n"]


def test_multiclass_per_class_roc():
    r = report("evaluate", os.path.join(SAMPLES, "multiclass.csv"))
    figs = evaluate.evaluation_figures(r)
    lines = figs["roc_per_class"].axes[0].lines[:-1]
    assert len(lines) == len(r["class_roc"]) == 10
    for line, c in zip(lines, r["class_roc"], strict=True):
        np.testing.assert_array_equal(line.get_xdata(), c["fpr"])


def test_many_classes_show_the_worst(tmp_path):
    rng = np.random.default_rng(0)
    k, n = 30, 600
    proba = rng.dirichlet(np.ones(k), n)
    lines = ["label," + ",".join(f"p_{c}" for c in range(k))]
    lines += [f"{rng.integers(0, k)}," + ",".join(repr(float(v)) for v in row) for row in proba]
    path = tmp_path / "many.csv"
    path.write_text("\n".join(lines) + "\n")
    r = report("evaluate", path)
    assert len(r["class_roc"]) == 8
    worst = sorted(c["roc_auc"] for c in r["per_class"])[:8]
    assert sorted(c["roc_auc"] for c in r["class_roc"]) == worst
    assert "lowest AUC of 30" in evaluate.evaluation_figures(r)["roc_per_class"].get_suptitle()


def test_compare_figures(tmp_path):
    args = ("compare", EPOCHS[4], EPOCHS[5])
    run(*args, "--plot", tmp_path)
    assert {p.stem for p in tmp_path.iterdir()} == {"roc", "reliability", "scatter"}
    r = json.loads(run(*args, "--format", "json", "--plot", tmp_path / "again").stdout)
    figs = compare.comparison_figures(r)
    a, b = figs["roc"].axes[0].lines[:2]
    np.testing.assert_array_equal(a.get_xdata(), r["curves"]["a"]["roc"]["fpr"])
    np.testing.assert_array_equal(b.get_ydata(), r["curves"]["b"]["roc"]["tpr"])
    points = sum(len(c.get_offsets()) for c in figs["scatter"].axes[0].collections)
    assert points == len(r["sample"]["group"]) == 600


def test_trajectory_figure(tmp_path):
    r = json.loads(run("epochs", *EPOCHS, "--format", "json", "--plot", tmp_path).stdout)
    assert (tmp_path / "loss_accuracy.png").exists()
    fig = trajectory.trajectory_figure(r)
    ax = fig.axes[0]
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [e["log_loss"] for e in r["epochs"]])
    np.testing.assert_allclose(fig.axes[1].lines[0].get_ydata(),
                               [e["accuracy"] for e in r["epochs"]])
    assert len(ax.patches) == len(r["flagged"])


def test_history_figure(tmp_path):
    path = os.path.join(os.path.dirname(__file__), "data", "histories", "keras.csv")
    run("history", path, "--plot", tmp_path)
    assert imread(tmp_path / "loss_accuracy.png").shape[:2] == (600, 800)


def test_missing_matplotlib_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    result = run("evaluate", os.path.join(SAMPLES, "binary.csv"), "--plot", tmp_path, code=2)
    assert "pip install 'clfdiag[plot]'" in result.stderr
    page = tmp_path / "r.html"
    result = run("evaluate", os.path.join(SAMPLES, "binary.csv"), "-f", "html", "-o", page)
    assert "Figures need matplotlib" in page.read_text()


TEX = ["$\\frac$", "$x^2$", "a$b$c"]


def _tex_named_classes(tmp_path):
    rng = np.random.default_rng(3)
    n = 60
    proba = rng.dirichlet(np.ones(3), n)
    labels = [TEX[i % 3] for i in range(n)]
    path = tmp_path / "$\\frac$_01.csv"
    with open(path, "w") as f:
        f.write("label," + ",".join(f"p_{c}" for c in TEX) + "\n")
        for label, row in zip(labels, proba, strict=True):
            f.write(f"{label}," + ",".join(f"{v:.6f}" for v in row) + "\n")
    return path


def test_class_names_are_never_mathtext(tmp_path):
    path = _tex_named_classes(tmp_path)
    run("evaluate", path, "--plot", tmp_path / "figs")
    for figure in ("confusion", "roc_per_class"):
        svg = (tmp_path / "figs" / f"{figure}.svg").read_text()
        for name in TEX:
            assert f"<!-- {name}" in svg
    html = run("evaluate", path, "--format", "html").stdout
    assert "<!-- $\\frac$ -->" in html
    assert "<!-- $x^2$ -->" in html

