"""Write the history fixtures of other shapes: CatBoost TSV, folds, Lightning `valid_`, HF F1.

Values follow a noisy decay with deliberate rises of loss and metric together, so that
each file has evaluations to flag; the tests find them again with an independent loop.
Run from the repository root: python tests/data/make_history_shapes.py
"""

import csv
import json
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent / "histories"


def curve(rng, n, start, end, noise):
    return start + (end - start) * (1 - np.exp(-np.arange(n) / (n / 4))) + rng.normal(0, noise, n)


def write(path, header, rows, delimiter=","):
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f, delimiter=delimiter, lineterminator="\n")
        out.writerow(header)
        out.writerows(rows)


def main():
    rng = np.random.default_rng(19)
    # CatBoost test_error.tsv: iter, the loss, then the metrics; every iteration logged.
    n = 120
    loss, auc = curve(rng, n, 0.69, 0.31, 0.004), curve(rng, n, 0.70, 0.91, 0.004)
    write(HERE / "catboost" / "test_error.tsv", ["iter", "Logloss", "AUC"],
          [[i, f"{lo:.10g}", f"{a:.10g}"]
           for i, (lo, a) in enumerate(zip(loss, auc, strict=True))], "\t")
    # A Keras log with an AUC metric and no accuracy, semicolon-separated (a European locale).
    n = 15
    loss, vloss, vauc = (curve(rng, n, 0.7, 0.2, 0.01), curve(rng, n, 0.7, 0.35, 0.02),
                         curve(rng, n, 0.6, 0.88, 0.02))
    write(HERE / "auc_only.csv", ["epoch", "auc", "loss", "val_auc", "val_loss"],
          [[e, f"{a:.6f}", f"{lo:.6f}", f"{va:.6f}", f"{vl:.6f}"] for e, (a, lo, va, vl) in
           enumerate(zip(curve(rng, n, 0.6, 0.95, 0.01), loss, vauc, vloss, strict=True))], ";")
    # Five folds of cross-validation in one Keras-style log, a `fold` column first.
    rows = []
    for fold in range(5):
        n = 8 + fold
        vloss, vacc = curve(rng, n, 0.7, 0.4, 0.02), curve(rng, n, 0.55, 0.82, 0.02)
        rows += [[fold, e + 1, f"{vl:.6f}", f"{va:.6f}"] for e, (vl, va) in
                 enumerate(zip(vloss, vacc, strict=True))]
    write(HERE / "folds.csv", ["fold", "epoch", "val_loss", "val_accuracy"], rows)
    # Lightning CSVLogger with `valid_` names and the loss logged twice (valid_loss_0 from a
    # second `self.log` of the same value): train and validation metrics on separate rows.
    rows, step = [], 0
    n = 10
    vloss, vacc = curve(rng, n, 0.9, 0.45, 0.02), curve(rng, n, 0.5, 0.85, 0.02)
    for e in range(n):
        for _ in range(3):
            step += 10
            rows.append([e, step, f"{0.9 - 0.05 * e + rng.normal(0, 0.01):.6f}", "", "", ""])
        rows.append([e, step, "", f"{vacc[e]:.6f}", f"{vloss[e]:.6f}", f"{vloss[e]:.6f}"])
    write(HERE / "lightning_valid" / "metrics.csv",
          ["epoch", "step", "train_loss_step", "valid_acc", "valid_loss", "valid_loss_0"], rows)
    # Hugging Face trainer_state.json: evaluation every 40 steps (fractional epochs), F1 but
    # no accuracy, interleaved with training-loss entries.
    log = []
    n = 12
    vloss, vf1 = curve(rng, n, 0.65, 0.3, 0.015), curve(rng, n, 0.55, 0.9, 0.015)
    for k in range(n):
        step = 40 * (k + 1)
        epoch = round(step / 96, 4)
        log.append({"epoch": epoch, "grad_norm": 1.3, "learning_rate": 2e-5,
                    "loss": round(0.7 - 0.03 * k, 4), "step": step})
        log.append({"epoch": epoch, "eval_f1": float(vf1[k]), "eval_loss": float(vloss[k]),
                    "eval_runtime": 3.21, "eval_samples_per_second": 311.5,
                    "eval_steps_per_second": 9.7, "step": step})
    state = {"best_metric": None, "epoch": log[-1]["epoch"], "global_step": 40 * n,
             "log_history": log}
    (HERE / "hf_f1" / "trainer_state.json").write_text(json.dumps(state, indent=2) + "\n")
    # Old Keras names with only `acc` beside the validation loss: train or validation?
    write(HERE / "acc_unprefixed.csv", ["epoch", "acc", "val_loss"],
          [[e, f"{a:.4f}", f"{lo:.4f}"] for e, (a, lo) in
           enumerate(zip(curve(rng, 8, 0.6, 0.9, 0.02), curve(rng, 8, 0.7, 0.4, 0.02),
                         strict=True))])


if __name__ == "__main__":
    main()
