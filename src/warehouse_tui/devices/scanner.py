"""Serial and USB-CDC barcode scanners: bytes from a port → `Scanned` events, through unplugs.

A scanner sends each code followed by a suffix: CR, LF or CR LF, or nothing, in which case the
code ends when the line stays idle for `idle_timeout` seconds. Scanners send a whole code in one
burst, so bytes that stop for longer than `idle_timeout` without their suffix are a torn frame
and are refused. So is garbage: bytes that are not UTF-8 text, or control bytes other than the
GS (ASCII 29) that stands for FNC1 in GS1 codes, which is kept.

`SerialScanner` reads in a background thread and hands every event to a callback, from that
thread (a Textual app posts it on as a message). When the port fails (the scanner is unplugged)
it reports `ScannerDisconnected` and tries to open the same path again every `reopen_interval`
seconds; give it a stable path (/dev/serial/by-id/…) so the scanner is found again under the
same name. `SimulatedSerialScanner` is its twin for the demo and the tests.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Literal

from warehouse_tui.devices.serialport import (
    EIGHT_N_ONE,
    PORT_FAILURES,
    READ_SLICE,
    SerialPort,
    escape_bytes,
    open_port,
    open_raw_pty,
    read_available,
)
from warehouse_tui.i18n import _

Suffix = Literal["CR", "LF", "CRLF", "idle"]
SUFFIX_BYTES: dict[str, bytes] = {"CR": b"\r", "LF": b"\n", "CRLF": b"\r\n", "idle": b""}
GROUP_SEPARATOR = "\x1d"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Scanned:
    """A code read whole. `at` is time.monotonic() when its last byte arrived."""

    code: str
    source: str
    at: float


@dataclass(frozen=True)
class ScannerProblem:
    """Bytes refused as a scan; `raw` shows them escaped, for the journal."""

    reason: str
    source: str
    raw: str


@dataclass(frozen=True)
class ScannerConnected:
    source: str


@dataclass(frozen=True)
class ScannerDisconnected:
    source: str
    reason: str


ScannerEvent = Scanned | ScannerProblem | ScannerConnected | ScannerDisconnected


class ScanRejected(ValueError):
    """A frame that is not a scan; the message is for the operator."""


@dataclass(frozen=True)
class TornFrame:
    """Bytes that stopped arriving before their suffix did."""

    data: bytes


def decode_scan(frame: bytes) -> str:
    """The code in `frame` (its suffix already removed), or ScanRejected saying why not."""
    try:
        code = frame.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ScanRejected(_("Garbled scan (not text): scan again")) from error
    if not code.replace(GROUP_SEPARATOR, "").isprintable():
        raise ScanRejected(_("Garbled scan (control characters): scan again"))
    return code


class ScanFramer:
    """Cuts a byte stream into frames by suffix or idle gap; pure, the clock is passed in."""

    def __init__(self, suffix: Suffix, idle_timeout: float) -> None:
        if suffix not in SUFFIX_BYTES:
            raise ValueError(f"scanner suffix must be CR, LF, CRLF or idle, not {suffix!r}")
        self.terminator = SUFFIX_BYTES[suffix]
        self.idle_timeout = idle_timeout
        self._pending = bytearray()
        self._last_byte_at = 0.0

    def feed(self, data: bytes, now: float) -> list[bytes | TornFrame]:
        """Take `data` (possibly none) read at `now`; return the frames it completes, in order.

        A frame idle for `idle_timeout` is complete in idle mode and torn in the others.
        """
        frames: list[bytes | TornFrame] = []
        if data:
            self._pending += data
            self._last_byte_at = now
        while self.terminator and (end := self._pending.find(self.terminator)) >= 0:
            frames.append(bytes(self._pending[:end]))
            del self._pending[: end + len(self.terminator)]
        if self._pending and now - self._last_byte_at >= self.idle_timeout:
            pending = self.take_pending()
            frames.append(TornFrame(pending) if self.terminator else pending)
        return frames

    def take_pending(self) -> bytes:
        """The bytes of the unfinished frame, forgotten by the framer."""
        pending = bytes(self._pending)
        self._pending.clear()
        return pending


class SerialScanner:
    """Reads a serial scanner in a background thread and reports events to `on_event`.

    Use as a context manager, or call `start` and `stop`. `on_event` runs in the reader thread.
    """

    def __init__(
        self,
        port_url: str,
        on_event: Callable[[ScannerEvent], None],
        *,
        suffix: Suffix = "CR",
        idle_timeout: float = 0.05,
        baud: int = 9600,
        reopen_interval: float = 1.0,
    ) -> None:
        self._framer = ScanFramer(suffix, idle_timeout)
        self.port_url = port_url
        self.on_event = on_event
        self.idle_timeout = idle_timeout
        self.baud = baud
        self.reopen_interval = reopen_interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"scanner {port_url}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def __enter__(self) -> SerialScanner:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _run(self) -> None:
        reported_absent = False
        while not self._stop.is_set():
            try:
                port = open_port(
                    self.port_url, self.baud, EIGHT_N_ONE, min(READ_SLICE, self.idle_timeout / 2)
                )
            except PORT_FAILURES as error:
                if not reported_absent:
                    reason = _("Cannot open the scanner port ({detail})").format(detail=error)
                    self._emit(ScannerDisconnected(self.port_url, reason))
                    reported_absent = True
                self._stop.wait(self.reopen_interval)
                continue
            reported_absent = False
            self._emit(ScannerConnected(self.port_url))
            with port:
                failure = self._read_until_failure(port)
            if failure is not None:
                reason = _("Scanner unplugged or its port failed ({detail})").format(detail=failure)
                self._emit(ScannerDisconnected(self.port_url, reason))
                reported_absent = True

    def _read_until_failure(self, port: SerialPort) -> Exception | None:
        """Read and report scans until stopped (None) or the port fails (the error)."""
        while not self._stop.is_set():
            try:
                data = read_available(port)
            except PORT_FAILURES as error:
                if leftover := self._framer.take_pending():
                    self._emit(self._event_for(TornFrame(leftover), time.monotonic()))
                return error
            now = time.monotonic()
            for frame in self._framer.feed(data, now):
                if frame:
                    self._emit(self._event_for(frame, now))
        return None

    def _event_for(self, frame: bytes | TornFrame, now: float) -> Scanned | ScannerProblem:
        if isinstance(frame, TornFrame):
            reason = _("Torn scan (the end of the code never came): scan again")
            return ScannerProblem(reason, self.port_url, escape_bytes(frame.data))
        try:
            return Scanned(decode_scan(frame), self.port_url, now)
        except ScanRejected as rejected:
            return ScannerProblem(str(rejected), self.port_url, escape_bytes(frame))

    def _emit(self, event: ScannerEvent) -> None:
        try:
            self.on_event(event)
        except Exception:
            # A failing receiver must not silence the scanner for the rest of the shift.
            log.exception("scanner event handler failed on %r", event)


class SimulatedSerialScanner:
    """A scanner on a pty, reachable at the stable symlink `link` (like /dev/serial/by-id/…).

    `unplug` removes the link and closes the pty; `replug` opens a new pty and points the link
    at it, as udev does when the scanner comes back.
    """

    def __init__(self, link: str | os.PathLike[str], *, suffix: Suffix = "CR") -> None:
        self.link = Path(link)
        self.suffix_bytes = SUFFIX_BYTES[suffix]
        self._fds: tuple[int, int] | None = None
        self.replug()

    @property
    def port(self) -> str:
        return str(self.link)

    @property
    def plugged(self) -> bool:
        return self._fds is not None

    def scan(self, code: str) -> None:
        """Send `code` as the scanner would: UTF-8 and the suffix."""
        self.send(code.encode("utf-8") + self.suffix_bytes)

    def send(self, data: bytes) -> None:
        """Put raw bytes on the line (torn frames, garbage)."""
        if self._fds is None:
            raise OSError("the simulated scanner is unplugged")
        os.write(self._fds[0], data)

    def unplug(self) -> None:
        if self._fds is None:
            return
        self.link.unlink(missing_ok=True)
        for fd in self._fds:
            os.close(fd)
        self._fds = None

    def replug(self) -> None:
        if self._fds is not None:
            return
        master, slave, path = open_raw_pty()
        self._fds = (master, slave)
        fresh_link = self.link.with_name(f"{self.link.name}.new")
        fresh_link.unlink(missing_ok=True)
        fresh_link.symlink_to(path)
        fresh_link.replace(self.link)

    close = unplug

    def __enter__(self) -> SimulatedSerialScanner:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
