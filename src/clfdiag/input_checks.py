"""What each command accepts of a :class:`~clfdiag.predictions.Predictions` value.

Checked before any number is computed, so that an input the engine cannot
evaluate correctly is refused with the flag to change, never half-evaluated.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from clfdiag.errors import ClfdiagError
from clfdiag.predictions import Predictions


def require_supported(preds: Predictions, command: str,
                      hard: bool = True, scores: bool = False, weights: bool = False) -> None:
    """Refuse inputs the engine cannot evaluate yet, rather than compute wrong numbers.

    ``scores``: the command takes real-valued scores (``--scores``) of a binary problem.
    ``weights``: the command weighs its metrics by the sample weights; a command
    that does not is refused weighted input rather than ignore the weights.
    """
    name = preds.source.path
    if preds.score_kind == "scores" and not scores:
        raise ClfdiagError(
            f"{name}: --scores: `clfdiag {command}` needs probabilities",
            "pass --logits if the scores are logits, or use `clfdiag evaluate`, `compare` or "
            "`threshold`, which take --scores")
    if preds.score_kind == "scores" and preds.task == "multiclass":
        raise ClfdiagError(
            f"{name}: --scores applies to one score column of a binary problem, but "
            f"{len(preds.classes)} score columns were read",
            "give one --prob-col, or pass --logits if the columns are logits (softmax)")
    if preds.weights is not None and not weights:
        raise ClfdiagError(f"{name}: `clfdiag {command}` does not weigh its results by sample "
                           f"weights (column {preds.source.weight_column!r})",
                           "leave out --weight-col")
    if preds.score_kind == "hard" and not hard:
        # A score column of only 0 and 1 is read as hard predictions too: name what was read.
        column = preds.source.prediction_column or ", ".join(preds.source.probability_columns)
        raise ClfdiagError(
            f"{name} holds hard predictions (column {column!r}), but "
            f"`clfdiag {command}` compares predicted probabilities",
            "evaluate each file with `clfdiag evaluate`, or give probability columns "
            "(--prob-col)")


def decision_threshold(preds: Predictions, threshold: float | None) -> float:
    """The binary decision threshold; a threshold for another kind of input is an error."""
    if threshold is None:
        return 0.5
    if preds.task == "multiclass":
        raise ClfdiagError(f"{preds.source.path}: --threshold applies to binary problems, but "
                           f"this one has {len(preds.classes)} classes (the predicted class is "
                           "the most probable one)", "leave out --threshold")
    if preds.score_kind == "hard":
        raise ClfdiagError(f"{preds.source.path}: --threshold applies to probabilities, but "
                           "the input holds hard predictions", "leave out --threshold")
    return threshold


def decision_rule(preds: Predictions, threshold: float | str | None,
                  ) -> tuple[float | None, dict[str, Any] | None]:
    """The binary decision threshold and, when a rule chose it, how (``threshold_rule``).

    ``threshold`` is a number or a rule of
    :func:`~clfdiag.core.thresholds.parse_decision_rule` (``youden``, ``f1``,
    ``cost:R``...), chosen exactly over the observed scores. Probabilities
    default to 0.5; real-valued scores (``--scores``) have no default (None).
    """
    from clfdiag.core.thresholds import Infeasible, choose_threshold, parse_decision_rule

    parsed: Any = threshold
    if isinstance(threshold, str):
        try:
            parsed = parse_decision_rule(threshold)
        except ValueError as exc:
            raise ClfdiagError(f"--threshold {threshold!r}: {exc}") from None
    if parsed is None or isinstance(parsed, (int, float)):
        if parsed is not None and preds.score_kind == "probability" and not 0 <= parsed <= 1:
            raise ClfdiagError(f"--threshold {parsed:g} is outside [0, 1], the range of a "
                               "probability", "give a threshold in [0, 1], or pass --scores "
                               "if the column holds real-valued scores")
        if preds.score_kind == "scores":
            decision_threshold(preds, 0.5 if parsed is None else float(parsed))
            return (None if parsed is None else float(parsed)), None
        return decision_threshold(preds, None if parsed is None else float(parsed)), None
    decision_threshold(preds, 0.5)
    if preds.weights is not None:
        raise ClfdiagError(f"--threshold {threshold}: a rule chooses the threshold on "
                           "unweighted counts, which sample weights would contradict",
                           "give a number, or leave out --weight-col")
    from clfdiag.core.ranking import rank_binary

    criterion, costs = parsed
    choice = choose_threshold(rank_binary(preds.y, preds.proba), criterion, costs=costs)
    if isinstance(choice, Infeasible):
        raise ClfdiagError(f"{preds.source.path}: --threshold {threshold}: no threshold can be "
                           f"chosen: {choice.reason}", "give a number instead")
    return choice.threshold, {
        "given": threshold, "criterion": choice.criterion, "rule": ">=",
        "threshold": choice.threshold, "midpoint": choice.midpoint, "value": choice.value,
        "ties": len(choice.ties), "tie_break": choice.tie_break,
        "cost_fn": costs.cost_fn, "cost_fp": costs.cost_fp}


def require_same_columns(reference: Predictions, other: Predictions) -> None:
    """The same model's predictions on other data: the same classes, scored in the same order.

    Columns named differently (``p_cat`` in one file, ``prob_cat`` in the other) hold the
    same classes' scores when both files read the same classes in the same order: each
    file's matrix has one column per class, in the order of its classes.
    """
    mine_columns = reference.source.probability_columns
    their_columns = other.source.probability_columns
    if mine_columns == their_columns or (
            reference.classes == other.classes and len(mine_columns) == len(their_columns)):
        return
    mine, theirs = ", ".join(mine_columns), ", ".join(their_columns)
    # No flag: the reading flags apply to every file alike, so none can pair these.
    raise ClfdiagError(
        f"{other.source.path}: its class columns ({theirs}) differ from those of "
        f"{reference.source.path} ({mine})",
        "every file must hold the same model's predictions: one column per class, the same "
        "classes in the same order (reorder one file's columns to match the other's)")


def refuse_probabilities_among_logits(runs: Sequence[Predictions]) -> None:
    """Refuse ``--logits`` on a file of one column in [0, 1] beside files of logits outside it.

    ``compare`` and ``epochs`` read every file with the same flags, so a file of
    probabilities among files of logits would be read as logits: its sigmoid squeezes
    [0, 1] into [0.5, 0.73] and gives wrong numbers at exit 0. One file alone is left
    alone (logits may all lie in [0, 1]); beside logits that do not, it holds probabilities.
    """
    def bounds(preds: Predictions) -> tuple[float, float] | None:
        raw = preds.logits
        if raw is None or raw.ndim != 1:
            return None
        finite = raw[np.isfinite(raw)]
        return (float(finite.min()), float(finite.max())) if finite.size else None

    spans = [(preds, span) for preds in runs if (span := bounds(preds)) is not None]
    inside = [(p, s) for p, s in spans if s[0] >= 0.0 and s[1] <= 1.0]
    outside = [(p, s) for p, s in spans if not (s[0] >= 0.0 and s[1] <= 1.0)]
    if not inside or not outside:
        return
    (preds, (_, top)), (other, (low, high)) = inside[0], outside[0]
    columns = ", ".join(map(repr, preds.source.probability_columns))
    raise ClfdiagError(
        f"{preds.source.path}: --logits, but column {columns} holds values in [0, 1] (up to "
        f"{top:g}) while {other.source.path} holds logits from {low:g} to {high:g}: "
        "probabilities, which a sigmoid would squeeze into [0.5, 0.73]",
        "compare and epochs apply --logits to every file: turn the logits into probabilities "
        "first (a sigmoid, e.g. scipy.special.expit), then leave out --logits")
