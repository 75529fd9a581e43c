"""A serial scanner on a pty reaches the active screen like a keyboard-wedge scan."""

from __future__ import annotations

import asyncio

from tests.apphelpers import add_operators, make_test_app, wait_idle
from warehouse_tui.devices.scanner import SimulatedSerialScanner
from warehouse_tui.screens.home import HomeScreen
from warehouse_tui.store.models import Device, Station


async def _until(predicate, pilot, seconds: float = 5.0) -> bool:  # type: ignore[no-untyped-def]
    for _ in range(int(seconds / 0.05)):
        if predicate():
            return True
        await asyncio.sleep(0.05)
        await pilot.pause()
    return predicate()


async def test_serial_badge_scan_logs_in_and_unplug_is_shown(sqlite_store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    add_operators(sqlite_store)
    link = tmp_path / "scanner"
    with SimulatedSerialScanner(link, suffix="CR") as scanner:
        with sqlite_store.write() as session:
            station = Station(name="HH-1", kind="handheld")
            session.add(station)
            session.flush()
            session.add(
                Device(
                    station_id=station.id,
                    kind="scanner",
                    driver="serial",
                    port=str(link),
                    settings={"suffix": "CR"},
                )
            )
        app = make_test_app(sqlite_store, station="HH-1")
        async with app.run_test(size=(40, 16)) as pilot:
            await wait_idle(pilot)
            assert await _until(lambda: bool(app.devices.scanners), pilot)
            await asyncio.sleep(0.3)  # the reader opens the port
            scanner.scan("OP-1000000002")
            assert await _until(lambda: isinstance(app.screen, HomeScreen), pilot)
            assert app.operator is not None and app.operator.badge == "OP-1000000002"
            scanner.unplug()
            assert await _until(
                lambda: any("unplugged" in str(n.message) for n in app._notifications), pilot
            )
            [unplugged] = [n for n in app._notifications if "unplugged" in str(n.message)]
            assert unplugged.timeout >= 3600  # it stays until the scanner is back
            scanner.replug()
            assert await _until(
                lambda: not any("unplugged" in str(n.message) for n in app._notifications), pilot
            )
