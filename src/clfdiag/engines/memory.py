"""The in-memory engine: every example at once, rankings exact (one sort)."""

from __future__ import annotations

from clfdiag.core.calibration_tests import CalibrationTestSettings
from clfdiag.core.evaluation import evaluate_predictions
from clfdiag.engines.result import EvaluationRun
from clfdiag.predictions import Predictions


def evaluate_in_memory(preds: Predictions, *, threshold: float = 0.5,
                       min_confidence: float = 0.9, top: int = 10,
                       bins: int = 15, target_risk: float | None = None,
                       calibration_tests: CalibrationTestSettings | None = None,
                       ) -> EvaluationRun:
    """The evaluation of predictions held in memory.

    ``calibration_tests``: also the calibration tests (binary) or each class's
    (multiclass), from the rankings the evaluation sorts for the AUCs.
    """
    ev = evaluate_predictions(preds.y, preds.proba, threshold=threshold,
                              min_confidence=min_confidence, top=top, n_bins=bins,
                              weights=preds.weights, target_risk=target_risk,
                              calibration_tests=calibration_tests)
    listed = ev.overconfident.top
    return EvaluationRun(preds.source, preds.classes, ev, preds.row_numbers(listed),
                         preds.id_values(listed))


def evaluate_scores_in_memory(preds: Predictions, *, threshold: float | None,
                              bins: int = 15) -> EvaluationRun:
    """The evaluation of real-valued scores (``--scores``), not probabilities.

    The ranking (AUC, its DeLong interval, the curves) is exact on the scores
    themselves; the confusion counts are those of ``score >= threshold``, fed to
    the sums as 0/1 decisions because a score is no probability to average.
    Every probability metric is then null with the reason
    (the report's ``scores`` branch).
    """
    import numpy as np

    from clfdiag.core.accumulators import ClassificationSums
    from clfdiag.core.evaluation import finish
    from clfdiag.core.ranking import rank_binary

    decisions = (np.zeros(len(preds)) if threshold is None
                 else (preds.proba >= threshold).astype(np.float64))
    sums = ClassificationSums(2, threshold=0.5, top=0, n_bins=bins)
    sums.update(preds.y, decisions)
    del decisions
    ev = finish(sums, rank_binary(preds.y, preds.proba))
    return EvaluationRun(preds.source, preds.classes, ev, [], [], score_threshold=threshold)
