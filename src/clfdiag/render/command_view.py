"""How one command's report is shown: its document, its CSV rows and its figures."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from clfdiag.render.document import Document

Report = dict[str, Any]
CsvRows = list[list[Any]]


@dataclass(frozen=True)
class CommandView:
    """How one command's report is shown.

    ``document`` builds the document; ``csv`` gives the header and rows of
    ``--format csv``; ``figures`` draws the figures by name (matplotlib is
    imported only when one is drawn).
    """

    document: Callable[[Report], Document]
    csv: Callable[[Report], CsvRows] | None = None
    figures: Callable[[Report], dict[str, Any]] | None = None


def metric_rows(report: Report) -> CsvRows:
    """``metric,value`` rows of ``report["metrics"]`` (the CSV of a command without its own)."""
    return [["metric", "value"], *([k, v] for k, v in report["metrics"].items())]
