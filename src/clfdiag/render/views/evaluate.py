"""The view of ``clfdiag evaluate``: its document, CSV rows and figures."""

from __future__ import annotations

from typing import Any

from clfdiag.render import text as t
from clfdiag.render.command_view import CommandView, CsvRows, Report
from clfdiag.render.document import Document, Figure, Heading, Paragraph, Table, gates_and_notes
from clfdiag.render.plots import (
    BLUE,
    ORANGE,
    PALETTE,
    SIZE,
    VERMILION,
    axes_figure,
    confidence_axes,
    interval_reliability_figure,
    new_axes,
    new_figure,
    plain,
    plain_text,
    rate_axes,
    reliability_figure,
    risk_coverage_figure,
    style_axes,
)
from clfdiag.render.selective import selective_blocks
from clfdiag.render.views import multilabel


def evaluation_document(report: dict[str, Any]) -> Document:
    """Summary, confusion matrix, per-class table, calibration and overconfident errors."""
    if report["task"] == "multilabel":
        return multilabel.evaluation_document(report)
    doc = Document(f"clfdiag evaluate: {report['input']['path']}")
    b = doc.blocks
    b += [Paragraph(t.headline(report), "lead"), Paragraph(t.columns_line(report), "quiet")]
    dropped = t.dropped_line(report)
    if dropped:
        b.append(Paragraph(dropped, "alert"))
    b += [Heading("Summary"),
          Table(["metric", "value", "note"],
                [[t.metric_label(report, k), t.fmt(v), t.metric_note(report, k)]
                 for k, v in report["metrics"].items()], "lrl")]
    if report["task"] == "binary":
        b += [Figure("roc"), Figure("pr")]
    else:
        b.append(Figure("roc_per_class"))
    labels = report["confusion_matrix"]["labels"]
    if not report["confusion_matrix"]["matrix"]:
        b += [Heading("Confusion matrix"),
              Paragraph("none: real-valued scores decide only at a --threshold", "quiet")]
    elif len(labels) <= t.MAX_MATRIX_CLASSES:
        b += [Heading("Confusion matrix (rows: actual, columns: predicted)"),
              Table(["actual \\ pred", *labels],
                    [[label, *(t.fmt(v) for v in row)] for label, row in
                     zip(labels, report["confusion_matrix"]["matrix"], strict=True)])]
    else:
        b += [Heading("Most frequent confusions"),
              Table(["actual", "predicted", "count"],
                    [[a, p, t.fmt(c)] for a, p, c in t.top_confusions(report)], "llr")]
    b.append(Figure("confusion"))
    if report["task"] == "multiclass":
        rows, left_out = t.class_rows(report)
        title = "Per class (one-vs-rest)"
        if left_out:
            title += f": the {len(rows)} lowest F1 of {len(report['per_class'])}"
        b += [Heading(title),
              Table(["class", "support", "precision", "recall", "F1", "ROC AUC"],
                    [[r["class"], t.fmt(r["support"]), t.fmt(r["precision"]),
                      t.fmt(r["recall"]), t.fmt(r["f1"]), t.fmt(r["roc_auc"])] for r in rows])]
    cal = report["calibration"]
    b += [Heading(f"Calibration (top-label): ECE {t.fmt(cal['ece'])}, MCE {t.fmt(cal['mce'])}"),
          Table(["confidence bin", "count", "mean conf.", "accuracy", "gap"],
                [[f"({x['lower']:.3f}, {x['upper']:.3f}]", t.fmt(x["count"]),
                  t.fmt(x["confidence"]), t.fmt(x["accuracy"]), t.signed(gap)]
                 for x, gap in zip(cal["bins"], cal["gap"], strict=True) if x["count"]])]
    b += [Paragraph(line, "quiet") for line in t.estimator_lines(report)]
    b.append(Figure("reliability"))
    b += calibration_test_blocks(report.get("calibration_tests"))
    top = report["overconfident_errors"]["top"]
    b += [Heading("Overconfident errors, most confident first" if top
                  else "Overconfident errors"),
          Paragraph(t.overconfidence_line(report))]
    if top:
        b.append(Table(["row", "id", "label", "predicted", "confidence", "loss"],
                       [[str(e["row"]), e["id"] or "", e["label"], e["predicted"],
                         t.fmt_probability(e["confidence"]), t.fmt(e["loss"])] for e in top],
                       "llllrr"))
    b += _likely_label_issues(report)
    b.append(Figure("confidence"))
    b += selective_blocks(report.get("selective"), "Selective prediction: abstaining on the "
                          "least confident")
    if report.get("slices"):
        b += _slices(report)
    for entry in report.get("fairness") or []:
        b += _fairness(entry)
    b += gates_and_notes(report)
    return doc


def calibration_test_blocks(tests: dict[str, Any] | None) -> list[Any]:
    """The "Calibration" panel: one line a test and a plain verdict (binary), one row a class."""
    if tests is None:
        return []
    if "per_class" in tests:
        rows = [[name, t.fmt(c["calibration_intercept"]), t.fmt(c["calibration_slope"]),
                 t.fmt(c["calibration_in_the_large"]),
                 t.fmt(None if c["hosmer_lemeshow"] is None else c["hosmer_lemeshow"]["p"]),
                 t.fmt(None if c["decomposition"] is None
                       else c["decomposition"]["log_loss"]["miscalibration"])]
                for name, c in tests["per_class"].items()]
        return [Heading("Calibration (one-vs-rest)"),
                Table(["class", "intercept", "slope", "in the large", "HL p",
                       "MCB (log loss)"], rows, "lrrrrr")]
    s, u, hl = tests["spiegelhalter"], tests["unreliability"], tests["hosmer_lemeshow"]
    d = tests["decomposition"]
    lines = [
        ["calibration slope", t.fmt(tests["calibration_slope"]),
         "1 when p is as spread as it should be"],
        ["calibration intercept", t.fmt(tests["calibration_intercept"]),
         "fitted jointly with the slope"],
        ["calibration in the large", t.fmt(tests["calibration_in_the_large"]),
         "" if tests["calibration_in_the_large_se"] is None
         else f"se {t.fmt(tests['calibration_in_the_large_se'])}"],
        ["Spiegelhalter z", t.fmt(None if s is None else s["z"]),
         "" if s is None else f"p {t.p_value(s['p'])}"],
        ["unreliability U", t.fmt(None if u is None else u["u"]),
         "" if u is None else f"chi2 {t.fmt(u['chi2'])}, 2 df, p {t.p_value(u['p'])}"],
        [f"Hosmer-Lemeshow ({'—' if hl is None else hl['method']})",
         t.fmt(None if hl is None else hl["statistic"]),
         "" if hl is None else f"{hl['groups']} groups, {hl['df']} df, p {t.p_value(hl['p'])}"],
        ["discrimination D, quality Q", t.fmt(tests["discrimination_index"]),
         f"Q {t.fmt(tests['quality_index'])}, R2 {t.fmt(tests['r2_nagelkerke'])}, "
         f"Dxy {t.fmt(tests['dxy'])}"],
        ["E_avg, E_90, E_max", t.fmt(tests["e_avg"]),
         f"{t.fmt(tests['e_90'])}, {t.fmt(tests['e_max'])}"],
    ]
    if d is not None:
        ll = d["log_loss"]
        lines.append(["log loss = MCB - DSC + UNC", t.fmt(ll["score"]),
                      f"{t.fmt(ll['miscalibration'])} - {t.fmt(ll['discrimination'])} + "
                      f"{t.fmt(ll['uncertainty'])}"])
    return [Heading("Calibration"), Table(["test", "value", "note"], lines, "lrl"),
            Paragraph(calibration_verdict(tests))]


def calibration_verdict(tests: dict[str, Any]) -> str:
    """A plain reading of the calibration slope and the calibration in the large.

    The slope says how spread the probabilities are (below 1: too extreme, above:
    too moderate; within 0.1 of 1: about right); the calibration in the large, the
    observed log-odds minus the predicted ones on average (negative: p too high),
    counts as a bias only beyond two standard errors.
    """
    parts = []
    slope = tests["calibration_slope"]
    if slope is not None:
        if slope < 0.7:
            parts.append(f"slope {slope:.2f}: far too extreme")
        elif slope < 0.9:
            parts.append(f"slope {slope:.2f}: too extreme")
        elif slope > 1.3:
            parts.append(f"slope {slope:.2f}: far too moderate")
        elif slope > 1.1:
            parts.append(f"slope {slope:.2f}: too moderate")
        else:
            parts.append(f"slope {slope:.2f}: spread about right")
    citl, se = tests["calibration_in_the_large"], tests["calibration_in_the_large_se"]
    if citl is not None and se is not None:
        if abs(citl) <= 2 * se:
            parts.append(f"calibration in the large {citl:.2f}: no bias on average "
                         "(within two standard errors)")
        else:
            side = "too high" if citl < 0 else "too low"
            parts.append(f"calibration in the large {citl:.2f}: predicts {side} on average")
    return "; ".join(parts) if parts else "no verdict: the calibration fits are undefined"


def _likely_label_issues(report: dict[str, Any]) -> list[Any]:
    """How many overconfident errors confident learning flags, and the command listing them."""
    over = report["overconfident_errors"]
    flagged = over.get("likely_label_issues")
    if flagged is None or not over["count"]:
        return []
    path = report["input"]["path"]
    return [Paragraph(f"{flagged:,} of these {over['count']:,} errors are flagged as likely "
                      "label issues (the label, not the model, is probably wrong); "
                      f"clfdiag label-issues {path} ranks them among every flagged example "
                      "(--top sets how many it lists)", "quiet")]


def _slices(report: dict[str, Any]) -> list[Any]:
    """Each group's metrics and interval, its size and its test against the rest."""
    test = report["slice_test"]
    metric = test["metric"]
    slices = report["slices"]
    below = [s["group"] for s in slices if s["below_rest"]]
    lead = (f"{test['metric']} of each group against the rest: {test['test']}, one-sided, "
            f"Holm-adjusted over the groups of at least {test['min_group']} examples, "
            f"alpha {test['alpha']:g}. ")
    lead += (f"Below the rest: {', '.join(below)}." if below
             else "No group is significantly below the rest.")
    marked = frozenset(i for i, s in enumerate(slices) if s["below_rest"])
    rows = []
    for s in slices:
        interval = s["intervals"].get(metric)
        rows.append([s["group"], t.fmt(s["n"]), t.fmt(s["metrics"].get(metric)),
                     "" if interval is None else f"{t.fmt(interval[0])}–{t.fmt(interval[1])}",
                     "not tested" if s["p_value"] is None else t.p_value(s["p_value"]),
                     "yes" if s["below_rest"] else ""])
    return [Heading(f"Slices by {slices[0]['column']}"),
            Paragraph(lead),
            Table([slices[0]["column"], "n", metric, "95% interval", "Holm p", "below rest"],
                  rows, "lrrrrl", marked=marked),
            Figure("slices")]


FAIRNESS_RATES = ("selection_rate", "tpr", "fpr", "precision", "accuracy")
"""The rates of the terminal's fairness table (the JSON holds FNR and TNR too)."""


def _fairness(entry: dict[str, Any]) -> list[Any]:
    """Each group's rates (the group farthest from the others marked) and the disparities."""
    column = " × ".join(entry["columns"])
    groups = entry["groups"]
    dp, eo = entry["demographic_parity_difference"], entry["equalized_odds_difference"]
    rates = [g["selection_rate"] for g in groups if g["selection_rate"] is not None]
    marked: frozenset[int] = frozenset()
    if len(rates) >= 2:
        # The worst-off group by selection rate, as the demographic parity gap is measured.
        low = min(range(len(groups)), key=lambda i: (groups[i]["selection_rate"] is None,
                                                     groups[i]["selection_rate"] or 0.0))
        marked = frozenset({low})
    rows = [[g["group"], t.fmt(g["count"]), *(t.fmt(g[r]) for r in FAIRNESS_RATES)]
            for g in groups]
    rows.append(["overall", t.fmt(entry["overall"]["count"]),
                 *(t.fmt(entry["overall"][r]) for r in FAIRNESS_RATES)])
    reference = entry["reference"].replace("_", " ")
    sentence = (f"Selection rates differ by {t.fmt(dp)} (demographic parity difference, "
                f"{reference}); true and false positive rates by up to {t.fmt(eo)} "
                f"(equalized odds difference, {entry['aggregation'].replace('_', ' ')}). ")
    smallest = entry["smallest_group"]
    if smallest is not None and smallest["count"] < 100:
        sentence += (f"The smallest group ({smallest['group']}) has {smallest['count']} rows: "
                     "a gap between small groups is mostly noise; see the intervals.")
    disparities = []
    intervals = entry.get("intervals") or {}
    for name in ("demographic_parity_difference", "demographic_parity_ratio",
                 "equalized_odds_difference", "equalized_odds_ratio",
                 "equal_opportunity_difference", "equal_opportunity_ratio"):
        ci = intervals.get(name)
        disparities.append([name.replace("_", " "), t.fmt(entry[name]),
                            "" if ci is None else f"{t.fmt(ci[0])}–{t.fmt(ci[1])}",
                            entry["undefined"].get(name, "")])
    return [Heading(f"Fairness by {column}"),
            Paragraph(sentence),
            Table([column, "n", "selection", "TPR", "FPR", "precision", "accuracy"], rows,
                  "lrrrrrr", marked=marked, total=True),
            Table(["disparity", "value", "95% interval", "undefined because"], disparities,
                  "lrrl")]


def evaluation_rows(report: Report) -> CsvRows:
    """``metric,value,ci_lower,ci_upper,note``: one row per metric."""
    if report["task"] == "multilabel":
        return multilabel.evaluation_rows(report)
    intervals = {"roc_auc": report.get("roc_auc_ci"), "accuracy": report.get("accuracy_ci")}
    rows: CsvRows = [["metric", "value", "ci_lower", "ci_upper", "note"]]
    for name, value in report["metrics"].items():
        ci = intervals.get(name) or (None, None)
        rows.append([name, value, ci[0], ci[1], report["undefined"].get(name, "")])
    return rows


@plain_text
def evaluation_figures(report: dict[str, Any]) -> dict[str, Any]:
    """ROC and PR (binary) or one-vs-rest ROC (multiclass), reliability, confidence, confusion."""
    if report["task"] == "multilabel":
        return multilabel.figures(report)
    out = {}
    if report["task"] == "binary" and report["curves"]:
        if "roc" in report["curves"]:
            out["roc"] = roc_figure(report)
        out["pr"] = pr_figure(report)
    if report["task"] == "multiclass" and report.get("class_roc"):
        out["roc_per_class"] = class_roc_figure(report)
    positive = report.get("reliability_positive_class")
    if positive:
        ece = report["metrics"].get("ece_positive_class")
        out["reliability"] = interval_reliability_figure(
            [("model", positive, BLUE)],
            "Reliability diagram, positive class" + (f" (ECE {ece:.4f})" if ece is not None
                                                     else ""))
    elif report["calibration"]["bins"]:  # hard predictions have no confidence
        out["reliability"] = reliability_figure(
            [("", report["calibration"]["bins"], BLUE)], report["calibration"]["ece"])
    if report["calibration"]["bins"]:
        out["confidence"] = confidence_figure(report)
    if report.get("selective") and report["selective"]["aurc"] is not None:
        out["risk_coverage"] = risk_coverage_figure(report["selective"])
    if report["confusion_matrix"]["matrix"]:  # scores without a threshold decide nothing
        out["confusion"] = confusion_figure(report)
    if report.get("slices"):
        out["slices"] = forest_figure(report)
    return out


FOREST_GROUPS = 40
"""Groups drawn in the forest plot: the largest ones, when there are more."""


def forest_figure(report: dict[str, Any]) -> Any:
    """Each group's tested metric with its 95% interval, the whole's value as a line.

    Groups significantly below the rest are drawn in vermilion.
    """
    metric = report["slice_test"]["metric"]
    slices = sorted(report["slices"], key=lambda s: -s["n"])[:FOREST_GROUPS][::-1]
    fig = _figure_for_rows(plain(f"{metric} by {report['slices'][0]['column']}"), len(slices))
    ax = fig.add_subplot()
    for i, s in enumerate(slices):
        value = s["metrics"].get(metric)
        colour = VERMILION if s["below_rest"] else BLUE
        interval = s["intervals"].get(metric)
        if interval is not None:
            ax.plot(interval, [i, i], color=colour, linewidth=2)
        if value is not None:
            ax.plot([value], [i], "o", color=colour, markersize=5)
    whole = report["metrics"].get(metric)
    if whole is not None:
        ax.axvline(whole, color="#888888", linestyle="--", linewidth=1, label="all rows")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, 1.0), frameon=False)
    ax.set_ylim(-0.6, len(slices) - 0.4 + 0.6)
    ax.set_yticks(range(len(slices)),
                  [plain(f"{s['group']} (n={s['n']})") for s in slices])
    ax.set_xlabel(f"{metric} (95% interval; vermilion: below the rest, Holm)")
    style_axes(ax)
    return fig


def _figure_for_rows(title: str, rows: int) -> Any:
    """A figure tall enough for ``rows`` labelled rows."""
    fig = new_figure(title)
    fig.set_size_inches(SIZE[0], max(SIZE[1], 0.25 * rows + 1.5))
    return fig


@axes_figure("ROC curve")
def roc_figure(ax: Any, report: dict[str, Any]) -> None:
    """ROC curve with the AUC (and its CI) in the legend, chance, and the operating point."""
    m = report["metrics"]
    roc = report["curves"]["roc"]
    label = f"model (AUC {m['roc_auc']:.3f}"
    if report.get("roc_auc_ci"):
        lo, hi = report["roc_auc_ci"]
        label += f", 95% CI {lo:.3f}–{hi:.3f}"
    ax.plot(roc["fpr"], roc["tpr"], color=BLUE, linewidth=2, label=label + ")")
    ax.plot([0, 1], [0, 1], color="#888888", linestyle="--", linewidth=1, label="chance")
    if m.get("recall") is not None and m.get("specificity") is not None:
        ax.plot([1 - m["specificity"]], [m["recall"]], "o", color=VERMILION, markersize=8,
                label=f"threshold {report['threshold']:g}")
    rate_axes(ax, "false positive rate (1 − specificity)", "true positive rate (recall)",
               "lower right")


@axes_figure("Precision-recall curve")
def pr_figure(ax: Any, report: dict[str, Any]) -> None:
    """Precision-recall curve with the prevalence baseline."""
    m = report["metrics"]
    pr = report["curves"]["pr"]
    ax.step(pr["recall"], pr["precision"], where="post", color=BLUE, linewidth=2,
            label=f"model (average precision {m['pr_auc']:.3f})")
    ax.axhline(m["prevalence"], color="#888888", linestyle="--", linewidth=1,
               label=f"prevalence {m['prevalence']:.3f} (chance)")
    rate_axes(ax, "recall", "precision", "lower left")


@plain_text
def class_roc_figure(report: dict[str, Any]) -> Any:
    """One-vs-rest ROC per class; with many classes, the lowest-AUC ones only."""
    curves = report["class_roc"]
    shown = len(curves)
    total = len(report["classes"])
    title = ("One-vs-rest ROC per class" if shown == total
             else f"One-vs-rest ROC: the {shown} classes with the lowest AUC of {total}")
    fig, ax = new_axes(title)
    worst = sorted(curves, key=lambda c: c["roc_auc"])[: min(3, shown)]
    for i, c in enumerate(curves):
        highlight = c in worst
        ax.plot(c["fpr"], c["tpr"], color=PALETTE[i % len(PALETTE)],
                linewidth=2.2 if highlight else 1.0, alpha=1.0 if highlight else 0.55,
                label=f"{plain(c['class'])} (AUC {c['roc_auc']:.3f})")
    ax.plot([0, 1], [0, 1], color="#888888", linestyle="--", linewidth=1)
    ax.set_xlabel("false positive rate")
    ax.set_ylabel("true positive rate")
    ax.legend(loc="lower right", fontsize=8, ncol=2 if shown > 10 else 1)
    style_axes(ax)
    return fig


@axes_figure("Confidence of correct and wrong predictions")
def confidence_figure(ax: Any, report: dict[str, Any]) -> None:
    """Confidence of correct and wrong predictions; the overconfident region shaded."""
    bins = report["calibration"]["bins"]
    over = report["overconfident_errors"]
    centres = [(b["lower"] + b["upper"]) / 2 for b in bins]
    width = bins[0]["upper"] - bins[0]["lower"]
    right = report["calibration"]["correct"]
    wrong = [b["count"] - r for b, r in zip(bins, right, strict=True)]
    ax.bar(centres, right, width=width * 0.9, color=BLUE, label="correct")
    ax.bar(centres, wrong, width=width * 0.9, bottom=right, color=VERMILION, label="wrong")
    ax.axvspan(over["min_confidence"], 1.0, color=ORANGE, alpha=0.15,
               label=f"overconfident errors: {over['count']:,} (≥ {over['min_confidence']:g})")
    confidence_axes(ax, "examples")


@axes_figure("Confusion matrix (rows: actual, columns: predicted)")
def confusion_figure(ax: Any, report: dict[str, Any]) -> None:
    """Confusion matrix heatmap: row-normalised rates as colour, counts and rates as text."""
    labels = [plain(label) for label in report["confusion_matrix"]["labels"]]
    matrix = report["confusion_matrix"]["matrix"]
    k = len(labels)
    rates = [[v / sum(row) if sum(row) else 0.0 for v in row] for row in matrix]
    image = ax.imshow(rates, cmap="Blues", vmin=0, vmax=1)
    ax.figure.colorbar(image, ax=ax, label="share of the actual class")
    if k <= 12:
        for i in range(k):
            for j in range(k):
                ax.text(j, i, f"{matrix[i][j]:,}\n{rates[i][j]:.1%}", ha="center",
                        va="center", fontsize=9 if k <= 6 else 7,
                        color="white" if rates[i][j] > 0.6 else "black")
    if k <= 30:
        ax.set_xticks(range(k), labels, rotation=45 if k > 8 else 0)
        ax.set_yticks(range(k), labels)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("actual class")


VIEW = CommandView(evaluation_document, evaluation_rows, evaluation_figures)
