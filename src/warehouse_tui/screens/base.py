"""What every floor screen shares: scans collected at screen level, F1 help, feedback, services
run off the UI thread.

A keyboard-wedge scanner is keystrokes ending in Enter. Textual's Input drops ctrl+] (the GS a
scanner sends for FNC1), so scans are collected here, by the screen (`wedge_key`: from the
screen's key handler, or straight from the app while nothing has the focus); typed fields
are `ScanAwareInput`s, which post a scan-shaped burst as `ScanReceived` instead of keeping it,
and a serial scanner's scans arrive as the same message. Screens reach the app only through
`ScreenHost`.
"""

from __future__ import annotations

import asyncio
import contextvars
import time
from collections.abc import Callable
from contextlib import suppress
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Input, Static

from warehouse_tui.domain.text import on_screen
from warehouse_tui.i18n import _
from warehouse_tui.store.address import DatabaseUnavailable
from warehouse_tui.widgets.feedback_line import FeedbackLine, Outcome
from warehouse_tui.widgets.scan_input import ScanReceived, WedgeKeys
from warehouse_tui.widgets.scan_modal import ScanModal
from warehouse_tui.widgets.station_bar import StationBar

if TYPE_CHECKING:
    from warehouse_tui.screens.host import ScreenHost
    from warehouse_tui.services.auth import Approval
    from warehouse_tui.services.journal import Actor
    from warehouse_tui.store.engine import Store
    from warehouse_tui.sync.outbox import SyncSummary

ResultT = TypeVar("ResultT")
# The smallest terminal a floor screen is drawn for: a handheld's.
MIN_WIDTH, MIN_HEIGHT = 40, 16


class HelpScreen(ScanModal[None]):
    """F1: what this step of the floor process is, in the operator's language."""

    BINDINGS: ClassVar = [Binding("escape,f1", "dismiss", _("Close"))]

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self._title = title
        self._text = text

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Static(self._title, id="help-title")
            yield Static(self._text, id="help-text")
            yield Static(
                _("F12 looks up a product by any of its codes. Esc closes this help."),
                id="help-hint",
            )


class FloorScreen(Screen[Any]):
    """Base of every floor screen: subclasses implement `handle_scan` and set `HELP`."""

    HELP: ClassVar[str] = ""
    TITLE_TEXT: ClassVar[str] = ""
    BINDINGS: ClassVar = [
        Binding("f1", "help", _("Help"), priority=True),
        Binding("f12", "look_up", _("Look up"), priority=True),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._wedge_keys = WedgeKeys()
        # When the scan being handled reached this screen (monotonic clock): services judge
        # double triggers by it, however long the scan waits for the service thread.
        self.scanned_at = 0.0
        # Whether a scanner surely sent it (keys at scanner speed, a serial scanner) rather
        # than a person typing a label's text: the log-in asks a typed badge for the PIN.
        self.scan_by_scanner = False

    @property
    def host(self) -> ScreenHost:
        """The app, as far as a screen needs it."""
        return cast("ScreenHost", self.app)

    @property
    def actor(self) -> Actor:
        return self.host.actor_for(self.__class__.__name__)

    @property
    def store(self) -> Store:
        return self.host.store

    def handle_scan(self, code: str) -> None:
        raise NotImplementedError

    @on(events.Mount)
    def _mount_station_bar(self) -> None:
        """Every floor screen names its station and operator and shows the shop sync's state."""
        bar = StationBar()
        bar.station = self.host.station
        operator = self.host.operator
        bar.operator = operator.name if operator else ""
        self.mount(bar, before=0)

        def show_sync(summary: SyncSummary | None) -> None:
            bar.sync = summary

        self.watch(self.app, "sync_summary", show_sync)

    @on(events.Mount)
    @on(events.Resize)
    def _judge_size(self) -> None:
        """Below the smallest terminal the floor is drawn for, one plain message instead of a
        clipped screen; scans are still collected, and the screen returns once it fits."""
        width, height = self.app.size
        too_small = width < MIN_WIDTH or height < MIN_HEIGHT
        if too_small and not self.query("#too-small"):
            self.mount(
                Static(
                    _("Terminal too small: {need} needed").format(need=f"{MIN_WIDTH}×{MIN_HEIGHT}"),
                    id="too-small",
                )
            )
        self.set_class(too_small, "-too-small")

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(_(self.TITLE_TEXT), _(self.HELP)))

    def action_look_up(self) -> None:
        """F12: a product from any of its codes, on every screen once someone is logged in."""
        from warehouse_tui.screens.lookup import LookupScreen

        if self.host.operator is None:
            self.feedback(False, _("Log in first, then F12 looks up a product"))
            return
        self.app.push_screen(LookupScreen(self))

    def on_key(self, event: events.Key) -> None:
        self.wedge_key(event)

    def wedge_key(self, event: events.Key) -> bool:
        """Collect a key of a keyboard-wedge scan, unless a field has the focus; whether it was
        one (the scan an Enter completes is taken). The screen's key handler calls it, and the
        app calls it first while nothing on the screen has the focus (`WarehouseApp.on_event`)."""
        if isinstance(self.focused, Input):
            return False
        taken = self._wedge_keys.feed(event, self.app)
        if isinstance(taken, ScanReceived):
            self._take_scan(taken.code, by_scanner=taken.by_scanner)
        return taken is not False

    @on(ScanReceived)
    def _scan_from_elsewhere(self, message: ScanReceived) -> None:
        message.stop()
        self._take_scan(message.code, by_scanner=message.by_scanner)

    def _take_scan(self, code: str, *, by_scanner: bool) -> None:
        self.scanned_at = time.monotonic()
        self.scan_by_scanner = by_scanner
        refusal = self.host.double_trigger(code, self.scanned_at)
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

    def with_supervisor_pin(
        self, badge: str, dropped: str, then: Callable[[Approval], None]
    ) -> None:
        """A supervisor's badge was scanned to approve a step: ask for their PIN, then
        `then(approval)`; with no PIN the step is dropped (`dropped` says which) and journaled."""
        from warehouse_tui.services.auth import Approval
        from warehouse_tui.widgets.pin_prompt import PinPrompt

        def pin_typed(pin: str | None) -> None:
            if pin is None:
                self.refuse_scan(badge, dropped)
                return
            then(Approval(badge, pin))

        self.app.push_screen(
            PinPrompt(_("Supervisor's PIN for {badge}").format(badge=badge)), pin_typed
        )

    def call_service(
        self, service: Callable[[], ResultT], *, then: Callable[[ResultT], None] | None = None
    ) -> None:
        """Run `service` (a call with its arguments bound, as a lambda) on the app's service
        thread, then `then(result)` on the UI thread; `then` takes what the service returns.

        One long-lived thread runs a station's services one at a time, in the order they were
        asked for: scans count in the order they were made. Handing the call straight to that
        thread, rather than through a worker, saves two hops between threads on every scan.
        A database that did not open is refused on screen, like a wrong scan: the operator reads
        why and the app stays up. Any other exception in a service (or `then`) stops the app
        with its traceback, as a failed worker would."""

        def work() -> None:
            try:
                result = service()
                if then is not None:
                    self.app.call_from_thread(then, result)
            except DatabaseUnavailable as error:
                with suppress(RuntimeError):  # raised when the app has stopped already
                    self.app.call_from_thread(self.feedback, False, str(error))
            except Exception as error:  # in the service or in `then`
                with suppress(RuntimeError):  # raised when the app has stopped already
                    self.app.call_from_thread(self.app._handle_exception, error)

        self.host.submit_service(work)

    def poster(self) -> Callable[[Callable[[], None]], None]:
        """On the UI thread, before asking for a service that shows something part way: a
        function through which that service hands callbacks to the UI thread. Each runs there
        in order, as soon as the UI thread is free, and the service does not wait for it.
        `call_from_thread` waits: it makes a task and a future, and wakes the service thread
        again once the callback is done (measured: ~100 µs more of the two threads' time per
        hop, and a scan's count waits behind it). A callback that raises stops the app, as a
        service does."""
        loop, context = asyncio.get_running_loop(), contextvars.copy_context()

        def post(callback: Callable[[], None]) -> None:
            def run() -> None:
                try:
                    callback()
                except Exception as error:
                    self.app._handle_exception(error)

            loop.call_soon_threadsafe(run, context=context.copy())

        return post

    @cached_property
    def _feedback_line(self) -> FeedbackLine | None:
        """The screen's feedback line, looked up once: a query walks the whole screen, which on
        every scan costs more than painting the message."""
        found = self.query(FeedbackLine)
        return found.first() if found else None

    def feedback(self, ok: bool, message: str) -> None:
        """The outcome in the screen's feedback line, and the success or failure sound."""
        self.host.sound(ok)
        line = self._feedback_line
        if line is None:
            self.notify(on_screen(message), severity="information" if ok else "error", markup=False)
            return
        line.outcome = Outcome(ok, message)
