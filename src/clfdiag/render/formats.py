"""Machine formats: JSON (the contract), CSV (one row per metric) and Markdown (CI summaries)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from clfdiag.render.document import Heading, Paragraph, Table, document


def to_json(report: dict[str, Any]) -> str:
    """The report as compact JSON on one line; NaN and infinity never appear (they are null).

    Compact because a 1000-class confusion matrix indented is a million lines;
    ``jq .`` shows it indented.
    """
    return json.dumps(report, separators=(",", ":"), allow_nan=False) + "\n"


def to_csv(report: dict[str, Any]) -> str:
    """One row per metric, or per epoch, for spreadsheets and shells.

    evaluate: ``metric,value,ci_lower,ci_upper,note``; compare: ``metric,a,b,delta``;
    epochs and history: one column per field of an epoch.
    """
    if report["command"] == "compare":
        return _comparison_csv(report)
    if report["command"] in ("epochs", "history"):
        return _trajectory_csv(report)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["metric", "value", "ci_lower", "ci_upper", "note"])
    intervals = {"roc_auc": report.get("roc_auc_ci"), "accuracy": report.get("accuracy_ci")}
    for name, value in report["metrics"].items():
        ci = intervals.get(name) or (None, None)
        note = report["undefined"].get(name, "")
        writer.writerow([name, "" if value is None else repr(value),
                         "" if ci[0] is None else repr(ci[0]),
                         "" if ci[1] is None else repr(ci[1]), note])
    return buffer.getvalue()


def to_markdown(report: dict[str, Any]) -> str:
    """GitHub-flavoured Markdown, fit for ``$GITHUB_STEP_SUMMARY`` (figures left out)."""
    doc = document(report)
    out = [f"## {doc.title}", ""]
    for block in doc.blocks:
        if isinstance(block, Heading):
            out += ["#" * block.level + " " + block.text, ""]
        elif isinstance(block, Paragraph):
            out += [f"**{block.text}**" if block.strong else block.text, ""]
        elif isinstance(block, Table):
            out += _md_table(block)
    return "\n".join(out).rstrip() + "\n"


def _md_table(table: Table) -> list[str]:
    marks = {"l": ":--", "r": "--:"}
    escape = [[cell.replace("|", "\\|") for cell in row]
              for row in [table.header, *table.rows]]
    lines = ["| " + " | ".join(escape[0]) + " |",
             "| " + " | ".join(marks[a] for a in table.alignment()) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in escape[1:]]
    return [*lines, ""]


def _comparison_csv(report: dict[str, Any]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["metric", "a", "b", "delta"])
    for name, value in report["a"].items():
        row = [value, report["b"].get(name), report["delta"].get(name)]
        writer.writerow([name, *("" if v is None else repr(v) for v in row)])
    return buffer.getvalue()


def _trajectory_csv(report: dict[str, Any]) -> str:
    rows = report["epochs"]
    columns = [c for c in rows[0] if c not in ("diagnosis", "file")] if rows else []
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row[c] is None else row[c] for c in columns])
    return buffer.getvalue()


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
