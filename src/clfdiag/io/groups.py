"""Reading the columns that define groups (``--by``) from beside the predictions.

The group columns are read as text from the same file as the predictions, whole
(:func:`read_group_columns`, through the same strict reader) or batch by batch
(:class:`GroupRows`), and lined up with the examples by their row numbers, so
that rows the reader dropped are dropped here too.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from clfdiag.errors import ClfdiagError
from clfdiag.io.source import Source, open_source
from clfdiag.io.tables import table_header
from clfdiag.predictions import Predictions

ObjectArray = npt.NDArray[np.object_]


def read_groups(path: str, columns: list[str], preds: Predictions,
                labels_file: str | None = None, id_col: str | None = None
                ) -> list[ObjectArray]:
    """The ``--by`` columns of each example, from the predictions or from the labels file.

    A column the predictions file lacks is read from ``labels_file`` and lined
    up with the examples as the labels were: by id, or by row position.
    """
    if labels_file is None:
        return read_group_columns(path, columns, preds.rows)
    header = table_header(open_source(path)) if path != "-" else ()
    beside = [c for c in columns if c in header]
    elsewhere = [c for c in columns if c not in header]
    found = dict(zip(beside, read_group_columns(path, beside, preds.rows), strict=True)
                 ) if beside else {}
    if elsewhere:
        found.update(zip(elsewhere, _from_labels_file(labels_file, elsewhere, preds, id_col),
                         strict=True))
    return [found[c] for c in columns]


def _from_labels_file(labels_file: str, columns: list[str], preds: Predictions,
                      id_col: str | None) -> list[ObjectArray]:
    import pyarrow as pa
    import pyarrow.compute as pc

    from clfdiag.io.arrays import to_numpy
    from clfdiag.io.joined import labels_columns

    joined_by_id = preds.source.labels_joined_by == "id"
    table, ident = labels_columns(labels_file, columns, id_col,
                                  preds.source.id_column if joined_by_id else None)
    values = _as_text(table, columns)
    if joined_by_id and ident is not None and preds.ids is not None:
        ids = pa.chunked_array([pa.array(preds.id_values(np.arange(len(preds))), pa.string())])
        where = to_numpy(pc.index_in(ids, value_set=pc.cast(table[ident], pa.string())),
                         fill=-1).astype(np.int64)
        return [v[where] for v in values]
    rows = np.arange(len(preds)) if preds.rows is None else preds.rows - 1
    return [v[rows] for v in values]


def _checked_source(path: str, columns: list[str]) -> Source:
    if path == "-":
        raise ClfdiagError("--by reads its columns from the predictions file, which cannot "
                           "be read twice from standard input", "save the input to a file")
    source = open_source(path)
    header = table_header(source)
    for column in columns:
        if column not in header:
            raise ClfdiagError(f"{source.name}: no column {column!r} for --by",
                               f"the columns are: {', '.join(header)}")
    return source


def _as_text(table: Any, columns: list[str]) -> list[ObjectArray]:
    import pyarrow as pa

    return [np.array(table[c].cast(pa.string()).to_pylist(), dtype=object) for c in columns]


def read_group_columns(path: str, columns: list[str],
                       rows: npt.NDArray[np.int64] | None = None) -> list[ObjectArray]:
    """The named columns of ``path`` as text (missing values None), one array per column.

    ``rows`` (1-based file rows, as ``Predictions.rows``) keeps only those rows.
    """
    from clfdiag.io.tables import read_inferred

    source = _checked_source(path, columns)
    values = _as_text(read_inferred(source, columns, tuple(columns)), columns)
    return values if rows is None else [v[rows - 1] for v in values]


@dataclass(frozen=True)
class GroupColumn:
    """Each example's group: ``codes[i]`` indexes ``names`` (sorted); ``column`` is its name."""

    column: str
    names: tuple[str, ...]
    codes: npt.NDArray[np.int64]


def read_group_column(path: str, column: str, preds: Predictions) -> GroupColumn:
    """Read ``column`` of the predictions file ``path`` as group codes, aligned with ``preds``.

    A missing group value is an error naming its rows: a row silently left out
    of every group would change the group sizes.
    """
    values = read_groups(path, [column], preds, preds.source.labels_file)[0]
    if len(values) != len(preds):
        raise ClfdiagError(f"{path}: --by {column!r} has {len(values)} rows for "
                           f"{len(preds)} examples")
    missing = np.flatnonzero(values == None)  # noqa: E711 (elementwise on an object array)
    if missing.size:
        rows = ", ".join(str(r) for r in preds.row_numbers(missing[:5]))
        many = "s" if missing.size > 1 else ""
        raise ClfdiagError(f"{path}: --by {column!r} is empty in {missing.size} "
                           f"row{many} (row{many} {rows}{', ...' if missing.size > 5 else ''})",
                           "fill in the group of every row")
    names, codes = np.unique(values.astype(str), return_inverse=True)
    return GroupColumn(column, tuple(str(n) for n in names), codes.astype(np.int64))


class GroupRows:
    """The group columns of a file read batch by batch, handed out by row number.

    The predictions' batches and these batches need not line up: values are
    buffered until the predictions' rows ask for them, in file order.
    """

    def __init__(self, path: str, columns: list[str], batch_rows: int = 1 << 20) -> None:
        self.columns = columns
        self._batches = self._read(_checked_source(path, columns), batch_rows)
        self._buffer: list[ObjectArray] = [np.empty(0, dtype=object) for _ in columns]
        self._first = 1

    def _read(self, source: Source, batch_rows: int) -> Iterator[list[ObjectArray]]:
        import pyarrow as pa

        if source.kind == "parquet":
            import pyarrow.parquet as pq

            for batch in pq.ParquetFile(source.opener()).iter_batches(
                    columns=self.columns, batch_size=batch_rows):
                yield _as_text(pa.Table.from_batches([batch]), self.columns)
            return
        if source.kind != "csv":
            raise ClfdiagError(f"{source.name}: --by with --streaming reads CSV and Parquet",
                               "leave out --streaming")
        import pyarrow.csv as pacsv

        # Only an empty cell is missing, as in the whole-file read: `NA` is a group.
        convert = pacsv.ConvertOptions(include_columns=self.columns, strings_can_be_null=True,
                                       null_values=[""],
                                       column_types={c: pa.string() for c in self.columns})
        parse = pacsv.ParseOptions(delimiter=source.delimiter, newlines_in_values=True)
        with source.opener() as stream:
            reader = pacsv.open_csv(stream, parse_options=parse, convert_options=convert)
            for batch in reader:
                yield _as_text(pa.Table.from_batches([batch]), self.columns)

    def take(self, first_row: int, count: int,
             rows: npt.NDArray[np.int64] | None) -> list[ObjectArray]:
        """Values of file rows ``first_row .. first_row + count - 1``, only ``rows`` if given."""
        if first_row != self._first:
            raise AssertionError("batches are taken in file order")
        while self._buffer[0].shape[0] < count:
            more = next(self._batches, None)
            if more is None:
                raise ClfdiagError(f"the --by columns {', '.join(self.columns)} end before "
                                   "the predictions do")
            self._buffer = [np.concatenate((b, m)) for b, m in zip(self._buffer, more,
                                                                   strict=True)]
        taken = [b[:count] for b in self._buffer]
        self._buffer = [b[count:] for b in self._buffer]
        self._first += count
        return taken if rows is None else [t[rows - first_row] for t in taken]
