"""Wording and number formats shared by the terminal and Markdown renderers."""

from __future__ import annotations

from typing import Any

MAX_MATRIX_CLASSES = 12
MAX_CLASS_ROWS = 25


def metric_label(report: dict[str, Any], key: str) -> str:
    """A metric's label for people, with the report's settings (``ECE (10 bins)``)."""
    from clfdiag.core.catalogue import label

    calibration = report.get("calibration") or {}
    bins = calibration.get("bins", calibration.get("a", {}).get("bins"))
    return label(key, {"bins": len(bins) if bins else "?"})


def fmt(value: Any, digits: int = 4) -> str:
    """A number for people: integers as is, floats to ``digits`` decimals, None as a dash."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:.{digits}f}"


def fmt_probability(value: float) -> str:
    """A probability, keeping the distance from 1 visible: 0.99999999 is ``1 - 1.0e-08``."""
    if 0.9999 < value < 1.0:
        return f"1 - {1.0 - value:.1e}"
    if 0.0 < value < 0.0001:
        return f"{value:.1e}"
    return f"{value:.4f}"


def pct(value: float | None) -> str:
    """A share as a percentage with one decimal."""
    return "—" if value is None else f"{100 * value:.1f}%"


def headline(report: dict[str, Any]) -> str:
    """One line naming the input, its size, the task and how it was read."""
    inp = report["input"]
    parts = [f"{inp['path']}: {inp['used']:,} examples, {report['task']}"]
    if report["task"] == "binary":
        parts.append(f"positive class {report['positive_class']!r}")
        if report["threshold"] is not None:
            parts.append(f"threshold {report['threshold']:g}")
        rule = report.get("threshold_rule")
        if rule:
            parts[-1] += (f" (chosen by {rule['given']}: {rule['criterion']} "
                          f"{fmt(rule['value'])}, rule score >= threshold)")
    else:
        parts.append(f"{len(report['classes'])} classes")
    return ", ".join(parts)


def columns_line(report: dict[str, Any]) -> str:
    """Which columns played which role, any transform applied, and a streaming read."""
    inp = report["input"]
    probs = ", ".join(inp["probability_columns"])
    label = ("no labels" if inp["label_column"] is None
             else f"label column {inp['label_column']!r}")
    line = f"{label}; probabilities from {probs}"
    if inp.get("score_kind") == "scores":
        line = f"{label}; real-valued scores from {probs}"
    if inp.get("score_kind") == "hard":
        line = f"{label}; hard predictions from {inp.get('prediction_column') or probs}"
    if inp["id_column"]:
        line += f"; ids from {inp['id_column']!r}"
    if inp["transform"]:
        how = {"logits": "sigmoid/softmax applied", "percent": "divided by 100"}.get(
            inp["transform"], "rows divided by their sum")
        line += f"; {inp['transform']} ({how})"
    if report.get("mode") == "streaming":
        line += "; streaming: read in batches, ROC/PR from a histogram of the scores"
    return line


def dropped_line(report: dict[str, Any]) -> str | None:
    """How many rows were dropped and why, or None."""
    inp = report["input"]
    if not inp["dropped"]:
        return None
    reasons = ", ".join(f"{count:,} {reason}" for reason, count in inp["dropped_reasons"].items())
    return f"dropped {inp['dropped']:,} of {inp['rows']:,} rows: {reasons}"


def metric_note(report: dict[str, Any], name: str) -> str:
    """The interval or undefined-reason shown beside a metric."""
    if name in report["undefined"]:
        return f"undefined: {report['undefined'][name]}"
    ci = {"roc_auc": report.get("roc_auc_ci"), "accuracy": report.get("accuracy_ci")}.get(name)
    note = ""
    if ci:
        method = "DeLong" if name == "roc_auc" else "Wilson"
        note = f"95% CI {ci[0]:.4f}–{ci[1]:.4f} ({method})"
    bound = report.get("roc_auc_error_bound")
    if name == "roc_auc" and bound is not None:
        note = (note + "; " if note else "") + f"histogram: within ±{bound:.1e} of exact"
    return note


def overconfidence_line(report: dict[str, Any]) -> str:
    """The overconfident errors summarised in one sentence."""
    over = report["overconfident_errors"]
    if over["count"] is None:
        return f"undefined: {over.get('undefined', 'no confidence')}"
    noun = "error" if over["count"] == 1 else "errors"
    return (f"{over['count']:,} {noun} with confidence ≥ {over['min_confidence']:g}: "
            f"{pct(over['share_of_errors'])} of {over['errors']:,} errors, "
            f"{pct(over['share_of_loss'])} of the total log loss")


def top_confusions(report: dict[str, Any], limit: int = 10) -> list[tuple[str, str, int]]:
    """The most frequent (actual, predicted) mistakes, for matrices too large to show."""
    labels = report["confusion_matrix"]["labels"]
    cells = [
        (labels[i], labels[j], count)
        for i, row in enumerate(report["confusion_matrix"]["matrix"])
        for j, count in enumerate(row)
        if i != j and count
    ]
    cells.sort(key=lambda c: -c[2])
    return cells[:limit]


def class_rows(report: dict[str, Any]) -> tuple[list[dict[str, Any]], int]:
    """Per-class rows to show (the worst by F1 when there are many) and how many were left out.

    Worst first: F1 ascending, and a class whose F1 is undefined (never predicted and
    never present) after every defined one, since nothing is known to be wrong with it.
    """
    rows = report["per_class"]
    if len(rows) <= MAX_CLASS_ROWS:
        return rows, 0
    ranked = sorted(rows, key=lambda r: (r["f1"] is None, r["f1"] or 0.0))
    return ranked[:MAX_CLASS_ROWS], len(rows) - MAX_CLASS_ROWS


def signed(value: float | None, digits: int = 4) -> str:
    """A change with its sign: +0.0375 (counts: +3), or a dash when undefined."""
    if value is None:
        return "—"
    return f"{value:+,}" if isinstance(value, int) else f"{value:+.{digits}f}"


def p_value(value: float | None) -> str:
    """A p-value for people: 0.0371, or <1e-16 for the vanishingly small."""
    if value is None:
        return "—"
    return "<1e-16" if value < 1e-16 else f"{value:.3g}" if value < 0.001 else f"{value:.4f}"


def comparison_headline(report: dict[str, Any]) -> str:
    """A -> B, how many examples were paired and how."""
    a, b = report["inputs"]["a"]["path"], report["inputs"]["b"]["path"]
    pairing = report["pairing"]
    line = f"A = {a}, B = {b}: {pairing['n']:,} examples paired by {pairing['by']}"
    if report["task"] == "binary":
        line += f", positive class {report['positive_class']!r}"
    left = pairing["only_in_a"] + pairing["only_in_b"] + pairing["label_mismatch"]
    if left:
        line += (f"; left out {pairing['only_in_a']:,} only in A, {pairing['only_in_b']:,} only "
                 f"in B, {pairing['label_mismatch']:,} with different labels")
    return line


def test_rows(report: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(test, statistic, p-value, 95% CI) rows for the paired significance tests."""
    tests = report["tests"]
    m = tests["mcnemar"]
    undefined = tests.get("undefined", {})
    rows = [("McNemar, accuracy", f"b01={m['b01']:,} b10={m['b10']:,}",
             p_value(m["p_value"]), "") if m is not None else
            ("McNemar, accuracy", "not tested (sample weights)", "", "")
            ] if m is not None or "mcnemar" in undefined else []
    d = tests["delong"]
    if d is None and "delong" in undefined:
        rows.append(("DeLong, AUC B − A", "not tested (sample weights)", "", ""))
    elif d is not None and d["z"] is None:
        rows.append(("DeLong, AUC B − A", "no difference (the same ranking)", "", ""))
    elif d is not None:
        rows.append(("DeLong, AUC B − A", f"z={d['z']:.3f}", p_value(d["p_value"]),
                     f"{d['ci'][0]:+.4f} to {d['ci'][1]:+.4f}"))
    ll = tests["log_loss"]
    if ll is None:  # real-valued scores have no log loss
        return rows
    ci = ll["ci"]
    rows.append((f"{ll['method']}, log loss B − A", f"mean {ll['mean_diff']:+.4f}",
                 p_value(ll["p_value"]), "" if ci is None else f"{ci[0]:+.4f} to {ci[1]:+.4f}"))
    return rows


def flag_line(report: dict[str, Any]) -> str:
    """Whether loss and accuracy both rose, and any significant regression."""
    both = "yes" if report["loss_up_accuracy_up"] else "no"
    worse = ", ".join(report["regressions"]) or "none"
    return (f"loss up and accuracy up: {both}; significant regressions "
            f"(alpha {report['tests']['alpha']:g}): {worse}")


BLOCKS = "▁▂▃▄▅▆▇█"
MAX_CHART_WIDTH = 60
MAX_LISTED_FLAGS = 20
"""Flagged epochs named in a summary sentence; the rest are counted (JSON lists them all)."""


def sparkline(values: list[float | None], width: int = MAX_CHART_WIDTH) -> str:
    """Values as a row of block characters scaled from their min to their max; gaps as spaces."""
    step = max(1, -(-len(values) // width))
    shown = values[::step]
    known = [v for v in shown if v is not None]
    if not known:
        return " " * len(shown)
    lo, hi = min(known), max(known)
    span = hi - lo or 1.0
    return "".join(" " if v is None else BLOCKS[round((v - lo) / span * (len(BLOCKS) - 1))]
                   for v in shown)


def trajectory_chart(report: dict[str, Any]) -> list[str]:
    """Loss and accuracy over the evaluations, with ^ under those where both rose."""
    rows = report["epochs"]
    step = max(1, -(-len(rows) // MAX_CHART_WIDTH))
    losses = [loss_of(r) for r in rows]
    accs = [r["accuracy"] for r in rows]
    marks = "".join("^" if r["loss_up_accuracy_up"] else " " for r in rows[::step])
    lines = [f"loss      {sparkline(losses)}  {_range(losses)}",
             f"accuracy  {sparkline(accs)}  {_range(accs)}",
             f"both up   {marks}"]
    if step > 1:
        lines.append(f"(one column per {step} evaluations)")
    return lines


def loss_of(row: dict[str, Any]) -> float | None:
    """The loss of an epochs row (log loss) or a history row (the logged validation loss)."""
    loss: float | None = row["log_loss"] if "log_loss" in row else row["loss"]
    return loss


def _range(values: list[float | None]) -> str:
    known = [v for v in values if v is not None]
    return f"{min(known):.4f}–{max(known):.4f}" if known else "no values"


def trajectory_summary(report: dict[str, Any]) -> list[str]:
    """Sentences on the flags, the best evaluations and where the loss turned."""
    name = report.get("source", {}).get("labelled_by", "epoch")
    flagged = report["flagged"]
    shown = ", ".join(map(str, flagged[:MAX_LISTED_FLAGS]))
    if len(flagged) > MAX_LISTED_FLAGS:
        shown += f" and {len(flagged) - MAX_LISTED_FLAGS:,} more"
    lines = ([f"loss and accuracy both rose at {name}s {shown}"] if flagged
             else ["loss and accuracy never rose together"])
    best = report["best"]
    if best["by_accuracy"] is None:
        lines.append(f"best by loss: {best['by_loss']}; accuracy was not logged, so the "
                     "loss-up/accuracy-up flag cannot be computed")
    else:
        same = "the same" if not best["differ"] else "they differ"
        lines.append(f"best by loss: {best['by_loss']}; best by accuracy: "
                     f"{best['by_accuracy']} ({same})")
    if report["loss_rises_from"] is not None:
        lines.append(f"validation loss rises for good from {report['loss_rises_from']}")
    tests = report.get("flag_tests")
    if tests and tests["loss_up_accuracy_up"]:
        total, kept = tests["loss_up_accuracy_up"], tests["both_rises_significant"]
        line = (f"{kept} of {total} flag{'' if total == 1 else 's'} "
                f"{'has' if kept == 1 else 'have'} both rises significant at alpha "
                f"{tests['alpha']:g} (McNemar for accuracy, the paired log-loss test for loss)")
        if tests["significant_only"]:
            line += "; only those are flagged (--significant)"
        lines.append(line)
    return lines


def has_flag_tests(report: dict[str, Any]) -> bool:
    """True when some epoch carries the paired tests of a flagged change."""
    return any(r.get("mcnemar_p") is not None or r.get("loss_test_p") is not None
               for r in report["epochs"])


def flag_tests_text(row: dict[str, Any]) -> str:
    """`` (McNemar p 0.91, loss test p 0.071)`` for a flagged epoch, else empty."""
    if row.get("mcnemar_p") is None and row.get("loss_test_p") is None:
        return ""
    return (f" (McNemar p {p_value(row.get('mcnemar_p'))}, paired loss test p "
            f"{p_value(row.get('loss_test_p'))})")


def flag_test_cells(row: dict[str, Any]) -> list[str]:
    """McNemar's p and the paired loss test's p of a flagged change, or blanks."""
    if row.get("mcnemar_p") is None and row.get("loss_test_p") is None:
        return ["", ""]
    return [p_value(row.get("mcnemar_p")), p_value(row.get("loss_test_p"))]


def trajectory_headline(report: dict[str, Any]) -> str:
    """What was scanned."""
    rows = report["epochs"]
    if report["command"] == "epochs":
        return f"{len(rows)} epochs of predictions on one validation set"
    source = report.get("source", {})
    noun = "evaluation" if len(rows) == 1 else "evaluations"
    return (f"{source.get('path', '')}: {len(rows)} {noun} from a "
            f"{source.get('format', 'training')} history")


def estimator_lines(report: dict[str, Any]) -> list[str]:
    """The other calibration estimators of ``evaluate``, each named by view and binning."""
    block = report.get("calibration_estimators") or {}
    if not block.get("binned"):
        return []
    found = {(e["view"], e["binning"]): e for e in block["binned"]}
    parts = []
    for view, name in (("top_label", "top-label"), ("positive_class", "positive-class"),
                       ("classwise", "class-wise")):
        width, mass = found.get((view, "equal_width")), found.get((view, "equal_mass"))
        if width is None:
            continue
        text = f"{name} ECE {fmt(width['ece'])}"
        if mass is not None:
            text += f" (equal-mass {fmt(mass['ece'])})"
        parts.append(text + f", debiased L2 {fmt(width['debiased_l2'])}")
    lines = [f"{block['bins']} equal-width bins: " + "; ".join(parts) + "."]
    smooth = block.get("smooth_ece")
    if smooth and smooth["value"] is not None:
        view = smooth["view"].replace("_", "-")
        lines.append(f"smooth ECE ({view}, bandwidth {smooth['bandwidth']:.3g}): "
                     f"{fmt(smooth['value'])}.")
    interval = block.get("ece_interval")
    if interval and interval["interval"] is not None:
        lo, hi = interval["interval"]
        lines.append(f"top-label ECE 95% bootstrap interval [{lo:.4f}, {hi:.4f}] "
                     f"({interval['resamples']} resamples).")
    return lines
