"""The reports of ``evaluate`` and ``compare`` for multi-label inputs (``task: "multilabel"``).

Every number comes from :mod:`clfdiag.core.multilabel`; these functions only lay
the results out as the documented JSON structure, with the same envelope as the
other reports (``schema_version``, ``clfdiag_version``, ``command``, ``input``,
``notes``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from clfdiag.core.multilabel import (
    LabelCurves,
    LabelMetrics,
    MultilabelComparison,
    MultilabelEvaluation,
    multilabel_regressions,
)
from clfdiag.core.stats import MeanDifference
from clfdiag.core.trajectory import Trajectory
from clfdiag.io.multilabel import MultilabelPredictions
from clfdiag.reports.common import SCHEMA_VERSION, input_summary, number, overconfident_counts
from clfdiag.reports.trajectory import TrajectoryReport, trajectory_report
from clfdiag.version import __version__

LABEL_FIELDS = ("support", "prevalence", "precision", "recall", "f1", "roc_auc",
                "average_precision", "log_loss", "ece")
TEST_DESCRIPTIONS = {
    "log_loss": "paired test of the per-example mean binary cross-entropy over the labels, "
                "B - A",
    "hamming_loss": "paired test of the per-example Hamming loss (share of labels predicted "
                    "wrongly), B - A",
}


def threshold_json(thresholds: tuple[float, ...], labels: tuple[str, ...]
                   ) -> float | dict[str, float]:
    """One number when every label has the same threshold, else the threshold of each label."""
    if len(set(thresholds)) == 1:
        return thresholds[0]
    return dict(zip(labels, thresholds, strict=True))


def label_json(label: str, m: LabelMetrics, weighted: bool) -> dict[str, Any]:
    """One entry of ``per_label``; ``undefined`` is there only when a value is null."""
    entry: dict[str, Any] = {"label": label}
    for key in LABEL_FIELDS:
        entry[key] = number(getattr(m, key))
    if not weighted:
        entry["support"] = round(m.support)
    if m.undefined:
        entry["undefined"] = dict(m.undefined)
    return entry


def multilabel_evaluation_report(preds: MultilabelPredictions, ev: MultilabelEvaluation,
                                 mode: str = "in-memory",
                                 curves: Sequence[LabelCurves] | None = None
                                 ) -> dict[str, Any]:
    """The report of ``clfdiag evaluate`` on a multi-label input.

    ``curves`` (for the figures) adds ``per_label_curves``: each label's sampled
    ROC and PR curves and reliability bins.
    """
    labels = list(preds.labels)
    weighted = ev.weight_sum is not None
    over = ev.overconfident
    ids = preds.ids
    notes = [*preds.source.notes, *_notes(ev)]
    return {
        "schema_version": SCHEMA_VERSION,
        "clfdiag_version": __version__,
        "command": "evaluate",
        "input": input_summary(preds.source),
        "mode": mode,
        "task": "multilabel",
        "labels": labels,
        "threshold": threshold_json(ev.thresholds, preds.labels),
        "zero_division": ev.zero_division,
        "metrics": {k: number(v) for k, v in ev.metrics.items()},
        "undefined": dict(ev.undefined),
        "per_label": [label_json(name, m, weighted)
                      for name, m in zip(labels, ev.per_label, strict=True)],
        "cardinality": {
            "mean_true": ev.cardinality.mean_true,
            "mean_predicted": ev.cardinality.mean_predicted,
            "rows_without_true_label": ev.cardinality.rows_without_true_label,
            "rows_without_predicted_label": ev.cardinality.rows_without_predicted_label,
        },
        "overconfident_errors": {
            **overconfident_counts(over),
            "top": [{"row": int(r) + 1, "id": None if ids is None else ids[int(r)],
                     "label": labels[int(j)], "p": float(p), "truth": int(t),
                     "loss": float(loss)}
                    for r, j, p, t, loss in zip(over.rows, over.labels, over.proba, over.truth,
                                                over.loss, strict=True)],
        },
        "bins": ev.n_bins,
        "log_loss_clipped_cells": ev.clipped_cells,
        "notes": notes,
    } | ({} if curves is None else {"per_label_curves": [
        curves_json(name, entry, c) for name, entry, c in zip(labels, ev.per_label, curves,
                                                              strict=True)]})


def curves_json(label: str, m: LabelMetrics, c: LabelCurves) -> dict[str, Any]:
    """One label's curves and reliability bins, with the numbers a panel's title shows."""
    return {
        "label": label, "prevalence": m.prevalence, "roc_auc": number(m.roc_auc),
        "average_precision": number(m.average_precision), "ece": number(m.ece),
        "roc": None if c.roc is None else {"fpr": c.roc.x.tolist(), "tpr": c.roc.y.tolist()},
        "pr": None if c.pr is None else {"recall": c.pr.x.tolist(),
                                         "precision": c.pr.y.tolist()},
        "reliability": [{"lower": b.lower, "upper": b.upper, "count": b.count,
                         "mean_p": b.mean_p, "frequency": b.frequency} for b in c.reliability],
    }


def _notes(ev: MultilabelEvaluation) -> list[str]:
    notes = []
    empty = ev.cardinality.rows_without_true_label
    if empty:
        notes.append(
            f"{empty} rows have no true label: as in scikit-learn, each scores 1 in "
            "label_ranking_average_precision, 0 in average_precision_samples and ndcg, 0 in "
            "coverage_error and label_ranking_loss, and makes roc_auc_samples undefined")
    never = [i for i, m in enumerate(ev.per_label) if m.average_precision is None]
    if never and ev.metrics.get("average_precision_macro") is not None:
        notes.append(f"{len(never)} labels are never present: scikit-learn counts their "
                     "average precision as 0 in average_precision_macro")
    if ev.clipped_cells:
        notes.append(f"{ev.clipped_cells} label cells gave their true value a probability within "
                     "machine epsilon of 0 or 1; it was clipped to [eps, 1 - eps] for the log "
                     "loss")
    if ev.weight_sum is not None:
        notes.append(f"weighted (total weight {ev.weight_sum:.6g}): every metric and each "
                     "label's support are sums of row weights; the overconfident cells are counted")
    return notes


def _test_json(test: MeanDifference, key: str) -> dict[str, Any]:
    return {"mean_diff": test.mean_diff, "ci": None if test.ci is None else list(test.ci),
            "p_value": test.p_value, "method": test.method,
            "description": TEST_DESCRIPTIONS[key]}


def multilabel_comparison_report(a: MultilabelPredictions, b: MultilabelPredictions,
                                 cmp: MultilabelComparison, *, pairing: dict[str, Any],
                                 min_loss_delta: float = 0.0, min_accuracy_delta: float = 0.0,
                                 alpha: float = 0.05) -> dict[str, Any]:
    """The report of ``clfdiag compare`` on two multi-label inputs paired row by row.

    ``pairing`` says how the rows were paired (``by``, ``n`` and what was left out).
    """
    labels = list(a.labels)
    metrics_a = {k: number(v) for k, v in cmp.a.metrics.items()}
    metrics_b = {k: number(v) for k, v in cmp.b.metrics.items()}
    weighted = cmp.a.weight_sum is not None
    per_label = []
    for name, la, lb in zip(labels, cmp.a.per_label, cmp.b.per_label, strict=True):
        ja, jb = label_json(name, la, weighted), label_json(name, lb, weighted)
        fields = [k for k in LABEL_FIELDS if k not in ("support", "prevalence")]
        per_label.append({
            "label": name,
            "a": {k: v for k, v in ja.items() if k != "label"},
            "b": {k: v for k, v in jb.items() if k != "label"},
            "delta": {k: _delta(ja[k], jb[k]) for k in fields},
        })
    return {
        "schema_version": SCHEMA_VERSION,
        "clfdiag_version": __version__,
        "command": "compare",
        "inputs": {"a": input_summary(a.source), "b": input_summary(b.source)},
        "task": "multilabel",
        "labels": labels,
        "threshold": threshold_json(cmp.a.thresholds, a.labels),
        "zero_division": cmp.a.zero_division,
        "a": metrics_a,
        "b": metrics_b,
        "delta": {k: _delta(metrics_a[k], metrics_b.get(k)) for k in metrics_a},
        "undefined": {"a": dict(cmp.a.undefined), "b": dict(cmp.b.undefined)},
        "per_label": per_label,
        "pairing": pairing,
        "loss_up_accuracy_up": cmp.loss_up_accuracy_up,
        "loss_up_accuracy_up_metrics": {"loss": "log_loss", "accuracy": cmp.accuracy_metric},
        "min_loss_delta": min_loss_delta,
        "min_accuracy_delta": min_accuracy_delta,
        "diagnosis": change_sentence(cmp),
        "tests": {
            "alpha": alpha,
            "log_loss": _test_json(cmp.log_loss_test, "log_loss"),
            "hamming_loss": _test_json(cmp.hamming_loss_test, "hamming_loss"),
            "exact_match": None if cmp.exact_match_test is None else {
                "b01": cmp.exact_match_test.b01, "b10": cmp.exact_match_test.b10,
                "p_value": cmp.exact_match_test.p_value,
                "method": "McNemar exact test on the rows predicted exactly (subset accuracy)"},
        },
        "regressions": list(multilabel_regressions(cmp, alpha)),
        "notes": [*a.source.notes[1:], *b.source.notes[1:]],
    }


def _delta(a: Any, b: Any) -> float | None:
    """B - A, or None where either is undefined."""
    if a is None or b is None:
        return None
    return float(b) - float(a)


def change_sentence(cmp: MultilabelComparison) -> str:
    """What moved from A to B: the mean binary cross-entropy and the flag's accuracy."""
    key = cmp.accuracy_metric
    loss_a, loss_b = cmp.a.metrics["log_loss"], cmp.b.metrics["log_loss"]
    acc_a, acc_b = cmp.a.metrics[key], cmp.b.metrics[key]
    sentence = (f"mean binary cross-entropy {loss_a:.4f} → {loss_b:.4f}, {key} "
                f"{acc_a:.4f} → {acc_b:.4f}")
    exact = cmp.exact_match_test
    if exact is not None:
        sentence += (f"; {exact.b01} rows newly predicted exactly, {exact.b10} no longer")
    return sentence


def multilabel_epochs_report(labels: list[Any], runs: Sequence[MultilabelPredictions],
                             evaluations: Sequence[MultilabelEvaluation], trajectory: Trajectory,
                             changes: Mapping[int, MultilabelComparison],
                             tests: Mapping[int, dict[str, Any]],
                             last_vs_best: MultilabelComparison | None, *, accuracy_metric: str,
                             alpha: float, significant: bool, flagged_before_tests: int,
                             pairing_by: str, min_loss_delta: float,
                             min_accuracy_delta: float) -> TrajectoryReport:
    """The report of ``clfdiag epochs`` on multi-label files: the rows of ``epochs``.

    ``log_loss`` is the mean binary cross-entropy and ``accuracy`` the value of
    ``accuracy_metric``; ``roc_auc`` is the macro ROC AUC and ``ece`` null (each
    label has its own, in ``evaluate``); ``mcnemar_p`` tests the exactly predicted
    rows and ``loss_test_p`` the per-row mean cross-entropy of a flagged epoch
    against the one before.
    """
    rows = [
        {"epoch": label, "file": p.source.path, "log_loss": e.metrics["log_loss"],
         "accuracy": e.metrics[accuracy_metric], "roc_auc": e.metrics["roc_auc_macro"],
         "ece": None, "overconfident_errors": e.overconfident.count,
         "subset_accuracy": e.metrics["subset_accuracy"],
         "label_accuracy": e.metrics["label_accuracy"], "f1_micro": e.metrics["f1_micro"],
         "loss_up_accuracy_up": trajectory.loss_up_accuracy_up[i],
         "mcnemar_p": tests[i]["mcnemar_p"] if i in tests else None,
         "loss_test_p": tests[i]["loss_test_p"] if i in tests else None,
         "hamming_test_p": tests[i]["hamming_test_p"] if i in tests else None,
         "diagnosis": change_sentence(changes[i]) if i in changes else None}
        for i, (label, p, e) in enumerate(zip(labels, runs, evaluations, strict=True))
    ]
    last_json = None
    if last_vs_best is not None and trajectory.best_by_loss is not None:
        cmp = last_vs_best
        key = cmp.accuracy_metric
        last_json = {"best": labels[trajectory.best_by_loss], "last": labels[-1],
                     "loss_delta": _delta(cmp.a.metrics["log_loss"], cmp.b.metrics["log_loss"]),
                     "accuracy_delta": _delta(cmp.a.metrics[key], cmp.b.metrics[key]),
                     "diagnosis": change_sentence(cmp),
                     "regressions": list(multilabel_regressions(cmp, alpha))}
    surviving = sum(t["both_significant"] for t in tests.values())
    flags = {"alpha": alpha, "loss_up_accuracy_up": flagged_before_tests,
             "both_rises_significant": surviving, "significant_only": significant}
    report = trajectory_report("epochs", rows, labels, trajectory, min_loss_delta,
                               min_accuracy_delta, last_vs_best=last_json, flag_tests=flags,
                               pairing={"by": pairing_by, "n": len(runs[0]), "left_out": {}},
                               notes=[])
    extra: dict[str, Any] = {"task": "multilabel", "labels": list(runs[0].labels),
                             "threshold": threshold_json(evaluations[0].thresholds,
                                                         runs[0].labels),
                             "zero_division": evaluations[0].zero_division,
                             "accuracy_metric": accuracy_metric}
    return cast(TrajectoryReport, {**report, **extra})
