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

__all__ = ["ReadOptions", "__version__", "evaluate", "read_predictions"]


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
