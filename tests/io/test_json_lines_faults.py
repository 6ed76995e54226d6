"""Damaged JSON Lines: each is exit 2 naming its line, never a crash or an internal error."""

import gzip
import subprocess
import sys

import pytest

GOOD = '{"label": 1, "prob": 0.8}\n{"label": 0, "prob": 0.3}\n'


def clfdiag(*args):
    return subprocess.run([sys.executable, "-m", "clfdiag", *map(str, args)],
                          capture_output=True, text=True, timeout=120)


def deep(depth):
    return '{"label": 1, "prob": 0.8, "x": ' + "[" * depth + "]" * depth + "}\n"


@pytest.mark.parametrize("mode", [[], ["--streaming"]])
@pytest.mark.parametrize("before", [0, 40])
@pytest.mark.parametrize("compressed", [False, True])
def test_a_line_nested_too_deeply_is_named(tmp_path, mode, before, compressed):
    # The first lines are parsed by Python's json (its recursion limit); the rest by Arrow,
    # whose parser recursed until the process crashed (SIGSEGV) at about 20,000 levels.
    text = (GOOD * before + deep(100_000)).encode()
    path = tmp_path / ("p.jsonl.gz" if compressed else "p.jsonl")
    path.write_bytes(gzip.compress(text) if compressed else text)
    result = clfdiag("evaluate", path, *mode, "--format", "json")
    assert result.returncode == 2, result.stderr
    line = 2 * before + 1
    assert f"line {line} " in result.stderr
    assert "deep" in result.stderr.splitlines()[0]


def test_nesting_within_the_bound_is_read(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_text(GOOD * 40 + deep(900) + GOOD)
    result = clfdiag("evaluate", path, "--format", "json")
    assert result.returncode == 0, result.stderr


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
