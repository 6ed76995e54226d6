"""Time the selective-prediction engine at 10^7 rows against one evaluation of the same data.

    python benchmarks/selective_engine.py [--rows 10000000] [--reps 3]

In-process timings (medians): the binary evaluation, the top-label confidence, and
``selective`` on it (one sort of the confidences).
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from clfdiag.core.evaluation import evaluate_predictions
from clfdiag.core.ood import top_label
from clfdiag.core.selective import selective


def median_seconds(action, reps: int) -> float:
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    p = rng.random(args.rows)
    y = (rng.random(args.rows) < p).astype(np.int8)
    predicted, confidence = top_label(p)
    correct = predicted == y
    evaluation = median_seconds(lambda: evaluate_predictions(y, p), args.reps)
    label = median_seconds(lambda: top_label(p), args.reps)
    section = median_seconds(lambda: selective(confidence, correct), args.reps)
    print(f"rows {args.rows:,}: evaluate_predictions {evaluation:.2f} s, top_label {label:.2f} s, "
          f"selective {section:.2f} s ({section / evaluation:.0%} of the evaluation)")


if __name__ == "__main__":
    main()
