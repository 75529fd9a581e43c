"""The Returns screen on a handheld (40×16): a parcel found by scan, a unit received, inspected
and put on a shelf; a serial-tracked unit takes its serial next; a damaged unit goes to
quarantine; refusals shown; the floor consistent at the end."""

from __future__ import annotations

import pytest
from sqlmodel import select
from textual.pilot import Pilot
from textual.widgets import DataTable

from tests.apphelpers import make_test_app, open_screen, scan, type_keys, wait_idle
from tests.support.goodsin_floor import (
    MUG_EAN,
    PHONE_EAN,
    QUARANTINE,
    SHELF,
    GoodsInFloor,
    build_goodsin_floor,
)
from warehouse_tui.screens.base import HelpScreen
from warehouse_tui.screens.returns import ReturnsScreen
from warehouse_tui.screens.returns_report import ReturnsReportScreen
from warehouse_tui.services.check import check_floor
from warehouse_tui.services.returns.disposition import inspect_unit, put_away_unit
from warehouse_tui.services.returns.receive import find_return, receive_unit
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import Operator, PackedSerial, ReturnUnit, UnitStatus

CLERK_BADGE, SUPERVISOR_BADGE = "OP-1000000001", "OP-1000000002"


@pytest.fixture(name="floor")
def goodsin_floor_fixture(sqlite_store: Store) -> GoodsInFloor:
    return build_goodsin_floor(sqlite_store)


def text(screen: object, widget: str) -> str:
    return str(screen.query_one(f"#{widget}").render())  # type: ignore[attr-defined]


async def test_a_return_received_inspected_and_put_away_by_scan(floor: GoodsInFloor) -> None:
    async with make_test_app(floor.store, "HH-1").run_test(size=(40, 16)) as pilot:
        screen = await open_screen(pilot, CLERK_BADGE, ReturnsScreen())
        assert text(screen, "prompt") == "Scan the parcel, RMA or order"
        await scan(pilot, "ORD-999")
        assert "No shipped order" in text(screen, "feedback")
        await scan(pilot, "PCL-1")
        assert text(screen, "mode") == "RET-1"
        await scan(pilot, MUG_EAN)
        assert text(screen, "what") == "UNIT-1 MUG"
        await scan(pilot, SHELF)
        assert "Inspect the unit first" in text(screen, "feedback")
        await type_keys(pilot, "1")
        assert text(screen, "prompt") == f"Scan location {SHELF}"
        await scan(pilot, QUARANTINE)
        assert "Scan a shelf location" in text(screen, "feedback")
        await scan(pilot, SHELF)
        assert "On the shelf" in text(screen, "feedback")
        assert text(screen, "prompt") == "Scan a unit"
        await scan(pilot, PHONE_EAN)
        assert "serial-tracked" in text(screen, "feedback")
        assert text(screen, "prompt") == "Scan the serial"
        await scan(pilot, "SN-1")
        assert text(screen, "what") == "UNIT-2 PHONE"
        await pilot.press("f4")
        await type_keys(pilot, "screen cracked")
        await type_keys(pilot, "2")
        assert text(screen, "prompt") == f"Scan location {QUARANTINE}"
        await scan(pilot, QUARANTINE)
        assert "In quarantine" in text(screen, "feedback")
        await pilot.press("f2")
        await wait_idle(pilot)
        assert "RET-1 closed: 1 on the shelf, 1 in quarantine, 0 set aside" in text(
            screen, "feedback"
        )
        assert text(screen, "prompt") == "Scan the parcel, RMA or order"
    with floor.store.read() as session:
        units = session.execute(select(ReturnUnit.status).order_by(ReturnUnit.id)).scalars()
        assert list(units) == [UnitStatus.SHELVED, UnitStatus.QUARANTINED]
        notes = session.execute(select(ReturnUnit.note).order_by(ReturnUnit.id)).scalars()
        assert list(notes) == ["", "screen cracked"]
        assert session.execute(select(PackedSerial)).first() is None
    assert check_floor(floor.store) == []


async def test_the_screen_comes_back_at_the_same_step(floor: GoodsInFloor) -> None:
    async with make_test_app(floor.store, "HH-1").run_test(size=(40, 16)) as pilot:
        await open_screen(pilot, CLERK_BADGE, ReturnsScreen())
        await scan(pilot, "1Z999AA10000000010")
        await scan(pilot, MUG_EAN)
    async with make_test_app(floor.store, "HH-1").run_test(size=(40, 16)) as pilot:
        screen = await open_screen(pilot, CLERK_BADGE, ReturnsScreen())
        assert text(screen, "what") == "UNIT-1 MUG"
        assert text(screen, "prompt") == "1 ok 2 damaged 3 wrong 4 parts"


async def test_an_unlabelled_parcel_found_by_the_buyers_name_and_an_item(
    floor: GoodsInFloor,
) -> None:
    async with make_test_app(floor.store, "HH-1").run_test(size=(40, 16)) as pilot:
        screen = await open_screen(pilot, CLERK_BADGE, ReturnsScreen())
        await scan(pilot, MUG_EAN)
        assert "type the buyer's name" in text(screen, "feedback")
        await pilot.press("f3")
        await type_keys(pilot, "lovelace")
        assert text(screen, "prompt") == "Scan an item of lovelace's"
        await scan(pilot, MUG_EAN)
        assert text(screen, "mode") == "RET-1"
        await scan(pilot, MUG_EAN)
        await pilot.press("f2")
        await wait_idle(pilot)
        assert "waiting for inspection or a location: 1" in text(screen, "feedback")


@pytest.mark.parametrize("size", [(40, 16), (80, 24)])
def test_snapshot_returns_inspect(floor: GoodsInFloor, snap_compare, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    """A handheld and a returns station show the same step."""

    async def run_before(pilot: Pilot) -> None:
        await open_screen(pilot, CLERK_BADGE, ReturnsScreen())
        await scan(pilot, "PCL-1")
        await scan(pilot, MUG_EAN)

    app = make_test_app(floor.store, station="HH-1")
    assert snap_compare(app, terminal_size=size, run_before=run_before)


async def test_f1_explains_the_step(floor: GoodsInFloor) -> None:
    async with make_test_app(floor.store, "HH-1").run_test(size=(40, 16)) as pilot:
        await open_screen(pilot, CLERK_BADGE, ReturnsScreen())
        await pilot.press("f1")
        await wait_idle(pilot)
        assert isinstance(pilot.app.screen, HelpScreen)


async def test_the_screen_speaks_the_operators_language(floor: GoodsInFloor) -> None:
    with floor.store.write() as session:
        clerk = session.get_one(Operator, floor.clerk.operator_id)
        clerk.language = "zh_CN"
    async with make_test_app(floor.store, "HH-1").run_test(size=(40, 16)) as pilot:
        screen = await open_screen(pilot, CLERK_BADGE, ReturnsScreen())
        assert text(screen, "prompt") == "扫描包裹、退货授权号或订单"
        await scan(pilot, "PCL-1")
        await scan(pilot, MUG_EAN)
        assert "MUG 已收货：请检验" in text(screen, "feedback")


def shipped_and_returned(floor: GoodsInFloor) -> None:
    """One mug back on the shelf (the buyer's reason unknown: its condition stands in)."""
    found = find_return(floor.store, floor.clerk, "PCL-1")
    assert found.return_id is not None
    unit = receive_unit(floor.store, floor.clerk, found.return_id, MUG_EAN)
    assert unit.unit_id is not None
    inspect_unit(floor.store, floor.clerk, unit.unit_id, "resaleable")
    assert put_away_unit(floor.store, floor.clerk, unit.unit_id, SHELF).accepted


async def test_the_returns_report_at_the_supervisors_desk(floor: GoodsInFloor) -> None:
    shipped_and_returned(floor)
    async with make_test_app(floor.store, "DESK-1").run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot, SUPERVISOR_BADGE, ReturnsReportScreen())
        table = screen.query_one("#report", DataTable)
        rows = [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]
        assert rows == [
            ["reason", "resaleable", "1", "", "", "", ""],
            ["SKU", "MUG", "1", "2", "50.0%", "", ""],
            ["buyer", "Ada Lovelace", "1", "", "", "1", ""],
        ]
        assert text(screen, "mode") == "Returns, all time"
        await pilot.press("f2")
        await wait_idle(pilot)
        assert text(screen, "mode") == "Returns, last 30 days"
        assert table.row_count == 3


async def test_quarantine_scrapped_and_released_at_the_desk(floor: GoodsInFloor) -> None:
    found = find_return(floor.store, floor.clerk, "PCL-1")
    assert found.return_id is not None
    for _unit in range(2):
        unit = receive_unit(floor.store, floor.clerk, found.return_id, MUG_EAN)
        assert unit.unit_id is not None
        inspect_unit(floor.store, floor.clerk, unit.unit_id, "damaged", "dented")
        assert put_away_unit(floor.store, floor.clerk, unit.unit_id, QUARANTINE).accepted
    async with make_test_app(floor.store, "DESK-1").run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot, SUPERVISOR_BADGE, ReturnsReportScreen())
        quarantine = screen.query_one("#quarantine", DataTable)
        assert quarantine.row_count == 2
        screen.set_focus(quarantine)
        await pilot.press("f3")
        await type_keys(pilot, "beyond repair")
        assert "UNIT-1 scrapped" in text(screen, "feedback")
        assert quarantine.row_count == 1
        await scan(pilot, MUG_EAN)
        assert "Scan a shelf" in text(screen, "feedback")
        await scan(pilot, SHELF)
        assert f"UNIT-2 released to {SHELF}" in text(screen, "feedback")
        assert quarantine.row_count == 0
    assert check_floor(floor.store) == []


def test_snapshot_returns_report_80x24(floor: GoodsInFloor, snap_compare) -> None:  # type: ignore[no-untyped-def]
    shipped_and_returned(floor)

    async def run_before(pilot: Pilot) -> None:
        await open_screen(pilot, SUPERVISOR_BADGE, ReturnsReportScreen())

    app = make_test_app(floor.store, station="DESK-1")
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
