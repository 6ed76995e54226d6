"""The view of ``clfdiag rank``: its document, CSV rows and the critical-difference diagram."""

from __future__ import annotations

from typing import Any

from clfdiag.render import text as t
from clfdiag.render.command_view import CommandView, CsvRows, Report
from clfdiag.render.document import Document, Figure, Heading, Paragraph, Table, gates_and_notes
from clfdiag.render.plots import BLACK, BLUE, new_axes, plain, plain_text


def rank_document(report: Report) -> Document:
    """Average ranks (best first), the omnibus tests, Nemenyi's CD, pairs and folds."""
    doc = Document(f"clfdiag rank: {report['input']['path']}")
    b = doc.blocks
    ranks = report["average_ranks"]
    order = sorted(report["models"], key=lambda m: (ranks[m], report["models"].index(m)))
    cd = report["nemenyi"]["cd"]
    best = order[0]
    better = "higher" if report["higher_is_better"] else "lower"
    b += [Paragraph(f"{len(order)} models on {report['n_datasets']} dataset"
                    f"{'' if report['n_datasets'] == 1 else 's'} ({better} scores are "
                    f"better): {best} has the best average rank ({ranks[best]:.3f}); "
                    f"{_within(order, ranks, cd)}", "lead"),
          Heading("Average ranks (1 = best)"),
          Table(["model", "average rank", "behind the best", "beyond CD"],
                [[m, f"{ranks[m]:.3f}", f"{ranks[m] - ranks[best]:.3f}",
                  "yes" if ranks[m] - ranks[best] > cd else "no"] for m in order],
                strong=frozenset({(0, 1)})),
          Figure("critical_difference")]
    friedman, iman, nemenyi = report["friedman"], report["iman_davenport"], report["nemenyi"]
    b += [Heading("Tests of all the models at once"),
          Table(["test", "statistic", "df", "p-value"],
                [["Friedman χ²", t.fmt(friedman["statistic"]), str(friedman["df"]),
                  t.p_value(friedman["p"])],
                 ["Iman-Davenport F", t.fmt(iman["statistic"]),
                  f"{iman['df1']}, {iman['df2']}", t.p_value(iman["p"])]]),
          Paragraph(f"Nemenyi at alpha {nemenyi['alpha']:g}: q = {nemenyi['q']:.4f}, critical "
                    f"difference CD = {cd:.4f} in average rank.")]
    b += [Heading(f"Pairs: Wilcoxon signed-rank on the per-dataset scores "
                  f"({report['correction']})"),
          Table(["a", "b", "rank b − a", "statistic", "p", "p adjusted"],
                [[p["a"], p["b"], t.signed(ranks[p["b"]] - ranks[p["a"]], 3),
                  t.fmt(p["statistic"], 1), t.p_value(p["p"]), t.p_value(p["p_adjusted"])]
                 for p in report["pairwise"]], "llrrrr")]
    if report["corrected_t"]:
        b += [Heading("Corrected resampled t test per dataset (folds; b − a)"),
              Table(["dataset", "a", "b", "mean diff", "t", "df", "p"],
                    [[c["dataset"], c["a"], c["b"], t.signed(c["mean_diff"]), t.fmt(c["t"], 3),
                      str(c["df"]), t.p_value(c["p"])] for c in report["corrected_t"]],
                    "lllrrrr")]
    b += gates_and_notes(report)
    return doc


def _within(order: list[str], ranks: dict[str, float], cd: float) -> str:
    close = [m for m in order[1:] if ranks[m] - ranks[order[0]] <= cd]
    if not close:
        return f"every other model is more than CD = {cd:.3f} behind it (Nemenyi)."
    if len(close) == len(order) - 1:
        return f"no model is more than CD = {cd:.3f} behind it (Nemenyi)."
    return f"within CD = {cd:.3f} of it: {', '.join(close)} (Nemenyi)."


def rank_rows(report: Report) -> CsvRows:
    """``model,average_rank,<dataset>...``: one row per model, its score on every dataset."""
    datasets = report["datasets"]
    return [["model", "average_rank", *datasets],
            *([m, report["average_ranks"][m], *(report["scores"][d][m] for d in datasets)]
              for m in report["models"])]


def rank_figures(report: Report) -> dict[str, Any]:
    """The critical-difference diagram."""
    return {"critical_difference": critical_difference_figure(report)}


def cliques(names: list[str], ranks: list[float], cd: float) -> list[tuple[int, int]]:
    """Runs ``(first, last)`` of the models sorted by rank that lie within ``cd`` of each other.

    Only the maximal runs of two or more models: those that no longer run contains
    (Demsar 2006, figure 1: the bars joining models not significantly different).
    """
    found: list[tuple[int, int]] = []
    for i in range(len(names)):
        j = i
        while j + 1 < len(names) and ranks[j + 1] - ranks[i] <= cd:
            j += 1
        if j > i and not any(lo <= i and j <= hi for lo, hi in found):
            found.append((i, j))
    return found


@plain_text
def critical_difference_figure(report: Report) -> Any:
    """Models on an axis of average rank (1 = best, on the left), bars joining those within CD."""
    ranks = report["average_ranks"]
    names = sorted(report["models"], key=lambda m: (ranks[m], report["models"].index(m)))
    values = [ranks[m] for m in names]
    k, cd = len(names), report["nemenyi"]["cd"]
    fig, ax = new_axes(f"Critical difference (Nemenyi, alpha {report['nemenyi']['alpha']:g})")
    bars = cliques(names, values, cd)
    # Bars just under the axis, then one label line per model on each side.
    top = -0.5 - 0.25 * len(bars)
    half = (k + 1) // 2
    rows = max(half, k - half)
    ax.set_xlim(1 - 0.35 * k, k + 0.35 * k)
    ax.set_ylim(top - rows - 0.5, 2.0)
    ax.hlines(0, 1, k, color=BLACK, linewidth=1)
    for tick in range(1, k + 1):
        ax.vlines(tick, 0, 0.15, color=BLACK, linewidth=1)
        ax.text(tick, 0.3, str(tick), ha="center", va="bottom", fontsize=9)
    ax.hlines(1.3, 1, 1 + cd, color=BLUE, linewidth=2)
    ax.text(1 + cd / 2, 1.45, f"CD = {cd:.3f}", ha="center", va="bottom", fontsize=9,
            color=BLUE)
    for i, (name, rank) in enumerate(zip(names, values, strict=True)):
        left = i < half
        depth = top - (i if left else k - 1 - i)
        end = 0.9 if left else k + 0.1
        ax.plot([rank, rank, end], [0, depth, depth], color=BLACK, linewidth=0.8)
        ax.text(end + (-0.05 if left else 0.05), depth,
                f"{plain(name)} ({rank:.2f})" if left else f"({rank:.2f}) {plain(name)}",
                ha="right" if left else "left", va="center", fontsize=9)
    for n, (lo, hi) in enumerate(bars):
        y = -0.35 - 0.25 * n
        ax.hlines(y, values[lo] - 0.03, values[hi] + 0.03, color=BLUE, linewidth=4)
    ax.set_axis_off()
    return fig


VIEW = CommandView(rank_document, rank_rows, rank_figures)
