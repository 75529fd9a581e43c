"""A station's devices open through one object: simulated twins behind `sim:` ports, the first
scale and printer, every serial scanner; events come out typed; close stops them all."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from warehouse_tui.devices.printer import send_to_printer
from warehouse_tui.devices.scale import WeightReading
from warehouse_tui.devices.scanner import Scanned, ScannerEvent, SimulatedSerialScanner
from warehouse_tui.devices.station import ScaleEvent, ScaleProblem, StationDevices


@dataclass(frozen=True)
class Row:
    kind: str
    driver: str
    port: str
    settings: Mapping[str, Any] = field(default_factory=dict)


def wait_until(predicate: Any, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def test_sim_ports_start_twins_and_the_real_drivers_read_them(tmp_path: Path) -> None:
    scanner_events: list[ScannerEvent] = []
    with SimulatedSerialScanner(tmp_path / "scanner") as scanner:
        rows = [
            Row("scale", "mt-sics", "sim:mt-sics"),
            Row("scale", "sma", "/dev/not-this-one"),
            Row("printer", "zpl", "sim:zpl"),
            Row("scanner", "serial", str(tmp_path / "scanner"), {"suffix": "CR"}),
            Row("scanner", "wedge", ""),
        ]
        devices = StationDevices(rows, scanner_events.append, tmp_path).open()
        try:
            assert devices.scale is not None and devices.scale.protocol == "mt-sics"
            assert devices.simulated_scale is not None
            assert devices.printer.startswith("tcp://127.0.0.1:")
            assert len(devices.scanners) == 1
            send_to_printer(devices.printer, b"^XA^FDPCL-1^FS^XZ")
            assert devices.simulated_printer is not None
            assert devices.simulated_printer.wait_for_labels(1) == ["^XA^FDPCL-1^FS^XZ"]
            time.sleep(0.3)  # the reader opens the port
            scanner.scan("OP-0002")
            assert wait_until(lambda: any(isinstance(e, Scanned) for e in scanner_events))
            assert [e.code for e in scanner_events if isinstance(e, Scanned)] == ["OP-0002"]

            devices.simulated_scale.set_weight(660)
            events: list[ScaleEvent] = []
            stop = threading.Event()
            follower = threading.Thread(target=devices.scale.follow, args=(stop, events.append))
            follower.start()
            assert wait_until(
                lambda: any(isinstance(e, WeightReading) and e.stable for e in events)
            )
            stop.set()
            follower.join(5)
            assert not follower.is_alive()
            steady = [e for e in events if isinstance(e, WeightReading) and e.stable]
            assert steady[0].grams == 660
        finally:
            devices.close()
        assert not devices.simulated_scale.plugged
        scanner.scan("OP-0003")  # nobody reads the port any more
        time.sleep(0.3)
        assert [e.code for e in scanner_events if isinstance(e, Scanned)] == ["OP-0002"]


def test_a_scale_that_cannot_be_opened_is_reported_as_a_problem(tmp_path: Path) -> None:
    scanner_events: list[ScannerEvent] = []
    rows = [Row("scale", "mt-sics", str(tmp_path / "no-scale"))]
    devices = StationDevices(rows, scanner_events.append, tmp_path).open()
    assert devices.scale is not None and devices.simulated_scale is None
    assert devices.printer == ""
    events: list[ScaleEvent] = []
    devices.scale.follow(threading.Event(), events.append)  # returns: nothing to follow
    [problem] = events
    assert isinstance(problem, ScaleProblem) and "no-scale" in problem.reason
    devices.close()


def test_a_file_printer_writes_under_the_files_folder_whatever_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "started-here"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    files = tmp_path / "files"
    rows = [Row("printer", "zpl", "labels/PACK-1.zpl")]
    devices = StationDevices(rows, lambda event: None, files).open()
    assert devices.printer == f"file:{files / 'labels' / 'PACK-1.zpl'}"
    send_to_printer(devices.printer, b"^XA^XZ")  # its folder is made on the first label
    assert (files / "labels" / "PACK-1.zpl").read_bytes() == b"^XA^XZ"
    assert not (elsewhere / "labels").exists()
    devices.close()
