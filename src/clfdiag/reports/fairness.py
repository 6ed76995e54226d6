"""The ``fairness`` entries of a report: one per ``--by`` column, then one for their crossing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from clfdiag.core.fairness import (
    DISPARITIES,
    RATES,
    Fairness,
    FairnessAudit,
    FairnessChange,
    GroupRates,
)

GROUP_SEPARATOR = " × "
"""Joins a crossed group's values, as the ``slices`` of a report name them."""


def _rates(rates: GroupRates) -> dict[str, Any]:
    return {"count": rates.count, **{name: rates.value(name) for name in RATES}}


def fairness_entry(by: tuple[str, ...], audit: FairnessAudit) -> dict[str, Any]:
    """One entry of ``fairness``: the groups' rates, the overall ones and the disparities.

    ``undefined`` is keyed by disparity name, or by ``"<group>: <rate>"`` for a
    group's rate, each with its reason. ``groups_used`` names, for every
    disparity, the groups whose rates it could compare; ``intervals`` (when a
    bootstrap ran, else null) holds each disparity's 95% interval.
    """
    result = audit.result
    names = [GROUP_SEPARATOR.join(values) for values in audit.groups]
    undefined: dict[str, str] = {}
    for name, rates in zip(names, result.groups, strict=True):
        for rate, why in rates.undefined.items():
            undefined[f"{name}: {rate}"] = why
    for rate, why in result.overall.undefined.items():
        undefined[f"overall: {rate}"] = why
    for metric in DISPARITIES:
        reason = result.disparities[metric].reason
        if reason is not None:
            undefined[metric] = reason
    smallest = min(range(len(names)), key=lambda i: (result.groups[i].count, i), default=None)
    intervals = audit.intervals
    return {
        "columns": [by[i] for i in audit.columns],
        "reference": result.reference,
        "aggregation": result.aggregation,
        **{metric: result.disparities[metric].value for metric in DISPARITIES},
        "intervals": (None if intervals is None else
                      {metric: None if (ci := intervals[metric]) is None else list(ci)
                       for metric in DISPARITIES}),
        "groups": [{"group": name, **_rates(rates)}
                   for name, rates in zip(names, result.groups, strict=True)],
        "overall": _rates(result.overall),
        "smallest_group": (None if smallest is None else
                           {"group": names[smallest], "count": result.groups[smallest].count}),
        "groups_used": {metric: [names[i] for i in result.disparities[metric].groups_used]
                        for metric in DISPARITIES},
        "undefined": undefined,
    }


def fairness_entries(by: tuple[str, ...], audits: tuple[FairnessAudit, ...]
                     ) -> list[dict[str, Any]]:
    """The ``fairness`` list of an evaluation report, in the order of the audits."""
    return [fairness_entry(by, audit) for audit in audits]


def _disparities(result: Fairness) -> dict[str, float | None]:
    return {metric: result.disparities[metric].value for metric in DISPARITIES}


def fairness_change_entry(by: tuple[str, ...], change: FairnessChange) -> dict[str, Any]:
    """One entry of ``fairness_change``: each disparity under A and B, B - A and its interval.

    ``delta`` is null where A's or B's disparity is; ``intervals`` holds the
    paired bootstrap's 95% interval of each change (null without resamples, or
    when the change is defined in fewer than two of them).
    """
    a, b = _disparities(change.a), _disparities(change.b)
    return {
        "columns": [by[i] for i in change.columns],
        "reference": change.a.reference,
        "aggregation": change.a.aggregation,
        "a": a,
        "b": b,
        "delta": {metric: (None if (before := a[metric]) is None or (after := b[metric]) is None
                           else after - before) for metric in DISPARITIES},
        "intervals": {metric: None if (ci := change.intervals[metric]) is None else list(ci)
                      for metric in DISPARITIES},
        "resamples": change.resamples,
        "seed": change.seed,
    }


def fairness_change_entries(by: tuple[str, ...], changes: Sequence[FairnessChange]
                            ) -> list[dict[str, Any]]:
    """The ``fairness_change`` list of a comparison report, in the order of the changes."""
    return [fairness_change_entry(by, change) for change in changes]
