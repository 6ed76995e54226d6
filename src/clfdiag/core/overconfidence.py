"""Wrong and confident: the errors a model made while sure of itself."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
BLOCK = 1 << 16
"""Rows per block of :func:`confident_errors`."""


@dataclass(frozen=True)
class Overconfidence:
    """Errors whose confidence (probability of the predicted class) is ``>= min_confidence``.

    ``top`` holds example indices, most confident first (ties: larger loss
    first, then input order); see :class:`~clfdiag.core.accumulators.TopErrors`.
    """

    min_confidence: float
    count: int
    errors: int
    share_of_errors: float | None
    share_of_loss: float | None
    top: npt.NDArray[np.int64]


def confident_errors(y: npt.NDArray[np.integer], proba: FloatArray, *, threshold: float = 0.5,
                     min_confidence: float = 0.9) -> npt.NDArray[np.bool_]:
    """Which examples are errors made with confidence ``>= min_confidence``.

    The examples :class:`Overconfidence` counts, one flag each: the predicted
    class is ``p >= threshold`` for binary ``(n,)`` probabilities, the argmax
    (lowest index among ties) for ``(n, K)``; the confidence is the probability
    of the predicted class.

    >>> confident_errors(np.array([0, 1, 1]), np.array([0.95, 0.2, 0.6])).tolist()
    [True, False, False]
    """
    y = np.asarray(y)
    proba = np.asarray(proba, dtype=np.float64)
    flags: npt.NDArray[np.bool_] = np.empty(proba.shape[0], dtype=np.bool_)
    # In blocks of rows: the temporaries of a block stay in cache.
    for start in range(0, proba.shape[0], BLOCK):
        block = slice(start, start + BLOCK)
        p, labels = proba[block], y[block]
        if p.ndim == 1:
            predicted_positive = p >= threshold
            confidence = np.where(predicted_positive, p, 1.0 - p)
            wrong = predicted_positive != (labels == 1)
        else:
            predicted = p.argmax(axis=1)
            confidence = p[np.arange(p.shape[0]), predicted]
            wrong = predicted != labels
        np.logical_and(wrong, confidence >= min_confidence, out=flags[block])
    return flags
