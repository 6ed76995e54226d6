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
    epochs: list[dict[str, Any]]
    flagged: list[Any]
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


def trajectory_report(command: Literal["epochs", "history"], rows: list[dict[str, Any]],
                      labels: list[Any], trajectory: Trajectory, min_loss_delta: float,
                      min_accuracy_delta: float, *, last_vs_best: dict[str, Any] | None = None,
                      flag_tests: dict[str, Any] | None = None,
                      pairing: dict[str, Any] | None = None,
                      source: dict[str, Any] | None = None,
                      notes: list[str] | None = None) -> TrajectoryReport:
    """The report shared by ``epochs`` and ``history``: one row per evaluation, flags, bests.

    ``epochs`` has ``last_vs_best`` (null when the last epoch is the best), the
    paired tests of its flags (``flag_tests``) and how its files were paired;
    ``history`` has its ``source``; both may have ``notes``.
    """
    def label(i: int | None) -> Any:
        return None if i is None else labels[i]

    by_loss, by_acc = label(trajectory.best_by_loss), label(trajectory.best_by_accuracy)
    report: TrajectoryReport = {
        "schema_version": SCHEMA_VERSION,
        "clfdiag_version": __version__,
        "command": command,
        "epochs": [{k: number(v) for k, v in row.items()} for row in rows],
        "flagged": [labels[i] for i in trajectory.flagged],
        "best": {"by_loss": by_loss, "by_accuracy": by_acc,
                 "differ": None if by_acc is None else by_loss != by_acc},
        "loss_rises_from": label(trajectory.loss_rises_from),
        "min_loss_delta": min_loss_delta,
        "min_accuracy_delta": min_accuracy_delta,
    }
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
