"""The report of ``clfdiag history``: the ``epochs`` scan of a training log, without predictions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from clfdiag.core.trajectory import Trajectory
from clfdiag.io.histories import History
from clfdiag.reports.trajectory import FoldScan, TrajectoryReport, trajectory_report


def history_report(run: History, trajectory: Trajectory, *, min_loss_delta: float,
                   min_accuracy_delta: float, accuracy_scan: Trajectory | None = None,
                   fold_scans: Sequence[tuple[Any, list[int], Trajectory]] = ()
                   ) -> TrajectoryReport:
    """Assemble the report of ``clfdiag history`` from a training log and its scan.

    The metric scanned is the history's ``metric_column``; when it is not the accuracy
    column, ``accuracy_scan`` is the scan by accuracy. ``fold_scans`` holds, for each
    fold of a file with several runs, its value, its rows (indices) and its own scan.
    """
    evaluations = run.evaluations
    own: list[Any] = [int(e.label) if float(e.label).is_integer() else e.label
                      for e in evaluations]
    if any(e.segment for e in evaluations):
        # Epoch numbers repeat across a restarted training: say which segment.
        own = [f"{e.segment + 1}:{label}" for e, label in zip(evaluations, own, strict=True)]
    labels = own if not run.folds else [f"{e.fold}:{label}" for e, label in
                                        zip(evaluations, own, strict=True)]
    rows = [{"epoch": label, **({"fold": e.fold} if run.folds else {}), "step": e.step,
             "segment": e.segment, "loss": e.loss, "accuracy": e.accuracy,
             "metric_value": e.metric, "loss_up_accuracy_up": flag}
            for label, e, flag in zip(labels, evaluations, trajectory.loss_up_accuracy_up,
                                      strict=True)]
    folds: list[FoldScan] | None = None
    if run.folds:
        folds = [(fold, members, [own[i] for i in members], scan)
                 for fold, members, scan in fold_scans]
    source = {"path": run.path, "format": run.format, "loss_column": run.loss_column,
              "accuracy_column": run.accuracy_column, "labelled_by": run.labelled_by,
              "segments": len({(e.fold, e.segment) for e in evaluations}),
              "metric_columns": list(run.metric_columns), "fold_column": run.fold_column}
    return trajectory_report("history", rows, labels, trajectory, min_loss_delta,
                             min_accuracy_delta, source=source, notes=list(run.notes),
                             metric=run.metric_column, accuracy_scan=accuracy_scan,
                             folds=folds)
