"""Two sets of predictions on the same examples: what changed, whether it is real, and why.

The change in mean log loss is split over groups of examples by what happened to
each: whether it became correct or wrong, and whether the probability of its
true class rose or fell. The group contributions add up to the total change, so
the diagnosis of "loss and accuracy both went up" is arithmetic, not a guess.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import Enum

import numpy as np
import numpy.typing as npt

from clfdiag.core.calibration_tests import Decomposition, score_decomposition
from clfdiag.core.evaluation import Evaluation, evaluate_predictions
from clfdiag.core.losses import EPS, log_loss_terms, true_class_probability
from clfdiag.core.ordering import ascending_orders
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


class LossChangeGroup(Enum):
    """What happened to an example between A and B; its value is the JSON name.

    "Confidence" is the probability of the true class, so it falls exactly when
    the example's loss rises.
    """

    BECAME_CORRECT = "became_correct"
    BECAME_WRONG = "became_wrong"
    CORRECT_LOST_CONFIDENCE = "correct_lost_confidence"
    CORRECT_GAINED_CONFIDENCE = "correct_gained_confidence"
    WRONG_MORE_CONFIDENT = "wrong_more_confident"
    WRONG_LESS_CONFIDENT = "wrong_less_confident"

    @property
    def description(self) -> str:
        """A table's row label, e.g. ``stayed correct, lost confidence``."""
        return _DESCRIPTIONS[self][0]

    @property
    def phrase(self) -> str:
        """The words after "the N examples that", e.g. ``stayed correct but lost confidence``."""
        return _DESCRIPTIONS[self][1]


_DESCRIPTIONS = {
    LossChangeGroup.BECAME_CORRECT: ("became correct", "became correct"),
    LossChangeGroup.BECAME_WRONG: ("became wrong", "became wrong"),
    LossChangeGroup.CORRECT_LOST_CONFIDENCE: ("stayed correct, lost confidence",
                                              "stayed correct but lost confidence"),
    LossChangeGroup.CORRECT_GAINED_CONFIDENCE: ("stayed correct, gained confidence",
                                                "stayed correct and gained confidence"),
    LossChangeGroup.WRONG_MORE_CONFIDENT: (
        "stayed wrong, grew more confident (wrong and strong)",
        "stayed wrong and grew more confident"),
    LossChangeGroup.WRONG_LESS_CONFIDENT: ("stayed wrong, grew less confident",
                                           "stayed wrong and grew less confident"),
}


@dataclass(frozen=True)
class GroupChange:
    """The examples of one group and their summed share of the change in mean loss."""

    group: LossChangeGroup
    count: int
    loss_change: float

    @property
    def name(self) -> str:
        """The group's JSON name."""
        return self.group.value

    @property
    def description(self) -> str:
        """The group's row label."""
        return self.group.description


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
    groups: tuple[GroupChange, ...]
    top: tuple[ExampleChange, ...]
    mcnemar: McNemar | None
    delong: DeLongPaired | None
    log_loss_test: MeanDifference
    sample: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    """A random sample of examples (for a scatter plot), with their true-class
    probabilities in A and B and the index of their group in ``groups``."""
    sample_p_true_a: FloatArray = field(default_factory=lambda: np.zeros(0))
    sample_p_true_b: FloatArray = field(default_factory=lambda: np.zeros(0))
    sample_group: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    undefined: dict[str, str] = field(default_factory=dict)
    """Tests left out (``mcnemar``, ``delong``, ``log_loss``) and why: with sample weights."""
    loss_noise: float = 0.0
    """The float64 noise of ``loss_delta`` (:func:`log_loss_noise` of A plus B's): a change
    no larger is no change."""
    accuracy_noise: float = 0.0
    """The float64 noise of ``accuracy_delta`` (:func:`mean_noise` of A plus B's)."""
    decompositions: tuple[Decomposition | None, Decomposition | None] | None = None
    """Binary, when asked (``ComparisonSettings.decompose``): the CORP decomposition of A's
    and of B's scores (:func:`~clfdiag.core.calibration_tests.score_decomposition`)."""

    def loss_moved(self, change: float) -> bool:
        """Whether a change of the mean log loss (or a group's share of it) exceeds the noise."""
        return abs(change) > self.loss_noise

    def accuracy_moved(self) -> bool:
        """Whether accuracy changed by more than its noise."""
        return abs(self.accuracy_delta) > self.accuracy_noise


UNWEIGHTED_TESTS = {
    "mcnemar": "McNemar's test counts discordant examples; with sample weights there is no "
               "count of independent examples to test",
    "delong": "DeLong's test needs a number of independent examples, which sample weights do "
              "not give",
    "log_loss": "the paired t test and the bootstrap of the loss differences need a number of "
                "independent examples, which sample weights do not give; the weighted mean "
                "difference is reported without a test",
}


def mean_noise(n: int, mean_magnitude: float) -> float:
    """A bound on the rounding error of a float64 mean of ``n`` terms: ``n * eps * mean|term|``.

    Recursive summation errs by at most ``(n - 1) u sum|x_i|`` to first order,
    u = eps / 2 (Higham 2002, *Accuracy and Stability of Numerical Algorithms*,
    section 4.2); dividing by n, and a factor 2 to spare for the division and
    the terms' own rounding, gives ``n * eps * mean|x|`` (at most ``n * eps * M``
    for terms up to M in magnitude). NumPy's pairwise sums err far less.
    """
    return n * EPS * mean_magnitude


def rounding_sensitivity(p_true: FloatArray) -> FloatArray:
    """How far float64 rounding of each true-class probability q can move its ``-ln q``.

    A probability stored as a float64 up to 1 is known to within half a unit in
    the last place, at most eps / 2, and ``1 - p`` (binary) rounds by as much
    again, so q is known to within eps and ``-ln q`` to within ``eps / q`` (first
    order). A clipped term (q <= eps, as the log loss clips it) does not move: 0.
    """
    return np.where(p_true > EPS, EPS / np.maximum(p_true, EPS), 0.0)


def log_loss_noise(p_true: FloatArray, weights: FloatArray | None = None) -> float:
    """How far float64 rounding alone can move a mean log loss of true-class probabilities.

    Two sources: the probabilities' rounding, the (weighted) mean of
    :func:`rounding_sensitivity` (files that differ by it, one written with 17
    digits and one recomputed, differ by up to that much; it is large when a
    confident error leaves q tiny), and the mean's own rounding,
    :func:`mean_noise` of the clipped terms.
    """
    loss, _ = log_loss_terms(p_true)
    return _noise_of_terms(loss, rounding_sensitivity(p_true), weights)


def _noise_of_terms(loss: FloatArray, sensitivity: FloatArray,
                    weights: FloatArray | None) -> float:
    """:func:`log_loss_noise` from the loss terms and their :func:`rounding_sensitivity`."""
    n = loss.shape[0]
    if n == 0:
        return 0.0
    if weights is None:
        return float(sensitivity.mean()) + mean_noise(n, float(loss.mean()))
    total = float(weights.sum())
    if not total:
        return 0.0
    return (float(weights @ sensitivity) / total
            + mean_noise(n, float(weights @ loss) / total))


def decide(proba: FloatArray, threshold: float) -> tuple[IntArray, FloatArray]:
    """Predicted class and its probability: binary at ``threshold``, multiclass by argmax."""
    if proba.ndim == 1:
        predicted = (proba >= threshold).astype(np.int64)
        return predicted, np.where(predicted == 1, proba, 1.0 - proba)
    predicted = proba.argmax(axis=1).astype(np.int64)
    return predicted, proba[np.arange(proba.shape[0]), predicted]


def correct_decisions(y: npt.NDArray[np.integer], proba: FloatArray,
                      threshold: float) -> npt.NDArray[np.bool_]:
    """Whether the decision of :func:`decide` is the true class, without its arrays."""
    right: npt.NDArray[np.bool_] = (
        (proba >= threshold) == (y == 1) if proba.ndim == 1 else proba.argmax(axis=1) == y)
    return right


def group_masks(correct_a: npt.NDArray[np.bool_], correct_b: npt.NDArray[np.bool_],
                change: FloatArray) -> tuple[npt.NDArray[np.bool_], ...]:
    """Membership of each example in the groups of :class:`LossChangeGroup`, in that order."""
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
                       loss_a: FloatArray, loss_b: FloatArray,
                       weights: FloatArray | None = None) -> tuple[GroupChange, ...]:
    """Split ``mean(loss_b - loss_a)`` over the groups of :class:`LossChangeGroup`.

    "Confidence" here is the probability of the true class: it fell exactly
    when the example's loss rose. Examples whose loss did not change count as
    gaining (correct) or growing less confident (wrong); they contribute 0.
    With ``weights`` the mean is weighted (``sum(w * change) / sum(w)``) and the
    counts are of the examples of non-zero weight.
    """
    return _groups_of_change(correct_a, correct_b, loss_b - loss_a, weights)


def _groups_of_change(correct_a: npt.NDArray[np.bool_], correct_b: npt.NDArray[np.bool_],
                      change: FloatArray,
                      weights: FloatArray | None) -> tuple[GroupChange, ...]:
    """:func:`loss_change_groups` from the change of each example's loss."""
    n = change.shape[0]
    masks = group_masks(correct_a, correct_b, change)
    if weights is not None:
        total = float(weights.sum())
        used = weights > 0
        return tuple(
            GroupChange(group, int(np.count_nonzero(mask & used)),
                        float(weights[mask] @ change[mask]) / total if total else 0.0)
            for group, mask in zip(LossChangeGroup, masks, strict=True))
    return tuple(
        GroupChange(group, int(np.count_nonzero(mask)),
                    float(change[mask].sum() / n) if n else 0.0)
        for group, mask in zip(LossChangeGroup, masks, strict=True)
    )


@dataclass(frozen=True)
class ComparisonSettings:
    """How :func:`compare_predictions` decides, flags and tests.

    ``threshold`` is the binary decision (positive iff p >= threshold);
    ``min_confidence``, ``top`` and ``n_bins`` are each model's evaluation's
    (:func:`~clfdiag.core.evaluation.evaluate_predictions`), ``top`` also the number
    of examples whose loss rose most; ``min_loss_delta`` and ``min_accuracy_delta``
    the rises below which ``loss_up_accuracy_up`` is not raised; ``bootstrap``
    resamples (0: the paired t test) of the log-loss difference, seeded by ``seed``;
    ``sample_points`` examples sampled for a scatter plot (0: none); ``decompose``:
    also the CORP decomposition of each model's scores (binary).
    """

    threshold: float = 0.5
    min_confidence: float = 0.9
    top: int = 10
    n_bins: int = 15
    min_loss_delta: float = 0.0
    min_accuracy_delta: float = 0.0
    bootstrap: int = 0
    seed: int | None = None
    sample_points: int = 0
    decompose: bool = False


def compare_predictions(
    y: npt.NDArray[np.integer],
    proba_a: FloatArray,
    proba_b: FloatArray,
    settings: ComparisonSettings = ComparisonSettings(),
    *,
    weights: FloatArray | None = None,
) -> Comparison:
    """Compare two models' probabilities for the same examples with the same labels ``y``.

    ``loss_up_accuracy_up`` is true when log loss rose by more than
    ``settings.min_loss_delta`` and accuracy rose by more than ``settings.min_accuracy_delta``,
    each by more than its float64 noise (``loss_noise``, ``accuracy_noise``:
    :func:`log_loss_noise` and :func:`mean_noise` of A plus B's), so that
    files equal but for rounding never raise it. The rising losses listed in
    ``top`` rose by more than their own noise, ``eps / q`` of A plus B's and
    the rounding of each term.
    With sample ``weights`` every metric and the decomposition are weighted;
    McNemar's and DeLong's tests and the test of the loss difference are None,
    with the reasons in ``undefined``.
    """
    threshold, top = settings.threshold, settings.top
    if y.shape[0] == 0:
        # Log loss and accuracy are undefined (null) without examples; no delta is 0.
        raise ValueError("no examples to compare")
    # DeLong's test needs each model's order of the scores: sorted once, on both cores,
    # and the evaluations' rankings are read in it.
    orders = (ascending_orders(proba_a, proba_b) if proba_a.ndim == 1 and weights is None
              else None)
    (ev_a, distinct_a, decomposition_a), (ev_b, distinct_b, decomposition_b) = (
        _evaluation(y, proba, settings, weights, order)
        for proba, order in zip((proba_a, proba_b), orders or (None, None), strict=True))
    distinct = (distinct_a, distinct_b)
    decompositions = ((decomposition_a, decomposition_b)
                      if settings.decompose and proba_a.ndim == 1 else None)
    # DeLong's test first: its components need the most memory, before the per-example terms.
    delong = (delong_paired(y, proba_a, proba_b, distinct=distinct,
                            orders=(orders[0], orders[1])) if orders else None)
    del orders
    loss_a, correct_a, noise_a = _loss_terms(y, proba_a, threshold, weights)
    diff, correct_b, noise_b = _loss_terms(y, proba_b, threshold, weights)
    diff -= loss_a  # loss_b - loss_a, in loss_b's buffer
    del loss_a
    loss_delta = _defined(ev_b, "log_loss") - _defined(ev_a, "log_loss")
    accuracy_delta = _defined(ev_b, "accuracy") - _defined(ev_a, "accuracy")
    n = y.shape[0]
    loss_noise = noise_a + noise_b
    # Accuracy is a mean of n terms in [0, 1].
    accuracy_noise = 2 * mean_noise(n, 1.0)
    rising = _rising(y, proba_a, proba_b, diff, top, weights)
    changes = tuple(_example_change(int(i), y, proba_a, proba_b, threshold) for i in rising)
    if weights is not None:
        log_loss_test = MeanDifference(float(weights @ diff / weights.sum()), None, None,
                                       "weighted mean difference")
    else:
        log_loss_test = (paired_bootstrap(diff, settings.bootstrap, settings.seed)
                         if settings.bootstrap else paired_t(diff))
    sample = np.zeros(0, dtype=np.int64)
    if settings.sample_points:
        n = y.shape[0]
        sample = (np.arange(n) if n <= settings.sample_points else np.sort(
            np.random.default_rng(0).choice(n, settings.sample_points, replace=False)))
    group_of = np.zeros(sample.size, dtype=np.int64)
    for g, mask in enumerate(group_masks(correct_a[sample], correct_b[sample], diff[sample])):
        group_of[mask] = g
    sample_p_true_a = true_class_probability(y[sample], proba_a[sample])
    sample_p_true_b = true_class_probability(y[sample], proba_b[sample])
    return Comparison(
        a=ev_a,
        b=ev_b,
        loss_delta=loss_delta,
        accuracy_delta=accuracy_delta,
        loss_up_accuracy_up=(loss_delta > max(settings.min_loss_delta, loss_noise)
                             and accuracy_delta > max(settings.min_accuracy_delta,
                                                      accuracy_noise)),
        groups=_groups_of_change(correct_a, correct_b, diff, weights),
        top=changes,
        mcnemar=None if weights is not None else mcnemar_exact(correct_a, correct_b),
        delong=delong,
        log_loss_test=log_loss_test,
        sample=sample,
        sample_p_true_a=sample_p_true_a,
        sample_p_true_b=sample_p_true_b,
        sample_group=group_of,
        undefined=({k: v for k, v in UNWEIGHTED_TESTS.items()
                    if k != "delong" or proba_a.ndim == 1} if weights is not None else {}),
        loss_noise=loss_noise,
        accuracy_noise=accuracy_noise,
        decompositions=decompositions,
    )


def _evaluation(y: npt.NDArray[np.integer], proba: FloatArray, settings: ComparisonSettings,
                weights: FloatArray | None, order: npt.NDArray[np.int64] | None,
                ) -> tuple[Evaluation, bool, Decomposition | None]:
    """One model's evaluation; whether its scores are all distinct; their decomposition.

    ``order``: the scores' ascending order, when the caller holds it (binary,
    unweighted), in which the evaluation's ranking is read.

    The decomposition (binary, when ``settings.decompose``) derives from the
    evaluation's ranking and means. Nothing after needs the ranking (three arrays
    of up to n each): it is let go here, before the next model is ranked.
    """
    ev = evaluate_predictions(y, proba, threshold=settings.threshold,
                              min_confidence=settings.min_confidence, top=settings.top,
                              n_bins=settings.n_bins, weights=weights, details=False,
                              order=order)
    decomposition = None
    if settings.decompose and proba.ndim == 1:
        decomposition = score_decomposition(
            y, proba, weights, ev.positive_ranking,
            score_means=(_defined(ev, "log_loss"), _defined(ev, "brier")))
    return replace(ev, positive_ranking=None), _all_distinct(ev), decomposition


def _all_distinct(ev: Evaluation) -> bool:
    """Whether the evaluation's ranking has one group per example: every score distinct."""
    r = ev.positive_ranking
    return r is not None and r.thresholds.shape[0] == ev.n


def _loss_terms(y: npt.NDArray[np.integer], proba: FloatArray, threshold: float,
                weights: FloatArray | None) -> tuple[FloatArray, npt.NDArray[np.bool_], float]:
    """Each example's log loss and whether its decision is right; the loss's float64 noise.

    The true-class probabilities and their rounding sensitivities are dropped
    here: the few examples listed recompute theirs (:func:`_example_change`).
    """
    p_true = true_class_probability(y, proba)
    loss, _ = log_loss_terms(p_true)
    noise = _noise_of_terms(loss, rounding_sensitivity(p_true), weights)
    del p_true
    return loss, correct_decisions(y, proba, threshold), noise


def _own_noise(y: npt.NDArray[np.integer], proba_a: FloatArray, proba_b: FloatArray,
               index: IntArray) -> FloatArray:
    """The noise of the loss changes of the examples ``index``: their terms' rounding.

    Each term's sensitivity to the rounding of its probability
    (:func:`rounding_sensitivity`) and the rounding of the term itself.
    """
    p_a = true_class_probability(y[index], proba_a[index])
    p_b = true_class_probability(y[index], proba_b[index])
    return (rounding_sensitivity(p_a) + rounding_sensitivity(p_b)
            + EPS * (log_loss_terms(p_a)[0] + log_loss_terms(p_b)[0]))


def _rising(y: npt.NDArray[np.integer], proba_a: FloatArray, proba_b: FloatArray,
            diff: FloatArray, top: int, weights: FloatArray | None) -> IntArray:
    """The ``top`` examples whose loss rose most by more than its noise, largest first.

    Ties in the rise go by index. The noise (:func:`_own_noise`) is computed for
    the largest rises first (every example tied with the smallest of them
    included): when ``top`` of them rose by more than their noise, no other
    example can be listed before them; otherwise for every rise above 0.
    """
    if top == 0:
        return np.zeros(0, dtype=np.int64)
    up = diff > 0  # the noise is non-negative: a rise above it is above 0
    if weights is not None:
        up &= weights > 0
    candidates = np.flatnonzero(up)
    del up
    if candidates.size > 4 * top:
        largest = _largest_first(candidates, diff, 4 * top, keep_ties=True)
        risen = largest[diff[largest] > _own_noise(y, proba_a, proba_b, largest)]
        if risen.size >= top:
            return _largest_first(risen, diff, top)
    risen = candidates[diff[candidates] > _own_noise(y, proba_a, proba_b, candidates)]
    return _largest_first(risen, diff, top)


def _largest_first(index: IntArray, values: FloatArray, k: int,
                   keep_ties: bool = False) -> IntArray:
    """The ``k`` of ``index`` of largest ``values``, largest first, ties by index.

    ``keep_ties``: also every other one tied with the k-th largest (unsorted).
    """
    if index.size > k:
        chosen = values[index]
        kth = chosen[np.argpartition(-chosen, k - 1)[k - 1]]
        index = index[chosen >= kth]
        if keep_ties:
            return index
    return index[np.lexsort((index, -values[index]))][:k]


def _example_change(i: int, y: npt.NDArray[np.integer], proba_a: FloatArray,
                    proba_b: FloatArray, threshold: float) -> ExampleChange:
    """Both models' decision, confidence, true-class probability and loss of example ``i``."""
    one = slice(i, i + 1)
    pred_a, conf_a = decide(proba_a[one], threshold)
    pred_b, conf_b = decide(proba_b[one], threshold)
    p_a = true_class_probability(y[one], proba_a[one])
    p_b = true_class_probability(y[one], proba_b[one])
    loss_a, loss_b = log_loss_terms(p_a)[0], log_loss_terms(p_b)[0]
    return ExampleChange(i, int(pred_a[0]), int(pred_b[0]), float(conf_a[0]), float(conf_b[0]),
                         float(p_a[0]), float(p_b[0]), float(loss_a[0]), float(loss_b[0]))


def _defined(ev: Evaluation, key: str) -> float:
    value = ev.metrics[key]
    if value is None:
        raise ValueError(f"{key} is undefined: {ev.undefined.get(key, 'no examples')}")
    return float(value)


def significant_regressions(cmp: Comparison, alpha: float) -> tuple[str, ...]:
    """The metrics on which B is significantly worse than A at level ``alpha``.

    Accuracy by McNemar's exact test, ROC AUC by DeLong's test (binary), log
    loss by the paired t test or bootstrap; each only when B moved the worse way
    (the direction given by the metric catalogue) by more than the float64 noise
    of the change (accuracy and log loss; the AUC's is a count's, exact).
    """
    from clfdiag.core.catalogue import spec

    def worse(key: str, a: float, b: float) -> bool:
        return b > a if not spec(key).greater_is_better else b < a

    found = []
    if (cmp.mcnemar is not None and worse("accuracy", 0.0, cmp.accuracy_delta)
            and cmp.accuracy_moved() and cmp.mcnemar.p_value < alpha):
        found.append("accuracy")
    d = cmp.delong
    if (d is not None and d.p_value is not None and worse("roc_auc", d.auc_a, d.auc_b)
            and d.p_value < alpha):
        found.append("roc_auc")
    ll = cmp.log_loss_test
    if (ll.p_value is not None and worse("log_loss", 0.0, ll.mean_diff)
            and cmp.loss_moved(ll.mean_diff) and ll.p_value < alpha):
        found.append("log_loss")
    return tuple(found)
