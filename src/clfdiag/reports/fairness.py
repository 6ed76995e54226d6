"""The ``fairness`` entries of a report: one per ``--by`` column, then one for their crossing."""

from __future__ import annotations

from typing import Any

from clfdiag.core.fairness import DISPARITIES, RATES, FairnessAudit, GroupRates

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
