"""Prediction files as public tools write them, read to the numbers scikit-learn gives."""

import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sklearn.metrics import log_loss

import clfdiag
from clfdiag.errors import ClfdiagError
from clfdiag.io import ReadOptions

IRIS = ("Iris-setosa", "Iris-versicolor", "Iris-virginica")


def _softmax_rows(n, k, seed=0):
    logits = np.random.default_rng(seed).normal(size=(n, k)) * 2
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def test_openml_confidence_columns_of_classes_sharing_a_beginning(tmp_path):
    # OpenML's run predictions: confidence.<class> for classes that share "Iris-";
    # the longest shared prefix "confidence.Iris-" would cut the class names.
    n = 60
    proba = _softmax_rows(n, 3)
    y = np.arange(n) % 3
    lines = ["repeat,fold,row_id,prediction,correct,"
             + ",".join(f"confidence.{c}" for c in IRIS)]
    for i in range(n):
        lines.append(f"0,{i % 5},{i},{IRIS[proba[i].argmax()]},{IRIS[y[i]]},"
                     + ",".join(repr(float(v)) for v in proba[i]))
    path = tmp_path / "openml.csv"
    path.write_text("\n".join(lines) + "\n")
    report = clfdiag.evaluate_file(str(path), ReadOptions(label_col="correct"))
    assert report["input"]["probability_columns"] == [f"confidence.{c}" for c in IRIS]
    assert report["metrics"]["log_loss"] == pytest.approx(log_loss(y, proba), abs=1e-9)


def test_pandas_index_without_a_name_in_both_files_joins_them(tmp_path):
    # AutoGluon's predict_proba(as_multiclass=False) and y_test, each written with
    # pandas' to_csv: the unnamed index is the id of both files, in any order.
    n = 40
    p = np.random.default_rng(1).uniform(0.01, 0.99, size=n)
    y = np.arange(n) % 2
    (tmp_path / "proba.csv").write_text(
        ",1\n" + "".join(f"{i},{float(p[i])!r}\n" for i in range(n)))
    (tmp_path / "y.csv").write_text(
        ",target\n" + "".join(f"{i},{y[i]}\n" for i in reversed(range(n))))
    report = clfdiag.evaluate_file(str(tmp_path / "proba.csv"),
                                   ReadOptions(labels_file=str(tmp_path / "y.csv")))
    assert report["input"]["labels_joined_by"] == "id"
    assert report["metrics"]["log_loss"] == pytest.approx(log_loss(y, p), abs=1e-9)


def _lightgbm_dump(tmp_path, n=50):
    # LightGBM's and XGBoost's CLI write one probability per line, no header; the
    # labels are np.savetxt(y, fmt="%d"), no header either.
    p = np.random.default_rng(2).uniform(0.01, 0.99, size=n)
    y = (np.arange(n) * 7 % 3 == 0).astype(int)
    (tmp_path / "pred.txt").write_text("".join(f"{float(v)!r}\n" for v in p))
    (tmp_path / "y.txt").write_text("".join(f"{v}\n" for v in y))
    return p, y


def test_headerless_predictions_beside_headerless_labels_are_read_with_no_header(tmp_path):
    p, y = _lightgbm_dump(tmp_path)
    report = clfdiag.evaluate_file(str(tmp_path / "pred.txt"), ReadOptions(
        labels_file=str(tmp_path / "y.txt"), no_header=True))
    assert report["metrics"]["n"] == len(y)
    assert report["metrics"]["log_loss"] == pytest.approx(log_loss(y, p), abs=1e-9)


def test_headerless_predictions_beside_labels_are_refused_without_no_header(tmp_path):
    # Read with headers, both files lost their first example and still joined by row.
    _lightgbm_dump(tmp_path)
    with pytest.raises(ClfdiagError, match="holds numbers, not column names") as err:
        clfdiag.evaluate_file(str(tmp_path / "pred.txt"), ReadOptions(
            labels_file=str(tmp_path / "y.txt"), label_col="0"))
    assert "--no-header" in (err.value.hint or "")


def test_headerless_file_whose_first_row_repeats_a_value(tmp_path):
    # np.savetxt of labels beside softmax outputs: the first row (0, 0.5, 0.5) names no
    # columns under --no-header, so its repeated value is no repeated column name.
    proba = _softmax_rows(30, 2, seed=3)
    proba[0] = (0.5, 0.5)
    y = np.arange(30) % 2
    np.savetxt(tmp_path / "p.csv", np.c_[y, proba], delimiter=",")
    with pytest.raises(ClfdiagError, match="found no label column") as err:
        clfdiag.evaluate_file(str(tmp_path / "p.csv"), ReadOptions(no_header=True))
    assert "--label-col" in (err.value.hint or "")
    report = clfdiag.evaluate_file(str(tmp_path / "p.csv"), ReadOptions(
        no_header=True, label_col="0"))
    assert report["metrics"]["log_loss"] == pytest.approx(log_loss(y, proba), abs=1e-9)


def test_weka_distribution_columns_after_an_empty_name_are_no_index(tmp_path):
    # Weka's CSV output with -distribution names the second class's share ''; its
    # values repeat, and as a pandas index they were duplicate ids (--drop-invalid
    # then kept one row per share).
    names = ("tested_negative", "tested_positive")
    lines = ["inst#,actual,predicted,error,distribution,"]
    y = [i % 2 for i in range(40)]
    pred = [(i // 3) % 2 for i in range(40)]
    for i in range(40):
        shares = ["0.3", "0.7"] if pred[i] else ["0.7", "0.3"]
        shares[pred[i]] = "*" + shares[pred[i]]
        lines.append(f"{i + 1},{y[i] + 1}:{names[y[i]]},{pred[i] + 1}:{names[pred[i]]},"
                     f"{'+' if y[i] != pred[i] else ''},{shares[0]},{shares[1]}")
    path = tmp_path / "weka.csv"
    path.write_text("\n".join(lines) + "\n")
    report = clfdiag.evaluate_file(str(path), ReadOptions(positive="2:tested_positive"))
    assert report["input"]["id_column"] is None
    assert report["metrics"]["n"] == 40
    assert report["metrics"]["accuracy"] == pytest.approx(
        np.mean(np.array(y) == np.array(pred)), abs=1e-12)


@pytest.mark.parametrize("drop", [False, True])
def test_tidymodels_resample_id_is_no_example_id(tmp_path, drop):
    # collect_predictions(): id is the resample (Fold1..Fold5), .row the example.
    n = 50
    p = np.random.default_rng(4).uniform(0.01, 0.99, size=n)
    y = np.where(np.arange(n) % 3 == 0, "M", "B")
    lines = ["id,.pred_M,.pred_B,.row,.pred_class,Class,.config"]
    for i in range(n):
        lines.append(f"Fold{i % 5 + 1},{float(p[i])!r},{float(1 - p[i])!r},{i + 1},"
                     f"{'M' if p[i] >= 0.5 else 'B'},{y[i]},Preprocessor1_Model1")
    path = tmp_path / "tidy.csv"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ClfdiagError, match="groups of examples") as err:
        clfdiag.evaluate_file(str(path), ReadOptions(positive="M", drop_invalid=drop))
    assert "--id-col" in (err.value.hint or "")
    report = clfdiag.evaluate_file(str(path), ReadOptions(positive="M", id_col=".row"))
    assert report["metrics"]["n"] == n
    assert report["metrics"]["log_loss"] == pytest.approx(
        log_loss(y == "M", p), abs=1e-9)


SPARK_VECTOR = pa.struct([("type", pa.int8()), ("size", pa.int32()),
                          ("indices", pa.list_(pa.int32())), ("values", pa.list_(pa.float64()))])


def _spark_rows(n=40):
    p = np.random.default_rng(5).uniform(0.01, 0.99, size=n)
    p[:3] = (0.0, 1.0, 0.25)
    y = (np.arange(n) % 2).astype(float)
    return p, y


def _vector(q):
    # Spark writes a vector with a zero entry as sparse when that is shorter.
    if q in (0.0, 1.0):
        return {"type": 0, "size": 2, "indices": [int(q == 1.0)], "values": [1.0]}
    return {"type": 1, "size": None, "indices": None, "values": [1 - q, q]}


@pytest.mark.parametrize("with_prediction", [False, True])
def test_spark_vector_structs_in_parquet(tmp_path, with_prediction):
    p, y = _spark_rows()
    columns = {"label": pa.array(y), "probability": pa.array([_vector(q) for q in p],
                                                               type=SPARK_VECTOR)}
    if with_prediction:
        columns["prediction"] = pa.array((p >= 0.5).astype(float))
    pq.write_table(pa.table(columns), tmp_path / "spark.parquet")
    report = clfdiag.evaluate_file(str(tmp_path / "spark.parquet"))
    assert report["input"]["probability_columns"] == ["probability[0]", "probability[1]"]
    assert report["metrics"]["log_loss"] == pytest.approx(log_loss(y, p), abs=1e-9)


def test_spark_vector_structs_written_by_to_json(tmp_path):
    p, y = _spark_rows()
    lines = [json.dumps({"label": float(t), "probability": _vector(q),
                         "prediction": float(q >= 0.5)}) for t, q in zip(y, p, strict=True)]
    (tmp_path / "spark.json").write_text("\n".join(lines) + "\n")
    report = clfdiag.evaluate_file(str(tmp_path / "spark.json"))
    assert report["metrics"]["log_loss"] == pytest.approx(log_loss(y, p), abs=1e-9)


def test_parquet_list_column_named_as_the_score(tmp_path):
    p, y = _spark_rows()
    pq.write_table(pa.table({"label": y, "probability": [[1 - q, q] for q in p]}),
                   tmp_path / "lists.parquet")
    report = clfdiag.evaluate_file(str(tmp_path / "lists.parquet"))
    assert report["metrics"]["log_loss"] == pytest.approx(log_loss(y, p), abs=1e-9)


def test_a_list_of_one_number_per_row_is_refused(tmp_path):
    # Keras' predict of one sigmoid unit kept as arrays: its entry is P(1), never the
    # score of class index 0.
    pq.write_table(pa.table({"label": [1, 0, 1], "probability": [[0.9], [0.2], [0.7]]}),
                   tmp_path / "keras.parquet")
    with pytest.raises(ClfdiagError, match="list of one number per row"):
        clfdiag.evaluate_file(str(tmp_path / "keras.parquet"))
