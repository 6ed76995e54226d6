"""The three multi-label shapes read by content, the flags that settle the rest, the refusals."""

import os

import numpy as np
import pandas as pd
import pyarrow.csv as pacsv
import pytest

from clfdiag.errors import ClfdiagError
from clfdiag.io.multilabel import (
    MultilabelOptions,
    looks_multilabel,
    multilabel_from_table,
    pair_multilabel,
    read_multilabel,
)
from tests.conftest import DATA

HERE = os.path.join(DATA, "multilabel")


def path(name):
    return os.path.join(HERE, name)


def test_indicator_columns():
    m = read_multilabel(path("indicators.csv"))
    frame = pd.read_csv(path("indicators.csv"))
    assert m.shape == "indicators"
    assert m.labels == ("0", "1", "2", "3")
    assert m.ids == list(frame["id"])
    np.testing.assert_array_equal(m.y, frame[[f"y_{k}" for k in range(4)]].to_numpy())
    np.testing.assert_array_equal(m.proba, frame[[f"p_{k}" for k in range(4)]].to_numpy())
    roles = dict(m.source.column_roles)
    assert roles["y_2"] == "true label indicator of label '2'"
    assert roles["p_2"] == "probability of label '2'"
    assert roles["id"] == "example id"


def test_delimited_label_names_with_an_empty_row():
    m = read_multilabel(path("delimited.csv"))
    assert m.shape == "delimited"
    assert m.labels == ("toxic", "obscene", "insult", "threat")
    assert m.y.tolist() == [[1, 0, 1, 0], [0, 0, 0, 0], [1, 0, 0, 0], [1, 1, 1, 0],
                            [0, 0, 0, 1], [0, 0, 1, 0]]
    assert dict(m.source.column_roles)["labels"] == "true labels (separated label names)"


def test_indicator_lists_beside_named_columns_with_a_pandas_index():
    m = read_multilabel(path("lists.csv"))
    frame = pd.read_csv(path("lists.csv"), index_col=0)
    assert m.shape == "lists"
    assert m.labels == ("Atelectasis", "Cardiomegaly", "Edema", "Pleural Effusion")
    assert m.ids == [str(i) for i in frame.index]
    np.testing.assert_array_equal(m.proba, frame[list(m.labels)].to_numpy())
    assert m.y[2].tolist() == [1, 0, 1, 1]
    roles = dict(m.source.column_roles)
    assert roles["Path"] == "not used"
    assert roles[""] == "example id"


@pytest.mark.parametrize("name", ["indicators.csv", "delimited.csv", "lists.csv"])
def test_every_shape_is_recognised_in_a_dataframe_and_named(name):
    frame = pd.read_csv(path(name), keep_default_na=False, na_values=[""])
    assert looks_multilabel(pacsv.read_csv(path(name))) is not None
    from_frame = multilabel_from_table("<frame>", frame)
    from_file = read_multilabel(path(name))
    np.testing.assert_array_equal(from_frame.y, from_file.y)
    np.testing.assert_array_equal(from_frame.proba, from_file.proba)


def test_single_label_files_do_not_look_multilabel():
    frame = pd.DataFrame({"label": ["a", "b", "c"], "p_a": [0.7, 0.2, 0.1],
                          "p_b": [0.2, 0.7, 0.1], "p_c": [0.1, 0.1, 0.8]})
    assert looks_multilabel(frame) is None
    binary = pd.DataFrame({"label": [0, 1], "prob": [0.2, 0.9]})
    assert looks_multilabel(binary) is None


def test_indicator_columns_whose_rows_sum_to_one_are_not_multilabel():
    frame = pd.DataFrame({"y_a": [1, 0], "y_b": [0, 1], "p_a": [0.7, 0.4], "p_b": [0.3, 0.6]})
    assert looks_multilabel(frame) is None
    # The flag settles it.
    m = multilabel_from_table("t", frame, MultilabelOptions(label_cols=("y_",)))
    assert m.labels == ("a", "b")


def test_label_cols_explicit_and_prob_cols_matched_by_name():
    frame = pd.DataFrame({"truth_cat": [1, 0, 1], "truth_dog": [0, 1, 1],
                          "p_dog": [0.1, 0.8, 0.6], "p_cat": [0.9, 0.3, 0.7]})
    # Names, never positions, match labels to probability columns; a known truth prefix
    # (truth_, label_, ...) shared by the columns is not part of the label's name.
    m = multilabel_from_table("t", frame, MultilabelOptions(
        label_cols=("truth_cat", "truth_dog"), prob_cols=("p_dog", "p_cat")))
    assert m.labels == ("dog", "cat")
    assert m.y.tolist() == [[0, 1], [1, 0], [1, 1]]
    gold = frame.rename(columns={"truth_cat": "gold_cat", "truth_dog": "gold_dog"})
    with pytest.raises(ClfdiagError, match="no probability column for 'gold_cat', 'gold_dog'"):
        multilabel_from_table("t", gold, MultilabelOptions(
            label_cols=("gold_cat", "gold_dog"), prob_cols=("p_dog", "p_cat")))
    with pytest.raises(ClfdiagError, match="label 'gold_cat' has no probability column"):
        multilabel_from_table("t", gold, MultilabelOptions(label_cols=("gold_cat",
                                                                       "gold_dog")))
    renamed = frame.rename(columns={"truth_cat": "y_cat", "truth_dog": "y_dog"})
    m = multilabel_from_table("t", renamed, MultilabelOptions(label_cols=("y_cat", "y_dog")))
    assert m.labels == ("dog", "cat")  # the probability columns' order
    assert m.y.tolist() == [[0, 1], [1, 0], [1, 1]]
    m = multilabel_from_table("t", renamed, MultilabelOptions(label_cols=("y_cat", "y_dog"),
                                                              prob_cols=("p_cat", "p_dog")))
    assert m.labels == ("cat", "dog")
    assert m.y.tolist() == [[1, 0], [0, 1], [1, 1]]


def test_label_list_with_another_separator_and_python_lists_of_names():
    frame = pd.DataFrame({"tags": ["a;c", "", "b"], "p_a": [0.9, 0.1, 0.2],
                          "p_b": [0.1, 0.2, 0.8], "p_c": [0.7, 0.1, 0.3]})
    m = multilabel_from_table("t", frame, MultilabelOptions(label_list="tags", list_sep=";"))
    assert m.y.tolist() == [[1, 0, 1], [0, 0, 0], [0, 1, 0]]
    frame["tags"] = ["['a', 'c']", "[]", '["b"]']
    m = multilabel_from_table("t", frame, MultilabelOptions(label_list="tags"))
    assert m.y.tolist() == [[1, 0, 1], [0, 0, 0], [0, 1, 0]]
    frame["tags"] = ["[0, 2]", "[]", "[1]"]  # indices as names of p_0, p_1, p_2
    frame.columns = ["tags", "p_0", "p_1", "p_2"]
    m = multilabel_from_table("t", frame, MultilabelOptions(label_list="tags"))
    assert m.y.tolist() == [[1, 0, 1], [0, 0, 0], [0, 1, 0]]


def test_logits_apply_a_sigmoid_per_label():
    frame = pd.DataFrame({"y_a": [1, 0], "y_b": [0, 0], "p_a": [0.0, -2.0], "p_b": [3.0, 1.0]})
    m = multilabel_from_table("t", frame, MultilabelOptions(label_cols=("y_",), logits=True))
    np.testing.assert_allclose(m.proba, 1 / (1 + np.exp(-frame[["p_a", "p_b"]].to_numpy())))
    assert m.source.transform == "logits"


@pytest.mark.parametrize(("frame", "options", "message"), [
    (pd.DataFrame({"label": ["a|b", "c"], "p_a": [0.1, 0.2], "p_b": [0.3, 0.4]}), None,
     r"labels with no probability column: 'c' \(rows 2\)"),
    (pd.DataFrame({"y_a": [1, 0], "y_b": [0, 1], "y_c": [0, 0], "p_a": [0.1, 0.2],
                   "p_b": [0.3, 0.4], "p_d": [0.1, 0.1]}), None,
     "no probability column for 'y_c'"),
    (pd.DataFrame({"x": [1, 2], "z": [0.1, 0.3]}), None, "--label-cols"),
    (pd.DataFrame({"y_a": [1, 2], "y_b": [0, 1], "p_a": [0.1, 0.2], "p_b": [0.3, 0.4]}),
     MultilabelOptions(label_cols=("y_",)), r"must hold 0 or 1.*rows 2"),
    (pd.DataFrame({"y_a": [1, 0], "y_b": [0, 1], "p_a": [0.1, 1.2], "p_b": [0.3, 0.4]}),
     MultilabelOptions(label_cols=("y_",)), r"'p_a'.*rows 2.*--logits"),
    (pd.DataFrame({"y_a": [1, 0], "y_b": [0, 1], "p_a": [0.1, 0.2], "p_b": [0.3, 0.4]}),
     MultilabelOptions(label_cols=("y_",), label_list="y_a"), "cannot be combined"),
    (pd.DataFrame({"y_a": [1, 0], "p_a": [0.1, 0.2]}),
     MultilabelOptions(label_cols=("y_a",)), "two or more labels"),
    (pd.DataFrame({"y_a": [1, 0], "p_a": [0.1, 0.2]}),
     MultilabelOptions(label_cols=("y_a", "nope")), "--label-cols 'nope' is not a column"),
])
def test_refusals_name_the_flag_or_the_missing_columns(frame, options, message):
    with pytest.raises(ClfdiagError, match=message) as caught:
        multilabel_from_table("t", frame, options)
    assert caught.value.exit_code == 2


def test_pairing_by_id_reorders_labels_and_refuses_different_truths():
    a = read_multilabel(path("delimited.csv"))
    frame = pd.read_csv(path("delimited.csv"), keep_default_na=False, na_values=[""])
    shuffled = frame.iloc[::-1][["id", "labels", "p_threat", "p_insult", "p_obscene", "p_toxic"]]
    b = multilabel_from_table("b", shuffled)
    paired = pair_multilabel(a, b)
    assert paired.by == "id"
    np.testing.assert_array_equal(paired.proba_b, a.proba)
    np.testing.assert_array_equal(paired.y, a.y)
    shuffled = shuffled.assign(labels=["toxic"] * len(shuffled))
    with pytest.raises(ClfdiagError, match="different true labels"):
        pair_multilabel(a, multilabel_from_table("b", shuffled,
                                                 MultilabelOptions(label_list="labels")))
