"""One plain CSV file parsed as line-aligned pieces, one parser thread a core.

Arrow's streaming CSV reader holds a few small blocks at a time but parses on one
core; its threaded whole-file reader uses every core but holds many blocks at once
(measured on a 290 MB file of 10^7 rows, 2 cores: 1.3 s and 290 MB against 0.75 s
and 670 MB). Cutting the file at line breaks and giving each piece its own
streaming reader keeps both: 0.73 s and 320 MB. Every extra megabyte is a page
faulted in, and faults are what a machine shared by other jobs pays most for.

A cut at a line break is a row boundary exactly when no quoted value spans
lines, which is what the first read of a file assumes: the caller checks the
rows against the lines and reads again, whole, when they do not add up. Any
piece that Arrow refuses, or pieces whose inferred types differ, give None, and
the caller reads the file whole, so that every error is the whole read's own.
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
"""Files below 4 MiB are read in one piece: a second parser would save less than it costs."""
MAX_PIECES = 8


@dataclass(frozen=True)
class Piece:
    """Bytes ``[start, stop)`` of a file; the first piece holds the header line."""

    start: int
    stop: int


class CountedRange(io.RawIOBase):
    """A piece of a file as a stream, its line breaks counted as the parser reads them."""

    def __init__(self, path: str, piece: Piece) -> None:
        super().__init__()
        self.file = open(path, "rb", buffering=0)  # noqa: SIM115 (closed by close())
        self.file.seek(piece.start)
        self.left = piece.stop - piece.start
        self.newlines = 0
        self.last = 10

    def readable(self) -> bool:
        """A readable stream."""
        return True

    def readinto(self, buffer: Any) -> int:
        """Read up to the piece's end, counting line breaks."""
        view = memoryview(buffer).cast("B")[:self.left]
        size = self.file.readinto(view) or 0
        if size:
            data = np.frombuffer(view, dtype=np.uint8, count=size)
            self.newlines += int(np.count_nonzero(data == 10))
            self.last = int(data[-1])
            self.left -= size
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


def header_as_parsed(path: str, header: tuple[str, ...], delimiter: str) -> bool:
    """Whether the file's first line, parsed as CSV, names exactly ``header``.

    The pieces after the first have no header line: they are given these names,
    which must be the ones Arrow reads from the first piece, in the same places.
    """
    with open(path, "rb") as f:
        first = f.readline(1 << 20)
    try:
        text = first.decode("utf-8")
    except UnicodeDecodeError:
        return False
    try:
        rows = list(csv.reader([text.rstrip("\r\n")], delimiter=delimiter))
    except csv.Error:  # a header cell beyond the csv module's limit: Arrow reads it alone
        return False
    return len(rows) == 1 and tuple(rows[0]) == header and len(set(header)) == len(header)


def read_in_pieces(path: str, header: tuple[str, ...], delimiter: str, parse_options: Any,
                   convert_options: Any, read_options: Any
                   ) -> tuple[Any, Callable[[], int]] | None:
    """The file's table, read piece by piece in parallel, and its count of physical lines.

    None when the file is read in one piece (small, one core, a header that is not
    plainly the given names) or when any piece fails or infers other types:
    then the caller reads it whole.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    pieces = pieces_of(path, parser_threads())
    if len(pieces) < 2 or read_options.column_names or not header_as_parsed(
            path, header, delimiter):
        return None
    named = pacsv.ReadOptions(block_size=read_options.block_size, column_names=list(header))
    streams = [CountedRange(path, piece) for piece in pieces]

    def parse(k: int) -> Any:
        return pacsv.open_csv(io.BufferedReader(streams[k], read_options.block_size),
                               parse_options=parse_options, convert_options=convert_options,
                               read_options=read_options if k == 0 else named,
                               memory_pool=pa.system_memory_pool()).read_all()

    from concurrent.futures import ThreadPoolExecutor

    try:
        with ThreadPoolExecutor(len(pieces) - 1) as pool:
            later = [pool.submit(parse, k) for k in range(1, len(pieces))]
            tables = [parse(0)] + [pending.result() for pending in later]
    except pa.ArrowInvalid:
        return None
    finally:
        for stream in streams:
            stream.close()
    if any(t.schema != tables[0].schema for t in tables[1:]):
        return None
    newlines = sum(s.newlines for s in streams)
    last = streams[-1].last
    return pa.concat_tables(tables), lambda: newlines + (last != 10)
