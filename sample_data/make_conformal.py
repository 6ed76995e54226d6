"""Make the bundled conformal example: ``multiclass.csv`` split into calibration and test rows.

Run from the repository root::

    python sample_data/make_conformal.py

The first 360 data rows of ``multiclass.csv`` become ``conformal/cal.csv`` and the
remaining 359 ``conformal/test.csv``; every line is copied byte for byte under the same
header (ids, labels and the ten digit probabilities), so the two files hold the same
model's predictions on disjoint rows. The rows of ``multiclass.csv`` are already in a
random order, so the split is exchangeable. Running the script twice gives the same bytes.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).parent
CALIBRATION_ROWS = 360


def main() -> None:
    header, *rows = (HERE / "multiclass.csv").read_bytes().splitlines(keepends=True)
    out = HERE / "conformal"
    out.mkdir(exist_ok=True)
    (out / "cal.csv").write_bytes(header + b"".join(rows[:CALIBRATION_ROWS]))
    (out / "test.csv").write_bytes(header + b"".join(rows[CALIBRATION_ROWS:]))


if __name__ == "__main__":
    main()
