"""The Python API: each function returns the same dict as the command's ``--format json``."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from clfdiag.input_checks import decision_rule, decision_threshold, require_supported
from clfdiag.io.histories import History
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
    preds: Predictions,
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
) -> EvaluationReport:
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
    """
    from dataclasses import replace

    from clfdiag.engines.memory import evaluate_in_memory, evaluate_scores_in_memory
    from clfdiag.reports.evaluate import evaluate_report

    check_limits(top=top, bins=bins)
    # Real-valued scores are evaluated unweighted: they are refused with a weight column.
    require_supported(preds, "evaluate", scores=True, weights=preds.score_kind != "scores")
    if slices is not None:
        from clfdiag.engines.slices import check_slice_options

        check_slice_options(slices, preds.task, preds.score_kind, preds.weights)
    hard = preds.score_kind == "hard"
    cut, rule = decision_rule(preds, threshold)
    if preds.score_kind == "scores":
        run = evaluate_scores_in_memory(preds, threshold=cut, bins=bins)
    else:
        run = evaluate_in_memory(preds, threshold=0.5 if cut is None else cut,
                                 min_confidence=min_confidence, top=0 if hard else top,
                                 bins=bins, target_risk=target_risk)
    notes = []
    if preds.logits is not None and isinstance(threshold, (int, float)):
        notes.append(f"--threshold {threshold:g} applies to the probability (the sigmoid or "
                     "softmax of the logits), not to the logit itself")
    if slices is not None:
        from clfdiag.engines.result import Slices
        from clfdiag.engines.slices import slices_in_memory

        if group_values is None or len(group_values) != len(slices.by):
            raise ValueError("give one array of group values per --by column")
        run = replace(run, slices=Slices(slices, tuple(
            slices_in_memory(preds, group_values, slices, cut, bins))))
    return evaluate_report(run, bins=bins, threshold_rule=rule, notes=notes, arrays=preds,
                           bootstrap=bootstrap, seed=seed,
                           likely_label_issues=_likely_label_issues(
                               preds, 0.5 if cut is None else cut, min_confidence))


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


def compare(
    a: Predictions,
    b: Predictions,
    *,
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
) -> dict[str, Any]:
    """Compare two models on the same examples; the same dict as ``compare --format json``.

    ``sample_points`` adds a random sample of that many examples (for plots).
    """
    from clfdiag.core.comparison import compare_predictions
    from clfdiag.pairing import pair_predictions, row_pairing_note
    from clfdiag.reports.compare import compare_report

    check_limits(top=top, bins=bins, bootstrap=bootstrap, sample_points=sample_points)
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
    cmp = compare_predictions(
        paired.y, paired.proba_a, paired.proba_b, threshold=cut,
        min_confidence=min_confidence, top=top, n_bins=bins, min_loss_delta=min_loss_delta,
        min_accuracy_delta=min_accuracy_delta, bootstrap=bootstrap, seed=seed,
        sample_points=sample_points, weights=paired.weights)
    note = row_pairing_note(paired, a, b)
    return compare_report(a, b, paired, cmp, threshold=cut, min_loss_delta=min_loss_delta,
                          min_accuracy_delta=min_accuracy_delta, alpha=alpha,
                          notes=[note] if note else [])


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
    from clfdiag.core.comparison import compare_predictions
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

    cmp = compare_predictions(y, decisions(paired.proba_a), decisions(paired.proba_b), top=0,
                              n_bins=bins)
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
) -> EvaluationReport:
    """Evaluate a predictions file, in memory or, for files larger than memory, streaming.

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
    from clfdiag.io import read_predictions
    from clfdiag.io.streaming import BATCH_BYTES, should_stream
    from clfdiag.reports.evaluate import evaluate_report

    check_limits(top=top, bins=bins, bootstrap=bootstrap)
    threshold = _number_or_rule(threshold)
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
    if engine == "dask":
        from clfdiag.engines.distributed import evaluate_dask

        if streaming is False:
            from clfdiag.errors import ClfdiagError

            raise ClfdiagError("--in-memory and --engine dask cannot be combined",
                               "the Dask engine folds each part into histograms; leave out one")
        run = evaluate_dask(path, options, StreamSettings(threshold, min_confidence, top, bins,
                                                          slices), scheduler, progress)
        return evaluate_report(run, bins=bins)
    if whole or not (should_stream(path) if streaming is None else streaming):
        preds = read_predictions(path, options)
        values = None
        if slices is not None:
            from clfdiag.io.groups import read_group_columns

            if options is not None and options.labels_file is not None:
                from clfdiag.errors import ClfdiagError

                raise ClfdiagError("--by cannot be combined with --labels",
                                   "put the group columns in the file of labels and "
                                   "predictions")
            values = read_group_columns(path, list(slices.by), preds.rows)
        return evaluate(preds, threshold=threshold, min_confidence=min_confidence, top=top,
                        bins=bins, slices=slices, group_values=values, bootstrap=bootstrap,
                        seed=seed, target_risk=target_risk)
    assert not isinstance(threshold, str)
    run = evaluate_stream(path, options,
                          StreamSettings(threshold, min_confidence, top, bins,
                                         target_risk=target_risk),
                          batch_bytes or BATCH_BYTES, slices, progress)
    return evaluate_report(run, bins=bins)


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


def epoch_label(name: str, position: int) -> int:
    """The epoch a file name gives (its last number: ``epoch_10.csv`` is 10), else its position."""
    numbers = re.findall(r"\d+", name.rsplit("/", 1)[-1])
    return int(numbers[-1]) if numbers else position


def epochs(
    runs: Sequence[Predictions],
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
) -> TrajectoryReport:
    """Scan the predictions of successive epochs on one validation set, in training order.

    Every file must hold the same examples (``allow_partial`` keeps those all
    files share and reports the rest). Each epoch is evaluated; each is flagged
    when its log loss and accuracy both rose against the previous epoch, with
    the diagnosis of that change and the paired tests of both rises (McNemar's
    p for accuracy, the paired log-loss test's p); ``significant`` keeps only
    the flags where both rises are significant at ``alpha``. The last epoch is
    compared with the best one by loss.
    """
    from dataclasses import replace

    from clfdiag.core.comparison import compare_predictions
    from clfdiag.core.evaluation import evaluate_predictions
    from clfdiag.core.trajectory import scan
    from clfdiag.errors import ClfdiagError
    from clfdiag.pairing import common_examples, pair_predictions
    from clfdiag.reports.epochs import epochs_report

    check_limits(bins=bins)
    if len(runs) < 2:
        raise ClfdiagError("epochs needs at least two prediction files",
                           "for one file use `clfdiag evaluate`")
    for run in runs:
        require_supported(run, "epochs", hard=False, weights=True)
    cut = decision_threshold(runs[0], threshold)
    labels = list(labels) if labels is not None else [
        epoch_label(p.source.path, i + 1) for i, p in enumerate(runs)]
    if len(set(labels)) != len(labels):
        labels = list(range(1, len(runs) + 1))
    common = common_examples(list(runs), allow_partial)
    runs = common.runs
    evaluations = [evaluate_predictions(p.y, p.proba, threshold=cut,
                                        min_confidence=min_confidence, top=0, n_bins=bins,
                                        weights=p.weights)
                   for p in runs]
    losses = [e.metrics["log_loss"] for e in evaluations]
    accuracies = [e.metrics["accuracy"] for e in evaluations]
    trajectory = scan(losses, accuracies, min_loss_delta=min_loss_delta,
                      min_accuracy_delta=min_accuracy_delta)

    def compare_pair(i: int, j: int) -> Any:
        paired = pair_predictions(runs[i], runs[j])
        return compare_predictions(paired.y, paired.proba_a, paired.proba_b,
                                   threshold=cut, min_confidence=min_confidence, top=0,
                                   n_bins=bins, min_loss_delta=min_loss_delta,
                                   min_accuracy_delta=min_accuracy_delta,
                                   weights=paired.weights)

    changes = {i: compare_pair(i - 1, i) for i in trajectory.flagged}
    tests = {i: rise_tests(cmp, alpha) for i, cmp in changes.items()}
    all_flags = len(trajectory.flagged)
    if significant:
        trajectory = replace(trajectory, loss_up_accuracy_up=tuple(
            (f and tests[i]["both_significant"]) if f else f
            for i, f in enumerate(trajectory.loss_up_accuracy_up)))
    last, best = len(runs) - 1, trajectory.best_by_loss
    last_vs_best = compare_pair(best, last) if best is not None and best != last else None
    return epochs_report(labels, common, evaluations, trajectory, changes, tests, last_vs_best,
                         alpha=alpha, significant=significant, flagged_before_tests=all_flags,
                         min_loss_delta=min_loss_delta, min_accuracy_delta=min_accuracy_delta)


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
    """Scan a training history: the ``epochs`` scan without the metrics that need predictions."""
    from clfdiag.core.trajectory import scan
    from clfdiag.reports.history import history_report

    evaluations = run.evaluations
    trajectory = scan([e.loss for e in evaluations], [e.accuracy for e in evaluations],
                      min_loss_delta=min_loss_delta, min_accuracy_delta=min_accuracy_delta,
                      segment_starts=run.segment_starts)
    return history_report(run, trajectory, min_loss_delta=min_loss_delta,
                          min_accuracy_delta=min_accuracy_delta)


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
    report is built, which then says what the file holds. A mapping fitted on
    other classes (names or order) raises :class:`~clfdiag.errors.ClfdiagError`
    naming ``--apply``.
    """
    from clfdiag.core.calibration_mapping import MappingError, mapping_from_dict
    from clfdiag.core.recalibration import apply_mapping
    from clfdiag.errors import ClfdiagError
    from clfdiag.reports.calibrate import applied_report

    check_limits(bins=bins, bootstrap=bootstrap)
    require_calibratable(preds)
    try:
        fitted = mapping_from_dict(mapping, preds.classes)
        mapped = apply_mapping(fitted.params, preds.proba, temperature_logits(preds))
    except (MappingError, ValueError) as exc:
        raise ClfdiagError(f"--apply {mapping_name}: {exc}",
                           "apply a mapping saved by `clfdiag calibrate --save` on "
                           "predictions of the same classes") from None
    notes: list[str] = []
    if write:
        from clfdiag.io.calibrated import write_calibrated

        notes = write_calibrated(preds, mapped, output)
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
