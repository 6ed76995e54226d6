"""``clfdiag evaluate``: its options, the reading of its input, the API call and the delivery."""

from __future__ import annotations

import contextlib
from typing import Annotated

import typer

from clfdiag.cli.delivery import finish, input_paths, read_options, refuse_overwriting
from clfdiag.cli.options import (
    Bins,
    By,
    DropInvalid,
    EngineChoice,
    FailOver,
    FailUnder,
    Format,
    FormatOpt,
    IdCol,
    Junit,
    LabelCol,
    LabelsFile,
    Logits,
    MinConfidence,
    MinGroup,
    OutputOpt,
    Percent,
    PlotOpt,
    Positive,
    PredCol,
    ProbCol,
    Renormalize,
    Scores,
    SliceAlpha,
    SliceMetricChoice,
    SliceMetricOpt,
    ThresholdRule,
    Top,
    WeightCol,
)
from clfdiag.errors import ClfdiagError
from clfdiag.limits import check_limits


def evaluate(
    file: Annotated[str, typer.Argument(
        help="Predictions: CSV/TSV/Parquet, optionally .gz/.bz2/.xz/.zip; '-' for stdin.")],
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
    streaming: Annotated[bool | None, typer.Option(
        "--streaming/--in-memory",
        help="Read in batches (files larger than memory; ranking metrics from a fine "
             "histogram, with an error bound) or all at once. Default: by file size.",
        rich_help_panel="Input")] = None,
    threshold: ThresholdRule = None,
    min_confidence: MinConfidence = 0.9,
    top: Top = 10,
    bins: Bins = 15,
    bootstrap: Annotated[int, typer.Option(
        help="Percentile interval of the top-label ECE from N stratified resamples (in "
        "memory only).", min=0, rich_help_panel="Statistics")] = 0,
    seed: Annotated[int | None, typer.Option(help="Seed for --bootstrap.",
                                             rich_help_panel="Statistics")] = None,
    target_risk: Annotated[float | None, typer.Option(
        help="Selective risk (error rate among the kept) for the coverage-at-risk figure  "
             "\\[default: half the error rate]", min=0.0, max=1.0, show_default=False)] = None,
    output_format: FormatOpt = Format.table,
    output: OutputOpt = None,
    plot: PlotOpt = None,
    fail_under: FailUnder = None,
    fail_over: FailOver = None,
    junit: Junit = None,
    by: By = None,
    min_group: MinGroup = 30,
    slice_metric: SliceMetricOpt = SliceMetricChoice.accuracy,
    alpha: SliceAlpha = 0.05,
    engine: Annotated[EngineChoice, typer.Option(
        "--engine", help="local: this process (in memory or streaming); dask: FILE is a file, "
        "directory, glob or URL of Parquet/CSV parts, each folded on a Dask worker.",
        rich_help_panel="Input")] = EngineChoice.local,
    scheduler: Annotated[str | None, typer.Option(
        "--scheduler", metavar="ADDRESS", help="With --engine dask: a running scheduler "
        "(tcp://host:8786). Default: a local cluster, one worker process a core.",
        rich_help_panel="Input")] = None,
    quiet: Annotated[bool, typer.Option(
        "--quiet", "-q", help="No progress bar (shown on stderr, only at a terminal, for "
        "runs longer than two seconds).")] = False,
) -> None:
    """Evaluate one predictions file: losses, rates, curves, calibration, confident errors."""
    from clfdiag.api import evaluate_file
    from clfdiag.engines.slices import SliceOptions
    from clfdiag.gates import check_gates, parse_gates

    gates = parse_gates(fail_under or [], fail_over or [])
    check_limits(top=top, bins=bins)
    refuse_overwriting(input_paths(file, labels_file), output, junit)
    options = read_options(label_col, prob_col, id_col, positive, logits, renormalize,
                            drop_invalid, pred_col, percent, scores, labels_file, weight_col)
    slices = SliceOptions(tuple(by), slice_metric.value, min_group, alpha) if by else None
    if scheduler is not None and engine is not EngineChoice.dask:
        raise ClfdiagError("--scheduler applies to --engine dask", "add --engine dask")
    from clfdiag.render.progress import terminal_progress

    progress = terminal_progress(quiet)
    with progress or contextlib.nullcontext():
        report = evaluate_file(file, options, streaming=streaming, threshold=threshold,
                               min_confidence=min_confidence, top=top, bins=bins,
                               slices=slices, engine=engine.value, scheduler=scheduler,
                               progress=progress, bootstrap=bootstrap, seed=seed,
                               target_risk=target_risk)
    results = check_gates(gates, report["metrics"], report["undefined"])
    finish(report, results, output_format, output, plot, junit, input_paths(file, labels_file))
