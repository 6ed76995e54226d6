"""The Markdown backend: GitHub-flavoured Markdown, fit for ``$GITHUB_STEP_SUMMARY``.

Every heading, paragraph and cell goes through :func:`~clfdiag.render.safe.markdown_text`,
so that text from a file (an id such as ``<!--``) cannot hide or rewrite the rest
of the summary. Figures are left out.
"""

from __future__ import annotations

from clfdiag.render.document import Document, Heading, Paragraph, Table
from clfdiag.render.safe import markdown_text


def to_markdown(doc: Document) -> str:
    """The document as Markdown."""
    out = [f"## {markdown_text(doc.title)}", ""]
    for block in doc.blocks:
        if isinstance(block, Heading):
            out += ["#" * block.level + " " + markdown_text(block.text), ""]
        elif isinstance(block, Paragraph):
            text = markdown_text(block.text, line_start=True)
            out += [f"**{text}**" if block.style in ("strong", "alert") else text, ""]
        elif isinstance(block, Table):
            out += _table(block)
    return "\n".join(out).rstrip() + "\n"


def _table(table: Table) -> list[str]:
    marks = {"l": ":--", "r": "--:"}
    cells = [[markdown_text(cell) for cell in row] for row in [table.header, *table.rows]]
    for i, j in table.strong:
        cells[i + 1][j] = f"**{cells[i + 1][j]}**"
    lines = ["| " + " | ".join(cells[0]) + " |",
             "| " + " | ".join(marks[a] for a in table.alignment()) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in cells[1:]]
    return [*lines, ""]
