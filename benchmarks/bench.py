"""Benchmark clfdiag against pandas + scikit-learn and the parse-only floor, side by side.

    python benchmarks/bench.py              # all cases, 3 repetitions each (about 15 minutes)
    python benchmarks/bench.py --quick      # 10^6-row cases only
    python benchmarks/bench.py --huge       # also stream a 10^8-row file once (3 GB on disk)
    python benchmarks/bench.py --skip multiclass   # leave out a case (binary, multiclass, compare)

Data is generated (seeded) into --data (default: bench-data/, kept between runs). Every
measurement is a whole process: wall time and peak resident memory (ru_maxrss of that
child alone), and CPU time (user + system of that child, all its threads: on a shared
machine it varies less than wall time). The table reports medians over --reps repetitions,
and the ratios of those medians, so that one slow run on a shared machine does not decide
the result.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
PYTHON = sys.executable
CLFDIAG = [PYTHON, "-m", "clfdiag"]


@dataclass
class Run:
    wall: float
    peak_mb: float
    cpu: float


def measure(command: list[str], reps: int) -> Run:
    """Median wall time and peak memory of ``command`` over ``reps`` whole-process runs."""
    walls, peaks, cpus = [], [], []
    for _ in range(reps):
        start = time.perf_counter()
        child = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        _, status, usage = os.wait4(child.pid, 0)
        walls.append(time.perf_counter() - start)
        peaks.append(usage.ru_maxrss / 1024)
        cpus.append(usage.ru_utime + usage.ru_stime)
        if os.waitstatus_to_exitcode(status) not in (0, 1):
            raise SystemExit(f"failed ({status}): {' '.join(command)}")
    return Run(statistics.median(walls), statistics.median(peaks), statistics.median(cpus))


def write_binary(path: Path, n: int, seed: int, shift: float = 1.2) -> None:
    """``id,label,prob`` with probabilities printed at full float64 precision."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    rng = np.random.default_rng(seed)
    labels = np.random.default_rng(0).integers(0, 2, n, dtype=np.int8)
    prob = 1.0 / (1.0 + np.exp(-(rng.normal(0.0, 1.0, n) + shift * labels)))
    table = pa.table({"id": pa.array(np.arange(n)).cast(pa.string()), "label": labels,
                      "prob": prob})
    pacsv.write_csv(table, path, pacsv.WriteOptions(quoting_style="none"))


def write_multiclass(path: Path, n: int, k: int, seed: int) -> None:
    """``id,label,p_0..p_{k-1}``: softmax of noisy logits that favour the true class."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    rng = np.random.default_rng(seed)
    labels = rng.integers(0, k, n)
    logits = rng.normal(0.0, 1.0, (n, k))
    logits[np.arange(n), labels] += 3.0
    logits -= logits.max(axis=1, keepdims=True)
    proba = np.exp(logits)
    proba /= proba.sum(axis=1, keepdims=True)
    columns = {"id": pa.array(np.arange(n)).cast(pa.string()), "label": labels}
    columns.update({f"p_{c}": proba[:, c] for c in range(k)})
    pacsv.write_csv(pa.table(columns), path, pacsv.WriteOptions(quoting_style="none"))


def ensure(path: Path, make) -> Path:
    if not path.exists():
        print(f"generating {path.name} ...", file=sys.stderr)
        make(path)
    return path


def row(case: str, tool: str, run: Run, baseline: Run | None, floor: Run | None) -> str:
    speedup = f"{baseline.wall / run.wall:.1f}x" if baseline else ""
    vs_floor = (f"{run.wall / floor.wall:.2f}x / {run.peak_mb / floor.peak_mb:.2f}x"
                if floor else "")
    cpu_vs_floor = f"{run.cpu / floor.cpu:.2f}x" if floor else ""
    return (f"| {case} | {tool} | {run.wall:.2f} | {run.cpu:.2f} | {run.peak_mb:,.0f} | "
            f"{speedup} | {vs_floor} | {cpu_vs_floor} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("bench-data"))
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="10^6-row cases only")
    parser.add_argument("--huge", action="store_true", help="also stream 10^8 rows once")
    parser.add_argument("--skip", action="append", default=[],
                        choices=["binary", "multiclass", "compare"], help="leave out a case")
    args = parser.parse_args()
    args.data.mkdir(parents=True, exist_ok=True)
    reps = args.reps
    lines = [
        f"Measured {date.today()} on {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; medians of {reps} runs.",
        "",
        "| case | tool | wall (s) | CPU (s) | peak RSS (MB) | faster than pandas + "
        "scikit-learn | time / memory vs floor | CPU vs floor |",
        "| :-- | :-- | --: | --: | --: | --: | --: | --: |",
    ]
    binary_sizes = [10**6] if args.quick else [10**6, 10**7]
    for n in [] if "binary" in args.skip else binary_sizes:
        path = ensure(args.data / f"binary_{n}.csv", lambda p, n=n: write_binary(p, n, 1))
        case = f"binary 10^{len(str(n)) - 1}"
        floor = measure([PYTHON, str(HERE / "floor.py"), str(path), "label", "prob"], reps)
        baseline = measure([PYTHON, str(HERE / "baseline_binary.py"), str(path)], reps)
        ours = measure([*CLFDIAG, "evaluate", str(path), "--format", "json"], reps)
        lines += [row(case, "parse-only floor (label, prob)", floor, None, None),
                  row(case, "pandas + scikit-learn", baseline, None, floor),
                  row(case, "clfdiag evaluate", ours, baseline, floor)]
    if not args.quick and "multiclass" not in args.skip:
        path = ensure(args.data / "multiclass_50000x1000.csv",
                      lambda p: write_multiclass(p, 50_000, 1000, 2))
        case = "multiclass 5x10^4 x 1000"
        columns = ["label"] + [f"p_{c}" for c in range(1000)]
        floor = measure([PYTHON, str(HERE / "floor.py"), str(path), *columns], reps)
        baseline = measure([PYTHON, str(HERE / "baseline_multiclass.py"), str(path)], reps)
        ours = measure([*CLFDIAG, "evaluate", str(path), "--format", "json"], reps)
        lines += [row(case, "parse-only floor", floor, None, None),
                  row(case, "pandas + scikit-learn", baseline, None, floor),
                  row(case, "clfdiag evaluate", ours, baseline, floor)]
    if not args.quick and "compare" not in args.skip:
        n = 10**7
        a = ensure(args.data / f"binary_{n}.csv", lambda p: write_binary(p, n, 1))
        b = ensure(args.data / f"binary_{n}_b.csv", lambda p: write_binary(p, n, 3, 1.25))
        case = "compare 2 x 10^7"
        floor = measure([PYTHON, "-c", "import sys; sys.path.insert(0, sys.argv[1]); "
                         "from floor import main; [main(f, ['label', 'prob']) "
                         "for f in sys.argv[2:]]", str(HERE), str(a), str(b)], reps)
        baseline = measure([PYTHON, str(HERE / "baseline_compare.py"), str(a), str(b)], reps)
        ours = measure([*CLFDIAG, "compare", str(a), str(b), "--format", "json"], reps)
        lines += [row(case, "parse-only floor (both files)", floor, None, None),
                  row(case, "pandas + scikit-learn + SciPy", baseline, None, floor),
                  row(case, "clfdiag compare", ours, baseline, floor)]
    if args.huge:
        n = 10**8
        path = ensure(args.data / f"binary_{n}.csv", lambda p: write_binary(p, n, 5))
        huge = measure([*CLFDIAG, "evaluate", str(path), "--streaming", "--format", "json"], 1)
        lines.append(row("binary 10^8, streaming", "clfdiag evaluate --streaming", huge,
                         None, None))
    help_run = measure([*CLFDIAG[:1], "-c", "import sys; sys.argv = ['clfdiag', '--help']; "
                        "from clfdiag.cli.app import main; main()"], max(reps, 5))
    version = measure([*CLFDIAG, "--version"], max(reps, 5))
    lines += ["", f"`clfdiag --help`: {help_run.wall:.2f} s; `clfdiag --version`: "
              f"{version.wall:.2f} s (medians of {max(reps, 5)})."]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
