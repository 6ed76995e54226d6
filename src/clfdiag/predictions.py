"""The value every reader produces and every command consumes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True)
class InputSummary:
    """Where predictions came from and what happened to the rows on the way in."""

    path: str
    rows: int
    used: int
    dropped: dict[str, int]
    label_column: str | None
    """None when the labels were not read."""
    probability_columns: tuple[str, ...]
    id_column: str | None
    transform: str | None = None
    notes: tuple[str, ...] = ()
    column_roles: tuple[tuple[str, str], ...] = ()
    """Every column of the input with the role it played (or why it was not used)."""
    prediction_column: str | None = None
    weight_column: str | None = None
    score_kind: str = "probability"
    """``probability``, ``scores`` (real-valued, higher = more positive) or ``hard``."""
    labels_file: str | None = None
    """The separate file the true labels were joined from (``--labels``), or None."""
    labels_joined_by: str | None = None
    """How the labels were joined: ``id`` or ``row`` (by row position)."""
    named_class: str | None = None
    """The class a lone score column's name says it scores (``p_fraud``: ``fraud``), as the
    reader took it; None when the name says none."""


@dataclass(frozen=True)
class Predictions:
    """Labels and predicted probabilities for one set of examples.

    ``y`` holds class indices into ``classes``. ``proba`` is the probability of
    the positive class (binary, shape ``(n,)``, ``classes = (negative, positive)``)
    or one column per class (multiclass, shape ``(n, K)``). ``ids`` is any
    indexable column of example ids, or None; ``rows`` the 1-based row of each
    example in the input when rows were dropped (None: example i is row i + 1).

    ``score_kind`` says what ``proba`` holds: ``"probability"``; ``"scores"``
    (real-valued scores, higher = more positive, not probabilities: only ranking
    metrics apply); or ``"hard"`` (hard predictions: ``proba`` is 0/1 for binary,
    one-hot for multiclass, and no probability metric applies). ``logits`` keeps
    the raw values when they were turned into probabilities (``--logits``), in
    the shape of ``proba`` before any binary reduction: ``(n,)`` or ``(n, K)``.
    ``weights`` holds per-example sample weights (``weight_col``), else None.
    """

    y: npt.NDArray[np.int64]
    proba: npt.NDArray[np.float64]
    classes: tuple[str, ...]
    source: InputSummary
    ids: Any = None
    rows: npt.NDArray[np.int64] | None = field(default=None)
    score_kind: str = "probability"
    logits: npt.NDArray[np.float64] | None = None
    weights: npt.NDArray[np.float64] | None = None

    @property
    def task(self) -> str:
        """``"binary"`` or ``"multiclass"``."""
        return "binary" if self.proba.ndim == 1 else "multiclass"

    @property
    def positive_class(self) -> str | None:
        """The positive class of a binary problem, else None."""
        return self.classes[1] if self.task == "binary" else None

    def __len__(self) -> int:
        return int(self.y.shape[0])

    def row_numbers(self, index: npt.NDArray[np.integer]) -> list[int]:
        """1-based input row numbers of the examples at ``index``."""
        if self.rows is None:
            return [int(i) + 1 for i in index]
        return [int(r) for r in self.rows[index]]

    def id_values(self, index: npt.NDArray[np.integer]) -> list[str | None]:
        """Ids of the examples at ``index`` (None without an id column)."""
        if self.ids is None:
            return [None] * len(index)
        out = []
        for i in index:
            value = self.ids[int(i)]
            value = value.as_py() if hasattr(value, "as_py") else value
            out.append(None if value is None else str(value))
        return out
