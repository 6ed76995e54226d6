import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "default", max_examples=60, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("thorough", max_examples=1000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

DATA = os.path.join(os.path.dirname(__file__), "data")
SAMPLES = os.path.join(os.path.dirname(__file__), "..", "sample_data")


def read_csv_exact(path, **kwargs):
    """A CSV read by pandas with every float parsed to the nearest double, as clfdiag's reader does.

    pandas before 3.0 parses with a fast method by default that may land one ulp away; near
    0 or 1 a logit, and so a fitted map applied to it, moves far more than the value did.
    pandas 3 parses exactly by default and deprecates the choice.
    """
    import pandas as pd

    if int(pd.__version__.split(".")[0]) < 3:
        kwargs.setdefault("float_precision", "round_trip")
    return pd.read_csv(path, **kwargs)


@pytest.fixture(autouse=True)
def _pinned_terminal(monkeypatch):
    """Rendered output must not depend on the terminal running the tests."""
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("CLFDIAG_DEBUG", raising=False)
