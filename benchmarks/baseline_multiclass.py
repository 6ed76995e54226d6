"""What a user would otherwise write: pandas + scikit-learn, metric by metric (multiclass).

    python benchmarks/baseline_multiclass.py preds.csv
"""

import json
import sys

import pandas as pd
from sklearn import metrics


def main(path: str) -> None:
    frame = pd.read_csv(path)
    columns = [c for c in frame.columns if c.startswith("p_")]
    proba = frame[columns].to_numpy()
    labels = [int(c[2:]) for c in columns]
    y = frame["label"].to_numpy()
    pred = proba.argmax(axis=1)
    out = {
        "log_loss": metrics.log_loss(y, proba, labels=labels),
        "accuracy": metrics.accuracy_score(y, pred),
        "top5_accuracy": metrics.top_k_accuracy_score(y, proba, k=5, labels=labels),
        "roc_auc": metrics.roc_auc_score(y, proba, multi_class="ovr", labels=labels),
        "confusion_classes": len(metrics.confusion_matrix(y, pred, labels=labels)),
    }
    json.dump(out, sys.stdout, default=float)
    print()


if __name__ == "__main__":
    main(sys.argv[1])
