"""What a user would otherwise write: pandas + scikit-learn, metric by metric (multiclass).

    python benchmarks/baseline_multiclass.py preds.csv

``read_csv``, then log loss, accuracy, macro one-vs-rest ROC AUC, the confusion
matrix and the top-label ECE (15 equal-width, right-closed bins over [0, 1]) by hand.
"""

import json
import sys

import numpy as np
import pandas as pd
from sklearn import metrics


def top_label_ece(confidence: np.ndarray, correct: np.ndarray, n_bins: int = 15) -> float:
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    index = np.clip(np.searchsorted(edges, confidence, side="left") - 1, 0, n_bins - 1)
    count = np.bincount(index, minlength=n_bins)
    gap = np.abs(np.bincount(index, weights=correct, minlength=n_bins)
                 - np.bincount(index, weights=confidence, minlength=n_bins))
    return float(gap.sum() / count.sum())


def main(path: str) -> None:
    frame = pd.read_csv(path)
    columns = [c for c in frame.columns if c.startswith("p_")]
    proba = frame[columns].to_numpy()
    labels = [int(c[2:]) for c in columns]
    y = frame["label"].to_numpy()
    pred = proba.argmax(axis=1)
    out = {
        "n": len(y),
        "log_loss": metrics.log_loss(y, proba, labels=labels),
        "accuracy": metrics.accuracy_score(y, pred),
        "roc_auc": metrics.roc_auc_score(y, proba, multi_class="ovr", labels=labels),
        "confusion_matrix": metrics.confusion_matrix(y, pred, labels=labels).tolist(),
        "ece": top_label_ece(proba.max(axis=1), pred == y),
    }
    json.dump(out, sys.stdout, default=float)
    print()


if __name__ == "__main__":
    main(sys.argv[1])
