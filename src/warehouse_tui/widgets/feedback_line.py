"""The line under every floor screen that says what became of the last scan or key.

The screen sets `outcome`; the line shows its message in the success or failure style (classes
`ok` and `fail`; the app recolours them from the `feedback` setting). The message is shown as
plain text, never as markup, with what a terminal would act on escaped: it quotes shop data
and scanned codes.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from textual.reactive import var
from textual.widgets import Static

from warehouse_tui.domain.text import on_screen


@dataclass(frozen=True)
class Outcome:
    """What became of an operator's scan or key, in words for the operator."""

    ok: bool
    message: str


class FeedbackLine(Static):
    """One coloured message: the outcome of the operator's last action."""

    DEFAULT_CSS = """
    FeedbackLine {
        height: auto;
        min-height: 1;
    }
    FeedbackLine.ok {
        color: $success;
        text-style: bold;
    }
    FeedbackLine.fail {
        color: $error;
        background: $error 15%;
        text-style: bold;
    }
    """

    outcome: var[Outcome | None] = var(None, init=False)

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__("", id=id, classes=classes, markup=False)

    def watch_outcome(self, outcome: Outcome | None) -> None:
        message = on_screen(outcome.message) if outcome is not None else ""
        # A message that fits the one line already there needs no new layout (a scan's message
        # usually does): the screen repaints this line alone, sooner.
        fits = self.size.height == 1 and cell_len(message) <= self.content_size.width
        self.update(message, layout=not fits or "\n" in message)
        self.set_class(outcome is not None and outcome.ok, "ok")
        self.set_class(outcome is not None and not outcome.ok, "fail")
