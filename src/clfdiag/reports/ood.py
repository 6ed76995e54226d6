"""The report of ``clfdiag ood``: how confident the model is on inputs unlike its training data.

``in`` describes the in-distribution input (its columns and rows, as every
report's ``input``), its accuracy, its ``selective`` section and its confidence
histogram; each entry of ``out`` one out-of-distribution input: the separation
of every confidence score, the "wrong and strong" view and the operating point.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING, Any, TypedDict

import numpy as np

from clfdiag.core.ood import (
    SCORES,
    OutSetResult,
    assess_out_set,
    confidence_counts,
    confidence_scores,
    in_vs_out_roc,
    top_label,
)
from clfdiag.core.selective import selective
from clfdiag.reports.common import SCHEMA_VERSION, InputJSON, input_json
from clfdiag.reports.selective import SelectiveJSON, selective_json
from clfdiag.version import __version__

if TYPE_CHECKING:
    from clfdiag.predictions import Predictions

HISTOGRAM_BINS = 20
ROC_POINTS = 200
ROC_SCORE = "max_softmax"


class ConfidentOutJSON(TypedDict):
    """One of the most confidently predicted OUT examples; ``row`` is 1-based in its file."""

    row: int
    id: str | None
    predicted: str
    confidence: float


class OverconfidentJSON(TypedDict):
    """Shares of OUT and IN predicted with confidence ``>= min_confidence``; the top OUT."""

    min_confidence: float
    share_out: float | None
    share_in: float | None
    top: list[ConfidentOutJSON]
    most_assigned_class: str | None
    most_assigned_share: float | None


class OperatingPointJSON(TypedDict):
    """The confidence threshold keeping ``keep`` of IN, what it accepts of OUT, IN accuracy."""

    keep: float
    threshold: float | None
    share_in: float | None
    share_out: float | None
    in_accuracy: float | None


class RocJSON(TypedDict):
    """ROC of IN (positive) against OUT by one score: x share of OUT, y share of IN kept."""

    score: str
    fpr: list[float]
    tpr: list[float]


class OutJSON(TypedDict):
    """Everything measured on one OUT input."""

    input: InputJSON
    n: int
    scores: list[dict[str, str | float | None]]  # the fields of each ScoreSeparation, in order
    overconfident: OverconfidentJSON
    operating_point: OperatingPointJSON
    confidence_histogram: list[int]
    roc: RocJSON


class InHistogramJSON(TypedDict):
    """Equal-width confidence bins of [0, 1] and the IN examples predicted right and wrong."""

    edges: list[float]
    correct: list[int]
    wrong: list[int]


class InJSON(InputJSON):
    """The IN input's fields, its accuracy, selective section and confidence histogram."""

    n: int
    accuracy: float
    selective: SelectiveJSON
    confidence_histogram: InHistogramJSON


OodReport = TypedDict("OodReport", {
    "schema_version": int, "clfdiag_version": str, "command": str, "task": str,
    "classes": list[str], "logits": bool, "scores": list[dict[str, str]],
    "in": InJSON, "out": list[OutJSON], "notes": list[str],
})


def ood_report(in_preds: Predictions, out_preds: Sequence[Predictions], *,
               min_confidence: float = 0.9, keep: float = 0.95, top: int = 3) -> OodReport:
    """Assess every OUT input against IN; the dict of ``clfdiag ood --format json``.

    Logits are used (``max_logit``, ``energy``) when every input carries them.
    """
    use_logits = in_preds.logits is not None and all(p.logits is not None for p in out_preds)
    in_pred, in_conf = top_label(in_preds.proba)
    correct = in_pred == in_preds.y
    in_scores = confidence_scores(in_preds.proba, in_preds.logits if use_logits else None)
    outs = []
    for out in out_preds:
        result = assess_out_set(
            in_preds.proba, in_preds.y, out.proba,
            in_logits=in_preds.logits if use_logits else None,
            out_logits=out.logits if use_logits else None,
            min_confidence=min_confidence, keep=keep, limit=top)
        out_conf = top_label(out.proba)[1]
        outs.append(_out_json(out, in_preds.classes, result, out_conf, in_scores[ROC_SCORE]))
    notes = [f"{p.source.path}: {note}" for p in (in_preds, *out_preds) for note in p.source.notes]
    counts = [confidence_counts(in_conf[mask], HISTOGRAM_BINS) for mask in (correct, ~correct)]
    in_json: dict[str, Any] = {
        **input_json(in_preds), "n": len(in_preds),
        "accuracy": float(np.count_nonzero(correct)) / len(in_preds),
        "selective": selective_json(selective(in_conf, correct)),
        "confidence_histogram": {
            "edges": np.linspace(0.0, 1.0, HISTOGRAM_BINS + 1).tolist(),
            "correct": counts[0].tolist(), "wrong": counts[1].tolist()},
    }
    return {
        "schema_version": SCHEMA_VERSION, "clfdiag_version": __version__, "command": "ood",
        "task": in_preds.task, "classes": list(in_preds.classes), "logits": use_logits,
        "scores": [{"score": s.key, "direction": s.direction, "definition": s.definition,
                    "reference": s.reference} for s in SCORES if s.key in in_scores],
        "in": in_json,  # type: ignore[typeddict-item]
        "out": outs, "notes": notes,
    }


def _out_json(out: Predictions, classes: tuple[str, ...], result: OutSetResult,
              out_conf: np.ndarray[Any, Any], in_max_softmax: np.ndarray[Any, Any]) -> OutJSON:
    over = result.overconfident
    rows = np.array([e.row for e in over.top], dtype=np.int64)
    point = result.operating_point
    roc = in_vs_out_roc(in_max_softmax, top_label(out.proba)[1], ROC_POINTS)
    return {
        "input": input_json(out),
        "n": len(out),
        "scores": [asdict(s) for s in result.scores],
        "overconfident": {
            "min_confidence": over.min_confidence, "share_out": over.share_out,
            "share_in": over.share_in,
            "top": [{"row": row, "id": ident, "predicted": classes[e.predicted],
                     "confidence": e.confidence}
                    for e, row, ident in zip(over.top, out.row_numbers(rows),
                                             out.id_values(rows), strict=True)],
            "most_assigned_class": (None if over.most_assigned_class is None
                                    else classes[over.most_assigned_class]),
            "most_assigned_share": over.most_assigned_share},
        "operating_point": {"keep": point.keep, "threshold": point.threshold,
                            "share_in": point.share_in, "share_out": point.share_out,
                            "in_accuracy": point.in_accuracy},
        "confidence_histogram": confidence_counts(out_conf, HISTOGRAM_BINS).tolist(),
        "roc": {"score": ROC_SCORE, "fpr": roc.x.tolist(), "tpr": roc.y.tolist()},
    }
