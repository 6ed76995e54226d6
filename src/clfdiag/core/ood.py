"""Out-of-distribution detection from the model's own confidence.

ReLU networks are confident far from their training data (Hein, Andriushchenko &
Bitterwolf, "Why ReLU networks yield high-confidence predictions far away from
the training data and how to mitigate the problem", CVPR 2019). This module
measures how well each confidence score separates in-distribution (IN) examples
from out-of-distribution (OUT) ones, how many OUT examples are predicted with
high confidence, and what a confidence threshold chosen on IN data lets through.

Every score is oriented so that a higher value means "more in-distribution";
all separation metrics of one score and one OUT set come from one ranking.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from clfdiag.core.ranking import (
    BinaryRanking,
    Curve,
    average_precision,
    roc_auc,
    roc_curve,
    sample,
)
from clfdiag.core.score_ranking import first_reaching, rank_scores, reverse_ranking

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Direction = Literal["higher", "lower"]


@dataclass(frozen=True)
class ScoreSpec:
    """A confidence score: which values of the named quantity indicate IN data.

    ``direction`` refers to the quantity as usually defined (Shannon entropy,
    energy ``E(x) = -logsumexp(logits)``); the array returned by
    :func:`confidence_scores` is always oriented higher-is-IN (``-entropy``,
    ``-E(x)``).
    """

    key: str
    direction: Direction
    definition: str
    reference: str


SCORES: tuple[ScoreSpec, ...] = (
    ScoreSpec("max_softmax", "higher", "largest class probability",
              "Hendrycks & Gimpel, ICLR 2017"),
    ScoreSpec("margin", "higher", "largest minus second-largest class probability",
              "Scheffer et al., 2001 (margin sampling)"),
    ScoreSpec("entropy", "lower",
              "Shannon entropy -sum p ln p in nats (0 ln 0 = 0); ranked as -entropy",
              "Shannon, 1948"),
    ScoreSpec("max_logit", "higher", "largest raw logit",
              "Hendrycks et al., ICML 2022 (MaxLogit)"),
    ScoreSpec("energy", "lower",
              "energy E(x) = -logsumexp(logits) (temperature 1); ranked as logsumexp",
              "Liu, Wang, Owens & Li, NeurIPS 2020"),
)
SCORE_SPECS = {spec.key: spec for spec in SCORES}
TPR_LEVEL = 0.95


def as_class_matrix(values: FloatArray) -> FloatArray:
    """One column per class: a binary ``(n,)`` positive-class array becomes ``[1 - p, p]``.

    For binary logits ``z`` (the log-odds of the positive class) the columns are
    ``[0, z]``, whose softmax is ``[1 - sigmoid(z), sigmoid(z)]``.
    """
    values = np.asarray(values, dtype=np.float64)
    if values.ndim == 2:
        return values
    return np.column_stack((1.0 - values, values))


def binary_logits_matrix(logits: FloatArray) -> FloatArray:
    """Columns ``[0, z]`` for binary log-odds ``z``; matrices are returned unchanged."""
    logits = np.asarray(logits, dtype=np.float64)
    if logits.ndim == 2:
        return logits
    return np.column_stack((np.zeros_like(logits), logits))


def top_label(proba: FloatArray) -> tuple[IntArray, FloatArray]:
    """Predicted class and its probability (the confidence) for each example.

    Binary ``(n,)``: class 1 iff ``p >= 0.5``, as in
    :func:`~clfdiag.core.evaluation.evaluate_predictions`. Multiclass: the most
    probable class, the lowest index among ties (``numpy.argmax``).
    """
    proba = np.asarray(proba, dtype=np.float64)
    if proba.ndim == 1:
        positive = proba >= 0.5
        return positive.astype(np.int64), np.where(positive, proba, 1.0 - proba)
    predicted = proba.argmax(axis=1)
    return predicted.astype(np.int64), proba[np.arange(proba.shape[0]), predicted]


def negative_entropy(proba: FloatArray) -> FloatArray:
    """``sum_k p_k ln p_k`` per row, in float64, with ``0 ln 0 = 0`` and no epsilon.

    An epsilon inside the logarithm would merge the near-certain predictions
    that far-away inputs receive into ties, and change the ranking.
    """
    p = as_class_matrix(proba)
    logs = np.zeros_like(p)
    np.log(p, out=logs, where=p > 0)
    logs *= p
    return np.asarray(logs.sum(axis=1), dtype=np.float64)


def logsumexp(logits: FloatArray) -> FloatArray:
    """``ln sum_k exp(z_k)`` per row, shifted by the row maximum (``scipy.special.logsumexp``)."""
    z = binary_logits_matrix(logits)
    top = z.max(axis=1)
    shifted = np.exp(z - top[:, None])
    return np.asarray(top + np.log(shifted.sum(axis=1)), dtype=np.float64)


def confidence_scores(proba: FloatArray,
                      logits: FloatArray | None = None) -> dict[str, FloatArray]:
    """Every confidence score available from the inputs, oriented higher-is-IN.

    Parameters
    ----------
    proba : float64 array, ``(n,)`` binary positive-class or ``(n, K)``
        Predicted probabilities.
    logits : float64 array or None
        Raw logits, same shape; adds ``max_logit`` and ``energy``.

    Returns
    -------
    dict
        Keyed as :data:`SCORES`: ``max_softmax``, ``margin``, ``entropy``
        (the values are ``-entropy``) and, with logits, ``max_logit`` and
        ``energy`` (the values are ``logsumexp = -E(x)``).
    """
    p = as_class_matrix(proba)
    if p.shape[1] >= 2:
        two = -np.partition(-p, 1, axis=1)[:, :2]
        margin = two[:, 0] - two[:, 1]
    else:
        margin = p[:, 0].copy()
    scores: dict[str, FloatArray] = {
        "max_softmax": top_label(proba)[1],
        "margin": np.asarray(margin, dtype=np.float64),
        "entropy": negative_entropy(p),
    }
    if logits is not None:
        z = binary_logits_matrix(logits)
        scores["max_logit"] = np.asarray(z.max(axis=1), dtype=np.float64)
        scores["energy"] = logsumexp(z)
    return scores


@dataclass(frozen=True)
class ScoreSeparation:
    """How well one score separates IN from one OUT set (JSON ``out[].scores[]``).

    ``auroc`` is ``P(score_in > score_out)`` with ties counting one half.
    ``aupr_in`` is the average precision with IN positive and ``aupr_out`` with
    OUT positive (scored by ``-score``); both are step-wise like
    ``sklearn.metrics.average_precision_score`` (a trapezoidal AUPR, as OpenOOD
    computes with ``sklearn.metrics.auc``, differs). ``fpr_at_95_tpr`` follows
    Hendrycks & Gimpel (IN positive): the share of OUT examples scoring ``>= t``
    for the largest ``t`` that keeps at least 95% of IN examples.
    ``fpr_at_95_tpr_ood_positive`` follows OpenOOD v1.5 (OUT positive): the
    share of IN examples scoring ``<= t`` for the smallest ``t`` that flags at
    least 95% of OUT examples as ``score <= t``; OpenOOD reads it from
    ``sklearn.metrics.roc_curve`` with its default ``drop_intermediate=True``,
    which can skip the first qualifying point on a straight segment of the
    curve, here every threshold is used. ``detection_error`` is the lowest
    ``(1 - TPR + FPR) / 2`` over all thresholds (at most 0.5, the value of
    keeping everything), as in Liang, Li & Srikant (ODIN, ICLR 2018); it does not depend
    on which class is called positive. Each is ``None`` when IN or OUT is empty.
    """

    score: str
    direction: Direction
    auroc: float | None
    aupr_in: float | None
    aupr_out: float | None
    fpr_at_95_tpr: float | None
    fpr_at_95_tpr_ood_positive: float | None
    detection_error: float | None


def rank_in_vs_out(in_scores: FloatArray, out_scores: FloatArray) -> BinaryRanking:
    """One ranking of IN (positive) and OUT (negative) examples by score."""
    in_scores = np.asarray(in_scores, dtype=np.float64)
    out_scores = np.asarray(out_scores, dtype=np.float64)
    is_in = np.zeros(in_scores.shape[0] + out_scores.shape[0], dtype=np.int8)
    is_in[: in_scores.shape[0]] = 1
    return rank_scores(is_in, np.concatenate((in_scores, out_scores)))


def fpr_at_tpr(r: BinaryRanking, tpr: float) -> float | None:
    """Share of negatives scored ``>= t`` at the highest ``t`` where ``TPR >= tpr``."""
    i = first_reaching(r, tpr)
    if i is None or r.negatives == 0:
        return None
    return int(r.fps[i]) / r.negatives


def detection_error(r: BinaryRanking) -> float | None:
    """``min_t (1 - TPR(t) + FPR(t)) / 2`` over the distinct scores ``t``.

    The lowest score keeps everything (TPR = FPR = 1), so the value is at most
    0.5, the same as for a threshold above every score.
    """
    if r.positives == 0 or r.negatives == 0:
        return None
    errors = 0.5 * (1.0 - r.tps / r.positives + r.fps / r.negatives)
    return float(errors.min())


def separation(score: str, in_scores: FloatArray, out_scores: FloatArray) -> ScoreSeparation:
    """All separation metrics of one score between IN and one OUT set, from one sort.

    ``in_scores`` and ``out_scores`` are oriented higher-is-IN, as returned by
    :func:`confidence_scores`; ``score`` is a key of :data:`SCORE_SPECS`.
    """
    r = rank_in_vs_out(in_scores, out_scores)
    flipped = reverse_ranking(r)
    both = r.positives > 0 and r.negatives > 0
    return ScoreSeparation(
        score=score,
        direction=SCORE_SPECS[score].direction,
        auroc=roc_auc(r),
        aupr_in=average_precision(r) if both else None,
        aupr_out=average_precision(flipped) if both else None,
        fpr_at_95_tpr=fpr_at_tpr(r, TPR_LEVEL),
        fpr_at_95_tpr_ood_positive=fpr_at_tpr(flipped, TPR_LEVEL),
        detection_error=detection_error(r),
    )


@dataclass(frozen=True)
class ConfidentExample:
    """One OUT example: its row (0-based, in file order), predicted class and confidence."""

    row: int
    predicted: int
    confidence: float


@dataclass(frozen=True)
class Overconfident:
    """The "wrong and strong" view of one OUT set (JSON ``out[].overconfident``).

    ``share_out`` and ``share_in`` are the shares of OUT and IN examples whose
    confidence (largest class probability) is ``>= min_confidence``. ``top``
    lists the most confident OUT examples, confidence descending, then row
    ascending. ``most_assigned_class`` is the class OUT examples are most often
    predicted as (lowest index among ties), ``most_assigned_share`` its share of
    the OUT examples; both ``None`` when OUT is empty.
    """

    min_confidence: float
    share_out: float | None
    share_in: float | None
    top: tuple[ConfidentExample, ...]
    most_assigned_class: int | None
    most_assigned_share: float | None


def most_confident(confidence: FloatArray, limit: int) -> IntArray:
    """Indices of the ``limit`` largest confidences: value descending, then index ascending."""
    n = confidence.shape[0]
    if limit <= 0 or n == 0:
        return np.zeros(0, dtype=np.int64)
    if n > limit:
        cut = np.partition(confidence, n - limit)[n - limit]
        candidates = np.flatnonzero(confidence >= cut)
    else:
        candidates = np.arange(n)
    order = np.lexsort((candidates, -confidence[candidates]))[:limit]
    return np.asarray(candidates[order], dtype=np.int64)


def share_at_least(values: FloatArray, bound: float) -> float | None:
    """Share of ``values >= bound``; ``None`` for an empty array."""
    if values.shape[0] == 0:
        return None
    return int(np.count_nonzero(values >= bound)) / int(values.shape[0])


def overconfident(in_proba: FloatArray, out_proba: FloatArray, min_confidence: float = 0.9,
                  limit: int = 10) -> Overconfident:
    """Shares of IN and OUT predicted with confidence ``>= min_confidence``, and the top OUT.

    The number of classes is taken from ``out_proba`` (``(n,)`` binary or ``(n, K)``).
    """
    _, in_conf = top_label(in_proba)
    out_pred, out_conf = top_label(out_proba)
    rows = most_confident(out_conf, limit)
    top = tuple(ConfidentExample(int(i), int(out_pred[i]), float(out_conf[i])) for i in rows)
    n_out = out_conf.shape[0]
    assigned_class: int | None = None
    assigned_share: float | None = None
    if n_out:
        k = 2 if np.ndim(out_proba) == 1 else int(np.shape(out_proba)[1])
        counts = np.bincount(out_pred, minlength=k)
        assigned_class = int(counts.argmax())
        assigned_share = int(counts[assigned_class]) / n_out
    return Overconfident(min_confidence, share_at_least(out_conf, min_confidence),
                         share_at_least(in_conf, min_confidence), top,
                         assigned_class, assigned_share)


@dataclass(frozen=True)
class OperatingPoint:
    """A confidence threshold chosen on IN data (JSON ``out[].operating_point``).

    ``threshold`` is the largest confidence ``t`` such that the share of IN
    examples with confidence ``>= t`` is at least ``keep``; ``share_in`` is that
    share (``>= keep``; ties can push it above), ``share_out`` the share of OUT
    examples with confidence ``>= t`` (equal to ``fpr_at_95_tpr`` of
    ``max_softmax`` when ``keep`` is 0.95), and ``in_accuracy`` the accuracy of
    the IN examples kept. ``None`` values when IN is empty (and ``share_out``
    when OUT is empty).
    """

    keep: float
    threshold: float | None
    share_in: float | None
    share_out: float | None
    in_accuracy: float | None


def operating_point(in_confidence: FloatArray, in_correct: npt.NDArray[np.bool_],
                    out_confidence: FloatArray, keep: float = 0.95) -> OperatingPoint:
    """The threshold keeping ``keep`` of IN examples, what it lets through and how accurate.

    ``in_confidence`` and ``out_confidence`` are largest class probabilities;
    ``in_correct`` flags the IN examples whose predicted class is their label.
    """
    if not 0.0 < keep <= 1.0:
        raise ValueError(f"keep must be in (0, 1], got {keep}")
    in_confidence = np.asarray(in_confidence, dtype=np.float64)
    out_confidence = np.asarray(out_confidence, dtype=np.float64)
    r = rank_in_vs_out(in_confidence, out_confidence)
    i = first_reaching(r, keep)
    if i is None:
        return OperatingPoint(keep, None, None, None, None)
    threshold = float(r.thresholds[i])
    kept = in_confidence >= threshold
    n_kept = int(np.count_nonzero(kept))
    return OperatingPoint(
        keep=keep,
        threshold=threshold,
        share_in=int(r.tps[i]) / r.positives,
        share_out=int(r.fps[i]) / r.negatives if r.negatives else None,
        in_accuracy=int(np.count_nonzero(np.asarray(in_correct)[kept])) / n_kept,
    )


@dataclass(frozen=True)
class OutSetResult:
    """Everything measured for one OUT set against IN (JSON ``out[]``, without ``input``).

    ``scores`` follows the order of :data:`SCORES`, each score present when its
    input is (logits for ``max_logit`` and ``energy``).
    """

    scores: tuple[ScoreSeparation, ...]
    overconfident: Overconfident
    operating_point: OperatingPoint


def assess_out_set(in_proba: FloatArray, in_y: npt.NDArray[np.integer], out_proba: FloatArray,
                   *, in_logits: FloatArray | None = None, out_logits: FloatArray | None = None,
                   min_confidence: float = 0.9, keep: float = 0.95,
                   limit: int = 10) -> OutSetResult:
    """Separation per score, the overconfident OUT examples and the operating point.

    ``in_y`` holds the IN labels (0/1 for binary ``(n,)`` probabilities, column
    indices otherwise). Logits are used only when given for both IN and OUT.
    """
    if (in_logits is None) != (out_logits is None):
        raise ValueError("logits must be given for both IN and OUT, or for neither")
    in_scores = confidence_scores(in_proba, in_logits)
    out_scores = confidence_scores(out_proba, out_logits)
    separations = tuple(separation(spec.key, in_scores[spec.key], out_scores[spec.key])
                        for spec in SCORES if spec.key in in_scores)
    in_pred, in_conf = top_label(in_proba)
    return OutSetResult(
        scores=separations,
        overconfident=overconfident(in_proba, out_proba, min_confidence, limit),
        operating_point=operating_point(in_conf, in_pred == np.asarray(in_y),
                                        out_scores["max_softmax"], keep),
    )


def confidence_counts(confidence: FloatArray, bins: int = 20) -> IntArray:
    """Counts of confidences in ``bins`` equal-width bins of [0, 1], the last closed on the right.

    The same bins as ``numpy.histogram(confidence, bins, range=(0, 1))``.
    """
    counts, _ = np.histogram(np.asarray(confidence, dtype=np.float64), bins=bins, range=(0.0, 1.0))
    return np.asarray(counts, dtype=np.int64)


def in_vs_out_roc(in_scores: FloatArray, out_scores: FloatArray, points: int = 200) -> Curve:
    """ROC of IN (positive) against OUT (negative) at most ``points`` + 1 exact points.

    ``x`` is the share of OUT and ``y`` the share of IN examples scoring ``>= t``,
    from ``(0, 0)`` at ``t = +inf``, as ``sklearn.metrics.roc_curve`` with IN as
    the positive class (``drop_intermediate=False``, then thinned evenly).
    """
    return roc_curve(sample(rank_in_vs_out(in_scores, out_scores), points))
