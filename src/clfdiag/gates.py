"""CI gates: ``--fail-under roc_auc=0.8`` fails the run when the metric is below 0.8."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from clfdiag.errors import ClfdiagError


@dataclass(frozen=True)
class Gate:
    """A bound on one metric: ``under`` fails below it, ``over`` fails above it."""

    metric: str
    kind: str  # "under" or "over"
    bound: float

    def __str__(self) -> str:
        return f"--fail-{self.kind} {self.metric}={self.bound:g}"


@dataclass(frozen=True)
class GateResult:
    """A gate checked against a value."""

    gate: Gate
    value: float

    @property
    def name(self) -> str:
        """The gate as the user wrote it, e.g. ``--fail-under roc_auc=0.8``."""
        return str(self.gate)

    @property
    def passed(self) -> bool:
        """False when the value is on the failing side of the bound."""
        if self.gate.kind == "under":
            return self.value >= self.gate.bound
        return self.value <= self.gate.bound

    def describe(self) -> str:
        """``roc_auc = 0.7123 < 0.8 (--fail-under roc_auc=0.8)``, or the same with passed."""
        sign = {("under", False): "<", ("over", False): ">",
                ("under", True): ">=", ("over", True): "<="}[(self.gate.kind, self.passed)]
        return f"{self.gate.metric} = {self.value:.6g} {sign} {self.gate.bound:g} ({self.gate})"

    def as_dict(self) -> dict[str, Any]:
        """The JSON form of this check."""
        return {"metric": self.gate.metric, "kind": self.gate.kind, "bound": self.gate.bound,
                "value": self.value, "passed": self.passed}


def split_bound(text: str) -> tuple[str, float] | None:
    """``NAME=X`` as NAME (without surrounding spaces) and X; None unless X is a finite number."""
    name, sep, value = text.partition("=")
    try:
        bound = float(value)
    except ValueError:
        return None
    if not sep or not math.isfinite(bound):
        return None
    return name.strip(), bound


def parse_gates(under: list[str], over: list[str]) -> list[Gate]:
    """Parse ``METRIC=VALUE`` texts; a malformed one is a usage error."""
    gates = []
    for kind, texts in (("under", under), ("over", over)):
        for text in texts:
            parsed = split_bound(text)
            if parsed is None or not parsed[0]:
                raise ClfdiagError(f"--fail-{kind} {text!r}: expected METRIC=VALUE",
                                   f"e.g. --fail-{kind} roc_auc=0.8")
            gate = Gate(parsed[0], kind, parsed[1])
            _check_direction(gate)
            gates.append(gate)
    return gates


def _check_direction(gate: Gate) -> None:
    """Refuse a gate that fails on the good side of its metric.

    ``--fail-under log_loss=0.3`` fails when the loss is low, that is good: it is
    almost surely meant as ``--fail-over``. Metrics without a better side (counts
    such as ``n``) take either gate.
    """
    from clfdiag.core.catalogue import CATALOGUE

    known = CATALOGUE.get(gate.metric)
    if known is None or known.greater_is_better is None:
        return
    if known.greater_is_better == (gate.kind == "under"):
        return
    better = "higher" if known.greater_is_better else "lower"
    other = "over" if gate.kind == "under" else "under"
    side = "above" if other == "over" else "below"
    raise ClfdiagError(
        f"{gate}: {gate.metric} is better {better}, so this gate would fail on a better model",
        f"to fail when {gate.metric} is {side} {gate.bound:g}, use "
        f"--fail-{other} {gate.metric}={gate.bound:g}")


def check_gates(gates: list[Gate], metrics: dict[str, Any],
                undefined: dict[str, str]) -> list[GateResult]:
    """Check each gate; an unknown or undefined metric is an input error (exit 2)."""
    results = []
    for gate in gates:
        if gate.metric not in metrics:
            raise ClfdiagError(f"{gate}: unknown metric {gate.metric!r}",
                               "metrics are: " + ", ".join(metrics))
        value = metrics[gate.metric]
        if value is None:
            reason = undefined.get(gate.metric, "undefined")
            raise ClfdiagError(f"{gate}: {gate.metric} is undefined: {reason}",
                               "a gate needs a defined metric")
        results.append(GateResult(gate, float(value)))
    return results


FAIL_ON = ("loss-up-accuracy-up", "regression")


@dataclass(frozen=True)
class FlagCheck:
    """A ``--fail-on`` condition checked against a report."""

    name: str
    passed: bool
    message: str
    metric: str | None = None
    """The metric the condition read: the one scanned beside the loss
    (loss-up-accuracy-up), the disparity checked (disparity); else None."""

    def describe(self) -> str:
        """What was checked and what was found."""
        return self.message

    def as_dict(self) -> dict[str, Any]:
        """The JSON form of this check."""
        return {"fail_on": self.name.removeprefix("--fail-on "), "passed": self.passed,
                "message": self.message, "metric": self.metric}


def parse_fail_on(values: list[str]) -> list[str]:
    """Validate ``--fail-on`` values."""
    for value in values:
        if value not in FAIL_ON:
            raise ClfdiagError(f"--fail-on {value!r}: unknown condition",
                               "choose from: " + ", ".join(FAIL_ON))
    return list(dict.fromkeys(values))


def require_scanned_metric(report: dict[str, Any], conditions: list[str]) -> None:
    """Refuse ``--fail-on loss-up-accuracy-up`` when the metric it needs was never compared.

    A gate on a quantity that is missing would pass whatever the training did: it is an
    input error naming the metrics the file has and ``--metric``.
    """
    if "loss-up-accuracy-up" not in conditions:
        return
    metric = report.get("metric")
    rows = report["epochs"]
    compared = sum(r["loss_up_accuracy_up"] is not None for r in rows)
    if metric is not None and (compared or len(rows) < 2):
        return
    source = report.get("source", {})
    available = source.get("metric_columns", [])
    where = source.get("path", "the input")
    listed = (f"the metric columns are: {', '.join(available)}" if available
              else "it logged no other metric")
    if metric is None:
        unprefixed = [n for n in report.get("notes", []) if "pass --acc-col" in n]
        if available:
            hint = f"choose the metric with --metric NAME (e.g. --metric {available[0]})"
        elif unprefixed:
            hint = unprefixed[0]
        else:
            hint = "name the validation accuracy column with --acc-col NAME"
        raise ClfdiagError(
            f"--fail-on loss-up-accuracy-up: {where} logged no validation accuracy, so the "
            f"gate could never fail; {listed}", hint)
    raise ClfdiagError(
        f"--fail-on loss-up-accuracy-up: no two consecutive evaluations logged both the "
        f"loss and {metric}, so the gate could never fail; {listed}",
        "choose a metric logged at every evaluation with --metric NAME")


def check_flags(conditions: list[str], flagged: list[str], regressions: list[str],
                alpha: float, metric: str | None = "accuracy",
                loss: str = "log loss") -> list[FlagCheck]:
    """Check ``--fail-on`` conditions.

    ``flagged`` says where the loss and ``metric`` both rose ("from A to B", "at epoch 6").
    """
    checks = []
    for condition in conditions:
        if condition == "loss-up-accuracy-up":
            message = (f"{loss} and {metric} both rose {', '.join(flagged)}" if flagged
                       else f"{loss} and {metric} did not both rise")
            checks.append(FlagCheck(f"--fail-on {condition}", not flagged, message, metric))
        else:
            message = (f"significantly worse at alpha {alpha:g} on: " + ", ".join(regressions)
                       if regressions else f"no significant regression at alpha {alpha:g}")
            checks.append(FlagCheck(f"--fail-on {condition}", not regressions, message))
    return checks


def disparity_gate(fail_on: list[str], max_disparity: float | None, metric: str,
                   by: list[str] | None) -> tuple[str, float] | None:
    """Validate ``--fail-on disparity`` and its options; None when no such gate is asked."""
    from clfdiag.core.fairness import DISPARITIES

    for value in fail_on:
        if value != "disparity":
            raise ClfdiagError(f"--fail-on {value!r}: unknown condition for evaluate",
                               "choose from: disparity")
    if not fail_on:
        if max_disparity is not None:
            raise ClfdiagError("--max-disparity applies to --fail-on disparity",
                               "add --fail-on disparity")
        return None
    if metric not in DISPARITIES:
        raise ClfdiagError(f"--disparity-metric {metric!r}: unknown disparity",
                           "choose from: " + ", ".join(DISPARITIES))
    if max_disparity is None or not math.isfinite(max_disparity) or max_disparity < 0:
        raise ClfdiagError("--fail-on disparity needs --max-disparity X (a number >= 0)",
                           "e.g. --max-disparity 0.1, or --disparity-metric "
                           "demographic_parity_ratio --max-disparity 0.8 (four-fifths rule)")
    if not by:
        raise ClfdiagError("--fail-on disparity needs groups", "add --by COLUMN")
    return metric, max_disparity


def check_disparity(entries: list[dict[str, Any]], metric: str, limit: float) -> FlagCheck:
    """``--fail-on disparity``: fails when any fairness entry's disparity breaks the limit.

    A difference fails above the limit, a ratio below it; an entry whose disparity
    is undefined breaks nothing and is named in the message. With no entry whose
    disparity is defined, nothing is checked: an input error (exit 2), as a gate on
    an undefined metric is, never a pass.
    """
    from clfdiag.core.fairness import exceeds

    if not entries:
        raise ClfdiagError(f"--fail-on disparity: {metric} is undefined: the report has no "
                           "fairness entry (the disparities are defined for binary "
                           "predictions with --by)", "a gate needs a defined disparity")
    broken, undefined, checked = [], [], []
    for entry in entries:
        where = " × ".join(entry["columns"])
        value = entry.get(metric)
        if value is None:
            undefined.append(where)
        elif exceeds(metric, value, limit):
            broken.append(f"{where} {value:.4g}")
        else:
            checked.append(f"{where} {value:.4g}")
    if not broken and not checked:
        reasons = sorted({str(entry["undefined"][metric]) for entry in entries
                          if metric in (entry.get("undefined") or {})})
        raise ClfdiagError(
            f"--fail-on disparity: {metric} is undefined by {', '.join(undefined)}"
            + (f": {'; '.join(reasons)}" if reasons else ""),
            "a gate needs a defined disparity: choose another --disparity-metric, or "
            "another threshold")
    side = "below" if metric.endswith("_ratio") else "above"
    if broken:
        message = f"{metric} {side} {limit:g} by {', '.join(broken)}"
    else:
        message = f"{metric} within {limit:g}: {', '.join(checked) or 'nothing defined'}"
    if undefined:
        message += f" (undefined by {', '.join(undefined)})"
    return FlagCheck("--fail-on disparity", not broken, message, metric)
