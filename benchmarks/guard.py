"""CI's speed guard: fail when ``clfdiag evaluate`` costs more than a stated multiple of the floor.

    python benchmarks/guard.py                       # 10^6 binary rows, medians of 3
    python benchmarks/guard.py --rows 200000 --max-cpu 5

The floor is pyarrow reading the two needed columns into numpy, measured in the
same run, interleaved with clfdiag round after round, so that a busy machine
slows both alike. Only ratios are judged, never absolute times: CPU time (user +
system, all threads; it varies far less than wall time on a shared machine) and
peak memory. The default multiples leave room for noise: at 10^6 rows clfdiag
measured 2.9x the floor's CPU time and 1.3x its memory on a 2-core machine
shared with other jobs (load average 8), and 4.6x CPU / 1.55x memory once the
calibration tests and the label-issue count joined the default report (with a
concurrent test run on the same machine); 5.2x CPU / 1.46x memory once the binary
path kept its temporaries small (load average 4), which earns the memory multiple
of 1.8; a regression of the kind this guards
against (a Python loop over the rows, a copy per metric, another sort per item)
adds 1x or more.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

from bench import CLFDIAG, HERE, PYTHON, ROOT, Run, compile_package, ensure, once


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT / "bench-data")
    parser.add_argument("--rows", type=int, default=10**6)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--max-cpu", type=float, default=6.0,
                        help="largest allowed CPU time of clfdiag / the floor's (default 6)")
    parser.add_argument("--max-memory", type=float, default=1.8,
                        help="largest allowed peak memory of clfdiag / the floor's (default 1.8)")
    args = parser.parse_args()
    compile_package()
    args.data.mkdir(parents=True, exist_ok=True)
    path = args.data / f"binary_{args.rows}.csv"
    ensure(path, f"bench.write_binary(Path({str(path)!r}), {args.rows}, 1)")
    commands = {"floor": [PYTHON, str(HERE / "floor.py"), "pyarrow", str(path), "label", "prob"],
                "clfdiag": [*CLFDIAG, "evaluate", str(path), "--format", "json"]}
    runs: dict[str, list[Run]] = {tool: [] for tool in commands}
    for _ in range(args.reps):
        for tool, command in commands.items():
            runs[tool].append(once(command)[0])
    cpu = {t: statistics.median(r.cpu for r in rs) for t, rs in runs.items()}
    peak = {t: statistics.median(r.peak_mb for r in rs) for t, rs in runs.items()}
    cpu_ratio, memory_ratio = cpu["clfdiag"] / cpu["floor"], peak["clfdiag"] / peak["floor"]
    print(f"{args.rows:,} binary rows, medians of {args.reps}: clfdiag evaluate "
          f"{cpu['clfdiag']:.2f} s CPU, {peak['clfdiag']:,.0f} MB; pyarrow floor "
          f"{cpu['floor']:.2f} s CPU, {peak['floor']:,.0f} MB; ratios {cpu_ratio:.2f}x CPU "
          f"(at most {args.max_cpu}x), {memory_ratio:.2f}x memory (at most {args.max_memory}x)")
    if cpu_ratio > args.max_cpu or memory_ratio > args.max_memory:
        sys.exit("clfdiag evaluate is slower or larger than the guard allows")


if __name__ == "__main__":
    main()
