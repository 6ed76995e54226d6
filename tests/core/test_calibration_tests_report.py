import json

import numpy as np

from clfdiag.core.calibration_tests import (
    PartsChange,
    calibration_tests,
    calibration_tests_per_class,
    decomposition_change,
    score_decomposition,
)
from clfdiag.reports.calibration_tests import (
    calibration_tests_section,
    decomposition_change_json,
    decomposition_reading,
)

KEYS = {"n", "clipped", "spiegelhalter", "calibration_intercept", "calibration_slope",
        "calibration_in_the_large", "calibration_in_the_large_se", "unreliability",
        "discrimination_index", "quality_index", "r2_nagelkerke", "dxy", "hosmer_lemeshow",
        "e_avg", "e_90", "e_max", "smoother", "decomposition", "undefined"}


def test_binary_section_has_every_key_and_a_reason_for_every_null():
    rng = np.random.default_rng(0)
    p = rng.uniform(size=300)
    y = (rng.uniform(size=300) < p).astype(int)
    section = calibration_tests_section(calibration_tests(y, p))
    assert set(section) == KEYS
    assert set(section["hosmer_lemeshow"]) == {"method", "groups", "statistic", "df", "p"}
    assert set(section["unreliability"]) == {"u", "chi2", "p"}
    assert set(section["decomposition"]["log_loss"]) == {
        "score", "miscalibration", "discrimination", "uncertainty"}
    json.dumps(section, allow_nan=False)
    one_class = calibration_tests_section(calibration_tests(np.zeros(5, dtype=int),
                                                            np.linspace(0.1, 0.9, 5)))
    nulls = {k for k, v in one_class.items() if v is None}
    assert nulls
    assert nulls <= set(one_class["undefined"])


def test_multiclass_section_is_per_class():
    y = np.array([0, 1, 2, 2, 1, 0])
    proba = np.full((6, 3), 1 / 3)
    section = calibration_tests_section(calibration_tests_per_class(y, proba), ["a", "b", "c"])
    assert set(section) == {"per_class"}
    assert set(section["per_class"]) == {"a", "b", "c"}
    assert set(section["per_class"]["a"]) == KEYS


def test_change_adds_up_to_the_loss_change_and_is_read():
    rng = np.random.default_rng(1)
    p = rng.uniform(0.02, 0.98, 4000)
    y = (rng.uniform(size=p.size) < p).astype(int)
    sharp = 1 / (1 + np.exp(-4 * np.log(p / (1 - p))))
    a, b = score_decomposition(y, p), score_decomposition(y, sharp)
    change = decomposition_change(a, b)
    out = decomposition_change_json(change)
    ll = out["log_loss"]
    assert abs(ll["miscalibration"] - ll["discrimination"] + ll["uncertainty"]
               - (b.log_loss.score - a.log_loss.score)) < 1e-12
    reading = decomposition_reading(change.log_loss, b.log_loss.score - a.log_loss.score,
                                    slope_after=0.25)
    assert reading.startswith("loss rose by ")
    assert "miscalibration +" in reading
    assert "discrimination +0.00" in reading
    assert "became overconfident" in reading
    assert "ranking did not change" in reading


def test_reading_of_the_example_sentence():
    reading = decomposition_reading(PartsChange(0.12, 0.0, 0.0), 0.12, slope_after=0.6)
    assert reading.startswith("loss rose by 0.12: miscalibration +0.12, discrimination +0.00: "
                              "the model became overconfident, its ranking did not change")
