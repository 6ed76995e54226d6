"""``clfdiag history``: its options, the reading of its input, the API call and the delivery."""

from __future__ import annotations

from typing import Annotated

import typer

from clfdiag.cli.delivery import finish, refuse_overwriting, where
from clfdiag.cli.options import (
    Delivery,
    MinAccuracyDelta,
    MinLossDelta,
    delivers,
)
from clfdiag.errors import ClfdiagError


@delivers("fail_on")
def history(
    files: Annotated[list[str], typer.Argument(
        help="A training log (Keras/Lightning CSV, trainer_state.json, MLflow metrics folder), "
             "or one TensorBoard/MLflow file per metric.")],
    loss_col: Annotated[str | None, typer.Option(
        "--loss-col", help="Validation loss column (or file, for one file per metric).")]
    = None,
    acc_col: Annotated[str | None, typer.Option(
        "--acc-col", help="Validation accuracy column (or file).")] = None,
    metric: Annotated[str | None, typer.Option(
        "--metric", metavar="NAME", help="Logged metric scanned with the loss instead of "
        "accuracy (higher is better), by its name as logged: val_auc, eval_f1, AUC.")]
    = None,
    fold_col: Annotated[str | None, typer.Option(
        "--fold-col", metavar="NAME", help="Column telling apart several runs in one file "
        "(default: a column named fold); each is scanned on its own.")] = None,
    min_loss_delta: MinLossDelta = 0.0,
    min_accuracy_delta: MinAccuracyDelta = 0.0,
    *,
    delivery: Delivery,
) -> None:
    """Scan a training history for epochs where validation loss and accuracy both rose."""
    from clfdiag.api import history as scan_history
    from clfdiag.gates import check_flags, parse_fail_on, require_scanned_metric
    from clfdiag.io.histories import read_history

    conditions = parse_fail_on(delivery.fail_on)
    if "regression" in conditions:
        raise ClfdiagError("--fail-on regression needs predictions to test significance",
                           "use it with `clfdiag compare` or `clfdiag epochs`")
    refuse_overwriting(files, delivery.output, delivery.junit)
    run = read_history(files, loss_col, acc_col, metric, fold_col)
    report = scan_history(run, min_loss_delta=min_loss_delta,
                          min_accuracy_delta=min_accuracy_delta)
    require_scanned_metric(dict(report), conditions)
    results = check_flags(conditions, where(report), [], 0.0, report["metric"],
                          run.loss_column)
    finish(report, results, delivery, files)
