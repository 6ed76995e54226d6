"""The streaming engine: a fold over the batches of a file larger than memory.

The state is an :class:`~clfdiag.core.evaluation_state.EvaluationState` with
histogram rankings (bounded memory), plus a tally of the input's rows. Counts,
sums and the top errors are exact; ROC/PR and their AUCs come from the histogram
with a worst-case error bound.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from clfdiag.core.evaluation import finish
from clfdiag.core.evaluation_state import EvaluationSettings, EvaluationState
from clfdiag.core.fairness import FairnessCounts
from clfdiag.core.slices import GroupKey, merge_groups
from clfdiag.core.state import Accumulator, state
from clfdiag.engines.fold import ProgressSink, counted, fold
from clfdiag.engines.result import EvaluationRun, Slices
from clfdiag.engines.slices import (
    SliceOptions,
    add_groups,
    audits_of,
    check_slice_options,
    group_template,
    slice_results,
)
from clfdiag.errors import ClfdiagError
from clfdiag.input_checks import decision_threshold, require_supported
from clfdiag.io.options import ReadOptions
from clfdiag.predictions import InputSummary, Predictions


@dataclass(frozen=True)
class StreamSettings:
    """The options of ``evaluate`` that the evaluation state depends on."""

    threshold: float | None = None
    min_confidence: float = 0.9
    top: int = 10
    bins: int = 15
    slices: SliceOptions | None = None
    target_risk: float | None = None


def _merge_evaluations(a: EvaluationState | None, b: EvaluationState | None
                       ) -> EvaluationState | None:
    return b if a is None else a if b is None else a.merge(b)


def _later(a: Any, b: Any) -> Any:
    return a if b is None else b


@dataclass(eq=False)
class StreamState(Accumulator[StreamSettings]):
    """An evaluation over the batches seen so far and what the input held.

    The evaluation starts at the first batch, which says how many classes there
    are. ``last`` is the description of the latest batch (its classes are the
    settled ones), so partitions merge in input order.
    """

    evaluation: EvaluationState | None = state(lambda s: None, _merge_evaluations)
    rows: int = state(lambda s: 0)
    used: int = state(lambda s: 0)
    dropped: Counter[str] = state(lambda s: Counter())
    last: Predictions | None = state(lambda s: None, _later)
    groups: dict[GroupKey, EvaluationState] = state(lambda s: {}, merge_groups)
    """The state of each group of the ``--by`` columns (empty without them)."""
    fairness: FairnessCounts = state(
        lambda s: FairnessCounts.empty(0 if s.slices is None else len(s.slices.by)),
        FairnessCounts.merge)
    """Per-group confusion counts of each ``--by`` column and their crossing (binary)."""


def update(current: StreamState, batch: Predictions,
           values: list[npt.NDArray[np.object_]] | None = None) -> StreamState:
    """Add one batch of predictions; rows and ids refer to the whole file.

    ``values``: the batch's values of the ``--by`` columns, one array a column.
    """
    s = current.settings
    if current.evaluation is None:
        require_supported(batch, "evaluate", weights=True)
        if s.slices is not None:
            check_slice_options(s.slices, batch.task, batch.score_kind, batch.weights)
        if batch.score_kind == "hard":
            raise ClfdiagError(f"{batch.source.path} holds hard predictions, which are "
                               "evaluated in memory", "leave out --streaming (and --engine dask)")
        current.evaluation = EvaluationState.of(EvaluationSettings.for_scores(
            batch.proba, threshold=decision_threshold(batch, s.threshold),
            min_confidence=s.min_confidence, top=s.top, n_bins=s.bins, ranking="histogram",
            weighted=batch.weights is not None))
    positions = (batch.rows if batch.rows is not None
                 else np.arange(1, len(batch) + 1, dtype=np.int64)) - 1
    current.evaluation.update(batch.y, batch.proba, batch.weights, where=positions,
                              ids=None if batch.ids is None else _id_lookup(batch))
    if values is not None:
        add_groups(current.groups, group_template(current.evaluation), values, batch.y,
                   batch.proba, weights=batch.weights)
        if batch.task == "binary":
            cut = current.evaluation.settings.sums.threshold
            current.fairness.update(batch.y == 1, batch.proba >= cut, values, batch.weights)
    current.rows += batch.source.rows
    current.used += batch.source.used
    current.dropped.update(batch.source.dropped)
    current.last = batch
    return current


def _measure(path: str, batch_bytes: int, progress: ProgressSink
             ) -> Callable[[Predictions], float]:
    """Announce the work in a file to ``progress``; the amount each batch stands for."""
    import os

    with open(path, "rb") as f:
        head = f.read(6)
    if head[:4] == b"PAR1":
        import importlib

        pq: Any = importlib.import_module("pyarrow.parquet")  # untyped
        progress.begin(pq.ParquetFile(path).metadata.num_rows, "rows")
        return lambda batch: batch.source.rows
    compressed = head[:2] == b"\x1f\x8b" or head[:3] == b"BZh" or head[:4] in (
        b"\xfd7zX", b"PK\x03\x04")
    progress.begin(None if compressed else os.path.getsize(path), "bytes")
    return lambda batch: batch_bytes


def _id_lookup(batch: Predictions) -> Any:
    """Ids of given positions of a batch, as an object array (only for a few rows)."""
    def lookup(positions: npt.NDArray[np.int64]) -> npt.NDArray[np.object_]:
        return np.array(batch.id_values(positions), dtype=object)

    return lookup


def evaluate_stream(path: str, options: ReadOptions | None, settings: StreamSettings,
                    batch_bytes: int, slices: SliceOptions | None = None,
                    progress: ProgressSink | None = None) -> EvaluationRun:
    """The evaluation of a file read batch by batch (``"mode": "streaming"``).

    ``progress`` hears of each batch: rows of a Parquet file, else about
    ``batch_bytes`` of input a batch (Arrow's block size).
    """
    from clfdiag.io.streaming import stream_predictions
    settings = replace(settings, slices=slices)
    batches = stream_predictions(path, options, batch_bytes)
    if progress is not None:
        batches = counted(batches, progress, _measure(path, batch_bytes, progress))
    if slices is None:
        done = fold(batches, StreamState.of(settings), update)
    else:
        from clfdiag.io.groups import GroupRows

        group_rows = GroupRows(path, list(slices.by))

        def with_groups(current: StreamState, batch: Predictions) -> StreamState:
            values = group_rows.take(current.rows + 1, batch.source.rows, batch.rows)
            return update(current, batch, values)

        done = fold(batches, StreamState.of(settings), with_groups)
    if done.evaluation is None or done.last is None:
        raise AssertionError("stream_predictions yields at least one batch or raises")
    ev = finish(done.evaluation, target_risk=settings.target_risk)
    last = done.last
    notes = [*last.source.notes]
    if last.source.id_column:
        notes.append(f"streaming: ids were checked for repeats within each batch of about "
                     f"{batch_bytes / 2**20:.3g} MB of input, not across batches")
    source: InputSummary = replace(last.source, rows=done.rows, used=done.used,
                                   dropped=dict(done.dropped), notes=tuple(notes))
    top_errors = done.evaluation.sums.top_errors
    groups = None if slices is None else Slices(slices, tuple(
        slice_results(done.groups, done.evaluation, slices, last.score_kind)),
        audits_of(done.fairness, slices))
    return EvaluationRun(source, last.classes, ev, (top_errors.index + 1).tolist(),
                         [None if v is None else str(v) for v in top_errors.ids],
                         mode="streaming", slices=groups)
