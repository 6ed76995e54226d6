"""``clfdiag ood``: its options, the reading of its input, the API call and the delivery."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from clfdiag.cli.delivery import finish, input_paths, refuse_overwriting
from clfdiag.cli.options import (
    Delivery,
    Top,
    delivers,
    reads_predictions,
)
from clfdiag.limits import check_limits

if TYPE_CHECKING:
    from clfdiag.io import ReadOptions


@delivers()
@reads_predictions(without=("pred_col", "scores", "weight_col"), logits=Annotated[
    bool, typer.Option("--logits", help="Values are raw logits: apply sigmoid/softmax and add "
                       "the max-logit and energy scores.", rich_help_panel="Input")])
def ood(
    in_file: Annotated[str, typer.Argument(
        help="Predictions on in-distribution data, with labels.")],
    out_files: Annotated[list[str], typer.Argument(
        help="Predictions of the same model on out-of-distribution data, one file per set "
             "(labels not needed, ignored if present).")],
    *,
    options: ReadOptions,
    min_confidence: Annotated[float, typer.Option(
        help="Confidence at or above which a prediction counts as confident.", min=0.0,
        max=1.0)] = 0.9,
    keep: Annotated[float, typer.Option(
        help="Share of in-distribution examples the operating threshold keeps, in (0, 1].",
        max=1.0)] = 0.95,
    top: Top = 3,
    delivery: Delivery,
) -> None:
    """How confident the model is on inputs unlike its training data, and whether it shows."""
    import dataclasses

    from clfdiag.api import ood as assess_ood
    from clfdiag.io import read_predictions

    check_limits(top=top)
    inputs = input_paths(in_file, *out_files, options.labels_file)
    refuse_overwriting(inputs, delivery.output, None)
    unlabelled = dataclasses.replace(options, labels_required=False, labels_file=None)
    in_preds = read_predictions(in_file, options)
    out_preds = [read_predictions(f, unlabelled) for f in out_files]
    report = assess_ood(in_preds, out_preds, min_confidence=min_confidence, keep=keep, top=top)
    finish(report, [], delivery, inputs)
