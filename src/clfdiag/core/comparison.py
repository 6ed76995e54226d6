"""Two sets of predictions on the same examples: what changed, whether it is real, and why.

The change in mean log loss is split over groups of examples by what happened to
each: whether it became correct or wrong, and whether the probability of its
true class rose or fell. The group contributions add up to the total change, so
the diagnosis of "loss and accuracy both went up" is arithmetic, not a guess.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from clfdiag.core.evaluation import Evaluation, evaluate_predictions
from clfdiag.core.losses import log_loss_terms, true_class_probability
from clfdiag.core.stats import (
    DeLongPaired,
    McNemar,
    MeanDifference,
    delong_paired,
    mcnemar_exact,
    paired_bootstrap,
    paired_t,
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

GROUPS = (
    ("became_correct", "became correct"),
    ("became_wrong", "became wrong"),
    ("correct_lost_confidence", "stayed correct, lost confidence"),
    ("correct_gained_confidence", "stayed correct, gained confidence"),
    ("wrong_more_confident", "stayed wrong, grew more confident (wrong and strong)"),
    ("wrong_less_confident", "stayed wrong, grew less confident"),
)


@dataclass(frozen=True)
class LossChangeGroup:
    """Examples that changed the same way, and their summed share of the change in mean loss."""

    name: str
    description: str
    count: int
    loss_change: float


@dataclass(frozen=True)
class ExampleChange:
    """One example scored by both models (indices into the paired arrays)."""

    index: int
    predicted_a: int
    predicted_b: int
    confidence_a: float
    confidence_b: float
    p_true_a: float
    p_true_b: float
    loss_a: float
    loss_b: float


@dataclass(frozen=True)
class Comparison:
    """Everything ``clfdiag compare`` reports, before any formatting."""

    a: Evaluation
    b: Evaluation
    loss_delta: float
    accuracy_delta: float
    loss_up_accuracy_up: bool
    groups: tuple[LossChangeGroup, ...]
    top: tuple[ExampleChange, ...]
    mcnemar: McNemar
    delong: DeLongPaired | None
    log_loss_test: MeanDifference
    sample: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    """A random sample of examples (for a scatter plot), with their true-class
    probabilities in A and B and the index of their group in ``groups``."""
    sample_p_true_a: FloatArray = field(default_factory=lambda: np.zeros(0))
    sample_p_true_b: FloatArray = field(default_factory=lambda: np.zeros(0))
    sample_group: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


def decide(proba: FloatArray, threshold: float) -> tuple[IntArray, FloatArray]:
    """Predicted class and its probability: binary at ``threshold``, multiclass by argmax."""
    if proba.ndim == 1:
        predicted = (proba >= threshold).astype(np.int64)
        return predicted, np.where(predicted == 1, proba, 1.0 - proba)
    predicted = proba.argmax(axis=1).astype(np.int64)
    return predicted, proba[np.arange(proba.shape[0]), predicted]


def group_masks(correct_a: npt.NDArray[np.bool_], correct_b: npt.NDArray[np.bool_],
                change: FloatArray) -> tuple[npt.NDArray[np.bool_], ...]:
    """Membership of each example in the six groups of :data:`GROUPS`, in that order."""
    rose = change > 0
    both_right, both_wrong = correct_a & correct_b, ~correct_a & ~correct_b
    return (
        ~correct_a & correct_b,
        correct_a & ~correct_b,
        both_right & rose,
        both_right & ~rose,
        both_wrong & rose,
        both_wrong & ~rose,
    )


def loss_change_groups(correct_a: npt.NDArray[np.bool_], correct_b: npt.NDArray[np.bool_],
                       loss_a: FloatArray, loss_b: FloatArray) -> tuple[LossChangeGroup, ...]:
    """Split ``mean(loss_b - loss_a)`` over the six groups of :data:`GROUPS`.

    "Confidence" here is the probability of the true class: it fell exactly
    when the example's loss rose. Examples whose loss did not change count as
    gaining (correct) or growing less confident (wrong); they contribute 0.
    """
    n = loss_a.shape[0]
    change = loss_b - loss_a
    masks = group_masks(correct_a, correct_b, change)
    return tuple(
        LossChangeGroup(name, description, int(np.count_nonzero(mask)),
                        float(change[mask].sum() / n) if n else 0.0)
        for (name, description), mask in zip(GROUPS, masks, strict=True)
    )


def compare_predictions(
    y: npt.NDArray[np.integer],
    proba_a: FloatArray,
    proba_b: FloatArray,
    *,
    threshold: float = 0.5,
    min_confidence: float = 0.9,
    top: int = 10,
    n_bins: int = 15,
    min_loss_delta: float = 0.0,
    min_accuracy_delta: float = 0.0,
    bootstrap: int = 0,
    seed: int | None = None,
    sample_points: int = 0,
) -> Comparison:
    """Compare two models' probabilities for the same examples with the same labels ``y``.

    ``loss_up_accuracy_up`` is true when log loss rose by more than
    ``min_loss_delta`` and accuracy rose by more than ``min_accuracy_delta``.
    """
    ev_a, ev_b = (evaluate_predictions(y, proba, threshold=threshold,
                                       min_confidence=min_confidence, top=top, n_bins=n_bins)
                  for proba in (proba_a, proba_b))
    p_true_a = true_class_probability(y, proba_a)
    p_true_b = true_class_probability(y, proba_b)
    loss_a, _ = log_loss_terms(p_true_a)
    loss_b, _ = log_loss_terms(p_true_b)
    pred_a, conf_a = decide(proba_a, threshold)
    pred_b, conf_b = decide(proba_b, threshold)
    correct_a, correct_b = pred_a == y, pred_b == y

    loss_delta = float(ev_b.metrics["log_loss"] or 0.0) - float(ev_a.metrics["log_loss"] or 0.0)
    accuracy_delta = (float(ev_b.metrics["accuracy"] or 0.0)
                      - float(ev_a.metrics["accuracy"] or 0.0))
    diff = loss_b - loss_a
    rising = np.flatnonzero(diff > 0)
    if rising.size > top:
        rising = rising[np.argpartition(-diff[rising], top - 1)[:top]] if top else rising[:0]
    rising = rising[np.lexsort((rising, -diff[rising]))]
    changes = tuple(
        ExampleChange(int(i), int(pred_a[i]), int(pred_b[i]), float(conf_a[i]), float(conf_b[i]),
                      float(p_true_a[i]), float(p_true_b[i]), float(loss_a[i]), float(loss_b[i]))
        for i in rising
    )
    log_loss_test = (paired_bootstrap(diff, bootstrap, seed) if bootstrap
                     else paired_t(diff))
    sample = np.zeros(0, dtype=np.int64)
    if sample_points:
        n = y.shape[0]
        sample = (np.arange(n) if n <= sample_points else np.sort(
            np.random.default_rng(0).choice(n, sample_points, replace=False)))
    group_of = np.zeros(sample.size, dtype=np.int64)
    for g, mask in enumerate(group_masks(correct_a[sample], correct_b[sample], diff[sample])):
        group_of[mask] = g
    return Comparison(
        a=ev_a,
        b=ev_b,
        loss_delta=loss_delta,
        accuracy_delta=accuracy_delta,
        loss_up_accuracy_up=loss_delta > min_loss_delta and accuracy_delta > min_accuracy_delta,
        groups=loss_change_groups(correct_a, correct_b, loss_a, loss_b),
        top=changes,
        mcnemar=mcnemar_exact(correct_a, correct_b),
        delong=delong_paired(y, proba_a, proba_b) if proba_a.ndim == 1 else None,
        log_loss_test=log_loss_test,
        sample=sample,
        sample_p_true_a=p_true_a[sample],
        sample_p_true_b=p_true_b[sample],
        sample_group=group_of,
    )
