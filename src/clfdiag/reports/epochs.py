"""The report of ``clfdiag epochs``: one row per epoch, the flags, their tests, last vs best."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from clfdiag.core.calibration_tests import DecompositionChange
from clfdiag.core.comparison import Comparison, significant_regressions
from clfdiag.core.evaluation import Evaluation
from clfdiag.core.trajectory import Trajectory
from clfdiag.pairing import CommonExamples
from clfdiag.reports.calibration_tests import decomposition_change_json, diagnosis_by_part
from clfdiag.reports.compare import diagnosis_sentence
from clfdiag.reports.trajectory import TrajectoryReport, trajectory_report

MULTICLASS_DECOMPOSITION = (
    "decomposition_change is null: the CORP decomposition is of one probability against "
    "0/1 labels, so it is reported for binary files only")


def epochs_report(labels: list[Any], common: CommonExamples, evaluations: Sequence[Evaluation],
                  trajectory: Trajectory, changes: Mapping[int, Comparison],
                  tests: Mapping[int, dict[str, Any]], last_vs_best: Comparison | None, *,
                  alpha: float, significant: bool, flagged_before_tests: int,
                  min_loss_delta: float, min_accuracy_delta: float, metric: str = "accuracy",
                  accuracy_scan: Trajectory | None = None,
                  decomposition_changes: Sequence[DecompositionChange | None] | None = None,
                  slopes: Mapping[int, float | None] | None = None) -> TrajectoryReport:
    """Assemble the report of ``clfdiag epochs``.

    ``changes`` compares each flagged epoch with the one before, ``tests`` holds
    the paired tests of its two rises (:func:`clfdiag.api.rise_tests`);
    ``last_vs_best`` compares the best epoch by loss with the last (None when
    the last is the best); ``flagged_before_tests`` counts the flags before
    ``significant`` kept only those whose rises are both significant. ``metric``
    took accuracy's place in the scan (each row's ``metric_value``); when it is not
    accuracy, ``accuracy_scan`` is the scan by accuracy, which gives the best by accuracy.
    ``decomposition_changes`` (binary; None for multiclass) holds each epoch's CORP
    parts minus the previous epoch's (None for the first); a flagged epoch's
    diagnosis reads it, with ``slopes`` (its calibration slope) saying whether the
    model became over- or underconfident.
    """
    runs = common.runs
    why = {i: diagnosis_sentence(changes[i]) for i in trajectory.flagged}
    parts = decomposition_changes or [None] * len(runs)
    for i in why:
        change = parts[i]
        if change is not None:
            why[i] += " " + diagnosis_by_part(change, changes[i].loss_delta,
                                              (slopes or {}).get(i))
    rows = [
        {"epoch": label, "file": p.source.path, "log_loss": e.metrics["log_loss"],
         "accuracy": e.metrics["accuracy"], "metric_value": e.metrics.get(metric),
         "roc_auc": e.metrics.get("roc_auc"),
         "ece": e.metrics["ece"], "overconfident_errors": e.overconfident.count,
         "loss_up_accuracy_up": trajectory.loss_up_accuracy_up[i],
         "mcnemar_p": tests[i]["mcnemar_p"] if i in tests else None,
         "loss_test_p": tests[i]["loss_test_p"] if i in tests else None,
         "decomposition_change": decomposition_change_json(parts[i]),
         "diagnosis": why.get(i)}
        for i, (label, p, e) in enumerate(zip(labels, runs, evaluations, strict=True))
    ]
    last_vs_best_json = None
    if last_vs_best is not None and trajectory.best_by_loss is not None:
        cmp = last_vs_best
        last_vs_best_json = {"best": labels[trajectory.best_by_loss], "last": labels[-1],
                             "loss_delta": cmp.loss_delta, "accuracy_delta": cmp.accuracy_delta,
                             "diagnosis": diagnosis_sentence(cmp),
                             "regressions": list(significant_regressions(cmp, alpha))}
    surviving = sum(t["both_significant"] for t in tests.values())
    flags = {"alpha": alpha, "loss_up_accuracy_up": flagged_before_tests,
             "both_rises_significant": surviving, "significant_only": significant}
    pairing = {"by": common.by, "n": len(runs[0]), "left_out": common.left_out}
    return trajectory_report("epochs", rows, labels, trajectory, min_loss_delta,
                             min_accuracy_delta, last_vs_best=last_vs_best_json,
                             flag_tests=flags, pairing=pairing,
                             notes=[*_partial_notes(common.left_out, len(runs[0])),
                                    *([] if decomposition_changes is not None
                                      else [MULTICLASS_DECOMPOSITION])],
                             metric=metric, accuracy_scan=accuracy_scan)


def _partial_notes(left_out: dict[str, int], kept: int) -> list[str]:
    if not left_out:
        return []
    listed = ", ".join(f"{n} from {path}" for path, n in left_out.items())
    return [f"--allow-partial: {kept} examples are in every file; left out {listed}"]
