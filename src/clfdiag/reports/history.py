"""The report of ``clfdiag history``: the ``epochs`` scan of a training log, without predictions."""

from __future__ import annotations

from typing import Any

from clfdiag.core.trajectory import Trajectory
from clfdiag.io.histories import History
from clfdiag.reports.trajectory import TrajectoryReport, trajectory_report


def history_report(run: History, trajectory: Trajectory, *, min_loss_delta: float,
                   min_accuracy_delta: float) -> TrajectoryReport:
    """Assemble the report of ``clfdiag history`` from a training log and its scan."""
    evaluations = run.evaluations
    labels: list[Any] = [int(e.label) if float(e.label).is_integer() else e.label
                         for e in evaluations]
    if run.segment_starts:
        # Epoch numbers repeat across a restarted training: say which segment.
        labels = [f"{e.segment + 1}:{label}" for e, label in zip(evaluations, labels,
                                                                  strict=True)]
    rows = [{"epoch": label, "step": e.step, "segment": e.segment, "loss": e.loss,
             "accuracy": e.accuracy, "loss_up_accuracy_up": flag}
            for label, e, flag in zip(labels, evaluations, trajectory.loss_up_accuracy_up,
                                      strict=True)]
    source = {"path": run.path, "format": run.format, "loss_column": run.loss_column,
              "accuracy_column": run.accuracy_column, "labelled_by": run.labelled_by,
              "segments": (evaluations[-1].segment + 1) if evaluations else 0}
    return trajectory_report("history", rows, labels, trajectory, min_loss_delta,
                             min_accuracy_delta, source=source, notes=list(run.notes))
