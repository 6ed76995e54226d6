"""Machine formats: JSON (the contract), CSV (one row per metric) and Markdown (CI summaries)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any


def to_json(report: dict[str, Any]) -> str:
    """The report as compact JSON on one line; NaN and infinity never appear (they are null).

    Compact because a 1000-class confusion matrix indented is a million lines;
    ``jq .`` shows it indented.
    """
    return json.dumps(report, separators=(",", ":"), allow_nan=False) + "\n"


def to_csv(report: dict[str, Any]) -> str:
    """One row per metric, or per epoch, for spreadsheets and shells; an undefined value is empty.

    evaluate: ``metric,value,ci_lower,ci_upper,note``; compare: ``metric,a,b,delta``;
    epochs and history: one column per field of an epoch (see :mod:`clfdiag.render.views`).
    """
    from clfdiag.render.command_view import metric_rows
    from clfdiag.render.views import view

    rows = (view(report).csv or metric_rows)(report)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows([["" if v is None else v for v in row] for row in rows])
    return buffer.getvalue()


def to_markdown(report: dict[str, Any]) -> str:
    """GitHub-flavoured Markdown, fit for ``$GITHUB_STEP_SUMMARY`` (figures left out)."""
    from clfdiag.render import markdown
    from clfdiag.render.views import document

    return markdown.to_markdown(document(report))


def to_junit(results: list[Any], name: str) -> str:
    """Gates as JUnit XML test cases, one per gate, for CI systems that display them."""
    from xml.sax.saxutils import quoteattr

    failures = sum(not r.passed for r in results)
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             f'<testsuite name="clfdiag" tests="{len(results)}" failures="{failures}">']
    for r in results:
        case = f'  <testcase classname={quoteattr("clfdiag." + name)} name={quoteattr(r.name)}'
        if r.passed:
            lines.append(case + "/>")
        else:
            lines += [case + ">", f"    <failure message={quoteattr(r.describe())}/>",
                      "  </testcase>"]
    lines.append("</testsuite>")
    return "\n".join(lines) + "\n"
