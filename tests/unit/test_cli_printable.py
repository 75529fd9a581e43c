"""What the command line prints of scanned or imported text: control and format characters
escaped in plain text, JSON's own escapes in JSON, the data itself never changed."""

from __future__ import annotations

import io
import json
import unicodedata
from contextlib import redirect_stdout

from hypothesis import given
from hypothesis import strategies as st

from warehouse_tui.commands.common import UNSAFE_CATEGORIES, emit_exact, printable


def unsafe(text: str) -> bool:
    return any(unicodedata.category(char) in UNSAFE_CATEGORIES for char in text)


@given(st.text())
def test_printable_leaves_nothing_a_terminal_acts_on_and_can_be_read_back(text: str) -> None:
    shown = printable(text)
    assert not unsafe(shown)
    assert shown.encode("latin-1", "backslashreplace").decode("unicode_escape") == text


@given(st.dictionaries(st.text(), st.one_of(st.text(), st.integers(), st.none()), max_size=4))
def test_json_lines_are_safe_to_print_and_decode_unchanged(obj: dict[str, object]) -> None:
    out = io.StringIO()
    with redirect_stdout(out):
        emit_exact(obj)
    line = out.getvalue()
    assert line.endswith("\n") and line.count("\n") == 1
    assert not unsafe(line[:-1])
    assert json.loads(line) == obj


def test_text_without_controls_is_printed_as_it_is() -> None:
    assert printable("李娜 Li Na, ул. Мира 5 — עברית") == "李娜 Li Na, ул. Мира 5 — עברית"
