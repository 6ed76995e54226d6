"""The one dispatch on ``report["command"]``: each command's document, CSV and figures.

A new command registers one :class:`CommandView` in :data:`VIEWS`: its document
builder gives it the terminal, Markdown and HTML formats; ``csv`` and
``figures`` are optional (by default CSV lists ``report["metrics"]`` and there
are no figures).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from clfdiag.render.calibrate_view import calibrate_document
from clfdiag.render.comparison_view import comparison_document
from clfdiag.render.document import Document
from clfdiag.render.evaluation_view import evaluation_document
from clfdiag.render.ood_view import ood_document
from clfdiag.render.plots import (
    calibration_figures,
    comparison_figures,
    evaluation_figures,
    ood_figures,
    threshold_figures,
    trajectory_figures,
)
from clfdiag.render.threshold_view import threshold_document
from clfdiag.render.trajectory_view import trajectory_document

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


def evaluation_rows(report: Report) -> CsvRows:
    """``metric,value,ci_lower,ci_upper,note``: one row per metric."""
    intervals = {"roc_auc": report.get("roc_auc_ci"), "accuracy": report.get("accuracy_ci")}
    rows: CsvRows = [["metric", "value", "ci_lower", "ci_upper", "note"]]
    for name, value in report["metrics"].items():
        ci = intervals.get(name) or (None, None)
        rows.append([name, value, ci[0], ci[1], report["undefined"].get(name, "")])
    return rows


def comparison_rows(report: Report) -> CsvRows:
    """``metric,a,b,delta``: one row per metric."""
    return [["metric", "a", "b", "delta"],
            *([name, value, report["b"].get(name), report["delta"].get(name)]
              for name, value in report["a"].items())]


def trajectory_rows(report: Report) -> CsvRows:
    """One column per field of an epoch (but the file and the diagnosis sentence)."""
    rows = report["epochs"]
    columns = [c for c in rows[0] if c not in ("diagnosis", "file")] if rows else []
    return [columns, *([row[c] for c in columns] for row in rows)]


def threshold_rows(report: Report) -> CsvRows:
    """``criterion,value,threshold,...``: one row per criterion, then the chosen one."""
    keys = ["threshold", "midpoint", "value", "tp", "fp", "tn", "fn", "recall", "specificity",
            "precision", "npv", "f1", "mcc", "lr_positive", "lr_negative", "cost"]
    rows: CsvRows = [["criterion", *keys]]
    chosen = [dict(report["best"], criterion="best: " + report["best"]["criterion"])
              ] if report.get("best") else []
    for c in [*chosen, *report.get("criteria", [])]:
        rows.append([c["criterion"], *(c.get(k) for k in keys)])
    return rows


def calibration_rows(report: Report) -> CsvRows:
    """``method,stage,<metrics>``: before, cross-fitted after and in sample per method."""
    from clfdiag.reports.calibrate import method_rows

    return method_rows(report)


def ood_rows(report: Report) -> CsvRows:
    """``out,score,direction,auroc,...``: one row per OUT input and confidence score."""
    keys = ["auroc", "aupr_in", "aupr_out", "fpr_at_95_tpr", "fpr_at_95_tpr_ood_positive",
            "detection_error"]
    return [["out", "score", "direction", *keys],
            *([out["input"]["path"], s["score"], s["direction"], *(s[k] for k in keys)]
              for out in report["out"] for s in out["scores"])]


VIEWS: dict[str, CommandView] = {
    "evaluate": CommandView(evaluation_document, evaluation_rows, evaluation_figures),
    "compare": CommandView(comparison_document, comparison_rows, comparison_figures),
    "epochs": CommandView(trajectory_document, trajectory_rows, trajectory_figures),
    "history": CommandView(trajectory_document, trajectory_rows, trajectory_figures),
    "threshold": CommandView(threshold_document, threshold_rows, threshold_figures),
    "calibrate": CommandView(calibrate_document, calibration_rows, calibration_figures),
    "ood": CommandView(ood_document, ood_rows, ood_figures),
}


def view(report: Report) -> CommandView:
    """The view of a report's command."""
    return VIEWS[report["command"]]


def document(report: Report) -> Document:
    """The document of any report."""
    return view(report).document(report)
