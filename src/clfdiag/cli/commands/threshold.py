"""``clfdiag threshold``: its options, the reading of its input, the API call and the delivery."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from clfdiag.cli.delivery import finish, input_paths, refuse_overwriting
from clfdiag.cli.options import (
    FORMATS_READ,
    Delivery,
    delivers,
    reads_predictions,
)
from clfdiag.limits import check_limits

if TYPE_CHECKING:
    from clfdiag.io import ReadOptions


@delivers("fail_under", "fail_over")
@reads_predictions(without=("pred_col", "weight_col"))
def threshold(
    file: Annotated[str, typer.Argument(
        help=f"Predictions: {FORMATS_READ}.")],
    *,
    optimize: Annotated[str | None, typer.Option(
        "--optimize", metavar="NAME", help="Criterion: youden, closest-topleft, f1, fbeta:B, "
        "mcc, accuracy, balanced-accuracy, cost, net-benefit:PT. Default: the table of all, "
        "best by Youden's J.", rich_help_panel="Criterion")] = None,
    cost_fp: Annotated[float, typer.Option(
        "--cost-fp", help="Cost of a false positive (criterion cost).",
        rich_help_panel="Criterion")] = 1.0,
    cost_fn: Annotated[float, typer.Option(
        "--cost-fn", help="Cost of a false negative (criterion cost).",
        rich_help_panel="Criterion")] = 1.0,
    prevalence: Annotated[float | None, typer.Option(
        "--prevalence", help="Deployment prevalence at which costs are weighed (default: the "
        "file's).", rich_help_panel="Criterion")] = None,
    min_recall: Annotated[float | None, typer.Option(
        "--min-recall", help="Only thresholds with recall >= R.",
        rich_help_panel="Constraints")] = None,
    min_precision: Annotated[float | None, typer.Option(
        "--min-precision", help="Only thresholds with precision >= P.",
        rich_help_panel="Constraints")] = None,
    min_specificity: Annotated[float | None, typer.Option(
        "--min-specificity", help="Only thresholds with specificity >= S.",
        rich_help_panel="Constraints")] = None,
    max_fpr: Annotated[float | None, typer.Option(
        "--max-fpr", help="Only thresholds with false positive rate <= F.",
        rich_help_panel="Constraints")] = None,
    current: Annotated[float | None, typer.Option(
        "--threshold", help="The threshold in use, to compare with (default 0.5 for "
        "probabilities).", show_default=False)] = None,
    folds: Annotated[int, typer.Option(
        "--folds", help="Cross-fit the choice over K stratified folds (0: skip).",
        rich_help_panel="Honest estimate")] = 5,
    bootstrap: Annotated[int, typer.Option(
        "--bootstrap", metavar="N", help="Stratified bootstrap intervals from N resamples "
        "(0: skip).", rich_help_panel="Honest estimate")] = 0,
    seed: Annotated[int, typer.Option(
        "--seed", help="Seed of the folds and the bootstrap.", min=0,
        rich_help_panel="Honest estimate")] = 0,
    risk_thresholds: Annotated[str | None, typer.Option(
        "--risk-thresholds", metavar="LIST|START:STOP:STEP", help="Risk thresholds of the "
        "decision curve (default 0.01:0.99:0.01).", rich_help_panel="Decision curve")] = None,
    by: Annotated[str | None, typer.Option(
        "--by", metavar="COLUMN", help="One operating point per group of this column.",
        rich_help_panel="Columns")] = None,
    cost_matrix: Annotated[str | None, typer.Option(
        "--cost-matrix", metavar="FILE", help="Multiclass: K x K costs (rows actual, columns "
        "predicted) for the Bayes decision.", rich_help_panel="Criterion")] = None,
    options: ReadOptions,
    delivery: Delivery,
) -> None:
    """Choose the decision threshold by costs, constraints or net benefit, honestly."""
    from clfdiag.api import threshold as choose
    from clfdiag.gates import check_gates, parse_gates
    from clfdiag.io import read_predictions
    from clfdiag.reports.threshold import ThresholdSettings

    gates = parse_gates(delivery.fail_under, delivery.fail_over)
    check_limits(bootstrap=bootstrap)
    inputs = input_paths(file, cost_matrix, options.labels_file)
    refuse_overwriting(inputs, delivery.output, delivery.junit)
    preds = read_predictions(file, options)
    groups = None
    if by is not None:
        from clfdiag.io.groups import read_group_column

        groups = read_group_column(file, by, preds)
    matrix = None
    if cost_matrix is not None:
        from clfdiag.io.cost_matrix import read_cost_matrix

        matrix = read_cost_matrix(cost_matrix, preds.classes)
    settings = ThresholdSettings(optimize, cost_fp, cost_fn, prevalence, min_recall,
                                 min_precision, min_specificity, max_fpr, current, folds,
                                 bootstrap, seed, risk_thresholds)
    report = choose(preds, settings, groups=groups, cost_matrix=matrix)
    results = check_gates(gates, report["metrics"], report["undefined"])
    finish(dict(report), results, delivery, inputs)
