import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from clfdiag.errors import ClfdiagError
from clfdiag.io.score_table import read_score_table


def write(tmp_path, text, name="scores.csv"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


LONG = """dataset,model,accuracy
iris,logreg,0.95
iris,forest,0.96
wine,logreg,0.97
wine,forest,0.93
adult,forest,0.86
adult,logreg,0.85
"""


def test_long_table_in_order_of_first_appearance(tmp_path):
    table = read_score_table(write(tmp_path, LONG))
    assert table.shape == "long"
    assert table.datasets == ("iris", "wine", "adult")
    assert table.models == ("logreg", "forest")
    assert table.score_column == "accuracy"
    np.testing.assert_array_equal(table.scores, [[0.95, 0.96], [0.97, 0.93], [0.85, 0.86]])
    assert table.fold_scores is None
    assert table.folds is None


def test_column_names_are_matched_whatever_their_case(tmp_path):
    text = LONG.replace("dataset,model,accuracy", "Dataset,MODEL,Accuracy")
    table = read_score_table(write(tmp_path, text))
    assert table.models == ("logreg", "forest")
    assert table.score_column == "Accuracy"


def test_score_col_chooses_among_numeric_columns(tmp_path):
    text = "dataset,model,accuracy,f1\niris,a,0.9,0.8\niris,b,0.7,0.95\n"
    with pytest.raises(ClfdiagError, match="2 numeric columns could be the score") as info:
        read_score_table(write(tmp_path, text))
    assert "--score-col" in info.value.hint
    table = read_score_table(write(tmp_path, text), score_col="F1")
    assert table.score_column == "f1"
    np.testing.assert_array_equal(table.scores, [[0.8, 0.95]])
    with pytest.raises(ClfdiagError, match="no score column 'auc'"):
        read_score_table(write(tmp_path, text), score_col="auc")


def test_a_text_column_is_not_a_score(tmp_path):
    text = "dataset,model,note,accuracy\niris,a,tuned,0.9\niris,b,default,0.7\n"
    assert read_score_table(write(tmp_path, text)).score_column == "accuracy"


def test_wide_table_models_in_column_order(tmp_path):
    text = "dataset,xgb,lgbm,catboost\niris,0.9,0.91,0.92\nwine,0.8,0.82,0.81\n"
    table = read_score_table(write(tmp_path, text))
    assert table.shape == "wide"
    assert table.models == ("xgb", "lgbm", "catboost")
    assert table.score_column is None
    np.testing.assert_array_equal(table.scores, [[0.9, 0.91, 0.92], [0.8, 0.82, 0.81]])
    with pytest.raises(ClfdiagError, match="--score-col does not apply to a wide table"):
        read_score_table(write(tmp_path, text), score_col="xgb")


def test_long_table_with_folds_and_repeats(tmp_path):
    rows = ["dataset,repeat,fold,model,score"]
    for dataset in ("iris", "wine"):
        for repeat in (1, 2):
            for fold in (1, 2, 3):
                for model, base in (("a", 0.8), ("b", 0.85)):
                    rows.append(f"{dataset},{repeat},{fold},{model},{base + 0.01 * fold}")
    table = read_score_table(write(tmp_path, "\n".join(rows) + "\n"), test_train_ratio=0.5)
    assert table.fold_columns == ("repeat", "fold")
    assert table.scores is None
    assert table.test_train_ratio == 0.5
    assert table.folds[0] == tuple((str(r), str(f)) for r in (1, 2) for f in (1, 2, 3))
    assert [f.shape for f in table.fold_scores] == [(6, 2), (6, 2)]
    np.testing.assert_allclose(table.fold_scores[0][:3, 1], [0.86, 0.87, 0.88], rtol=0,
                               atol=1e-15)


def test_folds_are_paired_by_key_not_by_row_order(tmp_path):
    text = ("dataset,fold,model,score\n"
            "d,1,a,0.1\nd,2,a,0.2\nd,3,a,0.3\n"
            "d,3,b,0.33\nd,1,b,0.11\nd,2,b,0.22\n")
    table = read_score_table(write(tmp_path, text), test_train_ratio=0.5)
    np.testing.assert_array_equal(table.fold_scores[0], [[0.1, 0.11], [0.2, 0.22], [0.3, 0.33]])


def test_wide_table_with_folds(tmp_path):
    text = "dataset,fold,a,b\nd,1,0.1,0.2\nd,2,0.3,0.4\ne,1,0.5,0.6\n"
    table = read_score_table(write(tmp_path, text), test_train_ratio=0.25)
    assert [f.tolist() for f in table.fold_scores] == [[[0.1, 0.2], [0.3, 0.4]], [[0.5, 0.6]]]


def test_folds_require_the_test_train_ratio(tmp_path):
    text = "dataset,fold,a,b\nd,1,0.1,0.2\nd,2,0.3,0.4\n"
    with pytest.raises(ClfdiagError, match="--test-train-ratio") as info:
        read_score_table(write(tmp_path, text))
    assert "n_test / n_train" in info.value.hint
    with pytest.raises(ClfdiagError, match="must be a positive number"):
        read_score_table(write(tmp_path, text), test_train_ratio=0.0)


def test_a_missing_score_names_dataset_and_model(tmp_path):
    text = "dataset,model,acc\niris,a,0.9\niris,b,0.8\nwine,a,0.7\n"
    with pytest.raises(ClfdiagError, match="1 score is missing: dataset 'wine', model 'b'"):
        read_score_table(write(tmp_path, text))


def test_a_missing_fold_names_the_fold(tmp_path):
    text = "dataset,fold,model,acc\nd,1,a,0.9\nd,1,b,0.8\nd,2,a,0.7\n"
    with pytest.raises(ClfdiagError, match="dataset 'd', model 'b', fold '2'") as info:
        read_score_table(write(tmp_path, text), test_train_ratio=0.25)
    assert "every fold" in info.value.hint


def test_an_empty_cell_names_its_row(tmp_path):
    text = "dataset,a,b\niris,0.9,\nwine,0.8,0.7\n"
    with pytest.raises(ClfdiagError, match=r"'b' is empty in 1 row \(row 1\)"):
        read_score_table(write(tmp_path, text))


def test_a_duplicated_score_names_both_rows(tmp_path):
    text = "dataset,model,acc\niris,a,0.9\niris,b,0.8\niris,a,0.7\n"
    with pytest.raises(ClfdiagError, match=r"dataset 'iris', model 'a' has more than one "
                                           r"score \(rows 1 and 3\)") as info:
        read_score_table(write(tmp_path, text))
    assert "fold" in info.value.hint
    wide = "dataset,a,b\niris,0.9,0.8\niris,0.7,0.6\n"
    with pytest.raises(ClfdiagError, match="more than one score"):
        read_score_table(write(tmp_path, wide))


def test_non_numeric_and_non_finite_scores_name_their_rows(tmp_path):
    with pytest.raises(ClfdiagError, match=r"column 'b' is not a finite number in 1 row "
                                           r"\(row 2\): 'n/a'"):
        read_score_table(write(tmp_path, "dataset,a,b\nx,0.9,0.8\ny,0.7,n/a\n"))
    with pytest.raises(ClfdiagError, match="not a finite number"):
        read_score_table(write(tmp_path, "dataset,a,b\nx,0.9,inf\ny,0.7,0.6\n"))


def test_shape_errors(tmp_path):
    with pytest.raises(ClfdiagError, match="no 'dataset' column"):
        read_score_table(write(tmp_path, "model,acc\na,0.9\n"))
    with pytest.raises(ClfdiagError, match="only one model"):
        read_score_table(write(tmp_path, "dataset,model,acc\nx,a,0.9\ny,a,0.8\n"))
    with pytest.raises(ClfdiagError, match="a wide table needs one score column per model"):
        read_score_table(write(tmp_path, "dataset,a\nx,0.9\n"))
    with pytest.raises(ClfdiagError, match="more than one column is named 'model'"):
        read_score_table(write(tmp_path, "dataset,model,Model,acc\nx,a,a,0.9\n"))
    with pytest.raises(ClfdiagError, match="column 'dataset' is empty"):
        read_score_table(write(tmp_path, "dataset,a,b\n,0.9,0.8\n"))
    with pytest.raises(ClfdiagError, match="no numeric score column"):
        read_score_table(write(tmp_path, "dataset,model,note\nx,a,good\nx,b,bad\n"))


def test_parquet_table(tmp_path):
    path = tmp_path / "scores.parquet"
    pq.write_table(pa.table({"Dataset": ["d", "d", "e", "e"], "Model": ["a", "b", "a", "b"],
                             "auc": [0.7, 0.8, 0.6, 0.65]}), path)
    table = read_score_table(str(path))
    np.testing.assert_array_equal(table.scores, [[0.7, 0.8], [0.6, 0.65]])
