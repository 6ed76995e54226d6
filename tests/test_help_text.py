"""Help a person reads: value types named FLOAT, INTEGER, TEXT, FILE; tables that fit 80 columns."""

import glob
import os
import re

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from clfdiag.cli.app import app
from tests.conftest import SAMPLES


@pytest.mark.parametrize("name", sorted(get_command(app).commands))
def test_help_names_types_for_people(name):
    result = CliRunner().invoke(app, [name, "--help"], env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.output
    # Python's spelling of a type (<float>, <str>, <list[str]>, <bool>) never shows.
    assert not re.search(r"<[a-z][a-z\[\], ]*>", result.output), result.output
    assert re.search(r"\b(FILE|FLOAT|INTEGER|TEXT)\b", result.output)


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
