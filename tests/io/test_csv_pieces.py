"""A plain CSV file read in line-aligned pieces reads exactly as the whole file does."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clfdiag.errors import ClfdiagError
from clfdiag.io import csv_pieces
from clfdiag.io.csv_pieces import Piece, pieces_of
from clfdiag.io.predictions import read_predictions


def read(path: str, pieces: int) -> tuple[str, object]:
    """What the reader makes of ``path`` with the file cut into ``pieces`` (1: read whole)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(csv_pieces, "PIECES_MIN_BYTES", 0)
        patch.setattr(csv_pieces, "parser_threads", lambda: pieces)
        try:
            p = read_predictions(path)
        except ClfdiagError as exc:
            return "refused", str(exc)
        ids = None if p.ids is None else [p.ids[i].as_py() for i in range(len(p))]
        return "read", (p.y.tolist(), np.asarray(p.proba).tolist(), ids, p.classes,
                        None if p.rows is None else p.rows.tolist(), p.source.rows)


FLAWS = ["0,NA,0.5", "1,,0.5", "2,1,", "3,1,NA", "4,yes,0.5", "5,1,x", "6,1,1.5", "7,2,0.5",
         '"8\nb",1,0.5', '"9",0,0.5', ",1,0.5", "10,1,0.5,extra", "", "   ", "id,label,prob"]
"""Lines that each decide something of a read: a null word, a text label, a bad cell, a
quoted line break, a blank or repeated header line."""


@st.composite
def csv_texts(draw: st.DrawFn) -> str:
    """Well-formed rows with a few flaws at drawn places, line ends LF or CRLF."""
    end = draw(st.sampled_from(["\n", "\r\n"]))
    labels = draw(st.sampled_from([["0", "1"], ["no", "yes"]]))
    rows = [f"{i},{draw(st.sampled_from(labels))},{draw(st.sampled_from(['0.25', '0.75']))}"
            for i in range(draw(st.integers(1, 60)))]
    for flaw in draw(st.lists(st.sampled_from(FLAWS), max_size=2)):
        rows.insert(draw(st.integers(0, len(rows))), flaw.replace("\n", end))
    text = f"id,label,prob{end}" + end.join(rows)
    return text + (end if draw(st.booleans()) else "")


@settings(max_examples=150, deadline=None)
@given(text=csv_texts(), pieces=st.integers(2, 5))
def test_pieces_read_as_the_whole_file(tmp_path_factory, text, pieces):
    path = tmp_path_factory.mktemp("pieces") / "p.csv"
    path.write_bytes(text.encode())
    assert read(str(path), pieces) == read(str(path), 1)


def test_a_clean_file_is_read_in_pieces(tmp_path, monkeypatch):
    rng = np.random.default_rng(3)
    p = rng.random(1000)
    y = (rng.random(1000) < p).astype(int)
    path = tmp_path / "p.csv"
    path.write_text("id,label,prob\n" + "".join(f"{i},{a},{float(b)!r}\n" for i, (a, b)
                                                   in enumerate(zip(y, p, strict=True))))
    used = []
    original = csv_pieces.read_in_pieces
    monkeypatch.setattr(csv_pieces, "PIECES_MIN_BYTES", 0)
    monkeypatch.setattr(csv_pieces, "parser_threads", lambda: 3)

    def spy(*args, **kwargs):
        out = original(*args, **kwargs)
        used.append(out is not None)
        return out

    monkeypatch.setattr("clfdiag.io.tables.read_in_pieces", spy)
    preds = read_predictions(str(path))
    assert used == [True]
    assert preds.y.tolist() == y.tolist()
    assert np.array_equal(preds.proba, p)
    assert [preds.ids[i].as_py() for i in (0, 999)] == ["0", "999"]


@pytest.mark.parametrize(("data", "count", "expected"), [
    (b"h\n" + b"a\n" * 9, 2, [Piece(0, 12), Piece(12, 20)]),
    (b"h\n" + b"a\n" * 9, 1, [Piece(0, 20)]),
    # One line longer than a piece: the cuts that fall in it coincide.
    (b"h\n" + b"x" * 30 + b"\n", 4, [Piece(0, 33)]),
    # A cut inside the header: the first piece is the header line alone.
    (b"hhhhhhhhh\na\n", 2, [Piece(0, 10), Piece(10, 12)]),
])
def test_cuts_fall_just_after_line_breaks(tmp_path, monkeypatch, data, count, expected):
    monkeypatch.setattr(csv_pieces, "PIECES_MIN_BYTES", 0)
    path = tmp_path / "f.csv"
    path.write_bytes(data)
    assert pieces_of(str(path), count) == expected


def test_a_header_cell_beyond_the_csv_modules_limit_is_read_whole(tmp_path):
    name = "p" * 200_000
    path = tmp_path / "wide.csv"
    path.write_text(f"label,{name}\n1,0.9\n0,0.2\n")
    assert csv_pieces.plain_header(str(path), ("label", name), ",", ord('"')) is None


def rows_around_a_cut(before: str, after: str, filler: int = 3000) -> str:
    """A file whose two-piece cut falls between the lines ``before`` and ``after``.

    The quotes come after :data:`csv_pieces.HEAD_BYTES`, so that only the pieces see them.
    """
    prefix = "label,prob,text\n" + "".join(f"{i % 2},0.{i % 9 + 1},review {i} was fine\n"
                                            for i in range(filler))
    assert len(prefix) > csv_pieces.HEAD_BYTES
    middle = "".join((before, "\n", after, "\n"))
    # The file's size is twice the start of `before`, plus 2: its middle byte lies in `before`.
    rest = 2 * len(prefix) + 2 - len(prefix) - len(middle)
    rows = "".join(f"{i % 2},0.5,more {i}\n" for i in range(rest // 16))
    last = rest - len(rows)
    assert last >= 8
    return prefix + middle + rows + "1,0.5," + "x" * (last - 7) + "\n"


@pytest.mark.parametrize(("before", "after"), [
    # A quoted value spanning the cut: the second line has the row's field count.
    ('1,0.9,"Summary table:', '0,0.2,see above"'),
    # A quote never closed: the whole read refuses the file, naming the line.
    ('1,0.9,"opening never closed', "0,0.2,plain"),
])
def test_a_quote_in_the_rows_sends_the_file_to_the_whole_read(tmp_path, monkeypatch, before,
                                                               after):
    path = tmp_path / "quoted.csv"
    path.write_text(rows_around_a_cut(before, after))
    monkeypatch.setattr(csv_pieces, "PIECES_MIN_BYTES", 0)
    text = path.read_bytes()
    cut = csv_pieces.pieces_of(str(path), 2)[1].start
    assert text[:cut].endswith((before + "\n").encode())
    assert read(str(path), 2) == read(str(path), 1)
    assert csv_pieces.read_in_pieces(str(path), ("label", "prob", "text"), ",", *arrow_options(
        ("label", "prob"))) is None


def arrow_options(columns: tuple[str, ...]) -> tuple[object, object, object]:
    import pyarrow.csv as pacsv

    return (pacsv.ParseOptions(), pacsv.ConvertOptions(include_columns=list(columns)),
            pacsv.ReadOptions(block_size=1 << 16))


@settings(max_examples=60, deadline=None)
@given(text=csv_texts(), pieces=st.integers(2, 5), quote_at=st.floats(0, 1))
def test_no_file_with_a_quote_in_its_rows_is_read_in_pieces(tmp_path_factory, text, pieces,
                                                            quote_at):
    # A quote anywhere after the header line, beyond the head that is looked at first.
    header, _, rows = text.partition("\n")
    rows = "0,0.5,x\n" * (csv_pieces.HEAD_BYTES // 8) + rows
    at = int(quote_at * len(rows))
    rows = rows[:at] + '"' + rows[at:]
    path = tmp_path_factory.mktemp("quoted") / "q.csv"
    path.write_bytes(f"{header}\n{rows}".encode())
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(csv_pieces, "PIECES_MIN_BYTES", 0)
        patch.setattr(csv_pieces, "parser_threads", lambda: pieces)
        assert csv_pieces.read_in_pieces(str(path), ("id", "label", "prob"), ",",
                                         *arrow_options(("label", "prob"))) is None


def test_a_too_wide_row_that_is_not_utf8_is_refused_without_an_ignored_exception(
        tmp_path):
    import subprocess
    import sys

    # Beyond the head the sniffer reads, so that Arrow meets the byte first.
    rows = "".join(f"{i},{i % 2},0.{i % 9 + 1}\n" for i in range(20_000))
    path = tmp_path / "latin.csv"
    path.write_bytes(("id,label,prob\n" + rows).encode() + b"zz,1,0.5,\xff\n" + rows.encode())
    done = subprocess.run([sys.executable, "-m", "clfdiag", "evaluate", str(path)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert "malformed CSV: row 20001 (line 20002): 4 fields where the header has 3" in done.stderr
    assert "Exception ignored" not in done.stderr
