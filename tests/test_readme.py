"""The README is part of the product: it must document what the CLI actually does."""

import json
import os
import re
from pathlib import Path

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from clfdiag.cli import app
from tests.conftest import SAMPLES

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def options_of(name):
    command = get_command(app).commands[name]
    return [opt for param in command.params for opt in getattr(param, "opts", [])
            if opt.startswith("--")]


@pytest.mark.parametrize("name", sorted(get_command(app).commands))
def test_every_command_and_option_is_documented(name):
    assert f"clfdiag {name}" in README
    for option in options_of(name):
        assert f"`{option}" in README, option


def test_newcomer_commands_are_at_the_top():
    top = README[: README.index("## `clfdiag evaluate")]
    blocks = re.findall(r"```sh\n(.*?)\n```", top, re.S)
    assert len(blocks) == 2
    assert "clfdiag evaluate sample_data/" in blocks[0]
    assert "pip install -e '.[test]'" in blocks[1]
    assert "pytest" in blocks[1]


@pytest.mark.parametrize("sample", ["binary.csv", "multiclass.csv"])
def test_every_metric_is_defined(sample):
    result = CliRunner().invoke(app, ["evaluate", os.path.join(SAMPLES, sample), "-f", "json"])
    report = json.loads(result.stdout)
    for metric in report["metrics"]:
        assert f"`{metric}`" in README, metric


def test_json_example_has_the_real_keys():
    example = json.loads(re.search(r"```json\n(.*?)\n```", README, re.S).group(1))
    result = CliRunner().invoke(app, ["evaluate", os.path.join(SAMPLES, "binary.csv"), "-f",
                                      "json"])
    report = json.loads(result.stdout)
    assert list(example) == list(report)
    # Each metric is a sum over a few hundred rows (or a sort and a sum, for AUC): its
    # rounding error is about n * eps relative, far below 1e-12 here.
    assert example["metrics"] == pytest.approx(report["metrics"], rel=1e-12)
    assert example["input"] == {**report["input"], "path": "sample_data/binary.csv"}


ROOT = Path(__file__).parent.parent


def shown_outputs():
    """README blocks that show a command and its whole output (no elided lines)."""
    for block in re.findall(r"```text\n\$ (clfdiag [^\n]+)\n(.*?)\n```", README, re.S):
        command, output = block
        elided = any(line.strip() == "..." for line in output.splitlines())
        if not elided and "|" not in command and ">" not in command:
            yield command, output


@pytest.mark.parametrize(("command", "output"), list(shown_outputs()),
                         ids=lambda v: v.split()[1] if v.startswith("clfdiag") else "")
def test_shown_output_is_real(command, output, monkeypatch):
    monkeypatch.chdir(ROOT)
    args = command.split()[1:]
    result = CliRunner().invoke(app, args)
    lines = [line.rstrip() for line in result.stdout.rstrip().splitlines()]
    assert_same_output("\n".join(lines).strip(), output.strip())


NUMBER = re.compile(r"(?<![\w.])-?\d+(?:,\d{3})*(?:\.(\d+))?(?:e[-+]?\d+)?(?![\w.])")


def assert_same_output(shown, documented):
    """The same text, and the same numbers up to one unit of their last printed digit.

    The numbers come from sums over the rows and from optimisers (Platt, temperature,
    isotonic fits) whose last bits depend on how numpy orders a reduction; a value
    close to a rounding boundary may then print one unit apart in its last digit.
    """
    assert NUMBER.sub("#", shown) == NUMBER.sub("#", documented)
    for got, want in zip(NUMBER.finditer(shown), NUMBER.finditer(documented), strict=True):
        if got.group(0) == want.group(0):
            continue
        digits = len(want.group(1) or "")
        exponent = re.search(r"e([-+]?\d+)$", want.group(0))
        unit = 10.0 ** (-digits + (int(exponent.group(1)) if exponent else 0))
        as_float = [float(m.group(0).replace(",", "")) for m in (got, want)]
        assert as_float[0] == pytest.approx(as_float[1], abs=1.01 * unit), (got, want)
