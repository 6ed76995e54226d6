"""The view of ``clfdiag threshold``: its document, CSV rows and figures."""

from __future__ import annotations

from typing import Any

from clfdiag.render import text as t
from clfdiag.render.command_view import CommandView, CsvRows, Report
from clfdiag.render.document import Document, Figure, Heading, Paragraph, Table, gates_and_notes
from clfdiag.render.plots import (
    BLACK,
    BLUE,
    GROUP_COLOURS,
    ORANGE,
    VERMILION,
    axes_figure,
    new_axes,
    plain,
    rate_axes,
    style_axes,
)

POINT_ROWS = (("threshold", "threshold"), ("midpoint (pROC)", "midpoint"),
              ("TP / FP / TN / FN", None), ("recall (sensitivity)", "recall"),
              ("specificity", "specificity"), ("precision", "precision"), ("NPV", "npv"),
              ("F1", "f1"), ("MCC", "mcc"), ("LR+", "lr_positive"), ("LR-", "lr_negative"),
              ("expected cost", "cost"))


def _cell(point: dict[str, Any] | None, key: str | None) -> str:
    if point is None:
        return "—"
    if key is None:
        return " / ".join(t.fmt(point[k]) for k in ("tp", "fp", "tn", "fn"))
    return t.fmt(point.get(key))


def _lead(report: dict[str, Any]) -> str:
    inp = report["input"]
    line = (f"{inp['path']}: {inp['used']:,} examples, {report['task']}")
    if report["task"] == "binary":
        line += f", positive class {report['positive_class']!r}"
    return line


def _choice(report: dict[str, Any]) -> str:
    best = report["best"]
    limits = [f"{k.replace('_', ' ')} {v:g}" for k, v in report["constraints"].items()
              if v is not None]
    subject = f" subject to {', '.join(limits)}" if limits else ""
    if best is None:
        why = report["undefined"].get("best", "undefined")
        return f"No threshold by {report['criterion']}{subject}: {why}."
    costs = report["costs"]
    cost = ""
    if report["criterion"] == "cost":
        cost = (f" (false positive {costs['cost_fp']:g}, false negative {costs['cost_fn']:g}"
                + (f", prevalence {costs['prevalence']:g}" if costs["prevalence"] else "")
                + ")")
    return (f"Best {report['criterion']}{cost}{subject}: {t.fmt(best['value'])} at threshold "
            f"{best['threshold']:g} (positive iff score >= threshold; midpoint "
            f"{t.fmt(best['midpoint'])}); "
            f"{best['ties_count']} tied threshold(s), chosen: {best['tie_break']}.")


def threshold_document(report: dict[str, Any]) -> Document:
    """The chosen point beside the current one, every criterion, the honest estimates."""
    doc = Document(f"clfdiag threshold: {report['input']['path']}")
    b = doc.blocks
    b += [Paragraph(_lead(report), "lead"), Paragraph(t.columns_line(report), "quiet")]
    if report["task"] == "multiclass":
        _bayes(report, b)
        b += gates_and_notes(report)
        return doc
    b.append(Paragraph(_choice(report), "strong" if report["best"] else "alert"))
    current = report["current"]
    header = ["", "chosen"]
    if current is not None:
        header.append(f"current ({current['threshold']:g})")
    b += [Heading("Operating point"),
          Table(header, [[label, _cell(report["best"], key),
                          *([_cell(current, key)] if current is not None else [])]
                         for label, key in POINT_ROWS]),
          Figure("roc")]
    b += [Heading("Every criterion (each at its own best threshold)"),
          Table(["criterion", "value", "threshold", "recall", "specificity", "ties"],
                [[c["criterion"], t.fmt(c["value"]), t.fmt(c["threshold"]),
                  t.fmt(c.get("recall")),
                  t.fmt(c.get("specificity")),
                  t.fmt(c.get("ties_count")) if c["threshold"] is not None
                  else c.get("reason", "")] for c in report["criteria"]]),
          Figure("criterion")]
    cross = report["cross_fitted"]
    if cross is not None:
        b += [Heading(f"Cross-fitted ({cross['folds']} folds, seed {cross['seed']})"),
              Table(["", "in-sample", "cross-fitted"],
                    [[report["criterion"], t.fmt(cross["in_sample_value"]),
                      t.fmt(cross["value"])],
                     *([label, _cell(report["best"], key), _cell(cross, key)]
                       for label, key in POINT_ROWS[2:])])]
    elif "cross_fitted" in report["undefined"]:
        b.append(Paragraph(f"cross-fitting: {report['undefined']['cross_fitted']}", "quiet"))
    boot = report["bootstrap"]
    if boot is not None:
        level = f"{100 * boot['confidence']:g}%"
        b += [Heading(f"Bootstrap {level} intervals ({boot['resamples']} stratified "
                      f"resamples, seed {boot['seed']})"),
              Table(["", "lower", "upper"],
                    [[name, *(t.fmt(v) for v in (boot[name] or [None, None]))]
                     for name in ("threshold", "value", "recall", "specificity",
                                  "precision", "npv", "f1", "mcc", "cost")])]
        if boot["infeasible"]:
            b.append(Paragraph(f"{boot['infeasible']} resamples had no feasible threshold",
                               "alert"))
    curve = report["decision_curve"]
    if curve is not None:
        b += [Heading("Decision curve (net benefit)"),
              Table(["risk threshold", "model", "treat all", "treat none",
                     "interventions avoided"],
                    [[t.fmt(pt), t.fmt(m), t.fmt(a), t.fmt(z), t.fmt(x)]
                     for pt, m, a, z, x in _few(curve)]),
              Figure("decision_curve")]
    if report["groups"]:
        b += [Heading(f"By {report['groups'][0]['column']}"),
              Table(["group", "n", "positives", "threshold", "value", "recall",
                     "specificity"],
                    [[g["group"], t.fmt(g["n"]), t.fmt(g["positives"]),
                      *((t.fmt(g["best"][k]) for k in ("threshold", "value", "recall",
                                                        "specificity"))
                        if g["best"] else [g.get("reason", ""), "", "", ""])]
                     for g in report["groups"]])]
    b += gates_and_notes(report)
    return doc


def _few(curve: dict[str, Any]) -> list[tuple[Any, ...]]:
    """At most 10 evenly spaced rows of the decision curve (the JSON has every one)."""
    rows = list(zip(curve["risk_threshold"], curve["model"], curve["treat_all"],
                    curve["treat_none"], curve["net_interventions_avoided"], strict=True))
    if len(rows) <= 10:
        return rows
    step = (len(rows) - 1) / 9
    return [rows[round(i * step)] for i in range(10)]


def _bayes(report: dict[str, Any], b: list[Any]) -> None:
    d = report["bayes_decision"]
    classes = d["classes"]
    b.append(Paragraph(
        f"Bayes decision (least expected cost): mean cost {t.fmt(d['bayes']['mean_cost'])} "
        f"against {t.fmt(d['argmax']['mean_cost'])} for the most probable class; "
        f"{d['changed']:,} of {d['n']:,} decisions change.", "strong"))
    for title, key in (("Bayes decision", "bayes"), ("Most probable class", "argmax")):
        b += [Heading(f"{title}: confusion matrix (rows: actual, columns: predicted)"),
              Table(["actual \\ pred", *classes],
                    [[label, *(t.fmt(v) for v in row)] for label, row in
                     zip(classes, d[key]["confusion_matrix"], strict=True)])]


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


def threshold_figures(report: dict[str, Any]) -> dict[str, Any]:
    """ROC with the chosen and current points, the criterion against the threshold, the DCA."""
    out = {}
    if report.get("roc"):
        out["roc"] = threshold_roc_figure(report)
    if report.get("criterion_curve"):
        out["criterion"] = criterion_figure(report)
    if report.get("decision_curve"):
        out["decision_curve"] = decision_curve_figure(report)
    return out


@axes_figure("ROC curve and operating points")
def threshold_roc_figure(ax: Any, report: dict[str, Any]) -> None:
    """The ROC curve with the chosen operating point (and each group's) and the current one."""
    ax.plot(report["roc"]["fpr"], report["roc"]["tpr"], color=BLUE, linewidth=2, label="model")
    ax.plot([0, 1], [0, 1], color="#888888", linestyle="--", linewidth=1, label="chance")
    points = [(f"best {report['criterion']} (t = {report['best']['threshold']:.4g})",
               report["best"], VERMILION, "o")] if report.get("best") else []
    if report.get("current") and report["current"].get("specificity") is not None:
        points.append((f"current (t = {report['current']['threshold']:.4g})",
                       report["current"], BLACK, "s"))
    for i, g in enumerate((report.get("groups") or [])[:len(GROUP_COLOURS)]):
        if g["best"] is not None:
            points.append((f"{plain(str(g['group']))} (t = {g['best']['threshold']:.4g})",
                           g["best"], GROUP_COLOURS[i], "^"))
    for label, point, colour, marker in points:
        if point.get("specificity") is not None and point.get("recall") is not None:
            ax.plot([1 - point["specificity"]], [point["recall"]], marker, color=colour,
                    markersize=8, label=label)
    rate_axes(ax, "false positive rate (1 − specificity)", "true positive rate (recall)",
               "lower right")


def criterion_figure(report: dict[str, Any]) -> Any:
    """The criterion (or expected cost) at each threshold, the bootstrap band if computed."""
    curve = report["criterion_curve"]
    name = plain(curve["criterion"])
    label = "expected cost" if curve["criterion"] == "cost" else name
    fig, ax = new_axes(f"{label} against the threshold (rule: score >= threshold)")
    x = list(curve["threshold"])
    y = [float("nan") if v is None else v for v in curve["value"]]
    ax.plot(x, y, color=BLUE, linewidth=2, label=label)
    if curve.get("lower") is not None:
        lo = [float("nan") if v is None else v for v in curve["lower"]]
        hi = [float("nan") if v is None else v for v in curve["upper"]]
        ax.fill_between(x, lo, hi, color=BLUE, alpha=0.2, linewidth=0,
                        label=f"bootstrap 95% band ({curve['band_resamples']} resamples)")
    if report.get("best"):
        ax.axvline(report["best"]["threshold"], color=VERMILION, linestyle=":",
                   label=f"chosen {report['best']['threshold']:.4g}")
    ax.set_xlabel("threshold")
    ax.set_ylabel(label)
    ax.legend(fontsize=9)
    style_axes(ax)
    return fig


@axes_figure("Decision curve")
def decision_curve_figure(ax: Any, report: dict[str, Any]) -> None:
    """Net benefit of the model, treat all and treat none (Vickers & Elkin 2006)."""
    curve = report["decision_curve"]
    pt = curve["risk_threshold"]
    for key, label, colour in (("model", "model", BLUE), ("treat_all", "treat all", ORANGE),
                               ("treat_none", "treat none", BLACK)):
        ax.plot(pt, [float("nan") if v is None else v for v in curve[key]], color=colour,
                linewidth=2 if key == "model" else 1, label=label)
    ax.set_ylim(min(-0.05, -0.1 * curve["prevalence"]), max(curve["prevalence"], 0.01) * 1.1)
    ax.set_xlabel("risk threshold")
    ax.set_ylabel("net benefit")
    ax.legend(fontsize=9)
    style_axes(ax)


VIEW = CommandView(threshold_document, threshold_rows, threshold_figures)
