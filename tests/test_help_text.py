"""Help a person reads: value types named FLOAT, INTEGER, TEXT, FILE; tables that fit 80 columns."""

import glob
import os
import re
import subprocess
import sys

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from clfdiag.cli.app import app, command_named
from tests.conftest import SAMPLES


@pytest.mark.parametrize("name", [None, *sorted(get_command(app).commands)])
def test_help_names_types_for_people(name):
    result = CliRunner().invoke(app, [name, "--help"] if name else ["--help"],
                                env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.output
    # Python's spelling of a type (<float>, <str>, <list[str]>, <bool>) never shows.
    assert not re.search(r"<[a-z][a-z\[\], ]*>", result.output), result.output
    if name:
        assert re.search(r"\b(FILE|FLOAT|INTEGER|TEXT)\b", result.output)


@pytest.mark.parametrize("args", [["--help"], [], ["evaluate", "--help"], ["--debug", "ood", "-h"],
                                  ["evalute"], ["--version"]])
def test_the_console_script_says_what_the_whole_application_says(args):
    # The console script builds only the command it runs (the others by name and help):
    # what it prints must not differ from the application built whole.
    whole = CliRunner().invoke(app, args, prog_name="clfdiag", env={"COLUMNS": "100"})
    script = subprocess.run(
        [sys.executable, "-c", "import sys; sys.argv[0] = 'clfdiag'; "
         "from clfdiag.entry import main; main()", *args],
        capture_output=True, text=True, timeout=60,
        env={**os.environ, "COLUMNS": "100", "NO_COLOR": "1"})
    assert script.returncode == whole.exit_code
    assert script.stdout == whole.stdout
    assert script.stderr == whole.stderr


def test_the_command_is_the_first_word_that_is_not_an_option():
    assert command_named(["--debug", "label-issues", "x.csv"]) == "label_issues"
    assert command_named(["x.csv"]) is None
    assert command_named(["--help"]) is None


def test_epochs_table_fits_80_columns():
    files = sorted(glob.glob(os.path.join(SAMPLES, "epochs", "epoch_*.csv")))
    result = CliRunner().invoke(app, ["epochs", *files], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    table = [line for line in result.stdout.splitlines() if line.startswith(" 1 ")
             or "────" in line]
    assert table
    assert max(len(line.rstrip()) for line in result.stdout.splitlines()) <= 80
    header = result.stdout.splitlines()[result.stdout.splitlines().index(
        next(line for line in result.stdout.splitlines() if "────" in line)) - 1]
    # No header is broken inside a word.
    assert "overco" not in header
    assert "accura" not in header


def test_the_threshold_help_names_every_rule_evaluate_accepts():
    from clfdiag.core.thresholds import STANDARD_CRITERIA
    result = CliRunner().invoke(app, ["evaluate", "--help"], env={"COLUMNS": "400"})
    text = " ".join(result.output.replace("│", " ").split())
    rules = [name for name in STANDARD_CRITERIA if name != "cost"]
    for rule in (*rules, "fbeta:B", "net-benefit:PT", "cost:R"):
        assert re.search(rf"(?<![\w-]){re.escape(rule)}(?![\w-])", text), rule


@pytest.mark.parametrize("name", ["compare", "epochs"])
def test_the_alpha_help_names_only_flags_the_command_has(name):
    result = CliRunner().invoke(app, [name, "--help"], env={"COLUMNS": "400"})
    flags = set(re.findall(r"--[a-z][a-z0-9-]+", result.output))
    declared = {opt for param in get_command(app).commands[name].params for opt in param.opts}
    assert flags <= declared | {"--help"}, flags - declared
