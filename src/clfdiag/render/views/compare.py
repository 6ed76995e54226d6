"""The view of ``clfdiag compare``: its document, CSV rows and figures."""

from __future__ import annotations

from typing import Any

from clfdiag.render import text as t
from clfdiag.render.command_view import CommandView, CsvRows, Report
from clfdiag.render.document import (
    Break,
    Document,
    Figure,
    Heading,
    Paragraph,
    Table,
    gates_and_notes,
)
from clfdiag.render.plots import (
    BLUE,
    GROUP_COLOURS,
    ORANGE,
    new_axes,
    new_figure,
    plain_text,
    reliability_figure,
    style_axes,
)
from clfdiag.render.views import multilabel
from clfdiag.render.views.compare_many import many_models_document, many_models_rows


def comparison_document(report: dict[str, Any]) -> Document:
    """Diagnosis, metrics side by side, the loss decomposition, tests and the rising losses."""
    if report.get("task") == "multilabel":
        return multilabel.comparison_document(report)
    doc = Document("clfdiag compare")
    b = doc.blocks
    flagged = report["loss_up_accuracy_up"] or report["regressions"]
    b += [Paragraph(t.comparison_headline(report), "lead"), Break(),
          Paragraph(report["diagnosis"]),
          Paragraph(t.flag_line(report), "alert" if flagged else "quiet"),
          Heading("Metrics"),
          Table(["metric", "A", "B", "B − A"],
                [[t.metric_label(report, k), t.fmt(v), t.fmt(report["b"].get(k)),
                  t.signed(report["delta"].get(k))] for k, v in report["a"].items()]),
          Figure("roc"), Figure("reliability"),
          ]
    decomposition = report["decomposition"]
    if decomposition["groups"]:
        b += [Heading("Change in mean log loss, by what happened to each example"),
              Table(["examples that ...", "count", "loss change"],
                    [[g["description"], t.fmt(g["count"]), t.signed(g["loss_change"])]
                     for g in decomposition["groups"]]
                    + [["all", t.fmt(report["pairing"]["n"]),
                        t.signed(decomposition["total_loss_change"])]], total=True),
              Figure("scatter")]
    b += [Heading("Paired tests"),
          Table(["test", "statistic", "p-value", "95% CI"],
                [list(row) for row in t.test_rows(report)], "llrr")]
    top = decomposition["top"]
    if top:
        b += [Heading("Examples whose loss rose the most"),
              Table(["row", "id", "label", "A: pred (p true)", "B: pred (p true)", "loss A→B"],
                    [[str(e["row"]), e["id"] or "", e["label"],
                      f"{e['predicted_a']} ({t.fmt_probability(e['p_true_a'])})",
                      f"{e['predicted_b']} ({t.fmt_probability(e['p_true_b'])})",
                      f"{e['loss_a']:.3f}→{e['loss_b']:.3f}"] for e in top], "lllllr")]
    for entry in report.get("fairness_change") or []:
        b += _fairness_change(entry)
    b += gates_and_notes(report)
    return doc


def _fairness_change(entry: dict[str, Any]) -> list[Any]:
    """Each disparity under A and B, the change and its paired bootstrap interval."""
    rows = []
    for name, before in entry["a"].items():
        ci = entry["intervals"][name]
        rows.append([name.replace("_", " "), t.fmt(before), t.fmt(entry["b"][name]),
                     t.signed(entry["delta"][name]),
                     "" if ci is None else f"{t.signed(ci[0])} to {t.signed(ci[1])}"])
    return [Heading(f"Fairness change by {' × '.join(entry['columns'])}"),
            Table(["disparity", "A", "B", "B − A", "95% interval"], rows, "lrrrr")]


def comparison_rows(report: Report) -> CsvRows:
    """``metric,a,b,delta``: one row per metric."""
    return [["metric", "a", "b", "delta"],
            *([name, value, report["b"].get(name), report["delta"].get(name)]
              for name, value in report["a"].items())]


@plain_text
def comparison_figures(report: dict[str, Any]) -> dict[str, Any]:
    """Both ROC curves, both reliability diagrams, and the per-example scatter."""
    if report.get("task") == "multilabel":
        return {}  # the per-label curves are drawn by `evaluate --plot` on each file
    out = {}
    curves = report["curves"]
    if curves["a"] and curves["b"] and "roc" in curves["a"]:
        fig, ax = new_axes("ROC curves: A and B")
        for name, colour in (("a", BLUE), ("b", ORANGE)):
            roc = curves[name]["roc"]
            auc = report[name]["roc_auc"]
            ax.plot(roc["fpr"], roc["tpr"], color=colour, linewidth=2,
                    label=f"{name.upper()} (AUC {auc:.3f})")
        ax.plot([0, 1], [0, 1], color="#888888", linestyle="--", linewidth=1, label="chance")
        ax.set_xlabel("false positive rate")
        ax.set_ylabel("true positive rate")
        ax.legend(loc="lower right", fontsize=9)
        style_axes(ax)
        out["roc"] = fig
    cal = report["calibration"]
    if cal["a"]["ece"] is None or cal["b"]["ece"] is None:
        return out
    out["reliability"] = reliability_figure(
        [(f"A (ECE {cal['a']['ece']:.4f})", cal["a"]["bins"], BLUE),
         (f"B (ECE {cal['b']['ece']:.4f})", cal["b"]["bins"], ORANGE)],
        None, "Reliability diagrams: A and B")
    if report.get("sample"):
        out["scatter"] = scatter_figure(report)
    return out


@plain_text
def scatter_figure(report: dict[str, Any]) -> Any:
    """Each example's probability of its true class in A against B, by decomposition group."""
    sample = report["sample"]
    n = report["pairing"]["n"]
    shown = len(sample["group"])
    fig = new_figure("Probability of the true class, A against B"
                  + ("" if shown == n else f" ({shown:,} of {n:,} examples)"))
    ax = fig.add_subplot()
    groups = report["decomposition"]["groups"]
    for colour, group in zip(GROUP_COLOURS, groups, strict=True):
        name = group["name"]
        xs = [a for a, g in zip(sample["p_true_a"], sample["group"], strict=True) if g == name]
        ys = [b for b, g in zip(sample["p_true_b"], sample["group"], strict=True) if g == name]
        if xs:
            ax.scatter(xs, ys, s=8, color=colour, alpha=0.7, label=group["description"],
                       linewidths=0)
    ax.plot([0, 1], [0, 1], color="#888888", linestyle="--", linewidth=1)
    ax.set_xlabel("A: probability of the true class")
    ax.set_ylabel("B: probability of the true class")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    fig.legend(loc="outside lower center", ncol=2, fontsize=8, markerscale=2, frameon=False)
    style_axes(ax)
    return fig


def compare_document(report: Report) -> Document:
    """Two files: A against B; three or more (a report with ``models``): every pair."""
    return many_models_document(report) if "models" in report else comparison_document(report)


def compare_rows(report: Report) -> CsvRows:
    """The CSV rows of two files or of three or more."""
    return many_models_rows(report) if "models" in report else comparison_rows(report)


def compare_figures(report: Report) -> dict[str, Any]:
    """The figures of A against B (three or more files have none)."""
    return {} if "models" in report else comparison_figures(report)


VIEW = CommandView(compare_document, compare_rows, compare_figures)
