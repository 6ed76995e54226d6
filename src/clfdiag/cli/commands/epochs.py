"""``clfdiag epochs``: its options, the reading of its input, the API call and the delivery."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from clfdiag.cli.delivery import finish, input_paths, read_options, refuse_overwriting, where
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
    Threshold,
    WeightCol,
)
from clfdiag.limits import check_limits


def epochs(
    files: Annotated[list[str], typer.Argument(
        help="Prediction files of one validation set, one per epoch.")],
    keep_order: Annotated[bool, typer.Option(
        "--keep-order", help="Take the files in the order given (default: natural sort).")]
    = False,
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
    threshold: Threshold = None,
    min_confidence: MinConfidence = 0.9,
    bins: Bins = 15,
    min_loss_delta: MinLossDelta = 0.0,
    min_accuracy_delta: MinAccuracyDelta = 0.0,
    alpha: Alpha = 0.05,
    allow_partial: AllowPartial = False,
    significant: Annotated[bool, typer.Option(
        "--significant", help="Keep only the flags where both rises are significant at "
        "--alpha (McNemar for accuracy, the paired log-loss test for loss).",
        rich_help_panel="Statistics")] = False,
    output_format: FormatOpt = Format.table,
    output: OutputOpt = None,
    plot: PlotOpt = None,
    fail_on: FailOn = None,
    junit: Junit = None,
) -> None:
    """Scan the epochs of a training run: flag each where loss and accuracy both rose."""
    from clfdiag.api import epochs as scan_epochs
    from clfdiag.gates import check_flags, parse_fail_on
    from clfdiag.io import read_predictions

    conditions = parse_fail_on(fail_on or [])
    check_limits(bins=bins)
    refuse_overwriting(input_paths(*files, labels_file), output, junit)
    options = read_options(label_col, prob_col, id_col, positive, logits, renormalize,
                            drop_invalid, pred_col, percent, scores, labels_file, weight_col)
    ordered = files if keep_order else sorted(files, key=natural_key)
    runs = [read_predictions(f, options) for f in ordered]
    report = scan_epochs(runs, threshold=threshold, min_confidence=min_confidence, bins=bins,
                         min_loss_delta=min_loss_delta, min_accuracy_delta=min_accuracy_delta,
                         alpha=alpha, allow_partial=allow_partial, significant=significant)
    last = report.get("last_vs_best") or {}
    results = check_flags(conditions, where(report), last.get("regressions", []), alpha)
    finish(report, results, output_format, output, plot, junit, input_paths(*files, labels_file))



def natural_key(name: str) -> list[Any]:
    """Sort key under which epoch_2 comes before epoch_10."""
    import re

    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", name)]
