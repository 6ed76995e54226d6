"""Wrong and confident: the errors a model made while sure of itself."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


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
