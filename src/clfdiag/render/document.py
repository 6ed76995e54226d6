"""A report as a document: headings, paragraphs, tables and figures.

Each command has one document builder (see :mod:`clfdiag.render.views`); the
backends (:mod:`~clfdiag.render.terminal` for Rich, :mod:`~clfdiag.render.markdown`,
:mod:`~clfdiag.render.html`) only decide how each block looks. Every string in a
block is plain text, whatever it came from: backends escape it, never parse it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Style = Literal["plain", "lead", "quiet", "alert", "strong"]
"""``lead``: bold in the terminal only; ``quiet``: dimmed in the terminal only;
``alert``: yellow in the terminal, emphasised elsewhere; ``strong``: emphasised everywhere."""


@dataclass(frozen=True)
class Heading:
    """A section title; level 2 is the document's title."""

    text: str
    level: int = 3


@dataclass(frozen=True)
class Paragraph:
    """A sentence or two."""

    text: str
    style: Style = "plain"


@dataclass(frozen=True)
class Break:
    """A blank line in the terminal (other backends separate paragraphs anyway)."""


@dataclass(frozen=True)
class Table:
    """Rows of text cells; ``align`` has one letter (l or r) per column.

    ``marked`` rows are highlighted in the terminal; ``total`` makes the last
    row bold there; ``strong`` cells, as (row, column), are emphasised everywhere.
    """

    header: list[str]
    rows: list[list[str]]
    align: str = ""
    marked: frozenset[int] = frozenset()
    total: bool = False
    strong: frozenset[tuple[int, int]] = frozenset()

    def alignment(self) -> str:
        """Left for the first column, right for the rest, unless said otherwise."""
        return self.align or "l" + "r" * (len(self.header) - 1)


@dataclass(frozen=True)
class Figure:
    """A place for the figure of that name; ``text`` draws it in characters for the terminal."""

    name: str
    title: str = ""
    text: tuple[str, ...] = ()


Block = Heading | Paragraph | Break | Table | Figure


@dataclass
class Document:
    """A title and its blocks."""

    title: str
    blocks: list[Block] = field(default_factory=list)


def gates_and_notes(report: dict[str, Any]) -> list[Block]:
    """The blocks every document ends with: the gates checked, then the notes."""
    from clfdiag.render.text import fmt

    blocks: list[Block] = []
    gates = report.get("gates", [])
    if gates:
        blocks.append(Heading("Gates"))
    for gate in gates:
        mark = "passed" if gate["passed"] else "FAILED"
        if "fail_on" in gate:
            text = f"--fail-on {gate['fail_on']}: {gate['message']}"
        else:
            text = f"{gate['metric']} {gate['kind']} {gate['bound']:g}: {fmt(gate['value'])}"
        blocks.append(Paragraph(f"{text}: {mark}", "plain" if gate["passed"] else "strong"))
    notes = report.get("notes", [])
    if notes:
        blocks.append(Break())
    blocks += [Paragraph(f"note: {note}", "alert") for note in notes]
    return blocks
