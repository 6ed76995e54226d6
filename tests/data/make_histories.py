"""Make the training-history fixtures from a real training loop.

A scikit-learn MLP is trained epoch by epoch (``partial_fit``) on noisy data until it
overfits; its validation loss and accuracy after each epoch are written in every
format ``clfdiag history`` reads, in the shapes those tools produce. ``truth.json``
keeps the numbers, so tests compute the expected flags independently.

    python tests/data/make_histories.py
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from sklearn.datasets import make_classification
from sklearn.metrics import accuracy_score, log_loss
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

OUT = Path(__file__).parent / "histories"
SEED = 11
EPOCHS = 16


def train() -> list[dict[str, float]]:
    x, y = make_classification(n_samples=900, n_features=20, n_informative=6,
                               flip_y=0.2, class_sep=0.8, random_state=SEED)
    x_tr, x_va, y_tr, y_va = train_test_split(x, y, test_size=0.5, random_state=SEED)
    scaler = StandardScaler().fit(x_tr)
    x_tr, x_va = scaler.transform(x_tr), scaler.transform(x_va)
    model = MLPClassifier(hidden_layer_sizes=(128, 64), learning_rate_init=0.01, alpha=0.0,
                          batch_size=32, random_state=SEED)
    rng = np.random.default_rng(SEED)
    log = []
    for _ in range(EPOCHS):
        order = rng.permutation(len(y_tr))
        model.partial_fit(x_tr[order], y_tr[order], classes=[0, 1])
        p_tr, p_va = model.predict_proba(x_tr), model.predict_proba(x_va)
        log.append({"loss": log_loss(y_tr, p_tr),
                    "accuracy": accuracy_score(y_tr, p_tr[:, 1] >= .5),
                    "val_loss": log_loss(y_va, p_va),
                    "val_accuracy": accuracy_score(y_va, p_va[:, 1] >= .5)})
    return log


def write(name: str, text: str) -> None:
    path = OUT / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def main() -> None:
    log = train()
    write("truth.json", json.dumps(log, indent=1))
    # Keras CSVLogger (Keras 3 sorts the keys; epochs count from 0).
    lines = ["epoch,accuracy,loss,val_accuracy,val_loss"]
    lines += [f"{e},{r['accuracy']!r},{r['loss']!r},{r['val_accuracy']!r},{r['val_loss']!r}"
              for e, r in enumerate(log)]
    write("keras.csv", "\n".join(lines) + "\n")
    # A second fit() appended to the same log: the epoch count restarts.
    half = len(log) // 2
    lines = ["epoch,accuracy,loss,val_accuracy,val_loss"]
    lines += [f"{e},{r['accuracy']!r},{r['loss']!r},{r['val_accuracy']!r},{r['val_loss']!r}"
              for e, r in enumerate(log[:half])]
    lines += [f"{e},{r['accuracy']!r},{r['loss']!r},{r['val_accuracy']!r},{r['val_loss']!r}"
              for e, r in enumerate(log[half:])]
    write("keras_two_fits.csv", "\n".join(lines) + "\n")
    # Older Keras: acc / val_acc, and Windows line ends.
    lines = ["epoch,acc,loss,val_acc,val_loss"]
    lines += [f"{e},{r['accuracy']!r},{r['loss']!r},{r['val_accuracy']!r},{r['val_loss']!r}"
              for e, r in enumerate(log)]
    write("keras_old_names.csv", "\r\n".join(lines) + "\r\n")
    # Lightning CSVLogger: per-step training rows, an epoch-level training row and a
    # validation row per epoch, plus LearningRateMonitor rows with no epoch.
    lines = ["epoch,lr-Adam,step,train_loss_epoch,train_loss_step,val_acc,val_loss"]
    step = 0
    for e, r in enumerate(log):
        for _ in range(3):
            step += 10
            lines.append(f"{e},,{step - 1},,{r['loss'] * 1.1!r},,")
        lines.append(f",0.001,{step - 1},,,,")
        lines.append(f"{e},,{step - 1},,,{r['val_accuracy']!r},{r['val_loss']!r}")
        lines.append(f"{e},,{step - 1},{r['loss']!r},,,")
    write("lightning/metrics.csv", "\n".join(lines) + "\n")
    # Hugging Face trainer_state.json: evaluation every half epoch, by step, interleaved
    # with training-loss entries.
    history: list[dict[str, float]] = []
    for i, r in enumerate(log):
        step = 50 * (i + 1)
        history.append({"epoch": (i + 1) / 2, "learning_rate": 5e-5, "loss": r["loss"],
                        "step": step})
        history.append({"epoch": (i + 1) / 2, "eval_accuracy": r["val_accuracy"],
                        "eval_loss": r["val_loss"], "eval_runtime": 1.2, "step": step})
    write("hf/trainer_state.json", json.dumps({"best_metric": None, "global_step": 50 * len(log),
                                               "log_history": history}, indent=2))
    # Evaluations that logged a loss but no accuracy (no compute_metrics).
    no_acc = [{k: v for k, v in entry.items() if k != "eval_accuracy"} for entry in history]
    write("hf_no_accuracy/trainer_state.json", json.dumps({"log_history": no_acc}, indent=2))
    # TensorBoard scalar exports, one file per tag.
    for tag, key in (("val_loss", "val_loss"), ("val_accuracy", "val_accuracy")):
        rows = ["Wall time,Step,Value"]
        rows += [f"{1700000000.5 + 60 * i},{i},{r[key]!r}" for i, r in enumerate(log)]
        write(f"tensorboard/run-version_0-tag-{tag}.csv", "\n".join(rows) + "\n")
    # MLflow file store: mlruns/<exp>/<run>/metrics/<name>, "timestamp value step" lines.
    for key in ("val_loss", "val_accuracy", "loss"):
        rows = [f"{1700000000000 + 60000 * i} {r[key]!r} {i}" for i, r in enumerate(log)]
        write(f"mlflow/metrics/{key}", "\n".join(rows) + "\n")


if __name__ == "__main__":
    main()
