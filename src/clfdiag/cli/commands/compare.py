"""``clfdiag compare``: its options, the reading of its input, the API call and the delivery."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from clfdiag.cli.delivery import finish, input_paths, refuse_overwriting
from clfdiag.cli.options import (
    AllowPartial,
    CorrectionChoice,
    CorrectionOpt,
    Delivery,
    FairnessAgg,
    FairnessBootstrap,
    FairnessReference,
    ScanKeywords,
    ZeroDivision,
    compares_runs,
)
from clfdiag.errors import ClfdiagError
from clfdiag.limits import MAX_BOOTSTRAP, check_limits

if TYPE_CHECKING:
    from clfdiag.io import ReadOptions
    from clfdiag.io.multilabel import MultilabelOptions


@compares_runs()
def compare(
    file_a: Annotated[str, typer.Argument(help="Predictions of model (or epoch) A.")],
    file_b: Annotated[str, typer.Argument(help="Predictions of B for the same examples.")],
    more_files: Annotated[list[str] | None, typer.Argument(
        help="Predictions of more models for the same examples: every model is then paired "
             "to the first and every pair tested, the p-values corrected.",
        show_default=False)] = None,
    *,
    name: Annotated[list[str] | None, typer.Option(
        "--name", help="Name of each model (three or more files): once per file, in their "
             "order; default: the file names without extension.",
        rich_help_panel="Statistics")] = None,
    correction: CorrectionOpt = CorrectionChoice.holm,
    options: ReadOptions,
    multi: MultilabelOptions | None,
    zero_division: ZeroDivision = None,
    allow_partial: AllowPartial = False,
    scan: ScanKeywords,
    bootstrap: Annotated[int, typer.Option(
        help="Bootstrap the log-loss difference with N resamples instead of a t test "
             f"(0 to {MAX_BOOTSTRAP:,}).", rich_help_panel="Statistics")] = 0,
    seed: Annotated[int | None, typer.Option(
        help="Seed for --bootstrap and --fairness-bootstrap.", min=0,
        rich_help_panel="Statistics")] = None,
    by: Annotated[list[str] | None, typer.Option(
        "--by", metavar="COLUMN", help="Compare the group-fairness disparities of A and B "
        "over the groups of COLUMN (read beside A); repeat to cross columns.",
        rich_help_panel="Fairness")] = None,
    fairness_reference: FairnessReference = "between-groups",
    fairness_agg: FairnessAgg = "worst-case",
    fairness_bootstrap: FairnessBootstrap = 1000,
    delivery: Delivery,
) -> None:
    """Compare predictions of the same examples: what changed, is it significant, and why.

    With three or more files: which model is best, and which differences are real.
    """
    from clfdiag.api import compare as compare_predictions
    from clfdiag.api import read_either
    from clfdiag.gates import check_flags, parse_fail_on
    from clfdiag.predictions import Predictions

    files = [file_a, file_b, *(more_files or [])]
    if len(files) > 2:
        refuse_two_file_flags(fail_on=delivery.fail_on, junit=delivery.junit,
                              plot=delivery.plot, by=by)
    conditions = parse_fail_on(delivery.fail_on)
    check_limits(top=scan["top"], bins=scan["bins"], bootstrap=bootstrap)
    inputs = input_paths(*files, options.labels_file)
    refuse_overwriting(inputs, delivery.output, delivery.junit)
    preds = [read_either(f, options, multi) for f in files]
    group_values = None
    if by and isinstance(preds[0], Predictions):
        from clfdiag.io.groups import read_groups

        group_values = read_groups(file_a, list(by), preds[0], options.labels_file,
                                   options.id_col)
    report = compare_predictions(
        *preds, names=name, correction=correction.value, allow_partial=allow_partial,
        bootstrap=bootstrap, seed=seed,
        sample_points=2000 if len(files) == 2 and delivery.wants_figures else 0,
        zero_division=zero_division, by=by, group_values=group_values,
        fairness_reference=fairness_reference, fairness_agg=fairness_agg,
        fairness_bootstrap=fairness_bootstrap, **scan)
    results = []
    if len(files) == 2:
        flagged = ["from A to B"] if report["loss_up_accuracy_up"] else []
        results = check_flags(conditions, flagged, report["regressions"], scan["alpha"],
                              report.get("metric") or scan["metric"] or "accuracy")
    finish(report, results, delivery, inputs)


def refuse_two_file_flags(**given: object) -> None:
    """The gates and figures of A against B have no meaning for three or more files."""
    for flag, value in given.items():
        if value:
            name = "--" + flag.replace("_", "-")
            raise ClfdiagError(f"{name} applies to the comparison of two files, but three or "
                               "more were given",
                               f"leave out {name}, or compare two of the files")
