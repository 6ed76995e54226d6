"""Machine formats: JSON (the contract), CSV (one row per metric) and Markdown (CI summaries)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from clfdiag.render import text as t


def to_json(report: dict[str, Any]) -> str:
    """The report as compact JSON on one line; NaN and infinity never appear (they are null).

    Compact because a 1000-class confusion matrix indented is a million lines;
    ``jq .`` shows it indented.
    """
    return json.dumps(report, separators=(",", ":"), allow_nan=False) + "\n"


def to_csv(report: dict[str, Any]) -> str:
    """``metric,value,ci_lower,ci_upper,note``: one row per metric, for spreadsheets and shells."""
    if report["command"] == "compare":
        return _comparison_csv(report)
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


def _md_table(header: list[str], rows: list[list[str]], align: str = "") -> list[str]:
    align = align or "l" + "r" * (len(header) - 1)
    marks = {"l": ":--", "r": "--:"}
    escape = [[cell.replace("|", "\\|") for cell in row] for row in [header, *rows]]
    lines = ["| " + " | ".join(escape[0]) + " |",
             "| " + " | ".join(marks[a] for a in align) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in escape[1:]]
    return [*lines, ""]


def to_markdown(report: dict[str, Any]) -> str:
    """GitHub-flavoured Markdown, fit for ``$GITHUB_STEP_SUMMARY``."""
    if report["command"] == "compare":
        return _comparison_markdown(report)
    out = [f"## clfdiag evaluate: `{report['input']['path']}`", "",
           t.headline(report) + ".  ", t.columns_line(report) + ".", ""]
    dropped = t.dropped_line(report)
    if dropped:
        out += [f"**{dropped}**", ""]
    out += ["### Summary", ""]
    out += _md_table(["metric", "value", "note"],
                     [[t.METRIC_LABELS.get(k, k), t.fmt(v), t.metric_note(report, k)]
                      for k, v in report["metrics"].items()], "lrl")
    labels = report["confusion_matrix"]["labels"]
    if len(labels) <= t.MAX_MATRIX_CLASSES:
        out += ["### Confusion matrix (rows: actual, columns: predicted)", ""]
        out += _md_table(["actual \\ predicted", *labels],
                         [[label, *(t.fmt(v) for v in row)] for label, row in
                          zip(labels, report["confusion_matrix"]["matrix"], strict=True)])
    else:
        out += ["### Most frequent confusions", ""]
        out += _md_table(["actual", "predicted", "count"],
                         [[a, p, t.fmt(c)] for a, p, c in t.top_confusions(report)], "llr")
    if report["task"] == "multiclass":
        rows, _ = t.class_rows(report)
        out += ["### Per class (one-vs-rest)", ""]
        out += _md_table(["class", "support", "precision", "recall", "F1", "ROC AUC"],
                         [[r["class"], t.fmt(r["support"]), t.fmt(r["precision"]),
                           t.fmt(r["recall"]), t.fmt(r["f1"]), t.fmt(r["roc_auc"])]
                          for r in rows])
    cal = report["calibration"]
    out += [f"### Calibration (top-label): ECE {t.fmt(cal['ece'])}, MCE {t.fmt(cal['mce'])}", ""]
    out += _md_table(["confidence bin", "count", "mean confidence", "accuracy"],
                     [[f"({b['lower']:.3f}, {b['upper']:.3f}]", t.fmt(b["count"]),
                       t.fmt(b["confidence"]), t.fmt(b["accuracy"])]
                      for b in cal["bins"] if b["count"]])
    out += ["### Overconfident errors", "", t.overconfidence_line(report) + ".", ""]
    top = report["overconfident_errors"]["top"]
    if top:
        out += _md_table(["row", "id", "label", "predicted", "confidence", "loss"],
                         [[str(e["row"]), e["id"] or "", e["label"], e["predicted"],
                           t.fmt_probability(e["confidence"]), t.fmt(e["loss"])] for e in top],
                         "rllrrr")
    out += _gate_lines(report)
    out += [f"- note: {note}" for note in report["notes"]]
    return "\n".join(out).rstrip() + "\n"


def _gate_lines(report: dict[str, Any]) -> list[str]:
    lines = []
    for gate in report.get("gates", []):
        mark = "passed" if gate["passed"] else "**FAILED**"
        if "metric" in gate:
            lines.append(f"- gate {gate['metric']} {gate['kind']} {gate['bound']:g}: "
                         f"{t.fmt(gate['value'])} {mark}")
        else:
            lines.append(f"- --fail-on {gate['fail_on']}: {gate['message']} {mark}")
    return lines


def _comparison_csv(report: dict[str, Any]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["metric", "a", "b", "delta"])
    for name, value in report["a"].items():
        row = [value, report["b"].get(name), report["delta"].get(name)]
        writer.writerow([name, *("" if v is None else repr(v) for v in row)])
    return buffer.getvalue()


def _comparison_markdown(report: dict[str, Any]) -> str:
    out = ["## clfdiag compare", "", t.comparison_headline(report) + ".", "",
           "**" + report["diagnosis"] + "**", "", t.flag_line(report) + ".", "",
           "### Metrics", ""]
    out += _md_table(["metric", "A", "B", "B − A"],
                     [[t.METRIC_LABELS.get(k, k), t.fmt(v), t.fmt(report["b"].get(k)),
                       t.signed(report["delta"].get(k))] for k, v in report["a"].items()])
    out += ["### Change in mean log loss, by what happened to each example", ""]
    groups = report["decomposition"]["groups"]
    out += _md_table(["examples that ...", "count", "loss change"],
                     [[g["description"], t.fmt(g["count"]), t.signed(g["loss_change"])]
                      for g in groups]
                     + [["**all**", t.fmt(report["pairing"]["n"]),
                         t.signed(report["decomposition"]["total_loss_change"])]])
    out += ["### Paired tests", ""]
    out += _md_table(["test", "statistic", "p-value", "95% CI"],
                     [list(row) for row in t.test_rows(report)], "llrr")
    top = report["decomposition"]["top"]
    if top:
        out += ["### Examples whose loss rose the most", ""]
        out += _md_table(["row", "id", "label", "A: pred (p true)", "B: pred (p true)",
                          "loss A→B"],
                         [[str(e["row"]), e["id"] or "", e["label"],
                           f"{e['predicted_a']} ({t.fmt_probability(e['p_true_a'])})",
                           f"{e['predicted_b']} ({t.fmt_probability(e['p_true_b'])})",
                           f"{e['loss_a']:.3f}→{e['loss_b']:.3f}"] for e in top], "rlllll")
    out += _gate_lines(report)
    return "\n".join(out).rstrip() + "\n"


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
