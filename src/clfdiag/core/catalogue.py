"""Every metric clfdiag reports, named once: key, label, direction, definition, reference.

Renderers take labels from here, gates take directions, and the tests check that
every key a report holds has a spec and that the docs define every spec.
The specs are data: one row of ``metrics.tsv`` each (a family of metrics may keep
its own file, read with :func:`read_specs` and passed to :func:`register` by the
module that computes them). A new metric is one row plus its computation.

>>> spec("log_loss").greater_is_better
False
>>> spec("ece").label_for({"bins": 10})
'ECE (10 bins)'
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

BOTH = frozenset({"binary", "multiclass"})


@dataclass(frozen=True)
class MetricSpec:
    """What one metric is, independent of any data.

    ``label`` may name settings in braces (``"ECE ({bins} bins)"``), filled by
    :meth:`label_for`. ``greater_is_better`` is None for a count or share that
    has no better side (``n``, ``prevalence``). ``tasks`` lists the kinds of
    report the metric appears in. ``positive_class_dependent`` marks binary
    metrics that change when the positive class is swapped (precision, recall);
    the others are unchanged by renaming or reordering the classes.
    """

    key: str
    label: str
    greater_is_better: bool | None
    definition: str
    reference: str
    tasks: frozenset[str] = BOTH
    positive_class_dependent: bool = False

    def label_for(self, settings: Mapping[str, object] | None = None) -> str:
        """The label with its settings filled in, e.g. ``ECE (10 bins)`` for ``bins=10``."""
        return self.label.format_map(dict(settings or {}))

    def direction(self) -> str:
        """``higher``, ``lower`` or ``none``: which way the metric improves."""
        if self.greater_is_better is None:
            return "none"
        return "higher" if self.greater_is_better else "lower"


GREATER_IS_BETTER: dict[str, bool | None] = {"higher": True, "lower": False, "none": None}
"""The ``direction`` column of a spec file, as :attr:`MetricSpec.greater_is_better`."""
COLUMNS = ("key", "label", "direction", "tasks", "positive_class_dependent", "definition",
           "reference")
"""The header of a spec file."""


def read_specs(name: str) -> tuple[MetricSpec, ...]:
    """The metric specs in the tab-separated file ``name``, a path from this module's folder.

    One spec a row in the order of :data:`COLUMNS`, after that header; lines
    starting with ``#`` are comments. ``tasks`` is a space-separated list and
    ``positive_class_dependent`` is ``yes`` or ``no``. Tab-separated text needs
    no parser to import (``json`` would double the time this module takes to import).
    """
    path = os.path.join(os.path.dirname(__file__), name)
    with open(path, encoding="utf-8") as file:
        rows = [(number, line.rstrip("\n").split("\t"))
                for number, line in enumerate(file, start=1) if not line.startswith("#")]
    if not rows or tuple(rows[0][1]) != COLUMNS:
        raise ValueError(f"{path}: the first row must be the header {' '.join(COLUMNS)}")
    specs = []
    for number, row in rows[1:]:
        if len(row) != len(COLUMNS) or row[2] not in GREATER_IS_BETTER \
                or row[4] not in ("yes", "no"):
            raise ValueError(f"{path}, line {number}: not a spec in the columns "
                             f"{' '.join(COLUMNS)}")
        key, text, direction, tasks, dependent, definition, reference = row
        specs.append(MetricSpec(key, text, GREATER_IS_BETTER[direction], definition, reference,
                                frozenset(tasks.split()), dependent == "yes"))
    return tuple(specs)


SPECS = read_specs("metrics.tsv")
"""The metrics of the binary and multiclass reports."""

CATALOGUE: dict[str, MetricSpec] = {s.key: s for s in SPECS}
"""Every known metric by key; extended by :func:`register`."""


def register(*specs: MetricSpec) -> None:
    """Add metric specs; a key that is already known with a different spec is an error."""
    for s in specs:
        known = CATALOGUE.get(s.key)
        if known is not None and known != s:
            raise ValueError(f"metric {s.key!r} is already in the catalogue")
        CATALOGUE[s.key] = s


def spec(key: str) -> MetricSpec:
    """The spec of a metric key (KeyError for an unknown key)."""
    return CATALOGUE[key]


def label(key: str, settings: Mapping[str, object] | None = None) -> str:
    """The label of a metric for people, or the key itself when it has no spec."""
    known = CATALOGUE.get(key)
    return key if known is None else known.label_for(settings)


def missing(keys: Iterable[str]) -> list[str]:
    """The keys that have no spec."""
    return [k for k in keys if k not in CATALOGUE]
