"""Damaged JSON Lines: each is exit 2 naming its line, never a crash or an internal error."""

import gzip
import subprocess
import sys

import pytest


def clfdiag(*args):
    return subprocess.run([sys.executable, "-m", "clfdiag", *map(str, args)],
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("compressed", [False, True])
def test_arrow_s_refusal_of_a_line_is_shown(tmp_path, compressed):
    # Every line is JSON, but a key changes type: Arrow's message says which, where the
    # re-read that looks for a line that is not JSON used to fail on Arrow's own stream.
    text = b'{"label": 1, "prob": 0.8}\n{"label": "x", "prob": 0.3}\n'
    path = tmp_path / ("p.jsonl.gz" if compressed else "p.jsonl")
    path.write_bytes(gzip.compress(text) if compressed else text)
    result = clfdiag("evaluate", path, "--format", "json")
    assert result.returncode == 2, result.stderr
    assert "UnsupportedOperation" not in result.stderr
    assert "label" in result.stderr.splitlines()[0]
