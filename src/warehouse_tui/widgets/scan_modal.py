"""The base of every dialog over a floor screen: nothing scanned while it is up is lost.

A scan reaches a dialog three ways: keys at the dialog while no field has the focus (collected
like a floor screen's), a scan-shaped burst in one of its `ScanAwareInput` fields, or a serial
scanner's `ScanReceived`. A dialog that asks for a scan takes it by overriding `take_scan`;
any other closes unanswered (dismissed with None) and hands the scan on to the screen beneath,
which handles it as if the dialog had never been there, so the operator sees its outcome.
Scans that follow find the floor screen on top already.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from textual import events, on
from textual.screen import ModalScreen, Screen
from textual.widgets import Input

from warehouse_tui.widgets.scan_input import ScanReceived, WedgeKeys

AnswerT = TypeVar("AnswerT")


class ScanModal(ModalScreen[AnswerT | None], Generic[AnswerT]):
    """A dialog answered with an `AnswerT`, or None when cancelled or closed by a scan."""

    def __init__(self) -> None:
        super().__init__()
        self._wedge_keys = WedgeKeys()

    def take_scan(self, code: str) -> bool:
        """Whether this dialog takes `code` as its own answer (a dialog that asks for a scan
        says True and acts on it); by default it does not, and the scan goes beneath."""
        return False

    def on_key(self, event: events.Key) -> None:
        self.wedge_key(event)

    def wedge_key(self, event: events.Key) -> bool:
        """Collect a key of a keyboard-wedge scan, unless a field has the focus; whether it was
        one (the scan an Enter completes is handled). As a floor screen's `wedge_key`."""
        if isinstance(self.focused, Input):
            return False
        taken = self._wedge_keys.feed(event, self.app)
        if isinstance(taken, ScanReceived):
            self._scanned(taken.code, by_scanner=taken.by_scanner)
        return taken is not False

    @on(ScanReceived)
    def _scan_arrived(self, message: ScanReceived) -> None:
        message.stop()
        self._scanned(message.code, by_scanner=message.by_scanner)

    def _scanned(self, code: str, *, by_scanner: bool) -> None:
        if self.take_scan(code):
            return
        beneath = self._beneath()
        self.dismiss(None)
        if beneath is not None:
            beneath.post_message(ScanReceived(code, by_scanner=by_scanner))

    def _beneath(self) -> Screen[object] | None:
        stack = self.app.screen_stack
        if self not in stack:
            return None
        index = stack.index(self)
        return stack[index - 1] if index > 0 else None
