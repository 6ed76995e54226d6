"""The ``fairness`` entries of a report: one per ``--by`` column, then one for their crossing."""

from __future__ import annotations

from typing import Any

from clfdiag.core.fairness import DISPARITIES, RATES, Fairness, GroupRates

GROUP_SEPARATOR = " × "
"""Joins a crossed group's values, as the ``slices`` of a report name them."""


def _rates(rates: GroupRates) -> dict[str, Any]:
    return {"count": rates.count, **{name: rates.value(name) for name in RATES}}


def fairness_entry(columns: list[str], group_names: list[tuple[str, ...]], result: Fairness,
                   intervals: dict[str, tuple[float, float] | None] | None = None,
                   ) -> dict[str, Any]:
    """One entry of ``fairness``: the groups' rates, the overall ones and the disparities.

    ``group_names`` holds the column values of every group that has rows, in
    the order of ``result.groups``. ``undefined`` is keyed by disparity name, or
    by ``"<group>: <rate>"`` for a group's rate, each with its reason.
    ``groups_used`` names, for every disparity, the groups whose rates it could
    compare; ``intervals`` (when a bootstrap ran) holds each disparity's interval.
    """
    names = [GROUP_SEPARATOR.join(values) for values in group_names]
    undefined: dict[str, str] = {}
    for name, rates in zip(names, result.groups, strict=True):
        for rate, reason in rates.undefined.items():
            undefined[f"{name}: {rate}"] = reason
    for rate, reason in result.overall.undefined.items():
        undefined[f"overall: {rate}"] = reason
    for metric in DISPARITIES:
        reason = result.disparities[metric].reason
        if reason is not None:
            undefined[metric] = reason
    smallest = min(range(len(names)), key=lambda i: (result.groups[i].count, i), default=None)
    return {
        "columns": list(columns),
        "reference": result.reference,
        "aggregation": result.aggregation,
        **{metric: result.disparities[metric].value for metric in DISPARITIES},
        "groups": [{"group": name, **_rates(rates)}
                   for name, rates in zip(names, result.groups, strict=True)],
        "overall": _rates(result.overall),
        "smallest_group": (None if smallest is None else
                           {"group": names[smallest], "count": result.groups[smallest].count}),
        "groups_used": {metric: [names[i] for i in result.disparities[metric].groups_used]
                        for metric in DISPARITIES},
        "intervals": (None if intervals is None else
                      {metric: None if intervals[metric] is None else list(intervals[metric] or ())
                       for metric in DISPARITIES}),
        "undefined": undefined,
    }
