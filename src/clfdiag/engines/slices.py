"""Per-group evaluation states: one :class:`EvaluationState` a group, folded like the whole.

The groups are the crossing of the ``--by`` columns. In memory the rankings are
exact; streaming and on Dask each group keeps a histogram, and the rest of a
group is the whole's histogram minus the group's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from clfdiag.core.evaluation_state import EvaluationState
from clfdiag.core.fairness import (
    Aggregation,
    FairnessAudit,
    FairnessCounts,
    Reference,
    audit,
    audit_in_memory,
)
from clfdiag.core.slices import GroupKey, SliceMetric, SliceResult, group_codes, update_groups
from clfdiag.predictions import Predictions

MAX_HISTOGRAM_GROUPS = 64
"""Groups a streaming or Dask run keeps at most (each with its own histograms)."""


@dataclass(frozen=True)
class SliceOptions:
    """``--by`` columns (crossed), the metric tested, the smallest group tested and alpha."""

    by: tuple[str, ...]
    metric: SliceMetric = "accuracy"
    min_group: int = 30
    alpha: float = 0.05
    fairness_reference: Reference = "between_groups"
    fairness_aggregation: Aggregation = "worst_case"
    fairness_bootstrap: int = 1000
    """Group-stratified resamples for the disparities' intervals (in memory only)."""
    seed: int | None = None


def add_groups(groups: dict[GroupKey, EvaluationState], template: EvaluationState,
               values: list[npt.NDArray[np.object_]], y: npt.NDArray[np.integer],
               proba: npt.NDArray[np.float64],
               where: npt.NDArray[np.int64] | None = None,
               weights: npt.NDArray[np.float64] | None = None) -> None:
    """Add examples to the states of their groups, the groups given by column values.

    ``weights``: the sample weights, given exactly when ``template`` is weighted.

    With histogram rankings each group holds its own histograms (16 MB binary),
    so the number of groups is capped at ``MAX_HISTOGRAM_GROUPS``.
    """
    codes, keys = group_codes(values)
    if template.settings.ranking == "histogram" and len(set(groups) | set(keys)) > \
            MAX_HISTOGRAM_GROUPS:
        from clfdiag.errors import ClfdiagError

        raise ClfdiagError(
            f"--by gives more than {MAX_HISTOGRAM_GROUPS} groups; streaming and Dask keep a "
            "histogram of 16 MB or more a group", "evaluate with --in-memory, or slice by "
            "a column with fewer values")
    update_groups(groups, template, keys, codes, y, proba, where, weights)


def group_template(total: EvaluationState) -> EvaluationState:
    """An empty per-group state: the whole's settings without the list of top errors.

    Weighted, a :class:`~clfdiag.core.slices.WeightedGroup`: the tests count examples.
    """
    from dataclasses import replace

    from clfdiag.core.slices import WeightedGroup

    settings = replace(total.settings, sums=replace(total.settings.sums, top=0))
    if settings.sums.weighted:
        return WeightedGroup.of(settings)
    return EvaluationState.of(settings)


def unsupported(score_kind: str) -> tuple[str, ...]:
    """The per-group metrics that predictions of this kind do not define."""
    if score_kind == "hard":
        return ("roc_auc", "pr_auc", "log_loss", "brier")
    return ("log_loss", "brier") if score_kind == "scores" else ()


def slice_results(groups: dict[GroupKey, EvaluationState], total: EvaluationState,
                  options: SliceOptions, score_kind: str) -> list[SliceResult]:
    """The per-group results of :func:`clfdiag.core.slices.compare_slices`."""
    from clfdiag.core.slices import compare_slices

    return compare_slices(groups, total, metric=options.metric, min_group=options.min_group,
                          alpha=options.alpha, leave_out=unsupported(score_kind))


def slices_in_memory(preds: Predictions, values: list[npt.NDArray[np.object_]],
                     options: SliceOptions, threshold: float,
                     bins: int) -> list[SliceResult]:
    """The slices of predictions held in memory: exact rankings in every group."""
    from clfdiag.core.evaluation_state import EvaluationSettings

    total = EvaluationState.of(EvaluationSettings.for_scores(
        preds.proba, threshold=threshold, top=0, n_bins=bins,
        weighted=preds.weights is not None))
    total.update(preds.y, preds.proba, preds.weights)
    groups: dict[GroupKey, EvaluationState] = {}
    add_groups(groups, group_template(total), values, preds.y, preds.proba,
               weights=preds.weights)
    return slice_results(groups, total, options, preds.score_kind)


def fairness_in_memory(preds: Predictions, values: list[npt.NDArray[np.object_]],
                       options: SliceOptions, threshold: float) -> tuple[FairnessAudit, ...]:
    """The group-fairness audits of binary predictions held in memory, with intervals.

    The decision is today's: positive iff p(positive) >= ``threshold``. Multiclass
    predictions are not audited (an empty tuple).
    """
    if preds.task != "binary":
        return ()
    from clfdiag.limits import check_bootstrap_draws, check_fairness_draws

    def check_groups(groups: int) -> None:
        # Before any resample is drawn: the bootstrap's counts, then its rows, must fit.
        check_fairness_draws(options.fairness_bootstrap, groups)
        if preds.weights is not None:
            check_bootstrap_draws(options.fairness_bootstrap, len(preds))

    return tuple(audit_in_memory(
        preds.y == 1, preds.proba >= threshold, values, preds.weights,
        reference=options.fairness_reference, aggregation=options.fairness_aggregation,
        resamples=options.fairness_bootstrap,
        seed=0 if options.seed is None else options.seed, check_groups=check_groups))


def audits_of(counts: FairnessCounts, options: SliceOptions) -> tuple[FairnessAudit, ...]:
    """The audits of merged counts (streaming and Dask): exact rates, no intervals."""
    return tuple(audit(counts, options.fairness_reference, options.fairness_aggregation)
                 if any(counts.counts) else ())


FAIRNESS_CHOICES = {"--fairness-reference": ("between_groups", "to_overall"),
                    "--fairness-agg": ("worst_case", "mean")}


def fairness_choice(flag: str, value: str) -> Any:
    """``between-groups`` or ``between_groups`` (either spelling) as Fairlearn names it."""
    from clfdiag.errors import ClfdiagError

    name = value.strip().lower().replace("-", "_")
    if name not in FAIRNESS_CHOICES[flag]:
        spelled = ", ".join(c.replace("_", "-") for c in FAIRNESS_CHOICES[flag])
        raise ClfdiagError(f"{flag} {value!r}: unknown choice", f"choose from: {spelled}")
    return name


def check_slice_options(options: SliceOptions, task: str, score_kind: str,
                        weights: object = None) -> None:
    """Refuse a slice test the predictions cannot support."""
    from clfdiag.errors import ClfdiagError

    if score_kind == "scores":
        raise ClfdiagError("--by needs probabilities or hard predictions, not --scores",
                           "leave out --scores or --by")
    if options.metric == "roc_auc" and (task != "binary" or score_kind == "hard"):
        what = "hard predictions" if score_kind == "hard" else f"a {task} problem"
        raise ClfdiagError(f"--slice-metric roc_auc needs binary scores, but the input holds "
                           f"{what}", "pass --slice-metric accuracy")
    if options.min_group < 1:
        raise ClfdiagError("--min-group must be at least 1")
    if not 0 < options.alpha < 1:
        raise ClfdiagError(f"--alpha {options.alpha:g} is not between 0 and 1")
