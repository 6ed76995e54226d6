"""Comparing three or more models: on the same examples, and across datasets or folds.

Comparing every pair of models with a test at level alpha finds differences by
chance (Dietterich 1998; Demsar 2006), so each family of pairwise tests is
followed by a correction (Holm 1979, Bonferroni, or none), after an omnibus test
of all the models at once: Cochran's Q on right/wrong, Friedman on ranks.

Models are numbered in input order; a pair ``(a, b)`` has ``a < b`` and every
signed quantity of a pair is ``b - a``.

Ties in rank-based statistics (average ranks, Friedman, Wilcoxon) are decided on
values rounded to 12 significant digits (:func:`round_significant`), so that
values equal in exact arithmetic tie whatever their summation order. Everything
else uses the values as computed.

Distribution tails are computed here with the standard library and numpy, as in
:mod:`clfdiag.core.stats`, so no SciPy is needed at run time; the tests check
each against SciPy.

References
----------
- J. Demsar, "Statistical comparisons of classifiers over multiple data sets",
  JMLR 7 (2006) 1-30.
- T. G. Dietterich, "Approximate statistical tests for comparing supervised
  classification learning algorithms", Neural Computation 10 (1998) 1895-1923.
- C. Nadeau and Y. Bengio, "Inference for the generalization error", Machine
  Learning 52 (2003) 239-281.
- S. Holm, "A simple sequentially rejective multiple test procedure",
  Scandinavian Journal of Statistics 6 (1979) 65-70.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from clfdiag.core.catalogue import CATALOGUE
from clfdiag.core.comparison import decide
from clfdiag.core.evaluation import Evaluation, evaluate_predictions
from clfdiag.core.losses import log_loss_terms, true_class_probability
from clfdiag.core.ordering import ascending_order
from clfdiag.core.stats import (
    DeLongPaired,
    MeanDifference,
    binomial_two_sided,
    delong_defined,
    delong_from_components,
    incomplete_beta,
    paired_bootstrap,
    paired_t,
    structural_components,
    student_t_sf,
)

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
Correction = Literal["holm", "bonferroni", "none"]
CORRECTIONS: tuple[Correction, ...] = ("holm", "bonferroni", "none")
SIGNIFICANT_DIGITS = 12
EXACT_WILCOXON_ANY = 13
"""Up to this many differences (zeros included) the Wilcoxon p is exact, ties or not."""
EXACT_WILCOXON_UNTIED = 50
"""Up to this many differences the Wilcoxon p is exact when there are no ties and no zeros."""


# --- pairs and corrections -------------------------------------------------------------


def model_pairs(k: int) -> list[tuple[int, int]]:
    """Every pair of ``k`` models once, ``a`` before ``b``: (0, 1), (0, 2), ..., (k - 2, k - 1)."""
    return [(a, b) for a in range(k) for b in range(a + 1, k)]


def adjust_p_values(p_values: Sequence[float | None],
                    correction: Correction) -> list[float | None]:
    """Adjust a family of p-values for multiple testing, in the order given.

    Holm's step-down (Holm 1979): with the m p-values sorted ascending
    ``p(1) <= ... <= p(m)``, the adjusted ``p(i) = min(1, max over j <= i of
    (m - j + 1) p(j))``; tied p-values get the same adjusted value whatever
    their order. Bonferroni: ``min(1, m p)``. ``"none"``: ``p``. As
    ``statsmodels.stats.multitest.multipletests(p, method="holm" | "bonferroni")``.

    A missing p-value (a test that is undefined, such as two identical models)
    stays missing, and counts in the family as ``p = 1``: the family keeps its
    size, so no other pair is corrected less for it.

    Examples
    --------
    >>> adjust_p_values([0.01, 0.04, 0.03], "holm")
    [0.03, 0.06, 0.06]
    """
    if correction not in CORRECTIONS:
        raise ValueError(f"unknown correction {correction!r}")
    m = len(p_values)
    filled = np.array([1.0 if p is None else p for p in p_values], dtype=np.float64)
    if correction == "none":
        adjusted = filled
    elif correction == "bonferroni":
        adjusted = np.minimum(1.0, m * filled)
    else:
        order = np.argsort(filled, kind="stable")
        steps = (m - np.arange(m)) * filled[order]
        adjusted = np.empty(m)
        adjusted[order] = np.minimum(1.0, np.maximum.accumulate(steps))
    return [None if p is None else float(q) for p, q in zip(p_values, adjusted, strict=True)]


# --- ties and ranks --------------------------------------------------------------------


def round_significant(values: npt.ArrayLike) -> FloatArray:
    """Each value rounded to 12 significant digits, as ``float(f"{v:.12g}")``.

    Means of folds summed in different orders (0.9566666666666667 and
    0.9566666666666666) become equal, so rank-based statistics see the tie
    that exact arithmetic has.

    Vectorised: with ``s = 11 - floor(log10 |v|)``, the 12-digit integer
    ``m = rint(v 10^s)``, and ``m / 10^s`` (or ``m 10^-s``) is the float
    nearest the decimal ``m e-s``, which is what ``float(f"{v:.12g}")``
    returns, because ``m`` and ``10^|s|`` (|s| <= 22) are exact floats and one
    division or product is correctly rounded. The scaled product carries an
    error below 1e-4 (half an ulp of a number below 10^12), so ``m`` is the
    correctly rounded integer unless ``v 10^s`` lies within
    :data:`_NEAR_HALF` of a half; those values, the ones whose ``s`` leaves
    that range (below 1e-11 or above 1e22) are formatted one by one, each
    distinct value once. Zeros and non-finite values are kept as they are.
    """
    array = np.asarray(values, dtype=np.float64)
    flat = array.ravel()
    size = np.abs(flat)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        shift = (SIGNIFICANT_DIGITS - 1) - np.floor(np.log10(size))
        usable = np.isfinite(shift) & (np.abs(shift) <= _EXACT_POWER)
        shift = np.where(usable, shift, 0.0).astype(np.int64)
        power = _POWERS_OF_TEN[np.abs(shift)]
        scaled = np.where(shift >= 0, size * power, size / power)
        mantissa = np.rint(scaled)
        rounded = np.where(shift >= 0, mantissa / power, mantissa * power)
        low = 10.0 ** (SIGNIFICANT_DIGITS - 1)
        formatted = ~usable | (np.abs(scaled - np.floor(scaled) - 0.5) < _NEAR_HALF) | (
            mantissa < low) | (mantissa >= 10.0 * low)
    # Zeros, infinities and NaN are their own rounding (and keep their sign).
    itself = ~np.isfinite(flat) | (flat == 0)
    formatted &= ~itself
    out = np.where(itself, flat, np.copysign(rounded, flat))
    if formatted.any():
        distinct, where = np.unique(flat[formatted], return_inverse=True)
        text = np.array([float(f"{v:.{SIGNIFICANT_DIGITS}g}") for v in distinct.tolist()],
                        dtype=np.float64)
        out[formatted] = text[where.ravel()]
    return np.asarray(out.reshape(array.shape), dtype=np.float64)


_EXACT_POWER = 22
"""10^22 is the largest power of ten a float64 holds exactly."""
_POWERS_OF_TEN = np.array([10.0 ** i for i in range(_EXACT_POWER + 1)], dtype=np.float64)
_NEAR_HALF = 1e-3
"""Scaled values this close to a half are rounded by formatting (the product errs < 1e-4)."""


def rounded_differences(a: FloatArray, b: FloatArray) -> FloatArray:
    """``b - a`` on values rounded to 12 significant digits, the difference rounded again.

    A difference that rounds to 0 is a zero difference.
    """
    return round_significant(round_significant(b) - round_significant(a))


def ranks_within_rows(values: FloatArray, *, higher_is_better: bool) -> FloatArray:
    """Rank of each column within each row, 1 = best, ties given their average rank.

    Values are compared after :func:`round_significant`. For ``values`` of
    shape (n, k), as ``scipy.stats.rankdata(-values if higher_is_better else
    values, axis=1)``.
    """
    return _row_ranks(round_significant(values), higher_is_better)[0]


def _row_ranks(x: FloatArray, higher_is_better: bool) -> tuple[FloatArray, FloatArray]:
    """Ranks within rows of rounded values (1 = best) and the size of each value's tie group."""
    if higher_is_better:
        x = -x
    better = np.zeros(x.shape, dtype=np.float64)
    equal = np.zeros(x.shape, dtype=np.float64)
    # One pass per column keeps memory at one (n, k) array, whatever k.
    for j in range(x.shape[1]):
        column = x[:, j:j + 1]
        better += column < x
        equal += column == x
    return better + (equal + 1.0) / 2.0, equal


def average_ranks(values: FloatArray, *, higher_is_better: bool) -> FloatArray:
    """Each column's rank averaged over the rows (Demsar 2006, section 3.2.2): 1 = best."""
    return np.asarray(ranks_within_rows(values, higher_is_better=higher_is_better).mean(axis=0),
                      dtype=np.float64)


def _tie_groups(values: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Average ranks (1 = smallest) of ``values`` and the sizes of their tie groups."""
    _, group, sizes = np.unique(values, return_inverse=True, return_counts=True)
    ends = np.cumsum(sizes)
    ranks = (ends - (sizes - 1) / 2.0)[group]
    return ranks.astype(np.float64), sizes.astype(np.float64)


# --- distribution tails ----------------------------------------------------------------


def normal_sf(z: float) -> float:
    """P(Z > z) for a standard normal Z."""
    return 0.5 * math.erfc(z / math.sqrt(2.0))


def chi_square_sf(x: float, df: int) -> float:
    """P(X > x) for a chi-square X with integer ``df`` degrees of freedom.

    The regularized upper incomplete gamma Q(df/2, x/2) by its finite sums:
    even df = 2m, ``exp(-y) sum_{i<m} y^i / i!``; odd df = 2m + 1,
    ``erfc(sqrt y) + exp(-y) sum_{i<m} y^(i+1/2) / Gamma(i+3/2)``, y = x/2.
    Every term is positive, so the tail keeps its relative precision.
    """
    if df < 1:
        raise ValueError("df must be at least 1")
    y = x / 2.0
    if y <= 0:  # x <= 0, or so small that half of it is 0
        return 1.0
    log_y = math.log(y)
    if df % 2 == 0:
        terms = [-y + i * log_y - math.lgamma(i + 1.0) for i in range(df // 2)]
        head = 0.0
    else:
        terms = [-y + (i + 0.5) * log_y - math.lgamma(i + 1.5) for i in range(df // 2)]
        head = math.erfc(math.sqrt(y))
    return head + math.fsum(math.exp(t) for t in terms)


def f_sf(f: float, df1: int, df2: int) -> float:
    """P(F > f) for Fisher's F with (df1, df2) degrees of freedom: I_x(df2/2, df1/2).

    With ``x = df2 / (df2 + df1 f)``; both x and 1 - x are formed directly.
    """
    if f <= 0:
        return 1.0
    denominator = df2 + df1 * f
    return incomplete_beta(df2 / 2.0, df1 / 2.0, df2 / denominator, df1 * f / denominator)


def _normal_cdf_and_sf(z: FloatArray) -> tuple[FloatArray, FloatArray]:
    erfc = np.vectorize(math.erfc, otypes=[np.float64])
    scaled = z / math.sqrt(2.0)
    return 0.5 * erfc(-scaled), 0.5 * erfc(scaled)


_RANGE_STEP = 0.02
_RANGE_REACH = 12.0


def studentized_range_sf(q: float, k: int) -> float:
    """P(R > q) for the range R of k independent standard normal values (infinite df).

    ``scipy.stats.studentized_range.sf(q, k, np.inf)``. With W = Phi(z) - Phi(z - q),
    P(R <= q) = k int phi(z) W^(k-1) dz (z the largest value), so
    P(R > q) = k int phi(z) (Phi(z)^(k-1) - W^(k-1)) dz, and the bracket is
    ``Phi(z - q) sum_j Phi(z)^j W^(k-2-j)``: all terms positive, so small tails
    keep their relative precision. The integrand is smooth and decays like a
    Gaussian, where the trapezoid rule on a fine uniform grid converges
    geometrically.
    """
    if q <= 0:
        return 1.0
    return float(min(1.0, _range_integral(q, k, upper=True)))


def studentized_range_cdf(q: float, k: int) -> float:
    """P(R <= q) = k int phi(z) W^(k-1) dz: the lower tail with its relative precision.

    ``scipy.stats.studentized_range.cdf(q, k, np.inf)``; 1 - :func:`studentized_range_sf`
    would lose every digit where the cdf is tiny (a quantile at alpha near 1).
    """
    if q <= 0:
        return 0.0
    return float(min(1.0, _range_integral(q, k, upper=False)))


def _range_integral(q: float, k: int, upper: bool) -> float:
    """The trapezoid rule over z for P(R > q) (``upper``) or P(R <= q), integrands positive."""
    z = np.arange(-_RANGE_REACH, q + _RANGE_REACH + _RANGE_STEP, _RANGE_STEP)
    phi = np.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)
    cdf_top, sf_top = _normal_cdf_and_sf(z)
    cdf_low, sf_low = _normal_cdf_and_sf(z - q)
    # Phi(z) - Phi(z - q) without cancellation on either side of 0.
    width = np.where(z > 0, sf_low - sf_top, cdf_top - cdf_low)
    if upper:
        bracket = np.zeros_like(z)
        for j in range(k - 1):
            bracket += cdf_top ** j * width ** (k - 2 - j)
        integrand = k * phi * cdf_low * bracket
    else:
        integrand = k * phi * width ** (k - 1)
    # The trapezoid rule written out: np.trapezoid needs numpy 2, np.trapz is gone from it.
    return _RANGE_STEP * (float(np.sum(integrand)) - 0.5 * float(integrand[0] + integrand[-1]))


@functools.lru_cache(maxsize=64)
def studentized_range_quantile(p: float, k: int) -> float:
    """The q with P(R <= q) = p for the range of k standard normal values (infinite df).

    ``scipy.stats.studentized_range.ppf(p, k, np.inf)``; by bisection on
    :func:`studentized_range_sf` (on :func:`studentized_range_cdf` for p below 1/2, whose
    tail keeps its relative precision there), to a relative width of 1e-13.
    """
    def below(q: float) -> bool:  # whether P(R <= q) < p
        if p < 0.5:
            return studentized_range_cdf(q, k) < p
        return studentized_range_sf(q, k) > 1.0 - p

    lo, hi = 0.0, 1.0
    while below(hi):
        hi *= 2.0
    while hi - lo > 1e-13 * hi:
        mid = (lo + hi) / 2.0
        if below(mid):
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2.0


# --- tests -----------------------------------------------------------------------------


@dataclass(frozen=True)
class OmnibusTest:
    """A chi-square statistic on ``df`` degrees of freedom and its upper-tail p-value.

    ``statistic`` and ``p`` are None when the test is undefined: every block
    tied (every model equal on every example or dataset).
    """

    statistic: float | None
    df: int
    p: float | None


@dataclass(frozen=True)
class Wilcoxon:
    """Wilcoxon signed-rank test of paired differences b - a.

    ``statistic`` is min(R+, R-); ``exact`` says whether p came from the exact
    distribution or the normal approximation; ``n`` counts the differences,
    zeros included, ``nonzero`` those ranked.
    """

    statistic: float
    p: float
    exact: bool
    n: int
    nonzero: int


@dataclass(frozen=True)
class McNemarTable:
    """Exact McNemar test of two models' right/wrong on the same examples.

    ``table`` = [[both right, a right and b wrong], [a wrong and b right, both
    wrong]]; ``p`` the exact two-sided binomial p on the discordant counts.
    """

    table: tuple[tuple[int, int], tuple[int, int]]
    p: float


@dataclass(frozen=True)
class ImanDavenport:
    """Iman and Davenport's F from Friedman's chi-square (Demsar 2006, eq. 3).

    ``statistic`` is None when undefined (one dataset) or infinite (every
    dataset ranks the models the same way: then p = 0).
    """

    statistic: float | None
    df1: int
    df2: int
    p: float | None


@dataclass(frozen=True)
class Nemenyi:
    """Nemenyi's critical difference of average ranks at level ``alpha`` (Demsar 2006, 3.2.2)."""

    alpha: float
    q: float
    cd: float


@dataclass(frozen=True)
class CorrectedT:
    """Nadeau and Bengio's corrected resampled t test of fold differences b - a on one dataset.

    ``t`` and ``p`` are None when the differences do not vary.
    """

    mean_diff: float
    t: float | None
    df: int
    p: float | None


def wilcoxon_signed_rank(d: FloatArray) -> Wilcoxon:
    """Two-sided Wilcoxon signed-rank test of the differences ``d`` (already tie-rounded).

    Zero differences are dropped (``zero_method="wilcox"``), tied ``|d|`` get
    average ranks, the statistic is min(R+, R-). With n the number of
    differences (zeros included): for n <= 13, or n <= 50 with no ties and no
    zeros, p is exact over the equally likely sign assignments of the nonzero
    differences' ranks, ``min(1, 2 min(P(T <= R+), P(T >= R+)))``, counted by
    dynamic programming on doubled ranks (integers even with ties); otherwise
    the normal approximation without continuity correction,
    ``z = (R+ - n'(n'+1)/4) / sqrt((n'(n'+1)(2n'+1) - sum(t^3 - t)/2) / 24)``.
    This is ``scipy.stats.wilcoxon(d)`` with its defaults (scipy 1.17), except
    that with no nonzero difference p is 1 in both regimes (SciPy's normal
    approximation gives NaN there).
    """
    n = int(d.shape[0])
    nonzero = d[d != 0]
    m = int(nonzero.shape[0])
    if m == 0:
        return Wilcoxon(0.0, 1.0, n <= EXACT_WILCOXON_ANY, n, 0)
    ranks, sizes = _tie_groups(np.abs(nonzero))
    positive = nonzero > 0
    r_plus = float(ranks[positive].sum())
    r_minus = m * (m + 1) / 2.0 - r_plus
    statistic = min(r_plus, r_minus)
    tied = bool((sizes > 1).any())
    exact = n <= EXACT_WILCOXON_ANY or (n <= EXACT_WILCOXON_UNTIED and not tied and m == n)
    if exact:
        doubled = np.rint(2.0 * ranks).astype(np.int64)
        counts = np.zeros(int(doubled.sum()) + 1, dtype=np.int64)
        counts[0] = 1
        for r in doubled.tolist():
            shifted = counts.copy()
            shifted[r:] += counts[:-r]
            counts = shifted
        observed = round(2.0 * r_plus)
        total = float(2 ** m)  # exact: m <= 50 < 53
        below = float(counts[:observed + 1].sum()) / total
        above = float(counts[observed:].sum()) / total
        return Wilcoxon(statistic, min(1.0, 2.0 * min(below, above)), True, n, m)
    ties = float((sizes ** 3 - sizes).sum())
    variance = (m * (m + 1) * (2 * m + 1) - ties / 2.0) / 24.0
    z = (r_plus - m * (m + 1) / 4.0) / math.sqrt(variance)
    return Wilcoxon(statistic, min(1.0, 2.0 * normal_sf(abs(z))), False, n, m)


def friedman(values: FloatArray, *, higher_is_better: bool = True) -> OmnibusTest:
    """Friedman's test of k treatments (columns) over n blocks (rows), tie-corrected.

    Ranks within each block (ties averaged, on values rounded to 12
    significant digits), rank sums R_j, and
    ``chi2 = (12 / (n k (k + 1)) sum R_j^2 - 3 n (k + 1)) / C`` with
    ``C = 1 - sum(t^3 - t) / (n k (k^2 - 1))``, df = k - 1; as
    ``scipy.stats.friedmanchisquare(*values.T)`` (Demsar 2006, eq. 2). The
    direction does not change the statistic. Undefined (None) when every block
    is one tie.
    """
    n, k = values.shape
    ranks, tie_sizes = _row_ranks(round_significant(values), higher_is_better)
    # Each of the t members of a tie group adds t^2 - 1: t^3 - t for the group.
    tie_sum = float((tie_sizes * tie_sizes - 1.0).sum())
    c = 1.0 - tie_sum / (n * k * (k * k - 1.0))
    if c <= 0:
        return OmnibusTest(None, k - 1, None)
    rank_sums = ranks.sum(axis=0)
    chi2 = (12.0 / (n * k * (k + 1.0)) * float(rank_sums @ rank_sums)
            - 3.0 * n * (k + 1.0)) / c
    chi2 = max(chi2, 0.0)
    return OmnibusTest(chi2, k - 1, chi_square_sf(chi2, k - 1))


def cochran_q(correct: BoolArray) -> OmnibusTest:
    """Cochran's Q test that k models (columns) have the same accuracy on n examples (rows).

    ``Q = (k - 1) (k sum C_j^2 - T^2) / (k T - sum R_i^2)`` with C_j the
    column totals, R_i the row totals and T the grand total; df = k - 1, p
    from chi-square. As ``statsmodels.stats.contingency_tables.cochrans_q``.
    Undefined (None) when every example is right in every model or wrong in
    every model.
    """
    k = correct.shape[1]
    x = correct.astype(np.float64)
    columns = x.sum(axis=0)
    rows = x.sum(axis=1)
    total = float(columns.sum())
    denominator = k * total - float(rows @ rows)
    if denominator <= 0:
        return OmnibusTest(None, k - 1, None)
    q = (k - 1) * (k * float(columns @ columns) - total * total) / denominator
    return OmnibusTest(q, k - 1, chi_square_sf(q, k - 1))


def mcnemar_table(correct_a: BoolArray, correct_b: BoolArray) -> McNemarTable:
    """The 2 x 2 table of right/wrong and the exact McNemar p (as today's two-file test).

    ``statsmodels.stats.contingency_tables.mcnemar(table, exact=True)``.
    """
    both = int(np.count_nonzero(correct_a & correct_b))
    only_a = int(np.count_nonzero(correct_a & ~correct_b))
    only_b = int(np.count_nonzero(~correct_a & correct_b))
    neither = int(correct_a.shape[0]) - both - only_a - only_b
    return McNemarTable(((both, only_a), (only_b, neither)),
                        binomial_two_sided(only_b, only_a + only_b))


def iman_davenport(friedman_chi2: float | None, n_datasets: int, k: int) -> ImanDavenport:
    """``F = (N - 1) chi2 / (N (k - 1) - chi2)`` on (k - 1, (k - 1)(N - 1)) df (Demsar 2006).

    Iman and Davenport (1980): a less conservative statistic than Friedman's.
    """
    df1, df2 = k - 1, (k - 1) * (n_datasets - 1)
    if friedman_chi2 is None or df2 == 0:
        return ImanDavenport(None, df1, df2, None)
    denominator = n_datasets * (k - 1) - friedman_chi2
    if denominator <= 0:
        return ImanDavenport(None, df1, df2, 0.0)
    f = (n_datasets - 1) * friedman_chi2 / denominator
    return ImanDavenport(f, df1, df2, f_sf(f, df1, df2))


def nemenyi(k: int, n_datasets: int, alpha: float) -> Nemenyi:
    """Nemenyi's test: ``q = q_{1-alpha}(k, inf) / sqrt 2`` and ``CD = q sqrt(k (k + 1) / (6 N))``.

    Two models whose average ranks differ by more than CD differ (Demsar
    2006, eq. 5); q is the studentized range quantile over sqrt 2.

    Examples
    --------
    Demsar's Table 5a, q_0.05 for four models:

    >>> round(nemenyi(4, 10, 0.05).q, 3)
    2.569
    """
    q = studentized_range_quantile(1.0 - alpha, k) / math.sqrt(2.0)
    return Nemenyi(alpha, q, q * math.sqrt(k * (k + 1) / (6.0 * n_datasets)))


def nemenyi_p(rank_a: float, rank_b: float, k: int, n_datasets: int) -> float:
    """Nemenyi's p for two average ranks: P(R > |rank_b - rank_a| sqrt 2 / sqrt(k (k+1) / 6N)).

    As ``scikit_posthocs.posthoc_nemenyi_friedman``; below alpha exactly when
    the ranks differ by more than the critical difference of :func:`nemenyi`.
    """
    scaled = abs(rank_b - rank_a) / math.sqrt(k * (k + 1) / (6.0 * n_datasets))
    return studentized_range_sf(scaled * math.sqrt(2.0), k)


def corrected_resampled_t(d: FloatArray, test_train_ratio: float) -> CorrectedT:
    """Nadeau and Bengio's (2003) corrected resampled t test of fold differences ``d``.

    ``t = mean(d) / sqrt((1/J + R) s^2)`` with J the number of folds (all
    repeats), R = n_test / n_train and s^2 the sample variance of d (ddof 1);
    df = J - 1, two-sided p from Student's t. The ``R`` term widens the
    interval because the training sets of the folds overlap.
    """
    j = int(d.shape[0])
    mean = float(d.mean())
    if j < 2:
        return CorrectedT(mean, None, j - 1, None)
    variance = float(d.var(ddof=1))
    if variance <= 0:
        return CorrectedT(mean, None, j - 1, None)
    t = mean / math.sqrt((1.0 / j + test_train_ratio) * variance)
    return CorrectedT(mean, t, j - 1, min(1.0, 2.0 * student_t_sf(abs(t), j - 1)))


# --- many models on the same examples --------------------------------------------------


@dataclass(frozen=True)
class ModelPair:
    """The tests of one pair of models on the same examples (b - a), raw and adjusted."""

    a: int
    b: int
    mcnemar: McNemarTable
    mcnemar_p_adjusted: float
    wilcoxon_log_loss: Wilcoxon
    wilcoxon_p_adjusted: float
    log_loss: MeanDifference
    log_loss_p_adjusted: float | None
    delong: DeLongPaired | None
    delong_p_adjusted: float | None


@dataclass(frozen=True)
class ManyModelComparison:
    """Everything ``compare`` reports for three or more models, before formatting.

    ``metric_ranks`` maps each metric with a direction to each model's rank
    (1 = best, ties averaged), or None when some model's value is undefined.
    ``best`` has the lowest mean log loss (the first on a tie);
    ``not_significantly_worse`` are the other models whose log-loss test
    against it has an adjusted p >= alpha (or no p: identical losses).
    """

    evaluations: tuple[Evaluation, ...]
    metric_ranks: dict[str, tuple[float, ...] | None]
    correction: Correction
    alpha: float
    cochran_q: OmnibusTest
    friedman_log_loss: OmnibusTest
    pairs: tuple[ModelPair, ...]
    best: int
    not_significantly_worse: tuple[int, ...]


def _evaluation(y: npt.NDArray[np.integer], proba: FloatArray, threshold: float,
                min_confidence: float, n_bins: int) -> tuple[Evaluation, FloatArray | None]:
    """One model's evaluation and, for binary scores, its DeLong components.

    The scores are sorted once for both: the evaluation's ranking is read in
    the order the components need.
    """
    order = ascending_order(proba) if proba.ndim == 1 else None
    ev = evaluate_predictions(y, proba, threshold=threshold, min_confidence=min_confidence,
                              n_bins=n_bins, order=order)
    if order is None or not delong_defined(y == 1):
        return ev, None
    return ev, structural_components(y, proba, order=order)


def compare_models(y: npt.NDArray[np.integer], probas: Sequence[FloatArray], *,
                   threshold: float = 0.5, correction: Correction = "holm",
                   alpha: float = 0.05, bootstrap: int = 0, seed: int | None = None,
                   min_confidence: float = 0.9, n_bins: int = 15) -> ManyModelComparison:
    """Compare k models' probabilities for the same examples with the same labels ``y``.

    Right/wrong as ``evaluate`` decides it (binary: positive iff p >=
    ``threshold``; multiclass: argmax) goes to Cochran's Q and pairwise exact
    McNemar; per-example log loss (``-ln`` of the true class's probability
    clipped to [eps, 1 - eps]) to Friedman over the examples and, per pair, the
    Wilcoxon signed-rank test and the paired test of the mean difference that
    the two-file comparison reports (t test, or the bootstrap with
    ``bootstrap`` resamples and ``seed``); binary scores to the paired DeLong
    test. Each pairwise family is adjusted by ``correction``.
    """
    k = len(probas)
    if k < 2:
        raise ValueError("at least two models are needed")
    if y.shape[0] == 0:
        raise ValueError("no examples to compare")
    evaluations, components = zip(*(_evaluation(y, p, threshold, min_confidence, n_bins)
                                    for p in probas), strict=True)
    correct = np.column_stack([decide(p, threshold)[0] == y for p in probas])
    losses = np.column_stack([log_loss_terms(true_class_probability(y, p))[0] for p in probas])
    rounded_losses = round_significant(losses)
    pairs = model_pairs(k)
    mcnemars = [mcnemar_table(correct[:, a], correct[:, b]) for a, b in pairs]
    wilcoxons = [wilcoxon_signed_rank(round_significant(rounded_losses[:, b]
                                                        - rounded_losses[:, a]))
                 for a, b in pairs]
    mean_tests = []
    for a, b in pairs:
        diff = losses[:, b] - losses[:, a]
        mean_tests.append(paired_bootstrap(diff, bootstrap, seed) if bootstrap
                          else paired_t(diff))
    positive = y == 1
    delongs = [delong_from_components(positive, components[a], components[b])
               if components[a] is not None and components[b] is not None else None
               for a, b in pairs]
    del components
    mcnemar_adj = adjust_p_values([m.p for m in mcnemars], correction)
    wilcoxon_adj = adjust_p_values([w.p for w in wilcoxons], correction)
    mean_adj = adjust_p_values([t.p_value for t in mean_tests], correction)
    delong_adj = adjust_p_values([None if d is None else d.p_value for d in delongs], correction)
    model_pairs_ = tuple(
        ModelPair(a, b, mcnemars[i], _defined(mcnemar_adj[i]), wilcoxons[i],
                  _defined(wilcoxon_adj[i]), mean_tests[i], mean_adj[i], delongs[i],
                  delong_adj[i])
        for i, (a, b) in enumerate(pairs))

    mean_loss = [_metric(ev, "log_loss") for ev in evaluations]
    best = min(range(k), key=lambda i: (mean_loss[i], i))
    not_worse = []
    for pair in model_pairs_:
        if best not in (pair.a, pair.b):
            continue
        other = pair.b if pair.a == best else pair.a
        if pair.log_loss_p_adjusted is None or pair.log_loss_p_adjusted >= alpha:
            not_worse.append(other)
    return ManyModelComparison(
        evaluations=evaluations,
        metric_ranks=metric_ranks(evaluations),
        correction=correction,
        alpha=alpha,
        cochran_q=cochran_q(correct),
        friedman_log_loss=friedman(losses, higher_is_better=False),
        pairs=model_pairs_,
        best=best,
        not_significantly_worse=tuple(sorted(not_worse)),
    )


def metric_ranks(evaluations: Sequence[Evaluation]) -> dict[str, tuple[float, ...] | None]:
    """Each directed metric's rank of every model: 1 = best, ties averaged (12 digits).

    A metric is ranked in the direction of the metric catalogue; counts and
    shares without a direction are left out; a metric undefined for some
    model has None.
    """
    ranks: dict[str, tuple[float, ...] | None] = {}
    for key in evaluations[0].metrics:
        known = CATALOGUE.get(key)
        if known is None or known.greater_is_better is None:
            continue
        values = [ev.metrics.get(key) for ev in evaluations]
        if any(v is None or not math.isfinite(v) for v in values):
            ranks[key] = None
            continue
        row = np.array([values], dtype=np.float64)
        ranked = ranks_within_rows(row, higher_is_better=known.greater_is_better)[0]
        ranks[key] = tuple(float(r) for r in ranked)
    return ranks


def _metric(ev: Evaluation, key: str) -> float:
    value = ev.metrics[key]
    if value is None:
        raise ValueError(f"{key} is undefined: {ev.undefined.get(key, 'no examples')}")
    return float(value)


def _defined(p: float | None) -> float:
    if p is None:
        raise AssertionError("a defined p-value lost in adjustment")
    return p


# --- many models across datasets -------------------------------------------------------


@dataclass(frozen=True)
class FoldTest:
    """The corrected resampled t test of one pair of models on one dataset."""

    dataset: int
    a: int
    b: int
    test: CorrectedT


@dataclass(frozen=True)
class RankPair:
    """The Wilcoxon signed-rank test of one pair's per-dataset scores (b - a)."""

    a: int
    b: int
    wilcoxon: Wilcoxon
    p_adjusted: float


@dataclass(frozen=True)
class Ranking:
    """Everything ``rank`` reports, before formatting.

    ``scores`` holds the per-dataset score of each model (datasets x models;
    with folds, the mean over the dataset's folds and repeats).
    """

    scores: FloatArray
    higher_is_better: bool
    correction: Correction
    average_ranks: FloatArray
    friedman: OmnibusTest
    iman_davenport: ImanDavenport
    nemenyi: Nemenyi
    pairs: tuple[RankPair, ...]
    corrected_t: tuple[FoldTest, ...] | None


def rank_models(scores: FloatArray | None, *, higher_is_better: bool = True, alpha: float = 0.05,
                correction: Correction = "holm",
                fold_scores: Sequence[FloatArray] | None = None,
                test_train_ratio: float | None = None) -> Ranking:
    """Rank k models over N datasets (Demsar 2006): average ranks, Friedman, Nemenyi, Wilcoxon.

    ``scores`` is N x k, one score per dataset and model (1 = best rank in the
    given direction). With ``fold_scores`` (one J x k array per dataset, folds
    paired by row), ``scores`` may be None: each dataset's score is then the
    mean of its folds, and every pair gets Nadeau and Bengio's corrected t
    test on every dataset, which needs ``test_train_ratio``.
    """
    if fold_scores is not None:
        if test_train_ratio is None:
            raise ValueError("the corrected t test needs the test/train ratio")
        means = np.array([f.mean(axis=0) for f in fold_scores], dtype=np.float64)
        scores = means if scores is None else scores
    if scores is None:
        raise ValueError("no scores")
    n_datasets, k = scores.shape
    chi2 = friedman(scores, higher_is_better=higher_is_better)
    pairs = model_pairs(k)
    tests = [wilcoxon_signed_rank(rounded_differences(scores[:, a], scores[:, b]))
             for a, b in pairs]
    adjusted = adjust_p_values([t.p for t in tests], correction)
    corrected = None
    if fold_scores is not None and test_train_ratio is not None:
        corrected = tuple(FoldTest(d, a, b, corrected_resampled_t(
            folds[:, b] - folds[:, a], test_train_ratio))
            for d, folds in enumerate(fold_scores) for a, b in pairs)
    return Ranking(
        scores=scores,
        higher_is_better=higher_is_better,
        correction=correction,
        average_ranks=average_ranks(scores, higher_is_better=higher_is_better),
        friedman=chi2,
        iman_davenport=iman_davenport(chi2.statistic, n_datasets, k),
        nemenyi=nemenyi(k, n_datasets, alpha),
        pairs=tuple(RankPair(a, b, t, _defined(p))
                    for (a, b), t, p in zip(pairs, tests, adjusted, strict=True)),
        corrected_t=corrected,
    )
