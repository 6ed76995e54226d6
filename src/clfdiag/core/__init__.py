"""The numeric engine: arrays in, small frozen results out; no files, no terminal.

Imports only numpy and the standard library, so that it can be used from any
pipeline and tested in isolation.
"""

from clfdiag.core.evaluation import Evaluation, evaluate_predictions

__all__ = ["Evaluation", "evaluate_predictions"]
