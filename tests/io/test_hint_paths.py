"""A hint's flags, typed as the hint spells them, give the right reading.

Each test writes a file whose meaning is known, follows the hint of the refusal
literally (split as a shell splits it) and checks the numbers with scikit-learn.
"""

import re
import shlex

import numpy as np
import pytest
from sklearn import metrics as skm

from tests.io.test_shapes import report, run


def hint_flags(err, flag):
    """Every ``flag VALUE`` of the hint line, VALUE split as a shell splits it."""
    hint = next(line for line in err.splitlines() if line.startswith("hint:"))
    words = shlex.split(re.sub(r"[;,]\s", " ", hint[len("hint:"):]))
    return [words[i + 1] for i, w in enumerate(words[:-1]) if w == flag]


def binary_data(seed=0, n=40):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    y[:2] = [0, 1]
    p = np.clip(1 / (1 + np.exp(-(rng.normal(0, 1.2, n) + 1.5 * (y - 0.5)))), 0.02, 0.98)
    return y, p


def test_a_label_with_a_space_is_quoted_after_positive(tmp_path):
    y, p = binary_data()
    names = np.array(["not churn", "churn"])
    path = tmp_path / "churn.csv"
    rows = (f"{names[t]},{float(v)!r}\n" for t, v in zip(y, p, strict=True))
    path.write_text("y,p\n" + "".join(rows))
    err = run("evaluate", path, code=2).stderr
    assert hint_flags(err, "--positive") == ["churn", "not churn"]
    rep = report(path, "--positive", hint_flags(err, "--positive")[0])
    assert rep["positive_class"] == "churn"
    assert rep["metrics"]["roc_auc"] == pytest.approx(skm.roc_auc_score(y, p), rel=1e-12)
    assert rep["metrics"]["log_loss"] == pytest.approx(skm.log_loss(y, p), rel=1e-9)


def test_a_headerless_file_of_text_labels_loses_no_row(tmp_path):
    # No header, text labels: the first line ``no,0.56...`` is a row. Its "no label
    # column" refusal used to name --label-col, and --label-col no then evaluated every
    # row but the first at exit 0.
    y, p = binary_data(1)
    names = np.array(["no", "yes"])
    path = tmp_path / "headerless.csv"
    path.write_text("".join(f"{names[t]},{float(v)!r}\n" for t, v in zip(y, p, strict=True)))
    for flags in ((), ("--label-col", "no"), ("--label-col", "no", "--streaming")):
        err = run("evaluate", path, *flags, code=2).stderr
        assert "no header line" in err, err
        assert "--no-header" in err, err
    rep = report(path, "--no-header", "--label-col", "0", "--prob-col", "1")
    assert rep["metrics"]["n"] == len(y)
    assert rep["positive_class"] == "yes"
    assert rep["metrics"]["log_loss"] == pytest.approx(skm.log_loss(y, p), rel=1e-9)
    assert rep["metrics"]["roc_auc"] == pytest.approx(skm.roc_auc_score(y, p), rel=1e-12)


def test_class_columns_named_after_whole_float_classes_are_a_header(tmp_path):
    # ``DataFrame(predict_proba(X), columns=clf.classes_)`` of float classes: 0.0, 1.0.
    y, p = binary_data(2)
    path = tmp_path / "float_classes.csv"
    path.write_text("label,0.0,1.0\n" + "".join(
        f"{t}.0,{1 - float(v)!r},{float(v)!r}\n" for t, v in zip(y, p, strict=True)))
    rep = report(path)
    assert rep["metrics"]["n"] == len(y)
    assert rep["metrics"]["roc_auc"] == pytest.approx(skm.roc_auc_score(y, p), rel=1e-12)


def test_labels_from_minus_one_beside_index_columns_are_refused_without_drop_invalid(tmp_path):
    # Labels -1, 0, 1 beside p_0, p_1, p_2 (predict_proba's columns, the sorted labels'
    # indices): the refusal used to offer --drop-invalid, which left out the rows of -1
    # and scored label 0 against the column of -1, at exit 0.
    rng = np.random.default_rng(3)
    y = np.r_[[-1, 0, 1], rng.integers(-1, 2, 37)]
    proba = rng.dirichlet([1, 1, 1], len(y))
    path = tmp_path / "shifted.csv"
    path.write_text("target,p_0,p_1,p_2\n" + "".join(
        f"{t},{','.join(repr(float(v)) for v in row)}\n"
        for t, row in zip(y, proba, strict=True)))
    for flags in ((), ("--drop-invalid",)):
        err = run("evaluate", path, *flags, code=2).stderr
        assert "labels run from -1 to 1" in err, err
        assert "--drop-invalid" not in err, err


@pytest.mark.parametrize(("header", "flags"), [
    ("label,NO", ()),  # found by content
    ("label,no", ("--prob-col", "no")),
    ("label,NO,YES", ("--prob-col", "NO")),  # the hint's choice among the two columns
    ("label,NO,YES", ("--prob-col", "NO", "--positive", "yes")),
    ("label,NO,YES", ("--prob-col", "NO", "--streaming")),
])
def test_a_lone_column_named_as_a_text_label_in_any_case_is_its_probability(
        tmp_path, header, flags):
    # A column ``NO`` beside labels no/yes holds P(no), as ``no`` and ``p_no`` do; it was
    # read as P(yes) at exit 0 (AUC 1 - AUC) when named by --prob-col or in another case.
    y, p = binary_data(4)
    names = np.array(["no", "yes"])
    path = tmp_path / "named.csv"
    cells = (lambda v: f"{1 - v!r}") if header.count(",") == 1 else (
        lambda v: f"{1 - v!r},{v!r}")
    path.write_text(header + "\n" + "".join(
        f"{names[t]},{cells(float(v))}\n" for t, v in zip(y, p, strict=True)))
    rep = report(path, *flags)
    positive = 1 if "yes" in flags else 0
    truth = y == positive
    score = p if positive else 1 - p
    assert rep["positive_class"] == names[positive]
    assert rep["metrics"]["roc_auc"] == pytest.approx(skm.roc_auc_score(truth, score),
                                                      rel=1e-12)
    if "--streaming" not in flags:
        assert rep["metrics"]["log_loss"] == pytest.approx(skm.log_loss(truth, score),
                                                           rel=1e-9)


@pytest.mark.parametrize("labels", [("0", "1"), ("no", "yes"), ("-1", "1"), ("False", "True"),
                                    ("negative", "positive")])
def test_a_score_named_for_the_negative_side_of_a_known_pair_is_that_label(tmp_path, labels):
    # score_neg beside 0/1: the probability of 0, never read as P(1) with AUC 1 - AUC.
    negative, positive = labels
    y = np.array([0, 1, 0, 1, 0, 1, 1, 0])
    p_neg = np.array([0.8, 0.3, 0.6, 0.1, 0.7, 0.45, 0.2, 0.55])
    path = tmp_path / "neg.csv"
    path.write_text("label,score_neg\n" + "".join(
        f"{positive if t else negative},{q}\n" for t, q in zip(y, p_neg, strict=True)))
    rep = report(path, "--positive", positive)
    assert rep["metrics"]["roc_auc"] == pytest.approx(skm.roc_auc_score(y, 1 - p_neg),
                                                      abs=1e-12)
    assert rep["metrics"]["log_loss"] == pytest.approx(skm.log_loss(y, 1 - p_neg), rel=1e-12)
    rep = report(path)  # without --positive: the class the column scores, as p_no's rule
    assert rep["positive_class"] == negative
    assert rep["metrics"]["roc_auc"] == pytest.approx(skm.roc_auc_score(1 - y, p_neg),
                                                      abs=1e-12)
