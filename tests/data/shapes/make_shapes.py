"""Write the small prediction files of every shape the reader must handle (seeded, reproducible).

Run from the repository root: ``python tests/data/shapes/make_shapes.py``. Each file imitates
a shape people really have: scikit-learn/Keras/Spark/Kaggle dumps and hard predictions.
"""

from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
rng = np.random.default_rng(9)


def write(name: str, header: list[str], rows: list[list[object]]) -> None:
    lines = [",".join(header)] + [",".join(_cell(v) for v in row) for row in rows]
    (HERE / name).write_text("\n".join(lines) + "\n", encoding="utf-8")


def _cell(v: object) -> str:
    return f"{v:.6f}" if isinstance(v, float) else str(v)


def binary(n: int = 40) -> tuple[np.ndarray, np.ndarray]:
    y = rng.integers(0, 2, n)
    p = np.clip(0.5 + (y - 0.5) * rng.uniform(0.0, 0.9, n) + rng.normal(0, 0.15, n), 0.01, 0.99)
    return y, p


def softmax_rows(y: np.ndarray, k: int) -> np.ndarray:
    logits = rng.normal(0, 1, (len(y), k))
    logits[np.arange(len(y)), y] += 1.2
    e = np.exp(logits)
    p = np.round(e / e.sum(axis=1, keepdims=True), 6)
    p[:, -1] = np.round(1 - p[:, :-1].sum(axis=1), 6)
    return p


y, p = binary()
write("y_pred_y_proba.csv", ["y_true", "y_pred", "y_proba"],
      [[a, int(b >= 0.5), c] for a, b, c in zip(y, p, p, strict=True)])
write("spark.csv", ["label", "prediction", "probability"],
      [[a, int(b >= 0.5), c] for a, b, c in zip(y, p, p, strict=True)])
# Spark ML: probability and rawPrediction as vectors, labels as doubles.
(HERE / "spark_vectors.csv").write_text(
    "label,prediction,probability,rawPrediction\n" + "".join(
        f'{float(a)},{float(b >= 0.5)},"[{1 - b:.6f},{b:.6f}]","[{-lg:.6f},{lg:.6f}]"\n'
        for a, b, lg in zip(y, np.round(p, 6), np.log(p / (1 - p)), strict=True)),
    encoding="utf-8")
write("percent.csv", ["label", "prob"], [[a, round(100 * b, 2)] for a, b in zip(y, p, strict=True)])
logit = np.log(p / (1 - p))
write("raw_scores.csv", ["label", "score"], [[a, b] for a, b in zip(y, logit, strict=True)])
y2, p2 = binary()
write("two_models.csv", ["outcome_id", "label", "model_a", "model_b"],
      [[f"r{i}", a, b, c] for i, (a, b, c) in enumerate(zip(y, p, p2, strict=True))])
write("oof.csv", ["id", "target", "oof"],
      [[i, a, b] for i, (a, b) in enumerate(zip(y, p, strict=True))])
write("weights.csv", ["label", "prob", "sample_weight"],
      [[a, b, float(rng.integers(1, 4))] for a, b in zip(y, p, strict=True)])
# A confidence of the predicted class (never below 0.5) beside the predicted class.
conf = np.maximum(p, 1 - p)
write("confidence_of_prediction.csv", ["label", "prediction", "confidence"],
      [[a, int(b >= 0.5), c] for a, b, c in zip(y, p, conf, strict=True)])
write("confidence_of_positive.csv", ["label", "prediction", "confidence"],
      [[a, int(b >= 0.5), b] for a, b in zip(y, p, strict=True)])

names = ["setosa", "versicolor", "virginica"]
ym = rng.integers(0, 3, 45)
pm = softmax_rows(ym, 3)
write("predict_proba_names.csv", ["y", *names],
      [[names[a], *row] for a, row in zip(ym, pm, strict=True)])
write("keras_digits.csv", ["label", "0", "1", "2"],
      [[a, *row] for a, row in zip(ym, pm, strict=True)])
yo = rng.integers(0, 4, 48)
po = softmax_rows(yo, 4)
write("otto.csv", ["id", "target", *[f"Class_{k + 1}" for k in range(4)]],
      [[i, f"Class_{a + 1}", *row] for i, (a, row) in enumerate(zip(yo, po, strict=True))])

# A Kaggle submission (ids shuffled) and its ground truth.
order = rng.permutation(len(y))
write("submission.csv", ["id", "target"], [[f"s{i}", p[i]] for i in order])
write("ground_truth.csv", ["id", "target"], [[f"s{i}", y[i]] for i in range(len(y))])
write("ground_truth_extra.csv", ["id", "target"],
      [[f"s{i}", y[i]] for i in range(len(y))] + [["s_extra1", 1], ["s_extra2", 0]])
write("submission_no_ids.csv", ["p_0", "p_1"], [[round(1 - b, 6), b] for b in p])
write("truth_no_ids.csv", ["label"], [[a] for a in y])

# Hard predictions only.
pred_b = np.where(rng.uniform(size=len(y)) < 0.75, y, 1 - y)
write("hard_binary.csv", ["label", "pred"], [[a, b] for a, b in zip(y, pred_b, strict=True)])
animals = ["cat", "dog", "fox"]
pred_m = np.where(rng.uniform(size=len(ym)) < 0.6, ym, rng.integers(0, 3, len(ym)))
write("hard_multiclass.csv", ["truth", "predicted"],
      [[animals[a], animals[b]] for a, b in zip(ym, pred_m, strict=True)])

# Shapes that are refused.
sig = np.round(rng.uniform(0, 1, (12, 3)), 6)
write("multilabel_sigmoid.csv", ["label", "cat", "dog", "fox"],
      [["cat", *row] for row in sig[:6]] + [["dog", *row] for row in sig[6:]])
(HERE / "multilabel_lists.csv").write_text(
    'label,prob\n"[cat, dog]",0.3\n"[dog]",0.8\n"[cat]",0.4\n', encoding="utf-8")
write("long_format.csv", ["id", "label", "candidate", "prob"],
      [[i, animals[int(ym[i])], animals[k], float(pm[i, k])] for i in range(6) for k in range(3)])
write("confusion_table.csv", ["actual", "cat", "dog", "fox"],
      [["cat", 12, 3, 1], ["dog", 2, 15, 4], ["fox", 0, 5, 9]])

# 57 classes, of which only 2 occur in the labels: a validation file too small for a map with
# a scale and a bias per class.
few = np.random.default_rng(57)
yf = np.where(few.uniform(size=80) < 0.5, 3, 16)
logits_f = few.normal(0, 1, (80, 57))
logits_f[np.arange(80), yf] += 2.5
pf = np.exp(logits_f) / np.exp(logits_f).sum(axis=1, keepdims=True)
pf = np.round(pf, 6)
pf[:, -1] = np.round(1 - pf[:, :-1].sum(axis=1), 6)
write("many_classes_two_present.csv", ["id", "target", *[f"Class_{k + 1}" for k in range(57)]],
      [[i, f"Class_{a + 1}", *row] for i, (a, row) in enumerate(zip(yf, pf, strict=True))])
