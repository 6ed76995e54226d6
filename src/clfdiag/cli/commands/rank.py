"""``clfdiag rank``: its options, the API call and the delivery."""

from __future__ import annotations

from typing import Annotated

import typer

from clfdiag.cli.delivery import finish, input_paths, refuse_overwriting
from clfdiag.cli.options import (
    CorrectionChoice,
    CorrectionOpt,
    Delivery,
    delivers,
)


@delivers()
def rank(
    scores: Annotated[str, typer.Argument(
        help="Table of scores of several models on several datasets (or folds): long "
             "(dataset, model, score) or wide (dataset, one column per model).")],
    score_col: Annotated[str | None, typer.Option(
        "--score-col", help="The score column of a long table, when it has more than one "
        "numeric column.")] = None,
    lower_is_better: Annotated[bool, typer.Option(
        "--lower-is-better", help="Lower scores are better (a loss or an error); default: "
        "higher is better.")] = False,
    test_train_ratio: Annotated[float | None, typer.Option(
        "--test-train-ratio", metavar="R", help="n_test / n_train of the folds (0.25 for "
        "5-fold cross-validation); required when the table has fold or repeat columns.",
        rich_help_panel="Statistics", show_default=False)] = None,
    alpha: Annotated[float, typer.Option(
        help="Significance level of Nemenyi's critical difference, in (0, 1).",
        rich_help_panel="Statistics")] = 0.05,
    correction: CorrectionOpt = CorrectionChoice.holm,
    *,
    delivery: Delivery,
) -> None:
    """Rank models over datasets: average ranks, Friedman, Nemenyi, pairwise Wilcoxon."""
    from clfdiag.api import rank as rank_models

    inputs = input_paths(scores)
    refuse_overwriting(inputs, delivery.output, None)
    report = rank_models(scores, score_col=score_col, lower_is_better=lower_is_better,
                         test_train_ratio=test_train_ratio, alpha=alpha,
                         correction=correction.value)
    finish(report, [], delivery, inputs)
