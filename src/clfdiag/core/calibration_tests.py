"""Calibration tests of binary predictions and the CORP decomposition of their scores.

Everything here is about one probability ``p`` of the positive class against 0/1
labels ``y`` (multiclass: one class against the rest, :func:`calibration_tests_per_class`).
All of it derives from the distinct values of ``p`` in increasing order with the
number of examples and of positives at each (:class:`ScoreGroups`), which the
evaluation's single sort already gives (:class:`~clfdiag.core.ranking.BinaryRanking`):
the isotonic fit, the Hosmer-Lemeshow groups and Somers' ``Dxy`` share that one
order, and the logistic fits run over the distinct values. Only the equal-count
Hosmer-Lemeshow groups look at the rows again (a tie cut by a group boundary is
split in file order) and the lowess smoother sorts the rows it needs itself.

The summaries are those of R's ``rms::val.prob`` (Harrell; Steyerberg, *Clinical
Prediction Models*, 2019), whose names they keep:

- Spiegelhalter's z (Spiegelhalter 1986, "Probabilistic prediction in patient
  management and clinical trials", Stat Med 5):
  ``z = sum((y - p)(1 - 2p)) / sqrt(sum((1 - 2p)^2 p (1 - p)))``, two-sided.
- Cox's (1958) logistic calibration, "Two further applications of a model for
  binary regression", Biometrika 45: the logistic regression of y on ``logit(p)``
  gives the calibration intercept and slope (fitted jointly); with the slope fixed
  at 1 (``logit(p)`` as an offset) the intercept is the calibration in the large
  (Van Calster et al. 2016, "A calibration hierarchy for risk models was defined:
  from utopia to empirical data", J Clin Epidemiol 74; Van Calster et al. 2019,
  "Calibration: the Achilles heel of predictive analytics", BMC Med 17).
- Unreliability ``U``, discrimination ``D``, quality ``Q = D - U``, Nagelkerke's
  R^2 and ``Dxy = 2 AUC - 1`` (Harrell, Lee and Mark 1996, Stat Med 15).
- The Hosmer-Lemeshow statistic (Hosmer and Lemeshow 1980), grouped as
  ``ResourceSelection::hoslem.test`` or in equal-count groups.
- ``E_avg``, ``E_90``, ``E_max``: the distance of p from its lowess-smoothed
  calibration curve (Austin and Steyerberg 2019, Stat Med 38).

Logits are taken of p clipped to ``[eps, 1 - eps]`` (eps the float64 machine
epsilon), as the log loss clips it, so 0 and 1 stay finite; deviances are
``-2`` times the Bernoulli log-likelihood, natural logs throughout.

The decomposition is CORP's (Dimitriadis, Gneiting and Jordan 2021, "Stable
reliability diagrams for probabilistic classifiers", PNAS 118): with ``iso`` the
isotonic (PAV) regression of y on p and ``S`` the mean of a proper score,
``MCB = S(p) - S(iso(p))``, ``DSC = S(ybar) - S(iso(p))``, ``UNC = S(ybar)``, and
``S(p) = MCB - DSC + UNC``.

Sample weights weigh the decomposition (weighted PAV, weighted means) and ``Dxy``
(the weighted AUC); the tests whose distributions count independent examples are
undefined with a reason.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from clfdiag.core.losses import EPS
from clfdiag.core.ordering import ascending_order
from clfdiag.core.ranking import (
    BinaryRanking,
    WeightedRanking,
    rank_binary,
    rank_weighted,
    roc_auc,
)
from clfdiag.core.recalibration import pool_adjacent_violators
from clfdiag.core.transforms import softplus

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
HlMethod = Literal["quantile", "equal-count"]
HL_METHODS: tuple[HlMethod, ...] = ("quantile", "equal-count")
HL_GROUPS = 10
LOWESS_FRACTION = 2.0 / 3.0
LOWESS_MAX_ROWS = 200_000
"""Above this many rows the smoother is left out: each of its ~100 local fits spans 2/3 of them."""
SMOOTHER = "lowess of y on p: f = 2/3, no robustness iterations, delta = 0.01 range(p)"
MAX_NEWTON_STEPS = 100
CHUNK = 1 << 16
"""Rows per slice in the logistic fits: the temporaries of one slice stay in cache."""

WEIGHTED = ("undefined with sample weights: the test's distribution counts independent "
            "examples, which weights do not give")
ONE_CLASS = "all labels are one class"
SEPARATED = ("the classes are separated by p (no positive below a negative, or the reverse): "
             "the logistic fit has no finite maximum")
NOT_FITTED = ("the logistic fit did not converge: its information matrix is singular in "
              "floating point (the fit rests on probabilities clipped at 0 or 1)")
ONE_LOGIT = "p takes a single value (after clipping to [eps, 1 - eps]): no slope can be fitted"


@dataclass(frozen=True)
class ScoreGroups:
    """The distinct scores in increasing order, with the examples and positives at each.

    ``count`` and ``positives`` are counts, or sums of sample weights when weighted.
    """

    values: FloatArray
    count: FloatArray
    positives: FloatArray

    @property
    def total(self) -> float:
        """The number of examples (or their total weight)."""
        return float(self.count.sum())

    @property
    def one_each(self) -> bool:
        """Whether every group holds one example (every score distinct, no weights)."""
        return bool(np.all(self.count == 1))


@dataclass(frozen=True)
class Spiegelhalter:
    """Spiegelhalter's z and its two-sided p-value ``2 sf(|z|)``."""

    z: float
    p: float


@dataclass(frozen=True)
class Unreliability:
    """The likelihood-ratio test of intercept 0 and slope 1 (2 df); ``u = (chi2 - 2) / n``."""

    u: float
    chi2: float
    p: float


@dataclass(frozen=True)
class HosmerLemeshow:
    """The Hosmer-Lemeshow test: ``groups`` actually formed, ``df = g - 2`` always."""

    method: HlMethod
    groups: int
    statistic: float
    df: int
    p: float


@dataclass(frozen=True)
class ScoreDecomposition:
    """A proper score and its CORP parts: ``score = miscalibration - discrimination + uncertainty``.

    Means over examples (weighted means when weighted).
    """

    score: float
    miscalibration: float
    discrimination: float
    uncertainty: float


@dataclass(frozen=True)
class Decomposition:
    """The CORP decomposition of the log loss (natural log) and of the Brier score."""

    log_loss: ScoreDecomposition
    brier: ScoreDecomposition


@dataclass(frozen=True)
class CalibrationTests:
    """Every calibration test and summary of one positive-class probability.

    A value is None when it is undefined, with the reason under its name in
    ``undefined``; ``n`` counts rows and ``clipped`` the probabilities that the
    clipping to ``[eps, 1 - eps]`` moves (those of exactly 0 or 1, and any closer
    to them than eps).
    """

    n: int
    clipped: int
    spiegelhalter: Spiegelhalter | None
    calibration_intercept: float | None
    calibration_slope: float | None
    calibration_in_the_large: float | None
    calibration_in_the_large_se: float | None
    unreliability: Unreliability | None
    discrimination_index: float | None
    quality_index: float | None
    r2_nagelkerke: float | None
    dxy: float | None
    hosmer_lemeshow: HosmerLemeshow | None
    e_avg: float | None
    e_90: float | None
    e_max: float | None
    smoother: str
    decomposition: Decomposition | None
    undefined: Mapping[str, str] = field(default_factory=dict)


def _dot(a: FloatArray, b: FloatArray) -> float:
    """``sum(a * b)`` of two vectors.

    By ``einsum`` rather than ``numpy.dot``: the BLAS behind ``dot`` starts threads
    that spin, which on a shared machine cost more CPU time than the sum itself.
    """
    return float(np.einsum("i,i->", a, b))


# --- the shared order ---------------------------------------------------------------------


def score_groups(ranking: BinaryRanking | WeightedRanking) -> ScoreGroups:
    """The groups of a ranking (highest score first, cumulative), in increasing order of score.

    Examples
    --------
    >>> g = score_groups(rank_binary(np.array([0, 1, 1, 0]), np.array([0.2, 0.7, 0.2, 0.9])))
    >>> g.values.tolist(), g.count.tolist(), g.positives.tolist()
    ([0.2, 0.7, 0.9], [2.0, 1.0, 1.0], [1.0, 1.0, 0.0])
    """
    # Differences of the cumulative counts read in increasing order of score, each
    # written once into its float64 result: no reversed copies, no casts of the counts.
    tps, fps = ranking.tps[::-1], ranking.fps[::-1]
    positives = _ascending_differences(tps)
    values = np.ascontiguousarray(ranking.thresholds[::-1])
    if isinstance(ranking, BinaryRanking) and values.size == ranking.positives + ranking.negatives:
        # Every score distinct (the usual case for real-valued probabilities): each group is
        # one example, and a read-only view of one 1 stands for 10^7 of them.
        return ScoreGroups(values, np.broadcast_to(np.float64(1.0), values.shape), positives)
    count = _ascending_differences(fps)
    count += positives
    return ScoreGroups(values, count, positives)


def _ascending_differences(at_or_above: npt.NDArray[np.int64 | np.float64]) -> FloatArray:
    """What each score adds to a count of the examples at or above it (increasing order)."""
    out = np.empty(at_or_above.shape[0], dtype=np.float64)
    if out.size:
        np.subtract(at_or_above[:-1], at_or_above[1:], out=out[:-1])
        out[-1] = at_or_above[-1]
    return out


def _ranking(y: npt.NDArray[np.integer], p: FloatArray,
             weights: FloatArray | None) -> BinaryRanking | WeightedRanking:
    return rank_binary(y, p) if weights is None else rank_weighted(y, p, weights)


# --- CORP decomposition -------------------------------------------------------------------


def isotonic_blocks(groups: ScoreGroups) -> tuple[IntArray, ScoreGroups]:
    """The blocks of the PAV fit of y on p: tied scores always fall in one block.

    The weighted least-squares isotonic regression of the groups' mean labels,
    weighted by their counts (or weights), by
    :func:`~clfdiag.core.recalibration.pool_adjacent_violators`. Exact ties are
    pooled (CORP's rule), unlike scikit-learn's merge of scores within 1e-15.
    Returns the block of each group of positive count (-1 for the others) and the
    blocks as groups: fitted value, count and positives of each.
    """
    used = groups.count > 0
    start, blocks = _isotonic_fit_blocks(groups, used)
    block = np.full(groups.values.size, -1, dtype=np.int64)
    block[used] = np.repeat(np.arange(start.size), np.diff(np.append(start, used.sum())))
    return block, blocks


def _isotonic_fit_blocks(groups: ScoreGroups, used: npt.NDArray[np.bool_] | None = None
                         ) -> tuple[IntArray, ScoreGroups]:
    """The first used group of each block of :func:`isotonic_blocks`, and the blocks.

    ``used``: the groups of positive count (found here when not given).
    """
    if used is None:
        used = groups.count > 0
    if used.all():  # the usual case: no copies of the groups
        start, weight, total = pool_adjacent_violators(groups.count, groups.positives)
    else:
        start, weight, total = pool_adjacent_violators(groups.count[used],
                                                       groups.positives[used])
    return start, ScoreGroups(total / weight, weight, total)


def isotonic_fit(groups: ScoreGroups) -> FloatArray:
    """The PAV fit of y on p at each distinct score (:func:`isotonic_blocks`); 0 where unused."""
    if groups.values.size == 0:
        return np.zeros(0)
    block, blocks = isotonic_blocks(groups)
    return np.where(block >= 0, blocks.values[block], 0.0)


def _log_loss_sum(groups: ScoreGroups, q: FloatArray) -> float:
    """Summed ``-ln`` of the probability ``q`` gave each group's labels, unclipped.

    ``0 ln 0 = 0``: a fitted 0 or 1 carries no loss where it is right (the isotonic
    fit and the base rate; p as given is clipped, through :func:`logits_and_loss`).
    """
    negatives = groups.count - groups.positives
    with np.errstate(divide="ignore", invalid="ignore"):
        pos = np.where(groups.positives > 0, groups.positives * np.log(q), 0.0)
        neg = np.where(negatives > 0, negatives * np.log1p(-q), 0.0)
    return -float(pos.sum() + neg.sum())


def _brier_sum(groups: ScoreGroups, q: FloatArray) -> float:
    """Summed ``(q - y)^2``: ``(1 - q)^2`` for each positive and ``q^2`` for each negative."""
    total = 0.0
    for start in range(0, q.shape[0], CHUNK):  # slices: no temporaries of 10^7 scores
        stop = start + CHUNK
        qc, positives = q[start:stop], groups.positives[start:stop]
        miss = 1.0 - qc
        total += _dot(positives, miss * miss) + _dot(groups.count[start:stop] - positives,
                                                     qc * qc)
    return total


def logits_and_loss(groups: ScoreGroups) -> tuple[FloatArray, float]:
    """``logit(p)`` of each group and the summed log loss, p clipped to ``[eps, 1 - eps]``.

    From ``ln p`` and ``ln(1 - p)`` of the clipped p (as the log loss clips): their
    difference is the logit, their sum weighted by the labels the log loss. Computed
    once, in slices (the logs of a slice stay in cache and are never held whole),
    they serve the decomposition, the logistic fits and the deviances.
    """
    values = groups.values
    logit = np.empty(values.shape[0])
    loss = 0.0
    for start in range(0, values.shape[0], CHUNK):
        stop = start + CHUNK
        clipped = np.clip(values[start:stop], EPS, 1.0 - EPS)
        log_p = np.log(clipped)
        log_q = np.log1p(np.negative(clipped, out=clipped), out=clipped)
        positives = groups.positives[start:stop]
        loss -= _dot(positives, log_p) + _dot(groups.count[start:stop] - positives, log_q)
        np.subtract(log_p, log_q, out=logit[start:stop])
    return logit, loss


def corp_decomposition(groups: ScoreGroups, given_loss: float | None = None,
                       score_means: tuple[float, float] | None = None,
                       ) -> Decomposition | None:
    """The CORP decomposition of the log loss and the Brier score (Dimitriadis et al. 2021).

    ``MCB = S(p) - S(iso)``, ``DSC = S(ybar) - S(iso)``, ``UNC = S(ybar)`` with
    ``iso`` from :func:`isotonic_blocks` and S a mean over examples (weighted means
    when weighted). ``S(p)`` of the log loss clips p as ``metrics.log_loss``, so the
    two agree; ``S(iso)`` and ``S(ybar)`` take ``0 ln 0 = 0``. None without examples.
    ``given_loss``: the summed log loss of p (:func:`logits_and_loss`), when the caller has it.
    ``score_means``: the mean log loss and Brier score of p itself, when the caller
    has them (an evaluation's ``log_loss`` and ``brier``, over the same examples):
    they save a logarithm of every distinct score and a pass over them.

    Examples
    --------
    >>> g = score_groups(rank_binary(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8])))
    >>> d = corp_decomposition(g).brier
    >>> round(d.score, 6), round(d.miscalibration, 6), round(d.discrimination, 6), d.uncertainty
    (0.158125, 0.033125, 0.125, 0.25)
    """
    total = groups.total
    if total <= 0:
        return None
    # iso and ybar are constant on each PAV block (on all examples): their scores are
    # sums over the blocks, not over the distinct scores.
    _, iso = _isotonic_fit_blocks(groups)
    positives = float(groups.positives.sum())
    base = ScoreGroups(np.array([positives / total]), np.array([total]), np.array([positives]))
    if score_means is not None:
        given, given_brier = score_means[0] * total, score_means[1] * total
    else:
        given = logits_and_loss(groups)[1] if given_loss is None else given_loss
        given_brier = _brier_sum(groups, groups.values)
    log_loss = _parts(given,
                      _log_loss_sum(iso, iso.values),
                      _log_loss_sum(base, base.values), total)
    brier = _parts(given_brier, _brier_sum(iso, iso.values),
                   _brier_sum(base, base.values), total)
    return Decomposition(log_loss, brier)


def _parts(given: float, fitted: float, climatology: float, total: float) -> ScoreDecomposition:
    """The parts from the summed scores of p, of its isotonic fit and of the base rate."""
    return ScoreDecomposition(given / total, (given - fitted) / total,
                              (climatology - fitted) / total, climatology / total)


def score_decomposition(y: npt.NDArray[np.integer], p: FloatArray,
                        weights: FloatArray | None = None,
                        ranking: BinaryRanking | WeightedRanking | None = None,
                        score_means: tuple[float, float] | None = None,
                        ) -> Decomposition | None:
    """:func:`corp_decomposition` of labels and positive-class probabilities.

    ``ranking``, the ranking of ``(y, p)`` (weighted when ``weights`` are given),
    saves its sort when the caller already has it; ``score_means``, the mean log
    loss and Brier score of p (weighted means when weighted), their logarithms.
    """
    return corp_decomposition(score_groups(ranking if ranking is not None
                                           else _ranking(y, p, weights)),
                              score_means=score_means)


@dataclass(frozen=True)
class PartsChange:
    """How each CORP part of one score moved from A to B (B minus A).

    ``miscalibration - discrimination + uncertainty`` is the change of the score.
    """

    miscalibration: float
    discrimination: float
    uncertainty: float


@dataclass(frozen=True)
class DecompositionChange:
    """:class:`PartsChange` of the log loss and of the Brier score."""

    log_loss: PartsChange
    brier: PartsChange


def decomposition_change(before: Decomposition, after: Decomposition) -> DecompositionChange:
    """Each part of ``after`` minus the same part of ``before``.

    For ``compare`` and ``epochs`` both decompositions are of the paired examples
    (each file's rows matched to the other's), so the uncertainty moves only when
    the labels differ and the parts add up to the change of the score.
    """
    def parts(a: ScoreDecomposition, b: ScoreDecomposition) -> PartsChange:
        return PartsChange(b.miscalibration - a.miscalibration,
                           b.discrimination - a.discrimination,
                           b.uncertainty - a.uncertainty)

    return DecompositionChange(parts(before.log_loss, after.log_loss),
                               parts(before.brier, after.brier))


# --- logistic recalibration ---------------------------------------------------------------


STEP_TOLERANCE = 1e-6
"""Newton stops when its next step is below this, relative to ``1 + |coefficient|``.

The step is then applied: by Newton's quadratic convergence the point it reaches
is within about ``1e-12`` (relative) of the maximum."""
POOLED_GROUPS = 1 << 14
"""Equal-width intervals of z whose pooled fit starts Newton's iterations on all the groups."""


@dataclass(frozen=True)
class _BinomialFit:
    intercept: float
    slope: float
    information: FloatArray
    """Fisher information of (intercept, slope), or of the intercept alone (1 x 1)."""


def _deviance(z: FloatArray, groups: ScoreGroups, intercept: float, slope: float) -> float:
    """``-2 ln L`` of ``P(y = 1) = sigmoid(intercept + slope z)``.

    ``2 sum (count softplus(t) - positives t)`` with ``t = intercept + slope z``.
    """
    total = 0.0
    for start in range(0, z.size, CHUNK):
        t = z[start:start + CHUNK] * slope
        t += intercept
        total += (_dot(groups.count[start:start + CHUNK], softplus(t))
                  - _dot(groups.positives[start:start + CHUNK], t))
    return 2.0 * total


def _binomial_terms(z: FloatArray, groups: ScoreGroups, intercept: float, slope: float,
                    unit: bool, offset: bool = False) -> tuple[FloatArray, FloatArray]:
    """Gradient and Hessian of ``-ln L`` in (intercept, slope) at the given point.

    For ``t = intercept + slope z``, each group's gradient is
    ``(count sigmoid(t) - positives) (1, z)`` and its Hessian
    ``count sigmoid(t) sigmoid(-t) (1, z)(1, z)'``. One pass in slices, so that
    the temporaries of a slice stay in cache; ``unit``: every count is 1 (all
    scores distinct), which saves the products by the counts; ``offset``: only the
    intercept's terms are summed, and the off-diagonal of the Hessian holds instead
    the derivative of the intercept's information in the intercept,
    ``sum count sigmoid(t) sigmoid(-t) (1 - 2 sigmoid(t))`` (the rest is left 0).

    The residual ``count sigmoid(t) - positives`` is summed in two parts: the whole
    numbers ``count - positives`` (``t >= 0``, where ``sigmoid(t) = 1 - sigmoid(-t)``)
    or ``-positives`` (``t < 0``), exact in any order, and ``-/+ count sigmoid(-|t|)``.
    Summed as one, a group's residual rounds its small part away wherever
    ``sigmoid(t)`` lies within an ulp of 1, and when the whole parts cancel (every p
    clipped at 0 or 1, as in a file of one-hot probabilities) the gradient is then
    rounding noise: the intercept came out 0.0 where the maximum is -0.1438.
    """
    # Small parts: residual, residual z; information: w, w z, w z^2; whole parts:
    # residual, residual z, added last so that no slice's whole part absorbs a small one.
    total = np.zeros(7)
    for start in range(0, z.size, CHUNK):
        zc = z[start:start + CHUNK]
        t = zc * slope
        t += intercept
        # sigmoid(t) and sigmoid(-t) from exp(-|t|) in (0, 1]: no overflow, and no
        # cancellation in 1 - sigmoid(t) where it is near 1 (whose weights can carry
        # the whole information: an offset fit far in the tail).
        positive = t >= 0
        e = np.abs(t)
        np.negative(e, out=e)
        np.exp(e, out=e)
        one_plus = e + 1.0
        s = np.where(positive, 1.0, e)
        s /= one_plus
        w = np.where(positive, e, 1.0)
        w /= one_plus
        w *= s
        if offset:
            change = 1.0 - 2.0 * s
        positives = groups.positives[start:start + CHUNK]
        # sigmoid(-|t|), signed as it enters the residual: -count sigmoid(-t) where t >= 0.
        small = np.divide(e, one_plus, out=e)
        np.negative(small, out=small, where=positive)
        if unit:
            whole = np.where(positive, 1.0, 0.0)
        else:
            count = groups.count[start:start + CHUNK]
            whole = np.where(positive, count, 0.0)
            small *= count
            w *= count
        whole -= positives
        if offset:  # only the intercept's gradient and information, and its derivative
            total[0] += float(small.sum())
            total[5] += float(whole.sum())
            total[2] += float(w.sum())
            total[3] += _dot(w, change)
            continue
        wz = w * zc
        total += (float(small.sum()), _dot(small, zc), float(w.sum()),
                  float(wz.sum()), _dot(wz, zc), float(whole.sum()), _dot(whole, zc))
    gradient = np.array([total[5] + total[0], total[6] + total[1]])
    return gradient, np.array([[total[2], total[3]], [total[3], total[4]]])


def _fit_binomial(z: FloatArray, groups: ScoreGroups, start: FloatArray, *,
                  offset: bool = False, pooled: ScoreGroups | None = None
                  ) -> _BinomialFit | None:
    """Maximum likelihood of ``P(y = 1) = sigmoid(a + b z)`` by Newton's method (IRLS).

    ``offset``: b is fixed at 1 (z an offset, R's ``glm(y ~ 1, offset = z)``) and
    only a is fitted. Above ``2 POOLED_GROUPS`` distinct scores the iterations
    start from the fit of the groups pooled in equal-width intervals of z
    (:func:`_pooled_groups`), which is within about 1e-7 of the maximum: one plain
    Newton step over all the groups then usually meets the stopping rule; should a
    step fail to halve the one before, the iterations go on as below (``pooled``:
    those pooled groups, when the caller has them for another fit). Otherwise a
    step that raises the deviance is halved (as ``glm.fit``).
    The iterations stop when the next step is below ``STEP_TOLERANCE`` and apply it;
    with ``offset`` the information is then computed at that point.
    The caller ensures the maximum exists (both classes, no separation); None
    when the information matrix is singular in floating point (the fit rests on
    probabilities clipped at 0 or 1, whose weights vanish) or there is no
    convergence.
    """
    careful = True
    if groups.values.size > 2 * POOLED_GROUPS:
        if pooled is None:
            pooled = _pooled_groups(z, groups, POOLED_GROUPS)
        zs = pooled.values
        if offset or not _separated(zs, pooled):
            rough = _fit_binomial(zs, pooled, start, offset=offset)
            if rough is not None:
                start = np.array([rough.intercept] if offset else [rough.intercept, rough.slope])
                careful = False
    k = 1 if offset else 2
    unit = groups.one_each

    information_change = 0.0  # offset: the derivative of the information in the intercept

    def at(c: FloatArray) -> tuple[FloatArray, FloatArray]:
        nonlocal information_change
        grad, hess = _binomial_terms(z, groups, float(c[0]), 1.0 if offset else float(c[1]),
                                     unit, offset)
        information_change = float(hess[0, 1])
        return grad[:k], hess[:k, :k]

    def deviance(c: FloatArray) -> float:
        return _deviance(z, groups, float(c[0]), 1.0 if offset else float(c[1]))

    coef = np.array(start, dtype=np.float64)
    grad, hess = at(coef)
    last = math.inf
    reached: float | None = None
    for _ in range(MAX_NEWTON_STEPS):
        try:
            step = np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError:
            return None
        if not np.all(np.isfinite(step)):
            return None
        size = float(np.max(np.abs(step) / (1.0 + np.abs(coef))))
        if size <= STEP_TOLERANCE:
            coef = coef - step
            if offset:  # the information at the maximum itself, for the standard error
                hess = _information_after(at, coef, hess, information_change, float(step[0]))
            return _BinomialFit(float(coef[0]), 1.0 if offset else float(coef[1]), hess)
        careful = careful or size > last / 2
        last = size
        candidate = coef - step
        if careful:
            # The deviance of the point reached is kept: it is the next step's current one.
            current = deviance(coef) if reached is None else reached
            rate = 1.0
            for _ in range(60):
                reached = deviance(candidate)
                if reached <= current * (1 + 1e-15) + 1e-300:
                    break
                rate /= 2
                candidate = coef - rate * step
            else:
                reached = None
        else:
            reached = None
        coef = candidate
        grad, hess = at(coef)
    return None


INFORMATION_STEP = 1e-7
"""Below this last step the offset fit's information moves by its derivative alone."""


def _information_after(at: Any, coef: FloatArray, information: FloatArray, change: float,
                       step: float) -> FloatArray:
    """The offset fit's information at ``coef``, reached by ``-step`` from where it is known.

    ``information - step change`` when the step is below ``INFORMATION_STEP``:
    ``w = sigmoid(t) sigmoid(-t)`` has ``|w''| <= w`` and ``|(ln w)'| <= 1``, so
    what that leaves out is below ``step^2 / 2 e^|step|`` of the information,
    ~5e-15. Otherwise another pass over the groups (``at(coef)``).
    """
    if abs(step) <= INFORMATION_STEP:
        return information - step * change
    information_at: FloatArray = at(coef)[1]
    return information_at


def _pooled_groups(z: FloatArray, groups: ScoreGroups, intervals: int) -> ScoreGroups:
    """The examples pooled by label within ``intervals`` equal-width intervals of z (ascending).

    Each interval gives a group of its positives and one of its negatives (empty
    ones dropped), ``values`` holding the group's mean z. The label's part of the
    log-likelihood, ``sum y (a + b z)``, is linear in z: pooled by label it is
    exact, and only ``sum ln(1 + exp(a + b z))`` moves, by about
    ``b^2 sigmoid' var / 2`` per example (``var`` the spread of z within an
    interval). With 2^14 intervals the pooled fit lies within about 1e-7 of the
    fit on all the groups: a start, never a result.
    """
    edges = np.linspace(float(z[0]), float(z[-1]), intervals + 1)[1:-1]
    starts = np.concatenate(([0], np.searchsorted(z, edges, side="left")))
    starts = starts[np.append(True, starts[1:] != starts[:-1])]  # empty intervals out
    unit = groups.one_each
    # One example a group: an interval's count is its length, not a sum over the rows.
    count = (np.diff(np.append(starts, z.shape[0])).astype(np.float64) if unit
             else np.add.reduceat(groups.count, starts))
    z_sum = np.add.reduceat(z if unit else z * groups.count, starts)
    positives = np.add.reduceat(groups.positives, starts)
    positive_z_sum = np.add.reduceat(z * groups.positives, starts)
    negatives = count - positives
    count = np.concatenate((positives, negatives))
    z_sum = np.concatenate((positive_z_sum, z_sum - positive_z_sum))
    used = count > 0
    count = count[used]
    return ScoreGroups(z_sum[used] / count, count,
                       np.concatenate((positives, np.zeros(negatives.size)))[used])


def _bernoulli_deviance(groups: ScoreGroups, q: float) -> float:
    """``-2 ln L`` of a constant probability ``q`` (the null model at ``q = ybar``)."""
    positives = float(groups.positives.sum())
    negatives = groups.total - positives
    return -2.0 * ((positives * math.log(q) if positives else 0.0)
                   + (negatives * math.log1p(-q) if negatives else 0.0))


def _separated(z: FloatArray, groups: ScoreGroups, *, ascending: bool = False) -> bool:
    """Whether some threshold on z puts every positive on one side and every negative on the other.

    Ties at the threshold included (quasi-complete separation): the slope then
    runs off to infinity. ``ascending``: z is non-decreasing (the groups of
    :func:`score_groups`), so each class's extremes are its first and last group.
    """
    has_pos = groups.positives > 0
    has_neg = groups.count > groups.positives
    if ascending:
        # A class with no group has extremes +inf and -inf below: separated.
        if not (has_pos.any() and has_neg.any()):
            return True
        last = z.shape[0] - 1
        # argmax of a boolean array stops at the first True: no masked pass over z.
        pos_min, pos_max = z[int(has_pos.argmax())], z[last - int(has_pos[::-1].argmax())]
        neg_min, neg_max = z[int(has_neg.argmax())], z[last - int(has_neg[::-1].argmax())]
        return bool(neg_max <= pos_min or pos_max <= neg_min)
    # Masked reductions: no copies of the selected z.
    pos_min, pos_max = (float(np.min(z, where=has_pos, initial=np.inf)),
                        float(np.max(z, where=has_pos, initial=-np.inf)))
    neg_min, neg_max = (float(np.min(z, where=has_neg, initial=np.inf)),
                        float(np.max(z, where=has_neg, initial=-np.inf)))
    return neg_max <= pos_min or pos_max <= neg_min


# --- distributions ----------------------------------------------------------------------


def normal_two_sided(z: float) -> float:
    """``2 sf(|z|)`` of the standard normal, as ``2 * scipy.stats.norm.sf(abs(z))``.

    ``erfc`` keeps the far tail that ``1 - cdf`` rounds to 0.
    """
    return math.erfc(abs(z) / math.sqrt(2.0))


def chi2_sf(x: float, df: int) -> float:
    """``scipy.stats.chi2.sf(x, df)`` for a whole number of degrees of freedom.

    Finite sums of positive terms (Abramowitz and Stegun 26.4.4 and 26.4.5), summed
    in log space so that neither ``exp(-x / 2)`` nor a large power underflows:
    even df, ``exp(-x/2) sum_{k < df/2} (x/2)^k / k!``; odd df,
    ``erfc(sqrt(x/2)) + exp(-x/2) sum_{k=1}^{(df-1)/2} (x/2)^(k - 1/2) / Gamma(k + 1/2)``.
    """
    if df < 1:
        raise ValueError("the chi-squared distribution needs df >= 1")
    if x <= 0:
        return 1.0
    half = x / 2.0
    if half == 0.0:  # x subnormal: the distribution has no mass below it worth a bit
        return 1.0
    if df % 2 == 0:
        logs = [k * math.log(half) - math.lgamma(k + 1) for k in range(df // 2)]
        head = 0.0
    else:
        logs = [(k - 0.5) * math.log(half) - math.lgamma(k + 0.5)
                for k in range(1, (df - 1) // 2 + 1)]
        head = math.erfc(math.sqrt(half))
    if not logs:
        return head
    top = max(logs)
    tail_log = top - half + math.log(math.fsum(math.exp(v - top) for v in logs))
    return min(1.0, head + math.exp(tail_log))


# --- Hosmer-Lemeshow --------------------------------------------------------------------


def _type7_quantiles(groups: ScoreGroups, probs: FloatArray) -> FloatArray:
    """R's ``quantile(p, probs, type = 7)`` from the counted distinct values.

    R's 1-based index ``h = 1 + (n - 1) q``; between the order statistics
    ``x[lo] != x[hi]`` the value is ``(1 - f) x[lo] + f x[hi]`` with ``f = h - lo``,
    in R's own arithmetic (the 1 added first), so that breaks equal R's to the last
    bit (a score on a break belongs to the group below it).
    """
    n = round(groups.total)
    index = 1.0 + (n - 1) * probs
    lo = np.floor(index)
    hi = np.ceil(index)
    if n and groups.one_each:
        # One example a group: the order statistic k (1-based) is group k - 1 (no running
        # count of 10^7 ones).
        x_lo = groups.values[lo.astype(np.int64) - 1]
        x_hi = groups.values[hi.astype(np.int64) - 1]
    else:
        ends = np.cumsum(groups.count)  # order statistic k lies in the first group ending >= k
        x_lo = groups.values[np.searchsorted(ends, lo, side="left")]
        x_hi = groups.values[np.searchsorted(ends, hi, side="left")]
    frac = index - lo
    out = x_lo.copy()
    between = (index > lo) & (x_hi != x_lo)
    out[between] = (1.0 - frac[between]) * x_lo[between] + frac[between] * x_hi[between]
    return out


def _hl_statistic(size: FloatArray, observed: FloatArray, expected: FloatArray,
                  expected_negatives: FloatArray) -> float | None:
    """``sum (O - E)^2 / E`` over groups and both outcomes; None when some E is 0."""
    if np.any(expected <= 0) or np.any(expected_negatives <= 0):
        return None
    observed_negatives = size - observed
    with np.errstate(over="ignore"):
        statistic = float(np.sum((observed - expected) ** 2 / expected)
                          + np.sum((observed_negatives - expected_negatives) ** 2
                                   / expected_negatives))
    # An expected count below ~1e-308 (subnormal p) overflows: as undefined as 0.
    return statistic if math.isfinite(statistic) else None


def hosmer_lemeshow(groups: ScoreGroups, y: npt.NDArray[np.integer], p: FloatArray, *,
                    g: int = HL_GROUPS, method: HlMethod = "quantile",
                    ) -> tuple[HosmerLemeshow | None, str | None]:
    """The Hosmer-Lemeshow test with ``g`` groups, and the reason when it is undefined.

    ``quantile`` (``ResourceSelection::hoslem.test``): breaks are the unique type-7
    quantiles of p at ``0, 1/g, ..., 1`` (probabilities ``k * (1/g)`` as R's ``seq``),
    groups are right-closed, the first closed on both sides; empty groups are dropped.
    ``equal-count``: the rows sorted by p with a stable sort (ties in file order),
    split into g parts as ``numpy.array_split`` (the first ``n mod g`` one row longer);
    ``y`` and ``p`` are read only where a part boundary cuts a tie.
    Each formed group adds ``(O - E)^2 / E`` for both outcomes, ``E`` the sum of p
    (resp. of 1 - p). ``df = g - 2`` even when fewer groups form (as ``hoslem.test``);
    ``p = chi2.sf(statistic, df)``.
    """
    if g < 3:
        raise ValueError("the Hosmer-Lemeshow test needs at least 3 groups (df = g - 2)")
    if method == "quantile":
        probs = np.minimum(np.arange(g + 1) * (1.0 / g), 1.0)
        breaks = np.unique(_type7_quantiles(groups, probs))
        # The values are sorted: group j >= 1 holds breaks[j] < p <= breaks[j + 1], a
        # run of them (group 0 takes everything up to breaks[1]), so its sums are
        # sums over a slice, with no group index per value.
        cuts = np.searchsorted(groups.values, breaks[1:], side="right")
        bounds = np.concatenate(([0], cuts, [groups.values.size])).tolist()
        totals = np.array([_hl_sums(groups.count[a:b], groups.positives[a:b],
                                    groups.values[a:b])
                           for a, b in itertools.pairwise(bounds)]).reshape(-1, 4)
        size, *sums = totals[totals[:, 0] > 0].T
    else:
        part, rows, positives, values = _equal_count_pieces(groups, y, p, g)
        size = np.bincount(part, weights=rows).astype(np.float64)
        formed = size > 0
        sums = [np.bincount(part, weights=w).astype(np.float64)[formed]
                for w in (positives, rows * values, rows * (1.0 - values))]
        size = size[formed]
    statistic = _hl_statistic(size, *sums)
    if statistic is None:
        return None, ("a group's expected count of one outcome is 0 (its p are all 0, or "
                      "all 1, or too close to them): (O - E)^2 / E is undefined")
    return HosmerLemeshow(method, int(size.size), statistic, g - 2,
                          chi2_sf(statistic, g - 2)), None


def _hl_sums(rows: FloatArray, positives: FloatArray, values: FloatArray
             ) -> tuple[float, float, float, float]:
    """Rows, observed positives, and expected positives and negatives of one group."""
    return (float(rows.sum()), float(positives.sum()), _dot(rows, values),
            _dot(rows, 1.0 - values))


def _equal_count_pieces(groups: ScoreGroups, y: npt.NDArray[np.integer], p: FloatArray,
                        g: int) -> tuple[IntArray, FloatArray, FloatArray, FloatArray]:
    """The tie groups cut at the ``array_split`` part boundaries of the stably sorted rows.

    Returns each piece's part, rows, positives and score. A piece is a whole tie
    group or the share of one that falls in a part; the positives of a share are
    counted among the tied rows in file order.
    """
    n = round(groups.total)
    sizes = np.full(g, n // g)
    sizes[: n % g] += 1
    bounds = np.cumsum(sizes)
    ends = np.cumsum(groups.count).astype(np.int64)
    cuts = np.union1d(bounds[:-1], ends)
    starts = np.concatenate(([0], cuts[:-1]))
    rows = (cuts - starts).astype(np.float64)
    group = np.searchsorted(ends, starts, side="right")
    part = np.searchsorted(bounds, starts, side="right")
    group_start = ends[group] - groups.count[group].astype(np.int64)
    positives = groups.positives[group].copy()
    for i in np.flatnonzero(rows != groups.count[group]).tolist():
        tied = np.cumsum(y[p == groups.values[group[i]]])
        first, last = starts[i] - group_start[i], cuts[i] - group_start[i]
        positives[i] = float(tied[last - 1] - (tied[first - 1] if first > 0 else 0))
    return part, rows, positives, groups.values[group]


# --- lowess -------------------------------------------------------------------------------


def lowess_fit(x: FloatArray, y: FloatArray, frac: float = LOWESS_FRACTION,
               delta: float = 0.0) -> FloatArray:
    """Cleveland's (1979) lowess without robustness iterations, at each sorted x.

    ``x`` sorted ascending (ties in a stable order), ``y`` alongside. The
    definition of ``statsmodels.nonparametric.lowess(y, x, frac, it=0, delta,
    is_sorted=True)``: each fit uses the ``k = int(frac n + 1e-10)`` (at least 2)
    nearest rows, a window slid right while the point lies past its middle;
    tricube weights of the distance over the window's radius; a local linear
    fit with the weighted variance of x floored at 1e-12. With fewer than two
    weights above 1e-12 the fit is the row's own y. Fits are computed at a point,
    then at the farthest point within ``delta`` of it; points between are
    interpolated linearly, and a point tied with the last fitted one shares its fit.
    """
    n = x.size
    k = min(max(int(frac * n + 1e-10), 2), n)
    fit = np.zeros(n)
    left, right = 0, k
    i, last = 0, -1
    while True:
        xval = x[i]
        while right < n and xval > (x[left] + x[right]) / 2.0:
            left += 1
            right += 1
        fit[i] = _local_linear(x[left:right], y[left:right], xval, float(y[i]))
        if last < i - 1:
            between = slice(last + 1, i)
            a = (x[between] - x[last]) / (x[i] - x[last])
            fit[between] = a * fit[i] + (1.0 - a) * fit[last]
        last = i
        cut = x[last] + delta
        j = last
        for j in range(last + 1, n):
            if x[j] > cut:
                break
            if x[j] == x[last]:
                fit[j] = fit[last]
                last = j
        i = max(j - 1, last + 1)
        if last >= n - 1:
            return fit


def _local_linear(xw: FloatArray, yw: FloatArray, xval: float, own: float) -> float:
    radius = max(xval - float(xw[0]), float(xw[-1]) - xval)
    if radius <= 0:
        return own
    w = np.abs(xw - xval) / radius
    w **= 3
    np.subtract(1.0, w, out=w)
    w **= 3
    if np.count_nonzero(w > 1e-12) < 2:
        return own
    w /= w.sum()
    mean_x = float(_dot(w, xw))
    dev = xw - mean_x
    spread = max(float(_dot(w, dev * dev)), 1e-12)
    return float(_dot(w * (1.0 + (xval - mean_x) * dev / spread), yw))


def smoothed_calibration_errors(y: npt.NDArray[np.integer], p: FloatArray,
                                ) -> tuple[float, float, float]:
    """``E_avg``, ``E_90``, ``E_max`` of ``|p - s(p)|`` over the rows (val.prob's Eavg, E90, Emax).

    ``s`` is :func:`lowess_fit` of y on p with f = 2/3 and ``delta = 0.01 range(p)``,
    read at each p with tied p averaged (R's ``approx(..., ties = mean)``); E_90 is
    the type-7 90th percentile.
    """
    order = ascending_order(np.asarray(p, dtype=np.float64))
    x = np.ascontiguousarray(p[order], dtype=np.float64)
    fit = lowess_fit(x, y[order].astype(np.float64), delta=0.01 * float(x[-1] - x[0]))
    opens = np.empty(x.size, dtype=bool)
    opens[0] = True
    np.not_equal(x[1:], x[:-1], out=opens[1:])
    starts = np.flatnonzero(opens)
    counts = np.diff(np.append(starts, x.size))
    smooth = np.add.reduceat(fit, starts) / counts
    error = np.repeat(np.abs(x[starts] - smooth), counts)
    return float(error.mean()), float(np.quantile(error, 0.9)), float(error.max())


# --- all of it ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RankedScores:
    """What the tests take from the ranking of the scores: its groups and its AUC.

    Taken apart from the ranking, so that a caller can let the ranking go (three
    arrays of n) before the tests add theirs.
    """

    groups: ScoreGroups
    auc: float | None

    @classmethod
    def of(cls, ranking: BinaryRanking | WeightedRanking) -> RankedScores:
        """The groups and the AUC of ``ranking``."""
        return cls(score_groups(ranking), roc_auc(ranking))


def calibration_tests(y: npt.NDArray[np.integer], p: FloatArray, *,
                      weights: FloatArray | None = None,
                      ranking: BinaryRanking | WeightedRanking | RankedScores | None = None,
                      hl_groups: int = HL_GROUPS, hl_method: HlMethod = "quantile",
                      ) -> CalibrationTests:
    """Every test and summary of :class:`CalibrationTests` for labels y (0/1) and probabilities p.

    ``ranking`` is the ranking of ``(y, p)`` (:func:`~clfdiag.core.ranking.rank_binary`,
    or :func:`~clfdiag.core.ranking.rank_weighted` with ``weights``), or what the
    tests take from it (:class:`RankedScores`), when the caller has it: then
    nothing here sorts the rows again, except the lowess smoother.

    Definitions (n rows, ``z = logit(p)`` of p clipped to ``[eps, 1 - eps]``,
    deviances ``-2 ln L``):

    - ``calibration_intercept``, ``calibration_slope``: a and b of the maximum
      likelihood fit ``P(y = 1) = sigmoid(a + b z)``; ``calibration_in_the_large``:
      a with b fixed at 1, and its standard error ``1 / sqrt(information)``.
    - ``unreliability``: ``chi2 = D(0, 1) - D(a, b)``, ``u = (chi2 - 2) / n``,
      ``p = chi2.sf(chi2, 2)``.
    - ``discrimination_index = (LR - 1) / n`` with ``LR = D_null - D(0, 1)``;
      ``quality_index = D - u``; ``r2_nagelkerke = (1 - exp(-LR / n)) / (1 - exp(-D_null / n))``.
    - ``dxy = 2 AUC - 1``, exact over all pairs, ties counting one half.
    """
    undefined: dict[str, str] = {}
    ranked = (ranking if isinstance(ranking, RankedScores)
              else RankedScores.of(_ranking(y, p, weights) if ranking is None else ranking))
    del ranking
    groups, auc = ranked.groups, ranked.auc
    n = int(p.shape[0])
    clipped = int(np.count_nonzero((p < EPS) | (p > 1.0 - EPS)))
    z, given_loss = logits_and_loss(groups)
    decomposition = corp_decomposition(groups, given_loss)
    if decomposition is None:
        undefined["decomposition"] = "no examples"
    if auc is None:
        undefined["dxy"] = ONE_CLASS if groups.total > 0 else "no examples"
    tests: dict[str, Any] = dict.fromkeys(_TEST_KEYS)
    if weights is not None:
        undefined.update(dict.fromkeys(_TEST_KEYS, WEIGHTED))
    elif n == 0:
        undefined.update(dict.fromkeys(_TEST_KEYS, "no examples"))
    else:
        tests.update(_unweighted_tests(groups, y, p, hl_groups, hl_method, undefined, z,
                                       given_loss))
    return CalibrationTests(n=n, clipped=clipped, dxy=None if auc is None else 2.0 * auc - 1.0,
                            smoother=SMOOTHER, decomposition=decomposition,
                            undefined=undefined, **tests)


_TEST_KEYS = ("spiegelhalter", "calibration_intercept", "calibration_slope",
              "calibration_in_the_large", "calibration_in_the_large_se", "unreliability",
              "discrimination_index", "quality_index", "r2_nagelkerke", "hosmer_lemeshow",
              "e_avg", "e_90", "e_max")


def _unweighted_tests(groups: ScoreGroups, y: npt.NDArray[np.integer], p: FloatArray,
                      hl_groups: int, hl_method: HlMethod,
                      undefined: dict[str, str], z: FloatArray,
                      given_loss: float) -> dict[str, Any]:
    out: dict[str, Any] = {}
    n = groups.total
    out["spiegelhalter"] = _spiegelhalter(groups, undefined)
    hl, reason = hosmer_lemeshow(groups, y, p, g=hl_groups, method=hl_method)
    out["hosmer_lemeshow"] = hl
    if reason is not None:
        undefined["hosmer_lemeshow"] = reason
    if n <= LOWESS_MAX_ROWS:
        out["e_avg"], out["e_90"], out["e_max"] = smoothed_calibration_errors(y, p)
    else:
        for key in ("e_avg", "e_90", "e_max"):
            undefined[key] = (f"the lowess smoother is left out above {LOWESS_MAX_ROWS:,} rows: "
                              "each of its ~100 local fits spans 2/3 of the rows")
    positives = float(groups.positives.sum())
    logistic = ("calibration_intercept", "calibration_slope", "calibration_in_the_large",
                "calibration_in_the_large_se", "unreliability", "discrimination_index",
                "quality_index", "r2_nagelkerke")
    if positives in (0.0, n):
        undefined.update(dict.fromkeys(logistic, ONE_CLASS))
        return out
    # Both fits start from the same pooled groups: pooled once.
    pooled = (_pooled_groups(z, groups, POOLED_GROUPS)
              if groups.values.size > 2 * POOLED_GROUPS else None)
    offset = _fit_binomial(z, groups, np.zeros(1), offset=True, pooled=pooled)
    if offset is None:
        undefined.update(dict.fromkeys(("calibration_in_the_large",
                                        "calibration_in_the_large_se"), NOT_FITTED))
    else:
        out["calibration_in_the_large"] = offset.intercept
        out["calibration_in_the_large_se"] = 1.0 / math.sqrt(float(offset.information[0, 0]))
    # -2 ln L of p as given: intercept 0, slope 1.
    given = 2.0 * given_loss
    null = _bernoulli_deviance(groups, positives / n)
    lr = null - given
    d = float(lr - 1.0) / n
    out["discrimination_index"] = d
    out["r2_nagelkerke"] = -math.expm1(-lr / n) / -math.expm1(-null / n)
    joint_keys = ("calibration_intercept", "calibration_slope", "unreliability", "quality_index")
    if np.all(z == z[0]):
        undefined.update(dict.fromkeys(joint_keys, ONE_LOGIT))
        return out
    if _separated(z, groups, ascending=True):  # z: the logits of ascending scores
        undefined.update(dict.fromkeys(joint_keys, SEPARATED))
        return out
    joint = _fit_binomial(z, groups, np.array([0.0, 1.0]), pooled=pooled)
    if joint is None:
        undefined.update(dict.fromkeys(joint_keys, NOT_FITTED))
        return out
    out["calibration_intercept"], out["calibration_slope"] = joint.intercept, joint.slope
    chi2 = given - _deviance(z, groups, joint.intercept, joint.slope)
    u = (chi2 - 2.0) / n
    out["unreliability"] = Unreliability(u, chi2, chi2_sf(chi2, 2))
    out["quality_index"] = d - u
    return out


def _spiegelhalter(groups: ScoreGroups, undefined: dict[str, str]) -> Spiegelhalter | None:
    numerator = variance = 0.0
    for start in range(0, groups.values.shape[0], CHUNK):  # slices: temporaries in cache
        p = groups.values[start:start + CHUNK]
        count = groups.count[start:start + CHUNK]
        slope = 1.0 - 2.0 * p
        numerator += _dot(groups.positives[start:start + CHUNK] - count * p, slope)
        variance += _dot(count, slope * slope * p * (1.0 - p))
    if variance <= 0:
        undefined["spiegelhalter"] = ("every p is 0, 1/2 or 1: the statistic's variance "
                                      "sum((1 - 2p)^2 p (1 - p)) is 0")
        return None
    z = numerator / math.sqrt(variance)
    return Spiegelhalter(z, normal_two_sided(z))


@dataclass(frozen=True)
class CalibrationTestSettings:
    """How the calibration tests group the Hosmer-Lemeshow test (:func:`calibration_tests`)."""

    hl_groups: int = HL_GROUPS
    hl_method: HlMethod = "quantile"


def class_calibration_tests(y: npt.NDArray[np.integer], proba: FloatArray, c: int,
                            ranking: BinaryRanking | WeightedRanking, *,
                            weights: FloatArray | None = None,
                            settings: CalibrationTestSettings | None = None,
                            ) -> CalibrationTests:
    """:func:`calibration_tests` of class ``c``'s probability against "the label is that class".

    ``ranking`` is that class's one-vs-rest ranking (weighted when ``weights`` are
    given), as the evaluation ranks it for the class's AUC: nothing here sorts again.
    """
    if settings is None:
        settings = CalibrationTestSettings()
    return calibration_tests((y == c).view(np.int8), np.ascontiguousarray(proba[:, c]),
                             weights=weights, ranking=ranking, hl_groups=settings.hl_groups,
                             hl_method=settings.hl_method)


def calibration_tests_per_class(y: npt.NDArray[np.integer], proba: FloatArray, *,
                                weights: FloatArray | None = None,
                                rankings: Iterator[BinaryRanking | WeightedRanking] | None = None,
                                hl_groups: int = HL_GROUPS, hl_method: HlMethod = "quantile",
                                ) -> tuple[CalibrationTests, ...]:
    """:func:`calibration_tests` of each class's probability against "the label is that class".

    ``rankings``, when given, yields each class's one-vs-rest ranking in class
    order (the evaluation's ``class_rankings()``).
    """
    settings = CalibrationTestSettings(hl_groups, hl_method)
    out = []
    for c in range(proba.shape[1]):
        column = np.ascontiguousarray(proba[:, c])
        ranking = (next(rankings) if rankings is not None
                   else _ranking((y == c).view(np.int8), column, weights))
        out.append(class_calibration_tests(y, proba, c, ranking, weights=weights,
                                           settings=settings))
    return tuple(out)
