"""The metric catalogue: every reported metric has a spec, labels follow settings, and the
metrics that should not depend on row order or class names do not."""

import json
import os
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from clfdiag.cli.app import app
from clfdiag.core import catalogue
from clfdiag.core.catalogue import CATALOGUE, MetricSpec
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
