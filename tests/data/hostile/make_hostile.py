"""Write the prediction dumps and training logs of tests/io/test_hostile_dumps.py.

Each file is a shape people dump; ``truth.json`` holds, per prediction file, the
labels as 0/1 and P(positive) the file encodes, from which the tests compute the
metrics with scikit-learn. Run from the repository root:
``python tests/data/hostile/make_hostile.py``.
"""

import json
import os

import numpy as np
import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
N = 80


def main() -> None:
    rng = np.random.default_rng(11)
    y = rng.integers(0, 2, N)
    p = np.round(1 / (1 + np.exp(-(1.6 * (2 * y - 1) + rng.normal(0, 1.3, N)))), 6)
    truth = {}

    def write(name, frame, y01, p_pos, **kw):
        frame.to_csv(os.path.join(HERE, name), index=False, **kw)
        truth[name] = {"y": [int(v) for v in y01], "p": [float(v) for v in p_pos]}

    predicted = (p >= 0.5).astype(int)
    confidence = np.where(predicted == 1, p, 1 - p)
    animal = np.array(["cat", "dog"])
    # fastai-style: the confidence of the predicted class under a name that says nothing.
    write("fastai_conf.csv", pd.DataFrame({
        "fname": [f"img_{i}.jpg" for i in range(N)], "label": animal[y],
        "pred": animal[predicted], "conf": confidence}), y, p)
    # The same with a feature column in [0, 1] beside it: neither is taken by name alone.
    write("pred_conf_and_feature.csv", pd.DataFrame({
        "label": y, "pred": predicted, "conf": confidence,
        "ratio": np.round(rng.uniform(0, 1, N), 4)}), y, predicted)
    # A feature in [0, 1] that fits neither reading beside the predictions: unused.
    write("pred_and_feature.csv", pd.DataFrame({
        "label": y, "pred": predicted, "ratio": np.round(rng.uniform(0, 1, N), 4)}),
        y, predicted)
    # The positive class's probability under a name that says nothing, beside predictions.
    write("pred_and_prob_unnamed.csv", pd.DataFrame({
        "label": y, "predicted": predicted, "model_output": p}), y, p)
    # CatBoost's eval_result: class probabilities after a shared prefix.
    write("catboost_eval.tsv", pd.DataFrame({
        "SampleId": np.arange(N), "Label": y, "Probability:Class=0": np.round(1 - p, 6),
        "Probability:Class=1": p}), y, p, sep="\t")
    # Hugging Face PredictionOutput: label_ids and one logit per class.
    logits = np.log(p / (1 - p))
    write("hf_prediction_output.csv", pd.DataFrame({
        "label_ids": y, "predictions_0": np.round(-logits / 2, 9),
        "predictions_1": np.round(logits / 2, 9)}), y, p)
    # A line of spaces and CRLF after the last row (an editor's leftover).
    rows = "".join(f"{a},{b}\r\n" for a, b in zip(y, p, strict=True))
    with open(os.path.join(HERE, "trailing_spaces.csv"), "w", newline="") as f:
        f.write("label,prob\r\n" + rows + "\r\n   \r\n")
    truth["trailing_spaces.csv"] = {"y": [int(v) for v in y], "p": [float(v) for v in p]}
    # Training histories: the validation loss and metric each file logs, by evaluation.
    epochs = np.arange(12)
    loss = np.round(0.7 - 0.05 * epochs + 0.006 * epochs**2 + rng.normal(0, 0.01, 12), 4)
    acc = np.round(0.6 + 0.03 * epochs - 0.001 * epochs**2 + rng.normal(0, 0.01, 12), 4)
    train = np.round(0.8 - 0.05 * epochs, 4)
    histories = {"loss": loss.tolist(), "metric": acc.tolist()}

    def dump(name, text):
        with open(os.path.join(HERE, name), "w", newline="") as f:
            f.write(text)

    # Keras: json.dump(model.fit(...).history, f).
    dump("keras_history.json", json.dumps({"loss": train.tolist(), "val_loss": loss.tolist(),
                                           "val_accuracy": acc.tolist()}))
    # LightGBM record_evaluation; XGBoost evals_result() with the training set first.
    dump("lightgbm_record.json", json.dumps({"valid_0": {"binary_logloss": loss.tolist(),
                                                         "auc": acc.tolist()}}))
    dump("xgboost_evals.json", json.dumps({"validation_0": {"logloss": train.tolist()},
                                           "validation_1": {"logloss": loss.tolist()}}))
    # A spreadsheet's export: semicolons, decimal commas, CRLF.
    dump("semicolon_decimal_comma.csv", "epoch;loss;val_loss;val_accuracy\r\n" + "".join(
        f"{e};{str(t).replace('.', ',')};{str(v).replace('.', ',')};"
        f"{str(a).replace('.', ',')}\r\n" for e, t, v, a in zip(epochs, train, loss, acc,
                                                                 strict=True)))
    truth["histories"] = histories
    with open(os.path.join(HERE, "truth.json"), "w") as f:
        json.dump(truth, f, indent=0)


if __name__ == "__main__":
    main()
