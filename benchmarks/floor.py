"""The parse-only floor: read just the needed columns into numpy with pyarrow, nothing else.

    python benchmarks/floor.py preds.csv label prob [more columns...]
"""

import sys

import pyarrow.csv as pacsv


def main(path: str, columns: list[str]) -> None:
    table = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(include_columns=columns))
    arrays = [table[c].to_numpy() for c in columns]
    print(len(arrays[0]))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
