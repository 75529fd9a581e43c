"""Ask for one number over the screen: a typed quantity, a count on the shelf, a weight.

One prompt for every screen; what counts as an answer is the caller's choice of constructor:
`NumberPrompt.whole` (0, 1, 2 …: a count) or `NumberPrompt.positive` (more than zero, decimals
allowed: a weight). Anything else, or Esc, dismisses with None. The field is scan-aware: a scan
made while the prompt is up is not taken as the number; the prompt closes unanswered and the scan
goes on to the screen beneath (`ScanModal`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import ClassVar, Generic, Literal, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Static

from warehouse_tui.i18n import _
from warehouse_tui.widgets.scan_input import ScanAwareInput
from warehouse_tui.widgets.scan_modal import ScanModal

NumberT = TypeVar("NumberT", int, float)


def _whole(text: str) -> int | None:
    return int(text) if text.isdigit() else None


def _positive(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) and value > 0 else None


class NumberPrompt(ScanModal[NumberT], Generic[NumberT]):
    """A question, a number field, Enter to answer and Esc to cancel."""

    DEFAULT_CSS = """
    NumberPrompt {
        align: center middle;
    }
    NumberPrompt > #number-prompt {
        width: 90%;
        max-width: 60;
        height: auto;
        border: ascii $accent;
        background: $panel;
        padding: 0 1;
    }
    """
    BINDINGS: ClassVar = [Binding("escape", "cancel", _("Cancel"))]

    def __init__(
        self,
        question: str,
        read: Callable[[str], NumberT | None],
        input_type: Literal["integer", "number"],
    ) -> None:
        super().__init__()
        self._question = question
        self._read: Callable[[str], NumberT | None] = read
        self._input_type: Literal["integer", "number"] = input_type

    @classmethod
    def whole(cls, question: str) -> NumberPrompt[int]:
        """Answered by a whole number, zero included."""
        return NumberPrompt(question, _whole, "integer")

    @classmethod
    def positive(cls, question: str) -> NumberPrompt[float]:
        """Answered by a number above zero."""
        return NumberPrompt(question, _positive, "number")

    def compose(self) -> ComposeResult:
        with Vertical(id="number-prompt"):
            yield Static(self._question, id="number-question", markup=False)
            yield ScanAwareInput(id="number", type=self._input_type)
            yield Static(_("Enter confirm · Esc cancel"), classes="hint")

    @on(Input.Submitted, "#number")
    def _submitted(self, event: Input.Submitted) -> None:
        self.dismiss(self._read(event.value.strip()))

    def action_cancel(self) -> None:
        self.dismiss(None)
