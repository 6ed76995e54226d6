import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.special import expit

from clfdiag.core.transforms import sigmoid, softplus

EXTREMES = np.array([-1e308, -745.2, -709.8, -40.0, -1e-300, -0.0, 0.0, 5e-324, 1e-16, 36.7,
                     709.8, 1e308])


@given(arrays(np.float64, st.integers(0, 50),
              elements=st.floats(-1e308, 1e308, allow_nan=False, allow_infinity=False)))
def test_softplus_equals_numpy_logaddexp(x):
    # Both are max(x, 0) + log1p(exp(-|x|)); the ufuncs may differ by an ulp or two
    # in exp and log1p, and the sum by one rounding.
    np.testing.assert_allclose(softplus(x), np.logaddexp(0.0, x), rtol=4e-16 * 4, atol=0)


def test_softplus_at_the_extremes():
    expected = np.logaddexp(0.0, EXTREMES)
    np.testing.assert_allclose(softplus(EXTREMES), expected, rtol=2e-15, atol=0)
    assert softplus(np.array([-1e308]))[0] == 0.0
    assert softplus(np.array([1e308]))[0] == 1e308
    assert softplus(np.array([0.0]))[0] == np.log(2.0)


@given(arrays(np.float64, st.integers(0, 50),
              elements=st.floats(-1e308, 1e308, allow_nan=False, allow_infinity=False)))
def test_sigmoid_equals_scipy_expit(x):
    np.testing.assert_allclose(sigmoid(x), expit(x), rtol=1e-15, atol=1e-300)
