"""A station's devices, opened together: its serial scanners, its scale and its printer.

The rows come from the database (the `device` table, read by a service); this object turns them
into running devices and back. A port written ``sim:<protocol>`` starts the simulated twin and
points the real driver at it (``sim:mt-sics``, ``sim:sma``, ``sim:toledo-continuous`` for a
scale, ``sim:zpl`` for a printer), so the demo and the tests run the same driver code over real
bytes. A station uses its first scale and its first printer; every serial scanner.

What the devices say comes out as typed events, never as calls into a screen:
- scanner events (`Scanned`, `ScannerProblem`, `ScannerConnected`, `ScannerDisconnected`) go to
  the `on_scanner_event` sink for as long as the station is open, from the scanners' threads;
- the scale is read only while something shows it: `StationScale.follow` polls it in the
  caller's thread and reports every reading that changed (`WeightReading`) and every problem
  (`ScaleProblem`) until told to stop.
Nothing here knows Textual: the app and the scale readout widget turn these events into
messages.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from warehouse_tui.devices.scale import ScaleError, WeightReading, open_scale
from warehouse_tui.devices.scanner import ScannerEvent, SerialScanner

if TYPE_CHECKING:
    from warehouse_tui.devices.printer import SimulatedLabelPrinter
    from warehouse_tui.devices.scale_sim import SimulatedScale

SIMULATED = "sim:"
SCALE_READ_TIMEOUT_S = 2.0
SCALE_POLL_S = 0.2  # between two readings: live enough, and the screen is not flooded
# An unchanged reading is reported again this often, so a consumer can tell a steady scale from
# a silent one (the pack screen takes a reading as the parcel's weight for twice this long).
REPORT_AGAIN_S = 1.5


class DeviceRow(Protocol):
    """One configured device of the station, as the database describes it."""

    @property
    def kind(self) -> str: ...  # scanner | scale | printer
    @property
    def driver(self) -> str: ...
    @property
    def port(self) -> str: ...
    @property
    def settings(self) -> Mapping[str, Any]: ...


@dataclass(frozen=True)
class ScaleProblem:
    """The scale gave no reading: unplugged, silent or talking garbage; `reason` says which."""

    reason: str


ScaleEvent = WeightReading | ScaleProblem


class StationScale:
    """Where and how to read the station's scale (a simulated one already started)."""

    def __init__(
        self, port: str, protocol: str, baud: int, simulated: SimulatedScale | None = None
    ) -> None:
        self.port = port
        self.protocol = protocol
        self.baud = baud
        self.simulated = simulated

    def follow(self, stop: threading.Event, report: Callable[[ScaleEvent], None]) -> None:
        """Read the scale until `stop` is set, reporting what changed (and an unchanged reading
        again every REPORT_AGAIN_S). Blocks: run it in a thread of its own."""
        try:
            driver = open_scale(self.port, self.protocol, baud=self.baud)
        except ScaleError as error:
            report(ScaleProblem(error.reason))
            return
        last: tuple[float, str] | None = None
        reported_at = 0.0

        def changed(reading: WeightReading) -> None:
            nonlocal last, reported_at
            shown = (reading.grams, reading.status)
            if shown != last or time.monotonic() - reported_at > REPORT_AGAIN_S:
                last, reported_at = shown, time.monotonic()
                report(reading)

        with driver:
            while not stop.is_set():
                try:
                    driver.read_stable(SCALE_READ_TIMEOUT_S, on_reading=changed)
                except ScaleError as error:
                    last = None
                    report(ScaleProblem(error.reason))
                stop.wait(SCALE_POLL_S)


class StationDevices:
    """The devices of one station: `open` starts them (twins included), `close` stops them."""

    def __init__(
        self,
        rows: Iterable[DeviceRow],
        on_scanner_event: Callable[[ScannerEvent], None],
        files: Path,
    ) -> None:
        """`files` is the folder a printer writing to a relative file path writes into."""
        self._rows = list(rows)
        self._files = files
        self._on_scanner_event = on_scanner_event
        self.scale: StationScale | None = None
        self.printer = ""  # where labels are sent; "" when the station has no printer
        self.simulated_printer: SimulatedLabelPrinter | None = None
        self.scanners: list[SerialScanner] = []

    @property
    def simulated_scale(self) -> SimulatedScale | None:
        return self.scale.simulated if self.scale is not None else None

    def open(self) -> StationDevices:
        scale = next((row for row in self._rows if row.kind == "scale"), None)
        if scale is not None:
            self.scale = _scale(scale)
        printer = next((row for row in self._rows if row.kind == "printer"), None)
        if printer is not None and printer.port.startswith(SIMULATED):
            from warehouse_tui.devices.printer import SimulatedLabelPrinter

            self.simulated_printer = SimulatedLabelPrinter().start()
            self.printer = self.simulated_printer.destination
        elif printer is not None:
            from warehouse_tui.devices.printer import anchored_destination

            self.printer = anchored_destination(printer.port, self._files)
        for row in self._rows:
            if row.kind == "scanner" and row.driver == "serial":
                scanner = _serial_scanner(row, self._on_scanner_event)
                scanner.start()
                self.scanners.append(scanner)
        return self

    def close(self) -> None:
        for scanner in self.scanners:
            scanner.stop()
        simulated_scale = self.simulated_scale
        if simulated_scale is not None:
            simulated_scale.close()
        if self.simulated_printer is not None:
            self.simulated_printer.stop()


def _scale(row: DeviceRow) -> StationScale:
    baud = int(row.settings.get("baud", 9600))
    if not row.port.startswith(SIMULATED):
        return StationScale(row.port, row.driver, baud)
    from warehouse_tui.devices.scale_sim import SimulatedScale

    simulated = SimulatedScale.for_protocol(row.port.removeprefix(SIMULATED))
    return StationScale(simulated.port, row.driver, baud, simulated)


def _serial_scanner(row: DeviceRow, on_event: Callable[[ScannerEvent], None]) -> SerialScanner:
    options: dict[str, Any] = {"suffix": row.settings.get("suffix", "CR")}
    if "idle_s" in row.settings:  # the gap that ends a code sent with no suffix
        options["idle_timeout"] = float(row.settings["idle_s"])
    return SerialScanner(row.port, on_event, **options)
