"""The parse-only floor: one library's read of just the needed columns into numpy.

    python benchmarks/floor.py polars preds.csv label prob
    python benchmarks/floor.py pyarrow a.csv,b.csv id label prob   # both files, held at once

Nothing else: no checks, no metric. polars and pyarrow are the two fastest
readers measured here (``benchmarks/readers.py``); the benchmark compares a tool's
time with the faster of the two and its memory with the smaller.
"""

import sys

import numpy as np


def read_polars(path: str, columns: list[str]) -> list[np.ndarray]:
    import polars as pl

    frame = pl.read_csv(path, columns=columns)
    return [frame[c].to_numpy() for c in columns]


def read_pyarrow(path: str, columns: list[str]) -> list[np.ndarray]:
    import pyarrow.csv as pacsv

    table = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(include_columns=columns),
                           read_options=pacsv.ReadOptions(block_size=1 << 24))
    # Through the buffers: pyarrow's own to_numpy would import pandas.
    return [np.concatenate([np.frombuffer(k.buffers()[1], dtype=k.type.to_pandas_dtype(),
                                          count=k.offset + len(k))[k.offset:]
                            for k in table[c].chunks]) for c in columns]


READERS = {"polars": read_polars, "pyarrow": read_pyarrow}


def main(reader: str, paths: str, columns: list[str]) -> None:
    held = [READERS[reader](path, columns) for path in paths.split(",")]
    print(sum(len(arrays[0]) for arrays in held))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
