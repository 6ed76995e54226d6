import subprocess
import sys

import numpy as np
import pyarrow as pa
import pytest

from clfdiag.io.arrays import null_mask, to_numpy


@pytest.mark.parametrize("kind", [pa.int8(), pa.int32(), pa.int64(), pa.float64(), pa.uint16()])
def test_sliced_chunks_with_nulls_match_pyarrow(kind):
    chunks = [pa.array([1, None, 3], kind), pa.array([4, 5, 6, 7], kind).slice(1, 2),
              pa.array([None, 9], kind)]
    column = pa.chunked_array(chunks)
    expected = np.array(column.to_pylist(), dtype=object)
    mask = null_mask(column)
    np.testing.assert_array_equal(mask, [v is None for v in expected])
    values = to_numpy(column, fill=0)
    np.testing.assert_array_equal(values, [0 if v is None else v for v in expected])


def test_booleans_and_null_type():
    column = pa.chunked_array([pa.array([True, None, False, True]).slice(1)])
    np.testing.assert_array_equal(to_numpy(column, fill=False), [False, False, True])
    np.testing.assert_array_equal(null_mask(pa.chunked_array([pa.nulls(3)])), [True] * 3)


def test_floats_fill_nan_by_default():
    values = to_numpy(pa.chunked_array([[1.5, None]]))
    assert values[0] == 1.5
    assert np.isnan(values[1])


def test_reading_a_file_does_not_import_pandas(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("id,label,prob\na,1,0.9\nb,0,0.2\nc,1,\n")
    code = ("import sys; from clfdiag.io import read_predictions, ReadOptions; "
            f"read_predictions({str(path)!r}, ReadOptions(drop_invalid=True)); "
            "print('pandas' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr
    # The reading itself succeeded (it printed). On a loaded machine about 1 in 100 such
    # processes then aborts in pyarrow's thread-pool teardown at interpreter exit ("terminate
    # called without an active exception", apache/arrow#34314); that is not what this tests.
    assert out.returncode in (0, -6), out.stderr
