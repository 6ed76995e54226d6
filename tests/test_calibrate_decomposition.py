"""`decomposition` of `clfdiag calibrate`: the CORP parts of the log loss and Brier score
before and after each map on the held-out folds, against scikit-learn's log_loss,
brier_score_loss and IsotonicRegression fold by fold; monotone maps lower the
miscalibration and keep the discrimination."""

import json
import os

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from sklearn.isotonic import IsotonicRegression
from sklearn.metrics import brier_score_loss, log_loss
from typer.testing import CliRunner

from clfdiag.cli.app import app
from clfdiag.core.calibration_tests import Decomposition
from clfdiag.core.cross_fitting import cross_fit_calibration
from clfdiag.core.resampling import stratified_folds
from tests.conftest import SAMPLES, read_csv_exact

EPOCH = os.path.join(SAMPLES, "epochs", "epoch_20.csv")
MULTICLASS = os.path.join(SAMPLES, "multiclass.csv")
PARTS = ("score", "miscalibration", "discrimination", "uncertainty")
INCREASING = ("temperature", "platt")
"""Strictly increasing maps: within a fold they keep every score's rank and every tie."""


def as_json(*args):
    result = CliRunner().invoke(app, [*map(str, args), "--format", "json"])
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return json.loads(result.stdout)


def corp_by_sklearn(y, p):
    """Score, MCB, DSC, UNC of the log loss and Brier score from scikit-learn's pieces.

    PAV by ``IsotonicRegression`` on the dense rank of p (the fit depends on the
    order alone; ranks keep apart distinct p that scikit-learn merges within 1e-15).
    """
    rank = np.unique(p, return_inverse=True)[1].astype(float)
    iso = IsotonicRegression(y_min=0.0, y_max=1.0).fit_transform(rank, y)
    base = np.full(y.shape, y.mean())
    out = {}
    for name, score in (("log_loss", lambda q: log_loss(y, q, labels=[0, 1])),
                        ("brier", lambda q: brier_score_loss(y, q, pos_label=1))):
        s_p, s_iso, s_base = score(p), score(iso), score(base)
        out[name] = dict(zip(PARTS, (s_p, s_p - s_iso, s_base - s_iso, s_base), strict=True))
    return out


def fold_mean_by_sklearn(y, p, fold):
    """:func:`corp_by_sklearn` on each fold, averaged with the folds' sizes as weights."""
    out = {s: dict.fromkeys(PARTS, 0.0) for s in ("log_loss", "brier")}
    for k in np.unique(fold):
        rows = fold == k
        one = corp_by_sklearn(y[rows], p[rows])
        for s in out:
            for part in PARTS:
                out[s][part] += one[s][part] * rows.sum() / y.size
    return out


def strictly_increasing_on(p, q):
    """Whether q keeps p's order: distinct p stay distinct and in order, ties stay tied."""
    order = np.argsort(p, kind="stable")
    return bool(np.all((np.diff(q[order]) > 0) == (np.diff(p[order]) > 0)))


def as_dict(d: Decomposition):
    return {s: {part: getattr(getattr(d, s), part) for part in PARTS}
            for s in ("log_loss", "brier")}


def check_adds_up(d, tolerance):
    for s in ("log_loss", "brier"):
        parts = d[s]
        assert parts["miscalibration"] - parts["discrimination"] + parts["uncertainty"] == \
            pytest.approx(parts["score"], abs=tolerance)


@pytest.fixture(scope="module")
def sample():
    return as_json("calibrate", EPOCH)


def test_sample_against_sklearn_fold_by_fold(sample):
    frame = read_csv_exact(EPOCH)
    y, p = frame["label"].to_numpy(), frame["prob"].to_numpy()
    result = cross_fit_calibration(y, p, folds=sample["folds"], seed=sample["seed"],
                                   n_bins=sample["bins"])
    fold = stratified_folds(y, sample["folds"], sample["seed"])
    before = fold_mean_by_sklearn(y, p, fold)
    for method, fitted in zip(sample["methods"], result.methods, strict=True):
        assert method["method"] == fitted.method
        d = method["decomposition"]
        assert list(d) == ["before", "after"]
        after = fold_mean_by_sklearn(y, fitted.cross_fitted, fold)
        for stage, truth in (("before", before), ("after", after)):
            assert list(d[stage]) == ["log_loss", "brier"]
            for s in ("log_loss", "brier"):
                assert list(d[stage][s]) == list(PARTS)
                # Means of 600 terms (log losses up to ln(1/eps) ~ 36 each) summed in
                # another order by scikit-learn, then weighted over 5 folds: 1e-12 is ample.
                for part in PARTS:
                    assert d[stage][s][part] == pytest.approx(truth[s][part], abs=1e-12)
            check_adds_up(d[stage], 1e-12)
        # The scores are the method's own before and cross-fitted after.
        assert d["before"]["log_loss"]["score"] == pytest.approx(method["before"]["log_loss"],
                                                                 abs=1e-12)
        assert d["after"]["log_loss"]["score"] == pytest.approx(method["after"]["log_loss"],
                                                                abs=1e-12)
        assert d["after"]["brier"]["score"] == pytest.approx(method["after"]["brier"], abs=1e-12)


def test_monotone_maps_lower_miscalibration_and_keep_discrimination(sample):
    # epoch_20 is far too confident (log loss 1.38 against 0.58 after temperature).
    by_name = {m["method"]: m["decomposition"] for m in sample["methods"]}
    for name in (*INCREASING, "isotonic"):
        d = by_name[name]
        for s in ("log_loss", "brier"):
            before, after = d["before"][s], d["after"][s]
            assert after["miscalibration"] < before["miscalibration"]
            assert after["uncertainty"] == before["uncertainty"]
            if name in INCREASING:
                # Each fold's PAV blocks are the same blocks of the same labels before
                # and after: the same sums in the same order.
                assert after["discrimination"] == pytest.approx(before["discrimination"],
                                                                abs=1e-15)
            else:
                # Isotonic maps are non-decreasing: scores of one block are pooled, and
                # an isotonic fit of pooled scores is one of the scores: DSC can only fall.
                assert after["discrimination"] <= before["discrimination"] + 1e-15


def test_apply_reports_the_decomposition_on_all_rows(tmp_path):
    saved = os.path.join(SAMPLES, "epoch_20_platt.json")
    report = as_json("calibrate", "--apply", saved, EPOCH, "-o", tmp_path / "calibrated.csv")
    d = report["methods"][0]["decomposition"]
    frame = read_csv_exact(EPOCH)
    y, p = frame["label"].to_numpy(), frame["prob"].to_numpy()
    truth = corp_by_sklearn(y, p)
    for part in PARTS:
        assert d["before"]["brier"][part] == pytest.approx(truth["brier"][part], abs=1e-12)
    assert d["after"]["log_loss"]["discrimination"] == pytest.approx(
        d["before"]["log_loss"]["discrimination"], abs=1e-15)
    assert d["after"]["log_loss"]["miscalibration"] < d["before"]["log_loss"]["miscalibration"]


def test_multiclass_decomposition_is_null_with_the_reason():
    report = as_json("calibrate", MULTICLASS)
    assert all(m["decomposition"] is None for m in report["methods"])
    assert "binary" in report["undefined"]["decomposition"]


def test_the_table_shows_the_parts():
    result = CliRunner().invoke(app, ["calibrate", EPOCH, "--method", "temperature"])
    assert result.exit_code == 0, result.output
    assert "Log loss by CORP part (on the 5 held-out folds, averaged)" in result.stdout


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(60, 300),
       power=st.floats(0.3, 3.0), method=st.sampled_from([*INCREASING, "isotonic"]))
def test_parts_add_up_and_monotone_maps_keep_discrimination(seed, n, power, method):
    rng = np.random.default_rng(seed)
    truth = rng.uniform(0.02, 0.98, n)
    y = (rng.uniform(size=n) < truth).astype(np.int64)
    assume(min(y.sum(), n - y.sum()) >= 5)
    # A miscalibrated model: the true probability's logit scaled by ``power``, rounded to
    # a grid (ties), kept off 0 and 1 so that no two distinct scores map to one float.
    logit = np.log(truth / (1 - truth)) * power
    p = np.round(1 / (1 + np.exp(-logit)), 3).clip(0.001, 0.999)
    result = cross_fit_calibration(y, p, [method], folds=5, seed=1)
    fitted = result.methods[0]
    d = fitted.decomposition
    fold = stratified_folds(y, 5, 1)
    before, after = as_dict(d.before), as_dict(d.after)
    # Means of at most 300 terms of size <= ln(1000) ~ 7: 1e-12 leaves a wide margin.
    check_adds_up(before, 1e-12)
    check_adds_up(after, 1e-12)
    truth_after = fold_mean_by_sklearn(y, fitted.cross_fitted, fold)
    if method in INCREASING:
        # A Platt slope fitted negative on a fold would reverse that fold's order.
        assume(all(strictly_increasing_on(p[fold == k], fitted.cross_fitted[fold == k])
                   for k in range(5)))
    for s in ("log_loss", "brier"):
        for part in PARTS:
            assert after[s][part] == pytest.approx(truth_after[s][part], abs=1e-12)
        if method in INCREASING:
            assert after[s]["discrimination"] == pytest.approx(before[s]["discrimination"],
                                                               abs=1e-15)
        else:
            assert after[s]["discrimination"] <= before[s]["discrimination"] + 1e-15
