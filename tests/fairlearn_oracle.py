"""Fairlearn's disparities, the oracle of every group-fairness test (one definition, shared)."""

import warnings

import pytest

fairlearn_metrics = pytest.importorskip("fairlearn.metrics")

# The disparities are max/min/abs of ratios of (weight) sums: a few ulps of the rates.
TOL = 1e-12


def fairlearn_disparities(y, pred, features, weights=None, method="between_groups",
                          agg="worst_case"):
    """The six disparities clfdiag reports, each by its Fairlearn function of the same name."""
    fm = fairlearn_metrics
    kw = {"sensitive_features": features, "method": method, "sample_weight": weights}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {
            "demographic_parity_difference": fm.demographic_parity_difference(y, pred, **kw),
            "demographic_parity_ratio": fm.demographic_parity_ratio(y, pred, **kw),
            "equalized_odds_difference": fm.equalized_odds_difference(y, pred, agg=agg, **kw),
            "equalized_odds_ratio": fm.equalized_odds_ratio(y, pred, agg=agg, **kw),
            "equal_opportunity_difference": fm.equal_opportunity_difference(y, pred, **kw),
            "equal_opportunity_ratio": fm.equal_opportunity_ratio(y, pred, **kw),
        }
