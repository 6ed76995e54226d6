"""Parsing a sniffed input into an Arrow table of the needed columns, accounting for every line.

Every format comes out the same way: the label as integers when every label is
an integer and as text otherwise, with only an empty cell missing (``NA``,
``null`` or ``None`` are label values, not gaps); probabilities as float64, where
an empty cell or a null word is missing; ids as text (``007`` is not ``7``).

A CSV read is checked against the lines it came from: the rows parsed, the blank
lines skipped and the lines inside quoted values must add up to the lines of
the file, so a stray quote that swallows rows is an error naming its line, never
a short table.
"""

from __future__ import annotations

import contextlib
import csv
import re
from collections.abc import Callable, Iterator
from typing import IO, Any

import numpy as np

from clfdiag.errors import ClfdiagError
from clfdiag.io.arrays import empty_as_null, to_numpy
from clfdiag.io.csv_pieces import read_in_pieces
from clfdiag.io.header_roles import ColumnRoles
from clfdiag.io.memory import release_freed_memory, reuse_freed_memory
from clfdiag.io.source import HEADER_BYTES, Source, csv_field_limit, json_record, shorten

BLOCK_BYTES = 1 << 24
"""Arrow's CSV block size for in-memory reads (16 MiB): fewer, larger blocks parse faster."""
SHOW_ROWS = 5
PERCENT_SIGN = re.compile(r"^\s*[+-]?(\d+[.,]?\d*|[.,]\d+)\s*%\s*$")
"""A cell such as ``25.16%``: a percentage with its sign."""
VECTOR = re.compile(r"^\s*\[\s*[-+0-9.eE]+(\s*,\s*[-+0-9.eE]+)+\s*\]\s*$")
"""A cell such as ``[0.2,0.8]``: one vector of numbers (Spark's probability column)."""
NUMBER = (r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
          r"|^[+-]?(inf|Inf|INF|infinity|Infinity|nan|NaN|NAN)$")


def is_vector_type(kind: Any) -> bool:
    """Whether an Arrow type holds one vector of numbers per row (a list, Spark's vector)."""
    return _numeric_list(kind) or spark_vector(kind)


def spark_vector(kind: Any) -> bool:
    """Whether an Arrow type is Spark ML's vector as written out: a struct of ``values``.

    ``toJSON`` writes ``{"type":1,"values":[0.2,0.8]}`` and Parquet the struct
    ``type, size, indices, values``; type 1 is dense, type 0 sparse (``size`` entries,
    ``values`` at ``indices``, zeros elsewhere).
    """
    import pyarrow as pa

    if not pa.types.is_struct(kind):
        return False
    index = kind.get_field_index("values")
    return index >= 0 and _numeric_list(kind.field(index).type)


def _numeric_list(kind: Any) -> bool:
    """Whether an Arrow type is a list of numbers (one vector per row)."""
    import pyarrow as pa

    if not (pa.types.is_list(kind) or pa.types.is_large_list(kind)
            or pa.types.is_fixed_size_list(kind)):
        return False
    value = kind.value_type
    return bool(pa.types.is_floating(value) or pa.types.is_integer(value))


def table_header(source: Source) -> tuple[str, ...]:
    """The column names of any input, refusing names that appear twice."""
    header = source.header if source.kind in ("csv", "jsonl") else _schema_names(source)
    counts: dict[str, int] = {}
    for column in header:
        counts[column] = counts.get(column, 0) + 1
    repeated = [c for c, k in counts.items() if k > 1]
    if repeated:
        shown = shorten(", ".join(f"{c!r} ({counts[c]} times)" for c in repeated))
        raise ClfdiagError(f"{source.name}: the header names a column more than once: {shown}",
                           "rename the duplicates so that each column has its own name")
    return header


def needed_columns(roles: ColumnRoles) -> list[str]:
    """The columns to parse: label, scores, and the id and sample weights if any."""
    return ([roles.label, *roles.scores] + ([roles.id] if roles.id is not None else [])
            + ([roles.weight] if roles.weight else []))


def _numeric_columns(roles: ColumnRoles) -> tuple[str, ...]:
    """The columns read as float64: the scores and the sample weights."""
    return (*roles.scores, *([roles.weight] if roles.weight else []))


def read_table(source: Source, roles: ColumnRoles) -> Any:
    """The needed columns of the whole input as one Arrow table, types fixed."""
    reuse_freed_memory()  # every array of an in-memory evaluation is large
    if source.kind == "csv":
        return _read_csv(source, roles)
    return coerce_types(source.name, _read_columnar(source, needed_columns(roles)), roles)


def _read_columnar(source: Source, columns: list[str]) -> Any:
    """The given columns of a Parquet, Arrow IPC or JSON Lines input, validated."""
    try:
        if source.kind == "parquet":
            import pyarrow.parquet as pq

            table = pq.read_table(source.opener(), columns=columns)
            table.validate(full=True)
        elif source.kind in ("ipc", "ipc-stream"):
            table = _ipc_reader(source).read_all().select(columns)
            table.validate(full=True)  # damaged buffers must fail here, not in a kernel
        else:
            table = _read_json_columns(source, columns)
    except ClfdiagError:
        raise
    except Exception as exc:  # corrupt pages and footers raise several Arrow and OS errors
        raise _unreadable(source, exc) from None
    return table


def iter_tables(source: Source, roles: ColumnRoles, batch_bytes: int) -> Iterator[Any]:
    """Arrow tables of about ``batch_bytes`` of input each, types fixed as in :func:`read_table`."""
    import pyarrow as pa

    columns = needed_columns(roles)
    if source.kind == "csv":
        yield from _csv_batches(source, roles, batch_bytes)
        return
    try:
        if source.kind == "parquet":
            import pyarrow.parquet as pq

            batches: Iterator[Any] = pq.ParquetFile(source.opener()).iter_batches(
                columns=columns, batch_size=max(1, batch_bytes // 32))
        elif source.kind in ("ipc", "ipc-stream"):
            reader = _ipc_reader(source)
            batches = (reader.get_batch(i) for i in range(reader.num_record_batches)) \
                if source.kind == "ipc" else iter(reader)
        else:
            batches = _json_lines_batches(source, roles, batch_bytes)
        for batch in batches:
            table = batch if isinstance(batch, pa.Table) else pa.Table.from_batches([batch])
            table.validate(full=True)
            yield coerce_types(source.name, table.select(columns), roles)
    except ClfdiagError:
        raise
    except Exception as exc:
        raise _unreadable(source, exc) from None


def coerce_types(name: str, table: Any, roles: ColumnRoles) -> Any:
    """Scores as float64 (decimals too), labels as integers or text, ids as text."""
    import pyarrow as pa
    import pyarrow.compute as pc

    ids = [roles.id] if roles.id is not None else []
    for column in _numeric_columns(roles):
        kind = table.schema.field(column).type
        if is_vector_type(kind):
            # A Parquet list or Spark's vector struct under a score's name: read by content.
            raise VectorColumn(
                f"{name}: column {column!r} holds one vector per row ({kind}), not one number",
                "name no --prob-col for it, and read it --in-memory: its entries are split "
                "into one column per class index", column=column)
    for column in (roles.label, *_numeric_columns(roles), *ids):
        kind = table.schema.field(column).type
        if pa.types.is_nested(kind) or pa.types.is_binary(kind) or pa.types.is_temporal(kind):
            raise ClfdiagError(f"{name}: column {column!r} has type {kind}, which holds no "
                               "labels or probabilities",
                               "choose another column with --label-col/--prob-col/--id-col")
    for column in _numeric_columns(roles):
        kind = table.schema.field(column).type
        if pa.types.is_dictionary(kind):
            kind = kind.value_type
        if not (pa.types.is_floating(kind) or pa.types.is_integer(kind)
                or pa.types.is_boolean(kind) or pa.types.is_decimal(kind)
                or pa.types.is_null(kind)):
            raise ClfdiagError(f"{name}: column {column!r} has type {kind}, expected numbers",
                               "choose the probability column with --prob-col")
        if kind != pa.float64():
            table = _replace(table, column, pc.cast(table[column], pa.float64()))
    label = table[roles.label]
    kind = label.type
    if not (pa.types.is_integer(kind) or pa.types.is_boolean(kind) or pa.types.is_null(kind)):
        text = label if kind == pa.string() else pc.cast(label, pa.string())
        table = _replace(table, roles.label, _integers_or_text(text))
    if roles.id is not None:
        ids = table[roles.id]
        text = ids if ids.type == pa.string() else pc.cast(ids, pa.string())
        table = _replace(table, roles.id, empty_as_null(text))
    return table


def _replace(table: Any, column: str, values: Any) -> Any:
    return table.set_column(table.schema.get_field_index(column), column, values)


def _integers_or_text(text: Any) -> Any:
    """A text label column as int64 when every present label is an integer (no hashing later)."""
    import pyarrow as pa

    text = empty_as_null(text)
    try:
        return text.cast(pa.int64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return text


# --- CSV -------------------------------------------------------------------------------------


class LineCounter:
    """A binary stream that counts line breaks as the parser reads through it.

    For compressed inputs, whose text exists only as the parser reads it; a
    plain file is read by Arrow itself and its lines counted apart
    (:func:`count_lines`).
    """

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.newlines = 0
        self.last = b"\n"
        self.closed = False

    def read(self, size: int = -1) -> bytes:
        """Read and count."""
        data = self.raw.read(size)
        if data:
            self.newlines += data.count(b"\n")
            self.last = data[-1:]
        return data

    def readable(self) -> bool:
        """A readable stream."""
        return True

    def seekable(self) -> bool:
        """Never seekable: the parser reads it once, front to back."""
        return False

    def close(self) -> None:
        """Closing is left to the opener's ``with`` block."""
        self.closed = True

    def lines(self) -> int:
        """Physical lines read, counting a last line without a line break."""
        return self.newlines + (self.last != b"\n")


JSON_DEPTH = 1000
"""Arrays and objects nested deeper than this in one JSON line are refused: Arrow's JSON
parser recurses on them, and a line nested some 20,000 deep overflows its thread's stack."""


class JsonLineCounter(LineCounter):
    """A :class:`LineCounter` that refuses a JSON line nested deeper than :data:`JSON_DEPTH`.

    The check runs before the parser sees the bytes. Brackets are counted from the start of
    each line (inside strings too, so a text of a thousand brackets is refused alike).
    """

    def __init__(self, raw: IO[bytes], name: str) -> None:
        super().__init__(raw)
        self.name = name
        self.depth = 0  # opened minus closed since the last line break

    def read(self, size: int = -1) -> bytes:
        """Read, count and check the nesting."""
        before = self.newlines
        data = super().read(size)
        if not data:
            return data
        opened = data.count(b"[") + data.count(b"{")
        if opened + max(self.depth, 0) > JSON_DEPTH:
            self._check(data, before)
        last = data.rfind(b"\n")
        tail = data[last + 1:]
        depth = tail.count(b"[") + tail.count(b"{") - tail.count(b"]") - tail.count(b"}")
        self.depth = depth if last >= 0 else self.depth + depth
        return data

    def _check(self, data: bytes, before: int) -> None:
        b = np.frombuffer(data, dtype=np.uint8)
        step = ((b == 91) | (b == 123)).astype(np.int64) - ((b == 93) | (b == 125))
        run = np.cumsum(step) + self.depth
        breaks = np.flatnonzero(b == 10)
        # The depth within each line: the running count less its value at the line's start.
        starts = np.searchsorted(breaks, np.arange(len(b)), side="left") - 1
        base = np.where(starts >= 0, run[breaks[np.maximum(starts, 0)]], 0)
        deep = np.flatnonzero(run - base > JSON_DEPTH)
        if len(deep):
            line = before + int(np.count_nonzero(b[:deep[0]] == 10)) + 1
            raise ClfdiagError(f"{self.name}: line {line} nests arrays or objects more than "
                               f"{JSON_DEPTH} deep", "JSON Lines holds one JSON object per line "
                               "of labels and probabilities")


COUNT_BYTES = 1 << 24
"""Bytes counted at a time by :func:`count_lines`: one reused buffer, so memory stays flat."""


def count_lines(path: str) -> int:
    """Physical lines of a file, counting a last line without a line break.

    Read in blocks into one buffer and counted by numpy: about 0.1 s of CPU for
    290 MB, where a Python stream between Arrow's parser and the file costs
    several times that (every block crosses the interpreter).
    """
    buffer = np.empty(COUNT_BYTES, dtype=np.uint8)
    newlines, last = 0, 10
    with open(path, "rb", buffering=0) as f:
        while True:
            size = f.readinto(buffer.data)
            if not size:
                break
            newlines += int(np.count_nonzero(buffer[:size] == 10))
            last = int(buffer[size - 1])
    return newlines + (last != 10)


@contextlib.contextmanager
def counted_csv(source: Source) -> Iterator[tuple[Any, Callable[[], int]]]:
    """The CSV text for Arrow's parser, and a count of its physical lines once parsed.

    A plain file is opened by Arrow (its reads need no Python) and its lines
    counted afterwards; other inputs pass through a :class:`LineCounter`.
    """
    if source.path is not None:
        import pyarrow as pa

        with pa.OSFile(source.path) as stream:
            yield stream, lambda: count_lines(source.path or "")
        return
    with source.opener() as raw:
        counted = LineCounter(raw)
        yield counted, counted.lines


def _csv_options(source: Source, roles: ColumnRoles, block_size: int,
                 newlines_in_values: bool = False, infer_label: bool = False
                 ) -> tuple[Any, Any, Any]:
    """Arrow's options for the needed columns.

    With ``infer_label`` only an empty cell is null anywhere, and the label's
    type is inferred (integers need no hashing later; booleans are not
    inferred, so ``True`` stays a word); a probability written as a null word
    (``NA``) then fails to convert and the caller reads again without it.
    Otherwise the label is text in which no word is null, and probability
    columns keep Arrow's null words.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    types = {c: pa.float64() for c in _numeric_columns(roles)}
    if roles.id is not None:
        types[roles.id] = pa.string()
    decimal_point = "," if source.decimal_comma else "."
    if infer_label:
        convert = pacsv.ConvertOptions(
            include_columns=needed_columns(roles), column_types=types, null_values=[""],
            strings_can_be_null=True, true_values=[], false_values=[],
            decimal_point=decimal_point)
    else:
        types[roles.label] = pa.string()
        convert = pacsv.ConvertOptions(
            include_columns=needed_columns(roles), column_types=types,
            strings_can_be_null=False, decimal_point=decimal_point)
    parse = pacsv.ParseOptions(delimiter=source.delimiter,
                               newlines_in_values=newlines_in_values,
                               invalid_row_handler=skip_space_only_row)
    return parse, convert, _read_options(source, block_size)


def skip_space_only_row(row: Any) -> str:
    """Arrow's answer to a row of the wrong width: skip one holding only spaces, else fail.

    A line of spaces (an editor's leftover after the last row) is a blank line, as
    :func:`_account` counts it; any other short or long row stays an error.
    """
    return "skip" if row.text is not None and not row.text.strip() else "error"


def _space_only(fields: list[str], width: int) -> bool:
    """A line of spaces (one field holding only whitespace) in a file of several columns."""
    return width > 1 and len(fields) == 1 and not fields[0].strip()


def _read_csv(source: Source, roles: ColumnRoles, newlines_in_values: bool = False) -> Any:
    def options(infer_label: bool) -> tuple[Any, Any, Any]:
        return _csv_options(source, roles, BLOCK_BYTES, newlines_in_values, infer_label)

    table = _read_csv_accounted(source, options, newlines_in_values, roles)
    if table is None:
        return _read_csv(source, roles, newlines_in_values=True)
    return coerce_types(source.name, table, roles)


def _read_csv_accounted(source: Source, options: Callable[[bool], tuple[Any, Any, Any]],
                        newlines_in_values: bool, roles: ColumnRoles | None) -> Any:
    """Parse a whole CSV input and check it against its lines.

    ``options(first)`` gives Arrow's options of the first attempt and, with
    ``roles``, of a second one after a conversion error (a non-numeric
    probability is then named by its rows). Returns None when quoted values
    span lines and the parse must be repeated with ``newlines_in_values``.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    def parse(first: bool) -> tuple[Any, Callable[[], int]]:
        parse_options, convert, read = options(first)
        if source.path is not None and not parse_options.newlines_in_values:
            pieces = read_in_pieces(source.path, source.header, source.delimiter,
                                    parse_options, convert, read)
            if pieces is not None:
                release_freed_memory()
                return pieces
        with counted_csv(source) as (stream, lines):
            # The system allocator gives the parser's buffers back to the OS once the
            # table is released, so that they do not add to the engine's peak memory.
            table = pacsv.read_csv(stream, parse_options=parse_options,
                                   convert_options=convert, read_options=read,
                                   memory_pool=pa.system_memory_pool())
        release_freed_memory()
        return table, lines

    with _csv_errors(source, roles):
        try:
            table, lines = parse(first=True)
        except pa.ArrowInvalid as exc:
            if roles is None or "conversion error" not in str(exc):
                raise
            table, lines = parse(first=False)
    if table.num_rows + source.header_lines != lines():
        quoted_lines = _account(source, table.num_rows, quotes_read=newlines_in_values)
        if quoted_lines and not newlines_in_values:
            return None
    return table


def read_inferred(source: Source, columns: list[str], text_columns: tuple[str, ...] = ()
                  ) -> Any:
    """The named columns with their types inferred from the values, every line accounted for.

    For deciding a column's role from its content: only an empty cell is
    missing, no word is read as a boolean, and ``text_columns`` (ids, labels)
    stay text. The same strictness as :func:`read_table`: a CSV read that does
    not account for every line of the input is an error naming the line.
    """
    import pyarrow as pa

    columns = list(dict.fromkeys(columns))
    if source.kind == "csv":
        def options(newlines_in_values: bool) -> tuple[Any, Any, Any]:
            import pyarrow.csv as pacsv

            convert = pacsv.ConvertOptions(
                include_columns=columns,
                column_types={c: pa.string() for c in text_columns if c in columns},
                null_values=[""], strings_can_be_null=True, true_values=[], false_values=[],
                decimal_point="," if source.decimal_comma else ".")
            parse = pacsv.ParseOptions(delimiter=source.delimiter,
                                       newlines_in_values=newlines_in_values,
                                       invalid_row_handler=skip_space_only_row)
            return parse, convert, _read_options(source, BLOCK_BYTES)

        table = _read_csv_accounted(source, lambda _: options(False), False, None)
        if table is None:
            table = _read_csv_accounted(source, lambda _: options(True), True, None)
        return table
    return _read_columnar(source, columns)


@contextlib.contextmanager
def _csv_errors(source: Source, roles: ColumnRoles | None) -> Iterator[None]:
    """Turn Arrow's failures while parsing ``source`` into errors in the user's terms."""
    import pyarrow as pa

    try:
        yield
    except pa.ArrowInvalid as exc:
        raise _csv_failure(source, roles, exc) from None
    except ClfdiagError:
        raise
    except Exception as exc:
        raise _unreadable(source, exc) from None


def _csv_failure(source: Source, roles: ColumnRoles | None, exc: Exception) -> ClfdiagError:
    """Arrow's CSV error in the user's terms: the non-numeric cells by row, or the bad line."""
    text = str(exc)
    if "invalid UTF8" in text:
        from clfdiag.io.source import first_invalid_utf8

        return first_invalid_utf8(source) or _malformed(source, text)
    if roles is not None and "conversion error" in text:
        return _non_numeric(source, roles, text)
    return _malformed(source, text)


def _csv_batches(source: Source, roles: ColumnRoles, batch_bytes: int) -> Iterator[Any]:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    newlines_in_values = False
    if b'"' in _head(source):
        # A quoted value may span lines; streaming cannot go back to re-read.
        newlines_in_values = True
    parse, convert, read = _csv_options(source, roles, batch_bytes, newlines_in_values)
    rows = 0
    with _csv_errors(source, roles), counted_csv(source) as (stream, lines):
        # Opening parses the first block, so it can fail like any later block.
        reader = pacsv.open_csv(stream, parse_options=parse, convert_options=convert,
                                read_options=read)
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                break
            rows += batch.num_rows
            yield coerce_types(source.name, pa.Table.from_batches([batch]), roles)
    if rows + source.header_lines != lines() \
            and _account(source, rows, quotes_read=newlines_in_values) and not newlines_in_values:
        # Batches already given out were split at line breaks inside quoted values.
        raise ClfdiagError(
            f"{source.name}: quoted values span lines beyond the first 64 KiB, which a batch "
            "read split", "evaluate with --in-memory")


def _head(source: Source) -> bytes:
    with source.opener() as raw:
        return bytes(raw.read(1 << 16))


def _records(source: Source) -> Iterator[tuple[int, int, list[str]]]:
    """``(first line, last line, fields)`` of each record, as Python's csv module reads them."""
    def lines() -> Iterator[str]:
        number = 0
        with source.opener() as raw:
            rest: list[bytes] = []  # the blocks of a line not yet ended, joined once it ends
            size = 0
            while True:
                block = raw.read(1 << 20)
                if not block:
                    break
                cut = block.rfind(b"\n") + 1
                if not cut:
                    rest.append(block)
                    size += len(block)
                    if size > HEADER_BYTES:  # more than a field may hold: no CSV row
                        raise ClfdiagError(
                            f"{source.name}: line {number + 1} runs over "
                            f"{HEADER_BYTES >> 20} MiB without a line break",
                            "every line is one row of the predictions; check that the file "
                            "is the CSV you meant (not a single line of other data)")
                    continue
                lines = _split(b"".join([*rest, block[:cut]]).decode("utf-8", "replace"))
                rest, size = [block[cut:]], len(block) - cut
                number += len(lines)
                yield from lines
            if size:
                yield b"".join(rest).decode("utf-8", "replace")

    # Strict: a quote left open at the end of the file is an error, not a last long value.
    reader = csv.reader(lines(), delimiter=source.delimiter, strict=True)
    last = 0
    try:
        # Cells as large as Arrow accepts (the csv module stops at 128 KiB by default).
        with csv_field_limit(HEADER_BYTES):
            for fields in reader:
                yield last + 1, reader.line_num, fields
                last = reader.line_num
    except csv.Error as exc:
        raise ClfdiagError(
            f"{source.name}: malformed CSV: row {last} (line {last + 1}): a quoted value is "
            f"not closed properly ({exc}; the record runs to line {reader.line_num})",
            "close the quote, or remove the stray '\"'") from None


def _split(text: str) -> list[str]:
    r"""Lines ending in \n only (form feeds and U+2028 are data in CSV)."""
    parts = text.split("\n")
    return [p + "\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def _read_options(source: Source, block_size: int) -> Any:
    """Arrow's CSV read options: the header's names, given when the file has no header line."""
    import pyarrow.csv as pacsv

    names = list(source.header) if source.no_header else None
    return pacsv.ReadOptions(block_size=block_size, column_names=names)


def _account(source: Source, rows_read: int, quotes_read: bool = False) -> int:
    """Check, line by line, that ``rows_read`` rows are all the file holds.

    Returns the number of lines inside quoted values that span lines; raises
    naming the first line that breaks the file's shape. ``quotes_read`` says
    the parser read values across lines, so its rows must equal the records.
    """
    width = len(source.header)
    records = quoted_lines = 0
    for first, last, fields in _records(source):
        if first <= source.header_lines or not fields or (
                last == first and (fields == [""] or _space_only(fields, width))):
            continue  # the header, and blank lines (Arrow skips them; lines of spaces too)
        if len(fields) != width:
            raise _shape_error(source, first, last, len(fields), width)
        records += 1
        quoted_lines += last - first
    if rows_read >= 0 and records != rows_read and (quotes_read or not quoted_lines):
        raise ClfdiagError(
            f"{source.name}: the parser read {rows_read} rows but the file holds {records}",
            "check the file's quoting; every line must be a row")
    return quoted_lines


def _shape_error(source: Source, first: int, last: int, found: int, width: int) -> ClfdiagError:
    # Rows count the file's lines after the header, blank lines included.
    if last > first:
        return ClfdiagError(
            f"{source.name}: malformed CSV: row {first - 1} (line {first}): a quoted value "
            f"opened on this line runs over {last - first + 1} lines (to line {last}) and "
            f"the record has {found} fields, the header {width}",
            "close the quote, or remove the stray '\"' from the line")
    return ClfdiagError(
        f"{source.name}: malformed CSV: row {first - 1} (line {first}): {found} fields where "
        f"the header has {width}",
        "every row must have as many fields as the header")


def _malformed(source: Source, arrow_message: str) -> ClfdiagError:
    """A parse error, located by reading the lines again (Arrow's message names no line)."""
    _account(source, -1)
    if "straddles two block boundaries" in arrow_message:
        # One row longer than the parser's block: no row is malformed, none is named.
        return ClfdiagError(
            f"{source.name}: a row is longer than the block the parser reads at a time "
            "(a value of megabytes, such as an embedded document or image)",
            "leave that value out of the file; a read in batches (--streaming) parses "
            "smaller blocks than a read of the whole file (--in-memory)")
    detail = shorten(arrow_message.removeprefix("CSV parse error: "))
    return ClfdiagError(f"{source.name}: malformed CSV: {detail}",
                        "every row must have as many fields as the header")


class VectorColumn(ClfdiagError):
    """A score column named by the header holds vectors (``[0.2,0.8]``), not numbers."""

    def __init__(self, message: str, hint: str, column: str) -> None:
        super().__init__(message, hint)
        self.column = column


def _non_numeric(source: Source, roles: ColumnRoles, arrow_message: str) -> ClfdiagError:
    """Find the rows whose probability cell is not a number, for a message that names them.

    The probability columns are read again as text, batch by batch, so that
    memory stays bounded however large the file.
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    parse, _, read = _csv_options(source, roles, BLOCK_BYTES, newlines_in_values=True)
    convert = pacsv.ConvertOptions(
        include_columns=list(_numeric_columns(roles)), strings_can_be_null=True,
        column_types={c: pa.string() for c in _numeric_columns(roles)})
    found: dict[str, list[tuple[int, str]]] = {c: [] for c in _numeric_columns(roles)}
    counts = dict.fromkeys(_numeric_columns(roles), 0)
    first_row = 1
    try:
        with source.opener() as stream:
            for batch in pacsv.open_csv(stream, convert_options=convert, parse_options=parse,
                                        read_options=read):
                for column in _numeric_columns(roles):
                    text = pc.utf8_trim_whitespace(batch.column(column))
                    if source.decimal_comma:
                        point = to_numpy(pc.match_substring(text, "."), fill=False)
                        text = pc.replace_substring(text, ",", ".")
                    numeric = to_numpy(pc.match_substring_regex(text, NUMBER), fill=True)
                    if source.decimal_comma:
                        numeric &= ~point
                    where = np.flatnonzero(~numeric)
                    counts[column] += len(where)
                    room = SHOW_ROWS - len(found[column])
                    found[column] += [(first_row + int(i), str(batch.column(column)[int(i)]))
                                      for i in where[:max(room, 0)]]
                first_row += batch.num_rows
    except pa.ArrowInvalid:
        return _malformed(source, arrow_message)
    if any("\n" in cell for cells in found.values() for _, cell in cells):
        _account(source, -1)  # a quoted value runs over lines: name where it opens
    for column in _numeric_columns(roles):
        if counts[column]:
            shown = ", ".join(f"{row} ({shorten(cell, 40)!r})" for row, cell in found[column])
            more = (f" and {counts[column] - SHOW_ROWS} more"
                    if counts[column] > SHOW_ROWS else "")
            hint = ("probabilities must be numbers; fix these cells or pass --prob-col to "
                    "choose another column")
            repeated = [row for row, cell in found[column]
                        if cell.strip().strip('"') == column.strip()]
            if repeated:
                # ``cat fold*.csv > oof.csv`` keeps each file's header line.
                hint = (f"row {repeated[0]} repeats the header line (files joined with their "
                        "headers?): remove the repeated header lines; --drop-invalid does "
                        "not drop non-numeric cells")
            elif found[column] and all(PERCENT_SIGN.match(cell) for _, cell in found[column]):
                hint = ("the values are percentages written with a '%' sign: remove the signs "
                        "(e.g. sed 's/%//g'), then pass --percent to divide them by 100")
            if source.decimal_comma:
                hint = ("the file writes decimals with a comma, so '.' is not a decimal mark "
                        "here; " + hint)
            if counts[column] == first_row - 1 and all(VECTOR.match(cell)
                                                       for _, cell in found[column]):
                # Spark's ``label,probability`` with one vector per row: read by content.
                return VectorColumn(
                    f"{source.name}: column {column!r} holds one vector per row "
                    f"(e.g. {found[column][0][1]!r}), not one number",
                    "read it --in-memory, where its entries are split into one column per "
                    "class index", column=column)
            return ClfdiagError(
                f"{source.name}: column {column!r}: {counts[column]} non-numeric values "
                f"(rows {shown}{more})", hint)
    return ClfdiagError(f"{source.name}: {shorten(arrow_message)}")


def _unreadable(source: Source, exc: BaseException) -> ClfdiagError:
    what = {"parquet": "Parquet", "ipc": "Arrow IPC", "ipc-stream": "Arrow IPC stream",
            "jsonl": "JSON Lines"}.get(source.kind, "CSV")
    compressed = f" ({source.compression}-compressed)" if source.compression else ""
    return ClfdiagError(f"{source.name}: not a readable {what} file{compressed}: "
                        f"{shorten(str(exc) or type(exc).__name__)}",
                        "the file may be truncated or corrupt; re-create or re-download it")


# --- Arrow IPC and JSON Lines ------------------------------------------------------------------


def _schema_names(source: Source) -> tuple[str, ...]:
    try:
        if source.kind == "parquet":
            import pyarrow.parquet as pq

            schema = pq.read_schema(source.opener())
        else:
            schema = _ipc_reader(source).schema
        # Names are decoded here: a damaged name is not UTF-8 (UnicodeDecodeError).
        return tuple(schema.names)
    except Exception as exc:  # pyarrow raises several types for a corrupt footer
        raise _unreadable(source, exc) from None


def _ipc_reader(source: Source) -> Any:
    import pyarrow as pa

    # Read, not memory-mapped: offsets in a damaged file would point past its end (SIGBUS).
    if source.kind == "ipc":
        return pa.ipc.open_file(pa.OSFile(source.opener()))
    return pa.ipc.open_stream(pa.OSFile(source.opener()))


def _json_options(block_size: int) -> dict[str, Any]:
    """Arrow's JSON Lines options: blocks of ``block_size`` bytes; late keys are inferred."""
    import pyarrow.json as pajson

    return {"read_options": pajson.ReadOptions(block_size=block_size),
            "parse_options": pajson.ParseOptions(unexpected_field_behavior="infer")}


def _read_json_columns(source: Source, columns: list[str], block_size: int = BLOCK_BYTES) -> Any:
    """The given keys of every JSON line; every line must be a record."""
    import pyarrow as pa
    import pyarrow.json as pajson

    try:
        with source.opener() as raw:
            counted = JsonLineCounter(raw, source.name)
            table = pajson.read_json(counted, **_json_options(max(block_size, 1 << 20)))
    except pa.ArrowInvalid as exc:
        raise _json_error(source, str(exc)) from None
    missing = [c for c in columns if c not in table.column_names]
    if missing:
        raise ClfdiagError(f"{source.name}: no record has the key {missing[0]!r}")
    table = table.select(columns)
    if table.num_rows != counted.lines():
        records = _json_records(source)
        if records != table.num_rows:
            raise ClfdiagError(f"{source.name}: read {table.num_rows} records but the input "
                               f"holds {records} JSON lines")
    return table


def _json_lines_batches(source: Source, roles: ColumnRoles, batch_bytes: int) -> Iterator[Any]:
    """JSON Lines batch by batch; every batch must hold the needed keys' types."""
    import pyarrow as pa
    import pyarrow.json as pajson

    columns = needed_columns(roles)
    rows = 0
    try:
        with source.opener() as raw:
            counted = JsonLineCounter(raw, source.name)
            reader = pajson.open_json(counted, **_json_options(max(batch_bytes, 1 << 16)))
            missing = [c for c in columns if c not in reader.schema.names]
            if missing:
                raise ClfdiagError(f"{source.name}: the first records have no key {missing[0]!r}")
            for batch in reader:
                rows += batch.num_rows
                yield pa.Table.from_batches([batch]).select(columns)
    except pa.ArrowInvalid as exc:
        raise _json_error(source, str(exc)) from None
    if rows != counted.lines() and rows != _json_records(source):
        raise ClfdiagError(f"{source.name}: read {rows} records but the input holds "
                           f"{_json_records(source)} JSON lines")


def _json_records(source: Source) -> int:
    """The number of JSON objects, one a line, raising on the first line that is not one."""
    import io

    records = 0
    with source.opener() as raw:
        # Arrow's streams have no lines to iterate over: buffered, they do.
        for number, line in enumerate(io.BufferedReader(raw), start=1):
            if not line.strip():
                continue
            json_record(source.name, number, line)
            records += 1
    return records


def _json_error(source: Source, arrow_message: str) -> ClfdiagError:
    _json_records(source)
    return ClfdiagError(f"{source.name}: cannot read JSON Lines: {shorten(arrow_message)}",
                        "JSON Lines holds one JSON object per line")
