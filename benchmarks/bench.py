"""Benchmark clfdiag against pandas + scikit-learn and the parse-only floors, side by side.

    python benchmarks/bench.py                  # every case, medians of 3 (about 10 minutes)
    python benchmarks/bench.py --quick          # the 10^6-row binary case only
    python benchmarks/bench.py --rows 1000000   # every case at 10^6 rows (compare: 2 x 10^6)
    python benchmarks/bench.py --skip compare   # leave out a case (binary, multiclass, compare)
    python benchmarks/bench.py --huge           # also stream a 10^8-row file once (3 GB on disk)

The cases are those of the performance goals: ``evaluate`` of 10^7 binary rows
(``id,label,prob``), of 10^6 rows x 10 classes (``id,label,p_0..p_9``), and
``compare`` of two 10^7-row files of the same examples (B's probabilities
perturbed from A's). Data is generated (seeded) into --data (default
``bench-data/``, kept between runs; git ignores it).

Every measurement is a whole process: wall time, CPU time (user + system of that
child, all its threads: on a shared machine it varies less than wall time) and
peak resident memory (``ru_maxrss`` of that child alone). The tools of a case
run interleaved, round after round, so that a noisy neighbour slows them alike;
the table gives medians (pandas + scikit-learn: --baseline-reps runs). The floor
is polars and pyarrow each reading only the needed columns into numpy: a tool's
time is compared with the faster floor, its memory with the smaller.

The outputs are checked too: clfdiag's figures must equal the baseline's to 1e-9.
"""

from __future__ import annotations

import argparse
import json
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
ROOT = HERE.parent
PYTHON = sys.executable
CLFDIAG = [PYTHON, "-m", "clfdiag"]
TOLERANCE = 1e-9


@dataclass
class Run:
    wall: float
    cpu: float
    peak_mb: float


def once(command: list[str], capture: bool = False) -> tuple[Run, str]:
    """One whole-process run of ``command``: its resources and (when asked) its stdout."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT / "src"), *filter(None, [os.environ.get("PYTHONPATH")])])}
    start = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        child = subprocess.Popen(command, stdout=subprocess.PIPE if capture else sink, env=env)
        out = child.stdout.read().decode() if capture and child.stdout else ""
        _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"failed ({status}): {' '.join(command)}")
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024), out


def compile_package() -> None:
    """Write clfdiag's bytecode, as an installed package has it, before anything is timed.

    Where ``PYTHONDONTWRITEBYTECODE`` is set (some CI images and sandboxes), every run of a
    source checkout would otherwise compile its modules again: about 0.15 s a process.
    """
    import compileall

    compileall.compile_dir(str(ROOT / "src" / "clfdiag"), quiet=1)


def median(runs: list[Run]) -> Run:
    return Run(statistics.median(r.wall for r in runs), statistics.median(r.cpu for r in runs),
               statistics.median(r.peak_mb for r in runs))


def measure_case(tools: dict[str, list[str]], reps: dict[str, int]) -> tuple[dict[str, Run],
                                                                             dict[str, str]]:
    """Medians of each tool, run interleaved; the stdout of each tool's first run."""
    runs: dict[str, list[Run]] = {t: [] for t in tools}
    outputs: dict[str, str] = {}
    for round_ in range(max(reps.values())):
        for tool, command in tools.items():
            if round_ < reps[tool]:
                run, out = once(command, capture=round_ == 0)
                runs[tool].append(run)
                if round_ == 0:
                    outputs[tool] = out
    return {t: median(r) for t, r in runs.items()}, outputs


# --- data ------------------------------------------------------------------------------------


def write_binary(path: Path, n: int, seed: int, shift: float = 1.2,
                 perturb: float = 0.0) -> None:
    """``id,label,prob`` with probabilities printed at full float64 precision.

    Labels and the logits depend on ``n`` alone; ``perturb`` adds seeded noise
    to the logits, so that a second file scores the same examples a little
    differently (the ``compare`` case).
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    labels = np.random.default_rng(0).integers(0, 2, n, dtype=np.int8)
    logits = np.random.default_rng(1).normal(0.0, 1.0, n) + shift * labels
    if perturb:
        logits += np.random.default_rng(seed).normal(0.0, perturb, n)
    prob = 1.0 / (1.0 + np.exp(-logits))
    table = pa.table({"id": np.arange(n), "label": labels, "prob": prob})
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
    columns = {"id": np.arange(n), "label": labels}
    columns.update({f"p_{c}": proba[:, c] for c in range(k)})
    pacsv.write_csv(pa.table(columns), path, pacsv.WriteOptions(quoting_style="none"))


def ensure(path: Path, make) -> Path:
    # Written by a child: Linux keeps a process's peak RSS across fork and exec, so a
    # parent grown by generating data would inflate every measurement after it.
    if not path.exists():
        print(f"generating {path.name} ...", file=sys.stderr)
        subprocess.run([PYTHON, "-c", f"import sys; sys.path.insert(0, {str(HERE)!r}); "
                        f"import bench; from pathlib import Path; {make}"], check=True)
    return path


# --- exactness -------------------------------------------------------------------------------


def differences(pairs: list[tuple[str, object, object]]) -> list[str]:
    """The figures of clfdiag and the baseline that differ by more than ``TOLERANCE``."""
    bad = []
    for name, ours, theirs in pairs:
        a, b = np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float)
        if a.shape != b.shape or not np.allclose(a, b, rtol=0.0, atol=TOLERANCE):
            bad.append(f"{name}: clfdiag {ours} against {theirs}")
    return bad


def check_evaluate(ours: str, theirs: str) -> list[str]:
    report, base = json.loads(ours), json.loads(theirs)
    m = report["metrics"]
    pairs = [(key, m[key], base[key]) for key in ("log_loss", "accuracy", "roc_auc", "ece")
             if key in base]
    pairs += [("n", m["n"], base.get("n", m["n"])),
              ("confusion_matrix", report["confusion_matrix"]["matrix"],
               base["confusion_matrix"])]
    return differences(pairs)


def check_compare(ours: str, theirs: str) -> list[str]:
    report, base = json.loads(ours), json.loads(theirs)
    test = report["tests"]["log_loss"]
    pairs = [("pairing.n", report["pairing"]["n"], base["n"]),
             ("tests.log_loss.mean_diff", test["mean_diff"], base["mean_diff"]),
             ("tests.log_loss.p_value", test["p_value"], base["p_value"])]
    for side in ("a", "b"):
        for key in ("log_loss", "accuracy"):
            pairs.append((f"{side}.{key}", report[side][key], base[side][key]))
    return differences(pairs)


# --- the table -------------------------------------------------------------------------------


def rows(case: str, runs: dict[str, Run], baseline: str, ours: str) -> list[str]:
    floors = [runs["floor, polars"], runs["floor, pyarrow"]]
    fast = min(f.wall for f in floors)
    fast_cpu = min(f.cpu for f in floors)
    small = min(f.peak_mb for f in floors)
    out = []
    for tool, run in runs.items():
        speedup = (f"{runs[baseline].wall / run.wall:.1f}x / "
                   f"{runs[baseline].cpu / run.cpu:.1f}x" if tool == ours else "")
        out.append(f"| {case} | {tool} | {run.wall:.2f} | {run.cpu:.2f} | {run.peak_mb:,.0f} | "
                   f"{speedup} | {run.wall / fast:.2f}x | {run.cpu / fast_cpu:.2f}x | "
                   f"{run.peak_mb / small:.2f}x |")
    return out


def floors(paths: list[Path], columns: list[str]) -> dict[str, list[str]]:
    joined = ",".join(str(p) for p in paths)
    return {f"floor, {reader}": [PYTHON, str(HERE / "floor.py"), reader, joined, *columns]
            for reader in ("polars", "pyarrow")}


def power(n: int) -> str:
    exponent = round(np.log10(n))
    return f"10^{exponent}" if 10**exponent == n else f"{n:,}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT / "bench-data")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--baseline-reps", type=int, default=2,
                        help="runs of pandas + scikit-learn (compare: 1)")
    parser.add_argument("--rows", type=int, default=10**7,
                        help="binary and compare rows (multiclass: a tenth)")
    parser.add_argument("--quick", action="store_true", help="the 10^6-row binary case only")
    parser.add_argument("--huge", action="store_true", help="also stream 10^8 rows once")
    parser.add_argument("--skip", action="append", default=[],
                        choices=["binary", "multiclass", "compare"], help="leave out a case")
    args = parser.parse_args()
    compile_package()
    if args.quick:
        args.rows, args.skip = 10**6, ["multiclass", "compare"]
    args.data.mkdir(parents=True, exist_ok=True)
    n, data = args.rows, args.data
    reps = {"floor, polars": args.reps, "floor, pyarrow": args.reps}
    lines = [
        f"Measured {date.today()} on {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, load average "
        f"{', '.join(f'{x:.1f}' for x in os.getloadavg())} at the start; medians of "
        f"{args.reps} runs (pandas + scikit-learn: {args.baseline_reps}, compare's: 1).",
        "",
        "| case | tool | wall (s) | CPU (s) | peak RSS (MB) | faster than pandas + scikit-learn "
        "(wall / CPU) | wall vs floor | CPU vs floor | memory vs floor |",
        "| :-- | :-- | --: | --: | --: | --: | --: | --: | --: |",
    ]
    problems: list[str] = []
    binary = data / f"binary_{n}.csv"
    if "binary" not in args.skip:
        ensure(binary, f"bench.write_binary(Path({str(binary)!r}), {n}, 1)")
        tools = {**floors([binary], ["label", "prob"]),
                 "pandas + scikit-learn": [PYTHON, str(HERE / "baseline_binary.py"),
                                           str(binary)],
                 "clfdiag evaluate": [*CLFDIAG, "evaluate", str(binary), "--format", "json"]}
        runs, outputs = measure_case(tools, {**reps, "pandas + scikit-learn": args.baseline_reps,
                                             "clfdiag evaluate": args.reps})
        problems += check_evaluate(outputs["clfdiag evaluate"], outputs["pandas + scikit-learn"])
        lines += rows(f"binary {power(n)}", runs, "pandas + scikit-learn", "clfdiag evaluate")
    if "multiclass" not in args.skip:
        m, k = n // 10, 10
        path = data / f"multiclass_{m}x{k}.csv"
        ensure(path, f"bench.write_multiclass(Path({str(path)!r}), {m}, {k}, 2)")
        tools = {**floors([path], ["label", *(f"p_{c}" for c in range(k))]),
                 "pandas + scikit-learn": [PYTHON, str(HERE / "baseline_multiclass.py"),
                                           str(path)],
                 "clfdiag evaluate": [*CLFDIAG, "evaluate", str(path), "--format", "json"]}
        runs, outputs = measure_case(tools, {**reps, "pandas + scikit-learn": args.baseline_reps,
                                             "clfdiag evaluate": args.reps})
        problems += check_evaluate(outputs["clfdiag evaluate"], outputs["pandas + scikit-learn"])
        lines += rows(f"{power(m)} x {k} classes", runs, "pandas + scikit-learn",
                      "clfdiag evaluate")
    if "compare" not in args.skip:
        other = data / f"binary_{n}_b.csv"
        ensure(binary, f"bench.write_binary(Path({str(binary)!r}), {n}, 1)")
        ensure(other, f"bench.write_binary(Path({str(other)!r}), {n}, 3, perturb=0.3)")
        baseline = "pandas + scikit-learn + SciPy"
        tools = {**floors([binary, other], ["id", "label", "prob"]),
                 baseline: [PYTHON, str(HERE / "baseline_compare.py"), str(binary), str(other)],
                 "clfdiag compare": [*CLFDIAG, "compare", str(binary), str(other),
                                     "--format", "json"]}
        runs, outputs = measure_case(tools, {**reps, baseline: 1, "clfdiag compare": args.reps})
        problems += check_compare(outputs["clfdiag compare"], outputs[baseline])
        lines += rows(f"compare 2 x {power(n)}", runs, baseline, "clfdiag compare")
    if args.huge:
        path = data / "binary_100000000.csv"
        ensure(path, f"bench.write_binary(Path({str(path)!r}), 10**8, 5)")
        huge, _ = once([*CLFDIAG, "evaluate", str(path), "--streaming", "--format", "json"])
        lines.append(f"\n10^8 rows streamed: {huge.wall:.2f} s wall, {huge.cpu:.2f} s CPU, "
                     f"{huge.peak_mb:,.0f} MB peak.")
    helps = [once([*CLFDIAG, "--help"])[0].wall for _ in range(5)]
    lines += ["", f"`clfdiag --help`: {statistics.median(helps):.2f} s (median of 5)."]
    lines += ["", "Every figure checked equals the baseline's to 1e-9." if not problems
              else "DIFFERENT from the baseline:\n- " + "\n- ".join(problems)]
    print("\n".join(lines))
    if problems:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
