"""The Rich backend of a document: tables that read at 80 columns, no colour when piped.

Every string becomes a :class:`rich.text.Text` with its control characters made
visible: nothing from a file is parsed as Rich markup or reaches the terminal
as an escape sequence.
"""

from __future__ import annotations

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table as RichTable
from rich.text import Text

from clfdiag.render.document import Block, Break, Document, Figure, Heading, Paragraph, Table
from clfdiag.render.safe import visible

STYLES = {"plain": "", "lead": "bold", "quiet": "dim", "alert": "yellow", "strong": "bold"}


def plain(text: str, style: str = "") -> Text:
    """Text shown as is: never markup, control characters visible."""
    return Text(visible(text), style=style)


def to_rich(doc: Document) -> RenderableType:
    """The document as one Rich renderable (the title is left out: the first line says it)."""
    return Group(*(part for block in doc.blocks for part in _parts(block)))


def _parts(block: Block) -> list[RenderableType]:
    if isinstance(block, Heading):
        return [Text(""), plain(block.text, "bold")]
    if isinstance(block, Paragraph):
        return [plain(block.text, STYLES[block.style])]
    if isinstance(block, Break):
        return [Text("")]
    if isinstance(block, Table):
        return [_table(block)]
    if isinstance(block, Figure) and block.text:
        return [Text(""), plain(block.title, "bold"), *(plain(line) for line in block.text)]
    return []


def _table(table: Table) -> RichTable:
    out = RichTable(box=box.SIMPLE_HEAD, pad_edge=False)
    for name, align in zip(table.header, table.alignment(), strict=True):
        out.add_column(plain(name), justify="right" if align == "r" else "left",
                       overflow="fold")
    last = len(table.rows) - 1
    for i, row in enumerate(table.rows):
        style = ("yellow" if i in table.marked else "bold" if table.total and i == last
                 else None)
        out.add_row(*(plain(cell, "bold" if (i, j) in table.strong else "")
                      for j, cell in enumerate(row)), style=style)
    return out
