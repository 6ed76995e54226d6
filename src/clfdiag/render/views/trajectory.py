"""The view shared by ``clfdiag epochs`` and ``clfdiag history``: document, CSV rows, figures."""

from __future__ import annotations

from typing import Any

from clfdiag.render import text as t
from clfdiag.render.command_view import CsvRows, Report
from clfdiag.render.document import Document, Figure, Heading, Paragraph, Table, gates_and_notes
from clfdiag.render.plots import (
    BLUE,
    ORANGE,
    VERMILION,
    new_axes,
    plain_text,
    style_axes,
)

SHOWN_ROWS = 60
"""Rows a trajectory table shows in full; a longer one shows the rows that matter."""


EDGE_ROWS = 10
"""Rows kept at each end of a long trajectory."""


SHOWN_FLAGS = 20
"""Flagged rows a long trajectory's table and summary list; the rest are counted."""


def shown_rows(report: dict[str, Any]) -> list[int]:
    """Indices of the rows shown: all of a short run; of a long one, the ends, the best and flags.

    Rendering a terminal table costs about a millisecond a row, so a run of thousands of
    evaluations would take seconds to show rows nobody reads: a long run keeps its first
    and last :data:`EDGE_ROWS`, the best by loss and by accuracy, and its first
    :data:`SHOWN_FLAGS` flagged rows. JSON and CSV keep every row.
    """
    rows = report["epochs"]
    if len(rows) <= SHOWN_ROWS:
        return list(range(len(rows)))
    best = {report["best"]["by_loss"], report["best"]["by_accuracy"]}
    kept = {*range(EDGE_ROWS), *range(len(rows) - EDGE_ROWS, len(rows))}
    flags = 0
    for i, r in enumerate(rows):
        if r["epoch"] in best:
            kept.add(i)
            best.discard(r["epoch"])
        if r["loss_up_accuracy_up"] and flags < SHOWN_FLAGS:
            kept.add(i)
            flags += 1
    return sorted(kept)


def trajectory_document(report: dict[str, Any]) -> Document:
    """One row per epoch or evaluation, the flags, a loss/accuracy chart and the reasons.

    A long run shows the rows of :func:`shown_rows`, a ``…`` row where some are left
    out, and a line counting them.
    """
    doc = Document(f"clfdiag {report['command']}")
    b = doc.blocks
    has_predictions = report["command"] == "epochs"
    label = report.get("source", {}).get("labelled_by", "epoch")
    # Short headers so that the table fits 80 columns (every one is documented).
    header = [label, "log loss" if has_predictions else "val. loss",
              "acc." if has_predictions else "accuracy"]
    if has_predictions:
        header += ["AUC", "ECE", "conf. errs"]
    tested = t.has_flag_tests(report)
    rows: list[list[str]] = []
    marked: set[int] = set()
    shown = shown_rows(report)
    for before, i in zip([-1, *shown], shown, strict=False):
        if i > before + 1:
            rows.append(["…"] * (len(header) + 1 + 2 * tested))
        r = report["epochs"][i]
        if r["loss_up_accuracy_up"]:
            marked.add(len(rows))
        cells = [str(r["epoch"]), t.fmt(t.loss_of(r)), t.fmt(r["accuracy"])]
        if has_predictions:
            cells += [t.fmt(r["roc_auc"]), t.fmt(r["ece"]), t.fmt(r["overconfident_errors"])]
        rows.append([*cells, {True: "yes", False: "", None: "—"}[r["loss_up_accuracy_up"]],
                     *(t.flag_test_cells(r) if tested else [])])
    b += [Paragraph(t.trajectory_headline(report), "lead"),
          Table([*header, "both up", *(["p acc.", "p loss"] if tested else [])], rows,
                marked=frozenset(marked))]
    left_out = len(report["epochs"]) - len(shown)
    if left_out:
        b.append(Paragraph(f"… {left_out:,} more {label}s not shown (all are in --format json "
                           "or csv)", "quiet"))
    b += [*(Paragraph(line) for line in t.trajectory_summary(report)),
          Figure("loss_accuracy", "Chart", tuple(t.trajectory_chart(report)))]
    reasons = [(r["epoch"], t.flag_tests_text(r), r["diagnosis"]) for r in report["epochs"]
               if r.get("diagnosis")]
    if reasons:
        b.append(Heading("Why loss and accuracy both rose"))
        b += [Paragraph(f"{e}{tests}: {why}") for e, tests, why in reasons]
    last = report.get("last_vs_best")
    if last:
        worse = ", ".join(last["regressions"]) or "none significant"
        b += [Heading(f"Last ({last['last']}) against best by loss ({last['best']})"),
              Paragraph(last["diagnosis"]), Paragraph(f"significantly worse on: {worse}")]
    b += gates_and_notes(report)
    return doc


def trajectory_rows(report: Report) -> CsvRows:
    """One column per field of an epoch (but the file and the diagnosis sentence).

    ``decomposition_change`` becomes one column per score and part, named by its
    JSON path (``decomposition_change.log_loss.miscalibration``), empty where null.
    """
    rows = report["epochs"]
    columns = [c for c in rows[0] if c not in ("diagnosis", "file")] if rows else []
    parts = [(score, part) for score in ("log_loss", "brier")
             for part in ("miscalibration", "discrimination", "uncertainty")]

    def cells(row: dict[str, Any]) -> list[Any]:
        out: list[Any] = []
        for c in columns:
            if c == "decomposition_change":
                change = row[c]
                out += [None if change is None else change[s][p] for s, p in parts]
            else:
                out.append(row[c])
        return out

    header: list[Any] = []
    for c in columns:
        header += ([f"{c}.{s}.{p}" for s, p in parts] if c == "decomposition_change" else [c])
    return [header, *(cells(row) for row in rows)]


def trajectory_figures(report: dict[str, Any]) -> dict[str, Any]:
    """Loss and accuracy over the epochs or evaluations."""
    return {"loss_accuracy": trajectory_figure(report)}


@plain_text
def trajectory_figure(report: dict[str, Any]) -> Any:
    """Validation loss and accuracy against epoch on twin axes; epochs where both rose marked."""
    rows = report["epochs"]
    label = report.get("source", {}).get("labelled_by", "epoch")
    fig, ax = new_axes("Validation loss and accuracy")
    x = list(range(len(rows)))
    losses = [r["log_loss"] if "log_loss" in r else r["loss"] for r in rows]
    accs = [r["accuracy"] for r in rows]
    ax.plot(x, losses, "o-", color=VERMILION, label="validation loss")
    ax.set_ylabel("validation loss", color=VERMILION)
    ax.set_xlabel(label)
    twin = ax.twinx()
    if any(a is not None for a in accs):
        twin.plot(x, [float("nan") if a is None else a for a in accs], "s-", color=BLUE,
                  label="validation accuracy")
    twin.set_ylabel("validation accuracy", color=BLUE)
    flagged = [i for i, r in enumerate(rows) if r["loss_up_accuracy_up"]]
    for i in flagged:
        ax.axvspan(i - 0.4, i + 0.4, color=ORANGE, alpha=0.25, linewidth=0)
    step = max(1, len(rows) // 12)
    ax.set_xticks(x[::step], [str(r["epoch"]) for r in rows][::step])
    handles = ax.get_legend_handles_labels()[0] + twin.get_legend_handles_labels()[0]
    if flagged:
        from matplotlib.patches import Patch

        handles.append(Patch(color=ORANGE, alpha=0.25, label="loss and accuracy both rose"))
    fig.legend(handles=handles, loc="outside lower center", ncol=3, fontsize=9, frameon=False)
    style_axes(ax)
    return fig
