"""How multi-label reports look (``task: "multilabel"`` of evaluate, compare and epochs).

Not a command of its own: the views of ``evaluate`` and ``compare`` hand a
multi-label report to the functions here; ``epochs`` shares the trajectory view.
"""

from __future__ import annotations

import math
from typing import Any

from clfdiag.render import text as t
from clfdiag.render.command_view import CsvRows, Report
from clfdiag.render.document import Block, Document, Figure, Heading, Paragraph, Table
from clfdiag.render.document import gates_and_notes as closing_blocks
from clfdiag.render.plots import BLUE, VERMILION, new_figure, plain, plain_text, style_axes

HEADLINE = (("subset_accuracy", "subset accuracy"), ("hamming_loss", "Hamming loss"),
            ("f1_micro", "micro F1"), ("f1_macro", "macro F1"),
            ("roc_auc_macro", "macro AUC"), ("log_loss", "mean BCE"))
"""The numbers of the first line, in order."""

LABEL_COLUMNS = ("support", "prevalence", "precision", "recall", "f1", "roc_auc",
                 "average_precision", "log_loss", "ece")
"""The fields of a ``per_label`` entry; the terminal leaves out the prevalence."""


def headline(metrics: dict[str, Any]) -> str:
    """``subset accuracy 0.412 · Hamming loss 0.140 · ...`` (to three places, to fit a line)."""
    return " · ".join(f"{name} {t.fmt(metrics.get(key), 3)}" for key, name in HEADLINE)


def threshold_text(report: Report) -> str:
    """The threshold in force: one number, or ``per label``."""
    threshold = report["threshold"]
    if isinstance(threshold, dict):
        return "per label (" + ", ".join(f"{k} {v:g}" for k, v in threshold.items()) + ")"
    return f"{threshold:g}"


def worst_first(per_label: list[dict[str, Any]], f1: Any = None) -> list[dict[str, Any]]:
    """Labels by F1, lowest first; labels whose F1 (or AUC) is undefined last."""
    def key(entry: dict[str, Any]) -> tuple[int, float, int]:
        value = entry["f1"] if f1 is None else f1(entry)
        undefined = value is None or bool(entry.get("undefined"))
        return (1 if undefined else 0, math.inf if value is None else value,
                per_label.index(entry))

    return sorted(per_label, key=key)


def label_table(report: Report) -> Table:
    """One row per label, worst F1 first, labels with an undefined value last."""
    rows = [[e["label"], t.fmt(e["support"]), *(t.fmt(e[k], 3) for k in LABEL_COLUMNS[2:])]
            for e in worst_first(report["per_label"])]
    return Table(["label", "n", "prec.", "recall", "F1", "AUC", "AP", "BCE", "ECE"], rows)


def cardinality_line(report: Report) -> str:
    """Mean true and predicted labels per row, and the rows with an empty set."""
    c = report["cardinality"]
    return (f"labels per row: {t.fmt(c['mean_true'], 3)} true, "
            f"{t.fmt(c['mean_predicted'], 3)} predicted; "
            f"{c['rows_without_true_label']:,} rows without a true label, "
            f"{c['rows_without_predicted_label']:,} without a predicted label")


def evaluation_document(report: Report) -> Document:
    """Headline, per-label table, cardinality, every metric, overconfident cells, notes."""
    doc = Document(f"clfdiag evaluate: {report['input']['path']}")
    labels = report["labels"]
    b: list[Block] = doc.blocks
    b += [Paragraph(headline(report["metrics"]), "lead"),
          Paragraph(f"multi-label: {report['input']['used']:,} rows, {len(labels)} labels, "
                    f"threshold {threshold_text(report)}, zero_division "
                    f"{report['zero_division']}", "quiet"),
          Heading("Per label, worst F1 first (n: rows with the label; AP: average "
                  "precision; BCE: mean binary cross-entropy)"), label_table(report),
          Paragraph(cardinality_line(report)),
          Figure("per_label_roc"), Figure("per_label_pr"), Figure("per_label_reliability"),
          Heading("Metrics"),
          Table(["metric", "value", "note"],
                [[t.metric_label(report, k), t.fmt(v), t.metric_note(report, k)]
                 for k, v in report["metrics"].items()], "lrl")]
    over = report["overconfident_errors"]
    b += [Heading("Overconfident errors (label cells), most confident first"),
          Paragraph(f"{over['count']:,} wrong label cells with confidence ≥ "
                    f"{over['min_confidence']:g} (of {over['errors']:,} wrong cells)")]
    if over["top"]:
        b.append(Table(["row", "id", "label", "p", "truth", "loss"],
                       [[str(e["row"]), e["id"] or "", e["label"], t.fmt_probability(e["p"]),
                         str(e["truth"]), t.fmt(e["loss"])] for e in over["top"]], "lllrrr"))
    b += closing_blocks(report)
    return doc


def evaluation_rows(report: Report) -> CsvRows:
    """``metric,value,note`` for every metric, then one ``per_label`` row per label and field."""
    rows: CsvRows = [["metric", "value", "note"]]
    rows += [[k, v, report["undefined"].get(k, "")] for k, v in report["metrics"].items()]
    for entry in report["per_label"]:
        rows += [[f"{k}[{entry['label']}]", entry[k], entry.get("undefined", {}).get(k, "")]
                 for k in LABEL_COLUMNS]
    return rows


def comparison_document(report: Report) -> Document:
    """A against B on every metric, per label (F1 and AUC), the paired tests and the flag."""
    inputs = report["inputs"]
    doc = Document(f"clfdiag compare: {inputs['a']['path']} → {inputs['b']['path']}")
    b: list[Block] = doc.blocks
    a_line, b_line = headline(report["a"]), headline(report["b"])
    b += [Paragraph(f"A: {a_line}", "lead"), Paragraph(f"B: {b_line}", "lead"),
          Paragraph(f"multi-label: {report['pairing']['n']:,} rows paired by "
                    f"{report['pairing']['by']}, {len(report['labels'])} labels, threshold "
                    f"{threshold_text(report)}", "quiet")]
    metrics = report["loss_up_accuracy_up_metrics"]
    if report["loss_up_accuracy_up"]:
        b.append(Paragraph(f"{metrics['loss']} and {metrics['accuracy']} both rose from A to B",
                           "alert"))
    tests = report["tests"]
    b += [Heading("Paired tests (B − A)"),
          Table(["per-row loss", "mean difference", "95% interval", "p", "method"],
                [[key, t.signed(tests[key]["mean_diff"]),
                  "—" if tests[key]["ci"] is None
                  else f"{t.fmt(tests[key]['ci'][0])}–{t.fmt(tests[key]['ci'][1])}",
                  t.p_value(tests[key]["p_value"]), tests[key]["method"]]
                 for key in ("log_loss", "hamming_loss")], "lrrrl")]
    exact = tests.get("exact_match")
    if exact is not None:
        b.append(Paragraph(f"exact matches: {exact['b01']:,} rows only B predicts exactly, "
                           f"{exact['b10']:,} only A (McNemar p {t.p_value(exact['p_value'])})"))
    b += [Heading("Metrics"),
          Table(["metric", "A", "B", "B − A"],
                [[t.metric_label(report, k), t.fmt(v), t.fmt(report["b"].get(k)),
                  t.signed(report["delta"].get(k))] for k, v in report["a"].items()])]
    rows = sorted(report["per_label"], key=lambda e: (e["delta"]["f1"] is None,
                                                      e["delta"]["f1"] or 0.0))
    b += [Heading("Per label, largest F1 drop first"),
          Table(["label", "support", "F1 A", "F1 B", "ΔF1", "AUC A", "AUC B", "ΔAUC", "ΔBCE"],
                [[e["label"], t.fmt(e["a"]["support"]), t.fmt(e["a"]["f1"]),
                  t.fmt(e["b"]["f1"]), t.signed(e["delta"]["f1"]), t.fmt(e["a"]["roc_auc"]),
                  t.fmt(e["b"]["roc_auc"]), t.signed(e["delta"]["roc_auc"]),
                  t.signed(e["delta"]["log_loss"])] for e in rows])]
    b += closing_blocks(report)
    return doc


SMALL_MULTIPLES_COLUMNS = 4


def _grid(title: str, count: int) -> tuple[Any, list[Any]]:
    """A figure of ``count`` small axes, four a row."""
    columns = min(SMALL_MULTIPLES_COLUMNS, count)
    rows = -(-count // columns)
    fig = new_figure(title)
    fig.set_size_inches(2.6 * columns + 0.6, 2.4 * rows + 0.8)
    axes = [fig.add_subplot(rows, columns, i + 1) for i in range(count)]
    return fig, axes


@plain_text
def figures(report: Report) -> dict[str, Any]:
    """Per-label ROC, precision-recall and reliability, one small panel per label."""
    curves = report.get("per_label_curves")
    if not curves:
        return {}
    return {"per_label_roc": _roc_grid(curves), "per_label_pr": _pr_grid(curves),
            "per_label_reliability": _reliability_grid(curves)}


def _roc_grid(curves: list[dict[str, Any]]) -> Any:
    fig, axes = _grid("ROC curve of each label", len(curves))
    for ax, c in zip(axes, curves, strict=True):
        if c["roc"] is not None:
            ax.plot(c["roc"]["fpr"], c["roc"]["tpr"], color=BLUE, linewidth=1.5)
        ax.plot([0, 1], [0, 1], color="#888888", linestyle="--", linewidth=0.8)
        _panel(ax, c["label"], c["roc_auc"], "AUC")
    return fig


def _pr_grid(curves: list[dict[str, Any]]) -> Any:
    fig, axes = _grid("Precision-recall curve of each label", len(curves))
    for ax, c in zip(axes, curves, strict=True):
        if c["pr"] is not None:
            ax.step(c["pr"]["recall"], c["pr"]["precision"], where="post", color=BLUE,
                    linewidth=1.5)
        ax.axhline(c["prevalence"], color="#888888", linestyle="--", linewidth=0.8)
        _panel(ax, c["label"], c["average_precision"], "AP")
    return fig


def _reliability_grid(curves: list[dict[str, Any]]) -> Any:
    fig, axes = _grid("Reliability of each label (observed frequency against mean p)",
                      len(curves))
    for ax, c in zip(axes, curves, strict=True):
        bins = [x for x in c["reliability"] if x["count"]]
        ax.plot([0, 1], [0, 1], color="#888888", linestyle="--", linewidth=0.8)
        ax.plot([x["mean_p"] for x in bins], [x["frequency"] for x in bins], "o-",
                color=VERMILION, markersize=3, linewidth=1.2)
        _panel(ax, c["label"], c["ece"], "ECE")
    return fig


def _panel(ax: Any, label: str, value: float | None, name: str) -> None:
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_title(plain(f"{label} ({name} {t.fmt(value, 3)})"), fontsize=9)
    ax.tick_params(labelsize=7)
    style_axes(ax)
