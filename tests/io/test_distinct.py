"""The exact duplicate check on text columns, against Python's set of the same strings."""

from __future__ import annotations

from itertools import pairwise

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clfdiag.io import distinct
from clfdiag.io.distinct import all_distinct, string_fingerprints

# Lengths around the 8-byte word boundaries, NUL bytes and non-ASCII text.
TEXT = st.text(alphabet=st.sampled_from(["a", "b", "\x00", "é", "7", "日"]), max_size=20)


def chunked(values: list[str], cuts: list[int]) -> pa.ChunkedArray:
    """``values`` as several chunks, some of them slices of a larger array."""
    bounds = sorted({0, len(values), *(c % (len(values) + 1) for c in cuts)})
    parts = []
    for lo, hi in pairwise(bounds):
        padded = pa.array(["pad", *values[lo:hi], "tail"], type=pa.string())
        parts.append(padded.slice(1, hi - lo))
    return pa.chunked_array(parts, type=pa.string())


@settings(max_examples=300, deadline=None)
@given(st.lists(TEXT, max_size=40), st.lists(st.integers(0, 40), max_size=3))
def test_all_distinct_equals_set_size(values, cuts):
    assert all_distinct(chunked(values, cuts)) == (len(set(values)) == len(values))


@settings(max_examples=200, deadline=None)
@given(st.lists(TEXT, min_size=1, max_size=30))
def test_equal_strings_have_equal_fingerprints(values):
    array = pa.array(values + values[::-1], type=pa.string())
    prints = string_fingerprints(array)
    n = len(values)
    assert (prints[:n] == prints[n:][::-1]).all()


def test_fingerprints_separate_trailing_nul_and_lengths():
    values = ["", "\x00", "\x00\x00", "a", "a\x00", "abcdefgh", "abcdefgh\x00", "abcdefghi"]
    prints = string_fingerprints(pa.array(values))
    assert len(set(prints.tolist())) == len(values)


def test_a_collision_of_fingerprints_is_settled_by_the_text(monkeypatch):
    # Every fingerprint equal: the answer must come from comparing the strings.
    monkeypatch.setattr(distinct, "string_fingerprints",
                        lambda chunk: __import__("numpy").zeros(len(chunk), dtype="uint64"))
    assert all_distinct(pa.array(["x", "y", "z"]))
    assert not all_distinct(pa.array(["x", "y", "x"]))


@pytest.mark.parametrize("repeat", [True, False])
def test_long_strings_use_the_exact_table(repeat):
    long = "q" * (distinct.LONGEST + 1)
    values = [long, "b", long if repeat else long + "!"]
    assert all_distinct(pa.array(values)) is (not repeat)


def test_many_rows_across_blocks(monkeypatch):
    monkeypatch.setattr(distinct, "BLOCK_ROWS", 7)
    values = [f"id-{i:05d}" for i in range(1000)]
    assert all_distinct(pa.array(values))
    assert not all_distinct(pa.array([*values, "id-00999"]))


# Integer-looking ids (parsed as numbers in two halves), with leading zeros and signs
# that make equal numbers of different texts, and an occasional word.
ID_TEXT = st.one_of(st.integers(-3, 12).map(str), st.sampled_from(["007", "7", "+7", "-0", "0",
                                                                     "x"]))


@settings(max_examples=300, deadline=None)
@given(st.lists(ID_TEXT, max_size=40), st.lists(st.integers(0, 40), max_size=3))
def test_the_id_check_equals_set_size(values, cuts):
    from clfdiag.io.predictions import _distinct

    assert _distinct(chunked(values, cuts)) == (len(set(values)) == len(values))


@pytest.mark.parametrize("values", [["1", "2", "3", "3"], ["1", "3", "2", "4"],
                                    ["3", "4", "1", "2"], ["1", "2", "2", "3"],
                                    ["2", "1"], ["1", "1"], ["1", "2"]])
def test_the_id_check_across_the_halves(values):
    from clfdiag.io.predictions import _distinct

    assert _distinct(pa.chunked_array([pa.array(values)])) == (len(set(values)) == len(values))
