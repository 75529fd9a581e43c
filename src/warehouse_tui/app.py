"""The Textual app: login first (painted before the database layer is imported), then the
operator's home and the floor screens.

The app owns what a station has once: the store, the station's devices (opened together by
`devices.station` when the store is open), the one service thread, the settings that shape
feedback. Screens reach these through `screens.host.ScreenHost`, which this app satisfies; they
never import this module."""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from textual import events
from textual.app import App
from textual.reactive import reactive

from warehouse_tui.domain.text import on_screen
from warehouse_tui.domain.wedge import WedgeBurst
from warehouse_tui.i18n import _, use_language
from warehouse_tui.screens.base import FloorScreen
from warehouse_tui.screens.login import LoginScreen
from warehouse_tui.store.address import DatabaseUnavailable
from warehouse_tui.widgets.scan_input import ScanReceived
from warehouse_tui.widgets.scan_modal import ScanModal

if TYPE_CHECKING:
    from warehouse_tui.devices.scanner import ScannerEvent
    from warehouse_tui.devices.station import StationDevices
    from warehouse_tui.services.auth import OperatorView
    from warehouse_tui.services.journal import Actor, DoubleTriggers
    from warehouse_tui.services.settings import Feedback
    from warehouse_tui.store.engine import Store
    from warehouse_tui.sync.outbox import SyncSummary

BELL_GAP_S = 0.15
UNPLUGGED_NOTICE_S = 24 * 3600  # shown until the scanner is back
SWITCH_INTERVAL_S = 0.0005
SYNC_POLL_S = 10.0  # how often the station bar re-reads the shop sync's state


class WarehouseApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "warehouse-tui"
    ENABLE_COMMAND_PALETTE = False

    sync_summary: reactive[SyncSummary | None] = reactive(None)

    def __init__(
        self,
        db: str,
        station: str,
        *,
        store: Store | None = None,
    ) -> None:
        # the store's feedback and wedge_burst settings, once it is open
        self._feedback: Feedback | None = None
        self.wedge_burst = WedgeBurst()  # the default until the store's setting is read
        self.duplicate_window_ms = 0
        self._last_scans: DoubleTriggers | None = None  # this station's, made on first use
        super().__init__()
        use_language("en")  # until an operator logs in
        self.db = db
        self.station = station
        self.operator: OperatorView | None = None
        self._store = store
        self._store_ready = threading.Event()
        self.store_error: str = ""
        self._devices: StationDevices | None = None  # opened with the store
        self.service_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="service")
        self._services_pending = 0  # asked for and not finished, their results shown included
        self._services_lock = threading.Lock()

    def on_mount(self) -> None:
        # Hand the interpreter between threads every 0.5 ms, not Python's default 5: a service
        # computing on its thread must not hold back the UI and the output thread for that long
        # (measured on the pack screen: a count reached the terminal 2.9 ms after its paint
        # while the parcel was re-read beside it, 0.5 ms with this).
        sys.setswitchinterval(SWITCH_INTERVAL_S)
        self.push_screen(LoginScreen())
        self.run_worker(self._open_store, thread=True, name="open-store")

    def _open_store(self) -> None:
        """Import the database layer and upgrade the schema, off the UI thread."""
        from warehouse_tui.services.importing import recover_imports
        from warehouse_tui.store.engine import failure_reason, open_database
        from warehouse_tui.store.migrate import upgrade

        try:
            store = self._store or open_database(self.db)
            upgrade(store)
            recover_imports(store)
            self._store = store
            self._devices = self._open_devices(store)
        except Exception as error:  # shown to the operator; the app stays up
            self.store_error = failure_reason(error) or f"{error.__class__.__name__}: {error}"
            self.call_from_thread(
                self.notify, on_screen(self.store_error), severity="error", timeout=30, markup=False
            )
            return
        finally:
            self._store_ready.set()
        self._use_station_settings(store)
        self.call_from_thread(self._poll_sync)

    def _poll_sync(self) -> None:
        """Read the shop sync's state for the station bars, then again SYNC_POLL_S after that
        read finishes (never two at once, however slow the database)."""
        self.run_worker(self._read_sync, thread=True, name="sync-state")

    def _read_sync(self) -> None:
        from dataclasses import replace
        from zoneinfo import ZoneInfo

        from warehouse_tui.services.settings import get_setting
        from warehouse_tui.sync.outbox import sync_summary

        try:
            summary = sync_summary(self.store)
            with self.store.read() as session:
                zone = ZoneInfo(get_setting(session, "timezone"))
        except Exception as error:  # the bar goes quiet; the floor goes on
            self.log.warning(f"sync state: {error}")
        else:
            pulled = summary.last_pull_at
            local = replace(summary, last_pull_at=pulled.astimezone(zone) if pulled else None)
            self.call_from_thread(setattr, self, "sync_summary", local)
        self.call_from_thread(self.set_timer, SYNC_POLL_S, self._poll_sync)

    def _open_devices(self, store: Store) -> StationDevices:
        """The station's devices as the database lists them; a serial scanner's scans reach the
        active screen as the same message a wedge's do."""
        from warehouse_tui.devices.station import StationDevices
        from warehouse_tui.services.stations import station_devices

        def from_scanner_thread(event: ScannerEvent) -> None:
            self.call_from_thread(self._scanner_event, event)

        from warehouse_tui.config import files_dir

        rows = station_devices(store, self.station)
        return StationDevices(rows, from_scanner_thread, files_dir(self.db)).open()

    def _use_station_settings(self, store: Store) -> None:
        """Read the feedback, wedge_burst and double-trigger settings: when the store opens, and
        again at each log-in, so a change reaches every station without a restart."""
        from warehouse_tui.services.settings import feedback_style, get_setting, wedge_burst

        with store.read() as session:
            feedback, burst = feedback_style(session), wedge_burst(session)
            self.duplicate_window_ms = int(get_setting(session, "duplicate_scan_window_ms"))
        colours = (feedback.ok_colour, feedback.fail_colour)
        before = self._feedback
        self._feedback, self.wedge_burst = feedback, burst
        if colours != ((before.ok_colour, before.fail_colour) if before else ("", "")):
            self.call_from_thread(self.refresh_css)

    def double_trigger(self, code: str, at: float) -> str:
        """Why this scan is refused as a scanner's double trigger (the same code as this
        station's last scan, inside the window), or "". Checked for every scan on every screen;
        the counting services check again for callers without a screen."""
        if not self.duplicate_window_ms:
            return ""
        from warehouse_tui.services.journal import DoubleTriggers, double_trigger_refusal

        if self._last_scans is None:
            self._last_scans = DoubleTriggers()
        since_same = self._last_scans.arrive(self.station, "screen", code, at)
        return double_trigger_refusal(since_same, self.duplicate_window_ms)

    def get_css_variables(self) -> dict[str, str]:
        """The theme's, plus $scan-ok and $scan-fail: the feedback colours the setting names."""
        variables = super().get_css_variables()
        feedback = self._feedback
        variables["scan-ok"] = (feedback and feedback.ok_colour) or variables["success"]
        variables["scan-fail"] = (feedback and feedback.fail_colour) or variables["error"]
        return variables

    async def on_event(self, event: events.Event) -> None:
        """A key that belongs to a keyboard-wedge scan goes straight to the collector of the
        screen on top (`wedge_key`) while nothing on that screen has the focus. Textual would
        pass it on to that screen through the screen's own message queue, only for the same
        collector to take it there: measured on the pack screen, that hop was half the
        handling of an EAN's 14 keys (0.7 of 1.35 ms of CPU), all before the scan could reach
        its service. No key a scan is made of (printable, the GS, Enter) is a priority
        binding, which Textual would check first. Any other key, and every key while a field,
        a table or a menu has the focus (it may want the key), goes Textual's way."""
        if isinstance(event, events.Key) and not event.is_forwarded:
            screen = self.screen
            if (
                screen.focused is None
                and isinstance(screen, FloorScreen | ScanModal)
                and screen.wedge_key(event)
            ):
                if not self.app_focus:
                    self.app_focus = True  # as Textual notes on any key
                return
        await super().on_event(event)

    def _scanner_event(self, event: ScannerEvent) -> None:
        from warehouse_tui.devices.scanner import Scanned, ScannerConnected, ScannerDisconnected

        if isinstance(event, Scanned):
            self.screen.post_message(ScanReceived(event.code, by_scanner=True))
        elif isinstance(event, ScannerConnected):
            self.clear_notifications()  # the unplugged notice stays up until now
            self.notify(_("Scanner connected"), timeout=3)
        else:
            self.sound(False)
            lasting = isinstance(event, ScannerDisconnected)
            self.notify(
                on_screen(event.reason),
                markup=False,
                severity="error",
                timeout=UNPLUGGED_NOTICE_S if lasting else 8,
            )

    def on_unmount(self) -> None:
        if self._devices is not None:
            self._devices.close()
        self.service_thread.shutdown(wait=False, cancel_futures=True)

    def submit_service(self, work: Callable[[], None]) -> None:
        """Queue `work` on the service thread, counted until it has finished."""

        def counted() -> None:
            try:
                work()
            finally:
                with self._services_lock:
                    self._services_pending -= 1

        with self._services_lock:
            self._services_pending += 1
        self.service_thread.submit(counted)

    async def services_done(self) -> None:
        """Wait until every service asked for has run and its result is shown, including
        services that showing a result asked for in turn."""
        while True:
            await asyncio.wrap_future(self.service_thread.submit(lambda: None))
            with self._services_lock:
                if not self._services_pending:
                    return

    @property
    def store(self) -> Store:
        """The Store; blocks until it is open, so call it from workers, not the UI thread."""
        self._store_ready.wait()
        if self._store is None:
            raise DatabaseUnavailable(self.store_error)
        return self._store

    @property
    def devices(self) -> StationDevices:
        """The station's devices, open; blocks until the store is, like `store`."""
        self._store_ready.wait()
        if self._devices is None:
            raise DatabaseUnavailable(self.store_error)
        return self._devices

    def actor_for(self, screen: str) -> Actor:
        from warehouse_tui.services.journal import Actor

        return Actor(self.operator.id if self.operator else None, self.station, screen)

    def sound(self, ok: bool) -> None:
        """Distinct sounds: by default success rings once, failure three times (the feedback
        setting says how many); silent until the store is open."""
        feedback = self._feedback
        if feedback is None:
            return
        bells = feedback.ok_bells if ok else feedback.fail_bells
        if bells:
            self.bell()  # at once: a timer per scan would cost more than the bell
        for index in range(1, bells):
            self.set_timer(index * BELL_GAP_S, self.bell)

    def logged_in(self, operator: OperatorView) -> None:
        from warehouse_tui.screens.home import HomeScreen

        self.operator = operator
        use_language(operator.language)
        self.submit_service(lambda: self._use_station_settings(self.store))
        self.switch_screen(HomeScreen())

    def log_out(self, badge: str = "") -> None:
        """Back to the log-in; with `badge`, a typed badge waits there for its PIN."""
        self.operator = None
        use_language("en")
        self.switch_screen(LoginScreen(badge))


def run_app(db: str, station: str) -> None:
    WarehouseApp(db, station).run()
