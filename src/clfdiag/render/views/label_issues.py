"""The view of ``clfdiag label-issues``: its document, CSV rows and confident joint heat maps."""

from __future__ import annotations

from typing import Any

from clfdiag.render import text as t
from clfdiag.render.command_view import CommandView, CsvRows, Report
from clfdiag.render.document import Document, Figure, Heading, Paragraph, Table, gates_and_notes
from clfdiag.render.plots import new_figure, plain, plain_text

NOISIEST_CLASSES = 5
"""Classes listed in the terminal, worst label quality first; the JSON has them all."""
MAX_ANNOTATED_CLASSES = 12
"""Above this many classes the heat map's cells carry no numbers: they would not fit."""
MAX_TICKED_CLASSES = 30


def label_issues_document(report: dict[str, Any]) -> Document:
    """The label health score, the noisiest classes and the top flagged examples."""
    doc = Document(f"clfdiag label-issues: {report['input']['path']}")
    b = doc.blocks
    b += [Paragraph(_lead(report), "lead"), Paragraph(_flagged_line(report))]
    quality = report["class_quality"]
    noisy = [c for c in quality if c["label_issues"] or c["label_noise"]][:NOISIEST_CLASSES]
    heading = "Noisiest classes, worst label quality first"
    if len(noisy) < len(quality):
        heading += f" ({len(noisy)} of {len(quality)} classes)"
    if noisy:
        b += [Heading(heading),
              Table(["class", "given", "label issues", "label noise", "label quality"],
                    [[c["class"], t.fmt(_given_count(report, c["class"])),
                      t.fmt(c["label_issues"]), t.fmt(c["label_noise"]),
                      t.fmt(c["label_quality"])] for c in noisy])]
    else:
        b += [Heading("Classes"), Paragraph("No class has estimated label noise.")]
    issues = report["issues"]
    if issues:
        shown = (f"the first {len(issues):,} of {report['issue_count']:,}"
                 if len(issues) < report["issue_count"] else "all")
        has_id = any("id" in e for e in issues)
        b += [Heading(f"Likely label issues, {shown}, lowest {_score_name(report)} first"),
              Table(["row", *(["id"] if has_id else []), "given -> suggested", "quality",
                     "p given", "p suggested"],
                    [[str(e["row"]), *([e["id"] or ""] if has_id else []),
                      f"{e['given_label']} -> {e['suggested_label']}",
                      *(t.fmt_probability(e[k]) for k in ("quality", "p_given", "p_suggested"))]
                     for e in issues], "l" + ("l" if has_id else "") + "lrrr")]
    b.append(Figure("confident_joint"))
    b += gates_and_notes(report)
    return doc


def _lead(report: dict[str, Any]) -> str:
    counts = report["num_label_issues"]
    n = report["n"]
    return (f"label health score {report['label_health_score']:.4f}: "
            f"{counts['off_diagonal']:,} of {n:,} examples "
            f"({t.pct(counts['off_diagonal'] / n)}) have a confident class other than their "
            f"label (calibrated estimate {counts['off_diagonal_calibrated']:,}); "
            f"{len(report['classes'])} classes")


def _flagged_line(report: dict[str, Any]) -> str:
    adjusted = ", adjusted probabilities" if report["adjust_pred_probs"] else ""
    return (f"--filter {report['filter']} flags {report['issue_count']:,} examples, ranked by "
            f"{report['rank_by']}{adjusted}.")


def _score_name(report: dict[str, Any]) -> str:
    return str(report["rank_by"]).replace("-", " ")


def _given_count(report: dict[str, Any], name: str) -> int:
    """Examples given this label: the row sum of the calibrated confident joint."""
    return int(sum(report["confident_joint"]["calibrated"][report["classes"].index(name)]))


def label_issues_rows(report: Report) -> CsvRows:
    """``row,index,id,given_label,...``: one row per listed flagged example, in ranked order."""
    keys = ["row", "index", "id", "given_label", "suggested_label", "quality", "p_given",
            "p_suggested"]
    if not any("id" in e for e in report["issues"]):
        keys.remove("id")
    return [keys, *([e.get(k) for k in keys] for e in report["issues"])]


def label_issues_figures(report: dict[str, Any]) -> dict[str, Any]:
    """The raw and calibrated confident joints as heat maps."""
    return {"confident_joint": confident_joint_figure(report)}


@plain_text
def confident_joint_figure(report: dict[str, Any]) -> Any:
    """Each confident joint as a heat map: rows given labels, columns confident classes.

    The colour of an off-diagonal cell is its share of the given label's
    examples (row-normalised, so that small classes show their noise as plainly
    as large ones), on a scale up to the largest such share; the diagonal, where
    label and confident class agree, is grey, or it would drown the noise. The
    cells of up to 12 classes carry their counts.
    """
    import numpy as np

    labels = [plain(str(name)) for name in report["classes"]]
    k = len(labels)
    fig = new_figure("Confident joint (rows: given label, columns: confident class)")
    fig.set_size_inches(11, 5)
    axes = fig.subplots(1, 2)
    shares = {}
    for key in ("raw", "calibrated"):
        matrix = np.asarray(report["confident_joint"][key], dtype=np.float64)
        totals = matrix.sum(axis=1, keepdims=True)
        share = np.divide(matrix, totals, out=np.zeros_like(matrix), where=totals > 0)
        shares[key] = np.ma.masked_array(share, mask=np.eye(k, dtype=bool))
    top = max(float(s.max()) if s.count() else 0.0 for s in shares.values()) or 1.0
    image = None
    for ax, key in zip(axes, ("raw", "calibrated"), strict=True):
        matrix = report["confident_joint"][key]
        ax.set_facecolor("#dddddd")
        image = ax.imshow(shares[key], cmap="Oranges", vmin=0, vmax=top)
        if k <= MAX_ANNOTATED_CLASSES:
            for i in range(k):
                for j in range(k):
                    if matrix[i][j]:
                        dark = i != j and shares[key][i, j] > 0.6 * top
                        ax.text(j, i, f"{matrix[i][j]:,}", ha="center", va="center",
                                fontsize=8 if k <= 6 else 6,
                                color="white" if dark else "black")
        if k <= MAX_TICKED_CLASSES:
            ax.set_xticks(range(k), labels, rotation=45 if k > 8 and max(map(len, labels)) > 2
                          else 0)
            ax.set_yticks(range(k), labels)
        ax.set_title(key, fontsize=10)
        ax.set_xlabel("confident class")
        ax.set_ylabel("given label")
    fig.colorbar(image, ax=list(axes), label="share of the given label's examples "
                 "(off the diagonal)")
    return fig


VIEW = CommandView(label_issues_document, label_issues_rows, label_issues_figures)
