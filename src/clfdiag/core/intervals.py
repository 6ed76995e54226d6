"""Confidence intervals for accuracy (Wilson) and ROC AUC (DeLong)."""

from __future__ import annotations

import math
from statistics import NormalDist

from clfdiag.core.ranking import BinaryRanking, delong_components


def normal_quantile(confidence: float) -> float:
    """Two-sided standard normal critical value, 1.959964 for 95%."""
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float] | None:
    """Wilson score interval for a binomial proportion (Wilson 1927).

    Matches ``scipy.stats.binomtest(k, n).proportion_ci(method="wilson")``.
    ``None`` when ``n == 0``.
    """
    if n == 0:
        return None
    z = normal_quantile(confidence)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def auc_interval(r: BinaryRanking, confidence: float = 0.95,
                 auc: float | None = None) -> tuple[float, float] | None:
    """DeLong confidence interval for the ROC AUC, clipped to [0, 1] (as pROC's ``ci.auc``).

    ``None`` when either class has fewer than two examples.
    """
    parts = delong_components(r, auc)
    if parts is None:
        return None
    auc, s10, s01 = parts
    se = math.sqrt(s10 / r.positives + s01 / r.negatives)
    z = normal_quantile(confidence)
    return max(0.0, auc - z * se), min(1.0, auc + z * se)
