"""``clfdiag label-issues``: its options, the reading of its input, the API call, the gate."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Annotated

import typer

from clfdiag.cli.delivery import finish, input_paths, refuse_overwriting, say
from clfdiag.cli.options import (
    FORMATS_READ,
    Delivery,
    Top,
    delivers,
    reads_predictions,
)
from clfdiag.errors import ClfdiagError
from clfdiag.gates import split_bound
from clfdiag.limits import check_limits

if TYPE_CHECKING:
    from clfdiag.io.options import ReadOptions


class FilterChoice(str, Enum):
    """Which examples ``--filter`` flags (cleanlab's ``filter_by``, with hyphens)."""

    prune_by_noise_rate = "prune-by-noise-rate"
    prune_by_class = "prune-by-class"
    both = "both"
    confident_learning = "confident-learning"
    predicted_neq_given = "predicted-neq-given"
    low_self_confidence = "low-self-confidence"
    low_normalized_margin = "low-normalized-margin"


class RankByChoice(str, Enum):
    """The label quality score that orders the flagged examples."""

    self_confidence = "self-confidence"
    normalized_margin = "normalized-margin"
    confidence_weighted_entropy = "confidence-weighted-entropy"


HEALTH_GATE = "label-health-below"


def label_health_bound(conditions: list[str]) -> float | None:
    """The X of ``--fail-on label-health-below=X`` (the last one given), or None."""
    bound = None
    for condition in conditions:
        parsed = split_bound(condition)
        if parsed is None or parsed[0] != HEALTH_GATE:
            raise ClfdiagError(f"--fail-on {condition!r}: expected {HEALTH_GATE}=X",
                               f"e.g. --fail-on {HEALTH_GATE}=0.95 exits 1 when the label "
                               "health score is below 0.95")
        bound = parsed[1]
    return bound


@delivers("fail_on", fail_on=Annotated[list[str] | None, typer.Option(
    "--fail-on", metavar="CONDITION", help=f"Exit 1 on {HEALTH_GATE}=X: the label health score "
    "is below X.", rich_help_panel="Gates")])
@reads_predictions()
def label_issues(
    file: Annotated[str, typer.Argument(
        help="Out-of-sample predictions (cross-validated or held out) with the given labels: "
             f"{FORMATS_READ}; '-' for stdin.")],
    *,
    options: ReadOptions,
    filter_by: Annotated[FilterChoice, typer.Option(
        "--filter", help="Which examples to flag (cleanlab's filter_by).",
        rich_help_panel="Confident learning")] = FilterChoice.prune_by_noise_rate,
    rank_by: Annotated[RankByChoice, typer.Option(
        "--rank-by", help="The label quality score that orders the flagged examples.",
        rich_help_panel="Confident learning")] = RankByChoice.self_confidence,
    adjust_pred_probs: Annotated[bool, typer.Option(
        "--adjust-pred-probs", help="Score on probabilities minus each class's confident "
        "threshold (corrects for class imbalance; not with confidence-weighted-entropy).",
        rich_help_panel="Confident learning")] = False,
    top: Top = 10,
    scores_out: Annotated[str | None, typer.Option(
        "--scores-out", metavar="FILE", help="Write every example's label quality scores and "
        "flag to FILE (CSV).", rich_help_panel="Output")] = None,
    delivery: Delivery,
) -> None:
    """Find the examples whose given label is probably wrong (confident learning).

    The probabilities must be out of sample (cross-validated, or from held-out data).

    On its own training data a model agrees with the labels, wrong ones included.
    """
    from clfdiag.api import label_issues as find_label_issues
    from clfdiag.gates import FlagCheck
    from clfdiag.io import read_predictions

    bound = label_health_bound(delivery.fail_on)
    check_limits(top=top)
    inputs = input_paths(file, options.labels_file)
    refuse_overwriting(inputs, delivery.output, scores_out, "--scores-out")
    if delivery.junit is not None:
        refuse_overwriting([*inputs, *input_paths(scores_out)], delivery.output, delivery.junit)
    preds = read_predictions(file, options)
    report = find_label_issues(preds, filter=filter_by.value, rank_by=rank_by.value,
                               adjust_pred_probs=adjust_pred_probs, top=top,
                               scores_out=scores_out)
    if scores_out is not None:
        say(f"wrote {scores_out}")
    results = []
    if bound is not None:
        health = report["label_health_score"]
        below = health < bound
        results.append(FlagCheck(
            f"--fail-on {HEALTH_GATE}={bound:g}", not below,
            f"label health score {health:.4f} {'<' if below else '>='} {bound:g}"))
    finish(dict(report), results, delivery,
           input_paths(file, options.labels_file, scores_out))
