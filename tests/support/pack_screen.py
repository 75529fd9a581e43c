"""The pack screen on a built floor, for the pack screen's tests and snapshots (no test lives
here)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from textual.pilot import Pilot

from tests.apphelpers import add_operators, open_screen
from tests.support.packing_floor import Floor, build_floor
from warehouse_tui.screens.pack import PackScreen
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import Device, Station

STATION = "PACK-T"
SIZES = [(80, 24), (120, 36)]


@pytest.fixture(name="floor")
def floor_fixture(sqlite_store: Store, tmp_path: Path) -> Floor:
    add_operators(sqlite_store)
    built = build_floor(sqlite_store, operators=False)
    with sqlite_store.write() as session:
        station = Station(name=STATION, kind="pack")
        session.add(station)
        session.flush()
        assert station.id is not None
        session.add(
            Device(station_id=station.id, kind="scale", driver="mt-sics", port="sim:mt-sics")
        )
        session.add(
            Device(
                station_id=station.id,
                kind="printer",
                driver="zpl",
                port=f"file:{tmp_path / 'labels.zpl'}",
            )
        )
        session.add(Station(name="PACK-BARE", kind="pack"))
    return built


async def open_pack(pilot: Pilot) -> PackScreen:
    return await open_screen(pilot, "OP-1000000002", PackScreen())


def text(screen: PackScreen, widget: str) -> str:
    return str(screen.query_one(f"#{widget}").render())


def done(screen: PackScreen) -> list[str]:
    """The line list as the screen shows it: SKU and packed/expected."""
    assert screen.view is not None
    return [f"{line.sku_code} {line.packed}/{line.expected}" for line in screen.view.lines]


async def wait_for_steady_scale(pilot: Pilot, screen: PackScreen) -> None:
    for _ in range(100):
        reading = screen.reading
        if reading is not None and reading.status == "stable" and reading.grams > 0:
            return
        await asyncio.sleep(0.05)
        await pilot.pause()
    raise AssertionError(f"no steady weight: {text(screen, 'scale')}")
