"""Write the small files of the shapes at the seams between files, roles and hints (seeded).

Run from the repository root: ``python tests/data/shapes/make_seams.py``. Each file imitates a
dump people really have: a max-confidence column, a split name in the label column, labels
under other names, 0/1 features beside one probability, soft labels, a holdout table.
"""

from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
rng = np.random.default_rng(19)


def write(name: str, header: list[str], rows: list[list[object]], sep: str = ",") -> None:
    lines = [sep.join(header)] + [sep.join(_cell(v) for v in row) for row in rows]
    (HERE / name).write_text("\n".join(lines) + "\n", encoding="utf-8")


def _cell(v: object) -> str:
    return f"{v:.6f}" if isinstance(v, float) else str(v)


def binary(n: int) -> tuple[np.ndarray, np.ndarray]:
    y = rng.integers(0, 2, n)
    p = np.clip(0.5 + (y - 0.5) * rng.uniform(0.0, 0.9, n) + rng.normal(0, 0.2, n), 0.01, 0.99)
    return y, np.round(p, 6)


# `probability` is max(predict_proba): the confidence of the predicted class.
y, p = binary(60)
write("max_confidence.csv", ["label", "prediction", "probability"],
      [[a, int(b >= 0.5), float(max(b, 1 - b))] for a, b in zip(y, p, strict=True)])
# A split name where the label should be.
_, q = binary(1050)
write("split_label.csv", ["label", "prob"], [["test", b] for b in q])
# A batch of positives only.
write("all_positive.csv", ["label", "prob"], [[1, b] for b in p[:30]])
# Labels and ids under other names.
for label in ("true_label", "true_class", "actual", "actual_outcome", "ground_truth",
              "gt_label", "y_test", "target_churn"):
    write(f"label_{label}.csv", ["image_id", label, "prob"],
          [[f"img{i:03d}.png", a, b] for i, (a, b) in enumerate(zip(y, p, strict=True))])
for ident in ("object_id", "uid", "filename", "image_id"):
    write(f"id_{ident}.csv", [ident, "label", "prob"],
          [[f"x{i}", a, b] for i, (a, b) in enumerate(zip(y, p, strict=True))])
# A pandas index written without a name.
write("pandas_index.csv", ["", "label", "prob"],
      [[i, a, b] for i, (a, b) in enumerate(zip(y, p, strict=True))])
# Headers with a space after the comma, string labels.
names = np.array(["negative", "positive"])
hard = np.where(rng.uniform(size=len(y)) < 0.8, y, 1 - y)
write("spaced_header.csv", ["actual label", " predicted label"],
      [[names[a], " " + names[b]] for a, b in zip(y, hard, strict=True)])
# String labels and a column of predicted classes.
write("rev_label.csv", ["review", "rev_label", "predicted_classes"],
      [[f"r{i}", names[a], names[b]] for i, (a, b) in enumerate(zip(y, hard, strict=True))])
# Student dropout: 0/1 features beside the target and one probability.
features = ["female", "worked_abroad", "scholarship", "debtor", "displaced", "tuition_paid"]
x = rng.integers(0, 2, (len(y), len(features)))
write("dropout.csv", [*features, "target_dropout", "dropout_proba"],
      [[*row, a, b] for row, a, b in zip(x, y, p, strict=True)])
# Soft labels: the share of 4 annotators' votes per class beside the majority class.
classes = ["neg", "neu", "pos"]
votes = rng.multinomial(4, [0.3, 0.3, 0.4], size=24)
majority = [classes[int(np.argmax(v))] for v in votes]
write("soft_labels.csv", ["text_id", "label", *classes],
      [[f"t{i}", m, *(v / 4.0)] for i, (m, v) in enumerate(zip(majority, votes, strict=True))])
# Multi-label indicator columns beside one probability column per class.
indicators = rng.integers(0, 2, (12, 3))
scores = np.round(rng.uniform(0, 1, (12, 3)), 6)
write("multilabel_indicators.csv", ["id", "cat", "dog", "fox", "p_cat", "p_dog", "p_fox"],
      [[i, *a, *b] for i, (a, b) in enumerate(zip(indicators, scores, strict=True))])
# A file written without its header line.
(HERE / "headerless.csv").write_text(
    "".join(f"{a},{b:.6f}\n" for a, b in zip(y, p, strict=True)), encoding="utf-8")
# A churn holdout table (ids shuffled) and a model's predictions for it.
order = rng.permutation(len(y))
gender = rng.choice(["Female", "Male"], len(y))
churn = np.array(["No", "Yes"])
write("churn_predictions.csv", ["id", "prob"], [[f"c{i}", p[i]] for i in range(len(y))])
write("churn_holdout.csv", ["id", "gender", "tenure", "Churn"],
      [[f"c{i}", gender[i], int(rng.integers(1, 72)), churn[y[i]]] for i in order])
