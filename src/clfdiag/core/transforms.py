"""Turning raw model outputs into probabilities."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def sigmoid(x: FloatArray) -> FloatArray:
    """Logistic function 1 / (1 + exp(-x)), stable for large ``|x|`` (``scipy.special.expit``)."""
    out = np.empty_like(x, dtype=np.float64)
    pos = x >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-x[pos]))
    e = np.exp(x[~pos])
    out[~pos] = e / (1.0 + e)
    return out


def softmax(x: FloatArray) -> FloatArray:
    """Row-wise softmax exp(x_k) / sum_j exp(x_j), shifted by the row maximum to avoid overflow."""
    shifted = x - x.max(axis=1, keepdims=True)
    np.exp(shifted, out=shifted)
    shifted /= shifted.sum(axis=1, keepdims=True)
    return np.asarray(shifted, dtype=np.float64)
