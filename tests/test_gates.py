"""``NAME=X`` bounds, as ``--fail-under``, ``--fail-over`` and ``--fail-on`` read them."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clfdiag.gates import split_bound

names = st.text(st.characters(blacklist_characters="=", blacklist_categories=("Cs",)),
                max_size=20)


@given(names, st.floats(allow_nan=False, allow_infinity=False))
def test_a_name_and_a_finite_number_are_read_back(name, value):
    # repr gives the float back exactly, so equality is exact.
    assert split_bound(f"{name}={value!r}") == (name.strip(), value)


@given(names, st.floats(allow_nan=False, allow_infinity=False))
def test_spaces_around_the_number_are_allowed(name, value):
    assert split_bound(f"{name}= {value!r} ") == (name.strip(), value)


@pytest.mark.parametrize("text", [
    "roc_auc", "roc_auc=", "roc_auc=high", "roc_auc=nan", "roc_auc=inf", "roc_auc=-inf",
    "roc_auc=0.8=0.9", "=", "",
])
def test_malformed_bounds_are_refused(text):
    assert split_bound(text) is None


def test_an_empty_name_is_left_to_the_caller():
    # parse_gates refuses it with its own message; split_bound only splits.
    assert split_bound(" =0.5") == ("", 0.5)
    assert not math.isnan(split_bound("x=1e308")[1])
