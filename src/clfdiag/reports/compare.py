"""The report of ``clfdiag compare``: A, B, deltas, the loss decomposition and the tests."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from clfdiag.core.calibration_tests import DecompositionChange
from clfdiag.core.comparison import Comparison, significant_regressions
from clfdiag.core.comparison import LossChangeGroup as Group
from clfdiag.core.fairness import FairnessChange
from clfdiag.core.trajectory import Trajectory
from clfdiag.pairing import Paired
from clfdiag.predictions import Predictions
from clfdiag.reports.calibration_tests import decomposition_change_json, diagnosis_by_part
from clfdiag.reports.common import SCHEMA_VERSION, calibration_bins, curves, input_json, number
from clfdiag.reports.evaluate import SCORE_REASON, score_report
from clfdiag.reports.fairness import fairness_change_entries
from clfdiag.version import __version__


def compare_report(a: Predictions, b: Predictions, paired: Paired, cmp: Comparison, *,
                   threshold: float, min_loss_delta: float, min_accuracy_delta: float,
                   alpha: float, notes: Sequence[str] = (), metric: str = "accuracy",
                   metric_scan: Trajectory | None = None,
                   decomposition_change: DecompositionChange | None = None,
                   slope_b: float | None = None, by: tuple[str, ...] = (),
                   fairness_change: Sequence[FairnessChange] | None = None) -> dict[str, Any]:
    """The report of ``clfdiag compare`` of probabilities: A, B, deltas, decomposition, tests.

    ``notes`` (how the rows were paired, say) are listed under ``notes``. ``metric``
    names the metric that takes accuracy's place in ``loss_up_accuracy_up``; when it
    is not accuracy, ``metric_scan`` is the scan of A then B by the loss and that metric.
    ``decomposition_change`` (binary): B minus A of each CORP part on the paired
    examples; when loss and accuracy both rose, the diagnosis reads it (``slope_b``,
    B's calibration slope, says whether B became over- or underconfident).
    ``fairness_change`` (binary, with ``--by`` columns ``by``): each disparity
    under A and B and its change, as ``fairness_change``.
    """
    report = _comparison_fields(a, b, paired, cmp, threshold=threshold,
                                min_loss_delta=min_loss_delta,
                                min_accuracy_delta=min_accuracy_delta, alpha=alpha)
    report["pairing"]["ids_only_in"] = paired.ids_only_in
    report["metric"] = metric
    if metric_scan is not None:
        report["loss_up_accuracy_up"] = bool(metric_scan.loss_up_accuracy_up[1])
    report["notes"] = list(notes)
    report["decomposition_change"] = decomposition_change_json(decomposition_change)
    if cmp.loss_up_accuracy_up and decomposition_change is not None:
        report["diagnosis"] += " " + diagnosis_by_part(decomposition_change, cmp.loss_delta,
                                                       slope_b)
    if fairness_change is not None:
        report["fairness_change"] = fairness_change_entries(by, fairness_change)
    return report


def compare_scores_report(a: Predictions, b: Predictions, paired: Paired, cmp: Comparison, *,
                          threshold: float | None, alpha: float) -> dict[str, Any]:
    """The report of ``clfdiag compare`` of real-valued scores (``--scores``).

    ``cmp`` compares the 0/1 decisions at ``score >= threshold`` and carries the
    paired DeLong test of the scores; everything that needs a probability (log
    loss, its paired test and decomposition, calibration) is null with the reason.
    """
    report = _comparison_fields(a, b, paired, cmp, threshold=0.5, min_loss_delta=0.0,
                                min_accuracy_delta=0.0, alpha=alpha)
    for side in ("a", "b"):
        one: Any = {"metrics": report[side], "undefined": report["undefined"][side],
                    "confusion_matrix": {"matrix": []}, "per_class": [], "notes": []}
        score_report(one, threshold)
        report["calibration"][side] = {"bins": [], "ece": None}
    report["delta"] = {k: (None if v is None or report["b"].get(k) is None
                           else report["b"][k] - v) for k, v in report["a"].items()}
    report["threshold"] = threshold
    report["noise"]["log_loss"] = None
    report["tests"]["log_loss"] = None
    if threshold is None:
        report["tests"]["mcnemar"] = None
    report["decomposition"] = {"total_loss_change": None, "groups": [], "top": []}
    report["regressions"] = [r for r in significant_regressions(cmp, alpha)
                             if r != "log_loss" and (threshold is not None or r != "accuracy")]
    d = cmp.delong
    report["diagnosis"] = (
        f"Real-valued scores: ROC AUC {'moved' if d is None else _auc_move(d.auc_a, d.auc_b)}; "
        f"log loss and calibration are undefined ({SCORE_REASON}).")
    report.pop("sample", None)
    return report


def _auc_move(auc_a: float, auc_b: float) -> str:
    return f"from {auc_a:.4f} (A) to {auc_b:.4f} (B)"


def _comparison_fields(a: Predictions, b: Predictions, paired: Paired, cmp: Comparison,
                       *, threshold: float, min_loss_delta: float, min_accuracy_delta: float,
                       alpha: float) -> dict[str, Any]:
    """The fields of every comparison: A, B, deltas, decomposition and tests."""
    classes = list(paired.classes)
    metrics_a = {k: number(v) for k, v in cmp.a.metrics.items()}
    metrics_b = {k: number(v) for k, v in cmp.b.metrics.items()}
    delta = {k: (None if metrics_a[k] is None or metrics_b.get(k) is None
                 else metrics_b[k] - metrics_a[k]) for k in metrics_a}
    index_a = paired.index_a[[c.index for c in cmp.top]]
    index_b = paired.index_b[[c.index for c in cmp.top]]
    top = [
        {"row": row_a, "row_b": row_b, "id": ident, "label": classes[int(paired.y[c.index])],
         "predicted_a": classes[c.predicted_a], "confidence_a": c.confidence_a,
         "p_true_a": c.p_true_a, "loss_a": c.loss_a,
         "predicted_b": classes[c.predicted_b], "confidence_b": c.confidence_b,
         "p_true_b": c.p_true_b, "loss_b": c.loss_b, "loss_change": c.loss_b - c.loss_a}
        for c, row_a, row_b, ident in zip(cmp.top, a.row_numbers(index_a),
                                          b.row_numbers(index_b), a.id_values(index_a),
                                          strict=True)
    ]
    delong = None
    if cmp.delong is not None:
        delong = {"auc_a": cmp.delong.auc_a, "auc_b": cmp.delong.auc_b, "z": cmp.delong.z,
                  "p_value": cmp.delong.p_value, "ci": list(cmp.delong.ci)}
    ll = cmp.log_loss_test
    report: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "clfdiag_version": __version__,
        "command": "compare",
        "inputs": {"a": input_json(a), "b": input_json(b)},
        "task": cmp.a.task,
        "classes": classes,
        "positive_class": classes[1] if cmp.a.task == "binary" else None,
        "threshold": threshold if cmp.a.task == "binary" else None,
        "a": metrics_a,
        "b": metrics_b,
        "delta": delta,
        "undefined": {"a": dict(cmp.a.undefined), "b": dict(cmp.b.undefined)},
        "pairing": {"by": paired.by, "n": len(paired), "only_in_a": paired.only_in_a,
                    "only_in_b": paired.only_in_b, "label_mismatch": paired.label_mismatch,
                    "left_out": paired.examples_left_out},
        "loss_up_accuracy_up": cmp.loss_up_accuracy_up,
        "noise": {"log_loss": cmp.loss_noise, "accuracy": cmp.accuracy_noise},
        "min_loss_delta": min_loss_delta,
        "min_accuracy_delta": min_accuracy_delta,
        "diagnosis": diagnosis_sentence(cmp),
        "decomposition": {
            "total_loss_change": cmp.loss_delta,
            "groups": [{"name": g.name, "description": g.description, "count": g.count,
                        "loss_change": g.loss_change} for g in cmp.groups],
            "top": top,
        },
        "tests": {
            "alpha": alpha,
            "mcnemar": None if cmp.mcnemar is None else {
                "b01": cmp.mcnemar.b01, "b10": cmp.mcnemar.b10, "p_value": cmp.mcnemar.p_value},
            "delong": delong,
            "log_loss": {"mean_diff": ll.mean_diff, "ci": None if ll.ci is None else list(ll.ci),
                         "p_value": ll.p_value, "method": ll.method},
        },
        "regressions": list(significant_regressions(cmp, alpha)),
        "curves": {"a": curves(cmp.a), "b": curves(cmp.b)},
        "calibration": {"a": {"bins": calibration_bins(cmp.a), "ece": cmp.a.calibration.ece},
                        "b": {"bins": calibration_bins(cmp.b), "ece": cmp.b.calibration.ece}},
    }
    if cmp.undefined:
        report["tests"]["undefined"] = dict(cmp.undefined)
    if cmp.sample.size:
        groups = [g.name for g in cmp.groups]
        report["sample"] = {
            "p_true_a": cmp.sample_p_true_a.tolist(), "p_true_b": cmp.sample_p_true_b.tolist(),
            "group": [groups[g] for g in cmp.sample_group],
        }
    return report


MATERIAL_SHARE = 0.05
"""A group is named in the diagnosis when it moves the loss by at least this share of all moves."""
MAX_NAMED = 4


def diagnosis_sentence(cmp: Comparison) -> str:
    """One plain sentence on why log loss and accuracy moved as they did.

    The groups it quotes add up to the stated total: every group with a
    material contribution is named, and whatever they leave is "the rest".
    A change within the float64 noise of its computation (``cmp.loss_noise``,
    ``cmp.accuracy_noise``) is "no change", never a rise or a fall.
    """
    g = {change.group: change for change in cmp.groups}
    acc_points = 100 * cmp.accuracy_delta
    correct, wrong = g[Group.BECAME_CORRECT], g[Group.BECAME_WRONG]
    flips = f"{correct.count} examples became correct, {wrong.count} became wrong"
    loss_moved, acc_moved = cmp.loss_moved(cmp.loss_delta), cmp.accuracy_moved()
    if cmp.loss_up_accuracy_up:
        head = (f"Accuracy rose by {acc_points:.2f} points ({flips}) while log loss rose by "
                f"{_amount(cmp.loss_delta)}")
    elif not loss_moved and not acc_moved:
        head = f"No change in log loss or accuracy ({flips})"
    else:
        loss_text = (f"Log loss {_direction(cmp.loss_delta)} by {_amount(abs(cmp.loss_delta))}"
                     if loss_moved else "No change in log loss")
        acc_text = (f"accuracy {_direction(acc_points)} by {abs(acc_points):.2f} points"
                    if acc_moved else "no change in accuracy")
        head = f"{loss_text} and {acc_text} ({flips})"
    parts = _loss_parts(cmp)
    if not parts:
        return head + "."
    return f"{head}: {_join(parts)}."


def _loss_parts(cmp: Comparison) -> list[str]:
    """The material groups' contributions, largest rise first, then "the rest" if it shows."""
    # A group's share is a mean over a subset of the rows: its noise is below the whole's.
    moving = [x for x in cmp.groups if x.count and cmp.loss_moved(x.loss_change)]
    scale = sum(abs(x.loss_change) for x in moving)
    named = sorted((x for x in moving if abs(x.loss_change) >= MATERIAL_SHARE * scale),
                   key=lambda x: -abs(x.loss_change))[:MAX_NAMED]
    named.sort(key=lambda x: -x.loss_change)
    parts = [f"the {x.count} that {x.group.phrase} {_moves(x.loss_change)}" for x in named]
    rest = cmp.loss_delta - sum(x.loss_change for x in named)
    if parts and round(rest, 4) != 0 and cmp.loss_moved(rest):
        parts.append(f"the rest {_moves(rest)}")
    return parts


def _direction(change: float) -> str:
    return "rose" if change > 0 else "fell"


def _amount(change: float) -> str:
    """A loss change to 4 decimals, or in scientific notation when that would read 0.0000."""
    return f"{change:.4f}" if abs(change) >= 5e-5 else f"{change:.1e}"


def _moves(change: float) -> str:
    return f"add {change:+.4f}" if change >= 0 else f"take off {-change:.4f}"


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
