"""Everything that touches files: readers that produce :class:`~clfdiag.predictions.Predictions`.

A predictions file is read top-down, one module a step:

1. :mod:`~clfdiag.io.source`: the bytes (a path, stdin, compression, the format);
2. :mod:`~clfdiag.io.tables`: the table (the one header reader, the needed columns);
3. :mod:`~clfdiag.io.header_roles`: the columns' roles from their names;
4. :mod:`~clfdiag.io.content_roles`: the roles the names leave open, from the content;
5. :mod:`~clfdiag.io.predictions`: the arrays, validated, as ``Predictions``.
"""

from clfdiag.io.predictions import ReadOptions, predictions_from_frame, read_predictions

__all__ = ["ReadOptions", "predictions_from_frame", "read_predictions"]
