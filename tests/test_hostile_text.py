"""Text from a file is data: ids, labels and paths never act as markup or terminal escapes."""

import re

import pytest
from typer.testing import CliRunner

from clfdiag.cli.app import app

PAYLOADS = ["[link=https://x]click[/link]", "[/x]", "\x1b]0;title\x07", "\x1b[2J", "<!--",
            "<img src=x>", "a\nb", "x|y"]


@pytest.fixture
def hostile(tmp_path):
    """Binary predictions whose confident errors carry hostile ids, in a hostile file name."""
    rows = ["id,label,prob"]
    for i, payload in enumerate(PAYLOADS):
        quoted = '"' + payload.replace('"', '""') + '"'
        rows.append(f"{quoted},0,{0.99 - i / 1000}")
    rows += [f"ok{i},{i % 2},{0.2 + 0.6 * (i % 2)}" for i in range(20)]
    path = tmp_path / "<img src=y>[bold]m[red]\x1b[31mred.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return str(path)


def run(*args):
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_terminal_shows_markup_and_escapes_as_text(hostile):
    out = run("evaluate", hostile, "--top", str(len(PAYLOADS)))
    assert "\x1b" not in out
    assert "\x07" not in out
    squeezed = "".join(out.split())
    for text in ("[link=https://x]click[/link]", "[/x]", "␛]0;title␇", "␛[2J", "<!--",
                 "<img src=x>".replace(" ", ""), "a␊b", "[bold]m[red]␛[31mred.csv"):
        assert text in squeezed, text


def cells(line):
    return re.split(r"(?<!\\)\|", line)


def test_markdown_cannot_hide_or_break_the_summary(hostile):
    out = run("evaluate", hostile, "--top", str(len(PAYLOADS)), "-f", "markdown")
    assert "<" not in out
    assert ">" not in out.replace("->", "")
    assert "\x1b" not in out
    assert "&lt;!--" in out
    assert "&lt;img src=x&gt;" in out
    assert "\\[link=https://x\\]click\\[/link\\]" in out
    lines = out.splitlines()
    start = lines.index("| row | id | label | predicted | confidence | loss |")
    rows = lines[start:[*lines, ""].index("", start)]
    assert len(rows) == 2 + len(PAYLOADS)  # a newline in an id did not end its row
    assert {len(cells(line)) for line in rows} == {8}  # an escaped | does not split a cell


def test_html_escapes_everything(hostile):
    out = run("evaluate", hostile, "--top", str(len(PAYLOADS)), "-f", "html")
    body = re.sub(r"<svg.*?</svg>", "", out[out.index("<body>"):], flags=re.S)
    assert "<!--" not in body
    assert "<img" not in body
    assert "\x1b" not in body
    assert "&lt;img src=x&gt;" in body
