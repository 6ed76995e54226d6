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
    assert not csv_pieces.header_as_parsed(str(path), ("label", name), ",")
