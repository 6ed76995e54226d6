"""Split conformal prediction sets from saved class probabilities.

A calibration set of ``n`` labelled rows gives one non-conformity score per row,
``s(x_i, y_i)``; for a test row the prediction set holds every class whose score
is at most ``qhat``, the ``k``-th smallest calibration score with
``k = ceil((n + 1)(1 - alpha))``. When calibration and test rows are
exchangeable, the set contains the true label with probability at least
``1 - alpha`` (and below ``1 - alpha + 1 / (n + 1)`` when the scores have no
ties) (Vovk, Gammerman & Shafer, *Algorithmic Learning in a Random World*, 2005;
Angelopoulos & Bates, "A Gentle Introduction to Conformal Prediction and
Distribution-Free Uncertainty Quantification", 2021, section 1).

Conventions kept by every method here:

- ``k`` is computed in rational arithmetic from the decimal ``alpha`` as
  written (:func:`exact_alpha`), so ``alpha = 0.1`` and ``n = 39`` give
  ``k = 36`` exactly; when ``k > n``, ``qhat = +inf`` and every set is the full
  label set (as crepes; MAPIE raises an error instead).
- The rank of a class is its 1-based position when the row's classes are
  sorted by descending probability, ties broken by the lower class index (the
  order of ``np.argsort(-p, kind="stable")``). Cumulative sums are taken in that
  order, left to right, in float64.
- ``s <= qhat`` is compared with no tolerance.

Methods (``s(x, y)``, with ``p`` the row's probabilities, ``r = rank(y)`` and
``c_r`` the cumulative sum of the ``r`` largest probabilities):

- ``lac``: ``1 - p_y`` (Sadinle, Lei & Wasserman, JASA 2019).
- ``aps``: ``c_r`` (Romano, Sesia & Candès, NeurIPS 2020, non-randomised).
- ``aps-incl``: calibrated on the ``aps`` score; the set takes classes in rank
  order up to and including the first whose cumulative sum is ``>= qhat``.
- ``raps``: ``c_r + penalty * max(r - kreg, 0)`` (Angelopoulos, Bates, Malik &
  Jordan, ICLR 2021).
- ``topk``: ``r``.

Randomised APS and RAPS replace ``c_r`` with ``c_(r-1) + U p_y`` (``c_0 = 0``),
``U`` uniform on ``[0, 1)``: one independent draw per calibration row, and one
draw per test row shared by all its classes (Romano et al. 2020, eq. 5). The
draws come from ``numpy.random.default_rng(seed)`` (PCG64): first one per
calibration row in file order, then one per test row in file order.

Every score above is nondecreasing in the rank (also in floating point: the
terms added are nonnegative and rounding is monotone), so every set except
``lac``'s is a prefix of the rank order; this is what lets 10^6 rows of 100
classes be handled with one ``np.sort`` per row and no ``argsort``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal

import numpy as np
import numpy.typing as npt

from clfdiag.core.ood import as_class_matrix

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
Method = Literal["lac", "aps", "aps-incl", "raps", "topk"]

METHODS: tuple[Method, ...] = ("lac", "aps", "aps-incl", "raps", "topk")
RANDOMISABLE: tuple[Method, ...] = ("aps", "raps")
CLASS_CONDITIONAL: tuple[Method, ...] = ("lac",)
CHUNK_CELLS = 1 << 20
"""Test rows are processed in blocks of about this many cells, so temporaries stay small."""


@dataclass(frozen=True)
class ConformalThreshold:
    """The order statistic of ``n`` calibration scores at level ``alpha``.

    ``k = ceil((n + 1)(1 - alpha))``; ``qhat`` is the ``k``-th smallest score,
    ``+inf`` when ``k > n`` (then every set holds the class or classes it governs).
    """

    n: int
    k: int
    qhat: float

    @property
    def infinite(self) -> bool:
        """True when there are too few scores for this alpha (``k > n``)."""
        return self.k > self.n


@dataclass(frozen=True)
class SetSummary:
    """How large the prediction sets are and, with test labels, how often they cover.

    Shares are over all test rows, unweighted; ``None`` when there is no test row.
    ``size_histogram[s]`` counts the sets of size ``s`` for ``s = 0..K``.
    ``coverage_by_class[c]`` is the coverage among test rows labelled ``c``
    (None for a class with no test row); ``coverage_by_size`` maps each size
    that occurs to the coverage among rows whose set has that size. Every
    coverage item is None without test labels.
    """

    n: int
    mean_size: float | None
    empty_share: float | None
    singleton_share: float | None
    size_histogram: tuple[int, ...]
    covered: int | None
    coverage: float | None
    coverage_by_class: tuple[float | None, ...] | None
    coverage_by_size: tuple[tuple[int, float], ...] | None


@dataclass(frozen=True)
class Undercoverage:
    """One-sided exact binomial test of ``H0: coverage >= 1 - alpha``.

    ``covered`` of ``n`` test rows are covered; under H0 at its boundary the
    count is Binomial(``n``, ``1 - alpha``) (test rows independent given the
    calibration set, each covered with probability ``1 - alpha``).
    ``p_value = P(X <= covered)``; ``min_covered`` is the smallest count whose
    p-value is at least ``significance`` (the binomial tolerance:
    ``1 - alpha - min_covered / n`` below the target is still accepted), and
    ``undercovered`` is ``p_value < significance``, i.e. ``covered < min_covered``.
    """

    target: float
    covered: int
    n: int
    significance: float
    p_value: float
    min_covered: int
    undercovered: bool


@dataclass(frozen=True)
class AlphaResult:
    """The sets of one ``alpha`` and what they achieve.

    ``threshold`` is the marginal order statistic (None when class-conditional);
    ``class_thresholds`` one per class when class-conditional (else None).
    ``sets[i, c]`` is True when class ``c`` is in the set of test row ``i``.
    """

    alpha: Fraction
    threshold: ConformalThreshold | None
    class_thresholds: tuple[ConformalThreshold, ...] | None
    sets: BoolArray = field(repr=False)
    summary: SetSummary


@dataclass(frozen=True)
class ConformalResult:
    """Prediction sets at each alpha, in the order given, and how they were made."""

    method: Method
    class_conditional: bool
    randomized: bool
    seed: int | None
    raps_penalty: float
    raps_kreg: int
    n_calibration: int
    n_test: int
    n_classes: int
    calibration_scores: FloatArray = field(repr=False)
    results: tuple[AlphaResult, ...]


def exact_alpha(alpha: str | Fraction | float) -> Fraction:
    """``alpha`` as the exact rational number the user wrote, checked to lie in (0, 1).

    A string is read as written (``"0.1"`` is 1/10, not the nearest binary
    float; ``"1/20"`` is accepted too); a float is taken through its shortest
    repr (``0.1`` -> ``"0.1"``), as Python prints it.

    >>> exact_alpha("0.10"), exact_alpha(0.05)
    (Fraction(1, 10), Fraction(1, 20))
    """
    if isinstance(alpha, bool):
        raise ValueError(f"alpha must be a number, not {alpha!r}")
    if isinstance(alpha, float):
        if not math.isfinite(alpha):
            raise ValueError(f"alpha must lie strictly between 0 and 1, not {alpha!r}")
        alpha = repr(alpha)
    try:
        value = Fraction(alpha.strip()) if isinstance(alpha, str) else Fraction(alpha)
    except (ValueError, ZeroDivisionError):
        raise ValueError(f"alpha {alpha!r} is not a number (write e.g. 0.1)") from None
    if not 0 < value < 1:
        raise ValueError(f"alpha must lie strictly between 0 and 1, not {alpha}")
    return value


def order_statistic_rank(n: int, alpha: Fraction) -> int:
    """``k = ceil((n + 1)(1 - alpha))``, in exact rational arithmetic.

    >>> [order_statistic_rank(n, Fraction("0.1")) for n in (39, 9)]
    [36, 9]
    >>> order_statistic_rank(19, Fraction("0.05"))
    19
    """
    return math.ceil((n + 1) * (1 - alpha))


def conformal_threshold(scores: FloatArray, alpha: Fraction) -> ConformalThreshold:
    """The ``k``-th smallest of ``scores``, ``+inf`` when ``k > n`` (:class:`ConformalThreshold`).

    >>> conformal_threshold(np.arange(9.0), Fraction("0.1"))
    ConformalThreshold(n=9, k=9, qhat=8.0)
    """
    n = int(scores.shape[0])
    k = order_statistic_rank(n, alpha)
    if k > n:
        return ConformalThreshold(n, k, math.inf)
    return ConformalThreshold(n, k, float(np.partition(scores, k - 1)[k - 1]))


def descending(proba: FloatArray) -> FloatArray:
    """Each row's probabilities sorted in descending order (the values in rank order)."""
    return np.sort(proba, axis=1)[:, ::-1]


def label_ranks(proba: FloatArray, y: IntArray) -> IntArray:
    """The 1-based rank of class ``y[i]`` in row ``i``: descending probability, ties by index.

    ``1 + #{j : p_j > p_y} + #{j < y : p_j = p_y}``, the position of ``y`` in
    ``np.argsort(-p, kind="stable")`` plus one.
    """
    rows = np.arange(proba.shape[0])
    p_y = proba[rows, y][:, None]
    before = np.arange(proba.shape[1])[None, :] < y[:, None]
    ahead = (proba > p_y) | ((proba == p_y) & before)
    ranks: IntArray = 1 + np.count_nonzero(ahead, axis=1).astype(np.int64)
    return ranks


def raps_penalties(n_classes: int, penalty: float, kreg: int) -> FloatArray:
    """``penalty * max(r - kreg, 0)`` for ranks ``r = 1..K``."""
    ranks = np.arange(1, n_classes + 1, dtype=np.int64)
    return penalty * np.maximum(ranks - kreg, 0).astype(np.float64)


def rank_scores(values: FloatArray, method: Method, *, raps_penalty: float = 0.0,
                raps_kreg: int = 0, uniform: FloatArray | None = None) -> FloatArray:
    """The score of the class at each rank position, from the row's values in rank order.

    ``values`` is :func:`descending` of the probabilities; column ``r - 1`` of
    the result is ``s(x, y)`` for the class ``y`` of rank ``r``: the cumulative
    sum ``c_r`` (``aps``, ``aps-incl``), plus the RAPS penalty (``raps``), with
    ``c_r`` replaced by ``c_(r-1) + U p`` when ``uniform`` (one ``U`` per row) is
    given. ``lac`` and ``topk`` do not use this.
    """
    cumulative = np.cumsum(values, axis=1)
    if uniform is not None:
        previous = np.zeros_like(cumulative)
        previous[:, 1:] = cumulative[:, :-1]
        cumulative = previous + uniform[:, None] * values
    if method == "raps":
        cumulative += raps_penalties(values.shape[1], raps_penalty, raps_kreg)[None, :]
    return cumulative


def conformity_scores(proba: FloatArray, y: IntArray, method: Method, *,
                      raps_penalty: float = 0.0, raps_kreg: int = 0,
                      uniform: FloatArray | None = None) -> FloatArray:
    """``s(x_i, y_i)`` for each labelled row (the calibration scores); see the module docstring.

    ``aps-incl`` is calibrated on the ``aps`` score; ``uniform`` (randomised
    ``aps``/``raps``) holds one draw per row.

    >>> p = np.array([[0.5, 0.3, 0.2], [0.25, 0.5, 0.25]])
    >>> y = np.array([1, 2])
    >>> conformity_scores(p, y, "lac").tolist(), conformity_scores(p, y, "aps").tolist()
    ([0.7, 0.75], [0.8, 1.0])
    >>> conformity_scores(p, y, "topk").tolist()
    [2.0, 3.0]
    """
    proba = as_class_matrix(proba)
    if method == "lac":
        return 1.0 - proba[np.arange(proba.shape[0]), y]
    ranks = label_ranks(proba, y)
    if method == "topk":
        return ranks.astype(np.float64)
    by_rank = rank_scores(descending(proba), method, raps_penalty=raps_penalty,
                          raps_kreg=raps_kreg, uniform=uniform)
    return by_rank[np.arange(proba.shape[0]), ranks - 1]


def rank_prefix(proba: FloatArray, values: FloatArray, size: IntArray) -> BoolArray:
    """The classes of rank ``1..size[i]`` in each row, as a boolean (rows, K) matrix.

    A class is in when its probability is above that of rank ``size``, or equal
    to it and among the first ``size - #{above}`` such classes by index, which
    is the rank order's tie rule; no argsort is needed.
    """
    rows = np.arange(proba.shape[0])
    last = np.where(size > 0, values[rows, np.maximum(size - 1, 0)], np.inf)[:, None]
    above = proba > last
    tied = proba == last
    room = size - np.count_nonzero(above, axis=1)
    if np.any(np.count_nonzero(tied, axis=1) > room):
        tied &= np.cumsum(tied, axis=1, dtype=np.int64) <= room[:, None]
    inside: BoolArray = above | tied
    return inside


def prediction_sets(proba: FloatArray, qhats: Sequence[float | FloatArray], method: Method, *,
                    raps_penalty: float = 0.0, raps_kreg: int = 0,
                    uniform: FloatArray | None = None) -> list[BoolArray]:
    """One boolean (n, K) set matrix per threshold in ``qhats`` (same order).

    ``lac``: ``{c : 1 - p_c <= qhat}``, where ``qhat`` may be one value per
    class (class-conditional). ``aps``, ``raps``: ``{c : s(x, c) <= qhat}``;
    ``aps-incl``: ranks up to and including the first whose cumulative sum is
    ``>= qhat`` (all classes when none is); ``topk``: ranks ``<= qhat``.
    ``uniform``: one draw per test row (randomised ``aps``/``raps``). Rows are
    processed in blocks so that no temporary has the size of ``proba``.
    """
    proba = as_class_matrix(proba)
    n, n_classes = proba.shape
    sets = [np.zeros((n, n_classes), dtype=np.bool_) for _ in qhats]
    step = max(1, CHUNK_CELLS // max(n_classes, 1))
    for start in range(0, n, step):
        block = proba[start:start + step]
        if method == "lac":
            for out, qhat in zip(sets, qhats, strict=True):
                out[start:start + step] = 1.0 - block <= qhat
            continue
        values = descending(block)
        scores = None if method == "topk" else rank_scores(
            values, method, raps_penalty=raps_penalty, raps_kreg=raps_kreg,
            uniform=None if uniform is None else uniform[start:start + step])
        for out, qhat in zip(sets, qhats, strict=True):
            size = _prefix_size(scores, float(qhat), method, block.shape)
            out[start:start + step] = rank_prefix(block, values, size)
    return sets


def _prefix_size(scores: FloatArray | None, qhat: float, method: Method,
                 shape: tuple[int, ...]) -> IntArray:
    """How many ranks each row's set takes (the scores are nondecreasing along a row)."""
    rows, n_classes = shape
    if scores is None:  # topk: qhat is a rank (or +inf)
        return np.full(rows, n_classes if qhat >= n_classes else int(qhat), dtype=np.int64)
    if method == "aps-incl":
        size: IntArray = np.count_nonzero(scores[:, :-1] < qhat, axis=1).astype(np.int64) + 1
        return size
    size = np.count_nonzero(scores <= qhat, axis=1).astype(np.int64)
    return size


def set_summary(sets: BoolArray, y: IntArray | None) -> SetSummary:
    """Sizes, shares and (with labels ``y``) coverage of the sets; see :class:`SetSummary`."""
    n, n_classes = sets.shape
    sizes = np.count_nonzero(sets, axis=1)
    histogram = np.bincount(sizes, minlength=n_classes + 1)
    mean_size = float(sizes.mean()) if n else None
    empty = float(histogram[0]) / n if n else None
    single = float(histogram[1]) / n if n and n_classes >= 1 else None
    if y is None:
        return SetSummary(n, mean_size, empty, single, tuple(int(h) for h in histogram),
                          None, None, None, None)
    hit = sets[np.arange(n), y]
    by_class_n = np.bincount(y, minlength=n_classes)
    by_class_hit = np.bincount(y, weights=hit, minlength=n_classes)
    by_class = tuple(float(h) / int(m) if m else None
                     for h, m in zip(by_class_hit, by_class_n, strict=True))
    by_size_hit = np.bincount(sizes, weights=hit, minlength=n_classes + 1)
    by_size = tuple((s, float(by_size_hit[s]) / int(histogram[s]))
                    for s in range(n_classes + 1) if histogram[s])
    covered = int(np.count_nonzero(hit))
    return SetSummary(n, mean_size, empty, single, tuple(int(h) for h in histogram),
                      covered, covered / n if n else None, by_class, by_size)


def undercoverage_test(covered: int, n: int, alpha: Fraction,
                       significance: float = 0.05) -> Undercoverage:
    """Whether ``covered`` of ``n`` is below ``1 - alpha`` by more than binomial chance.

    The exact one-sided binomial test of :class:`Undercoverage`, with
    ``scipy.stats.binom`` (``p_value = binom.cdf(covered, n, 1 - alpha)``,
    ``min_covered = binom.ppf(significance, n, 1 - alpha)``).
    """
    from scipy.stats import binom  # type: ignore[import-untyped]

    if n < 1:
        raise ValueError("the undercoverage test needs at least one labelled test row")
    if not 0 < significance < 1:
        raise ValueError(f"significance must lie strictly between 0 and 1, not {significance}")
    target = float(1 - alpha)
    p_value = float(binom.cdf(covered, n, target))
    # ppf is the smallest count whose cdf reaches the level; the decision is taken
    # on the cdf itself, so it is stepped to agree with that cdf exactly.
    min_covered = int(binom.ppf(significance, n, target))
    while min_covered > 0 and binom.cdf(min_covered - 1, n, target) >= significance:
        min_covered -= 1
    while binom.cdf(min_covered, n, target) < significance:
        min_covered += 1
    return Undercoverage(target, covered, n, significance, p_value, min_covered,
                         p_value < significance)


def conformal_sets(cal_proba: FloatArray, cal_y: IntArray, test_proba: FloatArray,
                   test_y: IntArray | None, alphas: Sequence[str | Fraction | float], *,
                   method: Method = "lac", class_conditional: bool = False,
                   raps_penalty: float = 0.001, raps_kreg: int = 1,
                   randomized: bool = False, seed: int | None = 0) -> ConformalResult:
    """Split conformal prediction sets of the test rows at each alpha (in the order given).

    ``cal_proba`` and ``test_proba`` are ``(n, K)`` class probabilities (or
    ``(n,)`` positive-class probabilities of a binary problem, read as
    ``[1 - p, p]``); ``cal_y`` the calibration labels (class indices);
    ``test_y`` the test labels or None. See the module docstring for the
    definitions.

    ``class_conditional`` (Mondrian, Vovk, Lindsay, Nouretdinov & Gammerman,
    "Mondrian confidence machine", 2003; ``lac`` only): for each class ``c``,
    ``qhat_c`` is the order statistic of the scores of the calibration rows
    labelled ``c`` and ``c`` is in a set when ``1 - p_c <= qhat_c``.

    Raises
    ------
    ValueError
        For an unknown method, an alpha outside (0, 1), a negative RAPS penalty,
        randomisation of a method other than ``aps``/``raps``, class-conditional
        sets of a method other than ``lac``, or probabilities of different widths.
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    if randomized and method not in RANDOMISABLE:
        raise ValueError(f"randomised sets exist for {' and '.join(RANDOMISABLE)}, "
                         f"not {method}")
    if class_conditional and method not in CLASS_CONDITIONAL:
        raise ValueError(f"class-conditional sets are computed for lac, not {method}")
    if method == "raps" and not (math.isfinite(raps_penalty) and raps_penalty >= 0):
        raise ValueError(f"the RAPS penalty must be a number >= 0, not {raps_penalty}")
    levels = [exact_alpha(a) for a in alphas]
    cal = as_class_matrix(cal_proba)
    test = as_class_matrix(test_proba)
    if cal.shape[1] != test.shape[1]:
        raise ValueError(f"the calibration rows have {cal.shape[1]} classes and the test "
                         f"rows {test.shape[1]}")
    n_classes = cal.shape[1]
    cal_u: FloatArray | None = None
    test_u: FloatArray | None = None
    if randomized:
        rng = np.random.default_rng(seed)
        cal_u = rng.random(int(cal.shape[0]))
        test_u = rng.random(int(test.shape[0]))
    scores = conformity_scores(cal, cal_y, method, raps_penalty=raps_penalty,
                               raps_kreg=raps_kreg, uniform=cal_u)
    marginal: list[ConformalThreshold | None] = []
    per_class: list[tuple[ConformalThreshold, ...] | None] = []
    qhats: list[float | FloatArray] = []
    for alpha in levels:
        if class_conditional:
            each = tuple(conformal_threshold(scores[cal_y == c], alpha)
                         for c in range(n_classes))
            marginal.append(None)
            per_class.append(each)
            qhats.append(np.array([t.qhat for t in each], dtype=np.float64))
        else:
            threshold = conformal_threshold(scores, alpha)
            marginal.append(threshold)
            per_class.append(None)
            qhats.append(threshold.qhat)
    sets = prediction_sets(test, qhats, method, raps_penalty=raps_penalty,
                           raps_kreg=raps_kreg, uniform=test_u)
    results = tuple(AlphaResult(alpha, m, c, s, set_summary(s, test_y))
                    for alpha, m, c, s in zip(levels, marginal, per_class, sets, strict=True))
    return ConformalResult(method, class_conditional, randomized, seed if randomized else None,
                           raps_penalty, raps_kreg, int(cal.shape[0]), int(test.shape[0]),
                           n_classes, scores, results)
