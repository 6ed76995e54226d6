"""Recalibration maps: fitted on labelled predictions, applied to new ones.

Each method has ``fit_<method>(y, proba, ...) -> <Method>Params`` (a frozen
dataclass whose fields are the method's reported parameters) and
``apply_<method>(params, proba) -> proba``; :func:`fit_mapping` and
:func:`apply_mapping` dispatch on the method name and on the parameters' type.

Logits and log-probabilities are taken on p clipped to ``[eps, 1 - eps]``, eps
the float64 machine epsilon, as the log loss clips them, so that 0 and 1 stay
finite and nothing else moves.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields

import numpy as np
import numpy.typing as npt

from clfdiag.core.calibration_error import equal_mass_edges
from clfdiag.core.losses import EPS
from clfdiag.core.transforms import sigmoid, softmax, softplus

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
LabelArray = npt.NDArray[np.integer]

TEMPERATURE_RANGE = (1e-4, 1e4)
"""Temperatures are searched in this bracket; a fit at an end means the optimum lies beyond."""
MAX_NEWTON_STEPS = 100


@dataclass(frozen=True)
class TemperatureParams:
    """``p' = sigmoid(logit(p) / T)`` (binary) or ``softmax(log p / T)`` (Guo et al. 2017)."""

    temperature: float


@dataclass(frozen=True)
class PlattParams:
    """``p' = sigmoid(slope * logit(p) + intercept)`` (Platt 1999).

    scikit-learn's ``P = 1 / (1 + exp(A f + B))`` is ``slope = -A``, ``intercept = -B``.
    """

    slope: float
    intercept: float


@dataclass(frozen=True)
class BetaParams:
    """``p' = sigmoid(a ln p - b ln(1 - p) + c)``, with a, b >= 0 (Kull et al. 2017).

    A fit on one feature has a = 0 or b = 0 and the other of either sign, as
    in the authors' ``betacal`` package.
    """

    a: float
    b: float
    c: float


@dataclass(frozen=True)
class IsotonicParams:
    """A non-decreasing step map through ``(thresholds[i], values[i])``.

    New scores are interpolated linearly between thresholds and clipped to the
    end values outside them, as ``IsotonicRegression(out_of_bounds="clip")``
    in ``CalibratedClassifierCV`` predicts.
    """

    thresholds: tuple[float, ...]
    values: tuple[float, ...]


@dataclass(frozen=True)
class HistogramParams:
    """Histogram binning: a score in ``(upper_edges[b-1], upper_edges[b]]`` maps to ``values[b]``.

    Bins are equal-mass on the fitting data and ``values[b]`` is the observed
    frequency of the positive class in bin b (Zadrozny & Elkan 2001).
    """

    upper_edges: tuple[float, ...]
    values: tuple[float, ...]


@dataclass(frozen=True)
class VectorScalingParams:
    """``p' = softmax(scale * log p + bias)``, one scale and bias per class (Guo et al. 2017).

    ``bias[0]`` is fixed at 0, since adding a constant to every bias changes nothing.
    """

    scale: tuple[float, ...]
    bias: tuple[float, ...]


Params = (TemperatureParams | PlattParams | BetaParams | IsotonicParams | HistogramParams
          | VectorScalingParams)
BINARY_METHODS = ("temperature", "platt", "isotonic", "beta", "histogram")
MULTICLASS_METHODS = ("temperature", "vector_scaling")
METHOD_OF: dict[type, str] = {
    TemperatureParams: "temperature",
    PlattParams: "platt",
    BetaParams: "beta",
    IsotonicParams: "isotonic",
    HistogramParams: "histogram",
    VectorScalingParams: "vector_scaling",
}


def method_name(params: Params) -> str:
    """The method that produced ``params``."""
    return METHOD_OF[type(params)]


def parameter_count(params: Params) -> int:
    """How many numbers the fit chose: the model's degrees of freedom.

    Temperature 1; Platt 2 (slope, intercept); beta 3 (a, b, c: a fit refitted
    on one feature chose among all three); vector scaling ``2K - 1`` (a scale
    per class and a bias per class but the first, fixed at 0); histogram
    binning one frequency per bin kept; isotonic regression one level per
    constant block, its degrees of freedom (Meyer & Woodroofe 2000, "On the
    degrees of freedom in shape-restricted regression", Ann. Statist. 28:
    the expected number of distinct fitted values).
    """
    if isinstance(params, TemperatureParams):
        return 1
    if isinstance(params, PlattParams):
        return 2
    if isinstance(params, BetaParams):
        return 3
    if isinstance(params, IsotonicParams):
        # Pooled blocks have strictly increasing means, so levels are distinct.
        return len(set(params.values))
    if isinstance(params, HistogramParams):
        return len(params.values)
    return 2 * len(params.scale) - 1


def params_dict(params: Params) -> dict[str, float | list[float]]:
    """The fitted parameters as a JSON-able dict (field name -> number or list of numbers)."""
    out: dict[str, float | list[float]] = {}
    for f in fields(params):
        value = getattr(params, f.name)
        out[f.name] = list(value) if isinstance(value, tuple) else float(value)
    return out


def logit(p: FloatArray) -> FloatArray:
    """``ln(p / (1 - p))`` of p clipped to ``[eps, 1 - eps]`` (so within about +-36.04)."""
    clipped = np.clip(p, EPS, 1.0 - EPS)
    out = np.log(clipped)
    out -= np.log1p(-clipped)
    return out


def log_probability(proba: FloatArray) -> FloatArray:
    """``ln p`` of p clipped to ``[eps, 1 - eps]``."""
    return np.log(np.clip(proba, EPS, 1.0 - EPS))


# --- temperature -----------------------------------------------------------------------


def fit_temperature(y: LabelArray, proba: FloatArray, start: TemperatureParams | None = None,
                    logits: FloatArray | None = None) -> TemperatureParams:
    """The temperature T minimising the log loss of the rescaled predictions.

    ``logits``, when the predictions were given as logits (binary ``(n,)``, or
    ``(n, K)``), are rescaled instead of ``logit(p)`` or ``ln p``: the same
    map (softmax ignores a constant per row), without the clipping at
    ``[eps, 1 - eps]`` that flattens saturated logits.

    The log loss is convex in ``1 / T``, so its derivative has one sign change;
    it is located in the bracket :data:`TEMPERATURE_RANGE` by Newton steps on
    ``1 / T``, replaced by the geometric midpoint of the bracket whenever a
    step would leave it. The bracket shrinks at every step, so the search
    always converges and T stays positive. When every logit is 0 the log loss
    does not depend on T and T = 1 is returned. ``start`` only speeds it up.
    """
    if proba.ndim == 1:
        z = logit(proba) if logits is None else logits
        positive = y == 1

        def derivatives(beta: float) -> tuple[float, float]:
            s = sigmoid(beta * z)
            residual = s - positive
            return _dot(z, residual) / z.size, _dot(z * z, s * (1.0 - s)) / z.size
    else:
        log_p = log_probability(proba) if logits is None else logits
        true_log_p = log_p[np.arange(log_p.shape[0]), y]

        def derivatives(beta: float) -> tuple[float, float]:
            q = softmax(beta * log_p)
            mean = np.einsum("ij,ij->i", q, log_p)
            second = np.einsum("ij,ij,ij->i", q, log_p, log_p)
            n = log_p.shape[0]
            return float((mean - true_log_p).sum()) / n, float((second - mean * mean).sum()) / n

    beta = 1.0 if start is None else 1.0 / start.temperature
    return TemperatureParams(1.0 / _bracketed_root(derivatives, beta))


def _bracketed_root(derivatives: Callable[[float], tuple[float, float]], beta: float) -> float:
    """Root of an increasing derivative in ``[1 / T_max, 1 / T_min]`` (safeguarded Newton)."""
    lo, hi = 1.0 / TEMPERATURE_RANGE[1], 1.0 / TEMPERATURE_RANGE[0]
    beta = min(max(beta, lo), hi)
    for _ in range(400):
        g, h = derivatives(beta)
        if g == 0.0:
            return beta
        if g > 0:
            hi = beta
        else:
            lo = beta
        step = beta - g / h if h > 0 else math.nan
        if abs(step - beta) <= 8 * EPS * beta:
            return step
        if not lo < step < hi:
            step = math.sqrt(lo * hi)
            if hi <= lo * (1 + 8 * EPS):
                return step
        beta = step
    return beta


def apply_temperature(params: TemperatureParams, proba: FloatArray,
                      logits: FloatArray | None = None) -> FloatArray:
    """Rescale the logits (binary) or log-probabilities (multiclass) by ``1 / T``.

    ``logits``, when given, are rescaled in their place (see :func:`fit_temperature`).
    """
    if proba.ndim == 1:
        return sigmoid((logit(proba) if logits is None else logits) / params.temperature)
    return softmax((log_probability(proba) if logits is None else logits) / params.temperature)


# --- logistic maps: Platt and beta ------------------------------------------------------


def fit_logistic(columns: Sequence[FloatArray], target: FloatArray,
                 start: Sequence[float] | None = None) -> FloatArray:
    """Maximum-likelihood logistic regression with an intercept: ``[coef..., intercept]``.

    Minimises the mean of ``softplus(t) - target * t`` with
    ``t = sum_j coef_j columns_j + intercept`` and targets in [0, 1]
    (cross-entropy with soft targets) by Newton's method with a backtracking
    line search, from ``start`` or 0, until the Newton decrement is below 1e-12,
    followed by one full Newton step.
    On separable data the likelihood has no maximum; the search stops when a
    Newton step no longer lowers the loss, leaving a steep map.
    """
    n, d = target.size, len(columns)
    coef = np.zeros(d + 1) if start is None else np.array(start, dtype=np.float64)

    def linear(c: FloatArray) -> FloatArray:
        t = np.full(n, c[d])
        for j in range(d):
            t += c[j] * columns[j]
        return t

    # Dot products of 1-D columns: much faster than (n, d) matrix products here.
    basis = [*columns, np.ones(n)]
    loss, s = _logistic_loss(linear(coef), target)
    for _ in range(MAX_NEWTON_STEPS):
        residual = s - target
        weight = s * (1.0 - s)
        grad = np.array([_dot(x, residual) for x in basis]) / n
        weighted = [x * weight for x in basis]
        hess = np.array([[_dot(wx, x) for x in basis] for wx in weighted]) / n
        try:
            step = np.linalg.solve(hess + 1e-12 * np.eye(d + 1), grad)
        except np.linalg.LinAlgError:
            break
        decrement = float(grad @ step)
        if not decrement > 1e-12:
            # Inside Newton's quadratic region, where a loss difference is lost
            # in rounding: one last full step squares the remaining error, unless
            # a nearly flat direction makes it a leap.
            if decrement > 0 and (_logistic_loss(linear(coef - step), target)[0]
                                  <= loss + 1e-15 * abs(loss)):
                coef = coef - step
            break
        rate = 1.0
        for _ in range(60):
            candidate = coef - rate * step
            new_loss, s_new = _logistic_loss(linear(candidate), target)
            if new_loss <= loss - 1e-4 * rate * decrement:
                break
            rate /= 2
        else:
            break
        coef, loss, s = candidate, new_loss, s_new
    return coef


def _logistic_loss(t: FloatArray, target: FloatArray) -> tuple[float, FloatArray]:
    """Mean ``softplus(t) - target * t`` and ``sigmoid(t)``."""
    loss = float(softplus(t).mean() - _dot(target, t) / t.size)
    return loss, sigmoid(t)


def _dot(a: FloatArray, b: FloatArray) -> float:
    """``a @ b`` of long vectors without BLAS, whose threads only contend on busy machines."""
    return float(np.einsum("i,i->", a, b))


def platt_targets(y: LabelArray, smoothing: bool) -> FloatArray:
    """0/1 targets, or Platt's (1999) ``(N+ + 1) / (N+ + 2)`` and ``1 / (N- + 2)``.

    The smoothed targets are those of scikit-learn's ``_sigmoid_calibration``.
    """
    positive = y == 1
    if not smoothing:
        return np.asarray(positive, dtype=np.float64)
    n_pos = int(np.count_nonzero(positive))
    n_neg = positive.size - n_pos
    return np.asarray(np.where(positive, (n_pos + 1.0) / (n_pos + 2.0), 1.0 / (n_neg + 2.0)),
                      dtype=np.float64)


def fit_platt(y: LabelArray, p: FloatArray, smoothing: bool = False,
              start: PlattParams | None = None) -> PlattParams:
    """Logistic regression of y on ``logit(p)`` by maximum likelihood (Platt 1999).

    With ``smoothing``, the targets are Platt's smoothed ones
    (:func:`platt_targets`), as in ``CalibratedClassifierCV(method="sigmoid")``.
    """
    _need_binary(p, "platt")
    init = None if start is None else (start.slope, start.intercept)
    slope, intercept = fit_logistic([logit(p)], platt_targets(y, smoothing), init)
    return PlattParams(float(slope), float(intercept))


def apply_platt(params: PlattParams, p: FloatArray) -> FloatArray:
    """``sigmoid(slope * logit(p) + intercept)``."""
    return sigmoid(params.slope * logit(p) + params.intercept)


def beta_features(p: FloatArray) -> tuple[FloatArray, FloatArray]:
    """``ln p`` and ``-ln(1 - p)`` of p clipped to ``[eps, 1 - eps]``."""
    clipped = np.clip(p, EPS, 1.0 - EPS)
    return np.log(clipped), -np.log1p(-clipped)


def fit_beta(y: LabelArray, p: FloatArray, start: BetaParams | None = None) -> BetaParams:
    """Beta calibration (Kull, Silva Filho & Flach 2017), the three-parameter map.

    Logistic regression of y on ``ln p`` and ``-ln(1 - p)``. The map is
    monotone only when a, b >= 0; as the authors' ``betacal`` package does, a
    negative ``a`` is handled by refitting on ``-ln(1 - p)`` alone (a = 0), else
    a negative ``b`` by refitting on ``ln p`` alone (b = 0).
    """
    _need_binary(p, "beta")
    log_p, log_q = beta_features(p)
    target = (y == 1).astype(np.float64)
    init = None if start is None or start.a == 0 or start.b == 0 else (start.a, start.b, start.c)
    a, b, c = fit_logistic([log_p, log_q], target, init)
    if a < 0:
        b, c = fit_logistic([log_q], target)
        a = 0.0
    elif b < 0:
        a, c = fit_logistic([log_p], target)
        b = 0.0
    return BetaParams(float(a), float(b), float(c))


def apply_beta(params: BetaParams, p: FloatArray) -> FloatArray:
    """``sigmoid(a ln p - b ln(1 - p) + c)``."""
    log_p, log_q = beta_features(p)
    return sigmoid(params.a * log_p + params.b * log_q + params.c)


# --- isotonic regression ----------------------------------------------------------------


def fit_isotonic(y: LabelArray, p: FloatArray) -> IsotonicParams:
    """Isotonic regression of y on p by pool-adjacent-violators (Zadrozny & Elkan 2002).

    Tied scores are first merged into one point (mean label, weight = count),
    as ``sklearn.isotonic.IsotonicRegression`` does, including its rule that a
    score less than ``numpy.finfo(float64).resolution`` (1e-15) above the first
    score of a group joins that group and is represented by it. Adjacent
    blocks whose means decrease are then pooled until the means are
    non-decreasing. Only the first and last score of each constant block are
    kept as thresholds, which does not change the interpolated map.
    """
    _need_binary(p, "isotonic")
    if p.size == 0:
        raise ValueError("isotonic regression needs at least one example")
    x, counts, sums = _sorted_distinct(y, p)
    opens = _tie_groups(x)
    if not opens.all():
        group = np.cumsum(opens) - 1
        x = x[opens]
        counts = np.bincount(group, weights=counts).astype(np.float64)
        sums = np.bincount(group, weights=sums).astype(np.float64)
    start, weight, total = pool_adjacent_violators(counts, sums)
    value = total / weight
    stop = np.append(start[1:], x.size) - 1
    # Each block contributes its first and last score (one point when they coincide).
    ends = np.column_stack((start, stop)).ravel()
    keep = np.ones(ends.size, dtype=bool)
    keep[1::2] = stop != start
    thresholds = x[ends[keep]]
    values = np.repeat(value, 2)[keep]
    return IsotonicParams(tuple(thresholds.tolist()), tuple(values.tolist()))


def _sorted_distinct(y: LabelArray,
                     p: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Distinct scores in increasing order, with each one's count and number of positives.

    For p >= 0 the float64 bit pattern orders like the float, so one sort of
    ``bits << 1 | label`` sorts the scores and carries the labels along, several
    times faster than an argsort.
    """
    key = np.abs(p).astype(np.float64).view(np.int64) << 1
    key |= y == 1
    key.sort()
    positive = (key & 1).astype(np.float64)
    key >>= 1
    score = key.view(np.float64)
    opens = np.empty(score.size, dtype=bool)
    opens[0] = True
    np.not_equal(score[1:], score[:-1], out=opens[1:])
    group = np.cumsum(opens) - 1
    counts = np.bincount(group).astype(np.float64)
    return score[opens], counts, np.bincount(group, weights=positive).astype(np.float64)


def _tie_groups(x: FloatArray) -> npt.NDArray[np.bool_]:
    """Which sorted distinct scores open a new group under scikit-learn's tie tolerance.

    A score opens a group iff it is at least 1e-15 above the group's first
    score; a gap of 1e-15 to the previous score settles it at once, so only
    the rare closer neighbours are walked one by one.
    """
    resolution = float(np.finfo(np.float64).resolution)
    opens = np.ones(x.size, dtype=bool)
    close = np.flatnonzero(np.diff(x) < resolution) + 1
    current, previous = 0, -1
    for i in close.tolist():
        if i - 1 != previous:
            current = i - 1
        if x[i] - x[current] >= resolution:
            current = i
        else:
            opens[i] = False
        previous = i
    return opens


def pool_adjacent_violators(weight: FloatArray,
                            total: FloatArray) -> tuple[IntArray, FloatArray, FloatArray]:
    """Blocks of the isotonic (non-decreasing) weighted least-squares fit of ``total / weight``.

    Returns each block's first index, weight and weighted sum. Every pass pools
    each maximal run of blocks with non-increasing means at once (pooling
    violators in any order gives the same fit, and pooling equal means changes
    nothing), so the work is vectorised; the rare inputs that need many passes
    finish with the classic one-block-at-a-time stack.
    """
    weight = np.asarray(weight, dtype=np.float64)
    total = np.asarray(total, dtype=np.float64)
    # The first index of each block, as an index into the input; None while every
    # block is still one input entry (no identity array of the input's length).
    start: IntArray | None = None
    # One example a group (a read-only broadcast 1, as score groups of distinct scores
    # give it): the first pass's means are the totals, its block weights their lengths.
    unit = weight.ndim == 1 and weight.size > 0 and weight.strides[0] == 0 and weight[0] == 1.0
    for _ in range(64):
        mean = total if unit else total / weight
        down = mean[1:] <= mean[:-1]
        if not down.any():
            break
        # A block opens a new group unless it continues a non-increasing run; a
        # group's sums are segment sums of the blocks, which lie in order.
        # Found from one mask, so that the positions are made once (10^7 of them: 80 MB).
        first = np.flatnonzero(np.concatenate(([True], ~down)))
        start = first if start is None else start[first]
        weight = (np.diff(np.append(first, weight.size)).astype(np.float64) if unit
                  else np.add.reduceat(weight, first))
        unit = False
        total = np.add.reduceat(total, first)
    else:
        assert start is not None
        return _pav_stack(start, weight, total)
    return (np.arange(weight.size, dtype=np.int64) if start is None
            else start.astype(np.int64, copy=False), weight, total)


def _pav_stack(start: IntArray, weight: FloatArray,
               total: FloatArray) -> tuple[IntArray, FloatArray, FloatArray]:
    starts: list[int] = []
    weights: list[float] = []
    totals: list[float] = []
    for s, w, t in zip(start.tolist(), weight.tolist(), total.tolist(), strict=True):
        starts.append(s)
        weights.append(w)
        totals.append(t)
        while len(weights) > 1 and totals[-2] * weights[-1] >= totals[-1] * weights[-2]:
            w_last, t_last = weights.pop(), totals.pop()
            starts.pop()
            weights[-1] += w_last
            totals[-1] += t_last
    return (np.array(starts, dtype=np.int64), np.array(weights), np.array(totals))


def apply_isotonic(params: IsotonicParams, p: FloatArray) -> FloatArray:
    """Linear interpolation between thresholds, clipped to the end values (``numpy.interp``)."""
    return np.asarray(np.interp(p, np.array(params.thresholds), np.array(params.values)),
                      dtype=np.float64)


# --- histogram binning ------------------------------------------------------------------


def fit_histogram(y: LabelArray, p: FloatArray, n_bins: int = 15) -> HistogramParams:
    """Histogram binning on at most ``n_bins`` equal-mass bins of p (Zadrozny & Elkan 2001).

    The bins are those of the equal-mass calibration error
    (:func:`~clfdiag.core.calibration_error.equal_mass_edges`) without the
    empty ones; each maps to the share of positives among its fitting examples.
    """
    _need_binary(p, "histogram")
    if p.size == 0:
        raise ValueError("histogram binning needs at least one example")
    edges = equal_mass_edges(p, n_bins)
    index = np.minimum(np.searchsorted(edges, p, side="left"), edges.size - 1)
    counts = np.bincount(index, minlength=edges.size)
    hits = np.bincount(index, weights=(y == 1).astype(np.float64), minlength=edges.size)
    # Tied scores can leave a bin empty; its range joins the next bin (the
    # last one kept reaches 1).
    filled = counts > 0
    upper = edges[filled]
    upper[-1] = 1.0
    return HistogramParams(tuple(upper.tolist()), tuple((hits[filled] / counts[filled]).tolist()))


def apply_histogram(params: HistogramParams, p: FloatArray) -> FloatArray:
    """The value of the right-closed bin holding each score."""
    edges = np.array(params.upper_edges)
    index = np.minimum(np.searchsorted(edges, p, side="left"), edges.size - 1)
    return np.asarray(np.array(params.values)[index], dtype=np.float64)


# --- vector scaling ---------------------------------------------------------------------


def fit_vector_scaling(y: LabelArray, proba: FloatArray,
                       start: VectorScalingParams | None = None) -> VectorScalingParams:
    """Per-class scale and bias on ``log p`` by maximum likelihood (Guo et al. 2017).

    Damped Newton steps with a backtracking line search on the mean negative
    log-likelihood of ``softmax(scale * log p + bias)``, from the identity map
    (or ``start``), until the gradient is below 1e-11; ``bias[0] = 0`` removes
    the one direction in which the likelihood is always flat.
    """
    if proba.ndim != 2:
        raise ValueError("vector scaling needs an (n, K) matrix of class probabilities")
    n, k = proba.shape
    log_p = log_probability(proba)
    onehot = np.zeros((n, k))
    onehot[np.arange(n), y] = 1.0
    # Parameters: scale (k), then bias[1:] (k - 1).
    theta = (np.concatenate((np.ones(k), np.zeros(k - 1))) if start is None
             else np.concatenate((start.scale, start.bias[1:])))

    def logits(th: FloatArray) -> FloatArray:
        out = log_p * th[:k]
        out[:, 1:] += th[k:]
        return out

    def loss_and_q(th: FloatArray) -> tuple[float, FloatArray]:
        t = logits(th)
        top = t.max(axis=1, keepdims=True)
        shifted = np.exp(t - top)
        norm = shifted.sum(axis=1, keepdims=True)
        lse = np.log(norm) + top
        return float((lse[:, 0] - (t * onehot).sum(axis=1)).mean()), shifted / norm

    loss, q = loss_and_q(theta)
    damping = 1e-12
    for _ in range(MAX_NEWTON_STEPS):
        # Per-row features of each logit: x_j = log p_j (for scale j) and 1 (for bias j).
        residual = q - onehot
        grad = np.concatenate(((residual * log_p).mean(axis=0), residual[:, 1:].mean(axis=0)))
        jac = np.zeros((n, k, 2 * k - 1))
        jac[:, np.arange(k), np.arange(k)] = log_p
        jac[:, np.arange(1, k), k + np.arange(k - 1)] = 1.0
        mean_jac = np.einsum("ij,ijp->ip", q, jac)
        hess = (np.einsum("ij,ijp,ijr->pr", q, jac, jac)
                - np.einsum("ip,ir->pr", mean_jac, mean_jac)) / n
        if not np.abs(grad).max() > 1e-11:
            break
        accepted = False
        # Levenberg damping: a nearly flat direction (e.g. a class never
        # predicted) makes a pure Newton step a leap; more damping turns the
        # step towards the gradient, which always descends.
        for _ in range(40):
            step = np.linalg.solve(hess + damping * np.eye(2 * k - 1), grad)
            decrement = float(grad @ step)
            rate = 1.0
            for _ in range(8):
                candidate = theta - rate * step
                new_loss, new_q = loss_and_q(candidate)
                if new_loss <= loss - 1e-4 * rate * decrement:
                    accepted = True
                    break
                rate /= 2
            if accepted:
                damping = max(damping / 100, 1e-12)
                break
            damping *= 100
        if not accepted:
            break
        theta, loss, q = candidate, new_loss, new_q
    return VectorScalingParams(tuple(theta[:k].tolist()), (0.0, *theta[k:].tolist()))


def apply_vector_scaling(params: VectorScalingParams, proba: FloatArray) -> FloatArray:
    """``softmax(scale * log p + bias)``."""
    return softmax(log_probability(proba) * np.array(params.scale) + np.array(params.bias))


# --- dispatch ---------------------------------------------------------------------------


def fit_mapping(method: str, y: LabelArray, proba: FloatArray, *, n_bins: int = 15,
                platt_smoothing: bool = False, start: Params | None = None,
                logits: FloatArray | None = None) -> Params:
    """Fit ``method`` to labels ``y`` (0/1, or class indices) and probabilities ``proba``.

    ``start`` (parameters of the same method, e.g. fitted on all rows) is a
    starting point for the iterative fits and is ignored by the others.
    ``logits`` (the raw values ``proba`` came from) serve temperature scaling.
    """
    if method == "temperature":
        return fit_temperature(y, proba, start if isinstance(start, TemperatureParams) else None,
                               logits)
    if method == "platt":
        return fit_platt(y, proba, platt_smoothing,
                         start if isinstance(start, PlattParams) else None)
    if method == "beta":
        return fit_beta(y, proba, start if isinstance(start, BetaParams) else None)
    if method == "isotonic":
        return fit_isotonic(y, proba)
    if method == "histogram":
        return fit_histogram(y, proba, n_bins)
    if method == "vector_scaling":
        return fit_vector_scaling(y, proba,
                                  start if isinstance(start, VectorScalingParams) else None)
    raise ValueError(f"unknown calibration method {method!r}; use one of "
                     f"{', '.join(dict.fromkeys(BINARY_METHODS + MULTICLASS_METHODS))}")


def apply_mapping(params: Params, proba: FloatArray,
                  logits: FloatArray | None = None) -> FloatArray:
    """Apply fitted parameters of any method to probabilities of the same shape as in the fit.

    ``logits`` (the raw values ``proba`` came from) serve temperature scaling.
    """
    if isinstance(params, TemperatureParams):
        return apply_temperature(params, proba, logits)
    if isinstance(params, PlattParams):
        return apply_platt(params, proba)
    if isinstance(params, BetaParams):
        return apply_beta(params, proba)
    if isinstance(params, IsotonicParams):
        return apply_isotonic(params, proba)
    if isinstance(params, HistogramParams):
        return apply_histogram(params, proba)
    return apply_vector_scaling(params, proba)


def _need_binary(p: FloatArray, method: str) -> None:
    if p.ndim != 1:
        raise ValueError(f"{method} calibration needs binary (n,) positive-class probabilities")
