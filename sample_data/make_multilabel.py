"""Generate sample_data/multilabel.csv: cross-validated one-vs-rest probabilities for 5 tags.

    python sample_data/make_multilabel.py

scikit-learn's make_multilabel_classification (1,000 documents, 5 tags, about 2 tags
each, some documents with none) is fitted with one logistic regression per tag;
each row's probabilities come from the fold that did not see it (cross_val_predict,
5 folds). Written in the first shape clfdiag reads: indicator columns y_<tag>
beside probability columns p_<tag>.
"""

import os

import numpy as np
import pandas as pd
from sklearn.datasets import make_multilabel_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold, cross_val_predict
from sklearn.multiclass import OneVsRestClassifier

TAGS = ["sports", "politics", "science", "business", "health"]


def main() -> None:
    x, y = make_multilabel_classification(n_samples=1000, n_features=30, n_classes=len(TAGS),
                                          n_labels=2, allow_unlabeled=True, random_state=7)
    model = OneVsRestClassifier(LogisticRegression(C=0.05, max_iter=2000))
    proba = cross_val_predict(model, x, y, cv=KFold(5, shuffle=True, random_state=0),
                              method="predict_proba")
    frame = pd.DataFrame({"id": [f"doc{i:04d}" for i in range(len(y))]})
    for k, tag in enumerate(TAGS):
        frame[f"y_{tag}"] = y[:, k]
    for k, tag in enumerate(TAGS):
        frame[f"p_{tag}"] = np.round(proba[:, k], 6)
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "multilabel.csv")
    frame.to_csv(out, index=False)


if __name__ == "__main__":
    main()
