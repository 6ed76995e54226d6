"""A hint's flags, typed as the hint spells them, give the right reading.

Each test writes a file whose meaning is known, follows the hint of the refusal
literally (split as a shell splits it) and checks the numbers with scikit-learn.
"""

import json
import re
import shlex

import numpy as np
import pytest
from sklearn import metrics as skm
from typer.testing import CliRunner

from clfdiag.cli.app import app


def run(*args, code=0):
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert "Traceback" not in result.stdout + result.stderr
    return result


def report(*args):
    return json.loads(run("evaluate", *args, "--format", "json").stdout)


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
