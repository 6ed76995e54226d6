"""Operating points: the threshold that is best by a criterion, exactly, over every distinct score.

The rule is "predict positive iff score >= t", and the candidates are the
distinct observed scores (no grid, which can miss the optimum). One
:class:`~clfdiag.core.ranking.BinaryRanking` holds the confusion counts at every
candidate, so every criterion below costs one pass over the counts, not a sort.

Criteria are computed from the integer counts, as one division where possible,
so that thresholds whose counts give the same rational value give the same
float. Values within 1e-12 of the best, relative to ``max(|best|, scale)``
(``scale`` is 1 for rates and coefficients and the largest cost for costs),
are ties: every tied threshold is reported, and one is chosen by the stated
tie-break rule, never by a median of tied optima (cutpointr's default, which
can land on a threshold that is not optimal).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from clfdiag.core import confusion as cmx
from clfdiag.core.ranking import BinaryRanking, groups_at_or_above

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

TIE_TOLERANCE = 1e-12
CHUNK = 1 << 12
"""Candidates per block of the search (see ``_search``)."""

STANDARD_CRITERIA = ("youden", "closest-topleft", "f1", "mcc", "accuracy",
                     "balanced-accuracy", "cost")
"""The criteria of the side-by-side table, Youden's J (the ``best``) first."""
CRITERION_NAMES = (*STANDARD_CRITERIA, "fbeta", "net-benefit", "recall", "specificity")
HIGHEST = "the highest tied threshold (the fewest predicted positives)"
LOWEST = "the lowest tied threshold (the most true positives at the same specificity)"


@dataclass(frozen=True)
class Costs:
    """The cost of each kind of error and the prevalence at which they are weighed.

    Expected cost per example at a threshold, with ``FNR = FN / P`` and
    ``FPR = FP / N`` measured on the data:

    - ``prevalence`` None: ``(cost_fp * FP + cost_fn * FN) / n``, the average
      cost over the rows as they are (prevalence ``P / n``).
    - ``prevalence`` pi: ``pi * cost_fn * FNR + (1 - pi) * cost_fp * FPR``,
      the expected cost per example in a population where a share pi is
      positive and each class's scores are distributed as in the data (each
      positive reweighted by ``pi n / P``, each negative by ``(1 - pi) n / N``).
      Needs both classes.

    With the default costs 1 and 1 it is the error rate.
    """

    cost_fp: float = 1.0
    cost_fn: float = 1.0
    prevalence: float | None = None

    def __post_init__(self) -> None:
        if not (self.cost_fp >= 0 and self.cost_fn >= 0 and math.isfinite(self.cost_fp)
                and math.isfinite(self.cost_fn)):
            raise ValueError("costs must be finite and non-negative")
        if self.prevalence is not None and not 0 < self.prevalence < 1:
            raise ValueError("the deployment prevalence must be strictly between 0 and 1")

    @property
    def scale(self) -> float:
        """The largest cost: the scale of ties between expected costs."""
        return max(self.cost_fp, self.cost_fn, 1e-300)


@dataclass(frozen=True)
class Constraints:
    """Bounds a chosen threshold must meet; all given bounds must hold at once."""

    min_recall: float | None = None
    min_precision: float | None = None
    min_specificity: float | None = None
    max_fpr: float | None = None

    def __post_init__(self) -> None:
        for name in ("min_recall", "min_precision", "min_specificity", "max_fpr"):
            bound = getattr(self, name)
            if bound is not None and not 0 <= bound <= 1:
                raise ValueError(f"{name} must be between 0 and 1")

    def describe(self) -> str:
        """The bounds as text, e.g. ``recall >= 0.9, precision >= 0.5``; empty when none."""
        parts = [f"{name} {op} {bound:g}" for name, op, bound in (
            ("recall", ">=", self.min_recall), ("precision", ">=", self.min_precision),
            ("specificity", ">=", self.min_specificity), ("fpr", "<=", self.max_fpr))
            if bound is not None]
        return ", ".join(parts)


@dataclass(frozen=True)
class Criterion:
    """What a threshold is chosen for; ``label`` is its name as given (``fbeta:2``).

    ``beta`` is set for ``fbeta``, ``risk_threshold`` for ``net-benefit``.
    """

    name: str
    beta: float | None = None
    risk_threshold: float | None = None

    @property
    def label(self) -> str:
        """The criterion as the user names it."""
        if self.name == "fbeta":
            return f"fbeta:{self.beta:g}"
        if self.name == "net-benefit":
            return f"net-benefit:{self.risk_threshold:g}"
        return self.name

    @property
    def minimise(self) -> bool:
        """Whether lower is better (a distance or a cost)."""
        return self.name in ("closest-topleft", "cost")


def parse_criterion(text: str) -> Criterion:
    """A criterion from its name: one of :data:`CRITERION_NAMES`, ``fbeta:B``, ``net-benefit:PT``.

    ``B > 0`` weighs recall B times as much as precision; ``PT`` in (0, 1) is the
    risk at which treating and not treating are equally good. Raises
    ``ValueError`` with the accepted names otherwise.
    """
    name, _, arg = text.strip().lower().partition(":")
    if name not in CRITERION_NAMES:
        raise ValueError(f"unknown criterion {text!r}; expected one of "
                         f"{', '.join((*STANDARD_CRITERIA, 'fbeta:B', 'net-benefit:PT'))}")
    if name in ("fbeta", "net-benefit"):
        try:
            value = float(arg)
        except ValueError:
            raise ValueError(f"{name} needs a number after the colon, e.g. "
                             f"{'fbeta:2' if name == 'fbeta' else 'net-benefit:0.2'}") from None
        if name == "fbeta":
            if not (value > 0 and math.isfinite(value)):
                raise ValueError("fbeta:B needs B > 0")
            return Criterion(name, beta=value)
        if not 0 < value < 1:
            raise ValueError("net-benefit:PT needs a risk threshold PT strictly between 0 and 1")
        return Criterion(name, risk_threshold=value)
    if arg:
        raise ValueError(f"criterion {name!r} takes no argument (got {text!r})")
    return Criterion(name)


@dataclass(frozen=True)
class ConfusionSummary:
    """Confusion counts and the statistics read off them.

    ``recall`` is the sensitivity ``TP / P``; ``specificity`` ``TN / N``;
    ``precision`` ``TP / (TP + FP)``; ``npv`` ``TN / (TN + FN)``; ``f1``
    ``2 TP / (2 TP + FP + FN)``; ``mcc`` Matthews' correlation coefficient;
    ``lr_positive`` ``recall / (1 - specificity)``; ``lr_negative``
    ``(1 - recall) / specificity``; ``cost`` the expected cost per example
    under :class:`Costs`. An undefined statistic is ``None`` and ``undefined``
    maps its name to the reason.
    """

    tp: int
    fp: int
    tn: int
    fn: int
    recall: float | None
    specificity: float | None
    precision: float | None
    npv: float | None
    f1: float | None
    mcc: float | None
    lr_positive: float | None
    lr_negative: float | None
    cost: float | None
    undefined: dict[str, str]


@dataclass(frozen=True)
class OperatingPoint(ConfusionSummary):
    """The confusion at one threshold, rule ``score >= threshold``.

    ``midpoint`` is halfway between ``threshold`` and the next lower distinct
    score, pROC's convention for reporting a threshold; ``score >= midpoint``
    gives the same counts (when the two scores are adjacent floats the midpoint
    rounds onto one of them, and ``threshold`` itself is given). It is ``None``
    at the lowest score, below which there is no observed score (pROC reports
    -Inf there), and for a threshold that is not an observed score.
    """

    threshold: float
    midpoint: float | None


@dataclass(frozen=True)
class Optimum(OperatingPoint):
    """The threshold that is best by ``criterion`` subject to ``constraints``.

    ``value`` is the criterion at ``threshold``; ``ties`` every observed
    threshold reaching it (the chosen one included), highest first;
    ``tie_break`` the rule that chose among them.
    """

    criterion: str
    value: float
    ties: tuple[float, ...]
    tie_break: str
    constraints: Constraints


@dataclass(frozen=True)
class Infeasible:
    """No threshold could be chosen by ``criterion``: ``reason`` says why."""

    criterion: str
    reason: str
    constraints: Constraints = field(default_factory=Constraints)


def summarise(tp: int, fp: int, tn: int, fn: int, costs: Costs) -> ConfusionSummary:
    """Every statistic of :class:`ConfusionSummary` from the four counts."""
    stats: dict[str, cmx.Statistic] = {
        "recall": cmx.ratio(tp, tp + fn, "no positives (TP + FN = 0)"),
        "specificity": cmx.ratio(tn, tn + fp, "no negatives (TN + FP = 0)"),
        "precision": cmx.ratio(tp, tp + fp, "no predicted positives (TP + FP = 0)"),
        "npv": cmx.ratio(tn, tn + fn, "no predicted negatives (TN + FN = 0)"),
        "f1": cmx.ratio(2 * tp, 2 * tp + fp + fn, "no positives, none predicted"),
        "mcc": cmx.matthews_corrcoef(np.array([[tn, fp], [fn, tp]], dtype=np.int64)),
        "cost": _expected_cost(tp, fp, tn, fn, costs),
    }
    p, n = tp + fn, tn + fp
    if p == 0 or n == 0:
        stats["lr_positive"] = stats["lr_negative"] = cmx.Statistic(None, "needs both classes")
    else:
        stats["lr_positive"] = cmx.ratio(tp * n, fp * p, "no false positives (FP = 0)")
        stats["lr_negative"] = cmx.ratio(fn * n, tn * p, "no true negatives (TN = 0)")
    undefined = {k: s.reason for k, s in stats.items() if s.value is None and s.reason}
    values = {k: s.value for k, s in stats.items()}
    return ConfusionSummary(tp=tp, fp=fp, tn=tn, fn=fn, undefined=undefined, **values)


def _expected_cost(tp: int, fp: int, tn: int, fn: int, costs: Costs) -> cmx.Statistic:
    p, n = tp + fn, tn + fp
    if costs.prevalence is None:
        if p + n == 0:
            return cmx.Statistic(None, "no examples")
        return cmx.Statistic((costs.cost_fp * fp + costs.cost_fn * fn) / (p + n))
    if p == 0 or n == 0:
        return cmx.Statistic(None, "a deployment prevalence needs both classes in the data")
    pi = costs.prevalence
    return cmx.Statistic(pi * costs.cost_fn * fn / p + (1 - pi) * costs.cost_fp * fp / n)


def operating_point(r: BinaryRanking, threshold: float,
                    costs: Costs | None = None) -> OperatingPoint:
    """The confusion at any threshold, rule ``score >= threshold`` (e.g. 0.5, for comparison).

    The midpoint is given when ``threshold`` is one of the observed scores.
    """
    costs = Costs() if costs is None else costs
    above = groups_at_or_above(r, threshold)
    if above and r.thresholds[above - 1] == threshold:
        return _point_at(r, above - 1, costs)
    tp = int(r.tps[above - 1]) if above else 0
    fp = int(r.fps[above - 1]) if above else 0
    s = summarise(tp, fp, r.negatives - fp, r.positives - tp, costs)
    return OperatingPoint(**vars(s), threshold=float(threshold), midpoint=None)


def _point_at(r: BinaryRanking, i: int, costs: Costs) -> OperatingPoint:
    tp, fp = int(r.tps[i]), int(r.fps[i])
    s = summarise(tp, fp, r.negatives - fp, r.positives - tp, costs)
    return OperatingPoint(**vars(s), threshold=float(r.thresholds[i]),
                          midpoint=midpoint(r.thresholds, i))


def midpoint(thresholds: FloatArray, i: int) -> float | None:
    """Halfway between ``thresholds[i]`` and the next lower one (descending array), kept above it.

    ``None`` at the last (lowest) threshold.
    """
    if i + 1 >= thresholds.shape[0]:
        return None
    high, low = float(thresholds[i]), float(thresholds[i + 1])
    mid = (high + low) / 2
    if not math.isfinite(mid):  # overflow near the largest floats
        mid = high / 2 + low / 2
    return mid if low < mid <= high else high


ValueFunction = Callable[[IntArray, IntArray], tuple[FloatArray, BoolArray | None]]


def _value_function(criterion: Criterion, costs: Costs, p: int, n: int) -> ValueFunction | str:
    """Vectorised criterion over candidates ``(tps, fps)``, or why it is undefined everywhere.

    Returns values and the mask of candidates where they are defined (None: all).
    """
    name = criterion.name
    total = p + n
    if name in ("youden", "balanced-accuracy", "closest-topleft") and (p == 0 or n == 0):
        return f"{name} needs both classes (positives {p}, negatives {n})"
    if name == "recall" and p == 0:
        return "recall is undefined without positives"
    if name == "specificity" and n == 0:
        return "specificity is undefined without negatives"
    if name == "mcc" and (p == 0 or n == 0):
        return f"mcc needs both classes (positives {p}, negatives {n})"
    if name == "cost" and costs.prevalence is not None and (p == 0 or n == 0):
        return "a deployment prevalence needs both classes in the data"

    def youden(tp: IntArray, fp: IntArray) -> tuple[FloatArray, BoolArray | None]:
        return (tp * n - fp * p) / (p * n), None

    def balanced(tp: IntArray, fp: IntArray) -> tuple[FloatArray, BoolArray | None]:
        return (tp * n + (n - fp) * p) / (2 * p * n), None

    def topleft(tp: IntArray, fp: IntArray) -> tuple[FloatArray, BoolArray | None]:
        miss, false_alarm = (p - tp) / p, fp / n
        return miss * miss + false_alarm * false_alarm, None

    def f1(tp: IntArray, fp: IntArray) -> tuple[FloatArray, BoolArray | None]:
        # Every candidate predicts at least one positive: the denominator is >= 1.
        return 2 * tp / (tp + fp + p), None

    b2 = (criterion.beta or 1.0) ** 2
    harm = (criterion.risk_threshold or 0.0) / (1 - (criterion.risk_threshold or 0.0))

    def fbeta(tp: IntArray, fp: IntArray) -> tuple[FloatArray, BoolArray | None]:
        return (1 + b2) * tp / ((1 + b2) * tp + b2 * (p - tp) + fp), None

    def mcc(tp: IntArray, fp: IntArray) -> tuple[FloatArray, BoolArray | None]:
        fn, tn = p - tp, n - fp
        denominator = np.sqrt((tp + fp).astype(np.float64) * p * n * (tn + fn))
        defined = denominator > 0
        with np.errstate(invalid="ignore", divide="ignore"):
            return (tp * tn - fp * fn) / denominator, defined

    def accuracy(tp: IntArray, fp: IntArray) -> tuple[FloatArray, BoolArray | None]:
        return (tp + (n - fp)) / total, None

    def cost(tp: IntArray, fp: IntArray) -> tuple[FloatArray, BoolArray | None]:
        if costs.prevalence is None:
            return (costs.cost_fp * fp + costs.cost_fn * (p - tp)) / total, None
        pi = costs.prevalence
        return pi * costs.cost_fn * (p - tp) / p + (1 - pi) * costs.cost_fp * fp / n, None

    def net_benefit(tp: IntArray, fp: IntArray) -> tuple[FloatArray, BoolArray | None]:
        return (tp - fp * harm) / total, None

    def recall(tp: IntArray, fp: IntArray) -> tuple[FloatArray, BoolArray | None]:
        return tp / p, None

    def specificity(tp: IntArray, fp: IntArray) -> tuple[FloatArray, BoolArray | None]:
        return (n - fp) / n, None

    functions: dict[str, ValueFunction] = {
        "youden": youden, "balanced-accuracy": balanced, "closest-topleft": topleft, "f1": f1,
        "fbeta": fbeta, "mcc": mcc, "accuracy": accuracy, "cost": cost,
        "net-benefit": net_benefit, "recall": recall, "specificity": specificity}
    return functions[name]


def criterion_value(criterion: Criterion, tp: int, fp: int, tn: int, fn: int,
                    costs: Costs | None = None) -> float | None:
    """The criterion at one set of counts (e.g. pooled held-out counts); None where undefined."""
    values = _value_function(criterion, Costs() if costs is None else costs, tp + fn, tn + fp)
    if isinstance(values, str) or tp + fp + tn + fn == 0:
        return None
    # Off the candidates, nothing may be predicted positive: F1 can then be 0/0.
    with np.errstate(invalid="ignore", divide="ignore"):
        v, defined = values(np.array([tp], dtype=np.int64), np.array([fp], dtype=np.int64))
    if (defined is not None and not defined[0]) or not math.isfinite(v[0]):
        return None
    return float(v[0])


def _feasible(constraints: Constraints, p: int, n: int,
              ) -> Callable[[IntArray, IntArray], BoolArray | None] | str:
    """The mask of candidates meeting every bound, or why no candidate can."""
    c = constraints
    if c.min_recall is not None and p == 0:
        return "recall is undefined without positives"
    if (c.min_specificity is not None or c.max_fpr is not None) and n == 0:
        return "specificity is undefined without negatives"

    def mask(tp: IntArray, fp: IntArray) -> BoolArray | None:
        ok: BoolArray | None = None
        for bound in (None if c.min_recall is None else tp / p >= c.min_recall,
                      None if c.min_precision is None else tp / (tp + fp) >= c.min_precision,
                      None if c.min_specificity is None else (n - fp) / n >= c.min_specificity,
                      None if c.max_fpr is None else fp / n <= c.max_fpr):
            if bound is not None:
                ok = bound if ok is None else ok & bound
        return ok

    return mask


def default_objective(constraints: Constraints) -> Criterion:
    """What a constraint given alone maximises: the other side of the trade-off.

    Specificity under ``min_recall``; recall under ``min_precision``,
    ``min_specificity`` or ``max_fpr``. Raises ``ValueError`` when bounds on both
    sides are given (or none), where "the other side" has no single reading.
    """
    recall_side = constraints.min_recall is not None
    other_side = any(b is not None for b in (constraints.min_precision,
                                             constraints.min_specificity, constraints.max_fpr))
    if recall_side and not other_side:
        return Criterion("specificity")
    if other_side and not recall_side:
        return Criterion("recall")
    raise ValueError("bounds on both recall and specificity/precision need a criterion to "
                     "optimise" if recall_side else "no criterion and no constraint given")


def choose_threshold(r: BinaryRanking, criterion: Criterion | None = None,
                     constraints: Constraints | None = None,
                     costs: Costs | None = None) -> Optimum | Infeasible:
    """The observed threshold that is best by ``criterion`` among those meeting ``constraints``.

    Without a criterion, the constraints alone choose (see
    :func:`default_objective`). Definitions: Youden's J = recall + specificity - 1
    (Youden 1950); closest-topleft minimises ``(1 - recall)^2 + (1 - specificity)^2``
    (pROC's ``closest.topleft``); F-beta = ``(1 + B^2) TP / ((1 + B^2) TP + B^2 FN + FP)``
    (``sklearn.metrics.fbeta_score``); MCC (Matthews 1975); accuracy; balanced
    accuracy = (recall + specificity) / 2; cost, the expected cost of
    :class:`Costs` (minimised); net benefit at risk threshold pt,
    ``TP/n - FP/n * pt / (1 - pt)`` (Vickers & Elkin 2006).

    Ties (see the module) are broken towards the highest threshold, except when
    maximising specificity, where the lowest tied threshold has the same false
    positives and the most true positives.
    """
    constraints = Constraints() if constraints is None else constraints
    costs = Costs() if costs is None else costs
    if criterion is None:
        criterion = default_objective(constraints)
    label = criterion.label
    p, n = r.positives, r.negatives
    if r.thresholds.shape[0] == 0:
        return Infeasible(label, "no examples", constraints)
    values = _value_function(criterion, costs, p, n)
    if isinstance(values, str):
        return Infeasible(label, values, constraints)
    feasible = _feasible(constraints, p, n)
    if isinstance(feasible, str):
        return Infeasible(label, feasible, constraints)
    scale = costs.scale if criterion.name == "cost" else 1.0
    if criterion.name == "net-benefit":
        pt = criterion.risk_threshold or 0.0
        scale = max(1.0, pt / (1 - pt))
    bound = _mcc_bound(p, n) if criterion.name == "mcc" else values
    found = _search(r, values, bound, feasible, criterion.minimise, scale)
    if found is None:
        if constraints.describe():
            where = f" with {label} defined" if criterion.name == "mcc" else ""
            return Infeasible(label, f"no observed threshold meets {constraints.describe()}"
                              f"{where}", constraints)
        return Infeasible(label, f"{label} is undefined at every observed threshold",
                          constraints)
    value, ties = found
    lowest = criterion.name == "specificity"
    chosen = int(ties[-1] if lowest else ties[0])
    point = _point_at(r, chosen, costs)
    return Optimum(**vars(point), criterion=label, value=value,
                   ties=tuple(r.thresholds[ties].tolist()), tie_break=LOWEST if lowest else HIGHEST,
                   constraints=constraints)


def _mcc_bound(p: int, n: int) -> ValueFunction:
    """An upper bound of MCC over candidates with ``tp <= tps`` and ``fp >= fps``.

    MCC^2 = informedness * markedness (Powers 2011), both of the same sign;
    informedness (Youden's J) and markedness (precision + NPV - 1) both grow
    with TP and shrink with FP, so ``sqrt(max(J, 0) * max(MK, 0))`` at the
    corner bounds MCC throughout.
    """

    def bound(tp: IntArray, fp: IntArray) -> tuple[FloatArray, BoolArray | None]:
        informedness = tp / p - fp / n
        predicted, rest = tp + fp, (n - fp) + (p - tp)
        with np.errstate(invalid="ignore", divide="ignore"):
            precision = np.where(predicted > 0, tp / predicted, 1.0)
            npv = np.where(rest > 0, (n - fp) / rest, 1.0)
        markedness = precision + npv - 1
        return np.sqrt(np.maximum(informedness, 0) * np.maximum(markedness, 0)), None

    return bound


def _search(r: BinaryRanking, values: ValueFunction, bound: ValueFunction,
            feasible: Callable[[IntArray, IntArray], BoolArray | None],
            minimise: bool, scale: float) -> tuple[float, IntArray] | None:
    """The best value and the indices (ascending) of every candidate tying with it.

    Branch and bound over blocks of candidates: along the ranking TP and FP
    never decrease, so within a block the most favourable counts are the
    block's last TP with its first FP. Every criterion grows with TP and
    shrinks with FP (MCC through ``bound``), as does every constraint, so the
    criterion at that corner bounds the block, and the corner's feasibility
    rules out whole blocks. Blocks are examined from the highest bound down
    until the bound falls below the best value found; on 10^7 distinct scores
    that is a few blocks instead of every candidate.
    """
    sign = -1.0 if minimise else 1.0
    g = r.thresholds.shape[0]
    starts = np.arange(0, g, CHUNK)
    last = np.minimum(starts + CHUNK, g) - 1
    corner_tp, corner_fp = r.tps[last], r.fps[starts]
    with np.errstate(invalid="ignore", divide="ignore"):
        upper = sign * bound(corner_tp, corner_fp)[0]
    upper[np.isnan(upper)] = np.inf  # an undefined bound rules nothing out
    possible = feasible(corner_tp, corner_fp)
    if possible is not None:
        upper[~possible] = -np.inf

    def keys(start: int) -> tuple[FloatArray, BoolArray | None]:
        tp, fp = r.tps[start:start + CHUNK], r.fps[start:start + CHUNK]
        v, ok = values(tp, fp)
        allowed = feasible(tp, fp)
        if allowed is not None:
            ok = allowed if ok is None else ok & allowed
        return sign * v, ok

    def tolerance(value: float) -> float:
        return TIE_TOLERANCE * max(abs(value), scale)

    best = -math.inf
    block_best: dict[int, float] = {}
    for block in np.argsort(-upper, kind="stable"):
        # Twice the tolerance: it may grow with the best value found later.
        if upper[block] == -np.inf or upper[block] < best - 2 * tolerance(best):
            break
        key, ok = keys(int(starts[block]))
        if ok is not None:
            key = key[ok]
        if key.shape[0]:
            block_best[int(block)] = float(key.max())
            best = max(best, block_best[int(block)])
    if best == -math.inf:
        return None
    ties = []
    for block in sorted(b for b, v in block_best.items() if v >= best - tolerance(best)):
        key, ok = keys(int(starts[block]))
        near = key >= best - tolerance(best)
        if ok is not None:
            near &= ok
        ties.append(np.flatnonzero(near) + starts[block])
    return sign * best, np.concatenate(ties)


def criteria_table(r: BinaryRanking, costs: Costs | None = None,
                   extra: tuple[Criterion, ...] = ()) -> tuple[Optimum | Infeasible, ...]:
    """Every standard criterion's optimum side by side, Youden's J (the ``best``) first.

    ``extra`` adds criteria that need a parameter (``fbeta:B``, ``net-benefit:PT``).
    """
    criteria = (*(Criterion(name) for name in STANDARD_CRITERIA), *extra)
    return tuple(choose_threshold(r, c, costs=costs) for c in criteria)


@dataclass(frozen=True)
class GroupChoice:
    """The operating point chosen within one group of rows (``--by``): ``group`` is its code."""

    group: int
    n: int
    positives: int
    best: Optimum | Infeasible


def choose_by_group(y: npt.NDArray[np.integer], scores: FloatArray,
                    groups: npt.NDArray[np.integer], criterion: Criterion | None = None,
                    constraints: Constraints | None = None,
                    costs: Costs | None = None) -> tuple[GroupChoice, ...]:
    """:func:`choose_threshold` within each group, for group codes ``0 .. G-1`` in order.

    Codes with no rows are left out. One sort of the scores per group.
    """
    from clfdiag.core.ranking import rank_binary

    groups = np.asarray(groups, dtype=np.int64)
    out = []
    for code in np.unique(groups):
        rows = groups == code
        r = rank_binary(np.asarray(y)[rows], np.asarray(scores, dtype=np.float64)[rows])
        out.append(GroupChoice(int(code), r.positives + r.negatives, r.positives,
                               choose_threshold(r, criterion, constraints, costs)))
    return tuple(out)


def parse_decision_rule(text: str) -> float | tuple[Criterion, Costs]:
    """A threshold as ``evaluate --threshold`` takes it: a number, a criterion, or a cost ratio.

    ``"0.3"`` is a fixed threshold; a criterion name (``youden``, ``f1``,
    ``fbeta:2``, ...) chooses the threshold by that criterion; ``cost:R``
    chooses it by expected cost with a false negative R times as costly as a
    false positive, and ``cost:A/B`` with costs A (false negative) and B
    (false positive). Raises ``ValueError`` naming the accepted forms.
    """
    stripped = text.strip()
    try:
        value = float(stripped)
    except ValueError:
        pass
    else:
        if not math.isfinite(value):
            raise ValueError(f"threshold {text!r} is not a finite number")
        return value
    name, _, arg = stripped.lower().partition(":")
    if name == "cost":
        fn_text, _, fp_text = arg.partition("/")
        try:
            cost_fn, cost_fp = float(fn_text), float(fp_text) if fp_text else 1.0
        except ValueError:
            raise ValueError(f"cannot read {text!r}: write cost:R (a false negative costs R "
                             "false positives) or cost:A/B (costs of a false negative and of a "
                             "false positive)") from None
        return Criterion("cost"), Costs(cost_fp=cost_fp, cost_fn=cost_fn)
    if name not in CRITERION_NAMES:
        # A rule's costs follow its colon: the bare ``cost`` of --optimize is no rule.
        rules = [n for n in STANDARD_CRITERIA if n != "cost"]
        rules += ["fbeta:B", "net-benefit:PT", "cost:R", "cost:A/B"]
        raise ValueError(f"unknown threshold rule {text!r}; expected a number, or one of "
                         f"{', '.join(rules)}")
    return parse_criterion(stripped), Costs()
