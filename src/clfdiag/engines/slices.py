"""Per-group evaluation states: one :class:`EvaluationState` a group, folded like the whole.

The groups are the crossing of the ``--by`` columns. In memory the rankings are
exact; streaming and on Dask each group keeps a histogram, and the rest of a
group is the whole's histogram minus the group's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from clfdiag.core.evaluation_state import EvaluationState
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


def add_groups(groups: dict[GroupKey, EvaluationState], template: EvaluationState,
               values: list[npt.NDArray[np.object_]], y: npt.NDArray[np.integer],
               proba: npt.NDArray[np.float64],
               where: npt.NDArray[np.int64] | None = None) -> None:
    """Add examples to the states of their groups, the groups given by column values.

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
    update_groups(groups, template, keys, codes, y, proba, where)


def group_template(total: EvaluationState) -> EvaluationState:
    """An empty per-group state: the whole's settings without the list of top errors."""
    from dataclasses import replace

    sums = replace(total.settings.sums, top=0)
    return EvaluationState.of(replace(total.settings, sums=sums))


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
        preds.proba, threshold=threshold, top=0, n_bins=bins))
    total.update(preds.y, preds.proba)
    groups: dict[GroupKey, EvaluationState] = {}
    add_groups(groups, group_template(total), values, preds.y, preds.proba)
    return slice_results(groups, total, options, preds.score_kind)


def check_slice_options(options: SliceOptions, task: str, score_kind: str,
                        weights: object = None) -> None:
    """Refuse a slice test the predictions cannot support."""
    from clfdiag.errors import ClfdiagError

    if weights is not None:
        raise ClfdiagError("--by does not weigh its groups by sample weights: the tests "
                           "against the rest count examples", "leave out --weight-col or --by")
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
