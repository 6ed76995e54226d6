"""The document of ``clfdiag epochs`` and ``clfdiag history``."""

from __future__ import annotations

from typing import Any

from clfdiag.render import text as t
from clfdiag.render.document import Document, Figure, Heading, Paragraph, Table, gates_and_notes

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
