"""clfdiag: how good, and how trustworthy, a classifier's predictions are.

The Python API mirrors the command line::

    import clfdiag
    preds = clfdiag.read_predictions("preds.csv")
    report = clfdiag.evaluate(preds)        # the same dict as `--format json`

Every name is imported on first use, so that `clfdiag --help` loads no numpy or
pyarrow; ``__all__`` and the lazy attributes come from the one table below.
"""

from __future__ import annotations

from clfdiag.version import __version__ as __version__

# Not `typing.TYPE_CHECKING`: importing typing would delay the handling of Ctrl-C at start-up.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

COMMANDS = ("evaluate", "compare", "epochs", "history", "threshold", "calibrate", "ood",
            "conformal", "rank", "label_issues")
"""One function of :mod:`clfdiag.api` per command of the CLI, under the command's name."""

_LAZY = {
    **dict.fromkeys(COMMANDS, "clfdiag.api"),
    "evaluate_file": "clfdiag.api",
    "apply_calibration": "clfdiag.api",
    "read_predictions": "clfdiag.io",
    "ReadOptions": "clfdiag.io",
    "predictions_from_frame": "clfdiag.io",
    "read_history": "clfdiag.io.histories",
    "ThresholdSettings": "clfdiag.reports.threshold",
}

__all__ = sorted(["__version__", *_LAZY])


def __getattr__(name: str) -> Any:
    # Imported on first use, so that `clfdiag --help` does not load numpy or pyarrow.
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(name)
