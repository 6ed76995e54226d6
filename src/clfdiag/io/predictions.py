"""Reading a predictions file into a validated :class:`~clfdiag.predictions.Predictions`.

Only the needed columns are parsed, by pyarrow, into numpy arrays. Every row
that cannot be used is found here, counted by reason, and either reported as an
error naming the file, the column and the first rows (the default) or dropped
and reported (``drop_invalid``). Nothing is dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO, Any

import numpy as np
import numpy.typing as npt

from clfdiag.core.transforms import sigmoid, softmax
from clfdiag.errors import ClfdiagError
from clfdiag.io.columns import ColumnRoles, detect_columns
from clfdiag.io.labels import binary_classes, canonical, class_lookup
from clfdiag.io.source import Source, open_source
from clfdiag.predictions import InputSummary, Predictions

SUM_TOLERANCE = 1e-3
SHOW_ROWS = 5


@dataclass(frozen=True)
class ReadOptions:
    """How to interpret a predictions file; every field mirrors a CLI flag."""

    label_col: str | None = None
    prob_cols: tuple[str, ...] = ()
    id_col: str | None = None
    positive: str | None = None
    logits: bool = False
    renormalize: bool = False
    drop_invalid: bool = False


def read_predictions(
    path: str, options: ReadOptions | None = None, stdin: IO[bytes] | None = None
) -> Predictions:
    """Read, validate and code one predictions file (CSV/TSV/Parquet, compressed, or ``-``)."""
    options = options or ReadOptions()
    if options.logits and options.renormalize:
        raise ClfdiagError("--logits and --renormalize cannot be combined",
                           "--logits applies softmax, which already normalises")
    source = open_source(path, stdin)
    header = source.header if source.kind == "csv" else _parquet_header(source)
    roles = detect_columns(source.name, header, options.label_col, options.prob_cols,
                           options.id_col)
    table = _read_table(source, roles)
    return predictions_from_table(source.name, table, roles, options, source)


def predictions_from_frame(frame: Any, options: ReadOptions | None = None,
                           name: str = "<dataframe>") -> Predictions:
    """Validate a pandas DataFrame or pyarrow Table already in memory, as a file would be."""
    import pyarrow as pa

    options = options or ReadOptions()
    table = frame if isinstance(frame, pa.Table) else pa.Table.from_pandas(
        frame, preserve_index=False)
    roles = detect_columns(name, tuple(table.column_names), options.label_col,
                           options.prob_cols, options.id_col)
    return predictions_from_table(name, _coerce_types(name, table, roles), roles, options)


def predictions_from_table(name: str, table: Any, roles: ColumnRoles, options: ReadOptions,
                           source: Source | None = None) -> Predictions:
    """Code labels, check every row and build the Predictions value from an Arrow table."""
    import pyarrow.compute as pc

    n = table.num_rows
    if n == 0:
        raise ClfdiagError(f"{name}: the header has no rows under it", "the file holds no data")
    invalid = _RowProblems(name, n)

    encoded = pc.dictionary_encode(table[roles.label].combine_chunks())
    raw_values = [str(v) for v in encoded.dictionary.to_pylist()]
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    missing_label = encoded.indices.is_null().to_numpy(zero_copy_only=False)
    codes = np.where(missing_label, 0, codes).astype(np.int64)
    values = [canonical(v) for v in raw_values]
    distinct = sorted(set(values) - {""})
    blank = np.array([v == "" for v in values] or [False])
    missing_label |= blank[codes] if len(values) else missing_label
    invalid.add(missing_label, _columns([roles.label]), "missing label", "fill in the label")
    if not distinct:
        raise ClfdiagError(f"{name}: column {roles.label!r} has no label in any of its {n} rows",
                           "fill in the labels, or choose another column with --label-col")

    scores = _score_matrix(table, roles.scores)
    transform = None
    if options.logits:
        finite = np.isfinite(scores).all(axis=1)
        safe = np.where(finite[:, None], scores, 0.0)
        scores = sigmoid(safe[:, 0])[:, None] if scores.shape[1] == 1 else softmax(safe)
        scores[~finite] = np.nan
        transform = "logits"
    _check_scores(invalid, scores, roles.scores, options)
    if options.renormalize and scores.shape[1] > 1:
        total = scores.sum(axis=1, keepdims=True)
        invalid.add(~(total[:, 0] > 0) & ~invalid.any_bad(), _columns(roles.scores),
                    "probabilities sum to 0", "such a row cannot be renormalised")
        with np.errstate(invalid="ignore", divide="ignore"):
            scores = scores / total
        transform = "renormalized"

    notes = []
    if scores.shape[1] == 1:
        negative, positive = binary_classes(name, distinct, options.positive, roles.classes[0])
        classes: tuple[str, ...] = (negative, positive)
        lookup = {negative: 0, positive: 1}
        proba = scores[:, 0]
        if not options.logits and np.isin(proba[~invalid.any_bad()], (0.0, 1.0)).all():
            notes.append(f"column {roles.scores[0]!r} holds only 0 and 1: these look like hard "
                         "predictions; log loss, AUC and calibration assume probabilities")
    else:
        column_classes = tuple(c if c is not None else col
                               for c, col in zip(roles.classes, roles.scores, strict=True))
        if len({canonical(c) for c in column_classes}) != len(column_classes):
            raise ClfdiagError(f"{name}: two probability columns name the same class: "
                               f"{', '.join(roles.scores)}")
        lookup = class_lookup(name, distinct, column_classes)
        classes = tuple(canonical(c) for c in column_classes)
        proba = scores
        if len(classes) == 2:
            negative, positive = binary_classes(name, list(classes), options.positive, None)
            pos_col = classes.index(positive)
            classes = (negative, positive)
            lookup = {v: int(i == pos_col) for v, i in lookup.items()}
            proba = scores[:, pos_col]

    code_to_class = np.array([lookup.get(v, -1) for v in values] or [-1], dtype=np.int64)
    y = code_to_class[codes]
    unknown = (y < 0) & ~missing_label
    if unknown.any():
        known = ", ".join(repr(c) for c in classes)
        invalid.add(unknown, _columns([roles.label]), "label with no probability column",
                    f"the probability columns give the classes {known}",
                    values=np.array(values, dtype=object)[codes])

    ids = table[roles.id].combine_chunks() if roles.id else None
    keep = ~invalid.any_bad()
    dropped = invalid.resolve(options.drop_invalid)
    rows = None
    if dropped:
        rows = np.flatnonzero(keep).astype(np.int64) + 1
        y, proba = y[keep], proba[keep]
        if ids is not None:
            import pyarrow as pa

            ids = ids.filter(pa.array(keep))
    if len(y) == 0:
        raise ClfdiagError(f"{name}: no usable rows left after dropping {sum(dropped.values())}",
                           "see the reasons above")
    if ids is not None:
        ids, y, proba, rows, dup = _deduplicate_ids(name, ids, y, proba, rows, roles.id,
                                                    options.drop_invalid)
        if dup:
            dropped["duplicate id"] = dup
    if source is not None and source.decimal_comma:
        notes.append("numbers use a decimal comma")
    summary = InputSummary(
        path=name, rows=n, used=len(y), dropped=dropped, label_column=roles.label,
        probability_columns=roles.scores, id_column=roles.id, transform=transform,
        notes=tuple(notes),
    )
    return Predictions(np.ascontiguousarray(y), np.ascontiguousarray(proba, dtype=np.float64),
                       classes, summary, ids, rows)


def _cell(value: Any) -> str:
    """A cell value as a user would write it: 1.5, not np.float64(1.5)."""
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.10g}"
    return repr(str(value))


def _columns(names: tuple[str, ...] | list[str]) -> str:
    """``column 'prob'`` or ``columns p_a, p_b, p_c``, for messages."""
    return f"column {names[0]!r}" if len(names) == 1 else "columns " + ", ".join(names)


class _RowProblems:
    """Rows that cannot be used, by reason, in the order they were found."""

    def __init__(self, name: str, n: int) -> None:
        self.name = name
        self.bad = np.zeros(n, dtype=bool)
        self.problems: list[tuple[str, str, str, npt.NDArray[np.bool_], Any]] = []

    def add(self, mask: npt.NDArray[np.bool_], where: str, reason: str, hint: str,
            values: Any = None) -> None:
        """Record the rows in ``mask`` not already recorded; ``where`` names the column(s)."""
        new = mask & ~self.bad
        if new.any():
            self.problems.append((where, reason, hint, new, values))
            self.bad |= new

    def any_bad(self) -> npt.NDArray[np.bool_]:
        return self.bad

    def resolve(self, drop: bool) -> dict[str, int]:
        """Raise on the first problem unless dropping; return the counts dropped by reason."""
        if not self.problems:
            return {}
        if not drop:
            where_text, reason, hint, mask, values = self.problems[0]
            where = np.flatnonzero(mask)
            shown = ", ".join(
                str(i + 1) + ("" if values is None else f" ({_cell(values[i])})")
                for i in where[:SHOW_ROWS])
            more = f" and {len(where) - SHOW_ROWS} more" if len(where) > SHOW_ROWS else ""
            others = sum(int(m.sum()) for *_, m, _ in self.problems[1:])
            also = f"; {others} more rows have other problems" if others else ""
            raise ClfdiagError(
                f"{self.name}: {where_text}: {reason} in {len(where)} of {len(mask)} rows "
                f"(rows {shown}{more}){also}",
                f"{hint}, or pass --drop-invalid to skip such rows (they are counted)",
            )
        counts: dict[str, int] = {}
        for _, reason, _, mask, _ in self.problems:
            counts[reason] = counts.get(reason, 0) + int(mask.sum())
        return counts


def _check_scores(invalid: _RowProblems, scores: npt.NDArray[np.float64],
                  columns: tuple[str, ...], options: ReadOptions) -> None:
    for j, column in enumerate(columns):
        col = scores[:, j]
        invalid.add(np.isnan(col), _columns([column]), "missing or NaN probability",
                    "fill in the probability")
        invalid.add(np.isinf(col), _columns([column]), "infinite value",
                    "check the model output")
    if options.logits:
        return
    for j, column in enumerate(columns):
        col = scores[:, j]
        invalid.add((col < 0) | (col > 1), _columns([column]), "values outside [0, 1]",
                    "pass --logits if these are raw scores (sigmoid/softmax is applied)",
                    values=col)
    if len(columns) > 1 and not options.renormalize:
        total = scores.sum(axis=1)
        invalid.add(np.abs(total - 1.0) > SUM_TOLERANCE, _columns(columns),
                    f"probabilities that do not sum to 1 (tolerance {SUM_TOLERANCE:g})",
                    "pass --logits if these are raw scores, or --renormalize to divide each "
                    "row by its sum", values=total)


def _score_matrix(table: Any, columns: tuple[str, ...]) -> npt.NDArray[np.float64]:
    if len(columns) == 1:
        return table[columns[0]].to_numpy().astype(np.float64, copy=False).reshape(-1, 1)
    out = np.empty((table.num_rows, len(columns)), dtype=np.float64)
    for j, c in enumerate(columns):
        out[:, j] = table[c].to_numpy()
    return out


def _deduplicate_ids(name: str, ids: Any, y: npt.NDArray[np.int64],
                     proba: npt.NDArray[np.float64], rows: npt.NDArray[np.int64] | None,
                     column: str, drop: bool) -> tuple[Any, Any, Any, Any, int]:
    import pyarrow as pa
    import pyarrow.compute as pc

    encoded = pc.dictionary_encode(ids)
    if len(encoded.dictionary) == len(ids) and ids.null_count == 0:
        return ids, y, proba, rows, 0
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    if ids.null_count:
        where = np.flatnonzero(ids.is_null().to_numpy(zero_copy_only=False))
        shown_rows = [int(i) + 1 if rows is None else int(rows[i]) for i in where[:SHOW_ROWS]]
        raise ClfdiagError(f"{name}: column {column!r}: {len(where)} rows have no id "
                           f"(rows {', '.join(map(str, shown_rows))})",
                           "fill in the ids, or choose another column with --id-col")
    _, first = np.unique(codes, return_index=True)
    keep = np.zeros(len(codes), dtype=bool)
    keep[first] = True
    repeated = np.flatnonzero(~keep)
    if not drop:
        examples = ", ".join(repr(ids[int(i)].as_py()) for i in repeated[:SHOW_ROWS])
        raise ClfdiagError(
            f"{name}: column {column!r}: {len(repeated)} duplicate ids (e.g. {examples})",
            "each example must appear once; pass --drop-invalid to keep each id's first row, or "
            "choose another column with --id-col",
        )
    return (ids.filter(pa.array(keep)), y[keep], proba[keep],
            (np.flatnonzero(keep) + 1 if rows is None else rows[keep]), len(repeated))


def _parquet_header(source: Source) -> tuple[str, ...]:
    import pyarrow.parquet as pq

    try:
        return tuple(pq.read_schema(source.opener()).names)
    except Exception as exc:  # pyarrow raises several types for a corrupt footer
        raise ClfdiagError(f"{source.name}: not a readable Parquet file ({exc})") from None


def _read_table(source: Source, roles: ColumnRoles) -> Any:
    import pyarrow as pa

    columns = [roles.label, *roles.scores] + ([roles.id] if roles.id else [])
    if source.kind == "parquet":
        import pyarrow.parquet as pq

        table = pq.read_table(source.opener(), columns=columns)
        return _coerce_types(source.name, table, roles)
    import pyarrow.csv as pacsv

    types = {c: pa.float64() for c in roles.scores}
    types[roles.label] = pa.string()
    if roles.id:
        types[roles.id] = pa.string()
    convert = pacsv.ConvertOptions(
        include_columns=columns, column_types=types, strings_can_be_null=True,
        decimal_point="," if source.decimal_comma else ".",
    )
    parse = pacsv.ParseOptions(delimiter=source.delimiter)
    try:
        with source.opener() as stream:
            return pacsv.read_csv(stream, parse_options=parse, convert_options=convert,
                                  read_options=pacsv.ReadOptions(block_size=1 << 24))
    except pa.ArrowInvalid as exc:
        text = str(exc)
        if "conversion error" in text:
            raise _non_numeric(source, roles, text) from None
        detail = text.removeprefix("CSV parse error: ")
        raise ClfdiagError(f"{source.name}: malformed CSV: {detail}",
                           "every row must have as many fields as the header") from None


def _non_numeric(source: Source, roles: ColumnRoles, arrow_message: str) -> ClfdiagError:
    """Find the rows whose probability cell is not a number, for a message that names them."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    convert = pacsv.ConvertOptions(
        include_columns=list(roles.scores), strings_can_be_null=True,
        column_types={c: pa.string() for c in roles.scores})
    with source.opener() as stream:
        table = pacsv.read_csv(stream, convert_options=convert,
                               parse_options=pacsv.ParseOptions(delimiter=source.delimiter))
    for column in roles.scores:
        text = table[column]
        if source.decimal_comma:
            text = pc.replace_substring(text, ",", ".")
        numeric = pc.match_substring_regex(
            pc.utf8_trim_whitespace(text),
            r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^[+-]?(inf|Inf|INF|infinity|Infinity)$",
        )
        bad = ~np.asarray(pc.fill_null(numeric, True).to_numpy(zero_copy_only=False))
        if bad.any():
            where = np.flatnonzero(bad)
            cells = text.to_pylist()
            shown = ", ".join(f"{i + 1} ({cells[i]!r})" for i in where[:SHOW_ROWS])
            more = f" and {len(where) - SHOW_ROWS} more" if len(where) > SHOW_ROWS else ""
            return ClfdiagError(
                f"{source.name}: column {column!r}: {len(where)} non-numeric values "
                f"(rows {shown}{more})",
                "probabilities must be numbers; fix these cells or pass --prob-col to choose "
                "another column",
            )
    return ClfdiagError(f"{source.name}: {arrow_message}")


def _coerce_types(name: str, table: Any, roles: ColumnRoles) -> Any:
    """Labels and ids as text, scores as float64, for tables not parsed from text."""
    import pyarrow as pa
    import pyarrow.compute as pc

    for column in roles.scores:
        kind = table.schema.field(column).type
        if not (pa.types.is_floating(kind) or pa.types.is_integer(kind)
                or pa.types.is_boolean(kind)):
            raise ClfdiagError(f"{name}: column {column!r} has type {kind}, expected numbers")
        table = table.set_column(table.schema.get_field_index(column), column,
                                 pc.cast(table[column], pa.float64()))
    for column in (roles.label, roles.id):
        if column is not None:
            table = table.set_column(table.schema.get_field_index(column), column,
                                     pc.cast(table[column], pa.string()))
    return table
