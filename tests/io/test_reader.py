"""Reading predictions: every accepted form, and a clear error for every bad input."""

import bz2
import gzip
import io
import lzma
import zipfile

import numpy as np
import pandas as pd
import pytest

from clfdiag.errors import ClfdiagError
from clfdiag.io import ReadOptions, predictions_from_frame, read_predictions

BINARY = "id,label,prob\na,1,0.9\nb,0,0.2\nc,1,0.4\nd,0,0.7\n"


def write(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return str(path)


def read(tmp_path, content, name="p.csv", **options):
    return read_predictions(write(tmp_path, name, content), ReadOptions(**options))


def fails(tmp_path, content, *needles, name="p.csv", **options):
    with pytest.raises(ClfdiagError) as err:
        read(tmp_path, content, name, **options)
    text = str(err.value)
    for needle in needles:
        assert needle in text, text
    assert err.value.exit_code == 2
    return text


# --- formats -----------------------------------------------------------------------------

def test_plain_csv(tmp_path):
    p = read(tmp_path, BINARY)
    assert p.task == "binary"
    assert p.classes == ("0", "1")
    np.testing.assert_array_equal(p.y, [1, 0, 1, 0])
    np.testing.assert_array_equal(p.proba, [0.9, 0.2, 0.4, 0.7])
    assert p.id_values(np.array([0, 3])) == ["a", "d"]
    assert p.source.label_column == "label"
    assert p.source.probability_columns == ("prob",)


@pytest.mark.parametrize("compress", [gzip.compress, bz2.compress, lzma.compress])
def test_compressed_by_magic_not_name(tmp_path, compress):
    p = read(tmp_path, compress(BINARY.encode()), name="preds.csv")
    np.testing.assert_array_equal(p.proba, [0.9, 0.2, 0.4, 0.7])


def test_zip_with_one_member(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("submission.csv", BINARY)
    assert len(read(tmp_path, buffer.getvalue(), name="s.zip")) == 4


def test_zip_with_several_members_is_refused(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("a.csv", BINARY)
        z.writestr("b.csv", BINARY)
    fails(tmp_path, buffer.getvalue(), "exactly one file, found 2", name="s.zip")


def test_tsv_by_sniffing_and_extension(tmp_path):
    tsv = BINARY.replace(",", "\t")
    assert len(read(tmp_path, tsv, name="p.txt")) == 4
    assert len(read(tmp_path, tsv, name="p.tsv")) == 4


def test_parquet(tmp_path):
    frame = pd.DataFrame({"label": [True, False, True], "p_1": [0.8, 0.3, 0.6]})
    path = tmp_path / "p.parquet"
    frame.to_parquet(path)
    p = read_predictions(str(path))
    assert p.classes == ("false", "true")
    np.testing.assert_array_equal(p.y, [1, 0, 1])


def test_stdin(tmp_path):
    p = read_predictions("-", stdin=io.BytesIO(gzip.compress(BINARY.encode())))
    assert p.source.path == "<stdin>"
    assert len(p) == 4


def test_bom_and_crlf(tmp_path):
    p = read(tmp_path, ("\ufeff" + BINARY).replace("\n", "\r\n"))
    np.testing.assert_array_equal(p.proba, [0.9, 0.2, 0.4, 0.7])


def test_semicolons_with_decimal_commas_are_read_correctly(tmp_path):
    p = read(tmp_path, "label;prob\n1;0,83\n0;0,125\n1;1\n")
    np.testing.assert_array_equal(p.proba, [0.83, 0.125, 1.0])
    assert "decimal comma" in " ".join(p.source.notes)


def test_semicolons_with_decimal_points(tmp_path):
    p = read(tmp_path, "label;prob\n1;0.83\n0;0.125\n")
    np.testing.assert_array_equal(p.proba, [0.83, 0.125])


def test_pandas_dump_with_unnamed_index(tmp_path):
    p = read(tmp_path, ",y_true,y_prob\n0,1,0.9\n1,0,0.1\n")
    assert p.source.label_column == "y_true"


def test_dataframe_in_memory():
    frame = pd.DataFrame({"target": ["cat", "dog", "cat"], "proba_cat": [.7, .2, .6],
                          "proba_dog": [.3, .8, .4], "proba_fox": [0., 0., 0.]})
    p = predictions_from_frame(frame)
    assert p.task == "multiclass"
    assert p.classes == ("cat", "dog", "fox")
    np.testing.assert_array_equal(p.y, [0, 1, 0])


# --- refused content ---------------------------------------------------------------------

def test_binary_content(tmp_path):
    fails(tmp_path, b"\x00\x01\x02binary", "binary content (NUL bytes)")


def test_tensorboard_event_file(tmp_path):
    text = fails(tmp_path, b"\x18\x00\x00\x00\x00\x00\x00\x00\xa3\x7fK\"\tbrain.Event:2",
                 "TensorBoard", name="events.out.tfevents.1700000000.host")
    assert "clfdiag history" in text


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_utf16_with_a_byte_order_mark_is_read_as_its_utf8_twin(tmp_path, encoding):
    text = "\ufeff" + BINARY.replace("a,", "\u00e9a,") if encoding == "utf-16-be" else BINARY
    twin = read(tmp_path, text.lstrip("\ufeff"), name="twin.csv")
    got = read(tmp_path, text.encode(encoding))
    np.testing.assert_array_equal(got.y, twin.y)
    np.testing.assert_array_equal(got.proba, twin.proba)
    assert list(got.ids) == list(twin.ids)


def test_utf16_inside_an_archive_says_to_decompress(tmp_path):
    fails(tmp_path, gzip.compress(BINARY.encode("utf-16")), "UTF-16", "decompress",
          name="p.csv.gz")


def test_latin1_past_the_sniffed_sample_names_its_line(tmp_path):
    rows = "".join(f"r{i},{i % 2},0.5\n" for i in range(20_000))
    text = "id,label,prob\n" + rows + "caf\xe9,1,0.5\n"
    message = fails(tmp_path, text.encode("latin-1"), "not UTF-8", "line 20002", "0xe9",
                    "iconv")
    assert "--" not in message  # no flag reads it: the hint converts the file


def test_latin1(tmp_path):
    fails(tmp_path, "label,prob,note\n1,0.5,caf\xe9\n".encode("latin-1"), "not UTF-8", "line 2")


def test_empty_file(tmp_path):
    fails(tmp_path, "", "empty")


def test_header_only(tmp_path):
    fails(tmp_path, "label,prob\n", "no rows")


def test_header_with_one_field_over_wider_rows(tmp_path):
    fails(tmp_path, "label\n1,0.5\n0,0.2\n", "header has one field but row 1 has 2")


def test_ragged_rows(tmp_path):
    fails(tmp_path, "label,prob\n1,0.5\n0,0.2,7\n1,0.3\n", "header has 2 fields but row 2 has 3")


# --- columns -----------------------------------------------------------------------------

@pytest.mark.parametrize("label", ["label", "Y", "y_true", "TARGET", "truth", "class", "actual",
                                   "ground_truth"])
@pytest.mark.parametrize("score", ["prob", "proba", "P", "score", "y_score", "y_pred",
                                   "prediction", "p1", "prob_1"])
def test_column_names_are_detected(tmp_path, label, score):
    p = read(tmp_path, f"{label},{score}\n1,0.9\n0,0.2\n")
    assert (p.source.label_column, p.source.probability_columns) == (label, (score,))


def test_ambiguous_label_columns(tmp_path):
    fails(tmp_path, "label,target,prob\n1,1,0.5\n", "'label', 'target'", "--label-col")


def test_no_probability_column(tmp_path):
    text = fails(tmp_path, "label,weight\n1,0.5\n", "no probability column", "'label', 'weight'")
    assert "--prob-col" in text


def test_no_label_column(tmp_path):
    fails(tmp_path, "truth_value,prob\n1,0.5\n", "no label column", "--label-col")


def test_explicit_columns(tmp_path):
    p = read(tmp_path, "outcome,model_a,model_b\n1,0.9,0.1\n0,0.2,0.8\n",
             label_col="outcome", prob_cols=("model_b",))
    np.testing.assert_array_equal(p.proba, [0.1, 0.8])


def test_unknown_explicit_column(tmp_path):
    fails(tmp_path, BINARY, "--prob-col 'nope' is not a column", prob_cols=("nope",))


def test_several_probability_sets_are_ambiguous(tmp_path):
    fails(tmp_path, "label,prob,p_a,p_b\na,0.3,0.3,0.7\n", "several sets", "--prob-col")


def test_multiclass_by_prefix(tmp_path):
    p = read(tmp_path, "id,label,p_cat,p_dog,p_fox\n1,dog,0.1,0.8,0.1\n2,fox,0.2,0.2,0.6\n")
    assert p.task == "multiclass"
    assert p.classes == ("cat", "dog", "fox")
    np.testing.assert_array_equal(p.y, [1, 2])


def test_multiclass_columns_map_by_name_not_position(tmp_path):
    p = read(tmp_path, "label,prob_2,prob_0,prob_1\n0,0.1,0.8,0.1\n2,0.7,0.2,0.1\n")
    assert p.classes == ("2", "0", "1")
    np.testing.assert_array_equal(p.y, [1, 0])


def test_labels_matching_no_column(tmp_path):
    fails(tmp_path, "label,p_a,p_b,p_c\nx,0.2,0.3,0.5\ny,0.2,0.3,0.5\n",
          "no label value matches")


def test_some_labels_without_a_column(tmp_path):
    text = fails(tmp_path, "label,p_a,p_b,p_c\na,0.2,0.3,0.5\nz,0.2,0.3,0.5\n",
                 "label with no probability column", "row")
    assert "'z'" in text


# --- labels and the positive class --------------------------------------------------------

@pytest.mark.parametrize(("pos", "neg"), [("1", "0"), ("1", "-1"), ("True", "False"),
                                          ("yes", "no"), ("pos", "neg"), ("positive", "negative"),
                                          ("1.0", "0.0")])
def test_unambiguous_pairs(tmp_path, pos, neg):
    p = read(tmp_path, f"label,prob\n{pos},0.9\n{neg},0.2\n{pos},0.6\n")
    np.testing.assert_array_equal(p.y, [1, 0, 1])


def test_other_pairs_need_positive(tmp_path):
    text = fails(tmp_path, "label,prob\nfraud,0.9\nlegit,0.2\n", "cannot tell which label",
                 "'fraud', 'legit'")
    assert "--positive fraud" in text


def test_positive_flag(tmp_path):
    p = read(tmp_path, "label,prob\nfraud,0.9\nlegit,0.2\n", positive="fraud")
    assert p.classes == ("legit", "fraud")
    np.testing.assert_array_equal(p.y, [1, 0])


def test_positive_flag_must_name_a_label(tmp_path):
    fails(tmp_path, "label,prob\nfraud,0.9\nlegit,0.2\n", "--positive 'spam' is not a label",
          positive="spam")


def test_column_naming_the_positive_class(tmp_path):
    p = read(tmp_path, "label,p_fraud\nfraud,0.9\nlegit,0.2\n")
    assert p.positive_class == "fraud"


def test_positive_flag_can_invert_a_known_pair(tmp_path):
    p = read(tmp_path, "label,prob\n1,0.9\n0,0.2\n", positive="0")
    np.testing.assert_array_equal(p.y, [0, 1])


def test_single_class_present_needs_the_classes(tmp_path):
    text = fails(tmp_path, "label,prob\n1,0.9\n1,0.2\n",
                 "column 'label' holds the single value '1' in all 2 rows", "--classes")
    assert "--positive" not in text
    p = read(tmp_path, "label,prob\n1,0.9\n1,0.2\n", classes=("0", "1"))
    assert p.classes == ("0", "1")
    np.testing.assert_array_equal(p.y, [1, 1])


def test_three_labels_with_one_score_column(tmp_path):
    fails(tmp_path, "label,prob\na,0.9\nb,0.2\nc,0.3\n", "3 classes", "one probability column")


def test_two_columns_summing_to_one_are_binary(tmp_path):
    p = read(tmp_path, "label,p_0,p_1\n1,0.1,0.9\n0,0.8,0.2\n")
    assert p.task == "binary"
    np.testing.assert_array_equal(p.proba, [0.9, 0.2])


def test_two_named_columns_need_positive(tmp_path):
    fails(tmp_path, "label,p_cat,p_dog\ncat,0.9,0.1\ndog,0.2,0.8\n", "cannot tell", "--positive")
    p = read(tmp_path, "label,p_cat,p_dog\ncat,0.9,0.1\ndog,0.3,0.7\n", positive="cat")
    np.testing.assert_array_equal(p.proba, [0.9, 0.3])
    np.testing.assert_array_equal(p.y, [1, 0])


def test_hard_predictions_are_noted(tmp_path):
    p = read(tmp_path, "label,y_pred\n1,1\n0,0\n1,0\n")
    assert "hard predictions" in " ".join(p.source.notes)


# --- values ------------------------------------------------------------------------------

def test_a_few_values_outside_unit_interval_are_rows_to_fix(tmp_path):
    text = fails(tmp_path, "label,prob\n1,2.5\n0,-1.0\n1,0.5\n0,0.1\n1,0.7\n",
                 "values outside [0, 1]", "--scores", "--logits", "rows 1 (2.5), 2 (-1)")
    assert "--drop-invalid" in text


def test_mostly_raw_values_are_scores_or_logits(tmp_path):
    text = fails(tmp_path, "label,prob\n1,2.5\n0,-1.0\n1,0.5\n", "raw scores",
                 "--scores", "--logits")
    assert "--percent" not in text


def test_a_stray_value_above_one_never_suggests_percent(tmp_path):
    text = fails(tmp_path, "label,prob\n1,1.5\n0,0.2\n1,0.5\n", "values outside [0, 1]",
                 "rows 1 (1.5)")
    assert "--percent" not in text
    assert "--logits" not in text


def test_logits_binary(tmp_path):
    p = read(tmp_path, "label,score\n1,2.0\n0,-1.0\n1,800\n", logits=True)
    np.testing.assert_allclose(p.proba, 1 / (1 + np.exp(-np.array([2.0, -1.0, 800]))))
    assert p.source.transform == "logits"


def test_logits_multiclass(tmp_path):
    p = read(tmp_path, "label,logit_a,logit_b,logit_c\na,2,1,0\nc,0,0,1000\n", logits=True)
    e = np.exp([2, 1, 0])
    np.testing.assert_allclose(p.proba[0], e / e.sum())
    np.testing.assert_allclose(p.proba[1], [0, 0, 1])


def test_rows_not_summing_to_one(tmp_path):
    fails(tmp_path, "label,p_a,p_b,p_c\na,0.5,0.5,0.5\nb,0.2,0.3,0.5\n", "do not sum to 1",
          "--renormalize", "rows 1 (1.5)")


def test_renormalize(tmp_path):
    p = read(tmp_path, "label,p_a,p_b,p_c\na,0.5,0.5,1.0\nb,0.2,0.3,0.5\n", renormalize=True)
    np.testing.assert_allclose(p.proba[0], [0.25, 0.25, 0.5])
    assert p.source.transform == "renormalized"


def test_logits_and_renormalize_conflict(tmp_path):
    fails(tmp_path, BINARY, "cannot be combined", logits=True, renormalize=True)


@pytest.mark.parametrize(("cell", "reason"), [("", "missing or NaN"), ("nan", "missing or NaN"),
                                              ("NaN", "missing or NaN"), ("inf", "infinite"),
                                              ("-inf", "infinite")])
def test_bad_probability_cells(tmp_path, cell, reason):
    fails(tmp_path, f"label,prob\n1,0.5\n0,{cell}\n", reason, "column 'prob'", "rows 2")


def test_non_numeric_probability(tmp_path):
    fails(tmp_path, "label,prob\n1,0.5\n0,high\n1,0.2\n0,low\n", "2 non-numeric values",
          "2 ('high')", "4 ('low')")


def test_missing_label(tmp_path):
    fails(tmp_path, "label,prob\n1,0.5\n,0.4\n0,0.3\n", "missing label", "column 'label'",
          "rows 2")


def test_duplicate_ids(tmp_path):
    fails(tmp_path, "id,label,prob\na,1,0.5\na,0,0.4\nb,1,0.3\n", "1 duplicate ids", "'a'")


def test_drop_invalid_counts_every_reason(tmp_path):
    content = ("id,label,prob\na,1,0.9\nb,0,\nc,1,1.5\nd,,0.5\ne,0,0.1\nf,1,inf\na,0,0.2\n"
               "g,0,0.3\n")
    p = read(tmp_path, content, drop_invalid=True)
    assert p.source.rows == 8
    assert p.source.used == 3
    assert p.source.dropped == {"missing label": 1, "missing or NaN probability": 1,
                                "infinite value": 1, "values outside [0, 1]": 1,
                                "duplicate id": 1}
    assert p.row_numbers(np.arange(3)) == [1, 5, 8]
    assert p.id_values(np.arange(3)) == ["a", "e", "g"]


@pytest.mark.parametrize("bad_row", [False, True])
def test_dropping_duplicate_ids_keeps_logits_and_weights_aligned(tmp_path, bad_row):
    # With and without an earlier dropped row: the rows kept must be the same in each array.
    content = ("id,label,score,w\na,1,2.0,1\n" + ("z,1,,1\n" if bad_row else "")
               + "b,0,-1.0,2\na,0,3.0,3\nc,1,0.5,4\n")
    p = read(tmp_path, content, drop_invalid=True, logits=True, prob_cols=("score",),
             weight_col="w")
    assert p.source.dropped.get("duplicate id") == 1
    assert p.id_values(np.arange(3)) == ["a", "b", "c"]
    assert p.logits.tolist() == [2.0, -1.0, 0.5]
    assert p.weights.tolist() == [1.0, 2.0, 4.0]
    assert p.row_numbers(np.arange(3)) == ([1, 3, 5] if bad_row else [1, 2, 4])


def test_nothing_left_after_dropping(tmp_path):
    fails(tmp_path, "label,prob\n1,inf\n0,-inf\n", "no usable rows", drop_invalid=True)
