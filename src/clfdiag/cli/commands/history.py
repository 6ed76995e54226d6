"""``clfdiag history``: its options, the reading of its input, the API call and the delivery."""

from __future__ import annotations

from typing import Annotated

import typer

from clfdiag.cli.delivery import finish, refuse_overwriting, where
from clfdiag.cli.options import (
    FailOn,
    Format,
    FormatOpt,
    Junit,
    MinAccuracyDelta,
    MinLossDelta,
    OutputOpt,
    PlotOpt,
)
from clfdiag.errors import ClfdiagError


def history(
    files: Annotated[list[str], typer.Argument(
        help="A training log (Keras/Lightning CSV, trainer_state.json, MLflow metrics folder), "
             "or one TensorBoard/MLflow file per metric.")],
    loss_col: Annotated[str | None, typer.Option(
        "--loss-col", help="Validation loss column (or file, for one file per metric).")]
    = None,
    acc_col: Annotated[str | None, typer.Option(
        "--acc-col", help="Validation accuracy column (or file).")] = None,
    min_loss_delta: MinLossDelta = 0.0,
    min_accuracy_delta: MinAccuracyDelta = 0.0,
    output_format: FormatOpt = Format.table,
    output: OutputOpt = None,
    plot: PlotOpt = None,
    fail_on: FailOn = None,
    junit: Junit = None,
) -> None:
    """Scan a training history for epochs where validation loss and accuracy both rose."""
    from clfdiag.api import history as scan_history
    from clfdiag.gates import check_flags, parse_fail_on
    from clfdiag.io.histories import read_history

    conditions = parse_fail_on(fail_on or [])
    if "regression" in conditions:
        raise ClfdiagError("--fail-on regression needs predictions to test significance",
                           "use it with `clfdiag compare` or `clfdiag epochs`")
    refuse_overwriting(files, output, junit)
    run = read_history(files, loss_col, acc_col)
    report = scan_history(run, min_loss_delta=min_loss_delta,
                          min_accuracy_delta=min_accuracy_delta)
    results = check_flags(conditions, where(report), [], 0.0)
    finish(report, results, output_format, output, plot, junit, files)
