"""Opening an input: compression, format and dialect are sniffed before anything is parsed.

Magic bytes decide compression (gzip, bzip2, xz, zip), Parquet and Arrow IPC
(Feather), whatever the file is called; JSON Lines is known by its extension or
by a first line that is a JSON object. The whole header line and the first 64 KiB
of the decompressed text decide the encoding, the delimiter and the decimal mark.
Anything that is not delimited text (a NUL byte, invalid UTF-8, a TensorBoard
event file) is refused with a message saying what it looks like.

Standard input, pipes and ``<(...)`` are read once, into a temporary file, so
that nothing is ever read twice from a stream that cannot rewind and memory
stays bounded whatever their size.
"""

from __future__ import annotations

import atexit
import contextlib
import csv
import lzma
import os
import re
import shutil
import stat
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import IO, Any

from clfdiag.errors import ClfdiagError

SNIFF_BYTES = 1 << 16
HEADER_BYTES = 1 << 26
"""A header line longer than this (64 MiB) is refused rather than read without end."""
MESSAGE_CHARS = 200
"""Text from the file quoted in a message is cut to this many characters."""
MAGIC = {
    b"\x1f\x8b": "gzip",
    b"BZh": "bz2",
    b"\xfd7zXZ\x00": "xz",
    b"PK\x03\x04": "zip",
    b"PAR1": "parquet",
    b"ARROW1": "ipc",
    b"\xff\xff\xff\xff": "ipc-stream",
    b"FEA1": "feather-v1",
}
TABLE_KINDS = ("parquet", "ipc", "ipc-stream")
JSON_LINES_SUFFIXES = (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")
DELIMITERS = (",", "\t", ";", "|")
DECIMAL_COMMA = re.compile(r"^\s*[+-]?\d*,\d+(?:[eE][+-]?\d+)?\s*$")
DECIMAL_POINT = re.compile(r"^\s*[+-]?\d*\.\d+(?:[eE][+-]?\d+)?\s*$")


@contextlib.contextmanager
def csv_field_limit(limit: int) -> Iterator[None]:
    """Python's csv module reading fields of up to ``limit`` characters, then as before.

    The limit is the process's: set for good, it would change what every later
    reader of CSV in the process accepts.
    """
    before = csv.field_size_limit(limit)
    try:
        yield
    finally:
        csv.field_size_limit(before)


@dataclass(frozen=True)
class Source:
    """A sniffed input, ready to parse.

    ``opener`` returns a fresh binary stream of the decompressed content, to be
    used in a ``with`` block (for Parquet: a path or an in-memory buffer).
    ``path``, for text that is stored uncompressed in a regular file, names that
    file, so that a parser may open it itself (no Python in its read loop).
    """

    name: str
    kind: str  # "csv", "jsonl", "parquet", "ipc" or "ipc-stream"
    compression: str | None
    opener: Callable[[], Any]
    header: tuple[str, ...] = ()
    delimiter: str = ","
    decimal_comma: bool = False
    path: str | None = None
    no_header: bool = False
    """The file has no header line: ``header`` names the columns by position (``0``, ``1``...)."""

    @property
    def header_lines(self) -> int:
        """Lines before the first row: the header's one, or none."""
        return 0 if self.no_header else 1


def open_source(path: str, stdin: IO[bytes] | None = None, no_header: bool = False) -> Source:
    """Sniff ``path`` (``-`` for standard input) and return how to read it.

    ``no_header``: delimited text without a header line, its columns named by
    their 0-based position.
    """
    source = _sniffed(path, stdin)
    if not no_header:
        return source
    if source.kind != "csv":
        raise ClfdiagError(f"{source.name}: --no-header applies to CSV/TSV text, and this "
                           f"{source.kind} file names its columns", "leave out --no-header")
    names = tuple(str(i) for i in range(len(source.header)))
    return replace(source, header=names, no_header=True)


def _sniffed(path: str, stdin: IO[bytes] | None) -> Source:
    name, path = readable_path(path, stdin)
    with open(path, "rb") as f:
        head = f.read(8)
    if not head:
        raise ClfdiagError(f"{name}: the input is empty", "expected a header line and rows")
    if head.startswith(UTF16_BOMS):
        path = utf8_copy(name, path)
        with open(path, "rb") as f:
            head = f.read(8)
    compression = _magic(head)
    if compression == "feather-v1":
        raise ClfdiagError(f"{name}: a Feather version 1 file",
                           "re-save it as Feather version 2 (Arrow IPC) or Parquet")
    if compression in TABLE_KINDS:
        return Source(name, compression, None, lambda: path)
    if compression == "zip":
        return _zip_source(name, path)
    if compression == "xz":
        return _text_source(name, compression, lambda: lzma.open(path, "rb"))
    import pyarrow as pa

    # Arrow's own streams: native decompression, and closed by the caller's `with`.
    source = _text_source(name, compression,
                          lambda: pa.input_stream(path, compression=compression))
    return source if compression else replace(source, path=path)


_SPOOLED: dict[str, tuple[Any, str]] = {}
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
"""A UTF-16 file starts with one of these byte-order marks (Windows tools write them)."""
_TRANSCODED: dict[tuple[str, int, int], str] = {}


def utf8_copy(name: str, path: str) -> str:
    """The path of a UTF-8 copy of the UTF-16 file ``path`` (its byte-order mark says which).

    The copy is written once, in blocks, to a temporary file removed at exit, and
    reused while the file is unchanged; the parsers read only UTF-8.
    """
    import codecs

    status = os.stat(path)
    key = (os.path.abspath(path), status.st_size, status.st_mtime_ns)
    if key in _TRANSCODED:
        return _TRANSCODED[key]
    handle, copy = tempfile.mkstemp(prefix="clfdiag-", suffix=".utf8")
    atexit.register(_remove, copy)
    decoder = codecs.getincrementaldecoder("utf-16")()
    done = 0
    try:
        with open(path, "rb") as stream, os.fdopen(handle, "wb") as out:
            while block := stream.read(1 << 20):
                out.write(decoder.decode(block).encode("utf-8"))
                done += len(block)
            out.write(decoder.decode(b"", final=True).encode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ClfdiagError(f"{name}: starts as UTF-16 text but byte {done + exc.start:,} is "
                           "not UTF-16", "re-save the file as UTF-8") from None
    _TRANSCODED[key] = copy
    return copy


def readable_path(path: str, stdin: IO[bytes] | None = None) -> tuple[str, str]:
    """``(name for messages, path of a regular file)`` for ``path``.

    A stream that cannot rewind (``-``, a FIFO, ``<(...)``) is copied once, in
    blocks, into a temporary file removed at exit; later calls for the same
    path reuse that copy, so the stream is never read twice.
    """
    if path == "-":
        name = "<stdin>"
    else:
        name = path
        try:
            mode = os.stat(path).st_mode
        except FileNotFoundError:
            raise ClfdiagError(f"{path}: no such file") from None
        except OSError as exc:
            raise ClfdiagError(f"{path}: cannot open ({exc.strerror})") from None
        if stat.S_ISDIR(mode):
            raise ClfdiagError(f"{path}: is a directory, expected a predictions file")
        if stat.S_ISREG(mode):
            return name, path
    # The copy is reused only for the same stream object (a test harness swaps stdin).
    stream_object = sys.stdin if path == "-" else path
    if stdin is None and path in _SPOOLED and _SPOOLED[path][0] is stream_object:
        return name, _SPOOLED[path][1]
    handle, copy = tempfile.mkstemp(prefix="clfdiag-", suffix=".input")
    atexit.register(_remove, copy)
    try:
        with os.fdopen(handle, "wb") as out:
            if stdin is not None:
                shutil.copyfileobj(stdin, out, 1 << 20)
            elif path == "-":
                if sys.stdin is None or sys.stdin.closed:
                    raise ClfdiagError("<stdin>: standard input is closed",
                                       "pipe a predictions file in, or pass its path")
                shutil.copyfileobj(sys.stdin.buffer, out, 1 << 20)
            else:
                with open(path, "rb") as stream:
                    shutil.copyfileobj(stream, out, 1 << 20)
    except (OSError, ValueError) as exc:
        raise ClfdiagError(f"{name}: cannot read ({exc})") from None
    if stdin is None:
        _SPOOLED[path] = (stream_object, copy)
    return name, copy


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def _magic(head: bytes) -> str | None:
    for magic, kind in MAGIC.items():
        if head.startswith(magic):
            return kind
    return None


def _zip_source(name: str, path: str) -> Source:
    try:
        archive = zipfile.ZipFile(path)
    except Exception as exc:  # a damaged directory raises several error types
        raise ClfdiagError(f"{name}: not a readable zip archive ({exc})") from None
    members = [m for m in archive.namelist() if not m.endswith("/")]
    if len(members) != 1:
        raise ClfdiagError(
            f"{name}: a zip archive must hold exactly one file, found {len(members)}: "
            + ", ".join(members[:5]),
            "extract the predictions file and pass it directly",
        )
    member = members[0]
    try:
        with archive.open(member) as f:
            head = f.read(8)
    except Exception as exc:  # zipfile, zlib, bz2 and lzma each raise their own errors
        raise ClfdiagError(f"{name}: cannot decompress zip member {member!r} ({exc})") from None
    if _magic(head) in TABLE_KINDS:
        raise ClfdiagError(f"{name}: a {_magic(head)} file inside a zip archive",
                           "extract it and pass the file directly (these formats are "
                           "compressed inside already)")
    return _text_source(name, "zip", lambda: archive.open(member))


def _text_source(name: str, compression: str | None, opener: Callable[[], IO[bytes]]) -> Source:
    try:
        with opener() as f:
            sample = f.read(SNIFF_BYTES)
            # The whole header line, however long (thousands of class columns).
            while sample and b"\n" not in sample and len(sample) < HEADER_BYTES:
                more = f.read(SNIFF_BYTES)
                if not more:
                    break
                sample += more
            complete = not f.read(1)
    except Exception as exc:  # every decompressor has its own error types
        raise ClfdiagError(f"{name}: cannot decompress ({compression}): {exc}") from None
    if not sample:
        raise ClfdiagError(f"{name}: the file is empty", "expected a header line and rows")
    if b"\n" not in sample and not complete:
        raise ClfdiagError(f"{name}: no line break in the first {HEADER_BYTES >> 20} MiB",
                           "expected a header line and rows")
    _refuse_binary(name, sample)
    text = _decode(name, sample, complete)
    # Only \n ends a line in CSV; str.splitlines would also split on form feeds and U+2028.
    lines = [ln.removesuffix("\r") for ln in text.split("\n")]
    if not complete and len(lines) > 1:
        lines = lines[:-1]  # the sample may end mid-line
    # Rows are numbered by the file's lines after the header, blank lines included.
    numbers = [i for i, ln in enumerate(lines, start=1) if ln.strip()]
    lines = [lines[i - 1] for i in numbers]
    if not lines:
        raise ClfdiagError(f"{name}: the file holds only blank lines")
    rows_at = [n - numbers[0] for n in numbers]
    if lines[0].lstrip().startswith("{") or name.lower().endswith(JSON_LINES_SUFFIXES):
        return Source(name, "jsonl", compression, opener, _json_header(name, lines))
    if re.fullmatch(r"\s*\"?sep=.?\"?\s*", lines[0], flags=re.IGNORECASE) and len(lines) > 1:
        raise ClfdiagError(
            f"{name}: the first line {lines[0].strip()!r} is Excel's delimiter directive, not "
            "the header; the header is the next line",
            "delete the first line (e.g. tail -n +2 FILE > FIXED.csv) and read FIXED.csv")
    if lines[0].count('"') % 2 and re.search(r'(^|[,;\t|])\s*"', lines[0]):
        # An open quote at the end of the first line: a quoted name runs over a line break,
        # which the header, read a line at a time here, cannot hold.
        raise ClfdiagError(f"{name}: a quoted column name in the header holds a line break",
                           "rename that column without the line break (in pandas, "
                           "df.columns = df.columns.str.replace('\\n', ' '))")
    try:
        delimiter = _delimiter(name, lines, rows_at)
        header = next(csv.reader([lines[0]], delimiter=delimiter))
        rows = list(csv.reader(lines[1:50], delimiter=delimiter))
    except csv.Error as exc:
        raise ClfdiagError(f"{name}: malformed CSV in the first lines ({exc})",
                           "lines must end with \\n or \\r\\n; a lone \\r ends no line "
                           "unless inside quotes") from None
    decimal_comma = delimiter != "," and _uses_decimal_comma(rows)
    return Source(name, "csv", compression, opener, tuple(header), delimiter, decimal_comma)


def _json_header(name: str, lines: list[str]) -> tuple[str, ...]:
    """The keys of the first JSON Lines records, in order of appearance."""
    keys: dict[str, None] = {}
    for number, line in enumerate(lines[:50], start=1):
        keys.update(dict.fromkeys(json_record(name, number, line)))
    return tuple(keys)


def json_record(name: str, number: int, line: str | bytes) -> dict[str, object]:
    """Line ``number`` of a JSON Lines input as its object; anything else is an input error."""
    import json

    try:
        record = json.loads(line)
    except ValueError as exc:
        raise ClfdiagError(f"{name}: line {number} is not JSON ({exc})",
                           "JSON Lines holds one JSON object per line") from None
    except RecursionError:
        raise ClfdiagError(f"{name}: line {number} is JSON nested too deeply to be a record",
                           "JSON Lines holds one flat JSON object per line") from None
    if not isinstance(record, dict):
        raise ClfdiagError(f"{name}: line {number} is not a JSON object",
                           "JSON Lines holds one JSON object per line")
    return record


def shorten(text: str, limit: int = MESSAGE_CHARS) -> str:
    """``text`` cut to ``limit`` characters, saying how many were left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text) - limit} more characters)"


def _refuse_binary(name: str, sample: bytes) -> None:
    if b"\x00" not in sample:
        return
    looks = ""
    if "tfevents" in name or sample[12:40].find(b"brain.Event") >= 0:
        looks = " (it looks like a TensorBoard event file)"
    elif sample.startswith(UTF16_BOMS):
        # Uncompressed UTF-16 is read (see utf8_copy); inside an archive it is not.
        raise ClfdiagError(f"{name}: UTF-16 text inside a {name.rsplit('.', 1)[-1]} archive",
                           "decompress the file (it is then read as it is), or re-save it as "
                           "UTF-8")
    raise ClfdiagError(
        f"{name}: binary content (NUL bytes), not a CSV/TSV/Parquet predictions file{looks}",
        "pass a CSV, TSV or Parquet file of labels and probabilities; for a training log use "
        "`clfdiag history`" if looks else "pass a CSV, TSV or Parquet file of labels and "
        "probabilities",
    )


def _decode(name: str, sample: bytes, complete: bool) -> str:
    if sample.startswith(b"\xef\xbb\xbf"):
        sample = sample[3:]
    try:
        return sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        if not complete and exc.start >= len(sample) - 4:
            return sample[: exc.start].decode("utf-8")  # a character cut by the sample's end
        raise not_utf8(name, sample, exc.start) from None


def not_utf8(name: str, text: bytes, at: int, lines_before: int = 0) -> ClfdiagError:
    """The error for ``text``, after ``lines_before`` lines, whose byte ``at`` is no UTF-8.

    Names the line, the byte and the characters before it, and how to convert: a
    byte from 0x80 up alone is Latin-1/Windows-1252 (``é`` is 0xe9), the usual case.
    """
    line = lines_before + text[:at].count(b"\n") + 1
    start = text.rfind(b"\n", 0, at) + 1
    before = text[max(start, at - 30):at].decode("utf-8", "replace")
    return ClfdiagError(
        f"{name}: not UTF-8 text: byte 0x{text[at]:02x} on line {line} (after {before!r}), "
        "probably Latin-1 or Windows-1252",
        f"convert it to UTF-8, e.g. `iconv -f cp1252 -t utf-8 {name} > utf8.csv`, and pass "
        "the converted file")


def first_invalid_utf8(source: Source) -> ClfdiagError | None:
    """The error naming the first byte of the text input that is no UTF-8, or None.

    Read in blocks, for a parser's failure on text past the sniffed sample.
    """
    lines = 0
    carry = b""
    with source.opener() as stream:
        while block := stream.read(1 << 20):
            data, carry = carry + block, b""
            try:
                data.decode("utf-8")
            except UnicodeDecodeError as exc:
                if exc.reason != "unexpected end of data":
                    return not_utf8(source.name, data, exc.start, lines)
                carry = data[exc.start:]  # a character cut by the block's end
                data = data[:exc.start]
            lines += data.count(b"\n")
    return not_utf8(source.name, carry, 0, lines) if carry else None


def _delimiter(name: str, lines: list[str], rows_at: list[int]) -> str:
    """The delimiter that splits the header and the first rows into the same number of fields.

    ``rows_at`` gives the row number of each line (the header is row 0).
    """
    if name.lower().removesuffix(".gz").endswith((".tsv", ".tab")):
        candidates: tuple[str, ...] = ("\t", *DELIMITERS)
    else:
        candidates = DELIMITERS
    sample = lines[:50]
    best = None
    for d in candidates:
        widths = {len(row) for row in csv.reader(sample, delimiter=d)}
        if len(widths) == 1 and widths.pop() > 1:
            best = d
            break
    if best is not None:
        return best
    header_width = {d: len(next(csv.reader([lines[0]], delimiter=d))) for d in candidates}
    if len(lines) > 1 and max(header_width.values()) == 1:
        for d in candidates:
            widths = [len(r) for r in csv.reader(lines[1:50], delimiter=d)]
            if max(widths) > 1:
                raise ClfdiagError(
                    f"{name}: the header has one field but row {rows_at[1]} has {widths[0]} "
                    f"(delimiter {d!r})",
                    "add the missing column names to the header line",
                )
    if len(lines) == 1 or max(header_width.values()) == 1:
        d = max(candidates, key=lambda c: header_width[c])
        if header_width[d] > 1:
            return d
        raise ClfdiagError(
            f"{name}: found a single column ({shorten(lines[0], 60)!r}); expected a label column "
            "and probability columns",
            "check the delimiter: comma, tab, semicolon and | are recognised",
        )
    d = max(candidates, key=lambda c: header_width[c])
    parsed = list(csv.reader(lines[1:50], delimiter=d))
    counts = [len(r) for r in parsed]
    bad = next(i for i, c in enumerate(counts, start=1) if c != header_width[d])
    hint = "every row must have as many fields as the header"
    if parsed and all(len(r) == header_width[d] + 1 for r in parsed):
        if all(r[-1].strip() == "" for r in parsed):
            hint += (f"; each row ends in a {d!r} the header does not: remove the delimiter "
                     "at the end of the lines")
        else:
            hint += ("; each row has one field more than the header, as R's write.table writes "
                     "row names: write the file with row.names = FALSE (or write.csv, which "
                     "names that column), or add a name for the first column to the header")
    raise ClfdiagError(
        f"{name}: the header has {header_width[d]} fields but row {rows_at[bad]} has "
        f"{counts[bad - 1]} (delimiter {d!r})", hint)


def _uses_decimal_comma(rows: list[list[str]]) -> bool:
    """True when numbers are written 0,83 (European spreadsheets) and never 0.83."""
    comma = point = 0
    for row in rows:
        for cell in row:
            if DECIMAL_COMMA.match(cell):
                comma += 1
            elif DECIMAL_POINT.match(cell):
                point += 1
    return comma > 0 and point == 0
