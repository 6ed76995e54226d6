"""What a user would otherwise write to compare two binary prediction files of the same examples.

pandas merges them on id; scikit-learn gives each file's log loss and accuracy;
SciPy's paired t test runs on the per-example log-loss differences (B minus A).

    python benchmarks/baseline_compare.py a.csv b.csv
"""

import json
import sys

import numpy as np
import pandas as pd
from scipy import stats
from sklearn import metrics


def main(path_a: str, path_b: str) -> None:
    merged = pd.read_csv(path_a).merge(pd.read_csv(path_b), on="id", suffixes=("_a", "_b"))
    y = merged["label_a"].to_numpy()
    out: dict[str, object] = {"n": len(y)}
    losses = []
    for side in ("a", "b"):
        p = merged[f"prob_{side}"].to_numpy()
        out[side] = {"log_loss": metrics.log_loss(y, p),
                     "accuracy": metrics.accuracy_score(y, (p >= 0.5).astype(int))}
        losses.append(-np.log(np.where(y == 1, p, 1.0 - p)))
    diff = losses[1] - losses[0]
    out["mean_diff"] = float(diff.mean())
    out["p_value"] = float(stats.ttest_rel(losses[1], losses[0]).pvalue)
    json.dump(out, sys.stdout, default=float)
    print()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
