"""The view of ``clfdiag calibrate``: its document, CSV rows and figures."""

from __future__ import annotations

from typing import Any

from clfdiag.render import text as t
from clfdiag.render.command_view import CommandView, CsvRows, Report
from clfdiag.render.document import Document, Figure, Heading, Paragraph, Table, gates_and_notes
from clfdiag.render.plots import BLUE, VERMILION, interval_reliability_figure

COLUMNS = (("log_loss", "log loss"), ("brier", "Brier"), ("accuracy", "acc."),
           ("ece", "ECE"), ("ece_positive_class", "ECE pos."), ("mce", "MCE"),
           ("overconfident_errors", "overconf."))


def calibrate_document(report: dict[str, Any]) -> Document:
    """Metrics before, cross-fitted after and in sample per method, parameters, recommendation."""
    applied = report["mode"] == "apply"
    doc = Document(f"clfdiag calibrate: {report['input']['path']}")
    b = doc.blocks
    b += [Paragraph(_headline(report), "lead"), Paragraph(t.columns_line(report), "quiet"),
          Paragraph(_settings_line(report), "quiet")]
    # Binary reports show both ECEs; the MCE, for want of width, is in the JSON only.
    left_out = "mce" if report["task"] == "binary" else "ece_positive_class"
    keys = [(k, h) for k, h in COLUMNS if k != left_out]
    header = ["", *(h for _, h in keys)]
    first = report["methods"][0]
    if applied:
        rows = [_row("before", first["before"], keys), _row("after", first["after"], keys)]
        b += [Heading(f"{first['method']} map from {report['mapping']}"),
              Table(header, rows), Paragraph(_change_line(first))]
    else:
        rows = [_row("before", first["before"], keys),
                *(_row(m["method"], m["after"], keys) for m in report["methods"])]
        names = [m["method"] for m in report["methods"]]
        best = (frozenset() if report["recommended"] is None
                else frozenset({1 + names.index(report["recommended"])}))
        b += [Heading(f"Cross-fitted ({report['folds']} folds): each fold mapped by the map "
                      "fitted on the others"),
              Table(header, rows, marked=best),
              *(Paragraph(f"{m['method']} is not estimable: {m['reason']}.", "quiet")
                for m in report["methods"] if m["estimable"] is False),
              Paragraph(_recommendation(report), "strong"),
              Heading("In sample (fitted and measured on the same rows: optimistic)"),
              Table(header, [_row(m["method"], m["in_sample"], keys)
                             for m in report["methods"]])]
    b += _decomposition_blocks(report)
    b += [Heading("Fitted parameters" + ("" if applied else " (on all rows)")),
          Table(["method", "parameters"],
                [[m["method"], parameters_text(m["method"], m["params"])]
                 for m in report["methods"]], "ll")]
    intervals = [line for m in report["methods"] for line in _interval_lines(report, m)]
    if intervals:
        b += [Heading(f"ECE 95% bootstrap intervals ({report['bootstrap']} resamples)"),
              *(Paragraph(line) for line in intervals)]
    b += [Figure(f"reliability_{m['method']}") for m in report["methods"]]
    b += gates_and_notes(report)
    return doc


def _decomposition_blocks(report: dict[str, Any]) -> list[Any]:
    """The log loss's CORP parts before and after each map (binary), one row per map."""
    methods = [m for m in report["methods"] if m.get("decomposition")]
    if not methods:
        return []
    where = ("on all rows" if report["mode"] == "apply"
             else f"on the {report['folds']} held-out folds, averaged")
    parts = ("score", "miscalibration", "discrimination", "uncertainty")
    before = methods[0]["decomposition"]["before"]["log_loss"]
    rows = [["before", *(t.fmt(before[k]) for k in parts)],
            *([m["method"], *(t.fmt(m["decomposition"]["after"]["log_loss"][k]) for k in parts)]
              for m in methods)]
    return [Heading(f"Log loss by CORP part ({where})"),
            Table(["", "log loss", "miscal.", "discrim.", "uncert."], rows),
            Paragraph("log loss = miscalibration - discrimination + uncertainty; a map that "
                      "keeps the order of the scores (temperature; Platt and beta when fitted "
                      "increasing) leaves the discrimination as it was, one that pools scores "
                      "(isotonic, histogram) can lower it.", "quiet")]


def _headline(report: dict[str, Any]) -> str:
    inp = report["input"]
    line = f"{inp['path']}: {inp['used']:,} examples, {report['task']}"
    if report["task"] == "binary":
        return line + f", positive class {report['positive_class']!r}"
    return line + f", {len(report['classes'])} classes"


def _settings_line(report: dict[str, Any]) -> str:
    line = (f"ECE: top-label, {report['bins']} equal-width bins"
            + ("; ECE pos.: positive-class, same bins" if report["task"] == "binary" else "")
            + f"; overconfident: wrong at confidence >= {report['min_confidence']:g}")
    if report["mode"] == "apply":
        return line + f"; calibrated predictions written to {report['output']}"
    return line + f"; folds seeded with {report['seed']}"


def _row(name: str, metrics: dict[str, Any], keys: list[tuple[str, str]]) -> list[str]:
    return [name, *(t.fmt(metrics[k]) for k, _ in keys)]


def _recommendation(report: dict[str, Any]) -> str:
    if report["recommended"] is None:
        return f"No map recommended: {report['undefined']['recommended']}."
    chosen = next(m for m in report["methods"] if m["method"] == report["recommended"])
    text = (f"Recommended: {chosen['method']}, cross-fitted log loss "
            f"{t.fmt(chosen['after']['log_loss'])} (from {t.fmt(chosen['before']['log_loss'])})")
    if report["margin"] is not None:
        runner_up = sorted((m for m in report["methods"] if m["estimable"]),
                           key=lambda m: m["after"]["log_loss"])[1]
        text += f", {t.fmt(report['margin'])} below the runner-up ({runner_up['method']})"
    return text + "."


def _change_line(method: dict[str, Any]) -> str:
    change = method["change"]
    return (f"log loss {t.signed(change['log_loss'])}, ECE {t.signed(change['ece'])}, "
            f"overconfident errors {t.signed(change['overconfident_errors'])}.")


def _interval_lines(report: dict[str, Any], method: dict[str, Any]) -> list[str]:
    interval = method.get("ece_interval")
    if not interval:
        return []
    after = "after" if report["mode"] == "apply" else "cross-fitted"
    return [f"{method['method']}: before {_pair(interval['before'])}, "
            f"{after} {_pair(interval['after'])}"]


def _pair(pair: list[float] | None) -> str:
    return "—" if pair is None else f"[{pair[0]:.4f}, {pair[1]:.4f}]"


def parameters_text(method: str, params: dict[str, Any]) -> str:
    """The fitted parameters in a few words."""
    if method == "temperature":
        return f"T = {params['temperature']:.4g}"
    if method == "platt":
        return f"slope {params['slope']:.4g}, intercept {params['intercept']:.4g}"
    if method == "beta":
        return f"a {params['a']:.4g}, b {params['b']:.4g}, c {params['c']:.4g}"
    if method == "isotonic":
        return f"{len(params['thresholds'])} steps"
    if method == "histogram":
        return f"{len(params['values'])} bins"
    return f"{len(params['scale'])} scales and biases (see --format json)"


def calibration_rows(report: Report) -> CsvRows:
    """``method,stage,<metrics>``: before, cross-fitted after and in sample per method."""
    from clfdiag.reports.calibrate import method_rows

    return method_rows(report)


def calibration_figures(report: dict[str, Any]) -> dict[str, Any]:
    """Per method: the reliability diagram before and after (cross-fitted, or the map applied)."""
    after = "after" if report["mode"] == "apply" else "after (cross-fitted)"
    return {f"reliability_{m['method']}": interval_reliability_figure(
        [("before", report["reliability_before"], BLUE),
         (f"{m['method']} {after}", m["reliability_after"], VERMILION)],
        f"Reliability before and after {m['method']}") for m in report["methods"]}


VIEW = CommandView(calibrate_document, calibration_rows, calibration_figures)
