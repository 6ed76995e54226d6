"""The Dask engine: each partition folded where it is read, only the states travel.

A dataset is a list of parts (Parquet or CSV files: a directory, a glob or an
fsspec URL). Each part is read on a worker through the same reader and checks
as a local file, folded into a :class:`PartitionsState`, and the states are
merged pairwise in a tree of ``dask.delayed`` tasks. The state holds sums,
histograms of the scores (2**20 bins) and a bounded list of top errors, so what
crosses the network is a few tens of MB a part whatever its rows.

Rows in the top errors are coded ``(part << ROW_BITS) | row`` while folding, so
that ties between parts break in input order, and turned into rows of the
concatenated dataset at the end, from each part's row count.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from clfdiag.core.evaluation import Evaluation, finish
from clfdiag.core.state import Accumulator, SettingsMismatch, merged, state
from clfdiag.engines.fold import ProgressSink
from clfdiag.engines.result import EvaluationRun, Slices
from clfdiag.engines.slices import SliceOptions, audits_of, slice_results
from clfdiag.engines.streaming import StreamSettings, StreamState, update
from clfdiag.errors import ClfdiagError
from clfdiag.io.options import ReadOptions
from clfdiag.predictions import InputSummary, Predictions

ROW_BITS = 40
"""Rows of one part are below 2**40; parts are numbered above."""
PART_SUFFIXES = (".parquet", ".parq", ".pq", ".csv", ".tsv", ".txt", ".jsonl", ".ndjson",
                 ".arrow", ".feather", ".ipc", ".gz", ".bz2", ".xz", ".zip")
"""The parts a directory is read as: every format the reader reads, compressed or not."""


def _module(name: str) -> Any:
    """An optional, untyped dependency, imported when needed."""
    import importlib

    return importlib.import_module(name)


def _union(a: dict[int, Any], b: dict[int, Any]) -> dict[int, Any]:
    return {**a, **b}


def _first(a: tuple[int, Any] | None, b: tuple[int, Any] | None) -> tuple[int, Any] | None:
    if a is None or b is None:
        return b if a is None else a
    return a if a[0] <= b[0] else b


@dataclass(eq=False)
class PartitionsState(Accumulator[StreamSettings]):
    """The evaluation of the parts folded so far, and what each part held.

    ``stream`` is the same state as the streaming engine's, without its last
    batch; ``rows`` counts the input rows of each part (to number rows across
    parts); ``classes`` each part's class names (they must agree); ``first``
    the input summary of the lowest-numbered part folded; ``failed`` the parts
    left out under ``--drop-invalid``, with the reason.
    """

    stream: StreamState = state(lambda s: StreamState.of(s), merged)
    rows: dict[int, int] = state(lambda s: {}, _union)
    classes: dict[int, tuple[str, ...]] = state(lambda s: {}, _union)
    first: tuple[int, InputSummary] | None = state(lambda s: None, _first)
    failed: dict[int, str] = state(lambda s: {}, _union)
    parts: int = state(lambda s: 0, operator.add)


def list_parts(path: str) -> list[str]:
    """The parts of a dataset: a file, the data files of a directory, a glob, or a URL."""
    import glob
    import os

    if "://" in path:
        return _remote_parts(path)
    if os.path.isdir(path):
        names = sorted(os.listdir(path))
        parts = [os.path.join(path, n) for n in names
                 if not n.startswith((".", "_")) and n.lower().endswith(PART_SUFFIXES)
                 and os.path.isfile(os.path.join(path, n))]
        if not parts:
            raise ClfdiagError(f"{path}: the directory holds no parts (Parquet, CSV, TSV, "
                               "JSON Lines, Arrow)", "name the parts by their format, e.g. "
                               "*.parquet, *.csv or *.jsonl")
        return parts
    if any(c in path for c in "*?["):
        parts = sorted(p for p in glob.glob(path) if os.path.isfile(p))
        if not parts:
            raise ClfdiagError(f"{path}: no file matches this pattern")
        return parts
    if not os.path.exists(path):
        raise ClfdiagError(f"{path}: no such file or directory")
    return [path]


def _remote_parts(url: str) -> list[str]:
    try:
        fsspec = _module("fsspec")
    except ImportError:
        raise ClfdiagError(f"{url}: reading URLs needs fsspec",
                           "pip install 'clfdiag[dask]' (and s3fs or gcsfs for the store)"
                           ) from None
    fs, root = fsspec.core.url_to_fs(url)
    protocol = url.split("://", 1)[0]
    if any(c in root for c in "*?["):
        found = sorted(fs.glob(root))
    elif fs.isdir(root):
        found = sorted(p for p in fs.ls(root, detail=False)
                       if p.rsplit("/", 1)[-1].lower().endswith(PART_SUFFIXES)
                       and not p.rsplit("/", 1)[-1].startswith((".", "_")))
    else:
        found = [root]
    if not found:
        raise ClfdiagError(f"{url}: no parts found")
    return [f"{protocol}://{p}" if "://" not in p else p for p in found]


def _local_copy(part: str, directory: str) -> str:
    """A remote part copied to the worker's disk, where the reader sniffs and reads it."""
    import os

    fsspec = _module("fsspec")
    target = os.path.join(directory, part.rsplit("/", 1)[-1])
    with fsspec.open(part, "rb") as src, open(target, "wb") as dst:
        while chunk := src.read(1 << 24):
            dst.write(chunk)
    return target


def _is_empty(path: str, no_header: bool = False) -> bool:
    """A part with no rows: a Parquet file with none, or a text file of a header at most.

    Only delimited text has a header line: a line of JSON Lines, or of a file read
    with ``--no-header``, is a row.
    """
    from clfdiag.io.source import JSON_LINES_SUFFIXES

    with open(path, "rb") as f:
        head = f.read(4)
        if head == b"PAR1":
            pq = _module("pyarrow.parquet")
            try:
                return int(pq.ParquetFile(path).metadata.num_rows) == 0
            except Exception as exc:  # pyarrow raises several types for a corrupt footer
                raise ClfdiagError(f"{path}: not a readable Parquet file ({exc})") from None
        if head[:2] in (b"\x1f\x8b", b"BZ", b"\xfd7", b"PK"):
            return False
        f.seek(0)
        lines = [line for line in f.read(1 << 16).splitlines() if line.strip()]
        if lines and (no_header or lines[0].lstrip().startswith(b"{")
                      or path.lower().endswith(JSON_LINES_SUFFIXES)):
            return False
        return len(lines) <= 1 and f.read(1) == b""


def fold_part(index: int, part: str, options: ReadOptions, settings: StreamSettings
              ) -> PartitionsState:
    """Read one part (on a worker) and fold it into a fresh state; the rows never leave."""
    import tempfile

    out = PartitionsState.of(settings)
    out.parts = 1
    with tempfile.TemporaryDirectory() as tmp:
        local = _local_copy(part, tmp) if "://" in part else part
        try:
            if _is_empty(local, options.no_header):
                out.rows[index] = 0
                return out
            batch = _read_part(local, part, options, settings.slices)
        except ClfdiagError as exc:
            if not options.drop_invalid:
                raise ClfdiagError(f"part {index + 1} ({part}): {exc.message}", exc.hint
                                   ) from None
            out.failed[index] = exc.message
            return out
    preds, values = batch
    local_rows = (preds.rows if preds.rows is not None
                  else np.arange(1, len(preds) + 1, dtype=np.int64))
    coded = replace(preds, rows=local_rows + (index << ROW_BITS))
    update(out.stream, coded, values)
    out.stream.last = None
    out.rows[index] = preds.source.rows
    out.classes[index] = preds.classes
    out.first = (index, preds.source)
    return out


def _read_part(local: str, name: str, options: ReadOptions, slices: SliceOptions | None
               ) -> tuple[Predictions, list[Any] | None]:
    from clfdiag.io import read_predictions

    preds = read_predictions(local, replace(options, part=True))
    preds = replace(preds, source=replace(preds.source, path=name))
    values = None
    if slices is not None:
        from clfdiag.io.groups import read_group_columns

        values = read_group_columns(local, list(slices.by), preds.rows)
    return preds, values


def _refuse_one_label_value(path: str, source: InputSummary, classes: tuple[str, ...],
                            ev: Evaluation, options: ReadOptions) -> None:
    """A binary label column of one value in every part: refused as a single file's is.

    Each part may hold one class (a part is read with ``part=True``); only the whole
    input tells a batch of one class from a column that names no class.
    """
    from clfdiag.io.labels import one_value_error

    positives, n = ev.metrics.get("positives"), ev.metrics.get("n")
    if (options.classes or source.label_column is None or len(source.probability_columns) != 1
            or positives is None or not n or 0 < positives < n):
        return
    value = classes[1] if positives else classes[0]
    raise one_value_error(path, source.label_column, value, int(n))


def merge_states(a: PartitionsState, b: PartitionsState) -> PartitionsState:
    """Two parts' states as one (what the tree of merges runs)."""
    try:
        return a.merge(b)
    except SettingsMismatch:
        raise ClfdiagError(
            "the parts do not read alike: their decision thresholds or kinds of score differ "
            "(one part may hold only 0 and 1 in the score column)",
            "pass --threshold, or --prob-col to read every part's scores as probabilities"
        ) from None


def tree_fold(parts: list[str], options: ReadOptions, settings: StreamSettings,
              compute: Callable[[Any], PartitionsState]) -> PartitionsState:
    """Fold every part in its own task and merge the states pairwise, in a tree."""
    delayed = _module("dask").delayed
    level = [delayed(fold_part, pure=False)(i, p, options, settings) for i, p in enumerate(parts)]
    while len(level) > 1:
        level = [delayed(merge_states)(level[i], level[i + 1]) if i + 1 < len(level)
                 else level[i] for i in range(0, len(level), 2)]
    return compute(level[0])


def require_dask() -> None:
    """Exit 2 naming the optional extra when Dask is not installed."""
    try:
        import dask  # noqa: F401
        import distributed  # noqa: F401
    except ImportError:
        raise ClfdiagError("--engine dask needs dask and distributed, which are not installed",
                           "pip install 'clfdiag[dask]'") from None


def evaluate_dask(path: str, options: ReadOptions | None, settings: StreamSettings,
                  scheduler: str | None = None,
                  progress: ProgressSink | None = None) -> EvaluationRun:
    """The evaluation of a dataset of parts, folded on a Dask cluster.

    ``scheduler``: the address of a running scheduler; None starts a local
    cluster of worker processes (one a core); ``"synchronous"`` runs every task
    in this process (tests).
    """
    require_dask()
    options = options or ReadOptions()
    parts = list_parts(path)
    if scheduler == "synchronous":
        done = tree_fold(parts, options, settings,
                         lambda task: task.compute(scheduler="synchronous"))
    else:
        done = _on_cluster(parts, options, settings, scheduler, progress)
    return _report(path, parts, done, settings, options)


def _on_cluster(parts: list[str], options: ReadOptions, settings: StreamSettings,
                address: str | None, progress: ProgressSink | None) -> PartitionsState:
    import os

    distributed = _module("distributed")

    def run(client: Any) -> PartitionsState:
        leaves = [client.submit(fold_part, i, p, options, settings, pure=False)
                  for i, p in enumerate(parts)]
        level = leaves
        while len(level) > 1:
            level = [client.submit(merge_states, level[i], level[i + 1]) if i + 1 < len(level)
                     else level[i] for i in range(0, len(level), 2)]
        if progress is not None:
            progress.begin(len(parts), "parts")
            for _ in distributed.as_completed(leaves):
                progress.advance(1)
        result: PartitionsState = level[0].result()
        return result

    if address is not None:
        try:
            client = distributed.Client(address, timeout="10s")
        except OSError as exc:
            raise ClfdiagError(f"--scheduler {address}: cannot connect ({exc})",
                               "check the address, e.g. tcp://host:8786") from None
        with client:
            return run(client)
    workers = max(1, min(os.cpu_count() or 1, len(parts)))
    # No dashboard, and the scheduler's HTTP routes on a free port: on 8787 (the default)
    # another cluster on the machine would make this one warn or, with warnings as errors, fail.
    with distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                  dashboard_address=None,
                                  scheduler_kwargs={"dashboard_address": ":0"}) as cluster, \
            distributed.Client(cluster) as client:
        return run(client)


def _report(path: str, parts: list[str], done: PartitionsState, settings: StreamSettings,
            options: ReadOptions) -> EvaluationRun:
    evaluation, first = done.stream.evaluation, done.first
    if evaluation is None or first is None:
        raise ClfdiagError(f"{path}: no part holds any rows",
                           "check the path; every part was empty or left out")
    classes = done.classes[first[0]]
    differ = sorted(i for i, c in done.classes.items() if c != classes)
    if differ:
        i = differ[0]
        raise ClfdiagError(
            f"part {i + 1} ({parts[i]}) has classes {', '.join(done.classes[i])} but part "
            f"{first[0] + 1} has {', '.join(classes)}",
            "pass --positive (binary) or the same --prob-col columns to every part")
    ev = finish(evaluation, target_risk=settings.target_risk)
    _refuse_one_label_value(path, first[1], classes, ev, options)
    offsets = np.cumsum([0] + [done.rows.get(i, 0) for i in range(len(parts))])
    top = evaluation.sums.top_errors
    part_of = top.index >> ROW_BITS
    rows = (offsets[part_of] + (top.index & ((1 << ROW_BITS) - 1)) + 1).tolist()
    notes = [*first[1].notes]
    if first[1].id_column:
        notes.append("dask: ids were checked for repeats within each part, not across parts")
    for i, reason in sorted(done.failed.items()):
        notes.append(f"part {i + 1} ({parts[i]}) was left out (--drop-invalid): {reason}")
    source = replace(first[1], path=path, rows=done.stream.rows, used=done.stream.used,
                     dropped=dict(done.stream.dropped), notes=tuple(notes))
    groups = None if settings.slices is None else Slices(settings.slices, tuple(slice_results(
        done.stream.groups, evaluation, settings.slices, first[1].score_kind)),
        audits_of(done.stream.fairness, settings.slices))
    return EvaluationRun(source, classes, ev, [int(r) for r in rows],
                         [None if v is None else str(v) for v in top.ids], mode="distributed",
                         slices=groups, engine="dask")
