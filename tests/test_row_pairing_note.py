"""compare pairs by row when only one file has ids, and says so in the JSON and a note."""

import json
import os

import pytest
from typer.testing import CliRunner

from clfdiag.cli.app import app
from tests.conftest import SAMPLES

EPOCHS = [os.path.join(SAMPLES, "epochs", f"epoch_{i:02d}.csv") for i in (1, 2)]


def compare(*args):
    result = CliRunner().invoke(app, ["compare", *map(str, args)])
    assert result.exit_code == 0, result.stderr
    return result.stdout


@pytest.fixture
def without_ids(tmp_path):
    path = tmp_path / "no_ids.csv"
    with open(EPOCHS[1]) as f:
        lines = f.read().splitlines()
    assert lines[0].startswith("id,")
    path.write_text("\n".join(line.split(",", 1)[1] for line in lines) + "\n")
    return path


@pytest.mark.parametrize("side", ["a", "b"])
def test_one_sided_ids_pair_by_row_and_say_so(without_ids, side):
    files = (EPOCHS[0], without_ids) if side == "a" else (without_ids, EPOCHS[0])
    report = json.loads(compare(*files, "--format", "json"))
    assert report["pairing"]["by"] == "row"
    assert report["pairing"]["ids_only_in"] == side
    [note] = [n for n in report["notes"] if "paired by row number" in n]
    assert f"only {side.upper()} ({EPOCHS[0]}) has an id column ('id')" in note
    assert "--id-col" in note
    assert "paired by row number" in compare(*files, "--format", "markdown")


def test_row_pairing_gives_the_same_numbers_as_id_pairing(without_ids):
    by_row = json.loads(compare(EPOCHS[0], without_ids, "--format", "json"))
    by_id = json.loads(compare(*EPOCHS, "--format", "json"))
    assert by_id["pairing"]["by"] == "id"
    assert by_id["pairing"]["ids_only_in"] is None
    assert not any("paired by row number" in n for n in by_id["notes"])
    assert by_row["delta"] == by_id["delta"]
