"""The view of ``clfdiag ood``: its document, CSV rows and figures."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from clfdiag.render import text as t
from clfdiag.render.command_view import CommandView, CsvRows, Report
from clfdiag.render.document import Document, Figure, Heading, Paragraph, Table, gates_and_notes
from clfdiag.render.plots import (
    BLACK,
    BLUE,
    GREEN,
    ORANGE,
    PURPLE,
    SKY,
    VERMILION,
    YELLOW,
    axes_figure,
    confidence_axes,
    plain,
    rate_axes,
    risk_coverage_figure,
)
from clfdiag.render.selective import selective_blocks

SCORE_LABELS = {"max_softmax": "max softmax", "margin": "margin", "entropy": "-entropy",
                "max_logit": "max logit", "energy": "-energy"}


def ood_document(report: dict[str, Any]) -> Document:
    """Separation per score and OUT input, the confident OUT examples, the IN selective view."""
    inp = report["in"]
    doc = Document(f"clfdiag ood: {inp['path']}")
    b = doc.blocks
    classes = (f"positive class {report['classes'][1]!r}" if report["task"] == "binary"
               else f"{len(report['classes'])} classes")
    b += [Paragraph(f"IN {inp['path']}: {inp['n']:,} examples, {classes}, accuracy "
                    f"{t.fmt(inp['accuracy'])}", "lead")]
    b += [Paragraph(_verdict(report, out)) for out in report["out"]]
    for out in report["out"]:
        b += [Heading(f"IN vs {_name(out)}: separation by each score"),
              Table(["score", "AUROC", "AUPR-in", "AUPR-out", "FPR95-in", "FPR95-out",
                     "det.err"],
                    [[SCORE_LABELS.get(s["score"], s["score"]),
                      *(t.fmt(s[k], 3) for k in ("auroc", "aupr_in", "aupr_out",
                                                 "fpr_at_95_tpr", "fpr_at_95_tpr_ood_positive",
                                                 "detection_error"))]
                     for s in out["scores"]])]
    b.append(Figure("ood_roc"))
    first = report["out"][0]
    over, point = first["overconfident"], first["operating_point"]
    b += [Heading(f"Wrong and strong: confidence >= {over['min_confidence']:g}, and the "
                  f"threshold keeping {t.pct(point['keep'])} of IN "
                  f"({_threshold(point['threshold'])})"),
          Table(["OUT", "n", f"OUT>={over['min_confidence']:g}",
                 f"IN>={over['min_confidence']:g}", "top class", "OUT kept", "IN acc"],
                [[_name(out), t.fmt(out["n"]), t.pct(out["overconfident"]["share_out"]),
                  t.pct(out["overconfident"]["share_in"]), _assigned(out["overconfident"]),
                  t.pct(out["operating_point"]["share_out"]),
                  t.fmt(out["operating_point"]["in_accuracy"])] for out in report["out"]],
                "lrrrlrr"),
          Figure("ood_confidence")]
    tops = [[_name(out), t.fmt(e["row"]), e["id"] or "", e["predicted"],
             t.fmt_probability(e["confidence"])]
            for out in report["out"] for e in out["overconfident"]["top"]]
    if tops:
        b += [Heading("Most confident OUT examples"),
              Table(["OUT", "row", "id", "predicted", "confidence"], tops, "lrllr")]
    b += selective_blocks(inp["selective"], "Selective prediction on IN (abstain when unsure)")
    b += gates_and_notes(report)
    return doc


def _name(out: dict[str, Any]) -> str:
    return PurePath(out["input"]["path"]).name


def _threshold(value: float | None) -> str:
    return "no threshold" if value is None else f"confidence >= {t.fmt_probability(value)}"


def _assigned(over: dict[str, Any]) -> str:
    if over["most_assigned_class"] is None:
        return "—"
    return f"{over['most_assigned_class']} ({t.pct(over['most_assigned_share'])})"


def _verdict(report: dict[str, Any], out: dict[str, Any]) -> str:
    """One sentence per OUT input: how confident, and whether max softmax tells it from IN."""
    over = out["overconfident"]
    msp = next((s for s in out["scores"] if s["score"] == "max_softmax"), None)
    line = (f"{_name(out)}: {t.pct(over['share_out'])} of {out['n']:,} OUT examples predicted "
            f"with confidence >= {over['min_confidence']:g} (IN: {t.pct(over['share_in'])})")
    if msp is None or msp["auroc"] is None:
        return line
    auroc = msp["auroc"]
    if auroc < 0.5:
        verdict = "OUT is predicted more confidently than IN"
    elif auroc < 0.9:
        verdict = "confidence separates them only partly"
    else:
        verdict = "confidence separates them well"
    return f"{line}; max softmax AUROC {auroc:.3f}: {verdict}."


def ood_rows(report: Report) -> CsvRows:
    """``out,score,direction,auroc,...``: one row per OUT input and confidence score."""
    keys = ["auroc", "aupr_in", "aupr_out", "fpr_at_95_tpr", "fpr_at_95_tpr_ood_positive",
            "detection_error"]
    return [["out", "score", "direction", *keys],
            *([out["input"]["path"], s["score"], s["direction"], *(s[k] for k in keys)]
              for out in report["out"] for s in out["scores"])]


def ood_figures(report: dict[str, Any]) -> dict[str, Any]:
    """Confidence histograms (IN correct, IN wrong, each OUT), ROC of IN vs OUT, risk-coverage."""
    out = {"ood_confidence": ood_confidence_figure(report), "ood_roc": ood_roc_figure(report)}
    if report["in"]["selective"]["aurc"] is not None:
        out["risk_coverage"] = risk_coverage_figure(report["in"]["selective"])
    return out


@axes_figure("Confidence on IN and OUT data")
def ood_confidence_figure(ax: Any, report: dict[str, Any]) -> None:
    """Share of each set's examples per confidence bin: IN correct, IN wrong, every OUT."""
    from pathlib import PurePath

    hist = report["in"]["confidence_histogram"]
    edges = hist["edges"]
    series = [("IN, correct", hist["correct"], BLUE, "-"),
              ("IN, wrong", hist["wrong"], VERMILION, "-")]
    colours = (ORANGE, GREEN, PURPLE, SKY, BLACK, YELLOW)
    series += [(f"OUT {PurePath(o['input']['path']).name}", o["confidence_histogram"],
                colours[i % len(colours)], "--") for i, o in enumerate(report["out"])]
    for label, counts, colour, style in series:
        total = sum(counts)
        if not total:
            continue
        shares = [c / total for c in counts]
        ax.stairs(shares, edges, color=colour, linestyle=style, linewidth=2,
                  label=f"{plain(label)} ({total:,})")
    first = report["out"][0]["overconfident"]["min_confidence"] if report["out"] else None
    if first is not None:
        ax.axvline(first, color="#888888", linestyle=":", linewidth=1,
                   label=f"confidence {first:g}")
    confidence_axes(ax, "share of the set's examples")


@axes_figure("IN vs OUT by max softmax")
def ood_roc_figure(ax: Any, report: dict[str, Any]) -> None:
    """ROC of IN (positive) against each OUT set, by the largest class probability."""
    from pathlib import PurePath

    colours = (ORANGE, GREEN, PURPLE, SKY, BLACK, YELLOW)
    for i, o in enumerate(report["out"]):
        msp = next((s for s in o["scores"] if s["score"] == o["roc"]["score"]), None)
        auc = "" if msp is None or msp["auroc"] is None else f" (AUROC {msp['auroc']:.3f})"
        ax.plot(o["roc"]["fpr"], o["roc"]["tpr"], color=colours[i % len(colours)], linewidth=2,
                label=plain(PurePath(o["input"]["path"]).name) + auc)
    ax.plot([0, 1], [0, 1], color="#888888", linestyle="--", linewidth=1, label="chance")
    rate_axes(ax, "share of OUT examples kept (false positive rate)",
               "share of IN examples kept (true positive rate)", "lower right")


VIEW = CommandView(ood_document, ood_rows, ood_figures)
