"""Opening an input: compression, format and dialect are sniffed before anything is parsed.

Magic bytes decide compression (gzip, bzip2, xz, zip) and Parquet, whatever the
file is called; the first 64 KiB of the decompressed text decide the encoding,
the delimiter and the decimal mark. Anything that is not delimited text (a NUL
byte, invalid UTF-8, a TensorBoard event file) is refused with a message saying
what it looks like.
"""

from __future__ import annotations

import bz2
import csv
import gzip
import io
import lzma
import re
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from clfdiag.errors import ClfdiagError

SNIFF_BYTES = 1 << 16
MAGIC = {
    b"\x1f\x8b": "gzip",
    b"BZh": "bz2",
    b"\xfd7zXZ\x00": "xz",
    b"PK\x03\x04": "zip",
    b"PAR1": "parquet",
}
DELIMITERS = (",", "\t", ";", "|")
DECIMAL_COMMA = re.compile(r"^\s*[+-]?\d*,\d+(?:[eE][+-]?\d+)?\s*$")
DECIMAL_POINT = re.compile(r"^\s*[+-]?\d*\.\d+(?:[eE][+-]?\d+)?\s*$")


@dataclass(frozen=True)
class Source:
    """A sniffed input, ready to parse.

    ``opener`` returns a fresh binary stream of the decompressed content, to be
    used in a ``with`` block (for Parquet: a path or an in-memory buffer).
    """

    name: str
    kind: str  # "csv" or "parquet"
    compression: str | None
    opener: Callable[[], Any]
    header: tuple[str, ...] = ()
    delimiter: str = ","
    decimal_comma: bool = False


def open_source(path: str, stdin: IO[bytes] | None = None) -> Source:
    """Sniff ``path`` (``-`` for standard input) and return how to read it."""
    if path == "-":
        data = (stdin if stdin is not None else sys.stdin.buffer).read()
        return _sniff_buffer("<stdin>", data)
    p = Path(path)
    if not p.exists():
        raise ClfdiagError(f"{path}: no such file")
    if p.is_dir():
        raise ClfdiagError(f"{path}: is a directory, expected a predictions file")
    with p.open("rb") as f:
        head = f.read(8)
    if not head:
        raise ClfdiagError(f"{path}: the file is empty", "expected a header line and rows")
    compression = _magic(head)
    if compression == "parquet":
        return Source(path, "parquet", None, lambda: path)
    if compression == "zip":
        return _zip_source(path)
    if compression == "xz":
        return _text_source(path, compression, lambda: lzma.open(path, "rb"))
    import pyarrow as pa

    # Arrow's own streams: native decompression, and closed by the caller's `with`.
    return _text_source(path, compression,
                        lambda: pa.input_stream(path, compression=compression))


def _magic(head: bytes) -> str | None:
    for magic, kind in MAGIC.items():
        if head.startswith(magic):
            return kind
    return None


def _sniff_buffer(name: str, data: bytes) -> Source:
    if not data:
        raise ClfdiagError(f"{name}: the input is empty", "expected a header line and rows")
    kind = _magic(data[:8])
    if kind == "parquet":
        return Source(name, "parquet", None, lambda: io.BytesIO(data))
    if kind == "zip":
        return _zip_source(name, io.BytesIO(data))
    if kind is not None:
        raw = {"gzip": gzip.decompress, "bz2": bz2.decompress, "xz": lzma.decompress}[kind](data)
        return _sniff_buffer(name, raw) if _magic(raw[:8]) == "parquet" else _text_source(
            name, kind, lambda: io.BytesIO(raw))
    return _text_source(name, None, lambda: io.BytesIO(data))


def _zip_source(name: str, buffer: IO[bytes] | None = None) -> Source:
    try:
        archive = zipfile.ZipFile(buffer if buffer is not None else name)
    except zipfile.BadZipFile as exc:
        raise ClfdiagError(f"{name}: not a readable zip archive ({exc})") from None
    members = [m for m in archive.namelist() if not m.endswith("/")]
    if len(members) != 1:
        raise ClfdiagError(
            f"{name}: a zip archive must hold exactly one file, found {len(members)}: "
            + ", ".join(members[:5]),
            "extract the predictions file and pass it directly",
        )
    member = members[0]
    with archive.open(member) as f:
        head = f.read(8)
    if _magic(head) == "parquet":
        data = archive.read(member)
        return Source(f"{name}:{member}", "parquet", "zip", lambda: io.BytesIO(data))
    return _text_source(name, "zip", lambda: archive.open(member))


def _text_source(name: str, compression: str | None, opener: Callable[[], IO[bytes]]) -> Source:
    try:
        with opener() as f:
            sample = f.read(SNIFF_BYTES)
            complete = not f.read(1)
    except (OSError, EOFError, lzma.LZMAError) as exc:
        raise ClfdiagError(f"{name}: cannot decompress ({compression}): {exc}") from None
    if not sample:
        raise ClfdiagError(f"{name}: the file is empty", "expected a header line and rows")
    _refuse_binary(name, sample)
    text = _decode(name, sample, complete)
    lines = text.splitlines()
    if not complete and len(lines) > 1:
        lines = lines[:-1]  # the sample may end mid-line
    lines = [ln for ln in lines if ln.strip()]
    if not lines:
        raise ClfdiagError(f"{name}: the file holds only blank lines")
    delimiter = _delimiter(name, lines)
    header = next(csv.reader([lines[0]], delimiter=delimiter))
    rows = list(csv.reader(lines[1:50], delimiter=delimiter))
    decimal_comma = delimiter != "," and _uses_decimal_comma(rows)
    return Source(name, "csv", compression, opener, tuple(header), delimiter, decimal_comma)


def _refuse_binary(name: str, sample: bytes) -> None:
    if b"\x00" not in sample:
        return
    looks = ""
    if "tfevents" in name or sample[12:40].find(b"brain.Event") >= 0:
        looks = " (it looks like a TensorBoard event file)"
    elif sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ClfdiagError(f"{name}: the file is UTF-16 encoded", "re-save it as UTF-8 CSV")
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
        line = sample[: exc.start].count(b"\n") + 1
        raise ClfdiagError(
            f"{name}: not UTF-8 text (byte 0x{sample[exc.start]:02x} on line {line})",
            "re-save the file as UTF-8, e.g. `iconv -f latin1 -t utf-8 in.csv > out.csv`",
        ) from None


def _delimiter(name: str, lines: list[str]) -> str:
    """The delimiter that splits the header and the first rows into the same number of fields."""
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
                    f"{name}: the header has one field but row 1 has {widths[0]} "
                    f"(delimiter {d!r})",
                    "add the missing column names to the header line",
                )
    if len(lines) == 1 or max(header_width.values()) == 1:
        d = max(candidates, key=lambda c: header_width[c])
        if header_width[d] > 1:
            return d
        raise ClfdiagError(
            f"{name}: found a single column ({lines[0][:60]!r}); expected a label column "
            "and probability columns",
            "check the delimiter: comma, tab, semicolon and | are recognised",
        )
    d = max(candidates, key=lambda c: header_width[c])
    counts = [len(r) for r in csv.reader(lines[1:50], delimiter=d)]
    bad = next(i for i, c in enumerate(counts, start=1) if c != header_width[d])
    raise ClfdiagError(
        f"{name}: the header has {header_width[d]} fields but row {bad} has {counts[bad - 1]} "
        f"(delimiter {d!r})",
        "every row must have as many fields as the header",
    )


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
