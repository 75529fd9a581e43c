"""What every floor screen shares: scans collected at screen level, F1 help, feedback, services
run off the UI thread.

A keyboard-wedge scanner is keystrokes ending in Enter. Textual's Input drops ctrl+] (the GS a
scanner sends for FNC1), so scans are collected here, in the screen's key handler, and typed
fields use ScanAwareInput, which hands a scan-shaped burst to the screen instead of keeping it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import suppress
from functools import cached_property
from itertools import pairwise
from typing import TYPE_CHECKING, Any, ClassVar

from rich.cells import cell_len
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, Static

from warehouse_tui.i18n import _

if TYPE_CHECKING:
    from warehouse_tui.app import WarehouseApp
    from warehouse_tui.services.journal import Actor
    from warehouse_tui.services.settings import WedgeBurst
    from warehouse_tui.store.engine import Store

GS = "\x1d"


class ScanReceived(Message):
    """A complete scan, from the keyboard wedge or a serial scanner."""

    def __init__(self, code: str) -> None:
        super().__init__()
        self.code = code


def looks_like_scan(text: str, key_intervals: list[float], burst: WedgeBurst | None) -> bool:
    """Text shaped like one of our codes or a GTIN, or a burst typed at scanner speed (as the
    `wedge_burst` setting says; by shape alone until the store is open)."""
    from warehouse_tui.domain.barcodes import ScanKind, parse_scan

    if (
        burst is not None
        and len(text) >= burst.min_length
        and key_intervals
        and max(key_intervals) * 1000 <= burst.max_key_interval_ms
    ):
        return True
    scan = parse_scan(text)
    return scan.valid and scan.kind not in (ScanKind.UNKNOWN, ScanKind.TRACKING)


class ScanAwareInput(Input):
    """A typed field (PIN, quantity, weight) that passes scans on to its screen."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._key_times: list[float] = []

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            text = self.value
            times = self._key_times
            intervals = [b - a for a, b in pairwise(times)]
            self._key_times = []
            burst = self.app.wedge_burst  # type: ignore[attr-defined]
            if text and looks_like_scan(text, intervals, burst):
                event.stop()
                event.prevent_default()
                self.value = ""
                self.screen.post_message(ScanReceived(text))
                return
        elif event.key == "ctrl+right_square_bracket":
            event.stop()
            event.prevent_default()
            self.insert_text_at_cursor(GS)
            return
        elif event.character and event.is_printable:
            self._key_times.append(time.monotonic())
        await super()._on_key(event)


class HelpScreen(ModalScreen[None]):
    """F1: what this step of the floor process is, in the operator's language."""

    BINDINGS: ClassVar = [Binding("escape,f1,q", "dismiss", _("Close"))]

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self._title = title
        self._text = text

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Static(self._title, id="help-title")
            yield Static(self._text, id="help-text")
            yield Static(_("Esc closes this help."), id="help-hint")


class FloorScreen(Screen[Any]):
    """Base of every floor screen: subclasses implement `handle_scan` and set `HELP`."""

    HELP: ClassVar[str] = ""
    TITLE_TEXT: ClassVar[str] = ""
    BINDINGS: ClassVar = [Binding("f1", "help", _("Help"), priority=True)]

    def __init__(self) -> None:
        super().__init__()
        self._scan_buffer: list[str] = []
        # When the scan being handled reached this screen (monotonic clock): services judge
        # double triggers by it, however long the scan waits for the service thread.
        self.scanned_at = 0.0

    @property
    def wapp(self) -> WarehouseApp:
        return self.app  # type: ignore[return-value]

    @property
    def actor(self) -> Actor:
        return self.wapp.actor_for(self.__class__.__name__)

    @property
    def store(self) -> Store:
        return self.wapp.store

    def handle_scan(self, code: str) -> None:
        raise NotImplementedError

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(_(self.TITLE_TEXT), _(self.HELP)))

    def on_key(self, event: events.Key) -> None:
        if isinstance(self.focused, Input):
            return
        if event.key == "enter":
            code = "".join(self._scan_buffer).strip()
            self._scan_buffer.clear()
            if code:
                event.stop()
                self._take_scan(code)
        elif event.key == "ctrl+right_square_bracket":
            self._scan_buffer.append(GS)
            event.stop()
        elif event.character and event.is_printable:
            self._scan_buffer.append(event.character)
            event.stop()

    @on(ScanReceived)
    def _scan_from_elsewhere(self, message: ScanReceived) -> None:
        message.stop()
        self._take_scan(message.code)

    def _take_scan(self, code: str) -> None:
        self.scanned_at = time.monotonic()
        refusal = self.wapp.double_trigger(code, self.scanned_at)
        if refusal:
            self.refuse_scan(code, refusal)
            return
        self.handle_scan(code)

    def journal_scan(self, code: str, *, accepted: bool, reason: str) -> None:
        """Journal a scan this screen settled itself (every scan is journaled)."""
        from warehouse_tui.services.journal import journal_scan

        actor = self.actor
        self.call_service(
            lambda: journal_scan(self.store, actor, code, accepted=accepted, reason=reason)
        )

    def refuse_scan(self, code: str, reason: str) -> None:
        """A scan this screen refuses before any service: shown, sounded and journaled."""
        self.feedback(False, reason)
        self.journal_scan(code, accepted=False, reason=reason)

    def call_service(
        self,
        fn: Callable[..., Any],
        *args: Any,
        then: Callable[[Any], None] | None = None,
        **kwargs: Any,
    ) -> None:
        """Run a service on the app's service thread, then `then(result)` on the UI thread.

        One long-lived thread runs a station's services one at a time, in the order they were
        asked for: scans count in the order they were made. Handing the call straight to that
        thread, rather than through a worker, saves two hops between threads on every scan.
        A service (or `then`) that raises stops the app with its traceback, as a failed worker
        would."""

        def work() -> None:
            try:
                result = fn(*args, **kwargs)
                if then is not None:
                    self.app.call_from_thread(then, result)
            except Exception as error:  # in the service or in `then`
                with suppress(RuntimeError):  # raised when the app has stopped already
                    self.app.call_from_thread(self.app._handle_exception, error)

        self.wapp.submit_service(work)

    @cached_property
    def _feedback_line(self) -> Static | None:
        """The screen's `#feedback` line, looked up once: a query walks the whole screen, which
        on every scan costs more than painting the message."""
        found = self.query("#feedback")
        return found.first(Static) if found else None

    def feedback(self, ok: bool, message: str) -> None:
        """A coloured message in the screen's `#feedback` line, and the success or failure sound."""
        self.wapp.sound(ok)
        widget = self._feedback_line
        if widget is None:
            self.notify(message, severity="information" if ok else "error")
            return
        # A message that fits the one line already there needs no new layout (a scan's message
        # usually does): the screen repaints this line alone, sooner.
        fits = widget.size.height == 1 and cell_len(message) <= widget.content_size.width
        widget.update(message, layout=not fits or "\n" in message)
        widget.set_class(ok, "ok")
        widget.set_class(not ok, "fail")
