"""The documented, JSON-able structure of an evaluation: the stable contract.

Every renderer (terminal, Markdown, CSV, JSON) reads this structure, so what a
pipeline sees and what a person sees are the same numbers. Bump
``SCHEMA_VERSION`` on any change that could break a consumer.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from clfdiag import __version__
from clfdiag.core.evaluation import Evaluation
from clfdiag.core.ranking import Curve
from clfdiag.predictions import Predictions

SCHEMA_VERSION = 1
CURVE_POINTS = 201


def evaluation_report(preds: Predictions, ev: Evaluation) -> dict[str, Any]:
    """Assemble the report of ``clfdiag evaluate`` for ``preds`` evaluated as ``ev``."""
    src = preds.source
    classes = list(preds.classes)
    over = ev.overconfident
    top = over.top
    labels = [classes[i] for i in preds.y[top]]
    report: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "clfdiag_version": __version__,
        "input": {
            "path": src.path,
            "rows": src.rows,
            "used": src.used,
            "dropped": src.rows - src.used,
            "dropped_reasons": dict(src.dropped),
            "label_column": src.label_column,
            "probability_columns": list(src.probability_columns),
            "id_column": src.id_column,
            "transform": src.transform,
        },
        "task": ev.task,
        "classes": classes,
        "positive_class": preds.positive_class,
        "threshold": ev.threshold,
        "metrics": {k: _number(v) for k, v in ev.metrics.items()},
        "undefined": dict(ev.undefined),
        "roc_auc_ci": _pair(ev.roc_auc_ci),
        "accuracy_ci": _pair(ev.accuracy_ci),
        "log_loss_clipped_rows": ev.clipped,
        "confusion_matrix": {"labels": classes, "matrix": ev.confusion_matrix.tolist()},
        "per_class": [
            {
                "class": name,
                "precision": c.stats.precision.value,
                "recall": c.stats.recall.value,
                "f1": c.stats.f1.value,
                "support": c.stats.support,
                "predicted": c.stats.predicted,
                "roc_auc": c.roc_auc.value,
            }
            for name, c in zip(classes, ev.per_class, strict=True)
        ],
        "calibration": {
            "method": f"top-label, {len(ev.calibration.bins)} equal-width bins, right-closed",
            "bins": [
                {"lower": b.lower, "upper": b.upper, "count": b.count,
                 "confidence": b.confidence, "accuracy": b.accuracy}
                for b in ev.calibration.bins
            ],
            "ece": ev.calibration.ece,
            "mce": ev.calibration.mce,
        },
        "overconfident_errors": {
            "min_confidence": over.min_confidence,
            "count": over.count,
            "errors": over.errors,
            "share_of_errors": over.share_of_errors,
            "share_of_loss": over.share_of_loss,
            "top": [
                {"row": row, "id": ident, "label": label, "predicted": classes[int(pred)],
                 "confidence": float(conf), "loss": float(loss)}
                for row, ident, label, pred, conf, loss in zip(
                    preds.row_numbers(top), preds.id_values(top), labels, ev.predicted,
                    ev.top_confidence, ev.top_loss, strict=True)
            ],
        },
        "curves": _curves(ev),
        "notes": [*src.notes, *ev.notes, *_clip_note(ev)],
    }
    return report


def _clip_note(ev: Evaluation) -> list[str]:
    if not ev.clipped:
        return []
    return [f"{ev.clipped} rows gave their true class a probability within machine epsilon of "
            "0 or 1; it was clipped to [eps, 1 - eps] for the log loss"]


def _curves(ev: Evaluation) -> dict[str, Any] | None:
    if ev.roc is None and ev.pr is None:
        return None
    out: dict[str, Any] = {}
    if ev.roc is not None:
        out["roc"] = _sample(ev.roc, "fpr", "tpr")
    if ev.pr is not None:
        out["pr"] = _sample(ev.pr, "recall", "precision")
    return out


def _sample(curve: Curve, x: str, y: str) -> dict[str, list[float | None]]:
    """At most ``CURVE_POINTS`` points, evenly spaced along the curve, ends included."""
    n = len(curve.x)
    idx = np.unique(np.linspace(0, n - 1, min(n, CURVE_POINTS)).round().astype(np.int64))
    thresholds = [_number(curve.thresholds[i]) if i < len(curve.thresholds) else None
                  for i in idx]
    return {x: curve.x[idx].tolist(), y: curve.y[idx].tolist(), "threshold": thresholds}


def _number(value: Any) -> Any:
    """JSON has no NaN or infinity: such values become null."""
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


def _pair(pair: tuple[float, float] | None) -> list[float] | None:
    return None if pair is None else [float(pair[0]), float(pair[1])]
