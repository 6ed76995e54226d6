"""Pictures of a report: ROC, PR, reliability, confidence, confusion, comparisons, trajectories.

Every figure is drawn from the report dict (the same numbers as the JSON), with
matplotlib's object API and the Agg backend, in the Okabe-Ito colour-blind-safe
palette. matplotlib is an optional dependency: ``pip install 'clfdiag[plot]'``.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable
from typing import Any, TypeVar, cast

from clfdiag.errors import ClfdiagError
from clfdiag.render.safe import visible

# Okabe & Ito (2008), "Color Universal Design": distinguishable with any colour vision.
BLUE, ORANGE, GREEN, VERMILION, PURPLE, SKY, YELLOW, BLACK = (
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
PALETTE = (BLUE, ORANGE, GREEN, VERMILION, PURPLE, SKY, YELLOW, BLACK)
GROUP_COLOURS = (GREEN, VERMILION, ORANGE, SKY, BLACK, PURPLE)
"""One colour a loss-change group, in the order of ``decomposition.groups``."""
Draw = TypeVar("Draw", bound=Callable[..., Any])
Shown = TypeVar("Shown")
"""What a figure shows: a report, or a section of one."""
SIZE = (6.4, 4.8)
DPI = 125  # 800 x 600 pixels


def require_matplotlib() -> None:
    """Fail with the fix when the optional plotting dependency is missing."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise ClfdiagError("plots need matplotlib, which is not installed",
                           "pip install 'clfdiag[plot]'") from None


def plain_text(draw: Draw) -> Draw:
    """Draw with text taken as written: class names, ids and file names are never TeX.

    matplotlib reads ``$...$`` as mathtext (a class named like a TeX fraction fails to
    draw) unless ``text.parse_math`` is off when each text is created, and tick
    labels are created only when the figure is saved: so both run under it.
    """

    @functools.wraps(draw)
    def run(*args: Any, **kwargs: Any) -> Any:
        require_matplotlib()
        import matplotlib

        with matplotlib.rc_context({"text.parse_math": False, "text.usetex": False}):
            return draw(*args, **kwargs)

    return cast(Draw, run)


def new_figure(title: str) -> Any:
    """An empty figure of the common size, with its title."""
    require_matplotlib()
    from matplotlib.figure import Figure

    fig = Figure(figsize=SIZE, dpi=DPI, layout="constrained")
    fig.suptitle(title, fontsize=12)
    return fig


def new_axes(title: str) -> tuple[Any, Any]:
    """:func:`new_figure` and the one axes that fills it."""
    fig = new_figure(title)
    return fig, fig.add_subplot()


def axes_figure(title: str) -> Callable[[Callable[[Any, Shown], None]], Callable[[Shown], Any]]:
    """Make ``draw(ax, shown)`` a figure function ``f(shown) -> figure`` of one axes.

    The figure is :func:`new_axes` titled ``title``; ``draw`` fills its axes (the
    figure is ``ax.figure``) and runs under :func:`plain_text`, as does every figure.
    """

    def make(draw: Callable[[Any, Shown], None]) -> Callable[[Shown], Any]:
        @plain_text
        @functools.wraps(draw)
        def figure(shown: Shown) -> Any:
            fig, ax = new_axes(title)
            draw(ax, shown)
            return fig

        return figure

    return make


def plain(text: str) -> str:
    """Text from a file with its control characters made visible.

    ``$`` needs no escape: every figure is drawn with mathtext off (:func:`plain_text`).
    """
    return visible(text)


def style_axes(ax: Any) -> None:
    """The common look of an axes: a light grid behind the data, no top or right spine."""
    ax.grid(True, color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def confidence_axes(ax: Any, ylabel: str) -> None:
    """Labels, [0, 1] limits, legend and style of a distribution over the confidence."""
    ax.set_xlabel("confidence (probability of the predicted class)")
    ax.set_ylabel(ylabel)
    ax.set_xlim(0, 1)
    ax.legend(loc="upper left", fontsize=9)
    style_axes(ax)


def rate_axes(ax: Any, xlabel: str, ylabel: str, legend: str) -> None:
    """Labels, [0, 1] limits, legend and style of a curve between two rates."""
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.01)
    ax.legend(loc=legend, fontsize=9)
    style_axes(ax)


@plain_text
def reliability_figure(series: list[tuple[str, list[dict[str, Any]], str]],
                       ece: float | None, title: str | None = None) -> Any:
    """Accuracy per confidence bin against the diagonal, with the count per bin below."""
    fig = new_figure(title or (f"Reliability diagram (ECE {ece:.4f})" if ece is not None
                            else "Reliability diagram"))
    grid = fig.add_gridspec(2, 1, height_ratios=(3, 1))
    ax = fig.add_subplot(grid[0])
    counts = fig.add_subplot(grid[1], sharex=ax)
    ax.plot([0, 1], [0, 1], color="#888888", linestyle="--", linewidth=1,
            label="perfectly calibrated")
    width = 1.0 / max(1, len(series[0][1]))
    for k, (name, bins, colour) in enumerate(series):
        used = [b for b in bins if b["count"]]
        ax.plot([b["confidence"] for b in used], [b["accuracy"] for b in used], "o-",
                color=colour, label=name or "model")
        offset = (k - (len(series) - 1) / 2) * width / max(1, len(series))
        counts.bar([(b["lower"] + b["upper"]) / 2 + offset for b in bins],
                   [b["count"] for b in bins], width=width / max(1, len(series)) * 0.9,
                   color=colour, alpha=0.8)
    ax.set_ylabel("accuracy in bin")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.01)
    ax.legend(loc="upper left", fontsize=9)
    counts.set_xlabel("confidence (probability of the predicted class)")
    counts.set_ylabel("examples")
    style_axes(ax)
    style_axes(counts)
    return fig


VIEW_AXES = {
    "positive_class": ("predicted probability of the positive class", "observed frequency of "
                       "the positive class"),
    "top_label": ("confidence (probability of the predicted class)", "accuracy in bin"),
}


@plain_text
def interval_reliability_figure(series: list[tuple[str, dict[str, Any], str]],
                                title: str) -> Any:
    """Observed frequency against mean score per bin, with Wilson 95% intervals, over [0, 1].

    ``series`` holds (name, reliability dict of the report, colour); the counts
    per bin are drawn below.
    """
    fig = new_figure(title)
    grid = fig.add_gridspec(2, 1, height_ratios=(3, 1))
    ax = fig.add_subplot(grid[0])
    counts = fig.add_subplot(grid[1], sharex=ax)
    ax.plot([0, 1], [0, 1], color="#888888", linestyle="--", linewidth=1,
            label="perfectly calibrated")
    first = series[0][1]
    width = 1.0 / max(1, len(first["bins"]))
    for k, (name, reliability, colour) in enumerate(series):
        used = [b for b in reliability["bins"] if b["count"]]
        x = [b["mean_score"] for b in used]
        y = [b["observed"] for b in used]
        # The Wilson bounds can miss 0 or 1 by a rounding error, which matplotlib refuses.
        below = [max(0.0, b["observed"] - b["interval"][0]) for b in used]
        above = [max(0.0, b["interval"][1] - b["observed"]) for b in used]
        ax.errorbar(x, y, yerr=[below, above], fmt="o-", color=colour, capsize=3,
                    linewidth=1.5, label=plain(name))
        offset = (k - (len(series) - 1) / 2) * width / max(1, len(series))
        counts.bar([(b["lower"] + b["upper"]) / 2 + offset for b in reliability["bins"]],
                   [b["count"] for b in reliability["bins"]],
                   width=width / max(1, len(series)) * 0.9, color=colour, alpha=0.8)
    xlabel, ylabel = VIEW_AXES.get(first["view"], ("score", "observed"))
    ax.set_ylabel(ylabel + " (95% Wilson)", fontsize=9)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.01)
    ax.legend(loc="upper left", fontsize=9)
    counts.set_xlabel(xlabel)
    counts.set_ylabel("examples")
    style_axes(ax)
    style_axes(counts)
    return fig


@axes_figure("Risk-coverage curve")
def risk_coverage_figure(ax: Any, section: dict[str, Any]) -> None:
    """Selective risk (error rate among the kept) against coverage (share kept)."""
    curve = section["curve"]
    ax.plot(curve["coverage"], curve["risk"], color=BLUE, linewidth=2,
            label=f"selective risk (AURC {section['aurc']:.4f})")
    ax.plot(curve["coverage"], curve["generalized_risk"], color=ORANGE, linewidth=1.5,
            linestyle="--", label=f"errors / all examples (AUGRC {section['augrc']:.4f})")
    ax.set_xlabel("coverage (share of examples kept, most confident first)")
    ax.set_ylabel("risk (error rate)")
    ax.set_xlim(0, 1)
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper left", fontsize=9)
    style_axes(ax)


@plain_text
def figure_files(figs: dict[str, Any]) -> dict[str, bytes]:
    """Each figure as a PNG and an SVG file: file name -> content."""
    files = {}
    for name, fig in figs.items():
        for ext in ("png", "svg"):
            buffer = io.BytesIO()
            fig.savefig(buffer, format=ext, dpi=DPI)
            files[f"{name}.{ext}"] = buffer.getvalue()
    return files


@plain_text
def svg_text(fig: Any) -> str:
    """A figure as an inline SVG element (text drawn as paths: no fonts to fetch)."""
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", dpi=DPI)
    text = buffer.getvalue()
    return text[text.index("<svg"):]


