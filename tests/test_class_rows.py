"""The per-class table lists the worst classes by F1; an undefined F1 never ranks as worst."""

from hypothesis import given
from hypothesis import strategies as st

from clfdiag.render.text import MAX_CLASS_ROWS, class_rows

F1 = st.one_of(st.none(), st.sampled_from([0.0, 1.0]), st.floats(0.0, 1.0))


@given(st.lists(F1, min_size=MAX_CLASS_ROWS + 1, max_size=3 * MAX_CLASS_ROWS))
def test_undefined_f1_comes_after_every_defined_one(values):
    rows = [{"class": str(i), "f1": v} for i, v in enumerate(values)]
    shown, left_out = class_rows({"per_class": rows})
    assert left_out == len(rows) - MAX_CLASS_ROWS
    # Oracle: the defined values in ascending order, then the undefined ones.
    defined = sorted(v for v in values if v is not None)
    expected = (defined + [None] * values.count(None))[:MAX_CLASS_ROWS]
    assert [r["f1"] for r in shown] == expected


def test_f1_zero_is_shown_before_undefined():
    rows = [{"class": "never", "f1": None}, {"class": "zero", "f1": 0.0}] + [
        {"class": f"c{i}", "f1": 0.5} for i in range(MAX_CLASS_ROWS)]
    shown, _ = class_rows({"per_class": rows})
    assert shown[0]["class"] == "zero"
    assert "never" not in [r["class"] for r in shown]
