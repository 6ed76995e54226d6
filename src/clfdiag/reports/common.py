"""What every report shares: the schema version, the input summary and JSON-safe numbers.

Every report is the stable contract that the renderers (terminal, Markdown,
CSV, JSON) read, so what a pipeline sees and what a person sees are the same
numbers. Bump ``SCHEMA_VERSION`` on any change that could break a consumer.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Literal, TypedDict

if TYPE_CHECKING:
    # Added to typing in Python 3.11; the annotations are strings at run time.
    from typing import NotRequired

import numpy as np

from clfdiag.core.evaluation import Evaluation
from clfdiag.core.ranking import Curve
from clfdiag.predictions import InputSummary, Predictions

SCHEMA_VERSION = 1

Task = Literal["binary", "multiclass"]
Number = float | int | None


class InputJSON(TypedDict):
    """One input file: its rows, what was used and dropped, and the role of each column."""

    path: str
    rows: int
    used: int
    dropped: int
    dropped_reasons: dict[str, int]
    label_column: str | None
    probability_columns: list[str]
    id_column: str | None
    transform: str | None
    prediction_column: str | None
    weight_column: str | None
    score_kind: str
    column_roles: list[dict[str, str]]
    labels_file: str | None
    labels_joined_by: str | None

class CalibrationBinJSON(TypedDict):
    """Examples whose confidence is in ``(lower, upper]``."""

    lower: float
    upper: float
    count: float
    confidence: float | None
    accuracy: float | None


def calibration_bins(ev: Evaluation) -> list[CalibrationBinJSON]:
    """The top-label reliability bins of an evaluation."""
    return [{"lower": b.lower, "upper": b.upper, "count": b.count,
             "confidence": b.confidence, "accuracy": b.accuracy}
            for b in ev.calibration.bins]


class OverconfidentCountsJSON(TypedDict):
    """Errors at or above ``min_confidence``: how many, and their share of the errors and loss.

    Without probabilities (hard predictions) the counts are null and ``undefined``
    says why.
    """

    min_confidence: float | None
    count: int | None
    errors: int | None
    share_of_errors: float | None
    share_of_loss: float | None
    undefined: NotRequired[str]


def overconfident_counts(over: Any) -> OverconfidentCountsJSON:
    """How many errors are overconfident (confidence >= ``min_confidence``), as every report says.

    ``over`` is the overconfident-errors result of an evaluation (single- or multi-label).
    """
    return {"min_confidence": over.min_confidence, "count": over.count, "errors": over.errors,
            "share_of_errors": over.share_of_errors, "share_of_loss": over.share_of_loss}


def curves(ev: Evaluation) -> dict[str, Any] | None:
    """The ROC and PR curves of an evaluation, or None without a ranking."""
    if ev.roc is None and ev.pr is None:
        return None
    out: dict[str, Any] = {}
    if ev.roc is not None:
        out["roc"] = points(ev.roc, "fpr", "tpr")
    if ev.pr is not None:
        out["pr"] = points(ev.pr, "recall", "precision")
    return out


def points(curve: Curve, x: str, y: str) -> dict[str, list[float | None]]:
    """A curve's points (already sampled by the engine) with a threshold for each, or null."""
    thresholds = [number(curve.thresholds[i]) if i < len(curve.thresholds) else None
                  for i in range(len(curve.x))]
    return {x: curve.x.tolist(), y: curve.y.tolist(), "threshold": thresholds}


def number(value: Any) -> Any:
    """JSON has no NaN or infinity: such values become null."""
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


def pair(values: tuple[float, float] | None) -> list[float] | None:
    """An interval as a JSON list, or null."""
    return None if values is None else [float(values[0]), float(values[1])]


def input_json(p: Predictions) -> InputJSON:
    """The ``input`` block of a report: the summary of one predictions file."""
    return input_summary(p.source)


def input_summary(src: InputSummary) -> InputJSON:
    """Rows used and dropped, and the role of each column, of one input."""
    return {"path": src.path, "rows": src.rows, "used": src.used,
            "dropped": src.rows - src.used, "dropped_reasons": dict(src.dropped),
            "label_column": src.label_column,
            "probability_columns": list(src.probability_columns),
            "id_column": src.id_column, "transform": src.transform,
            "prediction_column": src.prediction_column, "weight_column": src.weight_column,
            "score_kind": src.score_kind,
            "column_roles": [{"column": c, "role": r} for c, r in src.column_roles],
            "labels_file": src.labels_file, "labels_joined_by": src.labels_joined_by}
