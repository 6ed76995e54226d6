"""The report shared by ``epochs`` and ``history``: one row per evaluation, flags, bests."""

from __future__ import annotations

from typing import Any, Literal, TypedDict

from clfdiag.core.trajectory import Trajectory
from clfdiag.reports.common import SCHEMA_VERSION, number
from clfdiag.version import __version__


class _TrajectoryFields(TypedDict):

    schema_version: int
    clfdiag_version: str
    command: Literal["epochs", "history"]
    metric: str | None
    epochs: list[dict[str, Any]]
    flagged: list[Any]
    flags: list[dict[str, Any]]
    best: dict[str, Any]
    loss_rises_from: Any
    min_loss_delta: float
    min_accuracy_delta: float


class TrajectoryReport(_TrajectoryFields, total=False):
    """The report of ``epochs`` (with ``last_vs_best``) and ``history`` (``source``, ``notes``)."""

    last_vs_best: dict[str, Any] | None
    flag_tests: dict[str, Any]
    pairing: dict[str, Any]
    source: dict[str, Any]
    notes: list[str]
    folds: list[dict[str, Any]]


FoldScan = tuple[Any, list[int], list[Any], Trajectory]
"""One fold of a history: its value, its rows (indices), their labels within the fold, its scan."""


def trajectory_report(command: Literal["epochs", "history"], rows: list[dict[str, Any]],
                      labels: list[Any], trajectory: Trajectory, min_loss_delta: float,
                      min_accuracy_delta: float, *, last_vs_best: dict[str, Any] | None = None,
                      flag_tests: dict[str, Any] | None = None,
                      pairing: dict[str, Any] | None = None,
                      source: dict[str, Any] | None = None,
                      notes: list[str] | None = None, metric: str | None = "accuracy",
                      accuracy_scan: Trajectory | None = None,
                      folds: list[FoldScan] | None = None) -> TrajectoryReport:
    """The report shared by ``epochs`` and ``history``: one row per evaluation, flags, bests.

    ``metric`` names the metric scanned beside the loss (its value is each row's
    ``metric_value``); ``accuracy_scan`` is the scan by accuracy when another metric
    was scanned (it gives ``best.by_accuracy``). ``epochs`` has ``last_vs_best`` (null
    when the last epoch is the best), the paired tests of its flags (``flag_tests``)
    and how its files were paired; ``history`` has its ``source``; both may have
    ``notes``. With ``folds``, each fold is reported in ``folds[]`` with its own epoch
    labels, and the top-level bests are null: any of them would compare folds.
    """
    def label(i: int | None) -> Any:
        return None if i is None else labels[i]

    by_loss = label(trajectory.best_by_loss)
    by_acc = label((accuracy_scan or trajectory).best_by_accuracy)
    report: TrajectoryReport = {
        "schema_version": SCHEMA_VERSION,
        "clfdiag_version": __version__,
        "command": command,
        "metric": metric,
        "epochs": [{k: number(v) for k, v in row.items()} for row in rows],
        "flagged": [labels[i] for i in trajectory.flagged],
        "flags": _flags(trajectory, labels, metric),
        "best": {"by_loss": by_loss, "by_accuracy": by_acc,
                 "differ": None if by_acc is None else by_loss != by_acc},
        "loss_rises_from": label(trajectory.loss_rises_from),
        "min_loss_delta": min_loss_delta,
        "min_accuracy_delta": min_accuracy_delta,
    }
    if folds is not None:
        report["best"] = {"by_loss": None, "by_accuracy": None, "differ": None}
        report["loss_rises_from"] = None
        report["folds"] = [_fold_entry(fold, [rows[i] for i in members], fold_labels, scan,
                                       metric)
                           for fold, members, fold_labels, scan in folds]
    if command == "epochs":
        report["last_vs_best"] = last_vs_best
    if flag_tests is not None:
        report["flag_tests"] = flag_tests
    if pairing is not None:
        report["pairing"] = pairing
    if source is not None:
        report["source"] = source
    if notes is not None:
        report["notes"] = notes
    return report


def _flags(trajectory: Trajectory, labels: list[Any], metric: str | None
           ) -> list[dict[str, Any]]:
    """One object per flagged evaluation: its label, the metric, and both changes."""
    return [{"epoch": labels[i], "metric": metric,
             "loss_delta": number(trajectory.loss_deltas[i]),
             "metric_delta": number(trajectory.metric_deltas[i])}
            for i in trajectory.flagged]


def _fold_entry(fold: Any, rows: list[dict[str, Any]], labels: list[Any], scan: Trajectory,
                metric: str | None) -> dict[str, Any]:
    """One fold of a history: the top-level keys, with the fold's own epoch labels."""
    by_loss = None if scan.best_by_loss is None else labels[scan.best_by_loss]
    by_acc = None if scan.best_by_accuracy is None else labels[scan.best_by_accuracy]
    return {"fold": fold,
            "epochs": [{k: number(v) for k, v in row.items()} | {"epoch": label}
                       for row, label in zip(rows, labels, strict=True)],
            "flagged": [labels[i] for i in scan.flagged],
            "flags": _flags(scan, labels, metric),
            "best": {"by_loss": by_loss, "by_accuracy": by_acc,
                     "differ": None if by_acc is None else by_loss != by_acc},
            "loss_rises_from": (None if scan.loss_rises_from is None
                                else labels[scan.loss_rises_from])}
