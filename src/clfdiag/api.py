"""The Python API: each function returns the same dict as the command's ``--format json``."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from pathlib import PurePath
from typing import TYPE_CHECKING, Any, Literal

from clfdiag.errors import ClfdiagError
from clfdiag.input_checks import (
    decision_rule,
    decision_threshold,
    refuse_probabilities_among_logits,
    require_supported,
)
from clfdiag.io.histories import History
from clfdiag.io.multilabel import LabelThresholds, MultilabelOptions, MultilabelPredictions
from clfdiag.io.options import ReadOptions
from clfdiag.limits import check_bootstrap_draws, check_limits
from clfdiag.predictions import Predictions

if TYPE_CHECKING:
    from clfdiag.engines.fold import ProgressSink
    from clfdiag.engines.slices import SliceOptions
    from clfdiag.io.groups import GroupColumn
    from clfdiag.reports.calibrate import CalibrationReport
    from clfdiag.reports.evaluate import EvaluationReport
    from clfdiag.reports.label_issues import LabelIssuesReport
    from clfdiag.reports.threshold import ThresholdReport, ThresholdSettings
    from clfdiag.reports.trajectory import TrajectoryReport


def evaluate(
    preds: Predictions | MultilabelPredictions,
    *,
    threshold: float | str | None = None,
    min_confidence: float = 0.9,
    top: int = 10,
    bins: int = 15,
    slices: SliceOptions | None = None,
    group_values: list[Any] | None = None,
    bootstrap: int = 0,
    seed: int | None = None,
    target_risk: float | None = None,
    thresholds: LabelThresholds | None = None,
    zero_division: int | None = None,
    curves: bool = False,
    hl_groups: int = 10,
    hl_method: str = "quantile",
) -> EvaluationReport | dict[str, Any]:
    """Evaluate predictions; the same dict as ``--format json`` (docs/evaluate.md).

    ``threshold`` (binary only) decides the predicted class: a number (default
    0.5 for probabilities, none for real-valued scores) or a rule that chooses
    it (``youden``, ``f1``, ``cost:R``; reported as ``threshold_rule``).
    Hard predictions give the confusion-matrix metrics, every probability metric
    null; real-valued scores (``--scores``) the ranking metrics and, at a
    threshold, the confusion-matrix metrics. ``slices`` with ``group_values``
    (one array of group values per ``slices.by`` column, one value per example)
    adds the per-group results (``"slices"``). ``bootstrap`` resamples (seeded
    by ``seed``) give the top-label ECE an interval. ``target_risk``: the selective
    risk for ``selective.coverage_at_risk`` (default: half the error rate).

    Multi-label predictions (``task: "multilabel"``, docs/multilabel.md) take
    ``threshold`` (a number, for every label) or ``thresholds`` (one per label:
    by name, or a list in label order) and ``zero_division`` (0 or 1, default 0);
    ``curves`` adds each label's curves and reliability bins (for the figures).
    ``hl_groups`` and ``hl_method`` (``quantile`` or ``equal-count``) group the
    Hosmer-Lemeshow test of ``calibration_tests``.
    """
    from dataclasses import replace

    from clfdiag.engines.memory import evaluate_in_memory, evaluate_scores_in_memory
    from clfdiag.reports.evaluate import evaluate_report

    check_limits(top=top, bins=bins)
    if isinstance(preds, MultilabelPredictions):
        refuse_single_label_settings(slices=slices is not None, bootstrap=bootstrap > 0,
                                     target_risk=target_risk is not None)
        return _evaluate_multilabel(preds, threshold, thresholds, zero_division,
                                    min_confidence=min_confidence, top=top, bins=bins,
                                    curves=curves)
    refuse_multilabel_settings(thresholds=thresholds is not None,
                               zero_division=zero_division is not None)
    # Real-valued scores are evaluated unweighted: they are refused with a weight column.
    require_supported(preds, "evaluate", scores=True, weights=preds.score_kind != "scores")
    if slices is not None:
        from clfdiag.engines.slices import check_slice_options

        check_slice_options(slices, preds.task, preds.score_kind, preds.weights)
    hard = preds.score_kind == "hard"
    cut, rule = decision_rule(preds, threshold)
    decision = 0.5 if cut is None else cut
    # Before the evaluation: its arrays (a few of n) are then freed before the scores are
    # ranked, instead of adding to the ranking's at the peak.
    likely_label_issues = _likely_label_issues(preds, decision, min_confidence)
    if preds.score_kind == "scores":
        run = evaluate_scores_in_memory(preds, threshold=cut, bins=bins)
    else:
        run = evaluate_in_memory(preds, threshold=decision,
                                 min_confidence=min_confidence, top=0 if hard else top,
                                 bins=bins, target_risk=target_risk,
                                 calibration_tests=None if hard
                                 else _calibration_test_settings(hl_groups, hl_method))
    notes = []
    if preds.logits is not None and isinstance(threshold, (int, float)):
        notes.append(f"--threshold {threshold:g} applies to the probability (the sigmoid or "
                     "softmax of the logits), not to the logit itself")
    if slices is not None:
        from clfdiag.engines.result import Slices
        from clfdiag.engines.slices import fairness_in_memory, slices_in_memory

        if group_values is None or len(group_values) != len(slices.by):
            raise ValueError("give one array of group values per --by column")
        run = replace(run, slices=Slices(
            slices, tuple(slices_in_memory(preds, group_values, slices, cut, bins)),
            fairness_in_memory(preds, group_values, slices, decision)))
    tests: Any = None
    if preds.score_kind not in ("hard", "scores"):
        tests = (run.evaluation.class_calibration_tests if preds.proba.ndim == 2
                 else run.evaluation.calibration_tests)
    return evaluate_report(run, bins=bins, threshold_rule=rule, notes=notes, arrays=preds,
                           bootstrap=bootstrap, seed=seed, calibration_tests=tests,
                           likely_label_issues=likely_label_issues)


def _likely_label_issues(preds: Predictions, threshold: float,
                         min_confidence: float) -> int | None:
    """How many overconfident errors ``label-issues`` flags; None where it does not apply.

    Only for unweighted probabilities: confident learning needs a probability
    per class, and weighs every example alike.
    """
    if preds.score_kind != "probability" or preds.weights is not None:
        return None
    from clfdiag.core.label_quality import issues_among
    from clfdiag.core.overconfidence import confident_errors

    return issues_among(preds.y, preds.proba, confident_errors(
        preds.y, preds.proba, threshold=threshold, min_confidence=min_confidence))


def _calibration_test_settings(hl_groups: int, hl_method: str) -> Any:
    """The checked ``--hl-groups`` and ``--hl-method`` as calibration test settings."""
    from clfdiag.core.calibration_tests import HL_METHODS, CalibrationTestSettings

    check_hl_options(hl_groups, hl_method)
    return CalibrationTestSettings(hl_groups, next(m for m in HL_METHODS if m == hl_method))


def check_hl_options(hl_groups: int, hl_method: str) -> None:
    """``--hl-groups`` at least 3 (df = g - 2) and ``--hl-method`` one of the two groupings."""
    from clfdiag.errors import ClfdiagError

    if hl_groups < 3:
        raise ClfdiagError(f"--hl-groups {hl_groups}: the Hosmer-Lemeshow test needs at "
                           "least 3 groups (its df is groups - 2)", "pass --hl-groups 3 or more")
    if hl_method not in ("quantile", "equal-count"):
        raise ClfdiagError(f"--hl-method {hl_method!r} is not a grouping",
                           "pass --hl-method quantile or --hl-method equal-count")


def _evaluate_multilabel(preds: MultilabelPredictions, threshold: float | str | None,
                         thresholds: LabelThresholds | None, zero_division: int | None, *,
                         min_confidence: float, top: int, bins: int,
                         curves: bool) -> dict[str, Any]:
    """``evaluate`` of multi-label predictions."""
    from clfdiag.core.multilabel import evaluate_multilabel, label_curves
    from clfdiag.reports.multilabel import multilabel_evaluation_report

    cuts = multilabel_thresholds(preds, threshold, thresholds)
    ev = evaluate_multilabel(preds.y, preds.proba, cuts, zero_division=_zero_division(
        zero_division), n_bins=bins, min_confidence=min_confidence, top=top)
    return multilabel_evaluation_report(
        preds, ev, curves=label_curves(preds.y, preds.proba, bins) if curves else None)


def multilabel_thresholds(preds: MultilabelPredictions, threshold: float | str | None,
                          thresholds: LabelThresholds | None) -> tuple[float, ...]:
    """Each label's threshold: ``--threshold`` for all, ``--thresholds`` per label, or 0.5."""
    from clfdiag.errors import ClfdiagError
    from clfdiag.io.multilabel import label_threshold_values

    n = len(preds.labels)
    if threshold is not None and thresholds is not None:
        raise ClfdiagError("--threshold and --thresholds cannot be combined",
                           "give one threshold for every label, or one per label")
    if thresholds is not None:
        return label_threshold_values(thresholds, preds.labels, "--thresholds")
    if threshold is None:
        return (0.5,) * n
    value = _number_or_rule(threshold)
    if isinstance(value, str) or not 0.0 <= value <= 1.0:
        raise ClfdiagError(f"--threshold {threshold}: a multi-label file takes a number in "
                           "[0, 1] (a label is predicted when p >= it)",
                           "pass --threshold 0.5, or --thresholds FILE for one per label")
    return (float(value),) * n


def _zero_division(value: int | None) -> Literal[0, 1]:
    from clfdiag.errors import ClfdiagError

    if value is None or value == 0:
        return 0
    if value == 1:
        return 1
    raise ClfdiagError(f"--zero-division {value}: expected 0 or 1",
                       "the value a precision, recall, F1 or Jaccard of 0/0 takes")


def refuse_single_label_settings(**given: bool) -> None:
    """Refuse, naming the flag, the settings multi-label predictions do not take."""
    from clfdiag.errors import ClfdiagError

    flags = {"slices": "--by", "bootstrap": "--bootstrap", "target_risk": "--target-risk",
             "streaming": "--streaming", "dask": "--engine dask",
             "labels_file": "--labels", "label_col": "--label-col", "pred_col": "--pred-col",
             "weight_col": "--weight-col", "positive": "--positive",
             "renormalize": "--renormalize", "percent": "--percent", "scores": "--scores",
             "drop_invalid": "--drop-invalid"}
    for key, on in given.items():
        if on:
            raise ClfdiagError(f"{flags[key]} does not apply to multi-label predictions",
                               f"leave out {flags[key]}"
                               + (": multi-label files are evaluated in memory"
                                  if key in ("streaming", "dask") else ""))


def refuse_multilabel_settings(**given: bool) -> None:
    """Refuse, naming the flag, the multi-label settings given for single-label predictions."""
    from clfdiag.errors import ClfdiagError

    flags = {"thresholds": "--thresholds", "zero_division": "--zero-division"}
    for key, on in given.items():
        if on:
            raise ClfdiagError(f"{flags[key]} applies to multi-label predictions only",
                               "leave it out, or pass --multilabel if the file is multi-label")


def _single_label_options(options: ReadOptions | None) -> dict[str, bool]:
    """Which single-label reading flags ``options`` holds (for the multi-label refusal)."""
    if options is None:
        return {}
    return {"labels_file": options.labels_file is not None,
            "label_col": options.label_col is not None,
            "pred_col": options.pred_col is not None,
            "weight_col": options.weight_col is not None,
            "positive": options.positive is not None, "renormalize": options.renormalize,
            "percent": options.percent, "scores": options.scores,
            "drop_invalid": options.drop_invalid}


def read_either(path: str, options: ReadOptions | None = None,
                multilabel: MultilabelOptions | None = None
                ) -> Predictions | MultilabelPredictions:
    """Read single-label or multi-label predictions, as the file and the options say.

    ``multilabel`` (``--multilabel``, ``--label-cols``, ``--label-list``) reads the
    file as multi-label; without it, a file of one of the three multi-label shapes
    is read as multi-label and anything else as single-label.
    """
    from clfdiag.io import read_predictions
    from clfdiag.io.multilabel import MultilabelFile, read_multilabel

    if multilabel is not None:
        refuse_single_label_settings(**_single_label_options(options))
        return read_multilabel(path, multilabel)
    try:
        return read_predictions(path, options)
    except MultilabelFile as found:
        return found.predictions


def compare(
    a: Predictions | MultilabelPredictions,
    b: Predictions | MultilabelPredictions,
    *more: Predictions,
    names: Sequence[str] | None = None,
    correction: str = "holm",
    allow_partial: bool = False,
    threshold: float | None = None,
    min_confidence: float = 0.9,
    top: int = 10,
    bins: int = 15,
    min_loss_delta: float = 0.0,
    min_accuracy_delta: float = 0.0,
    alpha: float = 0.05,
    bootstrap: int = 0,
    seed: int | None = None,
    sample_points: int = 0,
    metric: str | None = None,
    zero_division: int | None = None,
    by: Sequence[str] | None = None,
    group_values: Sequence[Any] | None = None,
    fairness_reference: str = "between_groups",
    fairness_agg: str = "worst_case",
    fairness_bootstrap: int = 1000,
) -> dict[str, Any]:
    """Compare models on the same examples; the same dict as ``compare --format json``.

    Two models: A against B (docs/compare.md); ``sample_points`` adds a random
    sample of that many examples (for plots). Three or more (``more``): every
    model paired to the first, the pairwise tests adjusted by ``correction``
    (``holm``, ``bonferroni`` or ``none``) and the best model by mean log loss
    with those not significantly worse at ``alpha``; models are named by
    ``names`` (one per file, distinct) or their files' stems.
    ``metric`` (better when higher; default accuracy) takes accuracy's place in
    ``loss_up_accuracy_up``. Multi-label predictions take ``metric`` (the accuracy
    of the flag: ``subset_accuracy``, ``label_accuracy`` or ``f1_micro``) and
    ``zero_division``.
    Two binary models with ``by`` (``--by`` column names) and ``group_values`` (one
    array per column, one value per example of ``a``) add ``fairness_change``: each
    disparity under A and B, B - A, and a paired bootstrap interval of
    ``fairness_bootstrap`` resamples seeded by ``seed``.
    """
    from clfdiag.core.comparison import ComparisonSettings, compare_predictions
    from clfdiag.pairing import pair_predictions, row_pairing_note
    from clfdiag.reports.compare import compare_report

    check_limits(top=top, bins=bins, bootstrap=bootstrap, sample_points=sample_points)
    if by:
        _check_fairness_change(a, by, group_values, more, fairness_bootstrap)
    if isinstance(a, MultilabelPredictions) or isinstance(b, MultilabelPredictions):
        if more:
            raise ClfdiagError("compare of three or more files reads single-label predictions",
                               "compare multi-label files two at a time")
        return _compare_multilabel(
            a, b, allow_partial=allow_partial, threshold=threshold,
            min_confidence=min_confidence, top=top, bins=bins, min_loss_delta=min_loss_delta,
            min_accuracy_delta=min_accuracy_delta, alpha=alpha, bootstrap=bootstrap, seed=seed,
            metric=metric, zero_division=zero_division)
    refuse_multilabel_settings(zero_division=zero_division is not None)
    refuse_probabilities_among_logits((a, b, *more))
    metric = metric or "accuracy"
    check_correction(correction)
    if more:
        return _compare_many(
            (a, b, *more), names=names, correction=correction, allow_partial=allow_partial,
            threshold=threshold, min_confidence=min_confidence, bins=bins, alpha=alpha,
            bootstrap=bootstrap, seed=seed)
    if names is not None:
        raise ClfdiagError("--name names the models of three or more files; two files are "
                           "A and B", "leave out --name")
    scanned_metric(metric)
    require_supported(a, "compare", hard=False, scores=True,
                      weights=a.score_kind != "scores")
    require_supported(b, "compare", hard=False, scores=True,
                      weights=b.score_kind != "scores")
    if a.score_kind == "scores":
        return _compare_scores(a, b, allow_partial=allow_partial, threshold=threshold,
                               bins=bins, alpha=alpha)
    cut, _ = decision_rule(a, threshold)
    assert cut is not None
    paired = pair_predictions(a, b, allow_partial)
    check_bootstrap_draws(bootstrap, paired.y.shape[0])
    settings = ComparisonSettings(
        threshold=cut, min_confidence=min_confidence, top=top, n_bins=bins,
        min_loss_delta=min_loss_delta, min_accuracy_delta=min_accuracy_delta,
        bootstrap=bootstrap, seed=seed, sample_points=sample_points, decompose=True)
    cmp = compare_predictions(paired.y, paired.proba_a, paired.proba_b, settings,
                              weights=paired.weights)
    metric_scan = None
    if metric != "accuracy":
        from clfdiag.core.trajectory import scan

        # The loss must rise by more than its float64 noise (A's plus B's), as with accuracy.
        metric_scan = scan([cmp.a.metrics["log_loss"], cmp.b.metrics["log_loss"]],
                           [cmp.a.metrics.get(metric), cmp.b.metrics.get(metric)],
                           min_loss_delta=min_loss_delta, min_accuracy_delta=min_accuracy_delta,
                           loss_noise=[0.0, cmp.loss_noise])
    # How each file was read (a column read as the other class's complement, say).
    notes = [f"{p.source.path}: {n}" for p in (a, b) for n in p.source.notes]
    notes += _inverted_score_notes((a, b), (cmp.a, cmp.b))
    if note := row_pairing_note(paired, a, b):
        notes.append(note)
    change, slope_b = _decomposition_change(paired, cmp.loss_up_accuracy_up, cmp.decompositions)
    fairness_change = None
    if by and group_values is not None:
        fairness_change, fairness_notes = _fairness_change(
            paired, cut, group_values, reference=fairness_reference, aggregation=fairness_agg,
            resamples=fairness_bootstrap, seed=seed)
        notes += fairness_notes
    return compare_report(a, b, paired, cmp, threshold=cut, min_loss_delta=min_loss_delta,
                          min_accuracy_delta=min_accuracy_delta, alpha=alpha,
                          notes=notes, metric=metric, metric_scan=metric_scan,
                          decomposition_change=change, slope_b=slope_b,
                          by=tuple(by or ()), fairness_change=fairness_change)


def _check_fairness_change(a: Predictions | MultilabelPredictions, by: Sequence[str],
                           group_values: Sequence[Any] | None, more: Sequence[Predictions],
                           resamples: int) -> None:
    """Refuse a ``--by`` comparison the inputs cannot support, before any work."""
    from clfdiag.limits import MAX_BOOTSTRAP

    if more:
        raise ClfdiagError("--by compares the disparities of two files, but three or more "
                           "were given", "leave out --by, or compare two of the files")
    if isinstance(a, MultilabelPredictions):
        raise ClfdiagError("--by compares single-label predictions, not multi-label ones",
                           "leave out --by")
    if a.score_kind == "scores":
        raise ClfdiagError("--by needs probabilities, not --scores", "leave out --scores or --by")
    if group_values is None or len(group_values) != len(by) or any(
            len(values) != len(a) for values in group_values):
        raise ClfdiagError(f"--by {', '.join(by)}: give one array of group values per column, "
                           f"one value per example of A ({len(a)})")
    if not 0 <= resamples <= MAX_BOOTSTRAP:
        raise ClfdiagError(f"--fairness-bootstrap {resamples} is outside the allowed range, "
                           f"0 to {MAX_BOOTSTRAP:,}")


def _inverted_score_notes(files: Sequence[Predictions], evaluations: Sequence[Any]) -> list[str]:
    """Each binary file's ROC AUC below 0.5, as ``evaluate`` notes it.

    ``--positive`` turns every file compared, so it is named only when every file's
    AUC is below 0.5: turning one file's reading would turn the others' too.
    """
    from clfdiag.reports.evaluate import inverted_score_note

    aucs = [ev.metrics.get("roc_auc") for ev in evaluations]
    every = all(auc is not None and auc < 0.5 for auc in aucs)
    return [f"{p.source.path}: {note}" for p, auc in zip(files, aucs, strict=True)
            for note in inverted_score_note(p.task, auc, p.source.probability_columns,
                                            p.classes, p.source.named_class, flag=every)]


def _fairness_change(paired: Any, cut: float, group_values: Sequence[Any], *, reference: str,
                     aggregation: str, resamples: int, seed: int | None
                     ) -> tuple[Any, list[str]]:
    """The disparities' change B - A on the paired examples, and the notes that go with it.

    The decision is the comparison's: positive iff p(positive) >= ``cut``. The
    group values are A's, taken for the paired examples.
    """
    import numpy as np

    from clfdiag.core.fairness import audit_change_in_memory
    from clfdiag.engines.slices import fairness_choice
    from clfdiag.limits import check_fairness_draws

    reference = fairness_choice("--fairness-reference", reference)
    aggregation = fairness_choice("--fairness-agg", aggregation)
    if paired.proba_a.ndim != 1:
        return None, ["--by: the disparities are defined for binary predictions, so a "
                      "multiclass comparison has no fairness_change"]
    notes = []
    if paired.weights is not None:
        notes.append("--by with weights: the disparities and their changes are weighted")

    def check_groups(groups: int) -> None:
        # Before any resample is drawn: the bootstrap's counts (16 cells a group, the joint
        # cells of two models' decisions), then its rows, must fit.
        check_fairness_draws(resamples, groups, cells=16)
        if paired.weights is not None:
            check_bootstrap_draws(resamples, len(paired))

    changes = audit_change_in_memory(
        paired.y == 1, paired.proba_a >= cut, paired.proba_b >= cut,
        [np.asarray(values, dtype=object)[paired.index_a] for values in group_values],
        paired.weights, reference=reference, aggregation=aggregation, resamples=resamples,
        seed=0 if seed is None else seed, check_groups=check_groups)
    return changes, notes


def _both_multilabel(runs: Sequence[Predictions | MultilabelPredictions]
                     ) -> list[MultilabelPredictions]:
    """The runs, when every one is multi-label; refused when only some are."""
    from clfdiag.errors import ClfdiagError

    multi = [r for r in runs if isinstance(r, MultilabelPredictions)]
    if len(multi) != len(runs):
        single = next(r for r in runs if not isinstance(r, MultilabelPredictions))
        raise ClfdiagError(f"{multi[0].source.path} holds multi-label predictions and "
                           f"{single.source.path} single-label ones",
                           "compare predictions of the same task")
    return multi


def _accuracy_metric(metric: str | None) -> str:
    from clfdiag.core.multilabel import ACCURACY_METRICS
    from clfdiag.errors import ClfdiagError

    chosen = metric or "subset_accuracy"
    if chosen not in ACCURACY_METRICS:
        raise ClfdiagError(f"--metric {chosen}: not an accuracy of multi-label predictions",
                           f"use one of: {', '.join(ACCURACY_METRICS)}")
    return chosen


def _compare_multilabel(a: Predictions | MultilabelPredictions,
                        b: Predictions | MultilabelPredictions, *, allow_partial: bool,
                        threshold: float | None, min_confidence: float, top: int, bins: int,
                        min_loss_delta: float, min_accuracy_delta: float, alpha: float,
                        bootstrap: int, seed: int | None, metric: str | None,
                        zero_division: int | None) -> dict[str, Any]:
    """``compare`` of two multi-label predictions of the same examples and labels."""
    from clfdiag.core.multilabel import compare_multilabel, evaluate_multilabel
    from clfdiag.errors import ClfdiagError
    from clfdiag.io.multilabel import pair_multilabel
    from clfdiag.reports.multilabel import multilabel_comparison_report

    ml_a, ml_b = _both_multilabel([a, b])
    accuracy = _accuracy_metric(metric)
    paired = pair_multilabel(ml_a, ml_b)
    if (paired.only_in_a or paired.only_in_b) and not allow_partial:
        raise ClfdiagError(
            f"{ml_a.source.path} and {ml_b.source.path} do not hold the same examples: "
            f"{paired.only_in_a} ids only in A, {paired.only_in_b} only in B",
            "pass --allow-partial to compare the examples both hold")
    check_bootstrap_draws(bootstrap, paired.y.shape[0])
    cuts, zd = multilabel_thresholds(ml_a, threshold, None), _zero_division(zero_division)
    ev_a, ev_b = (evaluate_multilabel(paired.y, p, cuts, zero_division=zd, n_bins=bins,
                                      min_confidence=min_confidence, top=top)
                  for p in (paired.proba_a, paired.proba_b))
    cmp = compare_multilabel(ev_a, ev_b, paired.y, paired.proba_a, paired.proba_b,
                             accuracy_metric=accuracy, min_loss_delta=min_loss_delta,
                             min_accuracy_delta=min_accuracy_delta, bootstrap=bootstrap,
                             seed=seed)
    return multilabel_comparison_report(ml_a, ml_b, cmp, pairing=paired.pairing_json(),
                                        min_loss_delta=min_loss_delta,
                                        min_accuracy_delta=min_accuracy_delta, alpha=alpha)


def _compare_many(preds: tuple[Predictions, ...], *, names: Sequence[str] | None,
                  correction: str, allow_partial: bool, threshold: float | None,
                  min_confidence: float, bins: int, alpha: float, bootstrap: int,
                  seed: int | None) -> dict[str, Any]:
    """``compare`` of three or more files: every file paired to the first, then every pair."""
    from clfdiag.core.model_comparison import compare_models
    from clfdiag.pairing import common_examples, pair_predictions
    from clfdiag.reports.compare_many import compare_many_report

    model_names = name_models([p.source.path for p in preds], names)
    check_alpha(alpha)
    for p in preds:
        _require_probabilities(p)
    common = common_examples(list(preds), allow_partial)
    first = common.runs[0]
    # The runs hold the same examples in the first file's order; pairing again puts every
    # file's probability columns in the first file's class order.
    probas = [first.proba] + [pair_predictions(first, run).proba_b for run in common.runs[1:]]
    cut, _ = decision_rule(first, threshold)
    assert cut is not None
    check_bootstrap_draws(bootstrap, len(first))
    result = compare_models(first.y, probas, threshold=cut,
                            correction=correction,  # type: ignore[arg-type]
                            alpha=alpha, bootstrap=bootstrap, seed=seed,
                            min_confidence=min_confidence, n_bins=bins)
    pairing = {"by": common.by, "n": len(first), "left_out": dict(common.left_out)}
    return compare_many_report(preds, model_names, pairing, result, threshold=cut,
                               classes=first.classes)


def _require_probabilities(preds: Predictions) -> None:
    """Three or more files are compared on probabilities, unweighted."""
    name = preds.source.path
    if preds.score_kind == "scores":
        raise ClfdiagError(f"{name}: --scores: compare of three or more files needs "
                           "probabilities (it tests per-example log loss)",
                           "compare real-valued scores two files at a time, or pass --logits "
                           "if they are logits")
    require_supported(preds, "compare", hard=False)
    if preds.weights is not None:
        raise ClfdiagError(f"{name}: compare of three or more files does not weigh its results "
                           f"by sample weights (column {preds.source.weight_column!r})",
                           "leave out --weight-col")


TABLE_SUFFIXES = (".gz", ".bz2", ".xz", ".zst", ".zstd", ".csv", ".tsv", ".txt", ".jsonl",
                  ".ndjson", ".json", ".parquet", ".pq", ".arrow", ".feather", ".ipc")


def name_models(paths: Sequence[str], names: Sequence[str] | None) -> list[str]:
    """The models' names: ``names`` (once per file, distinct), else the files' stems.

    ``runs/logreg.csv`` is ``logreg``; ``preds.csv.gz`` is ``preds``.
    """
    if names is not None:
        if len(names) != len(paths):
            raise ClfdiagError(f"--name was given {len(names)} time"
                               f"{'' if len(names) == 1 else 's'} for {len(paths)} files",
                               "give --name once per file, in the order of the files, or "
                               "leave it out to name each model by its file")
        found = [n.strip() for n in names]
        if any(not n for n in found):
            raise ClfdiagError("--name is empty", "give every model a name")
    else:
        found = []
        for path in paths:
            stem = PurePath(path).name
            while stem.lower().endswith(TABLE_SUFFIXES) and "." in stem[1:]:
                stem = stem[:stem.rindex(".")]
            found.append(stem)
    repeated = sorted({n for n in found if found.count(n) > 1})
    if repeated:
        flag = "--name" if names is not None else "the file names"
        raise ClfdiagError(f"two models are named {repeated[0]!r} (by {flag})",
                           "give each file a distinct name with --name, once per file")
    return found


def check_correction(correction: str) -> None:
    """Refuse an unknown multiple-testing correction."""
    from clfdiag.core.model_comparison import CORRECTIONS

    if correction not in CORRECTIONS:
        raise ClfdiagError(f"--correction {correction!r} is not a correction",
                           "choose from: " + ", ".join(CORRECTIONS))


def check_alpha(alpha: float) -> None:
    """Refuse a significance level outside (0, 1)."""
    if not 0.0 < alpha < 1.0:
        raise ClfdiagError(f"--alpha {alpha:g} is not a significance level",
                           "give a level above 0 and below 1, e.g. --alpha 0.05")


def _decomposition_change(paired: Any, flagged: bool, decompositions: Any,
                          ) -> tuple[Any, float | None]:
    """Binary: the CORP parts of B minus A on the paired examples, and B's calibration slope.

    The slope (which says overconfident or underconfident) is fitted only when the
    change is to be read, that is when loss and accuracy both rose.
    ``decompositions``: A's and B's, as the comparison computed them (None: not binary).
    """
    from clfdiag.core.calibration_tests import calibration_tests, decomposition_change

    if decompositions is None:
        return None, None
    before, after = decompositions
    if before is None or after is None:
        return None, None
    slope = None
    if flagged and paired.weights is None:
        slope = calibration_tests(paired.y, paired.proba_b).calibration_slope
    return decomposition_change(before, after), slope


def _compare_scores(a: Predictions, b: Predictions, *, allow_partial: bool,
                    threshold: float | None, bins: int, alpha: float) -> dict[str, Any]:
    """``compare`` of real-valued scores: paired DeLong on the scores, McNemar at a threshold.

    The counts at ``score >= threshold`` go through the comparison as 0/1
    decisions; everything that needs a probability (log loss, its paired test
    and decomposition, calibration) is then null with the reason.
    """
    from dataclasses import replace

    import numpy as np

    from clfdiag.core.accumulators import ClassificationSums
    from clfdiag.core.comparison import ComparisonSettings, compare_predictions
    from clfdiag.core.evaluation import finish
    from clfdiag.core.ranking import rank_binary
    from clfdiag.core.stats import MeanDifference, delong_paired
    from clfdiag.pairing import pair_predictions
    from clfdiag.reports.compare import compare_scores_report

    cut, _ = decision_rule(a, threshold)
    paired = pair_predictions(a, b, allow_partial)
    y = paired.y

    def decisions(scores: Any) -> Any:
        return (np.zeros(len(y)) if cut is None else (scores >= cut).astype(np.float64))

    def evaluation(scores: Any) -> Any:
        sums = ClassificationSums(2, threshold=0.5, top=0, n_bins=bins)
        sums.update(y, decisions(scores))
        return finish(sums, rank_binary(y, scores))

    cmp = compare_predictions(y, decisions(paired.proba_a), decisions(paired.proba_b),
                              ComparisonSettings(top=0, n_bins=bins))
    cmp = replace(cmp, a=evaluation(paired.proba_a), b=evaluation(paired.proba_b),
                  delong=delong_paired(y, paired.proba_a, paired.proba_b),
                  log_loss_test=MeanDifference(float("nan"), None, None, "none"),
                  loss_up_accuracy_up=False, top=())
    return compare_scores_report(a, b, paired, cmp, threshold=cut, alpha=alpha)


def evaluate_file(
    path: str,
    options: ReadOptions | None = None,
    *,
    streaming: bool | None = None,
    threshold: float | str | None = None,
    min_confidence: float = 0.9,
    top: int = 10,
    bins: int = 15,
    bootstrap: int = 0,
    seed: int | None = None,
    batch_bytes: int | None = None,
    slices: SliceOptions | None = None,
    engine: str = "local",
    scheduler: str | None = None,
    progress: ProgressSink | None = None,
    target_risk: float | None = None,
    multilabel: MultilabelOptions | None = None,
    thresholds: str | LabelThresholds | None = None,
    zero_division: int | None = None,
    curves: bool = False,
    hl_groups: int = 10,
    hl_method: str = "quantile",
) -> EvaluationReport | dict[str, Any]:
    """Evaluate a predictions file, in memory or, for files larger than memory, streaming.

    A multi-label file (read as such with ``multilabel``, or found by its shape) is
    evaluated in memory, with ``thresholds`` (a file of one threshold per label,
    or the thresholds themselves) and ``zero_division``; see :func:`evaluate`.

    ``engine="dask"``: ``path`` is a file, a directory or glob of parts, or an
    fsspec URL, folded on a Dask cluster (``scheduler``: its address; None
    starts a local one; ``"synchronous"`` runs in this process), with ranking
    metrics from histograms as in streaming mode.

    ``streaming=None`` decides from the file's size and the memory available.
    Streaming reads batch by batch into accumulators: everything is exact but
    the ranking metrics (ROC/PR AUC, their curves and the AUC interval), which
    come from a fine histogram of the scores, with the AUC's worst-case error
    reported as ``roc_auc_error_bound``.
    """
    from clfdiag.engines.streaming import StreamSettings, evaluate_stream
    from clfdiag.io.streaming import BATCH_BYTES, should_stream
    from clfdiag.reports.evaluate import evaluate_report

    check_limits(top=top, bins=bins, bootstrap=bootstrap)
    check_hl_options(hl_groups, hl_method)
    threshold = _number_or_rule(threshold)
    if threshold is not None and thresholds is not None:
        from clfdiag.errors import ClfdiagError

        raise ClfdiagError("--threshold and --thresholds cannot be combined",
                           "give one threshold for every label, or one per label")
    if isinstance(thresholds, str):
        from clfdiag.io.multilabel import read_label_thresholds

        thresholds = read_label_thresholds(thresholds)
    by_size = streaming is None and engine != "dask" and should_stream(path)
    if multilabel is not None or not _single_label_run(path, options, streaming or by_size,
                                                         engine):
        refuse_single_label_settings(streaming=bool(streaming), dask=engine == "dask")
        if by_size:
            from clfdiag.errors import ClfdiagError

            raise ClfdiagError(f"{path}: multi-label predictions are evaluated in memory, and "
                               "the file looks too large to read whole",
                               "pass --in-memory to read it whole anyway")
        return evaluate(read_either(path, options, multilabel), threshold=threshold,
                        min_confidence=min_confidence, top=top, bins=bins, slices=slices,
                        bootstrap=bootstrap, seed=seed, target_risk=target_risk,
                        thresholds=thresholds, zero_division=zero_division, curves=curves)
    whole = [flag for flag, on in (
        ("--scores", options is not None and options.scores),
        ("--threshold " + str(threshold), isinstance(threshold, str)),
        ("--labels", options is not None and options.labels_file is not None),
        ("--pred-col", options is not None and options.pred_col is not None),
        ("--bootstrap", bootstrap > 0)) if on]
    if whole and (streaming or engine == "dask"):
        from clfdiag.errors import ClfdiagError

        raise ClfdiagError(f"{whole[0]} needs the whole file: it cannot be read in batches",
                           "leave out --streaming" if streaming else "leave out --engine dask")
    batches = not whole and (engine == "dask" or (
        should_stream(path) if streaming is None else streaming))
    if batches:
        refuse_multilabel_settings(thresholds=thresholds is not None,
                                   zero_division=zero_division is not None)
    if engine == "dask":
        from clfdiag.engines.distributed import evaluate_dask

        if streaming is False:
            from clfdiag.errors import ClfdiagError

            raise ClfdiagError("--in-memory and --engine dask cannot be combined",
                               "the Dask engine folds each part into histograms; leave out one")
        run = evaluate_dask(path, options, StreamSettings(threshold, min_confidence, top, bins,
                                                          slices, target_risk),
                            scheduler, progress)
        return evaluate_report(run, bins=bins)
    if not batches:
        preds = read_either(path, options)
        if isinstance(preds, MultilabelPredictions) or thresholds is not None or (
                zero_division is not None):
            return evaluate(preds, threshold=threshold, min_confidence=min_confidence, top=top,
                            bins=bins, slices=slices, bootstrap=bootstrap, seed=seed,
                            target_risk=target_risk, thresholds=thresholds,
                            zero_division=zero_division, curves=curves)
        values = None
        if slices is not None:
            from clfdiag.io.groups import read_groups

            values = read_groups(path, list(slices.by), preds, preds.source.labels_file,
                                 None if options is None else options.id_col)
        return evaluate(preds, threshold=threshold, min_confidence=min_confidence, top=top,
                        bins=bins, slices=slices, group_values=values, bootstrap=bootstrap,
                        seed=seed, target_risk=target_risk, hl_groups=hl_groups,
                        hl_method=hl_method)
    assert not isinstance(threshold, str)
    run = evaluate_stream(path, options,
                          StreamSettings(threshold, min_confidence, top, bins,
                                         target_risk=target_risk),
                          batch_bytes or BATCH_BYTES, slices, progress)
    return evaluate_report(run, bins=bins)


def _single_label_run(path: str, options: ReadOptions | None, streaming: bool,
                      engine: str) -> bool:
    """False for a multi-label file that would be read in batches or by Dask.

    Those readers take single-label files only; the first rows of the file are
    looked at (a local file or standard input), so that a multi-label file is
    refused with its reason rather than read as single-label. True otherwise.
    """
    if not streaming and engine != "dask":
        return True
    from clfdiag.io.multilabel import holds_multilabel
    from clfdiag.io.source import open_source
    from clfdiag.io.tables import table_header

    try:
        source = open_source(path)
    except Exception:  # a glob, a directory or a URL: the Dask engine's reader says more
        return True
    return not holds_multilabel(source, table_header(source), options or ReadOptions())


def _number_or_rule(threshold: float | str | None) -> float | str | None:
    """A threshold given as text: a number when it reads as one, else the rule's text."""
    if not isinstance(threshold, str):
        return threshold
    import math

    try:
        value = float(threshold)
    except ValueError:
        return threshold
    return value if math.isfinite(value) else threshold


def scanned_metric(name: str) -> str:
    """A catalogue metric to scan beside the loss; it must be better when higher.

    The scan looks for the paradox of a loss and a quality both rising; a loss (or a
    count) in the quality's place would flag ordinary overfitting or nothing at all.
    """
    from clfdiag.core.catalogue import CATALOGUE
    from clfdiag.errors import ClfdiagError

    single_label = {k: s for k, s in CATALOGUE.items()
                    if {"binary", "multiclass"} & set(s.tasks)}
    known = single_label.get(name)
    usable = [k for k, s in single_label.items() if s.greater_is_better]
    if known is None:
        raise ClfdiagError(f"--metric {name!r}: not a metric clfdiag computes",
                           "choose one that is better when higher: " + ", ".join(usable))
    if not known.greater_is_better:
        what = "a loss (lower is better)" if known.greater_is_better is False else "a count"
        raise ClfdiagError(f"--metric {name}: {what}; the scan needs a metric that is better "
                           "when higher", "choose one of: " + ", ".join(usable))
    return name


def epoch_label(name: str, position: int) -> int:
    """The epoch a file name gives (its last number: ``epoch_10.csv`` is 10), else its position.

    A compression suffix is no part of the name: ``epoch_3.csv.bz2`` is 3, not 2.
    """
    from clfdiag.io.calibrated import COMPRESSED

    base = name.rsplit("/", 1)[-1]
    if base.lower().endswith(COMPRESSED):
        base = base.rsplit(".", 1)[0]
    numbers = re.findall(r"\d+", base)
    return int(numbers[-1]) if numbers else position


def epochs(
    runs: Sequence[Predictions | MultilabelPredictions],
    *,
    labels: Sequence[int] | None = None,
    threshold: float | None = None,
    min_confidence: float = 0.9,
    bins: int = 15,
    min_loss_delta: float = 0.0,
    min_accuracy_delta: float = 0.0,
    alpha: float = 0.05,
    allow_partial: bool = False,
    significant: bool = False,
    metric: str | None = None,
    zero_division: int | None = None,
) -> TrajectoryReport:
    """Scan the predictions of successive epochs on one validation set, in training order.

    Every file must hold the same examples (``allow_partial`` keeps those all
    files share and reports the rest). Each epoch is evaluated; each is flagged
    when its log loss and accuracy both rose against the previous epoch, with
    the diagnosis of that change and the paired tests of both rises (McNemar's
    p for accuracy, the paired log-loss test's p); ``significant`` keeps only
    the flags where both rises are significant at ``alpha``. The last epoch is
    compared with the best one by loss. ``metric`` (a catalogue metric that is better
    when higher; default accuracy) takes accuracy's place in the flag. Multi-label runs take
    ``metric`` and ``zero_division`` as :func:`compare` does.
    """
    from clfdiag.core.comparison import (
        ComparisonSettings,
        compare_predictions,
        log_loss_noise,
        mean_noise,
    )
    from clfdiag.core.evaluation import evaluate_predictions
    from clfdiag.core.losses import true_class_probability
    from clfdiag.core.trajectory import scan
    from clfdiag.errors import ClfdiagError
    from clfdiag.pairing import common_examples, pair_predictions
    from clfdiag.reports.epochs import epochs_report

    check_limits(bins=bins)
    if len(runs) < 2:
        raise ClfdiagError("epochs needs at least two prediction files",
                           "for one file use `clfdiag evaluate`")
    if any(isinstance(r, MultilabelPredictions) for r in runs):
        return _epochs_multilabel(
            _both_multilabel(runs), labels, threshold=threshold, min_confidence=min_confidence,
            bins=bins, min_loss_delta=min_loss_delta, min_accuracy_delta=min_accuracy_delta,
            alpha=alpha, allow_partial=allow_partial, significant=significant,
            metric=metric, zero_division=zero_division)
    refuse_multilabel_settings(zero_division=zero_division is not None)
    metric = metric or "accuracy"
    scanned_metric(metric)
    single = [r for r in runs if isinstance(r, Predictions)]
    for run in single:
        require_supported(run, "epochs", hard=False, weights=True)
    refuse_probabilities_among_logits(single)
    cut = decision_threshold(single[0], threshold)
    labels = _epoch_labels(single, labels)
    common = common_examples(single, allow_partial)
    runs = common.runs
    evaluations = [evaluate_predictions(p.y, p.proba, threshold=cut,
                                        min_confidence=min_confidence, top=0, n_bins=bins,
                                        weights=p.weights)
                   for p in runs]
    losses = [e.metrics["log_loss"] for e in evaluations]
    accuracies = [e.metrics["accuracy"] for e in evaluations]
    values = [e.metrics.get(metric) for e in evaluations]
    # As compare: a change within the float64 noise of the means is no rise.
    trajectory = scan(losses, values, min_loss_delta=min_loss_delta,
                      min_accuracy_delta=min_accuracy_delta,
                      loss_noise=[log_loss_noise(true_class_probability(p.y, p.proba),
                                                 p.weights) for p in runs],
                      metric_noise=([mean_noise(p.y.shape[0], 1.0) for p in runs]
                                    if metric == "accuracy" else []))
    accuracy_scan = None if metric == "accuracy" else scan(losses, accuracies)

    settings = ComparisonSettings(threshold=cut, min_confidence=min_confidence, top=0,
                                  n_bins=bins, min_loss_delta=min_loss_delta,
                                  min_accuracy_delta=min_accuracy_delta)

    def compare_pair(i: int, j: int) -> Any:
        paired = pair_predictions(runs[i], runs[j])
        return compare_predictions(paired.y, paired.proba_a, paired.proba_b, settings,
                                   weights=paired.weights)

    changes = {i: compare_pair(i - 1, i) for i in trajectory.flagged}
    tests = {i: rise_tests(cmp, alpha) for i, cmp in changes.items()}
    all_flags = len(trajectory.flagged)
    trajectory, last_vs_best = _tested_trajectory(trajectory, tests, significant, compare_pair)
    parts, slopes = _epoch_decomposition_changes(runs, trajectory.flagged)
    return epochs_report(labels, common, evaluations, trajectory, changes, tests, last_vs_best,
                         alpha=alpha, significant=significant, flagged_before_tests=all_flags,
                         min_loss_delta=min_loss_delta, min_accuracy_delta=min_accuracy_delta,
                         metric=metric, accuracy_scan=accuracy_scan,
                         decomposition_changes=parts, slopes=slopes)


def _epoch_decomposition_changes(runs: Sequence[Predictions], flagged: Sequence[int],
                                 ) -> tuple[list[Any] | None, dict[int, float | None]]:
    """Binary: each epoch's CORP parts minus the previous epoch's (None for the first).

    Every run holds the same examples with the same labels (and weights), so each
    epoch's decomposition on its own rows is its decomposition on the examples it
    pairs with its neighbours: one decomposition per epoch serves both of its
    changes. Also the calibration slope of each flagged epoch (unweighted), which
    says whether it became over- or underconfident. None for multiclass.
    """
    from itertools import pairwise

    from clfdiag.core.calibration_tests import (
        calibration_tests,
        decomposition_change,
        score_decomposition,
    )

    if runs[0].proba.ndim != 1:
        return None, {}
    parts = [score_decomposition(r.y, r.proba, r.weights) for r in runs]
    changes: list[Any] = [None] + [
        None if before is None or after is None else decomposition_change(before, after)
        for before, after in pairwise(parts)]
    slopes = {i: (calibration_tests(runs[i].y, runs[i].proba).calibration_slope
                  if runs[i].weights is None else None) for i in flagged}
    return changes, slopes


def _tested_trajectory(trajectory: Any, tests: dict[int, dict[str, Any]], significant: bool,
                       compare_pair: Any) -> tuple[Any, Any]:
    """The scan after the tests of its flags, and the last epoch compared with the best.

    With ``significant`` only the flags where both rises are significant are kept.
    The comparison of the epoch of lowest loss with the last one is None when the
    last is the best (or no loss is defined).
    """
    from dataclasses import replace

    if significant:
        trajectory = replace(trajectory, loss_up_accuracy_up=tuple(
            (f and tests[i]["both_significant"]) if f else f
            for i, f in enumerate(trajectory.loss_up_accuracy_up)))
    last, best = len(trajectory.loss_up_accuracy_up) - 1, trajectory.best_by_loss
    last_vs_best = compare_pair(best, last) if best is not None and best != last else None
    return trajectory, last_vs_best


def _epoch_labels(runs: Sequence[Predictions | MultilabelPredictions],
                  labels: Sequence[int] | None) -> list[int]:
    """The epoch of each run: given, else from the file names, else the positions."""
    found = list(labels) if labels is not None else [
        epoch_label(p.source.path, i + 1) for i, p in enumerate(runs)]
    return found if len(set(found)) == len(found) else list(range(1, len(runs) + 1))


def _epochs_multilabel(runs: list[MultilabelPredictions], labels: Sequence[int] | None, *,
                       threshold: float | None, min_confidence: float, bins: int,
                       min_loss_delta: float, min_accuracy_delta: float, alpha: float,
                       allow_partial: bool, significant: bool, metric: str | None,
                       zero_division: int | None) -> TrajectoryReport:
    """``epochs`` on multi-label files: every file must hold the same examples and labels.

    Each file's rows are put in the first file's order (by id, else by position);
    the flag uses the mean binary cross-entropy and ``metric``.
    """
    from clfdiag.core.multilabel import (
        accuracy_rise_p,
        compare_multilabel,
        evaluate_multilabel,
    )
    from clfdiag.core.trajectory import scan
    from clfdiag.errors import ClfdiagError
    from clfdiag.io.multilabel import pair_multilabel
    from clfdiag.reports.multilabel import multilabel_epochs_report

    if allow_partial:
        raise ClfdiagError("--allow-partial does not apply to multi-label files in epochs",
                           "give files that hold the same examples")
    accuracy = _accuracy_metric(metric)
    cuts = multilabel_thresholds(runs[0], threshold, None)
    zd = _zero_division(zero_division)
    pairs = [pair_multilabel(runs[0], run) for run in runs]
    for run, paired in zip(runs, pairs, strict=True):
        if paired.only_in_a or paired.only_in_b:
            raise ClfdiagError(f"{runs[0].source.path} and {run.source.path} do not hold the "
                               f"same examples ({paired.only_in_a} ids only in the first, "
                               f"{paired.only_in_b} only in the other)",
                               "give every epoch's predictions of the same examples")
    y = pairs[0].y
    probas = [p.proba_b for p in pairs]
    evaluations = [evaluate_multilabel(y, p, cuts, zero_division=zd, n_bins=bins,
                                       min_confidence=min_confidence, top=0) for p in probas]
    losses = [e.metrics["log_loss"] for e in evaluations]
    accuracies = [e.metrics[accuracy] for e in evaluations]
    trajectory = scan(losses, accuracies, min_loss_delta=min_loss_delta,
                      min_accuracy_delta=min_accuracy_delta)

    def compare_pair(i: int, j: int) -> Any:
        return compare_multilabel(evaluations[i], evaluations[j], y, probas[i], probas[j],
                                  accuracy_metric=accuracy, min_loss_delta=min_loss_delta,
                                  min_accuracy_delta=min_accuracy_delta)

    changes = {i: compare_pair(i - 1, i) for i in trajectory.flagged}
    tests = {}
    for i, cmp in changes.items():
        accuracy_p, loss_p = accuracy_rise_p(cmp), cmp.log_loss_test.p_value
        tests[i] = {"mcnemar_p": None if cmp.exact_match_test is None
                    else cmp.exact_match_test.p_value,
                    "loss_test_p": loss_p, "hamming_test_p": cmp.hamming_loss_test.p_value,
                    "both_significant": (accuracy_p is not None and accuracy_p < alpha
                                         and loss_p is not None and loss_p < alpha)}
    all_flags = len(trajectory.flagged)
    trajectory, last_vs_best = _tested_trajectory(trajectory, tests, significant, compare_pair)
    return multilabel_epochs_report(
        _epoch_labels(runs, labels), runs, evaluations, trajectory, changes, tests,
        last_vs_best, accuracy_metric=accuracy, alpha=alpha, significant=significant,
        flagged_before_tests=all_flags, pairing_by=pairs[1].by, min_loss_delta=min_loss_delta,
        min_accuracy_delta=min_accuracy_delta)


def rise_tests(cmp: Any, alpha: float) -> dict[str, Any]:
    """The paired tests of a change where loss and accuracy both rose.

    McNemar's exact test for the accuracy rise and the paired test of the
    per-example log-loss differences for the loss rise; both rises are
    significant when both p-values are below ``alpha``. With sample weights
    neither test is defined: both p-values are None and no rise is significant.
    """
    mcnemar_p = None if cmp.mcnemar is None else cmp.mcnemar.p_value
    loss_p = cmp.log_loss_test.p_value
    both = (mcnemar_p is not None and mcnemar_p < alpha and loss_p is not None
            and loss_p < alpha)
    return {"mcnemar_p": mcnemar_p, "loss_test_p": loss_p, "both_significant": both}


def history(
    run: History,
    *,
    min_loss_delta: float = 0.0,
    min_accuracy_delta: float = 0.0,
) -> TrajectoryReport:
    """Scan a training history: the ``epochs`` scan without the metrics that need predictions.

    The metric scanned beside the loss is the history's ``metric_column`` (``--metric``,
    else the accuracy). With folds, each fold is scanned on its own (``folds[]``).
    """
    from clfdiag.core.trajectory import scan
    from clfdiag.reports.history import history_report

    evaluations = run.evaluations
    losses = [e.loss for e in evaluations]
    trajectory = scan(losses, [e.metric for e in evaluations],
                      min_loss_delta=min_loss_delta, min_accuracy_delta=min_accuracy_delta,
                      segment_starts=run.segment_starts)
    accuracy_scan = None
    if run.metric_column != run.accuracy_column:
        accuracy_scan = scan(losses, [e.accuracy for e in evaluations],
                             segment_starts=run.segment_starts)
    fold_scans: list[tuple[Any, list[int], Any]] = []
    for fold in run.folds:
        # Each fold on its own: its first evaluation, and each restart within it, compare
        # with nothing before.
        members = [i for i, e in enumerate(evaluations) if e.fold == fold]
        starts = [k for k, i in enumerate(members)
                  if k and evaluations[i].segment != evaluations[members[k - 1]].segment]
        fold_scans.append((fold, members,
                           scan([losses[i] for i in members],
                                [evaluations[i].metric for i in members],
                                min_loss_delta=min_loss_delta,
                                min_accuracy_delta=min_accuracy_delta, segment_starts=starts)))
    return history_report(run, trajectory, min_loss_delta=min_loss_delta,
                          min_accuracy_delta=min_accuracy_delta, accuracy_scan=accuracy_scan,
                          fold_scans=fold_scans)


def threshold(preds: Predictions, settings: ThresholdSettings | None = None, *,
              groups: GroupColumn | None = None,
              cost_matrix: Any = None) -> ThresholdReport:
    """Choose the operating point of binary predictions; the same dict as ``threshold -f json``.

    ``settings`` holds the criterion, costs, constraints, comparison threshold,
    folds, bootstrap and risk thresholds (:class:`ThresholdSettings`);
    ``groups`` gives one operating point per group (``--by``); for a multiclass
    file, ``cost_matrix`` (K x K, rows actual) gives the Bayes decision.
    """
    from clfdiag.reports.threshold import ThresholdSettings, threshold_report

    settings = settings or ThresholdSettings()
    check_limits(bootstrap=settings.bootstrap)
    return threshold_report(preds, settings, groups, cost_matrix)


def calibrate(
    preds: Predictions,
    *,
    methods: Sequence[str] | None = None,
    folds: int = 5,
    seed: int | None = 0,
    bins: int = 15,
    min_confidence: float = 0.9,
    platt_smoothing: bool = False,
    bootstrap: int = 0,
) -> CalibrationReport:
    """Fit recalibration maps and measure them cross-fitted (``calibrate --format json``).

    ``methods`` defaults to every method that applies (binary: temperature,
    platt, isotonic, beta, histogram; multiclass: temperature, vector_scaling).
    A method whose cross-fitted fits saw fewer than 10 rows per parameter is
    not estimable; ``recommended`` is the estimable method with the lowest
    cross-fitted log loss if it lowers the input's, else ``None`` with the
    reason in ``undefined["recommended"]``.
    A bad option raises :class:`~clfdiag.errors.ClfdiagError` naming its flag.
    """
    from clfdiag.core.cross_fitting import cross_fit_calibration, default_methods
    from clfdiag.errors import ClfdiagError
    from clfdiag.reports.calibrate import calibration_report

    check_limits(bins=bins, bootstrap=bootstrap)
    require_calibratable(preds)
    allowed = default_methods(preds.proba)
    for method in methods or ():
        if method not in allowed:
            raise ClfdiagError(f"--method {method}: not a method for {preds.task} predictions",
                               f"use one of: {', '.join(allowed)}")
    logits = temperature_logits(preds)
    try:
        result = cross_fit_calibration(preds.y, preds.proba, methods, folds=folds, seed=seed,
                                       n_bins=bins, min_confidence=min_confidence,
                                       platt_smoothing=platt_smoothing, logits=logits)
    except ValueError as exc:
        flag = "--folds: " if "fold" in str(exc) else ""
        raise ClfdiagError(f"{preds.source.path}: {flag}{exc}") from None
    return calibration_report(preds, result, bootstrap=bootstrap, notes=_logits_note(
        preds, logits, "temperature" in (methods or ("temperature",))))


def temperature_logits(preds: Predictions) -> Any:
    """The logits temperature scaling rescales: those read with ``--logits``, in ``proba``'s shape.

    A binary problem given as two logit columns has one logit, their difference
    (sigmoid(z1 - z0) is softmax's positive-class probability). None without
    ``--logits``.
    """
    import numpy as np

    from clfdiag.core.transforms import sigmoid

    raw = preds.logits
    if raw is None or raw.ndim == preds.proba.ndim:
        return raw
    difference = raw[:, 1] - raw[:, 0]
    for z in (difference, -difference):
        if np.allclose(sigmoid(z), preds.proba, rtol=1e-9, atol=1e-12):
            return z
    return None


def _logits_note(preds: Predictions, logits: Any, temperature: bool) -> list[str]:
    if logits is None or not temperature:
        return []
    return ["temperature scaling rescaled the logits read with --logits (not the logits of "
            "the clipped probabilities), so saturated logits keep their order"]


def require_calibratable(preds: Predictions) -> None:
    """Recalibration needs probabilities (or logits), without sample weights."""
    from clfdiag.errors import ClfdiagError

    require_supported(preds, "calibrate", hard=False)
    if preds.score_kind != "probability":
        raise ClfdiagError(f"{preds.source.path}: calibrate needs probabilities",
                           "pass --logits if the values are logits")


def apply_calibration(
    preds: Predictions,
    mapping: dict[str, Any],
    *,
    mapping_name: str = "<mapping>",
    output: str = "<output>",
    bins: int = 15,
    min_confidence: float = 0.9,
    bootstrap: int = 0,
    seed: int | None = 0,
    write: bool = False,
) -> tuple[CalibrationReport, Any]:
    """Apply a saved mapping (``calibrate --save``); the report and the mapped probabilities.

    ``write``: also write the predictions with calibrated probabilities to
    ``output`` (``.csv`` or ``.parquet``, as ``calibrate --apply -o``), before the
    report is built, which then says what the file holds. Class columns are
    matched to the fitted classes by name, in whatever order the file holds
    them. A mapping fitted on other classes (or, binary, on the other positive
    class) raises :class:`~clfdiag.errors.ClfdiagError` naming ``--apply``.
    """
    import numpy as np

    from clfdiag.core.calibration_mapping import (
        MappingError,
        columns_in_fitted_order,
        mapping_from_dict,
    )
    from clfdiag.core.recalibration import apply_mapping
    from clfdiag.errors import ClfdiagError
    from clfdiag.reports.calibrate import applied_report

    check_limits(bins=bins, bootstrap=bootstrap)
    require_calibratable(preds)
    try:
        proba, logits = preds.proba, temperature_logits(preds)
        if proba.ndim == 2:
            fitted = mapping_from_dict(mapping)
            order = columns_in_fitted_order(fitted.classes, preds.classes)
        else:  # one column: the probability of the second class, by position
            fitted, order = mapping_from_dict(mapping, preds.classes), None
        if order is None:
            mapped = apply_mapping(fitted.params, proba, logits)
        else:
            mapped = np.empty_like(proba)
            mapped[:, order] = apply_mapping(fitted.params, proba[:, order],
                                             None if logits is None else logits[:, order])
    except (MappingError, ValueError) as exc:
        raise ClfdiagError(f"--apply {mapping_name}: {exc}",
                           "apply a mapping saved by `clfdiag calibrate --save` on "
                           "predictions of the same classes") from None
    notes: list[str] = []
    if order is not None:
        notes.append("the class columns were matched to the mapping's classes by name: "
                     f"fitted as {', '.join(fitted.classes)}")
    if write:
        from clfdiag.io.calibrated import write_calibrated

        notes += write_calibrated(preds, mapped, output)
    report = applied_report(preds, fitted.params, mapped, mapping=mapping_name, output=output,
                            bins=bins, min_confidence=min_confidence, bootstrap=bootstrap,
                            seed=seed, notes=notes)
    return report, mapped


def ood(
    in_preds: Predictions,
    out_preds: Sequence[Predictions],
    *,
    min_confidence: float = 0.9,
    keep: float = 0.95,
    top: int = 3,
) -> dict[str, Any]:
    """How confident the model is on OUT inputs, and how well confidence tells them from IN.

    The same dict as ``clfdiag ood --format json``. ``out_preds`` need no labels
    (read them with ``ReadOptions(labels_required=False)``); their score columns
    must be those of ``in_preds``.
    """
    from clfdiag.errors import ClfdiagError
    from clfdiag.input_checks import require_same_columns
    from clfdiag.reports.ood import ood_report

    check_limits(top=top)
    if not 0.0 < keep <= 1.0:
        raise ClfdiagError(f"--keep {keep:g} is not a share of examples to keep",
                           "pass a value above 0 and at most 1, e.g. --keep 0.95")
    require_supported(in_preds, "ood", hard=False)
    for out in out_preds:
        require_supported(out, "ood", hard=False)
        require_same_columns(in_preds, out)
    return dict(ood_report(in_preds, out_preds, min_confidence=min_confidence, keep=keep,
                           top=top))


CONFORMAL_WEIGHTS_REFUSED = (
    "conformal sets take no sample weights: their guarantee is over exchangeable, unweighted "
    "rows (weighted conformal prediction reweighs for a shift between calibration and test "
    "data, which sample weights do not describe)")


def conformal(
    cal: Predictions,
    test: Predictions,
    *,
    alpha: Sequence[str | float] = ("0.1",),
    method: str = "lac",
    class_conditional: bool = False,
    raps_penalty: float = 0.001,
    raps_kreg: int = 1,
    randomized: bool = False,
    seed: int = 0,
    significance: float = 0.05,
    sets_out: str | None = None,
) -> dict[str, Any]:
    """Split conformal prediction sets of ``test`` calibrated on ``cal`` (``conformal -f json``).

    ``alpha``: one or more error rates in (0, 1), each read exactly as written
    (text such as ``"0.1"``; a float through its shortest repr), one entry of
    ``results`` each, in the order given. ``test`` needs no labels (read it with
    ``ReadOptions(labels_required=False)``); without them the coverage items are
    null. ``sets_out``: also write the prediction sets (``.csv`` or ``.parquet``),
    one row per test row. The definitions are in docs/conformal.md.
    """
    from clfdiag.core.conformal import CLASS_CONDITIONAL, METHODS, RANDOMISABLE, conformal_sets
    from clfdiag.errors import ClfdiagError
    from clfdiag.reports.conformal import conformal_report, sets_columns

    levels = _conformal_alphas(alpha)
    if method not in METHODS:
        raise ClfdiagError(f"--method {method}: not a conformal method",
                           f"use one of: {', '.join(METHODS)}")
    if class_conditional and method not in CLASS_CONDITIONAL:
        raise ClfdiagError(f"--class-conditional with --method {method}: class-conditional "
                           "sets are computed for lac only", "use --method lac")
    if randomized and method not in RANDOMISABLE:
        raise ClfdiagError(f"--randomized with --method {method}: randomised sets exist for "
                           f"{' and '.join(RANDOMISABLE)} only", "leave out --randomized")
    if not (math.isfinite(raps_penalty) and raps_penalty >= 0):
        raise ClfdiagError(f"--raps-penalty {raps_penalty:g} is not a penalty",
                           "pass a number >= 0, e.g. --raps-penalty 0.001")
    if raps_kreg < 0:
        raise ClfdiagError(f"--raps-kreg {raps_kreg} is not a rank",
                           "pass an integer >= 0, e.g. --raps-kreg 1")
    if not 0.0 < significance < 1.0:
        raise ClfdiagError(f"--significance {significance:g} is not a level",
                           "pass a value strictly between 0 and 1, e.g. --significance 0.05")
    test_labelled = test.source.label_column is not None
    _require_conformal_input(cal, test, test_labelled)
    result = conformal_sets(cal.proba, cal.y, test.proba, test.y if test_labelled else None,
                            levels, method=method,  # type: ignore[arg-type]
                            class_conditional=class_conditional, raps_penalty=raps_penalty,
                            raps_kreg=raps_kreg, randomized=randomized, seed=seed)
    notes = [f"{p.source.path}: {note}" for p in (cal, test) for note in p.source.notes]
    if sets_out is not None:
        ids = test.ids if test.ids is not None else (
            list(range(len(test))) if test.rows is None else (test.rows - 1).tolist())
        labels = [test.classes[i] for i in test.y] if test_labelled else None
        _write_sets(sets_out, sets_columns(result, cal.classes, ids=ids, labels=labels),
                    [cal.source.path, test.source.path])
    return dict(conformal_report(result, cal.classes, notes=notes,
                                 inputs=(cal.source, test.source), significance=significance))


def _conformal_alphas(alpha: Sequence[str | float]) -> list[Any]:
    """Each alpha as the exact fraction written; one given twice (0.1 and 0.10) is refused."""
    from clfdiag.core.conformal import exact_alpha
    from clfdiag.errors import ClfdiagError
    from clfdiag.reports.conformal import alpha_text

    if isinstance(alpha, (str, float)):
        alpha = [alpha]
    if not alpha:
        raise ClfdiagError("--alpha: no alpha given", "pass e.g. --alpha 0.1")
    levels = []
    for text in alpha:
        try:
            levels.append(exact_alpha(text))
        except ValueError as exc:
            raise ClfdiagError(f"--alpha {text}: {exc}",
                               "pass an error rate strictly between 0 and 1, e.g. --alpha 0.1"
                               ) from None
    names = [alpha_text(a) for a in levels]
    repeated = [n for i, n in enumerate(names) if n in names[:i]]
    if repeated:
        raise ClfdiagError(f"--alpha {repeated[0]} is given more than once",
                           "give each alpha once")
    return levels


def _require_conformal_input(cal: Predictions, test: Predictions, test_labelled: bool) -> None:
    """Class probabilities of the same classes in CAL and TEST, unweighted, CAL labelled."""
    from clfdiag.errors import ClfdiagError
    from clfdiag.input_checks import require_same_columns

    for preds in (cal, test):
        if preds.weights is not None:
            raise ClfdiagError(f"{preds.source.path}: --weight-col "
                               f"{preds.source.weight_column}: {CONFORMAL_WEIGHTS_REFUSED}",
                               "leave out --weight-col")
        require_supported(preds, "conformal", hard=False)
    if cal.source.label_column is None:
        raise ClfdiagError(f"{cal.source.path}: the calibration file needs labels",
                           "name its label column with --label-col, or join them with --labels")
    require_same_columns(cal, test)
    if (test_labelled or test.task == "multiclass") and test.classes != cal.classes:
        raise ClfdiagError(
            f"{test.source.path}: its classes ({', '.join(test.classes)}) differ from those of "
            f"{cal.source.path} ({', '.join(cal.classes)})",
            "both files must hold the same model's predictions of the same classes")


def _write_sets(path: str, columns: list[tuple[str, Any]], inputs: list[str]) -> None:
    """Write the ``--sets-out`` table: Parquet for a ``.parquet`` name, else CSV; atomically."""
    import pyarrow as pa

    from clfdiag.errors import ClfdiagError
    from clfdiag.io.calibrated import COMPRESSED, encode_table
    from clfdiag.io.output import write_report

    lower = path.lower()
    if lower.endswith(COMPRESSED):
        raise ClfdiagError(f"--sets-out {path}: the sets table is written uncompressed",
                           "name it .csv or .parquet")
    fmt = "parquet" if lower.endswith((".parquet", ".pq")) else "csv"
    arrays = [values if isinstance(values, (pa.Array, pa.ChunkedArray))
              else pa.array(values, type=None if name == "id" else pa.string())
              for name, values in columns]
    table = pa.table(arrays, names=[name for name, _ in columns])
    write_report(path, encode_table(table, fmt), inputs)


def rank(
    scores: str,
    *,
    score_col: str | None = None,
    lower_is_better: bool = False,
    test_train_ratio: float | None = None,
    alpha: float = 0.05,
    correction: str = "holm",
) -> dict[str, Any]:
    """Rank models over datasets (or folds) from a table of scores; ``rank --format json``.

    ``scores`` is the path of the table, long (``dataset``, ``model``, a score
    column: the only other numeric one or ``score_col``) or wide (``dataset``
    and one column per model), with optional ``repeat``/``fold`` columns, which
    need ``test_train_ratio`` (n_test / n_train). Average ranks, Friedman,
    Iman-Davenport, Nemenyi's critical difference at ``alpha``, pairwise
    Wilcoxon adjusted by ``correction`` and, with folds, the corrected
    resampled t test (docs/rank.md).
    """
    from clfdiag.core.model_comparison import rank_models
    from clfdiag.io.score_table import read_score_table
    from clfdiag.reports.rank import rank_report

    check_correction(correction)
    check_alpha(alpha)
    table = read_score_table(scores, score_col=score_col, test_train_ratio=test_train_ratio)
    ranking = rank_models(table.scores, higher_is_better=not lower_is_better, alpha=alpha,
                          correction=correction,  # type: ignore[arg-type]
                          fold_scores=table.fold_scores,
                          test_train_ratio=table.test_train_ratio)
    return dict(rank_report(table, ranking))


def label_issues(
    preds: Predictions,
    *,
    filter: str = "prune-by-noise-rate",
    rank_by: str = "self-confidence",
    adjust_pred_probs: bool = False,
    top: int = 10,
    scores_out: str | None = None,
) -> LabelIssuesReport:
    """Which given labels are probably wrong (confident learning); ``label-issues -f json``.

    The probabilities must be out of sample (cross-validated or held out).
    ``filter`` chooses the flagged examples, ``rank_by`` (with
    ``adjust_pred_probs``) only their order and ``quality``; the names are the
    flags' (docs/label-issues.md). ``scores_out``: also write every example's
    label quality scores and flag to that CSV file.
    """
    from clfdiag.core.label_quality import FILTERS, RANK_BY
    from clfdiag.core.label_quality import label_issues as confident_learning
    from clfdiag.errors import ClfdiagError
    from clfdiag.reports.label_issues import label_issues_report, scores_csv

    check_limits(top=top)
    for flag, value, allowed in (("--filter", filter, FILTERS), ("--rank-by", rank_by, RANK_BY)):
        if value not in allowed:
            raise ClfdiagError(f"{flag} {value!r} is not one of its choices",
                               f"use one of: {', '.join(allowed)}")
    if adjust_pred_probs and rank_by == "confidence-weighted-entropy":
        raise ClfdiagError("--adjust-pred-probs does not apply to --rank-by "
                           "confidence-weighted-entropy (cleanlab refuses it too)",
                           "leave out --adjust-pred-probs, or rank by self-confidence or "
                           "normalized-margin")
    require_supported(preds, "label-issues", hard=False)
    if len(preds) == 0:
        raise ClfdiagError(f"{preds.source.path}: no examples to look at",
                           "give a file with at least one labelled row")
    result = confident_learning(preds.y, preds.proba, filter_by=filter,  # type: ignore[arg-type]
                                rank_by=rank_by,  # type: ignore[arg-type]
                                adjust_pred_probs=adjust_pred_probs)
    if scores_out is not None:
        from clfdiag.io.output import write_report

        inputs = [p for p in (preds.source.path, preds.source.labels_file) if p is not None]
        write_report(scores_out, scores_csv(preds, result), inputs)
    return label_issues_report(preds, result, top=top)
