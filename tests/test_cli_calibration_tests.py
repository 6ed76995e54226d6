"""`calibration_tests` of `clfdiag evaluate` and `decomposition_change` of `compare` through
the CLI: the JSON contract, its numbers against independent implementations (statsmodels'
GLM, scikit-learn's isotonic regression and metrics), every format and the input errors."""

import json
import os

import numpy as np
import pytest
import statsmodels.api as sm
from sklearn.isotonic import IsotonicRegression
from sklearn.metrics import brier_score_loss, log_loss
from typer.testing import CliRunner

from clfdiag.cli.app import app
from tests.conftest import SAMPLES

BINARY = os.path.join(SAMPLES, "binary.csv")
MULTICLASS = os.path.join(SAMPLES, "multiclass.csv")
EPOCHS = os.path.join(SAMPLES, "epochs")
KEYS = ["n", "clipped", "spiegelhalter", "calibration_intercept", "calibration_slope",
        "calibration_in_the_large", "calibration_in_the_large_se", "unreliability",
        "discrimination_index", "quality_index", "r2_nagelkerke", "dxy", "hosmer_lemeshow",
        "e_avg", "e_90", "e_max", "smoother", "decomposition", "undefined"]


def invoke(*args):
    return CliRunner().invoke(app, list(map(str, args)))


def run_json(*args):
    result = invoke(*args, "-f", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def sample_binary():
    data = np.genfromtxt(BINARY, delimiter=",", skip_header=1, usecols=(1, 2))
    return data[:, 0].astype(int), data[:, 1]


def test_binary_keys_and_values_match_statsmodels_and_sklearn():
    tests = run_json("evaluate", BINARY)["calibration_tests"]
    assert list(tests) == KEYS
    y, p = sample_binary()
    assert tests["n"] == y.size
    z = np.log(p) - np.log1p(-p)
    joint = sm.GLM(y, sm.add_constant(z), family=sm.families.Binomial()).fit(tol=1e-14)
    # Both are Newton iterations run to convergence on 228 rows: they meet to ~1e-8.
    assert tests["calibration_intercept"] == pytest.approx(joint.params[0], abs=1e-7)
    assert tests["calibration_slope"] == pytest.approx(joint.params[1], abs=1e-7)
    offset = sm.GLM(y, np.ones(y.size), family=sm.families.Binomial(), offset=z).fit(tol=1e-14)
    assert tests["calibration_in_the_large"] == pytest.approx(offset.params[0], abs=1e-7)
    assert tests["calibration_in_the_large_se"] == pytest.approx(offset.bse[0], rel=1e-6)
    # The log-loss part of the decomposition: the score is scikit-learn's log loss, and
    # the isotonic fit's score is that of scikit-learn's IsotonicRegression (no ties in p).
    iso = IsotonicRegression(out_of_bounds="clip").fit(p, y).predict(p)
    d = tests["decomposition"]
    assert d["log_loss"]["score"] == pytest.approx(log_loss(y, p), rel=1e-12)
    assert d["brier"]["score"] == pytest.approx(brier_score_loss(y, p), rel=1e-12)
    assert d["brier"]["score"] - d["brier"]["miscalibration"] == pytest.approx(
        brier_score_loss(y, iso), abs=1e-12)
    for part in d.values():
        # score = MCB - DSC + UNC: three differences of sums of 228 terms.
        assert part["score"] == pytest.approx(
            part["miscalibration"] - part["discrimination"] + part["uncertainty"], abs=1e-12)


def test_hl_options_reach_the_test():
    tests = run_json("evaluate", BINARY, "--hl-groups", 5, "--hl-method", "equal-count")
    hl = tests["calibration_tests"]["hosmer_lemeshow"]
    assert (hl["method"], hl["groups"], hl["df"]) == ("equal-count", 5, 3)
    # Brute force: the rows sorted stably by p, cut as numpy.array_split, both outcomes.
    y, p = sample_binary()
    order = np.argsort(p, kind="stable")
    statistic = 0.0
    for part in np.array_split(order, 5):
        observed, expected = y[part].sum(), p[part].sum()
        statistic += (observed - expected) ** 2 / expected
        statistic += (observed - expected) ** 2 / (part.size - expected)
    assert hl["statistic"] == pytest.approx(statistic, rel=1e-10)


def test_multiclass_is_per_class_one_vs_rest():
    report = run_json("evaluate", MULTICLASS)
    per_class = report["calibration_tests"]["per_class"]
    assert list(per_class) == report["classes"]
    assert all(list(c) == KEYS for c in per_class.values())


def test_streaming_gives_null_with_the_reason():
    report = run_json("evaluate", BINARY, "--streaming")
    assert report["calibration_tests"] is None
    assert "--in-memory" in report["undefined"]["calibration_tests"]


@pytest.mark.parametrize("fmt", ["table", "markdown", "html", "csv"])
def test_every_format_renders(fmt, tmp_path):
    out = tmp_path / f"report.{fmt}"
    result = invoke("evaluate", BINARY, "-f", fmt, "-o", out)
    assert result.exit_code == 0, result.output
    text = out.read_text()
    if fmt != "csv":
        assert "calibration in the large" in text
        assert "slope" in text


@pytest.mark.parametrize(("args", "flag"), [(["--hl-groups", "2"], "--hl-groups"),
                                            (["--hl-method", "deciles"], "--hl-method")])
def test_bad_hl_options_exit_2_naming_the_flag(args, flag):
    result = invoke("evaluate", BINARY, *args)
    assert result.exit_code == 2
    assert flag in result.output
    assert "Traceback" not in result.output


def test_api_checks_the_hl_groups():
    from clfdiag.api import evaluate_file
    from clfdiag.errors import ClfdiagError

    with pytest.raises(ClfdiagError, match="--hl-groups"):
        evaluate_file(BINARY, hl_groups=2)


def test_compare_decomposition_change_adds_up_to_the_loss_change():
    a, b = (os.path.join(EPOCHS, f"epoch_{i:02d}.csv") for i in (8, 9))
    report = run_json("compare", a, b)
    assert report["loss_up_accuracy_up"]
    change = report["decomposition_change"]
    for score in ("log_loss", "brier"):
        parts = change[score]
        assert parts["uncertainty"] == pytest.approx(0.0, abs=1e-15)  # same labels
        # A difference of two means of ~300 terms each, every one exact to a few ulps.
        assert parts["miscalibration"] - parts["discrimination"] + parts["uncertainty"] == \
            pytest.approx(report["delta"][score], abs=1e-12)
    assert "miscalibration" in report["diagnosis"]
    assert "discrimination" in report["diagnosis"]


def test_compare_change_is_each_files_evaluate_decomposition():
    a, b = (os.path.join(EPOCHS, f"epoch_{i:02d}.csv") for i in (5, 20))
    change = run_json("compare", a, b)["decomposition_change"]
    da, db = (run_json("evaluate", f)["calibration_tests"]["decomposition"] for f in (a, b))
    for score in ("log_loss", "brier"):
        for part in ("miscalibration", "discrimination", "uncertainty"):
            assert change[score][part] == pytest.approx(db[score][part] - da[score][part],
                                                        abs=1e-15)
