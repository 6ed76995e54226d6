"""The scan flags of compare and epochs, declared once as a group, reach the API by name."""

import os

import pytest
from typer.testing import CliRunner

from clfdiag.cli.app import app
from clfdiag.cli.options import scans
from clfdiag.errors import ClfdiagError
from tests.conftest import SAMPLES

BINARY = os.path.join(SAMPLES, "binary.csv")
EPOCH = os.path.join(SAMPLES, "epochs", "epoch_01.csv")

# Every scan flag at a value other than its default, and the keyword the API must get.
GIVEN = {"--threshold": ("threshold", 0.25), "--min-confidence": ("min_confidence", 0.8),
         "--top": ("top", 3), "--bins": ("bins", 7), "--min-loss-delta": ("min_loss_delta", 0.01),
         "--min-accuracy-delta": ("min_accuracy_delta", 0.02),
         "--metric": ("metric", "roc_auc"), "--alpha": ("alpha", 0.1)}


def called_with(monkeypatch, api_name, args):
    """The keyword arguments the command hands the API function ``api_name``."""
    seen = {}

    def stand_in(*positional, **keywords):
        seen.update(keywords)
        raise ClfdiagError("stopped after the call")

    monkeypatch.setattr(f"clfdiag.api.{api_name}", stand_in)
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.stderr
    assert "stopped after the call" in result.stderr
    return seen


@pytest.mark.parametrize(("command", "files", "left_out"), [
    ("compare", [BINARY, BINARY], set()),
    ("epochs", [EPOCH, EPOCH], {"--top"}),
])
def test_every_scan_flag_reaches_the_api(monkeypatch, command, files, left_out):
    flags = [part for flag, (_, value) in GIVEN.items() if flag not in left_out
             for part in (flag, str(value))]
    seen = called_with(monkeypatch, command, [command, *files, *flags])
    for flag, (keyword, value) in GIVEN.items():
        if flag in left_out:
            assert keyword not in seen
        else:
            assert seen[keyword] == value, flag


def test_defaults_reach_the_api_unchanged(monkeypatch):
    seen = called_with(monkeypatch, "epochs", ["epochs", EPOCH, EPOCH])
    assert {k: seen[k] for k in ("threshold", "min_confidence", "bins", "min_loss_delta",
                                 "min_accuracy_delta", "metric", "alpha")} == {
        "threshold": None, "min_confidence": 0.9, "bins": 15, "min_loss_delta": 0.0,
        "min_accuracy_delta": 0.0, "metric": None, "alpha": 0.05}


def test_epochs_refuses_top():
    result = CliRunner().invoke(app, ["epochs", EPOCH, EPOCH, "--top", "3"])
    assert result.exit_code == 2
    assert "--top" in result.stderr


def test_a_scan_flag_that_does_not_exist_is_a_mistake():
    with pytest.raises(ValueError, match="no scan flags named"):
        scans(without=("seed",))
