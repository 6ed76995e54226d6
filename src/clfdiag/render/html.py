"""One self-contained HTML page: inline CSS, inline SVG figures, no script, no request.

It reads offline and prints: the tables and figures of the terminal view, laid
out for a browser. Figures need matplotlib (``clfdiag[plot]``); without it the
page says so in place of each figure.
"""

from __future__ import annotations

from html import escape as escape_html

from clfdiag.render.document import Document, Figure, Heading, Paragraph, Table
from clfdiag.render.safe import visible
from clfdiag.version import __version__

CSS = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif;
       color: #1b1b1b; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin-bottom: .2rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
p.strong { font-weight: 600; background: #fff4e0; border-left: 4px solid #E69F00;
           padding: .4rem .6rem; }
table { border-collapse: collapse; margin: .6rem 0 1rem; font-variant-numeric: tabular-nums; }
th, td { padding: .22rem .7rem; border-bottom: 1px solid #e3e3e3; }
th { text-align: left; border-bottom: 2px solid #999; }
td.r, th.r { text-align: right; }
figure { margin: 1rem 0; } figure svg { max-width: 100%; height: auto; }
footer { margin-top: 3rem; color: #777; font-size: .85rem; }
@media print { body { margin: 0; max-width: none; } figure, table { break-inside: avoid; } }
"""


def escape(text: str) -> str:
    """Text as inert HTML, control characters visible."""
    return escape_html(visible(text))


def to_html(doc: Document, figures: dict[str, str] | None, schema_version: int) -> str:
    """The document as a page; ``figures`` maps a figure's name to its SVG (None: no matplotlib)."""
    parts = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
             f"<title>{escape(doc.title)}</title>", f"<style>{CSS}</style>", "</head>",
             "<body>", f"<h1>{escape(doc.title)}</h1>"]
    missing_said = False
    for block in doc.blocks:
        if isinstance(block, Figure) and figures is None:
            if not missing_said:
                parts.append("<p><em>Figures need matplotlib: "
                             "pip install 'clfdiag[plot]'.</em></p>")
                missing_said = True
        elif isinstance(block, Heading):
            parts.append(f"<h2>{escape(block.text)}</h2>")
        elif isinstance(block, Paragraph):
            css = ' class="strong"' if block.style in ("strong", "alert") else ""
            parts.append(f"<p{css}>{escape(block.text)}</p>")
        elif isinstance(block, Table):
            parts.append(_table(block))
        elif isinstance(block, Figure):
            parts.append(_figure(block.name, figures))
    parts += [f"<footer>clfdiag {escape(__version__)}, report schema "
              f"{schema_version}</footer>", "</body>", "</html>"]
    return "\n".join(parts) + "\n"


def _table(table: Table) -> str:
    align = table.alignment()
    head = "".join(f'<th class="{a}">{escape(h)}</th>' for h, a in zip(table.header, align,
                                                                          strict=True))
    rows = "".join(
        "<tr>" + "".join(f'<td class="{a}">{escape(c)}</td>' for c, a in zip(row, align,
                                                                              strict=True))
        + "</tr>" for row in table.rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def _figure(name: str, figures: dict[str, str] | None) -> str:
    svg = (figures or {}).get(name)
    return f'<figure id="figure-{escape(name)}">{svg}</figure>' if svg else ""
