"""The conformal report and the sets table on a small fixture worked out by hand.

Probabilities are multiples of 1/8, so every LAC score 1 - p is exact in binary.

Calibration (classes a, b, c):  p                       label   1 - p_label
                                 (0.75, 0.125, 0.125)    a       0.25
                                 (0.5, 0.25, 0.25)       b       0.75
                                 (0.25, 0.25, 0.5)       c       0.5
                                 (0.125, 0.75, 0.125)    b       0.25
Sorted scores 0.25, 0.25, 0.5, 0.75. alpha 0.5: k = ceil(5 * 0.5) = 3, qhat 0.5;
alpha 0.25: k = ceil(3.75) = 4, qhat 0.75; alpha 0.1: k = ceil(4.5) = 5 > 4, +inf.

Test:  p                     label   scores 1 - p           alpha 0.5   alpha 0.25
       (0.5, 0.375, 0.125)   a       0.5, 0.625, 0.875      {a}         {a, b}
       (0.25, 0.25, 0.5)     b       0.75, 0.75, 0.5        {c}         {a, b, c}
       (0.375, 0.375, 0.25)  c       0.625, 0.625, 0.75     {}          {a, b, c}
"""

import json

import numpy as np
import pytest

from clfdiag.core.conformal import conformal_sets
from clfdiag.errors import ClfdiagError
from clfdiag.reports.conformal import alpha_text, conformal_report, sets_columns

CLASSES = ["a", "b", "c"]
CAL = np.array([[0.75, 0.125, 0.125], [0.5, 0.25, 0.25], [0.25, 0.25, 0.5],
                [0.125, 0.75, 0.125]])
CAL_Y = np.array([0, 1, 2, 1])
TEST = np.array([[0.5, 0.375, 0.125], [0.25, 0.25, 0.5], [0.375, 0.375, 0.25]])
TEST_Y = np.array([0, 1, 2])
ALPHAS = ["0.5", "0.25", "0.10"]


def report(**options):
    result = conformal_sets(CAL, CAL_Y, TEST, options.pop("test_y", TEST_Y), ALPHAS, **options)
    return result, conformal_report(result, CLASSES, notes=["cal.csv: a reader's note"])


def test_top_level_keys():
    _, r = report()
    assert r["command"] == "conformal"
    assert r["schema_version"] == 1
    assert r["classes"] == CLASSES
    assert r["method"] == "lac"
    assert r["class_conditional"] is False
    assert r["n_calibration"] == 4
    assert r["n_test"] == 3
    assert [e["alpha"] for e in r["results"]] == [0.5, 0.25, 0.1]
    assert r["notes"][0] == "cal.csv: a reader's note"
    assert "k = 5 > n = 4" in r["notes"][1]
    assert len(r["notes"]) == 2
    json.dumps(r, allow_nan=False)  # strict JSON: no infinity or NaN anywhere


def test_alpha_half():
    _, r = report()
    e = r["results"][0]
    assert (e["k"], e["qhat"], e["qhat_infinite"]) == (3, 0.5, False)
    assert (e["k_per_class"], e["qhat_per_class"], e["n_per_class"]) == (None, None, None)
    assert e["coverage"] == 1 / 3
    assert e["mean_size"] == 2 / 3
    assert e["empty_share"] == 1 / 3
    assert e["singleton_share"] == 2 / 3
    assert e["coverage_by_class"] == {"a": 1.0, "b": 0.0, "c": 0.0}
    assert e["coverage_by_size"] == {"0": 0.0, "1": 0.5}
    assert e["size_histogram"] == {"0": 1, "1": 2, "2": 0, "3": 0}
    # 1 of 3 covered at target 0.5: P(X <= 1) = (1 + 3) / 8.
    assert e["undercoverage"]["p_value"] == pytest.approx(0.5, rel=1e-12)
    assert e["undercoverage"]["undercovered"] is False
    assert e["undercoverage"]["min_covered"] == 0
    assert e["undefined"] == {}


def test_alpha_quarter_and_too_few_rows():
    _, r = report()
    quarter, tenth = r["results"][1], r["results"][2]
    assert (quarter["k"], quarter["qhat"]) == (4, 0.75)
    assert quarter["coverage"] == 1.0
    assert quarter["mean_size"] == 8 / 3
    assert quarter["coverage_by_size"] == {"2": 1.0, "3": 1.0}
    assert quarter["size_histogram"] == {"0": 0, "1": 0, "2": 1, "3": 2}
    assert (tenth["k"], tenth["qhat"], tenth["qhat_infinite"]) == (5, None, True)
    assert tenth["size_histogram"] == {"0": 0, "1": 0, "2": 0, "3": 3}


def test_class_conditional():
    # Per class: a (0.25), b (0.75, 0.25), c (0.5). alpha 0.5: k_a = 1, k_b = 2, k_c = 1:
    # qhat 0.25, 0.75, 0.5. Sets {b}, {b, c}, {b}: only the row labelled b is covered.
    _, r = report(class_conditional=True)
    e = r["results"][0]
    assert (e["k"], e["qhat"], e["qhat_infinite"]) == (None, None, False)
    assert e["k_per_class"] == {"a": 1, "b": 2, "c": 1}
    assert e["qhat_per_class"] == {"a": 0.25, "b": 0.75, "c": 0.5}
    assert e["n_per_class"] == {"a": 1, "b": 2, "c": 1}
    assert e["coverage"] == 1 / 3
    assert e["size_histogram"] == {"0": 0, "1": 2, "2": 1, "3": 0}
    # alpha 0.25: k_a = ceil(2 * 0.75) = 2 > 1: class a is in every set, stated.
    quarter = r["results"][1]
    assert quarter["qhat_infinite"] is True
    assert quarter["qhat_per_class"]["a"] is None
    assert any("class 'a' has 1 calibration rows" in note for note in r["notes"])


def test_without_test_labels():
    _, r = report(test_y=None)
    e = r["results"][0]
    for key in ("coverage", "coverage_by_class", "coverage_by_size", "undercoverage"):
        assert e[key] is None
        assert e["undefined"][key] == "the test file has no labels"
    assert e["mean_size"] == 2 / 3
    assert e["size_histogram"] == {"0": 1, "1": 2, "2": 0, "3": 0}


def test_topk_qhat_is_an_integer_rank():
    # Ranks of the labels: 1, 2, 1, 1 -> alpha 0.5: k = 3, qhat = rank 1.
    _, r = report(method="topk")
    assert r["results"][0]["qhat"] == 1
    assert isinstance(r["results"][0]["qhat"], int)
    assert r["raps_penalty"] is None


def test_sets_columns():
    result, _ = report()
    columns = sets_columns(result, CLASSES, labels=[CLASSES[i] for i in TEST_Y])
    assert [name for name, _ in columns] == ["id", "label", "set_a0.5", "set_a0.25", "set_a0.1"]
    values = dict(columns)
    assert values["id"] == [0, 1, 2]
    assert values["label"] == ["a", "b", "c"]
    assert values["set_a0.5"] == ["a", "c", ""]
    assert values["set_a0.25"] == ["a|b", "a|b|c", "a|b|c"]
    assert values["set_a0.1"] == ["a|b|c"] * 3
    unlabelled = sets_columns(result, CLASSES, ids=["x", "y", "z"])
    assert [name for name, _ in unlabelled][:2] == ["id", "set_a0.5"]
    assert dict(unlabelled)["id"] == ["x", "y", "z"]


def test_alpha_names_are_the_shortest_repr():
    assert [alpha_text(a) for a in ("0.1", "0.10", "0.05", "1/20", 0.1)] == \
        ["0.1", "0.1", "0.05", "0.05", "0.1"]


def test_an_alpha_given_twice_is_refused():
    result = conformal_sets(CAL, CAL_Y, TEST, None, ["0.1", "0.10"])
    with pytest.raises(ClfdiagError, match=r"0\.1 is given more than once"):
        sets_columns(result, CLASSES)
