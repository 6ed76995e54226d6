import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from clfdiag.core.overconfidence import overconfident_errors


@given(st.integers(1, 80).flatmap(lambda n: st.tuples(
    hnp.arrays(np.float64, n, elements=st.sampled_from([0.5, 0.9, 0.95, 0.99, 1.0])),
    hnp.arrays(np.bool_, n),
    hnp.arrays(np.float64, n, elements=st.floats(0, 40)))),
    st.integers(0, 12), st.sampled_from([0.5, 0.9, 0.99]))
def test_matches_brute_force(arrays, top, min_conf):
    conf, wrong, loss = arrays
    over = overconfident_errors(conf, wrong, loss, min_conf, top)
    hits = [i for i in range(len(conf)) if wrong[i] and conf[i] >= min_conf]
    ranked = sorted(hits, key=lambda i: (-conf[i], -loss[i], i))
    assert over.count == len(hits)
    assert over.top.tolist() == ranked[:top]
    errors = int(wrong.sum())
    assert over.share_of_errors == (None if errors == 0 else pytest.approx(len(hits) / errors))
    if loss.sum() > 0:
        assert over.share_of_loss == pytest.approx(loss[hits].sum() / loss.sum())
    else:
        assert over.share_of_loss is None
