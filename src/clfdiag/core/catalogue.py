"""Every metric clfdiag reports, named once: key, label, direction, definition, reference.

Renderers take labels from here, gates take directions, and the tests check that
every key a report holds has a spec and that the docs define every spec.
A new metric is one :class:`MetricSpec` in :data:`SPECS` (or passed to
:func:`register` by the module that computes it) plus its computation.

>>> spec("log_loss").greater_is_better
False
>>> spec("ece").label_for({"bins": 10})
'ECE (10 bins)'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

BINARY = frozenset({"binary"})
MULTICLASS = frozenset({"multiclass"})
BOTH = BINARY | MULTICLASS


@dataclass(frozen=True)
class MetricSpec:
    """What one metric is, independent of any data.

    ``label`` may name settings in braces (``"ECE ({bins} bins)"``), filled by
    :meth:`label_for`. ``greater_is_better`` is None for a count or share that
    has no better side (``n``, ``prevalence``). ``tasks`` lists the kinds of
    report the metric appears in. ``positive_class_dependent`` marks binary
    metrics that change when the positive class is swapped (precision, recall);
    the others are unchanged by renaming or reordering the classes.
    """

    key: str
    label: str
    greater_is_better: bool | None
    definition: str
    reference: str
    tasks: frozenset[str] = BOTH
    positive_class_dependent: bool = False

    def label_for(self, settings: Mapping[str, object] | None = None) -> str:
        """The label with its settings filled in, e.g. ``ECE (10 bins)`` for ``bins=10``."""
        return self.label.format_map(dict(settings or {}))

    def direction(self) -> str:
        """``higher``, ``lower`` or ``none``: which way the metric improves."""
        if self.greater_is_better is None:
            return "none"
        return "higher" if self.greater_is_better else "lower"


SPECS: tuple[MetricSpec, ...] = (
    MetricSpec("n", "examples", None, "number of examples used", "a count"),
    MetricSpec("positives", "positives", None, "examples of the positive class", "a count",
               BINARY, True),
    MetricSpec("prevalence", "prevalence", None, "positives / n", "a count", BINARY, True),
    MetricSpec("log_loss", "log loss (NLL)", False,
               "mean of -ln p(true class), probabilities clipped to [eps, 1 - eps]",
               "sklearn.metrics.log_loss"),
    MetricSpec("brier", "Brier score", False,
               "mean squared distance between the probability vector and the one-hot label",
               "sklearn.metrics.brier_score_loss (scale_by_half=False for multiclass)"),
    MetricSpec("accuracy", "accuracy", True, "share of examples predicted as their class",
               "sklearn.metrics.accuracy_score"),
    MetricSpec("top5_accuracy", "top-5 accuracy", True,
               "share of examples with fewer than 5 classes ranked above the true class",
               "sklearn.metrics.top_k_accuracy_score (k=5)", MULTICLASS),
    MetricSpec("balanced_accuracy", "balanced accuracy", True,
               "mean recall over the classes present", "sklearn.metrics.balanced_accuracy_score"),
    MetricSpec("precision", "precision", True, "TP / (TP + FP)",
               "sklearn.metrics.precision_score", BINARY, True),
    MetricSpec("recall", "recall (sensitivity)", True, "TP / (TP + FN)",
               "sklearn.metrics.recall_score", BINARY, True),
    MetricSpec("specificity", "specificity", True, "TN / (TN + FP)",
               "sklearn.metrics.recall_score(pos_label=0)", BINARY, True),
    MetricSpec("f1", "F1", True, "2 TP / (2 TP + FP + FN)", "sklearn.metrics.f1_score",
               BINARY, True),
    MetricSpec("macro_precision", "macro precision", True,
               "mean of the defined per-class precisions",
               "sklearn.metrics.precision_score(average='macro', zero_division=nan)",
               MULTICLASS),
    MetricSpec("macro_recall", "macro recall", True, "mean of the defined per-class recalls",
               "sklearn.metrics.recall_score(average='macro', zero_division=nan)", MULTICLASS),
    MetricSpec("macro_f1", "macro F1", True, "mean of the defined per-class F1 scores",
               "sklearn.metrics.f1_score(average='macro', zero_division=nan)", MULTICLASS),
    MetricSpec("weighted_f1", "weighted F1", True, "per-class F1 weighted by support",
               "sklearn.metrics.f1_score(average='weighted')", MULTICLASS),
    MetricSpec("mcc", "MCC", True, "Matthews correlation, Gorodkin's K-class form",
               "sklearn.metrics.matthews_corrcoef"),
    MetricSpec("cohen_kappa", "Cohen's kappa", True,
               "(p_o - p_e) / (1 - p_e): agreement of predicted and true class beyond "
               "chance (hard predictions only)", "Cohen (1960); sklearn.metrics.cohen_kappa_score"),
    MetricSpec("roc_auc", "ROC AUC", True,
               "P(a random positive scores above a random negative), ties counting 1/2; "
               "multiclass: mean one-vs-rest AUC", "sklearn.metrics.roc_auc_score"),
    MetricSpec("pr_auc", "PR AUC (avg precision)", True,
               "sum over thresholds of (R_k - R_(k-1)) P_k",
               "sklearn.metrics.average_precision_score", BINARY, True),
    MetricSpec("ece", "ECE ({bins} bins)", False,
               "sum over equal-width confidence bins of (n_b / n) |acc_b - conf_b|",
               "Guo et al. 2017, On Calibration of Modern Neural Networks"),
    MetricSpec("mce", "MCE", False, "largest |acc_b - conf_b| over non-empty bins",
               "Naeini et al. 2015, Obtaining Well Calibrated Probabilities"),
    MetricSpec("chosen_threshold", "chosen threshold", None,
               "the observed score t chosen by the criterion; predict positive iff score >= t",
               "pROC coords(..., 'best'), reported without the midpoint", BINARY, True),
    MetricSpec("criterion_value", "criterion at the chosen threshold", None,
               "the optimised criterion (Youden's J, F1, expected cost, ...) at the chosen "
               "threshold, in-sample; its direction is the criterion's",
               "Youden 1950; pROC coords(..., 'best')", BINARY, True),
    MetricSpec("cross_fitted_value", "criterion, cross-fitted", None,
               "the criterion on the pooled held-out counts, each fold scored at the "
               "threshold chosen on the other folds", "Chernozhukov et al. 2018 (cross-fitting)",
               BINARY, True),
    MetricSpec("npv", "negative predictive value", True, "TN / (TN + FN)",
               "Altman & Bland 1994, Diagnostic tests 2: predictive values", BINARY, True),
    MetricSpec("lr_positive", "positive likelihood ratio", True,
               "recall / (1 - specificity)", "sklearn.metrics.class_likelihood_ratios",
               BINARY, True),
    MetricSpec("lr_negative", "negative likelihood ratio", False,
               "(1 - recall) / specificity", "sklearn.metrics.class_likelihood_ratios",
               BINARY, True),
    MetricSpec("expected_cost", "expected cost", False,
               "(C_FP FP + C_FN FN) / n, or pi C_FN FNR + (1 - pi) C_FP FPR at a deployment "
               "prevalence pi", "Elkan 2001, The foundations of cost-sensitive learning",
               BINARY, True),
    MetricSpec("bayes_mean_cost", "mean cost, Bayes decision", False,
               "mean of C[actual, predicted] when each example is given the class of least "
               "expected cost sum_i p_i C[i, j]", "Duda, Hart & Stork 2001, section 2.2",
               MULTICLASS),
    MetricSpec("argmax_mean_cost", "mean cost, most probable class", False,
               "mean of C[actual, predicted] when each example is given its most probable class",
               "Duda, Hart & Stork 2001, section 2.2", MULTICLASS),
    MetricSpec("weight_sum", "total weight", None,
               "sum of the sample weights (--weight-col), the denominator of every weighted mean",
               "sample_weight of scikit-learn's metrics"),
    MetricSpec("ece_positive_class", "ECE of P(y=1) ({bins} bins)", False,
               "sum over equal-width bins of the predicted P(y = 1) of (n_b / n) "
               "|observed frequency of y = 1 - mean predicted P(y = 1)|",
               "sklearn.calibration.calibration_curve (strategy='uniform'); Kumar et al. 2019",
               BINARY, True),
    MetricSpec("overconfident_errors", "overconfident errors", False,
               "errors whose predicted-class probability is at least --min-confidence",
               "a count"),
    # Out-of-distribution detection (IN positive, scores oriented higher-is-IN) and
    # selective prediction (correct predictions positive, the confidence as score).
    MetricSpec("auroc", "AUROC", True,
               "P(score of a positive > score of a negative), ties 1/2: IN vs OUT (ood), "
               "correct vs wrong predictions (selective)", "sklearn.metrics.roc_auc_score"),
    MetricSpec("aupr_in", "AUPR-in", True,
               "average precision (step-wise) with IN positive, scored by the confidence",
               "sklearn.metrics.average_precision_score"),
    MetricSpec("aupr_out", "AUPR-out", True,
               "average precision (step-wise) with OUT positive, scored by -confidence",
               "sklearn.metrics.average_precision_score"),
    MetricSpec("fpr_at_95_tpr", "FPR@95TPR (IN positive)", False,
               "share of OUT scoring >= t, for the largest t keeping >= 95% of IN",
               "Hendrycks & Gimpel, ICLR 2017"),
    MetricSpec("fpr_at_95_tpr_ood_positive", "FPR@95TPR (OUT positive)", False,
               "share of IN scoring <= t, for the smallest t flagging >= 95% of OUT (score <= t)",
               "OpenOOD v1.5 (Zhang et al., 2023)"),
    MetricSpec("detection_error", "detection error", False,
               "min over thresholds of (1 - TPR + FPR) / 2",
               "Liang, Li & Srikant, ODIN, ICLR 2018"),
    MetricSpec("aurc", "AURC", False,
               "area under selective risk vs coverage, one point per distinct confidence, "
               "trapezoidal, extended to coverage 0 at the risk of the most confident group",
               "Traub et al., NeurIPS 2024 (fd-shifts)"),
    MetricSpec("e_aurc", "E-AURC", False,
               "AURC minus the AURC of an ideal ranking with the same error rate err, "
               "err + (1 - err) ln(1 - err)", "Geifman et al., ICLR 2019; fd-shifts"),
    MetricSpec("augrc", "AUGRC", False,
               "area under (errors among the kept) / n vs coverage, trapezoidal, from (0, 0)",
               "Traub et al., NeurIPS 2024 (fd-shifts)"),
)

CATALOGUE: dict[str, MetricSpec] = {s.key: s for s in SPECS}
"""Every known metric by key; extended by :func:`register`."""


def register(*specs: MetricSpec) -> None:
    """Add metric specs; a key that is already known with a different spec is an error."""
    for s in specs:
        known = CATALOGUE.get(s.key)
        if known is not None and known != s:
            raise ValueError(f"metric {s.key!r} is already in the catalogue")
        CATALOGUE[s.key] = s


def spec(key: str) -> MetricSpec:
    """The spec of a metric key (KeyError for an unknown key)."""
    return CATALOGUE[key]


def label(key: str, settings: Mapping[str, object] | None = None) -> str:
    """The label of a metric for people, or the key itself when it has no spec."""
    known = CATALOGUE.get(key)
    return key if known is None else known.label_for(settings)


def missing(keys: Iterable[str]) -> list[str]:
    """The keys that have no spec."""
    return [k for k in keys if k not in CATALOGUE]
