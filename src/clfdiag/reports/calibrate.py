"""The documented, JSON-able report of ``clfdiag calibrate``: methods fitted, cross-fitted, applied.

Every method carries the metrics ``before`` (the input's probabilities),
``after`` (cross-fitted: each fold's rows mapped by the map fitted on the other
folds) and ``in_sample`` (the map fitted on all rows, measured on the same rows:
optimistic), their ``change`` (after - before), its parameters fitted on all
rows and the positive-class (binary) or top-label (multiclass) reliability bins
of the cross-fitted predictions, and whether it is estimable: every
cross-fitted fit saw at least ten training rows per fitted parameter. The
recommended method is the estimable one with the lowest cross-fitted log loss,
when that is below the input's; else ``recommended`` is null and
``undefined.recommended`` says why. A report of ``--apply`` has the same shape:
one method, ``after`` measured on the mapped predictions, ``in_sample`` null.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any, Literal, TypedDict

import numpy as np
import numpy.typing as npt

from clfdiag.core.calibration_error import (
    BinnedCalibration,
    View,
    calibration_view,
    ece_bootstrap_interval,
)
from clfdiag.core.cross_fitting import (
    CalibrationMetrics,
    CalibrationResult,
    HeldOutDecomposition,
    MethodResult,
    calibration_metrics,
    fold_decomposition,
)
from clfdiag.core.recalibration import Params, method_name, params_dict
from clfdiag.predictions import Predictions
from clfdiag.reports.calibration_tests import decomposition_json
from clfdiag.reports.common import SCHEMA_VERSION, InputJSON, input_summary
from clfdiag.version import __version__

MULTICLASS_DECOMPOSITION = (
    "the CORP decomposition is of one probability against 0/1 labels: reported for binary "
    "files only")

METRIC_KEYS = ("log_loss", "brier", "accuracy", "ece", "ece_positive_class", "mce",
               "overconfident_errors")
"""The keys of ``before``, ``after``, ``in_sample`` and ``change``, in this order."""


class ReliabilityBinJSON(TypedDict):
    """Scores in ``(lower, upper]``: their mean, the observed frequency and its Wilson 95% CI."""

    lower: float
    upper: float
    count: int
    mean_score: float | None
    observed: float | None
    interval: list[float] | None


class ReliabilityJSON(TypedDict):
    """Reliability bins of one view (``positive_class`` binary, ``top_label`` multiclass)."""

    view: str
    binning: str
    bins: list[ReliabilityBinJSON]


class DecompositionJSON(TypedDict):
    """The CORP parts of the log loss and Brier score before and after the map (binary)."""

    before: dict[str, Any] | None
    after: dict[str, Any] | None


class MethodJSON(TypedDict):
    """One method: parameters, estimability, metrics before, after and in sample, the change."""

    method: str
    params: dict[str, float | list[float]]
    estimable: bool | None
    parameters: int | None
    rows_per_parameter: float | None
    reason: str | None
    before: dict[str, float | int | None]
    after: dict[str, float | int | None]
    in_sample: dict[str, float | int | None] | None
    change: dict[str, float | int | None]
    decomposition: DecompositionJSON | None
    ece_interval: dict[str, list[float] | None] | None
    reliability_after: ReliabilityJSON


class CalibrationReport(TypedDict):
    """The report of ``clfdiag calibrate`` (``--format json``)."""

    schema_version: int
    clfdiag_version: str
    command: Literal["calibrate"]
    mode: Literal["cross-fit", "apply"]
    input: InputJSON
    task: str
    classes: list[str]
    positive_class: str | None
    methods: list[MethodJSON]
    recommended: str | None
    margin: float | None
    folds: int | None
    seed: int | None
    bins: int
    min_confidence: float
    bootstrap: int
    reliability_before: ReliabilityJSON
    mapping: str | None
    output: str | None
    undefined: dict[str, str]
    notes: list[str]


def metrics_json(metrics: CalibrationMetrics) -> dict[str, float | int | None]:
    """The metrics as a dict in the order of :data:`METRIC_KEYS`."""
    values = asdict(metrics)
    return {k: values[k] for k in METRIC_KEYS}


def change_json(before: CalibrationMetrics,
                after: CalibrationMetrics) -> dict[str, float | int | None]:
    """``after - before`` per metric, null where either is undefined."""
    a, b = asdict(before), asdict(after)
    return {k: None if a[k] is None or b[k] is None else b[k] - a[k] for k in METRIC_KEYS}


def reliability_view(task: str) -> View:
    """The reliability diagram drawn: P(y = 1) for binary, the predicted class's otherwise."""
    return "positive_class" if task == "binary" else "top_label"


def reliability_json(calibration: BinnedCalibration) -> ReliabilityJSON:
    """Bins with their Wilson intervals."""
    return {"view": calibration.view, "binning": calibration.binning,
            "bins": [{"lower": b.lower, "upper": b.upper, "count": b.count,
                      "mean_score": b.mean_score, "observed": b.observed,
                      "interval": None if b.interval is None else list(b.interval)}
                     for b in calibration.bins]}


def _reliability(preds: Predictions, proba: npt.NDArray[np.float64],
                 bins: int) -> ReliabilityJSON:
    return reliability_json(calibration_view(preds.y, proba, reliability_view(preds.task), bins))


def _interval(preds: Predictions, proba: npt.NDArray[np.float64], bootstrap: int,
              seed: int | None, bins: int) -> list[float] | None:
    pair = ece_bootstrap_interval(preds.y, proba, bootstrap, seed, n_bins=bins)
    return None if pair is None else [pair[0], pair[1]]


def _method(preds: Predictions, params: Params, before: CalibrationMetrics,
            after: CalibrationMetrics, in_sample: CalibrationMetrics | None,
            mapped: npt.NDArray[np.float64], bootstrap: int, seed: int | None,
            bins: int, fitted: MethodResult | None = None,
            decomposition: HeldOutDecomposition | None = None) -> MethodJSON:
    interval = None
    if bootstrap:
        interval = {"before": _interval(preds, preds.proba, bootstrap, seed, bins),
                    "after": _interval(preds, mapped, bootstrap, seed, bins)}
    return {"method": method_name(params), "params": params_dict(params),
            "estimable": None if fitted is None else fitted.estimable,
            "parameters": None if fitted is None else fitted.parameters,
            "rows_per_parameter": None if fitted is None else fitted.rows_per_parameter,
            "reason": None if fitted is None else fitted.reason,
            "before": metrics_json(before), "after": metrics_json(after),
            "in_sample": None if in_sample is None else metrics_json(in_sample),
            "change": change_json(before, after),
            "decomposition": None if decomposition is None else {
                "before": decomposition_json(decomposition.before),
                "after": decomposition_json(decomposition.after)},
            "ece_interval": interval,
            "reliability_after": _reliability(preds, mapped, bins)}


def calibration_report(preds: Predictions, result: CalibrationResult, *,
                       bootstrap: int = 0, notes: Sequence[str] = ()) -> CalibrationReport:
    """Assemble the report of ``clfdiag calibrate`` from a cross-fitting result.

    ``bootstrap`` resamples give each method a percentile interval of the
    top-label ECE before and after (seeded with the cross-fitting seed).
    ``notes`` follow the input's.
    """
    methods = [_method(preds, m.params, m.before, m.after, m.in_sample, m.cross_fitted,
                       bootstrap, result.seed, result.n_bins, m, m.decomposition)
               for m in result.methods]
    report = _report(preds, "cross-fit", methods, result.recommended, result.margin,
                     result.folds, result.seed, result.n_bins, result.min_confidence, bootstrap)
    if result.no_recommendation is not None:
        report["undefined"]["recommended"] = result.no_recommendation
    if preds.task != "binary":
        report["undefined"]["decomposition"] = MULTICLASS_DECOMPOSITION
    report["notes"] += notes
    return report


def applied_report(preds: Predictions, params: Params, mapped: npt.NDArray[np.float64], *,
                   mapping: str, output: str, bins: int = 15, min_confidence: float = 0.9,
                   bootstrap: int = 0, seed: int | None = 0,
                   notes: Sequence[str] = ()) -> CalibrationReport:
    """The report of ``clfdiag calibrate --apply``: the saved map applied, no fitting.

    ``notes`` (those of writing the calibrated file, say) follow the input's.
    """
    before = calibration_metrics(preds.y, preds.proba, bins, min_confidence)
    after = calibration_metrics(preds.y, mapped, bins, min_confidence)
    decomposition = None
    if preds.task == "binary":
        # One map on every row: the whole file is the one fold.
        whole = np.zeros(preds.y.shape[0], dtype=np.int64)
        decomposition = HeldOutDecomposition(fold_decomposition(preds.y, preds.proba, whole),
                                             fold_decomposition(preds.y, mapped, whole))
    method = _method(preds, params, before, after, None, mapped, bootstrap, seed, bins,
                     decomposition=decomposition)
    report = _report(preds, "apply", [method], method["method"], None, None,
                     seed if bootstrap else None, bins, min_confidence, bootstrap)
    report["mapping"], report["output"] = mapping, output
    if preds.task != "binary":
        report["undefined"]["decomposition"] = MULTICLASS_DECOMPOSITION
    report["notes"] += notes
    return report


def _report(preds: Predictions, mode: Literal["cross-fit", "apply"], methods: list[MethodJSON],
            recommended: str | None, margin: float | None, folds: int | None, seed: int | None,
            bins: int, min_confidence: float, bootstrap: int) -> CalibrationReport:
    return {
        "schema_version": SCHEMA_VERSION,
        "clfdiag_version": __version__,
        "command": "calibrate",
        "mode": mode,
        "input": input_summary(preds.source),
        "task": preds.task,
        "classes": list(preds.classes),
        "positive_class": preds.positive_class,
        "methods": methods,
        "recommended": recommended,
        "margin": margin,
        "folds": folds,
        "seed": seed,
        "bins": bins,
        "min_confidence": min_confidence,
        "bootstrap": bootstrap,
        "reliability_before": _reliability(preds, preds.proba, bins),
        "mapping": None,
        "output": None,
        "undefined": {},
        "notes": list(preds.source.notes),
    }


def method_rows(report: dict[str, Any]) -> list[list[Any]]:
    """``--format csv``: one row per method and stage (before, after, in_sample)."""
    rows: list[list[Any]] = [["method", "stage", *METRIC_KEYS]]
    for m in report["methods"]:
        for stage in ("before", "after", "in_sample"):
            if m[stage] is not None:
                rows.append([m["method"], stage, *(m[stage][k] for k in METRIC_KEYS)])
    return rows


def saved_mapping(report: dict[str, Any], method: str | None = None) -> dict[str, Any]:
    """The mapping file of ``method`` (default: the recommended one), as ``--save`` writes it.

    Raises :class:`~clfdiag.errors.ClfdiagError` when no method is named and
    none is recommended.
    """
    from clfdiag.core.calibration_mapping import FORMAT, VERSION, mapping_from_dict, mapping_to_dict
    from clfdiag.errors import ClfdiagError

    chosen = method or report["recommended"]
    if chosen is None:
        raise ClfdiagError(f"--save: no map is recommended: {report['undefined']['recommended']}",
                           "name the map to save with --method (e.g. --method temperature)")
    entry = next(m for m in report["methods"] if m["method"] == chosen)
    mapping = mapping_from_dict({"format": FORMAT, "version": VERSION, "method": chosen,
                                 "params": entry["params"], "classes": report["classes"]})
    return mapping_to_dict(mapping.params, mapping.classes)
