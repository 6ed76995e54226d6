"""Arrow columns to numpy through their buffers.

``pyarrow``'s own ``to_numpy`` imports pandas (0.35 s here) on first use; reading
the buffers directly does not, and costs one copy when a column has several chunks.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

NUMPY_TYPES = {
    "int8": np.int8, "int16": np.int16, "int32": np.int32, "int64": np.int64,
    "uint8": np.uint8, "uint16": np.uint16, "uint32": np.uint32, "uint64": np.uint64,
    "halffloat": np.float16, "float": np.float32, "double": np.float64,
}


def to_numpy(column: Any, fill: Any = None) -> npt.NDArray[Any]:
    """The values of a numeric or boolean Arrow (chunked) array as one numpy array.

    Null slots hold ``fill`` when given (floats default to NaN); otherwise
    their content is unspecified, so check ``column.null_count`` first.
    """
    import pyarrow as pa

    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    kind = column.type
    if fill is None and pa.types.is_floating(kind):
        fill = np.nan
    parts = [_chunk(chunk, fill) for chunk in chunks]
    if not parts:
        return np.zeros(0, dtype=bool if pa.types.is_boolean(kind) else NUMPY_TYPES[str(kind)])
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def null_mask(column: Any) -> npt.NDArray[np.bool_]:
    """True where the (chunked) array is null."""
    import pyarrow as pa

    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    parts = [np.ones(len(c), dtype=bool) if pa.types.is_null(c.type)
             else ~_bits(c.buffers()[0], c.offset, len(c)) if c.null_count
             else np.zeros(len(c), dtype=bool) for c in chunks]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=bool)


def _bits(buffer: Any, offset: int, length: int) -> npt.NDArray[np.bool_]:
    packed = np.frombuffer(buffer, dtype=np.uint8)
    return np.unpackbits(packed, bitorder="little")[offset:offset + length].astype(bool)


def _chunk(chunk: Any, fill: Any) -> npt.NDArray[Any]:
    import pyarrow as pa

    validity, data = chunk.buffers()[:2]
    if pa.types.is_boolean(chunk.type):
        values = _bits(data, chunk.offset, len(chunk))
    else:
        dtype = np.dtype(NUMPY_TYPES[str(chunk.type)])
        values = np.frombuffer(data, dtype=dtype, count=chunk.offset + len(chunk))
        values = values[chunk.offset:]
    if chunk.null_count and fill is not None:
        values = values.copy()
        values[~_bits(validity, chunk.offset, len(chunk))] = fill
    return values


def boolean_array(mask: npt.NDArray[np.bool_]) -> Any:
    """A numpy boolean mask as an Arrow array (for ``filter``), built from its bits."""
    import pyarrow as pa

    bits = np.packbits(mask, bitorder="little")
    return pa.Array.from_buffers(pa.bool_(), len(mask), [None, pa.py_buffer(bits)])


def index_array(index: npt.NDArray[np.integer]) -> Any:
    """Positions as an Arrow int64 array (for ``take``), built from their buffer.

    ``pa.array`` and ``take`` of a numpy array both import pandas on first use.
    """
    import pyarrow as pa

    values = np.ascontiguousarray(index, dtype=np.int64)
    return pa.Array.from_buffers(pa.int64(), len(values), [None, pa.py_buffer(values)])


def empty_as_null(column: Any) -> Any:
    """A (chunked) string array with its empty strings made null, sharing the text buffers.

    Built from the buffers rather than with a compute kernel and a Python
    scalar, which would import pandas.
    """
    import pyarrow as pa

    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    out = []
    changed = False
    for chunk in chunks:
        validity, offsets, data = chunk.buffers()
        width = np.frombuffer(offsets, dtype=np.int32 if chunk.type == pa.string()
                              else np.int64, count=chunk.offset + len(chunk) + 1)
        empty = width[chunk.offset + 1:] == width[chunk.offset:-1]
        if not empty.any():
            out.append(chunk)
            continue
        changed = True
        valid = ~empty if validity is None else ~empty & _bits(validity, chunk.offset,
                                                                 len(chunk))
        # The new validity bitmap starts at bit 0; the offsets keep the chunk's offset.
        bits = np.zeros(chunk.offset + len(chunk), dtype=bool)
        bits[chunk.offset:] = valid
        out.append(pa.Array.from_buffers(
            chunk.type, len(chunk),
            [pa.py_buffer(np.packbits(bits, bitorder="little")), offsets, data],
            offset=chunk.offset))
    if not changed:
        return column
    return pa.chunked_array(out, type=column.type) if isinstance(column, pa.ChunkedArray) \
        else out[0]
