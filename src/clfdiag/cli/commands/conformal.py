"""``clfdiag conformal``: its options, the reading of CAL and TEST, the API call, the delivery."""

from __future__ import annotations

import functools
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import typer

from clfdiag.cli.delivery import finish, input_paths, refuse_overwriting
from clfdiag.cli.options import (
    Delivery,
    delivers,
    reads_predictions,
)

if TYPE_CHECKING:
    from clfdiag.io import ReadOptions


SetsOption = functools.partial(typer.Option, rich_help_panel="Sets")
"""An option of the help's Sets panel: how the prediction sets are made."""


class ConformalMethod(str, Enum):
    """The non-conformity scores of ``--method`` (docs/conformal.md)."""

    lac = "lac"
    aps = "aps"
    aps_incl = "aps-incl"
    raps = "raps"
    topk = "topk"


class ConformalFailOn(str, Enum):
    """The conditions of ``clfdiag conformal --fail-on``."""

    undercoverage = "undercoverage"


@delivers("fail_on", fail_on=Annotated[list[ConformalFailOn] | None, typer.Option(
    "--fail-on", metavar="CONDITION", help="Exit 1 on: undercoverage (the test coverage at some "
    "alpha is significantly below 1 - alpha).", rich_help_panel="Gates")])
@reads_predictions(labels_file=Annotated[str | None, typer.Option(
    "--labels", metavar="FILE", help="Read CAL's true labels from FILE, joined by id (or by row "
    "position when neither file has ids and the row counts match).", rich_help_panel="Columns")])
def conformal(
    cal_file: Annotated[str, typer.Argument(
        metavar="CAL", help="Calibration predictions: held-out rows with labels.")],
    test_file: Annotated[str, typer.Argument(
        metavar="TEST", help="Test predictions of the same model and classes (labels "
        "optional: with them, the coverage is measured).")],
    *,
    options: ReadOptions,
    alpha: Annotated[list[str] | None, SetsOption(
        "--alpha", metavar="ALPHA", help="Error rate in (0, 1), read exactly as written; "
        "repeat for several (one result each, in order).  \\[default: 0.1]",
        show_default=False)] = None,
    method: Annotated[ConformalMethod, SetsOption(
        "--method", help="Non-conformity score: lac (1 - p_y), aps (cumulative probability), "
        "aps-incl (aps sets including the class that crosses qhat), raps (aps plus a rank "
        "penalty), topk (rank).")] = ConformalMethod.lac,
    class_conditional: Annotated[bool, SetsOption(
        "--class-conditional", help="One threshold per class (Mondrian; coverage for each "
        "true class), with --method lac.")] = False,
    raps_penalty: Annotated[float, SetsOption(
        "--raps-penalty", help="RAPS: penalty per rank beyond --raps-kreg (>= 0).",
        min=0.0)] = 0.001,
    raps_kreg: Annotated[int, SetsOption(
        "--raps-kreg", help="RAPS: ranks up to this one are not penalised.", min=0)] = 1,
    randomized: Annotated[bool, SetsOption(
        "--randomized", help="Randomised APS/RAPS (one uniform draw per row), seeded by "
        "--seed.")] = False,
    seed: Annotated[int, SetsOption(
        "--seed", help="Seed of numpy's default_rng for --randomized.", min=0)] = 0,
    sets_out: Annotated[str | None, typer.Option(
        "--sets-out", metavar="FILE", help="Write each test row's set at each alpha (CSV, or "
        "Parquet for a .parquet name).", rich_help_panel="Output")] = None,
    significance: Annotated[float, typer.Option(
        "--significance", help="Level of the binomial undercoverage test (--fail-on "
        "undercoverage).", rich_help_panel="Statistics")] = 0.05,
    delivery: Delivery,
) -> None:
    """Prediction sets with a coverage guarantee (split conformal), from saved probabilities."""
    import dataclasses

    from clfdiag.api import conformal as conformal_sets
    from clfdiag.errors import ClfdiagError
    from clfdiag.gates import FlagCheck
    from clfdiag.io import read_predictions

    if options.weight_col is not None:
        from clfdiag.api import CONFORMAL_WEIGHTS_REFUSED

        raise ClfdiagError(f"--weight-col {options.weight_col}: {CONFORMAL_WEIGHTS_REFUSED}",
                           "leave out --weight-col")
    inputs = input_paths(cal_file, test_file, options.labels_file)
    refuse_overwriting(inputs, delivery.output, delivery.junit)
    refuse_overwriting([*inputs, *([delivery.output] if delivery.output else [])], sets_out,
                       None)
    cal = read_predictions(cal_file, options)
    test = read_predictions(test_file, dataclasses.replace(
        options, labels_file=None,
        labels_required=has_label_column(test_file, options.label_col)))
    report = conformal_sets(
        cal, test, alpha=alpha or ["0.1"], method=method.value,
        class_conditional=class_conditional, raps_penalty=raps_penalty, raps_kreg=raps_kreg,
        randomized=randomized, seed=seed, significance=significance, sets_out=sets_out)
    checks = []
    if delivery.fail_on:
        if report["n_test"] and report["results"][0]["coverage"] is None:
            raise ClfdiagError(f"--fail-on undercoverage: {test_file} has no labels, so its "
                               "coverage cannot be measured",
                               "give TEST a label column, or leave out --fail-on")
        under = [f"alpha {r['alpha']:g}: coverage {r['coverage']:.4f} "
                 f"{'<' if r['coverage'] < r['target_coverage'] else '>='} "
                 f"{r['target_coverage']:g} (p = {r['undercoverage']['p_value']:.3g} "
                 f"< {significance:g})"
                 for r in report["results"]
                 if r["undercoverage"] is not None and r["undercoverage"]["undercovered"]]
        message = ("undercovered at " + "; ".join(under) if under else
                   f"no alpha significantly undercovered at --significance {significance:g}")
        checks.append(FlagCheck("--fail-on undercoverage", not under, message))
    finish(report, checks, delivery, inputs)


def has_label_column(path: str, label_col: str | None) -> bool:
    """Whether TEST has labels to read: ``--label-col`` names one, or a header holds one."""
    if label_col is not None:
        return True
    from clfdiag.io.header_roles import LABEL_NAMES
    from clfdiag.io.source import open_source
    from clfdiag.io.tables import table_header

    return any(c.strip().lower() in LABEL_NAMES for c in table_header(open_source(path)))
