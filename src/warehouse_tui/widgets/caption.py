"""A block of text the screen sets and the caption repaints only when it changes.

Screens that show a view read again after every scan set each part of it each time; most parts
did not change, and every update costs a repaint that the next scan's paint waits behind. The
reactive `text` compares the new text with the shown one, so only changed parts repaint. Plain
strings are shown as they are, never as markup (they quote shop data); a Rich `Text` keeps its
styles.
"""

from __future__ import annotations

from rich.text import Text
from textual.reactive import var
from textual.widgets import Static


class Caption(Static):
    """Text set by the screen through `text`."""

    text: var[str | Text] = var("", init=False)

    def __init__(self, text: str | Text = "", *, id: str | None = None) -> None:
        super().__init__(text, id=id, markup=False)
        self.set_reactive(Caption.text, text)

    def watch_text(self, text: str | Text) -> None:
        self.update(text)
