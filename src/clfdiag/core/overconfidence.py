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
    first, then input order).
    """

    min_confidence: float
    count: int
    errors: int
    share_of_errors: float | None
    share_of_loss: float | None
    top: npt.NDArray[np.int64]


def overconfident_errors(
    confidence: FloatArray,
    wrong: npt.NDArray[np.bool_],
    loss: FloatArray,
    min_confidence: float = 0.9,
    top: int = 10,
) -> Overconfidence:
    """Count and rank the confident errors; say what share of errors and of loss they are.

    ``share_of_loss`` is their summed negative log-likelihood over the total;
    undefined when the total loss is 0. ``share_of_errors`` is undefined when
    there is no error.
    """
    hits = np.flatnonzero(wrong & (confidence >= min_confidence))
    count = int(hits.size)
    errors = int(np.count_nonzero(wrong))
    total_loss = float(loss.sum())
    hit_loss = float(loss[hits].sum())
    if top <= 0:
        hits = hits[:0]
    elif count > top:
        # Keep every example tied with the top-th confidence before the exact sort.
        cut = np.partition(confidence[hits], count - top)[count - top]
        hits = hits[confidence[hits] >= cut]
    order = np.lexsort((hits, -loss[hits], -confidence[hits]))
    return Overconfidence(
        min_confidence=min_confidence,
        count=count,
        errors=errors,
        share_of_errors=None if errors == 0 else count / errors,
        share_of_loss=None if total_loss == 0 else hit_loss / total_loss,
        top=hits[order][:top].astype(np.int64),
    )
