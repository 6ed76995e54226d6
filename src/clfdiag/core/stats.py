"""Paired significance tests for two sets of predictions on the same examples.

Distribution functions are implemented here (standard library and numpy only),
so the engine needs no SciPy at run time; the tests check each against SciPy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import numpy.typing as npt

from clfdiag.core.ordering import BLOCK, ascending_order, ascending_orders

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class McNemar:
    """Exact McNemar test on the discordant pairs.

    ``b01``: examples A got wrong and B got right; ``b10``: right in A, wrong in B.
    """

    b01: int
    b10: int
    p_value: float


@dataclass(frozen=True)
class DeLongPaired:
    """DeLong's test for two correlated ROC AUCs; ``z`` and ``ci`` are for AUC(B) - AUC(A)."""

    auc_a: float
    auc_b: float
    z: float | None
    p_value: float | None
    ci: tuple[float, float]


@dataclass(frozen=True)
class MeanDifference:
    """Mean of paired differences (B - A) with a 95% interval and a two-sided p-value."""

    mean_diff: float
    ci: tuple[float, float] | None
    p_value: float | None
    method: str


def binomial_two_sided(k: int, n: int) -> float:
    """Exact two-sided p-value of ``k`` successes in ``n`` fair trials.

    ``min(1, 2 P(X <= min(k, n - k)))`` for X ~ Binomial(n, 1/2), as
    ``scipy.stats.binomtest(k, n, 0.5).pvalue``. Terms are summed in log space
    from the largest down, so the result is accurate for any ``n``.
    """
    if n == 0:
        return 1.0
    m = min(k, n - k)
    if 2 * m == n:
        return 1.0
    i = np.arange(m, -1, -1, dtype=np.float64)
    log_top = math.lgamma(n + 1) - math.lgamma(m + 1) - math.lgamma(n - m + 1) - n * math.log(2)
    # log t(i-1) = log t(i) + log(i / (n - i + 1)), walking down from i = m.
    steps = np.log(i[:-1] / (n - i[:-1] + 1))
    logs = log_top + np.concatenate(([0.0], np.cumsum(steps)))
    peak = logs.max()
    tail = math.exp(peak) * float(np.exp(logs - peak).sum())
    return min(1.0, 2.0 * tail)


def mcnemar_exact(correct_a: npt.NDArray[np.bool_], correct_b: npt.NDArray[np.bool_]) -> McNemar:
    """McNemar (1947) exact test: under H0 the discordant pairs split 50/50."""
    b01 = int(np.count_nonzero(~correct_a & correct_b))
    b10 = int(np.count_nonzero(correct_a & ~correct_b))
    return McNemar(b01, b10, binomial_two_sided(b01, b01 + b10))


def structural_components(y: npt.NDArray[np.integer], scores: FloatArray,
                          distinct: bool = False, out: FloatArray | None = None,
                          order: npt.NDArray[np.int64] | None = None) -> FloatArray:
    """Each example's DeLong component: V10 for a positive, V01 for a negative, in input order.

    Both classes must be present (:func:`delong_defined`).

    For a positive, V10 is the share of negatives scored below it (ties count
    one half); for a negative, V01 is the share of positives scored above it.
    One sort (:func:`ascending_order`) gives every example its tie group; looking groups up by
    ``searchsorted`` instead costs a cache miss per example (27 s, not 2 s,
    for 10^7 examples). ``distinct``: the caller knows every score is distinct
    (its ranking has one group per example), which saves looking for ties.
    ``out``: a buffer of n float64 for the components, allocated here when not given.
    ``order``: the scores' :func:`ascending_order`, when the caller has it (the
    evaluation's ranking was read in it); sorted here when not given.
    """
    n = scores.shape[0]
    if order is None:
        order = ascending_order(scores)
    # Gathered from one byte per example rather than from the labels themselves.
    positive = (y == 1)[order]
    new_group: npt.NDArray[np.bool_] | None = None
    if not distinct:
        ordered = scores[order]
        new_group = np.empty(n, dtype=bool)
        new_group[0] = True
        np.not_equal(ordered[1:], ordered[:-1], out=new_group[1:])
        del ordered
        distinct = bool(new_group.all())
    if out is None:
        out = np.empty(n)
    if distinct:
        # Every score distinct: each example is its own group, no lookups needed.
        # Block by block in sorted order, so that the order and the result are the
        # only full-size arrays: each full-size temporary costs more in page faults
        # than in arithmetic.
        m = float(np.count_nonzero(positive))
        before = 0.0  # positives before the block
        for start in range(0, n, BLOCK):
            is_positive = positive[start:start + BLOCK]
            up_to = is_positive.astype(np.float64)
            np.cumsum(up_to, out=up_to)  # positives up to each example
            up_to += before
            before = float(up_to[-1])
            value = np.subtract(m, up_to)
            value /= m  # a negative: positives above it
            below = np.arange(start + 1, start + 1 + up_to.shape[0], dtype=np.float64)
            below -= up_to
            below /= n - m  # a positive: negatives below it
            np.copyto(value, below, where=is_positive)
            out[order[start:start + BLOCK]] = value
        return out
    assert new_group is not None
    group = np.cumsum(new_group, dtype=np.int64) - 1
    del new_group
    groups = int(group[-1]) + 1
    size = np.bincount(group, minlength=groups)
    pos = np.bincount(group, weights=positive, minlength=groups)
    neg = size - pos
    m, n_neg = float(pos.sum()), float(neg.sum())
    v10 = (np.cumsum(neg) - neg / 2) / n_neg  # negatives below, plus half the ties
    v01 = (m - np.cumsum(pos) + pos / 2) / m  # positives above, plus half the ties
    out[order] = np.where(positive, v10[group], v01[group])
    return out


def delong_paired(y: npt.NDArray[np.integer], scores_a: FloatArray, scores_b: FloatArray,
                  confidence: float = 0.95,
                  distinct: tuple[bool, bool] = (False, False),
                  orders: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]] | None = None,
                  ) -> DeLongPaired | None:
    """DeLong, DeLong & Clarke-Pearson (1988) test of AUC(A) = AUC(B) on the same examples.

    Uses the O(n log n) structural components (Sun & Xu 2014) from one sort of
    each model's scores (:func:`delong_from_components`). ``None`` when either
    class has fewer than two examples.
    ``distinct``: whether A's and B's scores are known to be all distinct
    (:func:`structural_components`). ``orders``: A's and B's
    :func:`ascending_order`, when the caller has them; sorted here when not given.
    """
    positive = y == 1
    if not delong_defined(positive):
        return None
    from concurrent.futures import ThreadPoolExecutor

    order_a, order_b = orders if orders is not None else ascending_orders(scores_a, scores_b)
    # The components' buffers are allocated here, on the main thread, as the orders'.
    components = np.empty((2, y.shape[0]))
    with ThreadPoolExecutor(2) as pool:
        va, vb = pool.map(structural_components, (y, y), (scores_a, scores_b),
                          distinct, components, (order_a, order_b))
    return delong_from_components(positive, va, vb, confidence)


def delong_defined(positive: npt.NDArray[np.bool_]) -> bool:
    """Whether DeLong's variance is defined: two examples or more of each class."""
    m = int(np.count_nonzero(positive))
    return m >= 2 and positive.shape[0] - m >= 2


def delong_from_components(positive: npt.NDArray[np.bool_], va: FloatArray, vb: FloatArray,
                           confidence: float = 0.95) -> DeLongPaired | None:
    """DeLong's paired test from each model's :func:`structural_components`.

    With V10 the components of the m positives and V01 those of the n negatives,
    AUC = mean(V10) and Var(AUC(B) - AUC(A)) = S10 / m + S01 / n, where S10 and
    S01 are the sample variances of the component differences B - A (DeLong,
    DeLong & Clarke-Pearson 1988, eq. 5). When the two models rank every pair
    identically the variance is zero: z and the p-value are then undefined (None)
    and the interval is the single point. ``None`` when either class has fewer
    than two examples.
    """
    if not delong_defined(positive):
        return None
    m = int(np.count_nonzero(positive))
    n = positive.shape[0] - m
    v10a, v01a, v10b, v01b = va[positive], va[~positive], vb[positive], vb[~positive]
    auc_a, auc_b = float(v10a.mean()), float(v10b.mean())
    d10 = (v10b - auc_b) - (v10a - auc_a)
    d01 = (v01b - auc_b) - (v01a - auc_a)
    var = float(d10 @ d10) / (m - 1) / m + float(d01 @ d01) / (n - 1) / n
    diff = auc_b - auc_a
    z_crit = NormalDist().inv_cdf(0.5 + confidence / 2)
    if var <= 0:
        return DeLongPaired(auc_a, auc_b, None, None, (diff, diff))
    se = math.sqrt(var)
    z = diff / se
    return DeLongPaired(auc_a, auc_b, z, math.erfc(abs(z) / math.sqrt(2)),
                        (diff - z_crit * se, diff + z_crit * se))


def paired_t(diff: FloatArray, confidence: float = 0.95) -> MeanDifference:
    """One-sample t test of mean(diff) = 0 with a t interval (``scipy.stats.ttest_1samp``)."""
    n = diff.shape[0]
    mean = float(diff.mean())
    if n < 2:
        return MeanDifference(mean, None, None, "t")
    sd = float(diff.std(ddof=1))
    if sd == 0:
        return MeanDifference(mean, (mean, mean), None if mean == 0 else 0.0, "t")
    se = sd / math.sqrt(n)
    t = mean / se
    df = n - 1
    q = student_t_quantile(0.5 + confidence / 2, df)
    return MeanDifference(mean, (mean - q * se, mean + q * se), 2 * student_t_sf(abs(t), df), "t")


def paired_bootstrap(diff: FloatArray, resamples: int, seed: int | None,
                     confidence: float = 0.95) -> MeanDifference:
    """Percentile bootstrap of mean(diff) over examples resampled with replacement.

    The p-value is the share of resampled means at least as far from the
    observed mean as the observed mean is from 0 (the null-shifted bootstrap),
    counted as ``(1 + hits) / (1 + resamples)``.
    """
    rng = np.random.default_rng(seed)
    n = diff.shape[0]
    means = np.empty(resamples)
    chunk = max(1, min(resamples, 20_000_000 // max(n, 1)))
    for start in range(0, resamples, chunk):
        stop = min(resamples, start + chunk)
        idx = rng.integers(0, n, size=(stop - start, n))
        means[start:stop] = diff[idx].mean(axis=1)
    mean = float(diff.mean())
    alpha = 1 - confidence
    lo, hi = np.quantile(means, [alpha / 2, 1 - alpha / 2])
    hits = int(np.count_nonzero(np.abs(means - mean) >= abs(mean)))
    return MeanDifference(mean, (float(lo), float(hi)), (1 + hits) / (1 + resamples),
                          f"bootstrap ({resamples} resamples)")


def student_t_sf(t: float, df: int) -> float:
    """P(T > t) for Student's t with ``df`` degrees of freedom, t >= 0.

    Via the regularized incomplete beta function: P(|T| > t) = I_x(df/2, 1/2)
    with x = df / (df + t^2).
    """
    # Both x and 1 - x are formed directly: 1 - x by subtraction loses all precision
    # for small t and large df.
    return 0.5 * incomplete_beta(df / 2, 0.5, df / (df + t * t), t * t / (df + t * t))


def student_t_quantile(p: float, df: int) -> float:
    """The t with P(T <= t) = p (p > 0.5), by bisection on ``student_t_sf``."""
    lo, hi = 0.0, 1.0
    while student_t_sf(hi, df) > 1 - p:
        hi *= 2
    for _ in range(200):
        mid = (lo + hi) / 2
        if student_t_sf(mid, df) > 1 - p:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-14 * hi:
            break
    return (lo + hi) / 2


def incomplete_beta(a: float, b: float, x: float, y: float) -> float:
    """Regularized incomplete beta I_x(a, b), given ``y = 1 - x``, by Lentz's continued fraction."""
    if x <= 0:
        return 0.0
    if y <= 0:
        return 1.0
    if x > (a + 1) / (a + b + 2):
        return 1.0 - incomplete_beta(b, a, y, x)
    log_front = (math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
                 + a * math.log(x) + b * math.log(y))
    tiny = 1e-300
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    f = d
    for m in range(1, 10_000):
        for numerator in (m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                          -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + numerator / c
            c = c if abs(c) > tiny else tiny
            f *= c * d
        if abs(c * d - 1.0) < 1e-15:
            break
    return math.exp(log_front) * f / a
