"""What a user would otherwise write: pandas + scikit-learn, metric by metric (binary).

    python benchmarks/baseline_binary.py preds.csv
"""

import json
import sys

import numpy as np
import pandas as pd
from sklearn import calibration, metrics


def main(path: str) -> None:
    frame = pd.read_csv(path)
    y, p = frame["label"].to_numpy(), frame["prob"].to_numpy()
    pred = (p >= 0.5).astype(int)
    out = {
        "log_loss": metrics.log_loss(y, p),
        "accuracy": metrics.accuracy_score(y, pred),
        "confusion_matrix": metrics.confusion_matrix(y, pred).tolist(),
        "precision": metrics.precision_score(y, pred),
        "recall": metrics.recall_score(y, pred),
        "f1": metrics.f1_score(y, pred),
        "mcc": metrics.matthews_corrcoef(y, pred),
        "roc_auc": metrics.roc_auc_score(y, p),
        "roc_points": len(metrics.roc_curve(y, p)[0]),
        "pr_auc": metrics.average_precision_score(y, p),
        "brier": metrics.brier_score_loss(y, p),
        "calibration_bins": len(calibration.calibration_curve(y, p, n_bins=15)[0]),
    }
    json.dump(out, sys.stdout, default=float)
    print()
    assert np.isfinite(out["log_loss"])


if __name__ == "__main__":
    main(sys.argv[1])
