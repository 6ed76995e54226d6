import json

import numpy as np
import pytest
from scipy.special import expit

from clfdiag.core.calibration_mapping import (
    MappingError,
    columns_in_fitted_order,
    mapping_from_dict,
    mapping_to_dict,
)
from clfdiag.core.recalibration import (
    BINARY_METHODS,
    TemperatureParams,
    apply_mapping,
    fit_beta,
    fit_mapping,
)


def data(n=300, seed=0):
    rng = np.random.default_rng(seed)
    z = rng.normal(0, 2, n)
    return (rng.random(n) < expit(0.6 * z)).astype(np.int64), expit(z)


@pytest.mark.parametrize("method", BINARY_METHODS)
def test_round_trip_through_json_gives_the_same_predictions(method):
    y, p = data()
    params = fit_mapping(method, y, p)
    text = json.dumps(mapping_to_dict(params, ["no", "yes"]))
    mapping = mapping_from_dict(json.loads(text), ["no", "yes"])
    assert mapping.method == method
    assert mapping.classes == ("no", "yes")
    np.testing.assert_array_equal(apply_mapping(mapping.params, p), apply_mapping(params, p))


def test_beta_refit_on_one_feature_with_a_negative_slope_round_trips():
    # Scores that rank backwards: beta drops a, and the refit on -ln(1 - p) slopes down.
    rng = np.random.default_rng(7)
    p = rng.uniform(0.01, 0.99, 400)
    y = (rng.random(400) < expit(-3.0 * np.log(p / (1 - p)))).astype(np.int64)
    params = fit_beta(y, p)
    assert params.a == 0.0
    assert params.b < 0
    mapping = mapping_from_dict(json.loads(json.dumps(mapping_to_dict(params, ["0", "1"]))))
    assert mapping.params == params


def test_multiclass_round_trip():
    rng = np.random.default_rng(1)
    proba = rng.dirichlet(np.ones(3), 200)
    y = rng.integers(0, 3, 200)
    params = fit_mapping("vector_scaling", y, proba)
    mapping = mapping_from_dict(json.loads(json.dumps(mapping_to_dict(params, "abc"))))
    assert mapping.params == params


def valid():
    return mapping_to_dict(TemperatureParams(1.5), ["0", "1"])


@pytest.mark.parametrize(("change", "message"), [
    ({"method": "magic"}, "unknown calibration method"),
    ({"version": 2}, "unsupported calibration mapping version"),
    ({"format": "other"}, "not a calibration mapping"),
    ({"classes": ["only"]}, "at least two distinct"),
    ({"classes": ["a", "a"]}, "at least two distinct"),
    ({"params": {"temperature": -1.0}}, "positive"),
    ({"params": {"temperature": True}}, "finite numbers"),
    ({"params": {"temperature": float("nan")}}, "finite numbers"),
    ({"params": {"T": 1.0}}, "exactly temperature"),
    ({"method": "beta", "params": {"a": -1.0, "b": 1.0, "c": 0.0}}, "a >= 0 and b >= 0"),
    ({"method": "platt", "classes": ["a", "b", "c"],
      "params": {"slope": 1.0, "intercept": 0.0}}, "binary"),
    ({"method": "isotonic", "params": {"thresholds": [0.2, 0.1], "values": [0.1, 0.2]}},
     "non-decreasing"),
    ({"method": "histogram", "params": {"upper_edges": [0.5, 0.9], "values": [0.1, 0.2]}},
     "end at 1"),
    ({"method": "vector_scaling", "params": {"scale": [1.0], "bias": [0.0]}},
     "one scale and one bias per class"),
])
def test_invalid_mappings_are_refused(change, message):
    with pytest.raises(MappingError, match=message):
        mapping_from_dict({**valid(), **change})


def test_other_classes_are_refused():
    with pytest.raises(MappingError, match=r"fitted on classes \['0', '1'\]"):
        mapping_from_dict(valid(), ["1", "0"])
    assert isinstance(MappingError("x"), ValueError)


def test_class_columns_are_found_by_name():
    assert columns_in_fitted_order(("a", "b", "c"), ["a", "b", "c"]) is None
    order = columns_in_fitted_order(("a", "b", "c"), ["c", "a", "b"])
    assert [["c", "a", "b"][i] for i in order] == ["a", "b", "c"]
    with pytest.raises(MappingError, match=r"fitted on classes \['a', 'b', 'c'\]"):
        columns_in_fitted_order(("a", "b", "c"), ["a", "b", "d"])
