"""The view of ``clfdiag conformal``: its document, CSV rows and figures."""

from __future__ import annotations

from typing import Any

from clfdiag.render import text as t
from clfdiag.render.command_view import CommandView, CsvRows, Report
from clfdiag.render.document import Document, Figure, Heading, Paragraph, Table, gates_and_notes
from clfdiag.render.plots import BLUE, ORANGE, new_axes, plain_text, style_axes

WORST_CLASSES = 5
"""How many of the worst-covered classes the document lists."""
METHOD_NAMES = {"lac": "LAC (1 - p_y)", "aps": "APS (cumulative probability)",
                "aps-incl": "APS, including the class that crosses qhat",
                "raps": "RAPS (APS with a rank penalty)", "topk": "top-k (rank)"}


def level(value: float) -> str:
    """An alpha or a target as people write it: ``0.10``, ``0.05``, ``0.025``."""
    return f"{value:.2f}" if round(value, 2) == value else repr(value)


def conformal_document(report: Report) -> Document:
    """A line per alpha, the size histogram, the worst-covered classes, thresholds and notes."""
    cal, test = report["inputs"]["calibration"], report["inputs"]["test"]
    doc = Document(f"clfdiag conformal: {test['path']}")
    b = doc.blocks
    how = METHOD_NAMES[report["method"]]
    if report["class_conditional"]:
        how += ", class-conditional (one threshold per class)"
    if report["randomized"]:
        how += f", randomised (seed {report['seed']})"
    if report["method"] == "raps":
        how += f", penalty {report['raps_penalty']:g} beyond rank {report['raps_kreg']}"
    b += [Paragraph(f"{report['n_test']:,} test rows of {test['path']}, calibrated on "
                    f"{report['n_calibration']:,} rows of {cal['path']}; "
                    f"{len(report['classes'])} classes; {how}", "lead")]
    b += [Paragraph(alpha_line(r)) for r in report["results"]]
    b += [Heading("Set sizes (test rows)"), size_table(report)]
    worst = worst_classes(report)
    if worst is not None:
        b += [Heading("Worst-covered classes (coverage among test rows of that class)"), worst]
    b += [Heading("Thresholds"), threshold_table(report)]
    b += [Figure("conformal_coverage"), Figure("conformal_size")]
    b += gates_and_notes(report)
    return doc


def alpha_line(r: dict[str, Any]) -> str:
    """``alpha 0.10: coverage 0.912 (target >= 0.90), mean size 1.31, empty 2.0%, ...``."""
    coverage = ("no labels" if r["coverage"] is None else f"{r['coverage']:.3f}")
    line = (f"alpha {level(r['alpha'])}: coverage {coverage} (target >= "
            f"{level(r['target_coverage'])}), mean size {t.fmt(r['mean_size'], 2)}, "
            f"empty {t.pct(r['empty_share'])}, singletons {t.pct(r['singleton_share'])}")
    test = r["undercoverage"]
    if test is not None and test["undercovered"]:
        line += f"; UNDERCOVERED (binomial p = {test['p_value']:.3g})"
    return line


def size_table(report: Report) -> Table:
    """Test rows by set size at each alpha, for the sizes that occur at some alpha."""
    results = report["results"]
    sizes = [s for s in (results[0]["size_histogram"] if results else {})
             if any(r["size_histogram"][s] for r in results)]
    rows = [[size, *(t.fmt(r["size_histogram"][size]) for r in results)] for size in sizes]
    return Table(["size", *(f"alpha {level(r['alpha'])}" for r in results)], rows)


def worst_classes(report: Report) -> Table | None:
    """The classes covered least at the first alpha, with their coverage at every alpha."""
    results = report["results"]
    first = results[0]["coverage_by_class"] if results else None
    if first is None:
        return None
    known = sorted((c for c in report["classes"] if first[c] is not None),
                   key=lambda c: (first[c], report["classes"].index(c)))
    rows = [[c, *(t.fmt(r["coverage_by_class"][c], 3) for r in results)]
            for c in known[:WORST_CLASSES]]
    return Table(["class", *(f"alpha {level(r['alpha'])}" for r in results)], rows)


def threshold_table(report: Report) -> Table:
    """The order statistic ``k`` and ``qhat`` at each alpha; per class when class-conditional."""
    rows = []
    for r in report["results"]:
        if r["k_per_class"] is None:
            rows.append([level(r["alpha"]), "all", t.fmt(report["n_calibration"]),
                         t.fmt(r["k"]), _qhat(r["qhat"])])
            continue
        rows += [[level(r["alpha"]), c, t.fmt(r["n_per_class"][c]), t.fmt(r["k_per_class"][c]),
                  _qhat(r["qhat_per_class"][c])] for c in report["classes"]]
    return Table(["alpha", "class", "n", "k", "qhat"], rows)


def _qhat(value: float | int | None) -> str:
    if value is None:
        return "+inf (k > n: every class)"
    return str(value) if isinstance(value, int) else f"{value:.6g}"


def conformal_rows(report: Report) -> CsvRows:
    """One row per alpha: the threshold and what the sets achieve."""
    keys = ["alpha", "k", "qhat", "qhat_infinite", "coverage", "mean_size", "empty_share",
            "singleton_share"]
    return [[*keys, "undercovered"],
            *([*(r[k] for k in keys),
               None if r["undercoverage"] is None else r["undercoverage"]["undercovered"]]
              for r in report["results"])]


def conformal_figures(report: Report) -> dict[str, Any]:
    """Coverage against alpha (with labels) and mean set size against alpha."""
    figures = {"conformal_size": size_figure(report)}
    if report["results"] and report["results"][0]["coverage"] is not None:
        figures["conformal_coverage"] = coverage_figure(report)
    return figures


def _against_alpha(report: Report, key: str, title: str, label: str, ylabel: str
                   ) -> tuple[Any, Any, list[float]]:
    """A figure of ``key`` at each alpha (a blue line), its axes and the alphas drawn."""
    points = sorted((r["alpha"], r[key]) for r in report["results"] if r[key] is not None)
    alphas = [a for a, _ in points]
    fig, ax = new_axes(title)
    ax.plot(alphas, [v for _, v in points], color=BLUE, marker="o", linewidth=2, label=label)
    ax.set_xlabel("alpha (error rate)")
    ax.set_ylabel(ylabel)
    return fig, ax, alphas


@plain_text
def coverage_figure(report: Report) -> Any:
    """Test coverage at each alpha, against the target 1 - alpha."""
    fig, ax, alphas = _against_alpha(report, "coverage", "Coverage of the prediction sets",
                                     "test coverage",
                                     "share of test rows whose label is in their set")
    ax.plot(alphas, [1 - a for a in alphas], color=ORANGE, linestyle="--", linewidth=1.5,
            label="target 1 - alpha")
    ax.legend(loc="lower left", fontsize=9)
    style_axes(ax)
    return fig


@plain_text
def size_figure(report: Report) -> Any:
    """Mean set size at each alpha, with the share of empty sets."""
    fig, ax, _ = _against_alpha(report, "mean_size", "Size of the prediction sets",
                                "mean set size", "classes in a set (mean over test rows)")
    ax.axhline(1, color="#888888", linestyle=":", linewidth=1, label="one class")
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper right", fontsize=9)
    style_axes(ax)
    return fig


VIEW = CommandView(conformal_document, conformal_rows, conformal_figures)
