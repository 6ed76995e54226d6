"""What a user would otherwise write to compare two binary prediction files.

Both files' metrics with scikit-learn, McNemar's exact test and a paired t test
on per-example log loss with SciPy. (scikit-learn and SciPy have no DeLong test;
this baseline leaves it out, so it does less than `clfdiag compare`.)

    python benchmarks/baseline_compare.py a.csv b.csv
"""

import json
import sys

import numpy as np
import pandas as pd
from baseline_binary import main as evaluate_one
from scipy import stats
from sklearn import metrics


def main(path_a: str, path_b: str) -> None:
    evaluate_one(path_a)
    evaluate_one(path_b)
    a, b = pd.read_csv(path_a), pd.read_csv(path_b)
    merged = a.merge(b, on="id", suffixes=("_a", "_b"))
    y = merged["label_a"].to_numpy()
    pa_, pb = merged["prob_a"].to_numpy(), merged["prob_b"].to_numpy()
    right_a, right_b = (pa_ >= 0.5) == y, (pb >= 0.5) == y
    b01, b10 = int((~right_a & right_b).sum()), int((right_a & ~right_b).sum())
    eps = np.finfo(float).eps
    loss_a = -np.log(np.clip(np.where(y == 1, pa_, 1 - pa_), eps, 1 - eps))
    loss_b = -np.log(np.clip(np.where(y == 1, pb, 1 - pb), eps, 1 - eps))
    out = {
        "mcnemar_p": stats.binomtest(b01, b01 + b10).pvalue,
        "log_loss_t_p": stats.ttest_rel(loss_b, loss_a).pvalue,
        "auc_a": metrics.roc_auc_score(y, pa_),
        "auc_b": metrics.roc_auc_score(y, pb),
    }
    json.dump(out, sys.stdout)
    print()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
