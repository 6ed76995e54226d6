"""Writing a predictions file back with recalibrated probabilities: same columns, rows and ids.

Every column but the probability columns is copied as read (CSV cells as text,
so ``007`` stays ``007``); the probability columns get the calibrated values
(percentages again when the input held percentages). The output's format
follows its name: ``.parquet`` writes Parquet (the other columns keep their
types), anything else comma-separated CSV, whatever the input was.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import numpy.typing as npt

from clfdiag.errors import ClfdiagError
from clfdiag.io.header_roles import class_names
from clfdiag.io.labels import canonical
from clfdiag.io.output import write_report
from clfdiag.io.source import open_source
from clfdiag.predictions import Predictions

COMPRESSED = (".gz", ".bz2", ".xz", ".zip", ".zst")


def output_format(path: str) -> str:
    """``parquet`` for a ``.parquet`` name, else ``csv``; compressed names are refused."""
    lower = path.lower()
    if lower.endswith(COMPRESSED):
        raise ClfdiagError(f"-o {path}: calibrated files are written uncompressed",
                           "name the output .csv or .parquet")
    return "parquet" if lower.endswith((".parquet", ".pq")) else "csv"


def write_calibrated(preds: Predictions, calibrated: npt.NDArray[np.float64],
                     output: str) -> list[str]:
    """Write ``preds``'s input file to ``output`` with ``calibrated`` probabilities.

    Returns notes for the report. Refuses inputs whose rows cannot be matched
    one to one with the file's (standard input, dropped rows, labels joined
    from another file, vector-valued probability columns).
    """
    src = preds.source
    fmt = output_format(output)
    if src.path in ("-", "<stdin>"):
        raise ClfdiagError("--apply reads FILE twice (predictions, then every column to copy): "
                           "it cannot be standard input", "save the input to a file first")
    if src.used != src.rows or src.dropped:
        raise ClfdiagError(f"{src.path}: {src.rows - src.used} rows were dropped, but the "
                           "calibrated file keeps every row", "fix those rows and leave out "
                           "--drop-invalid")
    if src.labels_file is not None:
        raise ClfdiagError("--apply with --labels: the calibrated file copies FILE's own rows",
                           "put the labels in FILE, or leave out --labels")
    table = _read_all(src.path)
    columns = list(src.probability_columns)
    missing = [c for c in columns if c not in table.column_names]
    if missing:
        raise ClfdiagError(f"{src.path}: probability column {missing[0]!r} is not a plain "
                           "column of the file (a vector column?)",
                           "--apply rewrites one number per probability column and row")
    if table.num_rows != len(preds):
        raise ClfdiagError(f"{src.path}: read {table.num_rows} rows, but the predictions "
                           f"have {len(preds)}")
    scale = 100.0 if src.transform == "percent" else 1.0
    notes = []
    if src.transform == "logits":
        notes.append(f"{output}: the columns {', '.join(columns)} now hold calibrated "
                     "probabilities, not logits: read it without --logits")
    for column, values in zip(columns, _column_values(preds, calibrated, columns), strict=True):
        table = _replace(table, column, values * scale)
    write_report(output, encode_table(table, fmt), [src.path])
    return notes


def _column_values(preds: Predictions, calibrated: npt.NDArray[np.float64],
                   columns: list[str]) -> list[npt.NDArray[np.float64]]:
    """The calibrated values of each probability column, in the file's column order."""
    if calibrated.ndim == 2:
        # Multiclass classes are the columns' classes in the columns' order.
        return [np.ascontiguousarray(calibrated[:, j]) for j in range(calibrated.shape[1])]
    if len(columns) == 1:
        return [calibrated]
    named = [None if n is None else canonical(n) for n in class_names(tuple(columns))]
    if sorted(map(str, named)) != sorted(preds.classes):
        raise ClfdiagError(f"{preds.source.path}: cannot tell which of {', '.join(columns)} is "
                           f"the probability of {preds.classes[1]!r}",
                           "keep only the positive class's column (--prob-col)")
    return [calibrated if name == preds.classes[1] else 1.0 - calibrated for name in named]


def _read_all(path: str) -> Any:
    """Every column of the file, through the strict reader: CSV cells as text, others typed."""
    from clfdiag.io.tables import read_inferred, table_header

    source = open_source(path)
    header = list(table_header(source))
    return read_inferred(source, header, tuple(header) if source.kind == "csv" else ())


def _replace(table: Any, column: str, values: npt.NDArray[np.float64]) -> Any:
    import pyarrow as pa

    index = table.schema.get_field_index(column)
    return table.set_column(index, column, pa.array(values, type=pa.float64()))


def encode_table(table: Any, fmt: str) -> bytes:
    """An Arrow table as the bytes of a file: Parquet for ``fmt == "parquet"``, else CSV.

    CSV has one header row and no index column; cells are quoted only where
    they need it.
    """
    import pyarrow as pa

    buffer = io.BytesIO()
    if fmt == "parquet":
        import pyarrow.parquet as pq

        pq.write_table(table, buffer)
        return buffer.getvalue()
    import csv

    import pyarrow.csv as pacsv

    # Arrow quotes every header name; the csv module quotes only those that need it.
    header = io.StringIO()
    csv.writer(header, lineterminator="\n").writerow(table.column_names)
    buffer.write(header.getvalue().encode("utf-8"))
    try:
        # Unquoted when no cell needs quotes, as most prediction files are.
        pacsv.write_csv(table, buffer, pacsv.WriteOptions(include_header=False,
                                                         quoting_style="none"))
    except pa.ArrowInvalid:
        buffer.seek(0)
        buffer.truncate()
        buffer.write(header.getvalue().encode("utf-8"))
        pacsv.write_csv(table, buffer, pacsv.WriteOptions(include_header=False,
                                                         quoting_style="needed"))
    return buffer.getvalue()
