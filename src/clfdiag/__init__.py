"""clfdiag: how good, and how trustworthy, a classifier's predictions are.

The Python API mirrors the command line::

    import clfdiag
    preds = clfdiag.read_predictions("preds.csv")
    report = clfdiag.evaluate(preds)        # the same dict as `--format json`
"""

from __future__ import annotations

# Not `typing.TYPE_CHECKING`: importing typing would delay the handling of Ctrl-C at start-up.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

from clfdiag.version import __version__

__all__ = ["ReadOptions", "__version__", "apply_calibration", "calibrate", "compare", "epochs",
           "evaluate", "evaluate_file", "history",
           "predictions_from_frame", "read_history", "read_predictions"]

_LAZY = {
    "read_predictions": "clfdiag.io",
    "ReadOptions": "clfdiag.io",
    "predictions_from_frame": "clfdiag.io",
    "read_history": "clfdiag.io.histories",
    "evaluate": "clfdiag.api",
    "evaluate_file": "clfdiag.api",
    "compare": "clfdiag.api",
    "epochs": "clfdiag.api",
    "history": "clfdiag.api",
    "calibrate": "clfdiag.api",
    "apply_calibration": "clfdiag.api",
}


def __getattr__(name: str) -> Any:
    # Imported on first use, so that `clfdiag --help` does not load numpy or pyarrow.
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(name)
