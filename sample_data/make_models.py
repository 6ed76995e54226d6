"""Make the sample files for comparing many models, from datasets that ship with scikit-learn.

Run from the repository root (needs the test extra: ``pip install -e '.[test]'``)::

    python sample_data/make_models.py

Everything is seeded, so the files are reproducible:

- ``models/{logreg,forest,boosting}.csv``: three models' predictions of the same 228
  held-out tumours of the Wisconsin breast-cancer data (``clfdiag compare
  models/*.csv``); ``id``, ``label`` (1 = malignant), ``prob`` = predicted probability of
  malignant. The rows of each file are shuffled differently: they pair by ``id``.
- ``models/scores.csv``: accuracy of the same three models in 5-fold cross-validation
  (``fold`` 1-5) on six small datasets, in the long shape (``clfdiag rank
  models/scores.csv --test-train-ratio 0.25``).
- ``models/scores_wide.csv``: each dataset's mean accuracy over its folds, one column
  per model (the wide shape).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.datasets import (
    load_breast_cancer,
    load_iris,
    load_wine,
    make_classification,
    make_moons,
)
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

OUT = Path(__file__).parent / "models"


def models() -> dict[str, object]:
    return {
        "logreg": make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)),
        "forest": RandomForestClassifier(n_estimators=200, random_state=0),
        "boosting": HistGradientBoostingClassifier(max_iter=100, random_state=0),
    }


def same_examples() -> None:
    data = load_breast_cancer()
    # scikit-learn's target is 1 = benign; the positive class here is malignant.
    y = 1 - data.target
    ids = np.array([f"tumour-{i}" for i in range(len(y))])
    x_train, x_test, y_train, y_test, _, id_test = train_test_split(
        data.data, y, ids, test_size=0.4, random_state=0, stratify=y)
    for seed, (name, model) in enumerate(models().items()):
        prob = model.fit(x_train, y_train).predict_proba(x_test)[:, 1]
        order = np.random.default_rng(seed).permutation(len(y_test))
        lines = ["id,label,prob"] + [f"{id_test[i]},{y_test[i]},{float(prob[i])!r}" for i in order]
        (OUT / f"{name}.csv").write_text("\n".join(lines) + "\n")


def datasets() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    moons = make_moons(n_samples=400, noise=0.3, random_state=0)
    return {
        "breast_cancer": load_breast_cancer(return_X_y=True),
        "iris": load_iris(return_X_y=True),
        "wine": load_wine(return_X_y=True),
        "moons": moons,
        "synthetic_easy": make_classification(n_samples=400, n_informative=5, class_sep=2.0,
                                              random_state=1),
        "synthetic_hard": make_classification(n_samples=400, n_informative=3, flip_y=0.2,
                                              class_sep=0.5, random_state=2),
    }


def scores() -> None:
    long = ["dataset,fold,model,accuracy"]
    wide = ["dataset," + ",".join(models())]
    for dataset, (x, y) in datasets().items():
        folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
        by_model: dict[str, list[float]] = {name: [] for name in models()}
        for fold, (train, test) in enumerate(folds.split(x, y), start=1):
            for name, model in models().items():
                accuracy = float((model.fit(x[train], y[train]).predict(x[test])
                                  == y[test]).mean())
                by_model[name].append(accuracy)
                long.append(f"{dataset},{fold},{name},{accuracy!r}")
        wide.append(dataset + "," + ",".join(repr(float(np.mean(v)))
                                             for v in by_model.values()))
    (OUT / "scores.csv").write_text("\n".join(long) + "\n")
    (OUT / "scores_wide.csv").write_text("\n".join(wide) + "\n")


if __name__ == "__main__":
    OUT.mkdir(exist_ok=True)
    same_examples()
    scores()
