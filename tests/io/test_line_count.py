"""Counting a plain file's lines beside Arrow's parse, and the sources that take that path."""

import gzip

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clfdiag.io import tables
from clfdiag.io.source import open_source
from clfdiag.io.tables import LineCounter, count_lines


def lines_by_python(data: bytes) -> int:
    """The oracle: newlines, plus one for a last line without a line break."""
    return data.count(b"\n") + (bool(data) and not data.endswith(b"\n"))


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=200) | st.lists(st.sampled_from([b"a,1\n", b"\n", b"\r\n", b"x"]),
                                                max_size=60).map(b"".join),
       block=st.integers(1, 9))
def test_count_lines_equals_python_and_the_stream_counter(tmp_path_factory, data, block):
    # Small blocks put line breaks at every block boundary.
    path = tmp_path_factory.mktemp("lines") / "f.csv"
    path.write_bytes(data)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tables, "COUNT_BYTES", block)
        assert count_lines(str(path)) == lines_by_python(data)
    import io

    counter = LineCounter(io.BytesIO(data))
    while counter.read(block):
        pass
    assert counter.lines() == lines_by_python(data)


def test_plain_files_are_read_by_arrow_and_compressed_ones_through_the_counter(tmp_path):
    plain = tmp_path / "p.csv"
    plain.write_bytes(b"label,prob\n1,0.9\n0,0.2\n")
    packed = tmp_path / "p.csv.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    assert open_source(str(plain)).path == str(plain)
    assert open_source(str(packed)).path is None
    with tables.counted_csv(open_source(str(packed))) as (stream, lines):
        assert isinstance(stream, LineCounter)
        while stream.read(5):
            pass
        assert lines() == 3
