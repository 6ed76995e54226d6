"""Everything that touches files: readers that produce :class:`~clfdiag.predictions.Predictions`."""

from clfdiag.io.predictions import ReadOptions, predictions_from_frame, read_predictions

__all__ = ["ReadOptions", "predictions_from_frame", "read_predictions"]
