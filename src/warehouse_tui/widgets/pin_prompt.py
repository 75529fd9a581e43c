"""Ask for a PIN over the screen: the second half of a supervisor's approval, after the badge.

A scanned badge alone proves only that someone holds the card; the PIN typed on the same
station proves the supervisor is there. The field hides what is typed and keeps leading zeros
(a PIN is a word, not a number). Enter answers with what was typed (None if nothing), Esc with
None. A scan made while the prompt is up is not a PIN: the prompt closes unanswered and the scan
goes on to the screen beneath (`ScanModal`).
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Static

from warehouse_tui.i18n import _
from warehouse_tui.widgets.scan_input import ScanAwareInput
from warehouse_tui.widgets.scan_modal import ScanModal


class PinPrompt(ScanModal[str]):
    """A question, a hidden field, Enter to answer and Esc to cancel."""

    DEFAULT_CSS = """
    PinPrompt {
        align: center middle;
    }
    PinPrompt > #pin-prompt {
        width: 90%;
        max-width: 60;
        height: auto;
        border: ascii $accent;
        background: $panel;
        padding: 0 1;
    }
    """
    BINDINGS: ClassVar = [Binding("escape", "cancel", _("Cancel"))]

    def __init__(self, question: str) -> None:
        super().__init__()
        self._question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="pin-prompt"):
            yield Static(self._question, id="pin-question", markup=False)
            yield ScanAwareInput(id="pin", password=True)
            yield Static(_("Enter confirm · Esc cancel"), classes="hint")

    @on(Input.Submitted, "#pin")
    def _submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
