"""What the selective section adds to ``evaluate`` at 10^7 binary rows, side by side.

    python benchmarks/selective_overhead.py [--rows 10000000] [--reps 3] [--csv DIR]

In-process, interleaved repetitions, medians of wall and CPU time: the evaluation
without the selective section, with it (the confidences' order merged from the
sorted probabilities and scanned a slice at a time: ``top_label_selective``), and
the section from one more sort of the confidences instead (``selective``). With
``--csv DIR`` the whole ``clfdiag evaluate`` process is also timed on a CSV of the
same rows, with and without the section.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import numpy as np

from clfdiag.core.evaluation import evaluate_predictions
from clfdiag.core.selective import selective

WITHOUT_SECTION = "clfdiag.core.evaluation._with_selective"


def seconds(action: Callable[[], object]) -> tuple[float, float]:
    """Wall and CPU seconds (CPU is steadier when other processes share the cores)."""
    wall, cpu = time.perf_counter(), time.process_time()
    action()
    return time.perf_counter() - wall, time.process_time() - cpu


@contextmanager
def without_section() -> Iterator[None]:
    with mock.patch(WITHOUT_SECTION, lambda ev, *rest: ev):
        yield


def data(rows: int) -> tuple[np.ndarray, np.ndarray]:
    """The distribution of ``benchmarks/bench.py``: logistic scores shifted for positives."""
    rng = np.random.default_rng(1)
    y = np.random.default_rng(0).integers(0, 2, rows, dtype=np.int8)
    p = 1.0 / (1.0 + np.exp(-(rng.normal(0.0, 1.0, rows) + 1.2 * y)))
    return y, p


def process_seconds(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=env)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--csv", type=Path, default=None)
    args = parser.parse_args()
    y, p = data(args.rows)
    confidence = np.where(p >= 0.5, p, 1.0 - p)
    correct = (p >= 0.5) == (y == 1)
    times: dict[str, list[tuple[float, float]]] = {"without": [], "with": [], "extra sort": []}
    for _ in range(args.reps):
        with without_section():
            times["without"].append(seconds(lambda: evaluate_predictions(y, p)))
        times["with"].append(seconds(lambda: evaluate_predictions(y, p)))
        times["extra sort"].append(seconds(lambda: selective(confidence, correct)))
    for clock, i in (("wall", 0), ("CPU", 1)):
        m = {k: statistics.median(t[i] for t in v) for k, v in times.items()}
        print(f"rows {args.rows:,}, {clock} medians of {args.reps}: evaluate without the section "
              f"{m['without']:.2f} s, with it {m['with']:.2f} s "
              f"({m['with'] / m['without'] - 1:+.1%}); the section from one more sort instead "
              f"{m['extra sort']:.2f} s ({m['extra sort'] / m['without']:.0%} of the evaluation)")
    if args.csv is None:
        return
    path = args.csv / f"selective_{args.rows}.csv"
    if not path.exists():
        import pyarrow as pa
        import pyarrow.csv as pacsv

        args.csv.mkdir(parents=True, exist_ok=True)
        pacsv.write_csv(pa.table({"label": y, "prob": p}), path,
                        pacsv.WriteOptions(quoting_style="none"))
    env = dict(os.environ)
    command = [sys.executable, "-m", "clfdiag", "evaluate", str(path), "--in-memory", "-f",
               "json"]
    patched = [sys.executable, "-c", "import sys; from unittest import mock; "
               f"mock.patch({WITHOUT_SECTION!r}, lambda ev, *rest: ev).start(); "
               "from clfdiag.cli.app import main; sys.argv = ['clfdiag', *sys.argv[1:]]; main()",
               *command[3:]]
    cli: dict[str, list[float]] = {"without": [], "with": []}
    for _ in range(args.reps):
        cli["without"].append(process_seconds(patched, env))
        cli["with"].append(process_seconds(command, env))
    c = {k: statistics.median(v) for k, v in cli.items()}
    print(f"whole `clfdiag evaluate` process on {path.name}: without {c['without']:.2f} s, "
          f"with {c['with']:.2f} s ({c['with'] / c['without'] - 1:+.1%})")


if __name__ == "__main__":
    main()
