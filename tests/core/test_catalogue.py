"""The metric catalogue: every reported metric has a spec, labels follow settings, and the
metrics that should not depend on row order or class names do not."""

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from importlib.resources import files
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from clfdiag.cli.app import app
from clfdiag.core import catalogue
from clfdiag.core.catalogue import CATALOGUE, MetricSpec, read_specs
from clfdiag.core.evaluation import evaluate_predictions
from tests.conftest import SAMPLES

# The documentation: the README and the pages under docs/, where the metrics are defined.
ROOT = Path(__file__).parents[2]
README = "\n".join(page.read_text(encoding="utf-8")
                   for page in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))])
BINARY = os.path.join(SAMPLES, "binary.csv")
MULTI = os.path.join(SAMPLES, "multiclass.csv")

# Commands whose reports carry metrics, and where the metric dicts sit.
REPORTS = [
    (["evaluate", BINARY], ["metrics"]),
    (["evaluate", MULTI], ["metrics"]),
    (["compare", BINARY, BINARY], ["a", "b", "delta"]),
    (["threshold", BINARY], ["metrics"]),
]


def run_json(args):
    result = CliRunner().invoke(app, [*args, "-f", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize(("args", "places"), REPORTS, ids=lambda v: str(v[-1]))
def test_every_reported_metric_has_a_spec(args, places):
    report = run_json(args)
    for place in places:
        assert catalogue.missing(report[place]) == []
        for key in report[place]:
            assert report["task"] in CATALOGUE[key].tasks, key


@pytest.mark.parametrize("key", sorted(CATALOGUE))
def test_readme_defines_every_spec(key):
    assert f"`{key}`" in README, key


def test_specs_are_well_formed():
    for key, s in CATALOGUE.items():
        assert s.key == key
        assert re.fullmatch(r"[a-z][a-z0-9_]*", key)
        assert all((s.label, s.definition, s.reference, s.tasks))
        s.label_for({"bins": 15})  # every placeholder is a known setting


SPEC_FILES = ("metrics.tsv", "multilabel_metrics.tsv")


def test_the_spec_files_hold_the_whole_catalogue():
    import clfdiag.core.multilabel  # noqa: F401  (registers its file's specs)

    specs = [s for name in SPEC_FILES for s in read_specs(name)]
    assert len({s.key for s in specs}) == len(specs)  # no key twice
    assert {s.key: s for s in specs} == CATALOGUE
    assert all(s.tasks <= {"binary", "multiclass", "multilabel"} for s in specs)
    assert spec_values("ece") == ("ECE ({bins} bins)", False, frozenset({"binary", "multiclass"}),
                                  False)
    assert spec_values("recall") == ("recall (sensitivity)", True, frozenset({"binary"}), True)
    assert spec_values("n") == ("examples", None, frozenset({"binary", "multiclass"}), False)
    assert spec_values("coverage_error") == ("coverage error", False,
                                             frozenset({"multilabel"}), False)


def spec_values(key):
    s = CATALOGUE[key]
    return s.label, s.greater_is_better, s.tasks, s.positive_class_dependent


def test_a_malformed_spec_file_names_its_line(tmp_path):
    header = "\t".join(("key", "label", "direction", "tasks", "positive_class_dependent",
                        "definition", "reference"))
    good = "m\tM\thigher\tbinary\tno\tdefinition\treference"
    path = tmp_path / "specs.tsv"
    path.write_text(f"# a comment\n{header}\n{good}\n", encoding="utf-8")
    assert read_specs(str(path)) == (MetricSpec("m", "M", True, "definition", "reference",
                                                 frozenset({"binary"})),)
    for bad in (good.replace("higher", "up"), good.replace("\tno\t", "\tmaybe\t"),
                good.rsplit("\t", 1)[0]):
        path.write_text(f"# a comment\n{header}\n{good}\n{bad}\n", encoding="utf-8")
        with pytest.raises(ValueError, match=r"line 4: not a spec"):
            read_specs(str(path))
    path.write_text(f"{good}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="the first row must be the header"):
        read_specs(str(path))


def test_the_installed_package_carries_the_spec_files():
    for name in SPEC_FILES:
        assert files("clfdiag.core").joinpath(name).is_file(), name


def test_a_built_wheel_carries_the_spec_files(tmp_path):
    project = tmp_path / "project"
    shutil.copytree(ROOT / "src", project / "src",
                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, project / name)
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet",
                             "--wheel-dir", str(tmp_path / "dist"), str(project)],
                            capture_output=True, text=True, timeout=600)
    if result.returncode and "build dependencies" in result.stderr:
        pytest.skip("the build backend could not be installed (no package index)")
    assert result.returncode == 0, result.stderr
    (wheel,) = (tmp_path / "dist").glob("clfdiag-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for name in SPEC_FILES:
        assert f"clfdiag/core/{name}" in names


def test_register_refuses_a_different_spec_under_a_known_key():
    with pytest.raises(ValueError, match="already in the catalogue"):
        catalogue.register(MetricSpec("log_loss", "loss", True, "x", "y"))
    catalogue.register(CATALOGUE["log_loss"])  # the same spec again is harmless


def test_label_follows_bins():
    result = CliRunner().invoke(app, ["evaluate", BINARY, "--bins", "10"])
    assert "ECE (10 bins)" in result.stdout
    assert "ECE (15 bins)" not in result.stdout
    md = CliRunner().invoke(app, ["compare", BINARY, BINARY, "--bins", "7", "-f", "markdown"])
    assert "| ECE (7 bins) |" in md.stdout


@pytest.mark.parametrize(("kind", "metric"), [("under", "log_loss"), ("over", "roc_auc"),
                                              ("under", "ece"), ("over", "accuracy")])
def test_gate_against_the_metric_direction_is_refused(kind, metric):
    result = CliRunner().invoke(app, ["evaluate", BINARY, f"--fail-{kind}", f"{metric}=0.3"])
    assert result.exit_code == 2, result.output
    other = "over" if kind == "under" else "under"
    assert f"use --fail-{other} {metric}=0.3" in result.stderr
    assert "Traceback" not in result.stderr


def test_gate_on_a_count_takes_either_direction():
    for kind in ("under", "over"):
        result = CliRunner().invoke(app, ["evaluate", BINARY, f"--fail-{kind}", "n=228"])
        assert result.exit_code == 0, result.output


def metrics_of(y, p, **kw):
    return evaluate_predictions(y, p, **kw).metrics


def assert_same(a, b, keys):
    for key in keys:
        assert (a[key] is None) == (b[key] is None), key
        if a[key] is not None:
            assert a[key] == pytest.approx(b[key], rel=1e-9, abs=1e-12), key


# Probabilities away from 0.5 and without ties, so that no decision or ranking hinges on order.
continuous = st.integers(0, 2**32 - 1).map(np.random.default_rng)


@given(continuous, st.integers(2, 300))
def test_binary_metrics_ignore_row_order_and_class_names(rng, n):
    y = rng.integers(0, 2, n)
    p = rng.uniform(0.0, 1.0, n)
    p[np.abs(p - 0.5) < 1e-6] = 0.25
    whole = metrics_of(y, p)
    order = rng.permutation(n)
    assert_same(whole, metrics_of(y[order], p[order]), whole)
    symmetric = [k for k in whole if not CATALOGUE[k].positive_class_dependent]
    assert_same(whole, metrics_of(1 - y, 1.0 - p), symmetric)


@given(continuous, st.integers(1, 200), st.integers(3, 8))
def test_multiclass_metrics_ignore_row_order_and_class_names(rng, n, k):
    y = rng.integers(0, k, n)
    proba = rng.dirichlet(np.ones(k), n)
    whole = metrics_of(y, proba)
    order = rng.permutation(n)
    assert_same(whole, metrics_of(y[order], proba[order]), whole)
    relabel = rng.permutation(k)  # class c becomes class relabel[c]
    moved = np.empty_like(proba)
    moved[:, relabel] = proba
    assert_same(whole, metrics_of(relabel[y], moved), whole)
    assert all(CATALOGUE[key].tasks & {"multiclass"} for key in whole)
