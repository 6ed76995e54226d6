"""Make the bundled label-error example: handwritten digits with labels flipped on purpose.

Run from the repository root (needs the test extra: ``pip install -e '.[test]'``)::

    python sample_data/make_label_issues.py

The 1,797 8x8 handwritten digits of scikit-learn (pixels divided by 16) are given
their true labels, then ``FLIPPED`` of them, chosen at random, get another digit,
also at random. A multinomial logistic regression is fitted on the noisy labels
and its probabilities are taken out of fold (5-fold stratified cross-validation):
each example is scored by a model that never saw it, as confident learning needs.

- ``label_issues.csv``: ``id``, ``label`` (the given, partly wrong label) and
  ``p_0`` ... ``p_9``, probabilities with 6 significant digits.
- ``label_issues_planted.csv``: ``id``, ``given`` and ``true`` of the flipped rows.

Everything is seeded: running the script twice gives the same bytes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict

HERE = Path(__file__).parent
SEED = 24
FLIPPED = 40
PIXEL_MAX = 16.0
FOLDS = 5


def main() -> None:
    data = load_digits()
    x = data.data / PIXEL_MAX
    true = data.target.astype(int)
    rng = np.random.default_rng(SEED)
    flipped = np.sort(rng.choice(len(true), FLIPPED, replace=False))
    given = true.copy()
    # Another digit, uniformly: adding 1..9 modulo 10 never gives the true one back.
    given[flipped] = (true[flipped] + rng.integers(1, 10, FLIPPED)) % 10
    model = LogisticRegression(C=1.0, max_iter=5000)
    folds = StratifiedKFold(FOLDS, shuffle=True, random_state=SEED)
    proba = cross_val_predict(model, x, given, cv=folds, method="predict_proba")
    ids = [f"digit-{i:04d}" for i in range(len(true))]
    with (HERE / "label_issues.csv").open("w", encoding="utf-8", newline="\n") as f:
        f.write(",".join(["id", "label", *(f"p_{k}" for k in range(10))]) + "\n")
        for i, row in enumerate(proba):
            f.write(",".join([ids[i], str(given[i]), *(f"{v:.6g}" for v in row)]) + "\n")
    with (HERE / "label_issues_planted.csv").open("w", encoding="utf-8", newline="\n") as f:
        f.write("id,given,true\n")
        for i in flipped:
            f.write(f"{ids[i]},{given[i]},{true[i]}\n")


if __name__ == "__main__":
    main()
