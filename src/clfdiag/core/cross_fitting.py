"""Fit recalibration maps and judge them on rows they were not fitted on.

For each method, the map is fitted on K - 1 stratified folds and applied to
the held-out fold; the K held-out predictions together give the "after"
metrics (cross-fitting). The map fitted on all rows gives the reported
parameters and the "in sample" metrics, which are optimistic by construction:
a method that overfits (isotonic regression on a few hundred rows) looks better
in sample than after cross-fitting.

A method is estimable when every cross-fitted fit saw at least
:data:`MIN_ROWS_PER_PARAMETER` training rows per fitted parameter
(:func:`~clfdiag.core.recalibration.parameter_count`). The recommended method
is the estimable one with the lowest cross-fitted log loss, provided it lowers
the log loss of the input's probabilities; otherwise none is recommended.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from clfdiag.core.accumulators import ClassificationSums
from clfdiag.core.calibration import calibration_from_sums
from clfdiag.core.calibration_error import calibration_view
from clfdiag.core.calibration_tests import Decomposition, ScoreDecomposition, score_decomposition
from clfdiag.core.recalibration import (
    BINARY_METHODS,
    MULTICLASS_METHODS,
    Params,
    apply_mapping,
    fit_mapping,
    parameter_count,
)
from clfdiag.core.resampling import stratified_folds

FloatArray = npt.NDArray[np.float64]

MIN_ROWS_PER_PARAMETER = 10
"""Fewer training rows per fitted parameter than this make a map not estimable.

The classic rule of at least 10 events per parameter for logistic models
(Peduzzi et al. 1996, J. Clin. Epidemiol. 49:1373-1379), which Platt, beta,
temperature and vector scaling are; applied to the rows of each cross-fitted
fit, and to isotonic and histogram maps through their blocks and bins."""


@dataclass(frozen=True)
class CalibrationMetrics:
    """The metrics compared before and after recalibration.

    ``log_loss``, ``brier``, ``accuracy``, ``ece`` and ``mce`` (top-label, equal-width
    bins) and ``overconfident_errors`` (errors whose predicted-class probability is at
    least ``min_confidence``) are those of ``clfdiag evaluate``
    (:class:`~clfdiag.core.accumulators.ClassificationSums`); a binary prediction
    is positive iff p >= 0.5. ``ece_positive_class`` is the equal-width ECE of
    the predicted P(y = 1) (binary only, else ``None``).
    """

    log_loss: float | None
    brier: float | None
    accuracy: float | None
    ece: float | None
    ece_positive_class: float | None
    mce: float | None
    overconfident_errors: int


@dataclass(frozen=True)
class HeldOutDecomposition:
    """The CORP decomposition of the log loss and Brier score before and after a map.

    Each is :func:`fold_decomposition`: the decomposition on each held-out fold,
    averaged over the folds with their sizes as weights. Within a fold one map
    was applied, so a strictly increasing map (temperature, Platt with a positive
    slope) keeps each fold's order and its discrimination; a non-decreasing one
    (isotonic, histogram) can pool distinct scores and only lower it.
    """

    before: Decomposition
    after: Decomposition


@dataclass(frozen=True)
class MethodResult:
    """One method: parameters fitted on all rows and the metrics before, after and in sample.

    ``after`` is measured on the cross-fitted predictions, ``in_sample`` on the
    predictions of the map fitted on all rows. ``cross_fitted`` holds the
    cross-fitted probabilities (for reliability diagrams; not part of the JSON).
    ``rows_per_parameter`` is the fewest training rows per fitted parameter of
    any cross-fitted fit and ``parameters`` that fit's parameter count;
    ``reason`` says why the method is not estimable (``None`` when it is).
    """

    method: str
    params: Params
    before: CalibrationMetrics
    after: CalibrationMetrics
    in_sample: CalibrationMetrics
    cross_fitted: FloatArray = field(repr=False, compare=False)
    parameters: int = 0
    rows_per_parameter: float = math.inf
    reason: str | None = None
    decomposition: HeldOutDecomposition | None = None
    """Binary only: the decomposition before and after the map on the held-out folds."""

    @property
    def estimable(self) -> bool:
        """Whether every cross-fitted fit saw enough rows per parameter."""
        return self.reason is None


@dataclass(frozen=True)
class CalibrationResult:
    """Every method tried, the recommendation and the cross-fitting settings.

    ``recommended`` is the estimable method with the lowest cross-fitted log
    loss (the first one listed among ties) if that is below the input's log
    loss, else ``None`` with the reason in ``no_recommendation``; ``margin`` is
    how much lower its loss is than the runner-up's, the next estimable method
    (``None`` without one).
    """

    methods: tuple[MethodResult, ...]
    recommended: str | None
    margin: float | None
    folds: int
    seed: int | None
    n_bins: int
    min_confidence: float
    no_recommendation: str | None = None


def default_methods(proba: FloatArray) -> tuple[str, ...]:
    """The methods that apply to binary ``(n,)`` or multiclass ``(n, K)`` probabilities."""
    return BINARY_METHODS if proba.ndim == 1 else MULTICLASS_METHODS


def calibration_metrics(y: npt.NDArray[np.integer], proba: FloatArray, n_bins: int = 15,
                        min_confidence: float = 0.9) -> CalibrationMetrics:
    """:class:`CalibrationMetrics` of probabilities ``proba`` against labels ``y``."""
    k = 2 if proba.ndim == 1 else proba.shape[1]
    sums = ClassificationSums(k, 0.5, min_confidence, 0, n_bins)
    sums.update(y, proba)
    n = sums.n
    if n == 0:
        return CalibrationMetrics(None, None, None, None, None, None, 0)
    calibration = calibration_from_sums(np.linspace(0.0, 1.0, n_bins + 1), sums.bin_count,
                                        sums.bin_confidence, sums.bin_correct)
    positive_class = (calibration_view(y, proba, "positive_class", n_bins).ece
                      if proba.ndim == 1 else None)
    return CalibrationMetrics(
        log_loss=sums.loss_sum / n,
        brier=sums.brier_sum / n,
        accuracy=float(np.trace(sums.confusion)) / n,
        ece=calibration.ece,
        ece_positive_class=positive_class,
        mce=calibration.mce,
        overconfident_errors=sums.overconfident,
    )


def fold_decomposition(y: npt.NDArray[np.integer], p: FloatArray,
                       fold: npt.NDArray[np.integer]) -> Decomposition:
    """The CORP decomposition on each fold, averaged with the folds' sizes as weights.

    :func:`~clfdiag.core.calibration_tests.score_decomposition` of each fold's
    rows (Dimitriadis, Gneiting and Jordan 2021, PNAS 118). The score, each part
    and so ``score = miscalibration - discrimination + uncertainty`` are means
    over the folds; the score is the mean over all rows. One fold (all zeros)
    gives the decomposition of the whole. ``y`` is 0/1, ``p`` the positive
    class's probability.
    """
    totals = np.zeros(8)
    for k in np.unique(fold):
        rows = np.flatnonzero(fold == k)
        d = score_decomposition(y[rows], np.ascontiguousarray(p[rows]))
        assert d is not None  # a fold of np.unique(fold) has rows
        totals += rows.size * np.array([*_parts(d.log_loss), *_parts(d.brier)])
    mean = totals / y.shape[0]
    return Decomposition(ScoreDecomposition(*map(float, mean[:4])),
                         ScoreDecomposition(*map(float, mean[4:])))


def _parts(d: ScoreDecomposition) -> tuple[float, float, float, float]:
    return d.score, d.miscalibration, d.discrimination, d.uncertainty


def cross_fit_calibration(y: npt.NDArray[np.integer], proba: FloatArray,
                          methods: Sequence[str] | None = None, *, folds: int = 5,
                          seed: int | None = 0, n_bins: int = 15, min_confidence: float = 0.9,
                          platt_smoothing: bool = False,
                          logits: FloatArray | None = None) -> CalibrationResult:
    """Fit each method on all rows and cross-fitted on ``folds`` stratified folds.

    ``logits``, the raw values ``proba`` came from (binary ``(n,)``, multiclass
    ``(n, K)``), are what temperature scaling rescales when given.

    ``y`` holds 0/1 labels with ``(n,)`` positive-class probabilities, or class
    indices with an ``(n, K)`` matrix. Folds come from
    :func:`~clfdiag.core.resampling.stratified_folds` with ``seed``. Raises
    ``ValueError`` for a method that does not apply, fewer than two classes, or
    (binary) a class with fewer than ``folds`` examples, where some training
    folds would lack it. Each method's estimability is judged on its
    cross-fitted fits (:data:`MIN_ROWS_PER_PARAMETER`), and the recommendation
    made by :func:`recommend`.
    """
    chosen = tuple(dict.fromkeys(methods)) if methods else default_methods(proba)
    allowed = default_methods(proba)
    task = "binary" if proba.ndim == 1 else "multiclass"
    for method in chosen:
        if method not in allowed:
            raise ValueError(f"method {method!r} does not apply to {task} predictions; "
                             f"use {', '.join(allowed)}")
    _check_folds(y, proba, folds)
    fold = stratified_folds(y, folds, seed)
    before = calibration_metrics(y, proba, n_bins, min_confidence)
    full = {m: fit_mapping(m, y, proba, n_bins=n_bins, platt_smoothing=platt_smoothing,
                           logits=logits) for m in chosen}
    held_out = {m: np.empty_like(proba) for m in chosen}
    # Per method, the cross-fitted fit with the fewest rows per parameter: (rows, parameters).
    sparsest = dict.fromkeys(chosen, (1, 0))
    # One split per fold serves every method; the fit on all rows is each
    # fold's starting point.
    for k in range(folds):
        test = np.flatnonzero(fold == k)
        train = np.flatnonzero(fold != k)
        y_train, proba_train, proba_test = y[train], proba[train], proba[test]
        logits_train = None if logits is None else logits[train]
        logits_test = None if logits is None else logits[test]
        for m in chosen:
            fitted = fit_mapping(m, y_train, proba_train, n_bins=n_bins,
                                 platt_smoothing=platt_smoothing, start=full[m],
                                 logits=logits_train)
            held_out[m][test] = apply_mapping(fitted, proba_test, logits_test)
            count = parameter_count(fitted)
            rows, fewest = sparsest[m]
            # train.size / count < rows / fewest, without dividing by the initial 0.
            if train.size * fewest < rows * count:
                sparsest[m] = (train.size, count)
    # Binary: the CORP parts on the held-out folds, the input's computed once.
    corp_before = fold_decomposition(y, proba, fold) if proba.ndim == 1 else None
    results = [
        MethodResult(m, full[m], before,
                     after=calibration_metrics(y, held_out[m], n_bins, min_confidence),
                     in_sample=calibration_metrics(y, apply_mapping(full[m], proba, logits),
                                                   n_bins, min_confidence),
                     cross_fitted=held_out[m], parameters=sparsest[m][1],
                     rows_per_parameter=sparsest[m][0] / sparsest[m][1],
                     reason=_not_estimable(m, *sparsest[m]),
                     decomposition=None if corp_before is None else HeldOutDecomposition(
                         corp_before, fold_decomposition(y, held_out[m], fold)))
        for m in chosen]
    recommended, margin, why_none = recommend(results, _loss(before))
    return CalibrationResult(tuple(results), recommended, margin, folds, seed, n_bins,
                             min_confidence, why_none)


def recommend(results: Sequence[MethodResult],
              before: float) -> tuple[str | None, float | None, str | None]:
    """The recommended method, its margin over the runner-up, and why none is recommended.

    Only estimable methods compete; the best of them is recommended only if
    its cross-fitted log loss is below ``before``, the input's: a map that
    does not lower the held-out loss is no fix.
    """
    ranked = sorted((r for r in results if r.estimable), key=lambda r: _loss(r.after))
    if not ranked:
        most = max(results, key=lambda r: r.rows_per_parameter)
        return None, None, (f"no method is estimable: a cross-fitted fit needs at least "
                            f"{MIN_ROWS_PER_PARAMETER} training rows per parameter, and the "
                            f"most any method had is {most.rows_per_parameter:.1f} "
                            f"({most.method})")
    best = _loss(ranked[0].after)
    if not best < before:
        return None, None, (f"no estimable method lowers the cross-fitted log loss below the "
                            f"input's {before:.4f} (best: {ranked[0].method}, {best:.4f}); "
                            "keep the probabilities as they are")
    margin = _loss(ranked[1].after) - best if len(ranked) > 1 else None
    return ranked[0].method, margin, None


def _not_estimable(method: str, rows: int, parameters: int) -> str | None:
    if rows >= MIN_ROWS_PER_PARAMETER * parameters:
        return None
    what = {"isotonic": "isotonic block", "histogram": "bin"}.get(method, "parameter")
    return (f"a cross-fitted fit had {rows} training rows for {parameters} {what}"
            f"{'' if parameters == 1 else 's'}, "
            f"{rows / parameters:.1f} per parameter, fewer than the minimum of "
            f"{MIN_ROWS_PER_PARAMETER}")


def _loss(metrics: CalibrationMetrics) -> float:
    return math.inf if metrics.log_loss is None else metrics.log_loss


def _check_folds(y: npt.NDArray[np.integer], proba: FloatArray, folds: int) -> None:
    if folds < 2:
        raise ValueError(f"cross-fitting needs at least 2 folds, not {folds}")
    labels, counts = np.unique(y, return_counts=True)
    if labels.size < 2:
        raise ValueError("recalibration needs examples of at least two classes")
    if y.shape[0] < folds:
        raise ValueError(f"{y.shape[0]} examples cannot be split into {folds} folds")
    if proba.ndim == 1 and counts.min() < folds:
        rare = int(labels[counts.argmin()])
        raise ValueError(f"class {rare} has {int(counts.min())} examples; cross-fitting with "
                         f"{folds} folds needs at least {folds} of each class "
                         f"(use at most {max(int(counts.min()), 2)} folds)")
