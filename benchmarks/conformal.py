"""Time split conformal sets for 10^6 test rows of 100 classes, every method, one alpha.

Run: PYTHONPATH=src python benchmarks/conformal.py [--rows N] [--classes K]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from clfdiag.core.conformal import METHODS, conformal_sets


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--classes", type=int, default=100)
    parser.add_argument("--calibration", type=int, default=10_000)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    n, k = args.calibration + args.rows, args.classes
    proba = rng.dirichlet(np.full(k, 0.3), size=n)
    y = (proba.cumsum(axis=1) < rng.random((n, 1))).sum(axis=1).clip(0, k - 1)
    cal, test = slice(0, args.calibration), slice(args.calibration, n)
    print(f"{args.rows} test rows x {k} classes, {args.calibration} calibration rows")
    for method in METHODS:
        start = time.perf_counter()
        result = conformal_sets(proba[cal], y[cal], proba[test], y[test], ["0.1"], method=method)
        took = time.perf_counter() - start
        print(f"{method:9s} {took:6.2f} s  coverage {result.results[0].summary.coverage:.4f}")
    start = time.perf_counter()
    conformal_sets(proba[cal], y[cal], proba[test], y[test], ["0.1"], method="lac",
                   class_conditional=True)
    print(f"{'mondrian':9s} {time.perf_counter() - start:6.2f} s")


if __name__ == "__main__":
    main()
