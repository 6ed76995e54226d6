"""The report of ``clfdiag threshold``: which threshold, why, how sure, and what it buys.

Every number comes from :mod:`clfdiag.core.thresholds` and its neighbours; this
module checks the settings (a bad value is a :class:`ClfdiagError` naming its
flag), calls them and lays the results out as the documented JSON structure.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, Literal, TypedDict

import numpy as np

from clfdiag.errors import ClfdiagError
from clfdiag.io.groups import GroupColumn
from clfdiag.predictions import Predictions
from clfdiag.reports.common import SCHEMA_VERSION, InputJSON, input_summary, number
from clfdiag.version import __version__

MAX_TIES = 1000
"""Tied thresholds listed in full; beyond, ``ties`` is cut and ``ties_count`` gives all."""
CURVE_POINTS = 200
DEFAULT_RISK_THRESHOLDS = "0.01:0.99:0.01"
BAND_RESAMPLES = 200


@dataclass(frozen=True)
class ThresholdSettings:
    """Every option of ``clfdiag threshold`` that is not about reading the file.

    ``optimize`` is a criterion name (``youden``, ``fbeta:2``, ...) or None
    (the table of every standard criterion, ``best`` by Youden's J, unless a
    constraint alone chooses); ``threshold`` the current operating point to
    compare with (None: 0.5 for probabilities, none for scores); ``folds`` 0
    skips cross-fitting; ``bootstrap`` 0 skips the bootstrap.
    """

    optimize: str | None = None
    cost_fp: float = 1.0
    cost_fn: float = 1.0
    prevalence: float | None = None
    min_recall: float | None = None
    min_precision: float | None = None
    min_specificity: float | None = None
    max_fpr: float | None = None
    threshold: float | None = None
    folds: int = 5
    bootstrap: int = 0
    seed: int | None = 0
    risk_thresholds: str | None = None


class ThresholdReport(TypedDict, total=False):
    """The report of ``clfdiag threshold`` (``--format json``; docs/threshold.md)."""

    schema_version: int
    clfdiag_version: str
    command: Literal["threshold"]
    input: InputJSON
    task: str
    classes: list[str]
    positive_class: str | None
    rule: str
    criterion: str | None
    costs: dict[str, Any]
    constraints: dict[str, Any]
    metrics: dict[str, Any]
    undefined: dict[str, str]
    best: dict[str, Any] | None
    current: dict[str, Any] | None
    criteria: list[dict[str, Any]]
    cross_fitted: dict[str, Any] | None
    bootstrap: dict[str, Any] | None
    decision_curve: dict[str, Any] | None
    groups: list[dict[str, Any]] | None
    bayes_decision: dict[str, Any] | None
    roc: dict[str, Any] | None
    criterion_curve: dict[str, Any] | None
    notes: list[str]


def _checked(flag: str, make: Any) -> Any:
    """Build a core value; its ValueError becomes an input error naming ``flag``."""
    try:
        return make()
    except ValueError as exc:
        raise ClfdiagError(f"{flag}: {exc}") from None


def parse_risk_thresholds(text: str) -> Any:
    """``--risk-thresholds``: a comma-separated list, or ``START:STOP:STEP``, each in (0, 1)."""
    from clfdiag.core.decision_curve import risk_threshold_grid

    flag = f"--risk-thresholds {text!r}"
    try:
        if ":" in text:
            parts = [float(v) for v in text.split(":")]
            if len(parts) != 3:
                raise ValueError("write START:STOP:STEP, e.g. 0.01:0.99:0.01")
            return risk_threshold_grid(*parts)
        values = np.array([float(v) for v in text.split(",") if v.strip()])
    except ValueError as exc:
        detail = str(exc) if "could not convert" not in str(exc) else "not a number"
        raise ClfdiagError(f"{flag}: {detail}", "give a list such as 0.1,0.2,0.3 or a range "
                           "START:STOP:STEP such as 0.01:0.99:0.01") from None
    if values.size == 0 or not np.all((values > 0) & (values < 1)):
        raise ClfdiagError(f"{flag}: every risk threshold must lie strictly between 0 and 1")
    return values


def threshold_report(preds: Predictions, settings: ThresholdSettings,
                     groups: GroupColumn | None = None,
                     cost_matrix: Any = None) -> ThresholdReport:
    """The whole ``threshold`` report of one predictions file."""
    from clfdiag.input_checks import require_supported

    require_supported(preds, "threshold", hard=False, scores=True)
    report: ThresholdReport = {
        "schema_version": SCHEMA_VERSION,
        "clfdiag_version": __version__,
        "command": "threshold",
        "input": input_summary(preds.source),
        "task": preds.task,
        "classes": list(preds.classes),
        "positive_class": preds.positive_class,
        "rule": ">=",
    }
    if preds.task == "multiclass":
        return _multiclass(report, preds, settings, groups, cost_matrix)
    if cost_matrix is not None:
        raise ClfdiagError("--cost-matrix applies to multiclass files; this one is binary",
                           "give the costs of the two errors with --cost-fp and --cost-fn")
    return _binary(report, preds, settings, groups)


def _multiclass(report: ThresholdReport, preds: Predictions, settings: ThresholdSettings,
                groups: GroupColumn | None, cost_matrix: Any) -> ThresholdReport:
    from clfdiag.core.bayes_decision import bayes_decision

    binary_only = [flag for flag, on in (
        ("--optimize", settings.optimize is not None), ("--by", groups is not None),
        ("--min-recall", settings.min_recall is not None),
        ("--min-precision", settings.min_precision is not None),
        ("--min-specificity", settings.min_specificity is not None),
        ("--max-fpr", settings.max_fpr is not None),
        ("--prevalence", settings.prevalence is not None),
        ("--bootstrap", settings.bootstrap > 0),
        ("--risk-thresholds", settings.risk_thresholds is not None)) if on]
    if binary_only:
        raise ClfdiagError(f"{binary_only[0]} applies to binary problems, but "
                           f"{preds.source.path} has {len(preds.classes)} classes",
                           "for K classes give --cost-matrix FILE")
    if cost_matrix is None:
        raise ClfdiagError(
            f"{preds.source.path} has {len(preds.classes)} classes: a multiclass decision "
            "needs the cost of every confusion",
            f"give --cost-matrix FILE: {len(preds.classes)} rows (actual) of "
            f"{len(preds.classes)} costs (predicted), classes in the order "
            f"{', '.join(preds.classes)}")
    d = _checked("--cost-matrix", lambda: bayes_decision(preds.y, preds.proba, cost_matrix))
    report.update({
        "criterion": "bayes-cost", "costs": {"cost_matrix": d.cost_matrix.tolist()},
        "constraints": {}, "metrics": {"bayes_mean_cost": d.mean_cost,
                                       "argmax_mean_cost": d.argmax_mean_cost},
        "undefined": {}, "best": None, "current": None, "criteria": [],
        "cross_fitted": None, "bootstrap": None, "decision_curve": None, "groups": None,
        "roc": None, "criterion_curve": None,
        "bayes_decision": {
            "classes": list(preds.classes), "n": d.n, "changed": d.changed,
            "bayes": {"confusion_matrix": d.confusion_matrix.tolist(),
                      "total_cost": d.total_cost, "mean_cost": d.mean_cost},
            "argmax": {"confusion_matrix": d.argmax_confusion_matrix.tolist(),
                       "total_cost": d.argmax_total_cost, "mean_cost": d.argmax_mean_cost}},
        "notes": list(preds.source.notes)})
    return report


def _binary(report: ThresholdReport, preds: Predictions, settings: ThresholdSettings,
            groups: GroupColumn | None) -> ThresholdReport:
    from clfdiag.core import thresholds as th
    from clfdiag.core.ranking import rank_binary

    s = settings
    criterion = (None if s.optimize is None
                 else _checked("--optimize", lambda: th.parse_criterion(s.optimize or "")))
    _checked("--cost-fp", lambda: th.Costs(cost_fp=s.cost_fp))
    _checked("--cost-fn", lambda: th.Costs(cost_fn=s.cost_fn))
    _checked("--prevalence", lambda: th.Costs(prevalence=s.prevalence))
    costs = th.Costs(s.cost_fp, s.cost_fn, s.prevalence)
    bounds = {"min_recall": s.min_recall, "min_precision": s.min_precision,
              "min_specificity": s.min_specificity, "max_fpr": s.max_fpr}
    for name, value in bounds.items():
        _checked("--" + name.replace("_", "-"), lambda n=name, v=value: th.Constraints(**{n: v}))
    constraints = th.Constraints(**bounds)
    if criterion is None:
        if constraints.describe():
            criterion = _checked("--min-recall with --min-precision/--min-specificity/--max-fpr",
                                 lambda: th.default_objective(constraints))
        else:
            criterion = th.Criterion("youden")
    if s.folds == 1 or s.folds < 0:
        raise ClfdiagError(f"--folds {s.folds}: cross-fitting needs at least 2 folds",
                           "give --folds 2 or more, or --folds 0 to skip it")
    if s.bootstrap < 0:
        raise ClfdiagError(f"--bootstrap {s.bootstrap}: the number of resamples cannot be "
                           "negative", "give --bootstrap 0 to skip it")
    scores_kind = preds.score_kind == "scores"
    current_threshold = s.threshold
    if current_threshold is None and not scores_kind:
        current_threshold = 0.5
    if (current_threshold is not None and not scores_kind
            and not 0 <= current_threshold <= 1):
        raise ClfdiagError(f"--threshold {current_threshold:g} is outside [0, 1], the range "
                           "of a probability", "pass --scores if the column holds scores")
    risk = (None if scores_kind and s.risk_thresholds is None
            else parse_risk_thresholds(s.risk_thresholds or DEFAULT_RISK_THRESHOLDS))
    if scores_kind and risk is not None:
        raise ClfdiagError("--risk-thresholds: a decision curve needs predicted risks "
                           "(probabilities), but the input holds real-valued scores",
                           "leave out --risk-thresholds, or give probabilities")

    y, score = preds.y, preds.proba
    r = rank_binary(y, score)
    undefined: dict[str, str] = {}
    table = th.criteria_table(r, costs, extra=(criterion,) if criterion.name in (
        "fbeta", "net-benefit", "recall", "specificity") else ())
    if constraints.describe() or criterion.name not in th.STANDARD_CRITERIA:
        best = th.choose_threshold(r, criterion, constraints, costs)
    else:
        best = next(c for c in table if c.criterion == criterion.label)
    best_json = _optimum(best) if isinstance(best, th.Optimum) else None
    if isinstance(best, th.Infeasible):
        undefined["best"] = best.reason
    current = None
    if current_threshold is not None:
        point = th.operating_point(r, current_threshold, costs)
        current = _confusion(point)
        current["value"] = th.criterion_value(criterion, point.tp, point.fp, point.tn,
                                              point.fn, costs)
    else:
        undefined["current"] = ("a real-valued score has no default threshold: give "
                                "--threshold T to compare with the point in use")
    report.update({
        "criterion": criterion.label,
        "costs": {"cost_fp": costs.cost_fp, "cost_fn": costs.cost_fn,
                  "prevalence": costs.prevalence},
        "constraints": dict(bounds),
        "best": best_json,
        "current": current,
        "criteria": [_optimum(c) if isinstance(c, th.Optimum)
                     else {"criterion": c.criterion, "threshold": None, "value": None,
                           "reason": c.reason} for c in table],
    })
    report["cross_fitted"] = _cross_fitted(preds, criterion, constraints, costs, s, best,
                                           undefined)
    report["bootstrap"] = _bootstrap(preds, criterion, constraints, costs, s, undefined)
    report["decision_curve"] = _decision_curve(r, risk, undefined) if risk is not None else None
    if risk is None:
        undefined["decision_curve"] = ("net benefit needs predicted risks (probabilities); "
                                       "the input holds real-valued scores")
    report["groups"] = (None if groups is None
                        else _groups(y, score, groups, criterion, constraints, costs))
    report["roc"] = _roc(r)
    report["criterion_curve"] = _criterion_curve(r, y, score, criterion, costs, s)
    report["bayes_decision"] = None
    report["metrics"], metric_reasons = _metrics(best, report["cross_fitted"])
    report["undefined"] = {**metric_reasons, **undefined}
    report["notes"] = [*preds.source.notes, *_notes(report)]
    return report


def _clean(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_clean(v) for v in value]
    return number(value)


def _confusion(point: Any) -> dict[str, Any]:
    """The counts and statistics of a :class:`ConfusionSummary` as JSON (with its threshold)."""
    out = {f.name: _clean(getattr(point, f.name)) for f in dataclasses.fields(point)
           if f.name not in ("undefined", "constraints", "ties", "criterion", "tie_break",
                             "value")}
    out["undefined"] = dict(point.undefined)
    return out


def _optimum(best: Any) -> dict[str, Any]:
    ties = list(best.ties)
    out = {"criterion": best.criterion, "threshold": best.threshold, "midpoint": best.midpoint,
           "value": number(best.value), "ties": ties[:MAX_TIES], "ties_count": len(ties),
           "tie_break": best.tie_break, **_confusion(best)}
    return out


def _cross_fitted(preds: Predictions, criterion: Any, constraints: Any, costs: Any,
                  s: ThresholdSettings, best: Any, undefined: dict[str, str]
                  ) -> dict[str, Any] | None:
    from clfdiag.core.threshold_validation import cross_fit
    from clfdiag.core.thresholds import Infeasible, Optimum

    if s.folds == 0:
        return None
    smallest = int(min(np.count_nonzero(preds.y == 1), np.count_nonzero(preds.y == 0)))
    if smallest < s.folds:
        undefined["cross_fitted"] = (f"the smaller class has {smallest} examples, fewer than "
                                     f"the {s.folds} folds (--folds)")
        return None
    result = cross_fit(preds.y, preds.proba, criterion, constraints, costs, s.folds, s.seed)
    if isinstance(result, Infeasible):
        undefined["cross_fitted"] = result.reason
        return None
    out = _confusion(result)
    out.update({"criterion": result.criterion, "folds": result.folds, "seed": result.seed,
                "thresholds": list(result.thresholds), "value": number(result.value),
                "in_sample_value": best.value if isinstance(best, Optimum) else None})
    return out


def _bootstrap(preds: Predictions, criterion: Any, constraints: Any, costs: Any,
               s: ThresholdSettings, undefined: dict[str, str]) -> dict[str, Any] | None:
    from clfdiag.core.threshold_validation import bootstrap_threshold

    if s.bootstrap == 0:
        return None
    b = bootstrap_threshold(preds.y, preds.proba, criterion, constraints, costs,
                            resamples=s.bootstrap, seed=s.seed)
    out: dict[str, Any] = {f.name: _clean(getattr(b, f.name)) for f in dataclasses.fields(b)}
    if b.threshold is None:
        undefined["bootstrap"] = "no resample could choose a threshold"
    return out


def _decision_curve(r: Any, risk: Any, undefined: dict[str, str]) -> dict[str, Any] | None:
    from clfdiag.core.decision_curve import decision_curve

    if r.positives + r.negatives == 0:
        undefined["decision_curve"] = "no examples"
        return None
    c = decision_curve(r, risk)

    def listed(values: Any) -> Any:
        return None if values is None else [number(v) for v in values.tolist()]

    return {"risk_threshold": listed(c.risk_threshold), "model": listed(c.model),
            "treat_all": listed(c.treat_all), "treat_none": listed(c.treat_none),
            "standardized_model": listed(c.standardized_model),
            "standardized_treat_all": listed(c.standardized_treat_all),
            "net_interventions_avoided": listed(c.net_interventions_avoided),
            "prevalence": c.prevalence, "n": c.n}


def _groups(y: Any, score: Any, groups: GroupColumn, criterion: Any, constraints: Any,
            costs: Any) -> list[dict[str, Any]]:
    from clfdiag.core.thresholds import Optimum, choose_by_group

    out = []
    for g in choose_by_group(y, score, groups.codes, criterion, constraints, costs):
        row: dict[str, Any] = {"column": groups.column, "group": groups.names[g.group],
                               "n": g.n, "positives": g.positives}
        if isinstance(g.best, Optimum):
            row["best"] = _optimum(g.best)
        else:
            row["best"] = None
            row["reason"] = g.best.reason
        out.append(row)
    return out


def _roc(r: Any) -> dict[str, Any] | None:
    from clfdiag.core.ranking import roc_curve, sample

    if r.positives == 0 or r.negatives == 0:
        return None
    curve = roc_curve(sample(r, CURVE_POINTS))
    return {"fpr": curve.x.tolist(), "tpr": curve.y.tolist()}


def _criterion_curve(r: Any, y: Any, score: Any, criterion: Any, costs: Any,
                     s: ThresholdSettings) -> dict[str, Any] | None:
    """The criterion at up to 200 observed thresholds, with the bootstrap band if asked."""
    from clfdiag.core.criterion_curve import bootstrap_band, criterion_at

    g = r.thresholds.shape[0]
    if g == 0:
        return None
    at = np.unique(np.linspace(0, g - 1, min(g, CURVE_POINTS)).round().astype(np.int64))
    grid = r.thresholds[at]
    values = criterion_at(r, criterion, grid, costs)
    out: dict[str, Any] = {"criterion": criterion.label,
                           "threshold": [number(v) for v in grid.tolist()],
                           "value": [number(v) for v in values.tolist()],
                           "lower": None, "upper": None}
    if s.bootstrap:
        lower, upper = bootstrap_band(y, score, criterion, grid, costs,
                                      min(s.bootstrap, BAND_RESAMPLES), s.seed)
        out["lower"] = [number(v) for v in lower.tolist()]
        out["upper"] = [number(v) for v in upper.tolist()]
        out["band_resamples"] = min(s.bootstrap, BAND_RESAMPLES)
    return out


METRIC_KEYS = {"chosen_threshold": "threshold", "criterion_value": "value",
               "recall": "recall", "specificity": "specificity", "precision": "precision",
               "npv": "npv", "f1": "f1", "mcc": "mcc", "lr_positive": "lr_positive",
               "lr_negative": "lr_negative", "expected_cost": "cost"}


def _metrics(best: Any, cross_fitted: dict[str, Any] | None
             ) -> tuple[dict[str, Any], dict[str, str]]:
    """The flat ``metrics`` of the chosen point (what gates test), with why each is null."""
    from clfdiag.core.thresholds import Infeasible

    metrics: dict[str, Any] = {}
    reasons: dict[str, str] = {}
    for key, field in METRIC_KEYS.items():
        if isinstance(best, Infeasible):
            metrics[key] = None
            reasons[key] = best.reason
            continue
        value = getattr(best, field)
        metrics[key] = number(value)
        if value is None:
            reasons[key] = best.undefined.get(field, "undefined")
    metrics["cross_fitted_value"] = None if cross_fitted is None else cross_fitted["value"]
    if metrics["cross_fitted_value"] is None:
        reasons["cross_fitted_value"] = "no cross-fitted estimate (see cross_fitted)"
    return metrics, reasons


def _notes(report: ThresholdReport) -> list[str]:
    notes = []
    best, cross = report.get("best"), report.get("cross_fitted")
    if best and cross and cross.get("value") is not None and best["value"] is not None:
        gap = best["value"] - cross["value"]
        if math.isfinite(gap) and gap != 0:
            notes.append(f"{report['criterion']} is {best['value']:.4g} on the rows the "
                         f"threshold was chosen on and {cross['value']:.4g} cross-fitted "
                         f"({cross['folds']} folds): expect the latter on new rows")
    if best and best["ties_count"] > 1:
        notes.append(f"{best['ties_count']} thresholds reach the best {report['criterion']}; "
                     f"chosen: {best['tie_break']}")
    return notes
