"""A plain CSV file without quoted values, parsed as line-aligned pieces, one thread a core.

Arrow's threaded whole-file reader uses every core but holds many blocks at once;
its streaming reader holds a few small blocks but parses on one core. Measured on a
290 MB file of 10^7 rows on 2 cores: 0.74 s and 670 MB against 1.32 s and 290 MB.
Cutting the file at line breaks and giving each piece its own streaming reader
keeps both: 0.73 s and 320 MB. Every megabyte less is 256 page faults fewer, and
faults are what a machine shared by other jobs charges most for.

A cut just after a line break is a row boundary exactly when no value is quoted:
with a quote anywhere, a line break may sit inside a value, and a piece starting
there would read the rest of that value as a row. So any quote character in the
rows (the header line may quote its names) sends the file to the whole read, as
does a piece that Arrow refuses or pieces whose inferred types differ: the
caller then reads the file whole, and every error is the whole read's own.
"""

from __future__ import annotations

import csv
import io
import itertools
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

PIECES_MIN_BYTES = 1 << 22
"""Files below 4 MiB are read whole: a second parser would save less than it costs."""
MAX_PIECES = 8
PIECE_BLOCK_BYTES = 1 << 20
"""Arrow's block size in each piece (1 MiB): its reader holds a few blocks at a time."""
HEAD_BYTES = 1 << 16
"""Bytes after the header line looked at for a quote before any piece is parsed."""


@dataclass(frozen=True)
class Piece:
    """Bytes ``[start, stop)`` of a file; the first piece holds the header line."""

    start: int
    stop: int


class QuotedValue(Exception):
    """A quote character in a piece's rows: the cuts may fall inside a value."""


class Abandoned(Exception):
    """Another piece failed: this one stops reading, since its table will not be used."""


class CountedRange(io.RawIOBase):
    """A piece of a file as a stream: its line breaks counted, a quote in its rows refused.

    ``unchecked`` bytes at the start (the header line of the first piece) may hold
    quotes; a quote after them raises :class:`QuotedValue`, which ends the parse.
    """

    def __init__(self, path: str, piece: Piece, quote: int | None, unchecked: int = 0,
                 halt: list[bool] | None = None) -> None:
        super().__init__()
        self.halt = [False] if halt is None else halt
        """Shared by the pieces of one file: set when one fails, so that the others stop."""
        self.file = open(path, "rb", buffering=0)  # noqa: SIM115 (closed by close())
        self.file.seek(piece.start)
        self.left = piece.stop - piece.start
        self.quote = quote
        self.unchecked = unchecked
        self.newlines = 0
        self.last = 10

    def readable(self) -> bool:
        """A readable stream."""
        return True

    def readinto(self, buffer: Any) -> int:
        """Read up to the piece's end, counting line breaks and looking for quotes."""
        if self.halt[0]:
            raise Abandoned
        view = memoryview(buffer).cast("B")[:self.left]
        size = self.file.readinto(view) or 0
        if size:
            data = np.frombuffer(view, dtype=np.uint8, count=size)
            self.newlines += int(np.count_nonzero(data == 10))
            self.last = int(data[-1])
            self.left -= size
            if self.quote is not None:
                rows = data[min(self.unchecked, size):]
                self.unchecked = max(0, self.unchecked - size)
                if np.any(rows == self.quote):
                    raise QuotedValue
        return size

    def close(self) -> None:
        """Close the file too."""
        self.file.close()
        super().close()


def pieces_of(path: str, count: int) -> list[Piece]:
    """``count`` pieces of about equal size, each cut just after a line break.

    Fewer when cuts coincide (a line longer than a piece); one for a small file.
    """
    size = os.path.getsize(path)
    if count < 2 or size < PIECES_MIN_BYTES:
        return [Piece(0, size)]
    cuts = [0]
    with open(path, "rb") as f:
        for k in range(1, count):
            f.seek(size * k // count)
            f.readline()
            cut = f.tell()
            if cuts[-1] < cut < size:
                cuts.append(cut)
    cuts.append(size)
    return [Piece(a, b) for a, b in itertools.pairwise(cuts)]


def parser_threads() -> int:
    """The cores this process may run on, at most :data:`MAX_PIECES`."""
    from clfdiag.core.concurrency import cores

    return max(1, min(cores(), MAX_PIECES))


def plain_header(path: str, header: tuple[str, ...], delimiter: str, quote: int | None
                 ) -> int | None:
    """The length in bytes of the file's header line, if it names exactly ``header``.

    The pieces after the first have no header line: they are given these names,
    which must be the ones Arrow reads from the first piece, in the same places.
    None when the first line reads otherwise, or when a quote follows it within
    :data:`HEAD_BYTES` (most quoted files are told here, before any parse).
    """
    with open(path, "rb") as f:
        first = f.readline(1 << 20)
        head = f.read(HEAD_BYTES)
    if quote is not None and bytes([quote]) in head:
        return None
    try:
        text = first.decode("utf-8")
        rows = list(csv.reader([text.rstrip("\r\n")], delimiter=delimiter))
    except (UnicodeDecodeError, csv.Error):  # a header cell beyond the csv module's limit
        return None
    if len(rows) != 1 or tuple(rows[0]) != header or len(set(header)) != len(header):
        return None
    return len(first)


def _plain_read_options(read_options: Any) -> bool:
    """Whether Arrow's read options set nothing but the block size (so pieces can copy them)."""
    return (not read_options.column_names and not read_options.autogenerate_column_names
            and read_options.skip_rows == 0 and read_options.skip_rows_after_names == 0
            and read_options.encoding == "utf8")


def read_in_pieces(path: str, header: tuple[str, ...], delimiter: str, parse_options: Any,
                   convert_options: Any, read_options: Any
                   ) -> tuple[Any, Callable[[], int]] | None:
    """The file's table, read piece by piece in parallel, and its count of physical lines.

    None when the file is read in one piece (small, one core, a header that is not
    plainly the given names, a quote in the rows) or when any piece fails or infers
    other types: then the caller reads it whole.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    pieces = pieces_of(path, parser_threads())
    if len(pieces) < 2 or not _plain_read_options(read_options):
        return None
    quote = ord(parse_options.quote_char) if parse_options.quote_char else None
    header_bytes = plain_header(path, header, delimiter, quote)
    if header_bytes is None:
        return None
    first = pacsv.ReadOptions(block_size=PIECE_BLOCK_BYTES)
    named = pacsv.ReadOptions(block_size=PIECE_BLOCK_BYTES, column_names=list(header))
    halt = [False]
    streams = [CountedRange(path, piece, quote, header_bytes if k == 0 else 0, halt)
               for k, piece in enumerate(pieces)]

    def parse(k: int) -> Any:
        try:
            return pacsv.open_csv(io.BufferedReader(streams[k], PIECE_BLOCK_BYTES),
                                  parse_options=parse_options, convert_options=convert_options,
                                  read_options=first if k == 0 else named,
                                  memory_pool=pa.system_memory_pool()).read_all()
        except BaseException:
            halt[0] = True
            raise

    from concurrent.futures import ThreadPoolExecutor

    try:
        with ThreadPoolExecutor(len(pieces) - 1) as pool:
            later = [pool.submit(parse, k) for k in range(1, len(pieces))]
            tables = [parse(0)] + [pending.result() for pending in later]
    except (pa.ArrowException, QuotedValue, Abandoned):
        return None
    finally:
        for stream in streams:
            stream.close()
    if any(t.schema != tables[0].schema for t in tables[1:]):
        return None
    newlines = sum(s.newlines for s in streams)
    last = streams[-1].last
    return pa.concat_tables(tables), lambda: newlines + (last != 10)
