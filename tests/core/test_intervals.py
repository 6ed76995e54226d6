import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from clfdiag.core.intervals import auc_interval, wilson_interval
from clfdiag.core.ranking import rank_binary


@given(st.integers(1, 10_000), st.data())
def test_wilson_matches_scipy(n, data):
    k = data.draw(st.integers(0, n))
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    lo, hi = wilson_interval(k, n)
    assert lo == pytest.approx(ci.low, abs=1e-12)
    assert hi == pytest.approx(ci.high, abs=1e-12)


def test_wilson_undefined_without_examples():
    assert wilson_interval(0, 0) is None


def test_auc_interval_is_normal_interval_around_auc():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 400)
    p = np.clip(rng.normal(0.4 + 0.2 * y, 0.2), 0, 1)
    lo, hi = auc_interval(rank_binary(y, p))
    pos, neg = p[y == 1], p[y == 0]
    psi = (pos[:, None] > neg) + 0.5 * (pos[:, None] == neg)
    se = np.sqrt(psi.mean(1).var(ddof=1) / len(pos) + psi.mean(0).var(ddof=1) / len(neg))
    z = stats.norm.ppf(0.975)
    assert lo == pytest.approx(psi.mean() - z * se, abs=1e-12)
    assert hi == pytest.approx(psi.mean() + z * se, abs=1e-12)


def test_auc_interval_is_clipped_to_unit_range():
    y = np.array([0, 0, 1, 1])
    lo, hi = auc_interval(rank_binary(y, np.array([0.1, 0.2, 0.8, 0.9])))
    assert (lo, hi) == (1.0, 1.0)
