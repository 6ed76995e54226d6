"""One view module a command: ``render/views/<command>.py`` holds ``VIEW``, found by name.

The dispatch on ``report["command"]``: each view gives its command's document
(and so the terminal, Markdown and HTML formats), its CSV rows and its figures.
A new command adds its module here; nothing else registers it.
"""

from __future__ import annotations

import importlib
from typing import Any

from clfdiag.render.command_view import CommandView, Report
from clfdiag.render.document import Document
from clfdiag.render.plots import plain_text


def view(report: Report) -> CommandView:
    """The view of a report's command (``label-issues`` lives in ``label_issues.py``)."""
    name = report["command"].replace("-", "_")
    module = importlib.import_module(f"clfdiag.render.views.{name}")
    found: CommandView = module.VIEW
    return found


def document(report: Report) -> Document:
    """The document of any report."""
    return view(report).document(report)


@plain_text
def figures(report: dict[str, Any]) -> dict[str, Any]:
    """The figures of any report, by file stem."""
    draw = view(report).figures
    return {} if draw is None else draw(report)
