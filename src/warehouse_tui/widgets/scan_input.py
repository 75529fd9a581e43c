"""Scans typed into a field: a keyboard-wedge scanner is keystrokes ending in Enter, and a
packer whose cursor sits in a PIN or quantity field still means the scan, not the field.

`ScanAwareInput` keeps what a person types and hands on, as `ScanReceived`, what a scanner
typed: a code shaped like one of ours or a GTIN, or a burst that came at scanner speed (the
`wedge_burst` setting, read from the app at each Enter, so a changed setting applies at once;
an app without that attribute is judged by shape alone). Textual's Input drops ctrl+] (the GS a
scanner sends for FNC1), so this field puts the GS in itself.
"""

from __future__ import annotations

from itertools import pairwise
from typing import TYPE_CHECKING, Any

from textual import events
from textual.message import Message
from textual.widgets import Input

if TYPE_CHECKING:
    from warehouse_tui.domain.wedge import WedgeBurst

GS = "\x1d"


class ScanReceived(Message):
    """A complete scan, from the keyboard wedge or a serial scanner. `by_scanner` is whether a
    scanner surely sent it (a serial scanner, or keys at scanner speed) rather than a person
    typing what a label says: a typed badge asks for the PIN."""

    def __init__(self, code: str, *, by_scanner: bool) -> None:
        super().__init__()
        self.code = code
        self.by_scanner = by_scanner


def at_scanner_speed(text: str, key_intervals: list[float], burst: WedgeBurst | None) -> bool:
    """Whether the keys came as a scanner sends them, as the `wedge_burst` setting says (never
    without the setting: then no one can tell)."""
    return (
        burst is not None
        and len(text) >= burst.min_length
        and bool(key_intervals)
        and max(key_intervals) * 1000 <= burst.max_key_interval_ms
    )


def looks_like_scan(text: str, key_intervals: list[float], burst: WedgeBurst | None) -> bool:
    """Text shaped like one of our codes or a GTIN, or a burst typed at scanner speed (as the
    `wedge_burst` setting says; by shape alone without it)."""
    from warehouse_tui.domain.barcodes import ScanKind, parse_scan

    if at_scanner_speed(text, key_intervals, burst):
        return True
    scan = parse_scan(text)
    return scan.valid and scan.kind not in (ScanKind.UNKNOWN, ScanKind.TRACKING)


def burst_of(app: object) -> WedgeBurst | None:
    """How fast the app says a keyboard-wedge burst comes (None until it knows, or for an app
    that never says). Read as a plain attribute: an isinstance check against a runtime
    Protocol costs ~12 µs on every scan."""
    burst: WedgeBurst | None = getattr(app, "wedge_burst", None)
    return burst


class WedgeKeys:
    """A keyboard-wedge scan collected from the keys a screen receives while no field has the
    focus: printable keys and the GS, up to Enter. Every floor screen and every dialog over one
    collects its scans with it, so no scan is lost whichever screen is on top."""

    def __init__(self) -> None:
        self._chars: list[str] = []
        self._times: list[float] = []

    def feed(self, event: events.Key, app: object) -> ScanReceived | bool:
        """Take one key if it belongs to a scan, and stop it: a printable key or the GS (True),
        or the Enter that ends some text (the scan it made, judged by the `wedge_burst`
        setting `app` has then). False for any other key, which goes on its way."""
        if event.key == "enter":
            typed = "".join(self._chars)
            intervals = [b - a for a, b in pairwise(self._times)]
            self._chars.clear()
            self._times.clear()
            code = typed.strip()
            if not code:
                return False
            event.stop()
            by_scanner = at_scanner_speed(typed, intervals, burst_of(app))
            return ScanReceived(code, by_scanner=by_scanner)
        if event.key == "ctrl+right_square_bracket":
            self._chars.append(GS)
        elif event.character and event.is_printable:
            self._chars.append(event.character)
            self._times.append(event.time)  # when the driver read it, not when handled
        else:
            return False
        event.stop()
        return True


class ScanAwareInput(Input):
    """A typed field (PIN, quantity, weight) that posts scans as `ScanReceived` instead of
    keeping them; the message bubbles to the screen."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._key_times: list[float] = []

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            text = self.value
            intervals = [b - a for a, b in pairwise(self._key_times)]
            self._key_times = []
            burst = burst_of(self.app)
            if text and looks_like_scan(text, intervals, burst):
                event.stop()
                event.prevent_default()
                self.value = ""
                by_scanner = at_scanner_speed(text, intervals, burst)
                self.post_message(ScanReceived(text, by_scanner=by_scanner))
                return
        elif event.key == "ctrl+right_square_bracket":
            event.stop()
            event.prevent_default()
            self.insert_text_at_cursor(GS)
            return
        elif event.character and event.is_printable:
            self._key_times.append(event.time)  # when the driver read it, not when handled
        await super()._on_key(event)
