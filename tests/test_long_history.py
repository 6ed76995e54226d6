"""A long history shows the rows that matter in its table; JSON and CSV keep every row."""

import itertools
import json
import random

import pytest

from clfdiag.render.views.trajectory import EDGE_ROWS, SHOWN_FLAGS, SHOWN_ROWS
from tests.test_cli import run

N = 3000


@pytest.fixture(scope="module")
def long_log(tmp_path_factory):
    rng = random.Random(3)
    path = tmp_path_factory.mktemp("long") / "log.csv"
    lines = ["epoch,val_loss,val_accuracy"]
    lines += [f"{e},{rng.random():.4f},{rng.random():.4f}" for e in range(N)]
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def table_epochs(text):
    """The epoch labels of the table rows (and ``…`` for a gap), in order."""
    rows = []
    for line in text.splitlines():
        cells = line.split()
        if len(cells) in (3, 4) and (cells[0].isdigit() or cells[0] == "…"):
            rows.append(cells[0])
    return rows


def test_long_table_shows_ends_best_and_first_flags_then_counts_the_rest(long_log):
    report = json.loads(run("history", long_log, "--format", "json").stdout)
    assert len(report["epochs"]) == N
    flagged = report["flagged"]
    best = {report["best"]["by_loss"], report["best"]["by_accuracy"]}
    expected = sorted({*range(EDGE_ROWS), *range(N - EDGE_ROWS, N), *best,
                       *flagged[:SHOWN_FLAGS]})
    shown = table_epochs(run("history", long_log).stdout)
    assert [int(e) for e in shown if e != "…"] == expected
    gaps = sum(1 for a, b in itertools.pairwise(expected) if b > a + 1)
    assert shown.count("…") == gaps
    text = run("history", long_log).stdout
    assert f"… {N - len(expected):,} more epochs not shown" in " ".join(text.split())
    assert f"and {len(flagged) - 20:,} more" in " ".join(text.split())


def test_long_markdown_is_cut_the_same_way_and_csv_keeps_every_row(long_log):
    markdown = run("history", long_log, "--format", "markdown").stdout
    assert markdown.count("\n| ") < SHOWN_ROWS + 2 * SHOWN_FLAGS
    assert "more epochs not shown" in markdown
    csv = run("history", long_log, "--format", "csv").stdout
    assert len(csv.strip().splitlines()) == N + 1


def test_a_run_of_the_shown_length_is_shown_whole(tmp_path):
    path = tmp_path / "log.csv"
    rng = random.Random(5)
    path.write_text("epoch,val_loss,val_accuracy\n" + "".join(
        f"{e},{rng.random():.4f},{rng.random():.4f}\n" for e in range(SHOWN_ROWS)))
    text = run("history", str(path)).stdout
    assert table_epochs(text) == [str(e) for e in range(SHOWN_ROWS)]
    assert "not shown" not in text
