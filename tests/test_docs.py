"""The documentation is part of the product: every page must say what the CLI actually does.

The pages are README.md (the front page) and docs/*.md (one page per command, and the pages of
what the commands share). Every example in them is run here and its output compared with what
the tool prints.
"""

import glob
import json
import math
import re
import shlex
from pathlib import Path

import pytest
from typer.main import get_command
from typer.testing import CliRunner

ROOT = Path(__file__).parent.parent
DOCS = ROOT / "docs"
PAGES = [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]

# Commands whose printed numbers come from fitted maps (Newton steps and maximum-likelihood
# fits stopped at a tolerance): a number rounded to d decimals may then land one unit of the
# d-th decimal away on another platform's floating point, so they are compared to that unit.
FITTED = {"calibrate"}


def cli_app():
    """The Typer application whose commands the pages document."""
    from clfdiag.cli.app import app

    return app


def commands():
    return get_command(cli_app()).commands


def read(path):
    return path.read_text(encoding="utf-8")


def page_of(command):
    return DOCS / f"{command}.md"


def options_of(name):
    """Every long option of a command, with the negative form of a flag pair (`--in-memory`)."""
    command = commands()[name]
    names = []
    for param in command.params:
        spellings = [*getattr(param, "opts", []), *getattr(param, "secondary_opts", [])]
        names += [opt for opt in spellings if opt.startswith("--")]
    return names


def run(args):
    return CliRunner().invoke(cli_app(), args)


def report_of(args):
    result = run([*args, "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


# --------------------------------------------------------------------------- pages and options

@pytest.mark.parametrize("name", sorted(commands()))
def test_every_command_has_its_page(name):
    page = page_of(name)
    assert page.is_file(), f"docs/{name}.md is missing"
    assert read(page).startswith(f"# `clfdiag {name}"), f"docs/{name}.md: title names the command"
    assert f"({name}.md)" in read(DOCS / "index.md"), f"docs/index.md links to {name}.md"
    assert f"(docs/{name}.md)" in read(ROOT / "README.md"), f"README.md links to docs/{name}.md"


@pytest.mark.parametrize("name", sorted(commands()))
def test_every_option_is_documented_on_its_page(name):
    text = read(page_of(name))
    missing = [option for option in options_of(name) if f"`{option}" not in text]
    assert not missing, f"docs/{name}.md does not document {missing}"


def test_every_page_is_in_the_navigation():
    nav = read(ROOT / "mkdocs.yml")
    for page in DOCS.rglob("*.md"):
        assert f": {page.relative_to(DOCS).as_posix()}" in nav, page


def test_readme_is_a_front_page():
    assert len(read(ROOT / "README.md").splitlines()) < 400


def test_newcomer_commands_are_at_the_top():
    readme = read(ROOT / "README.md")
    top = readme[: readme.index("\n## ", readme.index("## Quick start"))]
    blocks = re.findall(r"```sh\n(.*?)\n```", top, re.S)
    assert len(blocks) == 2
    assert "clfdiag evaluate sample_data/" in blocks[0]
    assert "pip install -e '.[test]'" in blocks[1]
    assert "pytest" in blocks[1]


# --------------------------------------------------------------------------- definitions and keys

def defined_names():
    """The names in the first cell of every table row of docs/, where a metric is defined."""
    names = set()
    for page in DOCS.rglob("*.md"):
        for line in read(page).splitlines():
            if line.startswith("| `"):
                names |= set(re.findall(r"`([a-z0-9_*]+)`", line.split(" | ")[0]))
    return names


def is_defined(key, names):
    return key in names or any(name.endswith("*") and key.startswith(name[:-1])
                               for name in names)


SAMPLE_METRICS = [
    ["evaluate", "sample_data/binary.csv"],
    ["evaluate", "sample_data/multiclass.csv"],
    ["evaluate", "tests/data/shapes/hard_multiclass.csv"],
    ["evaluate", "tests/data/weighted/a.csv", "--weight-col", "w"],
    ["threshold", "sample_data/binary.csv", "--optimize", "cost", "--cost-fn", "10"],
]


@pytest.mark.parametrize("args", SAMPLE_METRICS,
                         ids=lambda a: "-".join(Path(x).stem for x in a[:2]))
def test_every_metric_is_defined(args, monkeypatch):
    monkeypatch.chdir(ROOT)
    names = defined_names()
    report = report_of(args)
    missing = [key for key in report["metrics"] if not is_defined(key, names)]
    assert not missing, f"no definition in docs/ for {missing}"


SAMPLE_REPORTS = {
    "evaluate": ["evaluate", "sample_data/binary.csv"],
    "compare": ["compare", "sample_data/epochs/epoch_05.csv", "sample_data/epochs/epoch_06.csv"],
    "epochs": ["epochs", "sample_data/epochs/epoch_01.csv", "sample_data/epochs/epoch_02.csv"],
    "history": ["history", "tests/data/histories/lightning/metrics.csv"],
    "threshold": ["threshold", "sample_data/binary.csv"],
    "calibrate": ["calibrate", "sample_data/binary.csv", "--folds", "2"],
    "ood": ["ood", "sample_data/ood/digits.csv", "sample_data/ood/noise.csv"],
    "conformal": ["conformal", "sample_data/conformal/cal.csv", "sample_data/conformal/test.csv",
                  "--fail-on", "undercoverage"],
    "rank": ["rank", "sample_data/models/scores.csv", "--test-train-ratio", "0.25"],
    "label-issues": ["label-issues", "sample_data/label_issues.csv"],
}


def test_every_command_has_a_sample_report():
    assert set(SAMPLE_REPORTS) == set(commands())


@pytest.mark.parametrize("name", sorted(SAMPLE_REPORTS))
def test_every_json_key_is_named_on_its_page(name, monkeypatch):
    monkeypatch.chdir(ROOT)
    text = read(page_of(name))
    report = report_of(SAMPLE_REPORTS[name])
    missing = [key for key in report if f'"{key}"' not in text and f"`{key}`" not in text]
    assert not missing, f"docs/{name}.md does not name the JSON keys {missing}"


# --------------------------------------------------------------------------- examples

FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.S | re.M)


def fenced_blocks(page):
    """(language, body, text before the block since the previous one) for every fenced block."""
    text = read(page)
    start = 0
    for match in FENCE.finditer(text):
        yield match.group(1), match.group(2), text[start:match.start()]
        start = match.end()


# A shown session starts with a clfdiag command, maybe at a stated terminal width.
SHOWN_COMMAND = re.compile(r"\$ (COLUMNS=\d+ )?clfdiag ")


def example_id(page, body):
    return f"{page.relative_to(ROOT)}:{body.splitlines()[0][:60]}"


def sessions():
    for page in PAGES:
        for language, body, _ in fenced_blocks(page):
            if SHOWN_COMMAND.match(body):
                yield pytest.param(page, language, body, id=example_id(page, body))


def json_examples():
    for page in PAGES:
        for language, body, before in fenced_blocks(page):
            if language == "json":
                commands_before = re.findall(r"`(clfdiag [^`]+)`", before)
                command = commands_before[-1] if commands_before else None
                yield pytest.param(page, command, body, id=example_id(page, body))


def test_there_are_examples_to_run():
    assert len(list(sessions())) >= 10
    assert len(list(json_examples())) >= 1


def shell_words(command):
    """Split a command as the shell would, expanding globs relative to the project root."""
    words = []
    for word in shlex.split(command):
        if any(c in word for c in "*?["):
            expanded = sorted(glob.glob(word))
            assert expanded, f"{word} matches no file"
            words += expanded
        else:
            words.append(word)
    return words


def run_shown(command):
    """Run one shown `clfdiag ...` line: the exit code and what a terminal would show.

    Understood: a terminal width `COLUMNS=N` before the command, `| head -N` on the report and
    `> /dev/null` for it; anything else is refused, so that no example is shown that this test
    cannot run.
    """
    words = shell_words(command)
    env = {}
    if words[0].startswith("COLUMNS="):
        env["COLUMNS"] = words.pop(0).split("=")[1]
    head = None
    silenced = False
    if words[-3:-1] == ["|", "head"] and re.fullmatch(r"-\d+", words[-1]):
        head, words = int(words[-1][1:]), words[:-3]
    elif words[-2:] == [">", "/dev/null"]:
        silenced, words = True, words[:-2]
    assert words[0] == "clfdiag"
    assert not set(words) & {"|", ">", ">>", "<", "&&", ";"}, f"cannot run: {command}"
    result = CliRunner().invoke(cli_app(), words[1:], env=env)
    assert result.exit_code in (0, 1), result.output
    if head is None and not silenced:
        return result.exit_code, result.output
    stdout = "" if silenced else "".join(result.stdout.splitlines(True)[:head])
    return result.exit_code, stdout + result.stderr


NUMBER = re.compile(r"[-+]?\d+\.\d+")


def same_number(shown, actual, fitted):
    if shown == actual:
        return True
    decimals = len(shown.split(".")[1])
    if decimals >= 12 and len(actual.split(".")[1]) >= 12:
        # A float printed in full (CSV, JSON) is a sum reduced in an order numpy may change
        # between versions: its last digits are rounding, not meaning.
        return math.isclose(float(shown), float(actual), rel_tol=1e-12, abs_tol=1e-15)
    # A fitted value rounded for display may round to the neighbouring last digit.
    return (fitted and len(actual.split(".")[1]) == decimals
            and abs(float(shown) - float(actual)) <= 1.000001 * 10**-decimals)


def same_line(shown, actual, fitted):
    if shown == actual:
        return True
    shown_numbers, actual_numbers = NUMBER.findall(shown), NUMBER.findall(actual)
    return (NUMBER.split(shown) == NUMBER.split(actual)
            and len(shown_numbers) == len(actual_numbers)
            and all(same_number(a, b, fitted)
                    for a, b in zip(shown_numbers, actual_numbers, strict=True)))


def lines_of(text):
    lines = [line.rstrip() for line in text.splitlines()]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return lines


def match_at(shown, actual, start, fitted):
    return len(actual) - start >= len(shown) and all(
        same_line(s, a, fitted) for s, a in zip(shown, actual[start:], strict=False))


def assert_shown(shown_text, actual_text, fitted):
    """The shown lines are the real ones; a line `...` stands for lines left out."""
    shown, actual = lines_of(shown_text), lines_of(actual_text)
    segments = [[]]
    for line in shown:
        if line.strip() == "...":
            segments.append([])
        else:
            segments[-1].append(line)
    if len(segments) == 1:
        difference = "shown:\n" + "\n".join(shown) + "\n\nreal:\n" + "\n".join(actual)
        assert len(shown) == len(actual), difference
        assert match_at(shown, actual, 0, fitted), difference
        return
    first, *middle, last = segments
    assert match_at(first, actual, 0, fitted), "the first shown lines are not the real ones"
    position = len(first)
    for segment in middle:
        found = next((i for i in range(position, len(actual) - len(segment) + 1)
                      if match_at(segment, actual, i, fitted)), None)
        assert found is not None, "not in the real output, in this order:\n" + "\n".join(segment)
        position = found + len(segment)
    end = len(actual) - len(last)
    assert end >= position, "the last shown lines overlap the ones before them"
    assert match_at(last, actual, end, fitted), (
        "the last shown lines are not the real ones:\n" + "\n".join(last)
        + "\n\nreal:\n" + "\n".join(actual[-len(last):]))


@pytest.mark.parametrize(("page", "language", "body"), list(sessions()))
def test_shown_output_is_real(page, language, body, monkeypatch):
    assert language == "text", f"{page.name}: mark a shown session as ```text"
    monkeypatch.chdir(ROOT)
    steps = []
    for line in body.splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        else:
            steps[-1][1].append(line)
    exit_code = None
    for command, shown in steps:
        if command == "echo $?":
            actual = str(exit_code)
            fitted = False
        else:
            exit_code, actual = run_shown(command)
            fitted = any(word in FITTED for word in shlex.split(command)[:3])
        assert_shown("\n".join(shown), actual, fitted)


def assert_json_matches(example, real, where="$"):
    """Keys in the real order; a list whose last element is "..." shows only its beginning."""
    if isinstance(example, dict):
        assert isinstance(real, dict), where
        assert list(example) == list(real), f"{where}: keys {list(example)} != {list(real)}"
        for key in example:
            assert_json_matches(example[key], real[key], f"{where}.{key}")
    elif isinstance(example, list):
        assert isinstance(real, list), where
        shown = example[:-1] if example and example[-1] == "..." else example
        if shown is example:
            assert len(real) == len(example), f"{where}: {len(real)} elements, not {len(example)}"
        assert len(real) >= len(shown), where
        for i, item in enumerate(shown):
            assert_json_matches(item, real[i], f"{where}[{i}]")
    elif isinstance(example, float) or isinstance(real, float):
        # Floats are sums and products reduced in an order that numpy may change. A figure
        # near 0 that is a difference of larger ones (Harrell's U: a difference of deviances
        # over n) carries their rounding in absolute terms: 1e-12 absolute, as the snapshots.
        assert isinstance(real, (int, float)), where
        assert not isinstance(real, bool), where
        assert math.isclose(example, real, rel_tol=1e-12, abs_tol=1e-12), f"{where}: {example}"
    else:
        assert example == real, f"{where}: {example!r} != {real!r}"


@pytest.mark.parametrize(("page", "command", "body"), list(json_examples()))
def test_json_example_is_real(page, command, body, monkeypatch):
    assert command, f"{page.name}: name the command before a ```json block, as `clfdiag ...`"
    monkeypatch.chdir(ROOT)
    words = shlex.split(command)
    result = run(words[1:])
    assert result.exit_code in (0, 1), result.output
    assert_json_matches(json.loads(body), json.loads(result.stdout))
