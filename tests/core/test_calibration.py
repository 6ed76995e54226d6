import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from clfdiag.core.calibration import top_label_calibration


def loop_ece(conf, correct, n_bins):
    """Independent reference: explicit right-closed intervals (lo, hi], 0 in the first bin."""
    total, worst, n = 0.0, 0.0, len(conf)
    for b in range(n_bins):
        lo, hi = b / n_bins, (b + 1) / n_bins
        members = [i for i in range(n) if (lo < conf[i] <= hi) or (b == 0 and conf[i] == 0)]
        if members:
            gap = abs(np.mean([correct[i] for i in members]) - np.mean([conf[i] for i in members]))
            total += len(members) / n * gap
            worst = max(worst, gap)
    return total, worst


edges = [b / 15 for b in range(16)]


@given(hnp.arrays(np.float64, st.integers(1, 120),
                  elements=st.one_of(st.sampled_from(edges), st.floats(0, 1))),
       st.data())
def test_ece_and_mce_match_loop_definition(conf, data):
    correct = data.draw(hnp.arrays(np.bool_, len(conf)))
    cal = top_label_calibration(conf, correct, 15)
    ece, mce = loop_ece(conf, correct, 15)
    assert cal.ece == pytest.approx(ece, abs=1e-12)
    assert cal.mce == pytest.approx(mce, abs=1e-12)
    assert sum(b.count for b in cal.bins) == len(conf)


def test_bins_are_right_closed():
    cal = top_label_calibration(np.array([0.5, 0.6, 0.6000001]), np.array([True] * 3), 10)
    counts = {(round(b.lower, 1), round(b.upper, 1)): b.count for b in cal.bins if b.count}
    assert counts == {(0.4, 0.5): 1, (0.5, 0.6): 1, (0.6, 0.7): 1}


def test_hand_computed_example():
    # Two bins used: 0.95 (right) and 0.95 (wrong) -> gap 0.45; 0.55 right -> gap 0.45.
    cal = top_label_calibration(np.array([0.95, 0.95, 0.55]), np.array([True, False, True]), 10)
    assert cal.ece == pytest.approx(2 / 3 * 0.45 + 1 / 3 * 0.45)
    assert cal.mce == pytest.approx(0.45)
