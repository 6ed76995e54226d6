"""``clfdiag epochs``: its options, the reading of its input, the API call and the delivery."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from clfdiag.cli.delivery import finish, input_paths, refuse_overwriting, where
from clfdiag.cli.options import (
    AllowPartial,
    Delivery,
    ScanKeywords,
    Threshold,
    ZeroDivision,
    compares_runs,
)
from clfdiag.limits import check_limits

if TYPE_CHECKING:
    from clfdiag.io import ReadOptions
    from clfdiag.io.multilabel import MultilabelOptions


@compares_runs(without=("top",), threshold=Threshold)
def epochs(
    files: Annotated[list[str], typer.Argument(
        help="Prediction files of one validation set, one per epoch.")],
    *,
    keep_order: Annotated[bool, typer.Option(
        "--keep-order", help="Take the files in the order given (default: natural sort).")]
    = False,
    options: ReadOptions,
    multi: MultilabelOptions | None,
    zero_division: ZeroDivision = None,
    scan: ScanKeywords,
    allow_partial: AllowPartial = False,
    significant: Annotated[bool, typer.Option(
        "--significant", help="Keep only the flags where both rises are significant at "
        "--alpha (McNemar for accuracy, the paired log-loss test for loss).",
        rich_help_panel="Statistics")] = False,
    delivery: Delivery,
) -> None:
    """Scan the epochs of a training run: flag each where loss and accuracy both rose."""
    from clfdiag.api import epochs as scan_epochs
    from clfdiag.api import read_either
    from clfdiag.gates import check_flags, parse_fail_on

    conditions = parse_fail_on(delivery.fail_on)
    check_limits(bins=scan["bins"])
    inputs = input_paths(*files, options.labels_file)
    refuse_overwriting(inputs, delivery.output, delivery.junit)
    ordered = files if keep_order else sorted(files, key=natural_key)
    runs = [read_either(f, options, multi) for f in ordered]
    report = scan_epochs(runs, allow_partial=allow_partial, significant=significant,
                         zero_division=zero_division, **scan)
    last = report.get("last_vs_best") or {}
    results = check_flags(conditions, where(report), last.get("regressions", []),
                          scan["alpha"], report.get("metric") or scan["metric"] or "accuracy")
    finish(report, results, delivery, inputs)


def natural_key(name: str) -> list[Any]:
    """Sort key under which epoch_2 comes before epoch_10."""
    import re

    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", name)]
