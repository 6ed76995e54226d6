"""The report of ``clfdiag conformal``: prediction sets with a coverage guarantee, per alpha.

Every number comes from :mod:`clfdiag.core.conformal`; this module lays the
results out as the documented JSON structure (``docs/conformal.md``) and as the
columns of the ``--sets-out`` table (one row per test row, one column per alpha).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from typing import Any, Literal, TypedDict

import numpy as np

from clfdiag.core.conformal import AlphaResult, ConformalResult, undercoverage_test
from clfdiag.errors import ClfdiagError
from clfdiag.predictions import InputSummary
from clfdiag.reports.common import SCHEMA_VERSION, InputJSON, input_summary
from clfdiag.version import __version__

NO_LABELS = "the test file has no labels"
UNDERCOVERAGE_TEST = ("one-sided exact binomial test of H0: coverage >= 1 - alpha; "
                      "p = P(X <= covered), X ~ Binomial(n_test, 1 - alpha)")


class UndercoverageJSON(TypedDict):
    """The binomial test of the test coverage against ``1 - alpha``."""

    test: str
    significance: float
    covered: int
    n: int
    p_value: float
    min_covered: int
    undercovered: bool


class AlphaJSON(TypedDict):
    """One entry of ``results``: the sets at one alpha and what they achieve."""

    alpha: float
    target_coverage: float
    k: int | None
    qhat: float | int | None
    qhat_infinite: bool
    k_per_class: dict[str, int] | None
    qhat_per_class: dict[str, float | None] | None
    n_per_class: dict[str, int] | None
    coverage: float | None
    mean_size: float | None
    empty_share: float | None
    singleton_share: float | None
    coverage_by_class: dict[str, float | None] | None
    coverage_by_size: dict[str, float] | None
    size_histogram: dict[str, int]
    undercoverage: UndercoverageJSON | None
    undefined: dict[str, str]


class ConformalReport(TypedDict, total=False):
    """The report of ``clfdiag conformal`` (``--format json``); see docs/conformal.md."""

    schema_version: int
    clfdiag_version: str
    command: Literal["conformal"]
    inputs: dict[str, InputJSON]
    classes: list[str]
    method: str
    class_conditional: bool
    randomized: bool
    seed: int | None
    raps_penalty: float | None
    raps_kreg: int | None
    n_calibration: int
    n_test: int
    results: list[AlphaJSON]
    notes: list[str]


def conformal_report(result: ConformalResult, classes: Sequence[str], *,
                     notes: Sequence[str] = (),
                     inputs: tuple[InputSummary, InputSummary] | None = None,
                     significance: float = 0.05) -> ConformalReport:
    """The dict of ``clfdiag conformal --format json`` for ``result``.

    ``classes`` names the class indices (the strings of ``evaluate``'s
    ``classes``); ``notes`` are passed through first (e.g. the readers'),
    followed by one note per alpha whose calibration rows are too few;
    ``inputs`` are the calibration and test files' summaries. The method, the
    alphas (in the order given), ``n_calibration`` and ``n_test`` are those of
    ``result``. ``significance`` is the level of the undercoverage test.
    """
    names = [str(c) for c in classes]
    if len(names) != result.n_classes:
        raise ValueError(f"{len(names)} class names for {result.n_classes} classes")
    report: ConformalReport = {
        "schema_version": SCHEMA_VERSION,
        "clfdiag_version": __version__,
        "command": "conformal",
    }
    if inputs is not None:
        report["inputs"] = {"calibration": input_summary(inputs[0]),
                            "test": input_summary(inputs[1])}
    raps = result.method == "raps"
    report.update({
        "classes": names,
        "method": result.method,
        "class_conditional": result.class_conditional,
        "randomized": result.randomized,
        "seed": result.seed,
        "raps_penalty": result.raps_penalty if raps else None,
        "raps_kreg": result.raps_kreg if raps else None,
        "n_calibration": result.n_calibration,
        "n_test": result.n_test,
        "results": [_alpha_json(r, names, result.method, significance) for r in result.results],
        "notes": [*notes, *_small_calibration_notes(result, names)],
    })
    return report


def _number(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _alpha_json(r: AlphaResult, classes: list[str], method: str,
                significance: float) -> AlphaJSON:
    s = r.summary
    labelled = s.covered is not None
    undefined: dict[str, str] = {}
    if not labelled:
        undefined = dict.fromkeys(
            ("coverage", "coverage_by_class", "coverage_by_size", "undercoverage"), NO_LABELS)
    elif s.n == 0:
        undefined = dict.fromkeys(("coverage", "mean_size", "empty_share", "singleton_share",
                                   "undercoverage"), "there are no test rows")
    entry: AlphaJSON = {
        "alpha": float(r.alpha),
        "target_coverage": float(1 - r.alpha),
        "k": None, "qhat": None, "qhat_infinite": False,
        "k_per_class": None, "qhat_per_class": None, "n_per_class": None,
        "coverage": s.coverage,
        "mean_size": s.mean_size,
        "empty_share": s.empty_share,
        "singleton_share": s.singleton_share,
        "coverage_by_class": (None if s.coverage_by_class is None else
                              dict(zip(classes, s.coverage_by_class, strict=True))),
        "coverage_by_size": (None if s.coverage_by_size is None else
                             {str(size): value for size, value in s.coverage_by_size}),
        "size_histogram": {str(size): count for size, count in enumerate(s.size_histogram)},
        "undercoverage": (_undercoverage(s.covered, s.n, r.alpha, significance)
                          if labelled and s.covered is not None and s.n else None),
        "undefined": undefined,
    }
    if r.threshold is not None:
        qhat = _number(r.threshold.qhat)
        entry.update({"k": r.threshold.k, "qhat_infinite": r.threshold.infinite,
                      "qhat": int(qhat) if method == "topk" and qhat is not None else qhat})
    if r.class_thresholds is not None:
        entry.update({
            "qhat_infinite": any(t.infinite for t in r.class_thresholds),
            "k_per_class": {c: t.k for c, t in zip(classes, r.class_thresholds, strict=True)},
            "qhat_per_class": {c: _number(t.qhat)
                               for c, t in zip(classes, r.class_thresholds, strict=True)},
            "n_per_class": {c: t.n for c, t in zip(classes, r.class_thresholds, strict=True)},
        })
    return entry


def _undercoverage(covered: int, n: int, alpha: Fraction,
                   significance: float) -> UndercoverageJSON:
    t = undercoverage_test(covered, n, alpha, significance)
    return {"test": UNDERCOVERAGE_TEST, "significance": t.significance, "covered": t.covered,
            "n": t.n, "p_value": t.p_value, "min_covered": t.min_covered,
            "undercovered": t.undercovered}


def _small_calibration_notes(result: ConformalResult, classes: list[str]) -> list[str]:
    """One note per alpha (and class) whose k exceeds the calibration rows."""
    notes = []
    for r in result.results:
        alpha = alpha_text(r.alpha)
        if r.threshold is not None and r.threshold.infinite:
            notes.append(f"alpha {alpha}: {r.threshold.n} calibration rows are too few "
                         f"(k = {r.threshold.k} > n = {r.threshold.n}); qhat is +inf and "
                         "every set is the full label set")
        for name, t in zip(classes, r.class_thresholds or (), strict=False):
            if t.infinite:
                notes.append(f"alpha {alpha}: class {name!r} has {t.n} calibration rows, too "
                             f"few (k = {t.k} > n = {t.n}); it is in every set")
    return notes


def alpha_text(alpha: Fraction | float | str) -> str:
    """The shortest decimal that reads back as the same float: ``repr(float(alpha))``."""
    if isinstance(alpha, str):
        alpha = Fraction(alpha.strip())
    return repr(float(alpha))


def sets_columns(result: ConformalResult, classes: Sequence[str], *,
                 ids: Any = None, labels: Sequence[str] | None = None
                 ) -> list[tuple[str, Any]]:
    """The ``--sets-out`` table as ``(name, values)`` columns, in the documented order.

    ``id`` (``ids``, else the 0-based row number), ``label`` (only when
    ``labels`` is given: the true label of each test row), then
    ``set_a<repr(float(alpha))>`` per alpha in the order given, each cell the
    set's class names joined by ``|`` in the order of ``classes`` (the empty set
    is the empty string).

    Raises
    ------
    ClfdiagError
        When two alphas give the same column name (``--alpha 0.1 --alpha 0.10``).
    """
    names = [f"set_a{alpha_text(r.alpha)}" for r in result.results]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ClfdiagError(f"--alpha: {repeated[0][len('set_a'):]} is given more than once",
                           "give each alpha once")
    columns: list[tuple[str, Any]] = [
        ("id", list(range(result.n_test)) if ids is None else ids)]
    if labels is not None:
        columns.append(("label", list(labels)))
    columns.extend((name, set_cells(r.sets, classes))
                   for name, r in zip(names, result.results, strict=True))
    return columns


def set_cells(sets: np.ndarray[Any, np.dtype[np.bool_]], classes: Sequence[str]) -> list[str]:
    """Each row's classes joined by ``|`` in class order; each distinct set is joined once."""
    if sets.shape[0] == 0:
        return []
    packed = np.packbits(sets, axis=1)
    patterns, first, inverse = np.unique(packed, axis=0, return_index=True,
                                         return_inverse=True)
    del patterns
    names = np.asarray([str(c) for c in classes], dtype=object)
    texts = np.asarray(["|".join(names[sets[row]]) for row in first], dtype=object)
    cells: list[str] = texts[inverse.ravel()].tolist()
    return cells
