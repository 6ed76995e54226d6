"""Make the bundled sample predictions from datasets that ship with scikit-learn.

Run from the repository root (needs the test extra: ``pip install -e '.[test]'``)::

    python sample_data/make_samples.py

Everything is seeded, so the files are reproducible:

- ``binary.csv``: logistic regression on the Wisconsin breast-cancer data; 228 held-out
  tumours; ``label`` 1 = malignant, ``prob`` = predicted probability of malignant.
- ``multiclass.csv``: logistic regression on the 8x8 handwritten digits; 719 held-out
  images; one ``p_<digit>`` column per class.
- ``epochs/epoch_NN.csv``: a small neural network (scikit-learn's MLP, trained epoch by
  epoch with ``partial_fit``) on a noisy binary problem, the same 600 validation examples
  scored after each of 20 epochs. It overfits: late epochs gain accuracy while their
  log loss rises.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits, make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

HERE = Path(__file__).parent
SEED = 7


def write(path: Path, header: list[str], rows: list[list[object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as f:
        f.write(",".join(header) + "\n")
        for row in rows:
            f.write(",".join(repr(v) if isinstance(v, float) else str(v) for v in row) + "\n")


def binary() -> None:
    data = load_breast_cancer()
    x, y = data.data, 1 - data.target  # scikit-learn codes malignant as 0
    ids = np.array([f"tumour-{i:03d}" for i in range(len(y))])
    x_tr, x_te, y_tr, y_te, _, id_te = train_test_split(
        x, y, ids, test_size=0.4, random_state=SEED, stratify=y)
    model = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=1000))
    model.fit(x_tr, y_tr)
    p = model.predict_proba(x_te)[:, 1]
    write(HERE / "binary.csv", ["id", "label", "prob"],
          [[i, int(t), float(q)] for i, t, q in zip(id_te, y_te, p, strict=True)])


def multiclass() -> None:
    data = load_digits()
    ids = np.array([f"digit-{i:04d}" for i in range(len(data.target))])
    x_tr, x_te, y_tr, y_te, _, id_te = train_test_split(
        data.data, data.target, ids, test_size=0.4, random_state=SEED, stratify=data.target)
    model = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=2000))
    model.fit(x_tr, y_tr)
    proba = model.predict_proba(x_te)
    header = ["id", "label"] + [f"p_{c}" for c in model.classes_]
    write(HERE / "multiclass.csv", header,
          [[i, int(t), *map(float, row)] for i, t, row in zip(id_te, y_te, proba, strict=True)])


def epochs(n_epochs: int = 20) -> None:
    x, y = make_classification(n_samples=1200, n_features=20, n_informative=6,
                               n_redundant=4, flip_y=0.15, class_sep=0.8, random_state=SEED)
    x_tr, x_va, y_tr, y_va = train_test_split(x, y, test_size=0.5, random_state=SEED)
    scaler = StandardScaler().fit(x_tr)
    x_tr, x_va = scaler.transform(x_tr), scaler.transform(x_va)
    model = MLPClassifier(hidden_layer_sizes=(128, 64), learning_rate_init=0.01, alpha=0.0,
                          batch_size=32, random_state=SEED)
    rng = np.random.default_rng(SEED)
    for epoch in range(1, n_epochs + 1):
        order = rng.permutation(len(y_tr))
        model.partial_fit(x_tr[order], y_tr[order], classes=[0, 1])
        p = model.predict_proba(x_va)[:, 1]
        write(HERE / "epochs" / f"epoch_{epoch:02d}.csv", ["id", "label", "prob"],
              [[f"val-{i:04d}", int(t), float(q)]
               for i, (t, q) in enumerate(zip(y_va, p, strict=True))])


if __name__ == "__main__":
    binary()
    multiclass()
    epochs()
