"""Confident learning on numpy against cleanlab 2.9.0: time and peak memory, side by side.

    python benchmarks/label_issues.py [--rows 1000000] [--classes 10] [--reps 1]

Each measurement runs in a fresh process (``--child``) that first draws the
seeded problem (labels with 10% flipped, Dirichlet probabilities leaning to the
true class), records its resident size, then runs one implementation:

- ``clfdiag``: :func:`clfdiag.core.label_quality.label_issues` (thresholds, both
  confident joints, latent noise, the default filter, every count, class quality,
  the ranking and the scores);
- ``cleanlab``: ``filter.find_label_issues(..., return_indices_ranked_by=
  "self_confidence", n_jobs=1)`` and ``rank.get_label_quality_scores``
  (one process each: the numpy side is single-threaded too).

Reported: wall and CPU seconds, and peak resident memory above the input's
(``ru_maxrss`` after minus before). The issue's sizes are 10^6 x 10 and
10^5 x 1,000; on a shared machine run them one at a time.

Measured once each on the shared 2-core machine (wall time inflated by other
processes; CPU time is the steadier figure), same flagged count on both sides:

    10^6 x 10     clfdiag  cpu 0.80 s  wall  3.3 s  peak above input    32 MB
                  cleanlab cpu 4.63 s  wall 33.0 s  peak above input   359 MB
    10^5 x 1,000  clfdiag  cpu 0.95 s  wall  5.6 s  peak above input    83 MB
                  cleanlab cpu 7.35 s  wall 25.4 s  peak above input 1,742 MB

cleanlab's figures include importing it (with scikit-learn and pandas); its
memory goes to copies of the probabilities grouped by class and to the margin's
``np.delete`` copy. clfdiag groups example indices, not rows, and works on
blocks of about 10^6 probabilities.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
import warnings

import numpy as np

SEED = 24
NOISE = 0.1


def problem(rows: int, classes: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(SEED)
    true = rng.integers(0, classes, rows)
    proba = rng.dirichlet(np.full(classes, 0.5), rows)
    proba[np.arange(rows), true] += 1.0
    proba /= proba.sum(axis=1, keepdims=True)
    given = true.copy()
    flipped = rng.random(rows) < NOISE
    given[flipped] = rng.integers(0, classes, int(flipped.sum()))
    return given, proba


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(which: str, rows: int, classes: int) -> dict[str, float]:
    y, proba = problem(rows, classes)
    before = peak_mb()
    wall, cpu = time.perf_counter(), time.process_time()
    if which == "clfdiag":
        from clfdiag.core.label_quality import label_issues

        flagged = int(label_issues(y, proba).is_issue.sum())
    else:
        from cleanlab.filter import find_label_issues
        from cleanlab.rank import get_label_quality_scores

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ranked = find_label_issues(y, proba, return_indices_ranked_by="self_confidence",
                                       n_jobs=1)
            get_label_quality_scores(y, proba)
        flagged = len(ranked)
    return {"wall_s": time.perf_counter() - wall, "cpu_s": time.process_time() - cpu,
            "input_mb": before, "peak_above_input_mb": peak_mb() - before,
            "flagged": flagged}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--classes", type=int, default=10)
    parser.add_argument("--reps", type=int, default=1)
    parser.add_argument("--child", choices=["clfdiag", "cleanlab"])
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.rows, args.classes)))
        return
    print(f"{args.rows:,} rows x {args.classes:,} classes")
    for _ in range(args.reps):
        for which in ("clfdiag", "cleanlab"):
            out = subprocess.run(
                [sys.executable, __file__, "--child", which, "--rows", str(args.rows),
                 "--classes", str(args.classes)], check=True, capture_output=True, text=True)
            r = json.loads(out.stdout)
            print(f"  {which:8s} wall {r['wall_s']:7.2f} s  cpu {r['cpu_s']:7.2f} s  "
                  f"input {r['input_mb']:7.0f} MB  peak above input "
                  f"{r['peak_above_input_mb']:7.0f} MB  flagged {r['flagged']:,}")


if __name__ == "__main__":
    main()
