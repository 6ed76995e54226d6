"""Options that size memory or time are bounded, with the range in the message."""

import json
import os

import pytest
from typer.testing import CliRunner

import clfdiag
from clfdiag.cli.app import app
from clfdiag.errors import ClfdiagError
from clfdiag.limits import MAX_BINS, MAX_BOOTSTRAP, MAX_TOP
from tests.conftest import SAMPLES

BINARY = os.path.join(SAMPLES, "binary.csv")
EPOCHS = [os.path.join(SAMPLES, "epochs", f"epoch_{i:02d}.csv") for i in (1, 2)]


def run(*args, code=0):
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert "Traceback" not in result.stdout + result.stderr
    return result


OUT_OF_RANGE = [
    (["evaluate", BINARY], "--bins", 0, f"1 to {MAX_BINS:,}"),
    (["evaluate", BINARY], "--bins", 100_000_000, f"1 to {MAX_BINS:,}"),
    (["evaluate", BINARY], "--top", -1, f"0 to {MAX_TOP:,}"),
    (["evaluate", BINARY], "--top", MAX_TOP + 1, f"0 to {MAX_TOP:,}"),
    (["compare", *EPOCHS], "--bins", MAX_BINS + 1, f"1 to {MAX_BINS:,}"),
    (["compare", *EPOCHS], "--top", 10**12, f"0 to {MAX_TOP:,}"),
    (["compare", *EPOCHS], "--bootstrap", MAX_BOOTSTRAP + 1, f"0 to {MAX_BOOTSTRAP:,}"),
    (["compare", *EPOCHS], "--bootstrap", -5, f"0 to {MAX_BOOTSTRAP:,}"),
    (["epochs", *EPOCHS], "--bins", 10**9, f"1 to {MAX_BINS:,}"),
]


@pytest.mark.parametrize(("command", "option", "value", "allowed"), OUT_OF_RANGE)
def test_out_of_range_is_exit_2_naming_the_range(command, option, value, allowed):
    result = run(*command, option, value, code=2)
    assert f"error: {option} {value} is outside the allowed range, {allowed}" in result.stderr


def test_the_limits_themselves_are_accepted():
    report = json.loads(run("evaluate", BINARY, "--bins", MAX_BINS, "--top", MAX_TOP,
                            "-f", "json").stdout)
    assert len(report["calibration"]["bins"]) == MAX_BINS
    assert report["overconfident_errors"]["count"] == len(
        report["overconfident_errors"]["top"])


@pytest.mark.parametrize("command", [["compare", *EPOCHS, "--bootstrap", 10],
                                     ["evaluate", BINARY, "--bootstrap", 10],
                                     ["threshold", BINARY, "--bootstrap", 10],
                                     ["calibrate", BINARY]])
def test_negative_seed_is_a_usage_error(command):
    # numpy's default_rng refuses a negative seed: it was exit 3, or exit 2 naming no option.
    result = run(*command, "--seed", -1, code=2)
    assert "--seed" in result.stderr


def test_bootstrap_is_bounded_by_its_draws(monkeypatch):
    monkeypatch.setattr("clfdiag.limits.MAX_BOOTSTRAP_DRAWS", 600 * 100)
    result = run("compare", *EPOCHS, "--bootstrap", 1000, code=2)
    assert "--bootstrap 1000 on 600 examples would draw 600,000 rows" in result.stderr
    assert "use --bootstrap 100 or fewer" in result.stderr
    run("compare", *EPOCHS, "--bootstrap", 100, "-f", "json")


def test_python_api_is_bounded_too():
    preds = clfdiag.read_predictions(BINARY)
    with pytest.raises(ClfdiagError, match="outside the allowed range"):
        clfdiag.evaluate(preds, bins=MAX_BINS + 1)
    with pytest.raises(ClfdiagError, match="outside the allowed range"):
        clfdiag.compare(preds, preds, bootstrap=MAX_BOOTSTRAP + 1)


def _no_work(*args, **kwargs):
    raise AssertionError("the limit must be checked before any work")


def test_every_api_function_checks_the_cli_limits_before_any_work(monkeypatch):
    preds = clfdiag.read_predictions(BINARY)
    monkeypatch.setattr("clfdiag.reports.threshold.threshold_report", _no_work)
    monkeypatch.setattr("clfdiag.core.cross_fitting.cross_fit_calibration", _no_work)
    monkeypatch.setattr("clfdiag.reports.ood.ood_report", _no_work)
    bootstrap = f"--bootstrap {MAX_BOOTSTRAP + 100_000} is outside the allowed range, " \
                f"0 to {MAX_BOOTSTRAP:,}"
    with pytest.raises(ClfdiagError, match=bootstrap):
        clfdiag.threshold(preds, clfdiag.ThresholdSettings(bootstrap=MAX_BOOTSTRAP + 100_000))
    with pytest.raises(ClfdiagError, match=bootstrap):
        clfdiag.calibrate(preds, bootstrap=MAX_BOOTSTRAP + 100_000)
    with pytest.raises(ClfdiagError, match=f"--bins 0 is outside the allowed range, 1 to "
                                           f"{MAX_BINS:,}"):
        clfdiag.calibrate(preds, bins=0)
    with pytest.raises(ClfdiagError, match=f"--top {MAX_TOP + 1} is outside"):
        clfdiag.ood(preds, [preds], top=MAX_TOP + 1)


def test_more_classes_than_the_limit_are_refused_before_the_evaluation(tmp_path):
    # The K x K confusion matrix grows as K^2 from a file of a few rows.
    from clfdiag.limits import MAX_CLASSES

    k = MAX_CLASSES + 1
    path = tmp_path / "wide.csv"
    row = ",".join("1" if j == 0 else "0" for j in range(k))
    path.write_text("label," + ",".join(f"p_{j}" for j in range(k)) + "\n"
                    + "".join(f"0,{row}\n" for _ in range(3)))
    result = CliRunner().invoke(app, ["evaluate", str(path)])
    assert result.exit_code == 2, result.stderr
    assert "more than the limit of 5,000 classes" in result.stderr
