"""A block of text the screen sets and the caption repaints only when it changes.

Screens that show a view read again after every scan set each part of it each time; most parts
did not change, and every update costs a repaint that the next scan's paint waits behind. The
reactive `text` compares the new text with the shown one, so only changed parts repaint. Plain
strings are shown as text, never as markup, with what a terminal would act on escaped
(`domain.text.on_screen`): they quote shop data. A Rich `Text` keeps its styles; whoever builds
one puts data in it through `on_screen`.
"""

from __future__ import annotations

from rich.text import Text
from textual.reactive import var
from textual.widgets import Static

from warehouse_tui.domain.text import on_screen


class Caption(Static):
    """Text set by the screen through `text`."""

    text: var[str | Text] = var("", init=False)

    def __init__(self, text: str | Text = "", *, id: str | None = None) -> None:
        super().__init__(_shown(text), id=id, markup=False)
        self.set_reactive(Caption.text, text)

    def watch_text(self, text: str | Text) -> None:
        self.update(_shown(text))


def _shown(text: str | Text) -> str | Text:
    return on_screen(text) if isinstance(text, str) else text
