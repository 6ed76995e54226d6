"""clfdiag: how good, and how trustworthy, a classifier's predictions are.

The Python API mirrors the command line::

    import clfdiag
    preds = clfdiag.read_predictions("preds.csv")
    report = clfdiag.evaluate(preds)        # the same dict as `--format json`
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from clfdiag.predictions import Predictions

__all__ = ["ReadOptions", "__version__", "compare", "evaluate", "read_predictions"]


def __getattr__(name: str) -> Any:
    # Imported on first use, so that `clfdiag --help` does not load numpy or pyarrow.
    if name in ("read_predictions", "ReadOptions", "predictions_from_frame"):
        import clfdiag.io as io

        return getattr(io, name)
    raise AttributeError(name)


def evaluate(
    preds: Predictions,
    *,
    threshold: float = 0.5,
    min_confidence: float = 0.9,
    top: int = 10,
    bins: int = 15,
) -> dict[str, Any]:
    """Evaluate predictions and return the report documented in the README (``--format json``)."""
    from clfdiag.core.evaluation import evaluate_binary, evaluate_multiclass
    from clfdiag.report import evaluation_report

    if preds.task == "binary":
        ev = evaluate_binary(preds.y, preds.proba, threshold=threshold,
                             min_confidence=min_confidence, top=top, n_bins=bins)
    else:
        ev = evaluate_multiclass(preds.y, preds.proba, min_confidence=min_confidence,
                                 top=top, n_bins=bins)
    return evaluation_report(preds, ev)


def compare(
    a: Predictions,
    b: Predictions,
    *,
    allow_partial: bool = False,
    threshold: float = 0.5,
    min_confidence: float = 0.9,
    top: int = 10,
    bins: int = 15,
    min_loss_delta: float = 0.0,
    min_accuracy_delta: float = 0.0,
    alpha: float = 0.05,
    bootstrap: int = 0,
    seed: int | None = None,
) -> dict[str, Any]:
    """Compare two models on the same examples; the same dict as ``compare --format json``."""
    from clfdiag.core.comparison import compare_predictions
    from clfdiag.pairing import pair_predictions
    from clfdiag.report import comparison_report

    paired = pair_predictions(a, b, allow_partial)
    cmp = compare_predictions(
        paired.y, paired.proba_a, paired.proba_b, threshold=threshold,
        min_confidence=min_confidence, top=top, n_bins=bins, min_loss_delta=min_loss_delta,
        min_accuracy_delta=min_accuracy_delta, bootstrap=bootstrap, seed=seed)
    return comparison_report(a, b, paired, cmp, threshold=threshold,
                             min_loss_delta=min_loss_delta,
                             min_accuracy_delta=min_accuracy_delta, alpha=alpha)
