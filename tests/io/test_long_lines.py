"""A line of many MiB (a decompression bomb, a file of one line) is exit 2 in bounded time."""

import gzip
import resource
import subprocess
import sys
import zipfile

import pytest
from typer.testing import CliRunner

from clfdiag.cli.app import app


def clfdiag(*args):
    def bounded():  # the whole line held at once would not fit
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    return subprocess.run([sys.executable, "-m", "clfdiag", *map(str, args)],
                          capture_output=True, text=True, timeout=120, preexec_fn=bounded)


def write_one_long_line(f, mib=300):
    f.write(b"label,prob\n")
    for _ in range(mib):
        f.write(b"0" * (1 << 20))


@pytest.mark.parametrize("archive", ["gzip", "zip"])
def test_a_line_without_end_is_refused_by_its_number(tmp_path, archive):
    # It used to be gathered a block at a time, each joined to all before it: minutes, and
    # the whole line in memory, before the csv module refused a field this long.
    if archive == "zip":
        path = tmp_path / "bomb.zip"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z, z.open("p.csv", "w") as f:
            write_one_long_line(f)
    else:
        path = tmp_path / "bomb.csv.gz"
        with gzip.open(path, "wb") as f:
            write_one_long_line(f)
    result = clfdiag("evaluate", path, "--format", "json")
    assert result.returncode == 2, result.stderr
    assert "line 2 runs over 64 MiB without a line break" in result.stderr


def test_a_row_longer_than_a_streaming_block_is_named_as_such(tmp_path):
    # A 20 MB value: no row is malformed, so none is blamed for its fields.
    path = tmp_path / "long.csv"
    path.write_text("id,label,prob\n" + "x" * 20_000_000 + ",1,0.8\n"
                    + "".join(f"{i},{i % 2},0.{i % 9 + 1}\n" for i in range(50)))
    result = CliRunner().invoke(app, ["evaluate", str(path), "--streaming"])
    assert result.exit_code == 2, result.stderr
    assert "a row is longer than the block the parser reads" in result.stderr
    assert "as many fields as the header" not in result.stderr
