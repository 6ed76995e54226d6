"""The seeded mutation fuzzer (tests/fuzz.py) over a fixed range of seeds per command."""

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.fuzz import COMMANDS, FORMATS, arguments, case

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEEDS = {"evaluate": (0, 200), "compare": (0, 60), "epochs": (0, 60), "history": (0, 100),
         "threshold": (0, 40), "calibrate": (0, 40), "ood": (0, 40), "label-issues": (0, 40)}
"""Seeds run in CI for each command: about a minute in all on two shared cores."""


def test_every_command_is_fuzzed_in_ci():
    assert set(SEEDS) == set(COMMANDS)


def test_fuzzer_cases_are_deterministic_and_varied():
    assert case(7) == case(7)
    suffixes = {case(seed)[1] for seed in range(*SEEDS["evaluate"])}
    for expected in (".csv", ".tsv", ".jsonl", ".parquet", ".arrow", ".csv.gz", ".csv.bz2",
                     ".csv.xz", ".csv.zip"):
        assert expected in suffixes, expected


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_each_command_draws_every_format_and_the_same_case_twice(command):
    with tempfile.TemporaryDirectory() as first, tempfile.TemporaryDirectory() as second:
        drawn = []
        for seed in range(*SEEDS[command]):
            folders = [Path(top, str(seed)) for top in (first, second)]
            for folder in folders:
                folder.mkdir()
            a, b = (arguments(seed, command, folder) for folder in folders)
            assert [x.replace(first, "") for x in a] == [x.replace(second, "") for x in b]
            assert a[0] == command
            drawn.append(a[-1])
    assert set(drawn) == set(FORMATS)


def test_seeds_take_turns_over_the_commands(tmp_path):
    names = []
    for seed in range(len(COMMANDS)):
        (tmp_path / str(seed)).mkdir()
        names.append(arguments(seed, None, tmp_path / str(seed))[0])
    assert sorted(names) == sorted(COMMANDS)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_fuzzed_input_ends_in_exit_0_1_or_2_within_bounded_memory(command):
    start, stop = SEEDS[command]
    began = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "tests.fuzz", str(start), str(stop), "--worker",
         "--command", command],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
        env={**os.environ, "COLUMNS": "80"})
    failures = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert not failures, failures[:5]
    assert result.returncode == 0, result.stderr[-2000:]
    assert time.perf_counter() - began < 150
