"""``clfdiag evaluate``: its options, the reading of its input, the API call and the delivery."""

from __future__ import annotations

import contextlib
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from clfdiag.cli.delivery import finish, input_paths, refuse_overwriting
from clfdiag.cli.options import (
    FORMATS_READ,
    Bins,
    By,
    Delivery,
    DisparityMetric,
    EngineChoice,
    FairnessAgg,
    FairnessBootstrap,
    FairnessReference,
    MaxDisparity,
    MinConfidence,
    MinGroup,
    SliceAlpha,
    SliceMetricChoice,
    SliceMetricOpt,
    ThresholdRule,
    Top,
    ZeroDivision,
    delivers,
    reads_predictions,
)
from clfdiag.errors import ClfdiagError
from clfdiag.limits import check_limits

if TYPE_CHECKING:
    from clfdiag.io import ReadOptions
    from clfdiag.io.multilabel import MultilabelOptions


class HlMethodChoice(str, Enum):
    """How the Hosmer-Lemeshow test groups the probabilities."""

    quantile = "quantile"
    equal_count = "equal-count"


@delivers("fail_under", "fail_over")
@reads_predictions(multilabel=True)
def evaluate(
    file: Annotated[str, typer.Argument(
        help=f"Predictions: {FORMATS_READ}; '-' for stdin.")],
    *,
    options: ReadOptions,
    multi: MultilabelOptions | None,
    thresholds: Annotated[str | None, typer.Option(
        "--thresholds", metavar="FILE", help="Multi-label: one threshold per label, as JSON "
        '({"label": t, ...} or a list in label order) or CSV (label,threshold).',
        rich_help_panel="Multi-label")] = None,
    zero_division: ZeroDivision = None,
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
    seed: Annotated[int | None, typer.Option(help="Seed for --bootstrap.", min=0,
                                             rich_help_panel="Statistics")] = None,
    target_risk: Annotated[float | None, typer.Option(
        help="Selective risk (error rate among the kept) for the coverage-at-risk figure  "
             "\\[default: half the error rate]", min=0.0, max=1.0, show_default=False)] = None,
    delivery: Delivery,
    by: By = None,
    min_group: MinGroup = 30,
    slice_metric: SliceMetricOpt = SliceMetricChoice.accuracy,
    alpha: SliceAlpha = 0.05,
    fairness_reference: FairnessReference = "between-groups",
    fairness_agg: FairnessAgg = "worst-case",
    fairness_bootstrap: FairnessBootstrap = 1000,
    fail_on: Annotated[list[str] | None, typer.Option(
        "--fail-on", metavar="CONDITION", help="Exit 1 on: disparity (with --by, "
        "--max-disparity and --disparity-metric). Repeatable.", rich_help_panel="Gates")]
    = None,
    max_disparity: MaxDisparity = None,
    disparity_metric: DisparityMetric = "equalized_odds_difference",
    engine: Annotated[EngineChoice, typer.Option(
        "--engine", help="local: this process (in memory or streaming); dask: FILE is a file, "
        "directory, glob or URL of Parquet/CSV parts, each folded on a Dask worker.",
        rich_help_panel="Input")] = EngineChoice.local,
    scheduler: Annotated[str | None, typer.Option(
        "--scheduler", metavar="ADDRESS", help="With --engine dask: a running scheduler "
        "(tcp://host:8786). Default: a local cluster, one worker process a core.",
        rich_help_panel="Input")] = None,
    hl_groups: Annotated[int, typer.Option(
        "--hl-groups", help="Groups of the Hosmer-Lemeshow test in calibration_tests "
        "(df = groups - 2).", min=3, rich_help_panel="Statistics")] = 10,
    hl_method: Annotated[HlMethodChoice, typer.Option(
        "--hl-method", help="Hosmer-Lemeshow groups: quantile (the unique deciles of p, as "
        "ResourceSelection::hoslem.test) or equal-count (the sorted rows cut in equal parts).",
        rich_help_panel="Statistics")] = HlMethodChoice.quantile,
    quiet: Annotated[bool, typer.Option(
        "--quiet", "-q", help="No progress bar (shown on stderr, only at a terminal, for "
        "runs longer than two seconds).")] = False,
) -> None:
    """Evaluate one predictions file: losses, rates, curves, calibration, confident errors."""
    from clfdiag.api import evaluate_file
    from clfdiag.engines.slices import SliceOptions, fairness_choice
    from clfdiag.gates import check_disparity, check_gates, disparity_gate, parse_gates

    gates = parse_gates(delivery.fail_under, delivery.fail_over)
    fairness_gate = disparity_gate(fail_on or [], max_disparity, disparity_metric, by)
    check_limits(top=top, bins=bins)
    inputs = input_paths(file, options.labels_file, thresholds)
    refuse_overwriting(inputs, delivery.output, delivery.junit)
    slices = SliceOptions(
        tuple(by), slice_metric.value, min_group, alpha,
        fairness_reference=fairness_choice("--fairness-reference", fairness_reference),
        fairness_aggregation=fairness_choice("--fairness-agg", fairness_agg),
        fairness_bootstrap=fairness_bootstrap, seed=seed) if by else None
    if scheduler is not None and engine is not EngineChoice.dask:
        raise ClfdiagError("--scheduler applies to --engine dask", "add --engine dask")
    from clfdiag.render.progress import terminal_progress

    progress = terminal_progress(quiet)
    with progress or contextlib.nullcontext():
        report = evaluate_file(file, options, streaming=streaming, threshold=threshold,
                               min_confidence=min_confidence, top=top, bins=bins,
                               slices=slices, engine=engine.value, scheduler=scheduler,
                               progress=progress, bootstrap=bootstrap, seed=seed,
                               target_risk=target_risk, multilabel=multi,
                               thresholds=thresholds, zero_division=zero_division,
                               curves=delivery.wants_figures,
                               hl_groups=hl_groups, hl_method=hl_method.value)
    results: list[Any] = check_gates(gates, report["metrics"], report["undefined"])
    if fairness_gate is not None:
        results.append(check_disparity(report.get("fairness") or [], *fairness_gate))
    finish(dict(report), results, delivery, inputs)
