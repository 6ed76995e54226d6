"""``clfdiag compare``: its options, the reading of its input, the API call and the delivery."""

from __future__ import annotations

from typing import Annotated

import typer

from clfdiag.cli.delivery import finish, input_paths, read_options, refuse_overwriting
from clfdiag.cli.options import (
    AllowPartial,
    Alpha,
    Bins,
    DropInvalid,
    FailOn,
    Format,
    FormatOpt,
    IdCol,
    Junit,
    LabelCol,
    LabelsFile,
    Logits,
    MinAccuracyDelta,
    MinConfidence,
    MinLossDelta,
    OutputOpt,
    Percent,
    PlotOpt,
    Positive,
    PredCol,
    ProbCol,
    Renormalize,
    Scores,
    ScoreThreshold,
    Top,
    WeightCol,
)
from clfdiag.limits import MAX_BOOTSTRAP, check_limits


def compare(
    file_a: Annotated[str, typer.Argument(help="Predictions of model (or epoch) A.")],
    file_b: Annotated[str, typer.Argument(help="Predictions of B for the same examples.")],
    label_col: LabelCol = None,
    prob_col: ProbCol = None,
    id_col: IdCol = None,
    positive: Positive = None,
    logits: Logits = False,
    renormalize: Renormalize = False,
    drop_invalid: DropInvalid = False,
    pred_col: PredCol = None,
    labels_file: LabelsFile = None,
    percent: Percent = False,
    scores: Scores = False,
    weight_col: WeightCol = None,
    allow_partial: AllowPartial = False,
    threshold: ScoreThreshold = None,
    min_confidence: MinConfidence = 0.9,
    top: Top = 10,
    bins: Bins = 15,
    min_loss_delta: MinLossDelta = 0.0,
    min_accuracy_delta: MinAccuracyDelta = 0.0,
    alpha: Alpha = 0.05,
    bootstrap: Annotated[int, typer.Option(
        help="Bootstrap the log-loss difference with N resamples instead of a t test "
             f"(0 to {MAX_BOOTSTRAP:,}).", rich_help_panel="Statistics")] = 0,
    seed: Annotated[int | None, typer.Option(help="Seed for --bootstrap.", min=0,
                                             rich_help_panel="Statistics")] = None,
    output_format: FormatOpt = Format.table,
    output: OutputOpt = None,
    plot: PlotOpt = None,
    fail_on: FailOn = None,
    junit: Junit = None,
) -> None:
    """Compare two predictions of the same examples: what changed, is it significant, and why."""
    from clfdiag.api import compare as compare_predictions
    from clfdiag.gates import check_flags, parse_fail_on
    from clfdiag.io import read_predictions

    conditions = parse_fail_on(fail_on or [])
    check_limits(top=top, bins=bins, bootstrap=bootstrap)
    refuse_overwriting(input_paths(file_a, file_b, labels_file), output, junit)
    options = read_options(label_col, prob_col, id_col, positive, logits, renormalize,
                            drop_invalid, pred_col, percent, scores, labels_file, weight_col)
    a, b = read_predictions(file_a, options), read_predictions(file_b, options)
    report = compare_predictions(
        a, b, allow_partial=allow_partial, threshold=threshold, min_confidence=min_confidence,
        top=top, bins=bins, min_loss_delta=min_loss_delta,
        min_accuracy_delta=min_accuracy_delta, alpha=alpha, bootstrap=bootstrap, seed=seed,
        sample_points=2000 if plot or output_format is Format.html else 0)
    flagged = ["from A to B"] if report["loss_up_accuracy_up"] else []
    results = check_flags(conditions, flagged, report["regressions"], alpha)
    finish(report, results, output_format, output, plot, junit,
            input_paths(file_a, file_b, labels_file))
