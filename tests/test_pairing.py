import numpy as np
import pytest

from clfdiag.errors import ClfdiagError
from clfdiag.io import ReadOptions, read_predictions
from clfdiag.pairing import pair_predictions


def preds(tmp_path, name, text, **options):
    path = tmp_path / name
    path.write_text(text)
    return read_predictions(str(path), ReadOptions(**options))


def test_pairs_by_id_in_any_order(tmp_path):
    a = preds(tmp_path, "a.csv", "id,label,prob\nx,1,0.9\ny,0,0.2\nz,1,0.6\n")
    b = preds(tmp_path, "b.csv", "id,label,prob\nz,1,0.7\nx,1,0.8\ny,0,0.1\n")
    p = pair_predictions(a, b)
    assert p.by == "id"
    np.testing.assert_array_equal(p.proba_b, [0.8, 0.1, 0.7])


def test_ids_in_one_file_only(tmp_path):
    a = preds(tmp_path, "a.csv", "id,label,prob\nx,1,0.9\ny,0,0.2\nz,1,0.6\n")
    b = preds(tmp_path, "b.csv", "id,label,prob\nx,1,0.8\nw,0,0.1\n")
    with pytest.raises(ClfdiagError) as err:
        pair_predictions(a, b)
    assert "2 ids only in" in str(err.value)
    assert "'y', 'z'" in str(err.value)
    assert "--allow-partial" in str(err.value)
    p = pair_predictions(a, b, allow_partial=True)
    assert (len(p), p.only_in_a, p.only_in_b) == (1, 2, 1)
    assert p.examples_left_out == {"only_in_a": ["y", "z"], "only_in_b": ["w"]}


def test_labels_differ_by_row(tmp_path):
    a = preds(tmp_path, "a.csv", "label,prob\n1,0.9\n0,0.2\n")
    # B's labels hold one class: --classes says which classes exist.
    b = preds(tmp_path, "b.csv", "label,prob\n0,0.9\n0,0.2\n", classes=("0", "1"))
    with pytest.raises(ClfdiagError) as err:
        pair_predictions(a, b)
    assert "labels differ for 1 paired examples (row 1 ('1' vs '0'))" in str(err.value)
    assert len(pair_predictions(a, b, allow_partial=True)) == 1


def test_different_lengths_by_row(tmp_path):
    a = preds(tmp_path, "a.csv", "label,prob\n1,0.9\n0,0.2\n")
    b = preds(tmp_path, "b.csv", "label,prob\n1,0.9\n", classes=("0", "1"))
    with pytest.raises(ClfdiagError, match="1 rows only in"):
        pair_predictions(a, b)


def test_rows_dropped_in_one_file_stay_aligned(tmp_path):
    a = preds(tmp_path, "a.csv", "label,prob\n1,0.9\n0,\n1,0.7\n", drop_invalid=True)
    b = preds(tmp_path, "b.csv", "label,prob\n1,0.8\n0,0.3\n1,0.6\n")
    p = pair_predictions(a, b, allow_partial=True)
    np.testing.assert_array_equal(p.proba_b, [0.8, 0.6])


def test_task_and_classes_must_match(tmp_path):
    a = preds(tmp_path, "a.csv", "label,prob\n1,0.9\n0,0.2\n")
    b = preds(tmp_path, "b.csv", "label,p_a,p_b,p_c\na,0.2,0.3,0.5\n")
    with pytest.raises(ClfdiagError, match=r"binary but .* is multiclass"):
        pair_predictions(a, b)
    c = preds(tmp_path, "c.csv", "label,p_a,p_b,p_d\na,0.2,0.3,0.5\n")
    with pytest.raises(ClfdiagError, match="class sets differ"):
        pair_predictions(b, c)


def test_multiclass_columns_are_matched_by_class_name(tmp_path):
    a = preds(tmp_path, "a.csv", "label,p_a,p_b,p_c\na,0.7,0.2,0.1\nc,0.1,0.1,0.8\n")
    b = preds(tmp_path, "b.csv", "label,p_c,p_a,p_b\na,0.1,0.6,0.3\nc,0.9,0.05,0.05\n")
    p = pair_predictions(a, b)
    np.testing.assert_allclose(p.proba_b, [[0.6, 0.3, 0.1], [0.05, 0.05, 0.9]])


def test_positive_hint_names_the_class_an_unnamed_column_was_read_as(tmp_path):
    # A's `prob` is P(1); B's `p_0` names class 0, so B's positive is 0. Only --positive 1
    # reads both as they are: under --positive 0, A's `prob` would be taken for P(0).
    a = preds(tmp_path, "a.csv", "id,label,prob\nx,1,0.9\ny,0,0.2\nz,1,0.6\n")
    b = preds(tmp_path, "b.csv", "id,label,p_0\nx,1.0,0.1\ny,0.0,0.7\nz,1.0,0.3\n")
    for first, second in ((a, b), (b, a)):
        with pytest.raises(ClfdiagError) as err:
            pair_predictions(first, second)
        assert err.value.hint is not None
        assert "--positive 1 " in err.value.hint
        assert "a.csv" in err.value.hint
    fixed = [preds(tmp_path, name, path.read_text(), positive="1")
             for name, path in (("a.csv", tmp_path / "a.csv"), ("b.csv", tmp_path / "b.csv"))]
    p = pair_predictions(*fixed)
    np.testing.assert_allclose(p.proba_a, [0.9, 0.2, 0.6])
    np.testing.assert_allclose(p.proba_b, [0.9, 0.3, 0.7])
