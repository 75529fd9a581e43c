"""`present` leaves out exactly the absent and empty values a shop sends, and keeps 0 and False."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from warehouse_tui.sync.connector import present

VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=3),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
)


@given(st.dictionaries(st.text(max_size=4), VALUES))
def test_present_drops_only_none_and_empty_texts_lists_and_mappings(values: dict[str, Any]) -> None:
    expected = {
        k: v for k, v in values.items() if v is not None and v != "" and v != [] and v != {}
    }
    assert present(values) == expected
    assert all(type(present(values)[k]) is type(v) for k, v in expected.items())
