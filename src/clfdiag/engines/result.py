"""What an engine returns: the evaluation and what the report needs to name its rows.

An engine folds the data and stops there; the report is assembled from this by
:func:`clfdiag.reports.evaluate.evaluate_report`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from clfdiag.core.evaluation import Evaluation
from clfdiag.core.slices import SliceResult
from clfdiag.engines.slices import SliceOptions
from clfdiag.predictions import InputSummary

Mode = Literal["in-memory", "streaming", "distributed"]


@dataclass(frozen=True)
class Slices:
    """The per-group results of ``--by`` and the options they were tested with."""

    options: SliceOptions
    results: tuple[SliceResult, ...]


@dataclass(frozen=True)
class EvaluationRun:
    """One evaluation of an input, by one engine.

    ``top_rows`` and ``top_ids`` are the input rows and ids of the overconfident
    errors listed in ``evaluation`` (in its order). ``score_threshold`` is the
    decision threshold of real-valued scores (``--scores``), None without one.
    ``engine`` names a distributed engine (``"dask"``).
    """

    source: InputSummary
    classes: tuple[str, ...]
    evaluation: Evaluation
    top_rows: list[int]
    top_ids: list[str | None]
    mode: Mode = "in-memory"
    score_threshold: float | None = None
    slices: Slices | None = None
    engine: str | None = None
