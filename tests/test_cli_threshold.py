"""``clfdiag threshold`` through the CLI: every option, the JSON contract, errors and oracles.

The oracle is a brute-force loop over every observed score as a threshold
(rule ``score >= t``), with exact rational arithmetic so that ties are exact.
"""

import json
import os
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from clfdiag.api import threshold as choose
from clfdiag.cli.app import app
from clfdiag.io import ReadOptions, predictions_from_frame
from clfdiag.reports.threshold import ThresholdSettings
from tests.conftest import DATA, SAMPLES

BINARY = os.path.join(SAMPLES, "binary.csv")
MULTI = os.path.join(SAMPLES, "multiclass.csv")
ASAH = os.path.join(DATA, "aSAH.csv")
DF_BINARY = os.path.join(DATA, "df_binary.csv")


def run(*args, code=0):
    result = CliRunner().invoke(app, ["threshold", *(str(a) for a in args)])
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert "Traceback" not in result.stdout + result.stderr
    return result


def as_json(*args):
    return json.loads(run(*args, "--format", "json").stdout)


# --- the brute-force oracle -----------------------------------------------------------------

def counts(y, s, t):
    pred = s >= t
    tp = int(np.sum(pred & (y == 1)))
    fp = int(np.sum(pred & (y == 0)))
    return tp, fp, int(np.sum(y == 0)) - fp, int(np.sum(y == 1)) - tp


def value(name, tp, fp, tn, fn, cost_fp=1, cost_fn=1, prevalence=None, beta=1):
    """The criterion as an exact fraction (None where undefined)."""
    p, n = tp + fn, tn + fp
    F = Fraction
    if name == "youden":
        return F(tp, p) + F(tn, n) - 1
    if name == "balanced-accuracy":
        return (F(tp, p) + F(tn, n)) / 2
    if name == "closest-topleft":
        return -((1 - F(tp, p)) ** 2 + F(fp, n) ** 2)
    if name == "f1":
        return F(2 * tp, 2 * tp + fp + fn)
    if name == "fbeta":
        b2 = F(beta) ** 2
        return (1 + b2) * tp / ((1 + b2) * tp + b2 * fn + fp)
    if name == "accuracy":
        return F(tp + tn, p + n)
    if name == "mcc":
        d = (tp + fp) * p * n * (tn + fn)
        if d == 0:
            return None
        num = tp * tn - fp * fn
        return F(num * abs(num), d)  # sign-preserving square: same order as MCC
    if name == "cost":
        if prevalence is None:
            return -(F(cost_fp) * fp + F(cost_fn) * fn) / (p + n)
        pi = F(prevalence)
        return -(pi * F(cost_fn) * F(fn, p) + (1 - pi) * F(cost_fp) * F(fp, n))
    if name == "recall":
        return F(tp, p)
    if name == "specificity":
        return F(tn, n)
    raise AssertionError(name)


def feasible(tp, fp, tn, fn, bounds):
    # A bound is the decimal the user typed: --min-recall 0.9 admits a recall of 9/10.
    bounds = {k: None if v is None else Fraction(str(v)) for k, v in bounds.items()}
    ok = True
    if bounds.get("min_recall") is not None:
        ok &= Fraction(tp, tp + fn) >= Fraction(bounds["min_recall"])
    if bounds.get("min_precision") is not None:
        ok &= tp + fp > 0 and Fraction(tp, tp + fp) >= Fraction(bounds["min_precision"])
    if bounds.get("min_specificity") is not None:
        ok &= Fraction(tn, tn + fp) >= Fraction(bounds["min_specificity"])
    if bounds.get("max_fpr") is not None:
        ok &= Fraction(fp, tn + fp) <= Fraction(bounds["max_fpr"])
    return ok


def brute_force(y, s, name, bounds=None, **kw):
    """The best value and every threshold reaching it (highest first), or None if infeasible."""
    scored = []
    for t in sorted(set(s.tolist()), reverse=True):
        c = counts(y, s, t)
        v = value(name, *c, **kw)
        if v is not None and feasible(*c, bounds or {}):
            scored.append((v, t))
    if not scored:
        return None
    best = max(v for v, _ in scored)
    return best, [t for v, t in scored if v == best]


def tied_file(tmp_path, seed=0, n=120):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    s = np.round(np.clip(0.35 * y + rng.uniform(0, 0.65, n), 0, 1), 1)  # few distinct: ties
    path = tmp_path / "tied.csv"
    pd.DataFrame({"label": y, "prob": s}).to_csv(path, index=False)
    return path, y, s


# --- every criterion and constraint against the oracle ----------------------------------------

@pytest.mark.parametrize("name", ["youden", "closest-topleft", "f1", "fbeta:2", "mcc",
                                  "accuracy", "balanced-accuracy", "cost"])
def test_every_criterion_matches_brute_force(tmp_path, name):
    path, y, s = tied_file(tmp_path)
    r = as_json(path, "--optimize", name, "--folds", "0")
    base, _, arg = name.partition(":")
    expected, ties = brute_force(y, s, base, beta=float(arg or 1))
    assert r["criterion"] == name
    assert r["best"]["ties"] == ties
    assert r["best"]["threshold"] == ties[0]  # highest tied threshold
    assert r["best"]["ties_count"] == len(ties)
    assert (r["best"]["tp"], r["best"]["fp"], r["best"]["tn"], r["best"]["fn"]) == counts(
        y, s, ties[0])
    if base == "mcc":
        expected = np.sign(float(expected)) * np.sqrt(abs(float(expected)))
    elif base in ("closest-topleft", "cost"):
        expected = -expected
    assert r["best"]["value"] == pytest.approx(float(expected), abs=1e-12)
    assert r["metrics"]["criterion_value"] == r["best"]["value"]
    assert r["metrics"]["chosen_threshold"] == ties[0]


@pytest.mark.parametrize(("cost_fp", "cost_fn", "prevalence"),
                         [(1, 10, None), (3, 1, None), (1, 5, 0.05), (2, 1, 0.8)])
def test_cost_with_prevalence_matches_brute_force(tmp_path, cost_fp, cost_fn, prevalence):
    path, y, s = tied_file(tmp_path, seed=1)
    args = ["--optimize", "cost", "--cost-fp", cost_fp, "--cost-fn", cost_fn, "--folds", 0]
    if prevalence is not None:
        args += ["--prevalence", prevalence]
    r = as_json(path, *args)
    expected, ties = brute_force(y, s, "cost", cost_fp=cost_fp, cost_fn=cost_fn,
                                 prevalence=prevalence)
    assert r["best"]["ties"] == ties
    assert r["best"]["value"] == pytest.approx(-float(expected), abs=1e-12)
    assert r["metrics"]["expected_cost"] == pytest.approx(-float(expected), abs=1e-12)
    assert r["costs"] == {"cost_fp": cost_fp, "cost_fn": cost_fn, "prevalence": prevalence}


@pytest.mark.parametrize(("flag", "bound", "objective"), [
    ("--min-recall", 0.9, "specificity"), ("--min-precision", 0.8, "recall"),
    ("--min-specificity", 0.7, "recall"), ("--max-fpr", 0.2, "recall")])
def test_a_constraint_alone_maximises_the_other_side(tmp_path, flag, bound, objective):
    path, y, s = tied_file(tmp_path, seed=2)
    r = as_json(path, flag, bound, "--folds", "0")
    expected, ties = brute_force(y, s, objective, {flag[2:].replace("-", "_"): bound})
    assert r["criterion"] == objective
    assert r["best"]["value"] == pytest.approx(float(expected), abs=1e-12)
    # Maximising specificity breaks ties towards the lowest threshold (most true positives).
    assert r["best"]["threshold"] == (ties[-1] if objective == "specificity" else ties[0])
    assert r["constraints"][flag[2:].replace("-", "_")] == bound


def test_a_criterion_under_constraints_matches_brute_force(tmp_path):
    path, y, s = tied_file(tmp_path, seed=3)
    r = as_json(path, "--optimize", "f1", "--min-recall", "0.8", "--max-fpr", "0.5",
                "--folds", "0")
    expected, ties = brute_force(y, s, "f1", {"min_recall": 0.8, "max_fpr": 0.5})
    assert r["best"]["value"] == pytest.approx(float(expected), abs=1e-12)
    assert r["best"]["ties"] == ties


labels_and_scores = st.integers(4, 40).flatmap(lambda n: st.tuples(
    st.lists(st.integers(0, 1), min_size=n, max_size=n).filter(lambda v: 0 < sum(v) < len(v)),
    st.lists(st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0]), min_size=n, max_size=n)))


@settings(max_examples=40)
@given(labels_and_scores, st.sampled_from(["youden", "f1", "accuracy", "cost"]),
       st.sampled_from([None, 0.5, 0.9]))
def test_api_matches_brute_force_on_generated_ties(data, name, min_recall):
    y, s = (np.array(v) for v in data)
    preds = predictions_from_frame(pd.DataFrame({"label": y, "prob": s}),
                                   ReadOptions(prob_cols=("prob",)))
    r = choose(preds, ThresholdSettings(optimize=name, min_recall=min_recall, folds=0))
    found = brute_force(y, s.astype(float), name,
                        {"min_recall": min_recall} if min_recall is not None else {})
    if found is None:
        assert r["best"] is None
        assert r["undefined"]["best"]
        return
    expected, ties = found
    assert r["best"]["ties"] == ties
    sign = -1 if name == "cost" else 1
    assert r["best"]["value"] == pytest.approx(sign * float(expected), abs=1e-12)


# --- published values ----------------------------------------------------------------------

def test_scores_on_asah_give_procs_best_point():
    r = as_json(ASAH, "--scores", "--label-col", "outcome", "--positive", "Poor",
                "--prob-col", "s100b", "--folds", "0")
    best = r["best"]
    assert best["threshold"] == 0.22
    assert best["midpoint"] == pytest.approx(0.205, abs=1e-15)
    assert best["recall"] == pytest.approx(0.6341463, abs=5e-8)
    assert best["specificity"] == pytest.approx(0.8055556, abs=5e-8)
    assert (best["tp"], best["fp"], best["tn"], best["fn"]) == (26, 14, 58, 15)
    assert r["current"] is None  # a score has no default threshold
    assert "--threshold" in r["undefined"]["current"]
    assert r["decision_curve"] is None
    assert r["undefined"]["decision_curve"]


def test_scores_compare_with_the_given_threshold():
    r = as_json(ASAH, "--scores", "--label-col", "outcome", "--positive", "Poor",
                "--prob-col", "s100b", "--threshold", "0.5", "--folds", "0")
    assert r["current"]["recall"] == pytest.approx(0.2926829, abs=5e-8)
    assert r["current"]["specificity"] == pytest.approx(0.9722222, abs=5e-8)


def test_decision_curve_gives_dcurves_net_benefit():
    r = as_json(DF_BINARY, "--label-col", "cancer", "--positive", "TRUE",
                "--prob-col", "cancerpredmarker", "--risk-thresholds",
                "0.05,0.1,0.15,0.2,0.25,0.3,0.35", "--folds", "0")
    curve = r["decision_curve"]
    published = [0.1055439, 0.0874074, 0.0792157, 0.0673333, 0.064, 0.0546667, 0.0501538]
    np.testing.assert_allclose(curve["model"], published, atol=5e-8)
    assert curve["treat_all"][4] == pytest.approx(-0.1466667, abs=5e-8)
    assert curve["treat_none"] == [0.0] * 7
    assert curve["net_interventions_avoided"][4] == pytest.approx(0.632, abs=1e-12)
    assert curve["standardized_model"][4] == pytest.approx(0.064 / 0.14, abs=1e-12)


def test_risk_threshold_range_and_default():
    r = as_json(BINARY, "--risk-thresholds", "0.1:0.5:0.1", "--folds", "0")
    assert r["decision_curve"]["risk_threshold"] == [0.1, 0.2, 0.3, 0.4, 0.5]
    default = as_json(BINARY, "--folds", "0")["decision_curve"]["risk_threshold"]
    assert len(default) == 99
    assert (default[0], default[-1]) == (0.01, 0.99)


# --- the comparison point, cross-fitting, the bootstrap ------------------------------------

def test_current_threshold_is_the_comparison_point():
    frame = pd.read_csv(BINARY)
    y, s = frame["label"].to_numpy(), frame["prob"].to_numpy()
    for args, t in (((), 0.5), (("--threshold", "0.3"), 0.3)):
        r = as_json(BINARY, *args, "--folds", "0")
        tp, fp, tn, fn = counts(y, s, t)
        assert r["current"]["threshold"] == t
        assert (r["current"]["tp"], r["current"]["fp"], r["current"]["tn"],
                r["current"]["fn"]) == (tp, fp, tn, fn)
        assert r["current"]["value"] == pytest.approx(float(value("youden", tp, fp, tn, fn)))


def test_cross_fitting_is_seeded_and_honest(tmp_path):
    rng = np.random.default_rng(7)
    n = 300
    path = tmp_path / "noise.csv"
    # Scores unrelated to the labels: any in-sample optimum is overfitting.
    pd.DataFrame({"label": rng.integers(0, 2, n), "prob": rng.uniform(0, 1, n)}).to_csv(
        path, index=False)
    a = as_json(path, "--folds", "5", "--seed", "3")
    assert a == as_json(path, "--folds", "5", "--seed", "3")
    cross = a["cross_fitted"]
    assert cross["folds"] == 5
    assert cross["seed"] == 3
    assert len(cross["thresholds"]) == 5
    assert cross["tp"] + cross["fp"] + cross["tn"] + cross["fn"] == n
    assert cross["value"] < cross["in_sample_value"] == a["best"]["value"]
    assert a["metrics"]["cross_fitted_value"] == cross["value"]
    assert any("cross-fitted" in note for note in a["notes"])


def test_folds_zero_skips_cross_fitting():
    r = as_json(BINARY, "--folds", "0")
    assert r["cross_fitted"] is None
    assert r["metrics"]["cross_fitted_value"] is None


def test_bootstrap_is_seeded_and_brackets_the_choice():
    args = (BINARY, "--bootstrap", "40", "--seed", "1", "--folds", "0")
    a = as_json(*args)
    assert a == as_json(*args)
    boot = a["bootstrap"]
    assert boot["resamples"] == 40
    assert boot["seed"] == 1
    lo, hi = boot["threshold"]
    assert lo <= hi
    band = a["criterion_curve"]
    assert len(band["lower"]) == len(band["threshold"]) == len(band["value"])
    assert all(lo <= hi for lo, hi in zip(band["lower"], band["upper"], strict=True)
               if lo is not None)
    assert as_json(BINARY, "--folds", "0")["bootstrap"] is None


# --- infeasible constraints ----------------------------------------------------------------

def test_infeasible_constraints_are_null_with_the_reason():
    result = run(BINARY, "--min-recall", "1", "--min-specificity", "1", "--optimize", "f1",
                 "--format", "json")
    r = json.loads(result.stdout)
    assert r["best"] is None
    assert "recall >= 1, specificity >= 1" in r["undefined"]["best"]
    assert r["metrics"]["chosen_threshold"] is None
    assert r["undefined"]["chosen_threshold"] == r["undefined"]["best"]
    assert "No threshold by f1" in run(BINARY, "--min-recall", "1", "--min-specificity", "1",
                                       "--optimize", "f1").stdout


# --- groups ------------------------------------------------------------------------------

def test_by_gives_one_operating_point_per_group(tmp_path):
    frame = pd.read_csv(BINARY)
    frame["site"] = np.where(np.arange(len(frame)) % 3 == 0, "north", "south")
    path = tmp_path / "sites.csv"
    frame.to_csv(path, index=False)
    r = as_json(path, "--by", "site", "--optimize", "f1", "--folds", "0")
    assert [g["group"] for g in r["groups"]] == ["north", "south"]
    for g in r["groups"]:
        part = frame[frame["site"] == g["group"]]
        y, s = part["label"].to_numpy(), part["prob"].to_numpy()
        assert g["column"] == "site"
        assert g["n"] == len(part)
        assert g["positives"] == int(y.sum())
        expected, ties = brute_force(y, s, "f1")
        assert g["best"]["ties"] == ties
        assert g["best"]["value"] == pytest.approx(float(expected), abs=1e-12)
    assert "By site" in run(path, "--by", "site", "--folds", "0").stdout


def test_by_keeps_rows_aligned_after_drop_invalid(tmp_path):
    path = tmp_path / "gaps.csv"
    path.write_text("label,prob,site\n1,0.9,a\n0,,a\n1,0.8,b\n0,0.2,b\n0,0.1,a\n1,0.7,a\n")
    r = as_json(path, "--by", "site", "--drop-invalid", "--folds", "0")
    assert {g["group"]: g["n"] for g in r["groups"]} == {"a": 3, "b": 2}


def test_by_an_unknown_or_empty_column_is_refused(tmp_path):
    refused = run(BINARY, "--by", "nosuch", code=2).stderr
    assert "'nosuch'" in refused
    assert "--by" in refused
    path = tmp_path / "empty_group.csv"
    path.write_text("label,prob,site\n1,0.9,a\n0,0.3,\n1,0.8,b\n0,0.2,b\n")
    assert "(row 2)" in run(path, "--by", "site", "--folds", "0", code=2).stderr


# --- multiclass --------------------------------------------------------------------------

def test_multiclass_needs_a_cost_matrix():
    result = run(MULTI, code=2)
    assert "--cost-matrix FILE" in result.stderr


def test_multiclass_bayes_decision_matches_brute_force(tmp_path):
    frame = pd.read_csv(MULTI)
    proba = frame[[f"p_{k}" for k in range(10)]].to_numpy()
    y = frame["label"].to_numpy()
    rng = np.random.default_rng(0)
    c = rng.integers(1, 10, (10, 10)).astype(float)
    np.fill_diagonal(c, 0)
    path = tmp_path / "costs.csv"
    pd.DataFrame(c).to_csv(path, header=False, index=False)
    r = as_json(MULTI, "--cost-matrix", path)
    decided = np.array([min(range(10), key=lambda j, row=row: sum(row[i] * c[i, j]
                                                                   for i in range(10)))
                        for row in proba])
    expected = np.mean([c[a, b] for a, b in zip(y, decided, strict=True)])
    assert r["bayes_decision"]["bayes"]["mean_cost"] == pytest.approx(expected, rel=1e-12)
    argmax = np.mean([c[a, b] for a, b in zip(y, proba.argmax(axis=1), strict=True)])
    assert r["metrics"]["argmax_mean_cost"] == pytest.approx(argmax, rel=1e-12)
    assert r["bayes_decision"]["changed"] == int(np.sum(decided != proba.argmax(axis=1)))
    assert "Bayes decision" in run(MULTI, "--cost-matrix", path).stdout


def test_cost_matrix_with_class_names_is_reordered(tmp_path):
    frame = pd.read_csv(MULTI)
    names = [str(k) for k in range(10)]
    c = np.arange(100, dtype=float).reshape(10, 10)
    order = names[::-1]
    labelled = pd.DataFrame(c[::-1][:, ::-1], index=order, columns=order)
    path = tmp_path / "named.csv"
    labelled.to_csv(path)
    plain = tmp_path / "plain.csv"
    pd.DataFrame(c).to_csv(plain, header=False, index=False)
    assert as_json(MULTI, "--cost-matrix", path)["costs"] == as_json(
        MULTI, "--cost-matrix", plain)["costs"]
    assert frame.shape[0] == as_json(MULTI, "--cost-matrix", plain)["bayes_decision"]["n"]


@pytest.mark.parametrize("content", ["1,2\n3,4\n", "a,b\n", "0,1,x\n"])
def test_bad_cost_matrix_is_refused(tmp_path, content):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    assert "--cost-matrix" in run(MULTI, "--cost-matrix", path, code=2).stderr


# --- bad option values -------------------------------------------------------------------

@pytest.mark.parametrize(("args", "flag"), [
    (["--optimize", "bogus"], "--optimize"),
    (["--optimize", "fbeta:0"], "--optimize"),
    (["--cost-fp", "-1"], "--cost-fp"),
    (["--cost-fn", "inf"], "--cost-fn"),
    (["--prevalence", "1.5"], "--prevalence"),
    (["--min-recall", "2"], "--min-recall"),
    (["--min-precision", "-0.1"], "--min-precision"),
    (["--min-specificity", "1.1"], "--min-specificity"),
    (["--max-fpr", "-1"], "--max-fpr"),
    (["--min-recall", "0.5", "--min-precision", "0.5"], "--min-recall"),
    (["--risk-thresholds", "a,b"], "--risk-thresholds"),
    (["--risk-thresholds", "0:1:0.1"], "--risk-thresholds"),
    (["--risk-thresholds", "0.5,1"], "--risk-thresholds"),
    (["--risk-thresholds", "0.1:0.5"], "--risk-thresholds"),
    (["--folds", "1"], "--folds"),
    (["--bootstrap", "-2"], "--bootstrap"),
    (["--threshold", "2"], "--threshold"),
    (["--cost-matrix", BINARY], "--cost-matrix"),
])
def test_bad_option_values_exit_2_naming_the_flag(args, flag):
    result = run(BINARY, *args, code=2)
    assert flag in result.stderr
    assert result.stderr.startswith("error: ")


# --- the JSON contract, formats, figures, gates ------------------------------------------

def test_json_contract_keys(tmp_path):
    frame = pd.read_csv(BINARY)
    frame["sex"] = np.where(np.arange(len(frame)) % 2, "f", "m")
    path = tmp_path / "with_sex.csv"
    frame.to_csv(path, index=False)
    r = as_json(path, "--by", "sex", "--bootstrap", "20")
    assert r["command"] == "threshold"
    assert r["rule"] == ">="
    for key in ("criterion", "best", "criteria", "cross_fitted", "bootstrap",
                "decision_curve", "groups", "current", "metrics", "undefined", "notes"):
        assert key in r, key
    for key in ("threshold", "midpoint", "value", "ties", "tp", "fp", "tn", "fn", "recall",
                "specificity", "precision", "f1", "mcc", "cost", "npv", "lr_positive",
                "lr_negative", "tie_break"):
        assert key in r["best"], key
    assert [c["criterion"] for c in r["criteria"]] == [
        "youden", "closest-topleft", "f1", "mcc", "accuracy", "balanced-accuracy", "cost"]
    for c in r["criteria"]:
        assert {"criterion", "threshold", "value"} <= set(c)
    assert {"risk_threshold", "model", "treat_all", "treat_none"} <= set(r["decision_curve"])
    for g in r["groups"]:
        assert {"column", "group", "n", "best"} <= set(g)
    assert r["best"] == {**r["criteria"][0]}  # without a criterion: best by Youden's J


@pytest.mark.parametrize("fmt", ["table", "markdown", "csv", "html"])
def test_every_format(fmt):
    out = run(BINARY, "--format", fmt, "--folds", "2").stdout
    assert "youden" in out


def test_output_file_and_plots(tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "report.json"
    run(BINARY, "-f", "json", "-o", out, "--bootstrap", "10", "--plot", tmp_path / "figs")
    assert json.loads(out.read_text())["command"] == "threshold"
    names = sorted(p.name for p in (tmp_path / "figs").iterdir())
    assert names == ["criterion.png", "criterion.svg", "decision_curve.png",
                     "decision_curve.svg", "roc.png", "roc.svg"]


def test_gates_on_the_chosen_point():
    run(BINARY, "--fail-under", "recall=0.9", "--folds", "0")
    result = run(BINARY, "--fail-under", "recall=0.99", "--folds", "0", code=1)
    assert "gate failed" in result.stderr
