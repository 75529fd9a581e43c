"""The load screen through Pilot at a station's 80x24: carrier by list or scan, parcels by label
or tracking number, refusals in red, the missing list and the counts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from textual.pilot import Pilot

from tests.apphelpers import add_operators, make_test_app, open_screen, scan, wait_idle
from tests.support.shipping_floor import packed_order, seed_carriers_and_shops
from warehouse_tui.screens.load import LoadScreen
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import Journal, OrderStatus, Parcel

STATION = (80, 24)


@pytest.fixture
def dock(sqlite_store: Store) -> Iterator[dict[str, Parcel]]:
    add_operators(sqlite_store)
    with sqlite_store.write() as session:
        seed_carriers_and_shops(session)
        _order, (first, second) = packed_order(session, "1001", parcels=2, ship_name="张伟")
        _order, [other] = packed_order(session, "1002", ship_name="Grace Hopper")
        _order, [dhl] = packed_order(session, "1003", carrier="DHL")
        cancelled, [stopped] = packed_order(session, "1004")
        cancelled.status = OrderStatus.CANCELLED
    yield {"first": first, "second": second, "other": other, "dhl": dhl, "stopped": stopped}


async def open_load(pilot: Pilot) -> LoadScreen:
    return await open_screen(pilot, "OP-1000000002", LoadScreen())


def text(screen: LoadScreen, widget: str) -> str:
    return str(screen.query_one(f"#{widget}").render())


async def test_load_a_carriers_parcels(sqlite_store: Store, dock: dict[str, Parcel]) -> None:
    app = make_test_app(sqlite_store)
    async with app.run_test(size=STATION) as pilot:
        screen = await open_load(pilot)
        await scan(pilot, f"PCL-{dock['first'].id}")
        assert "Choose the carrier first" in text(screen, "feedback")

        await pilot.press("down", "enter")  # DHL is first, UPS second
        await wait_idle(pilot)
        assert screen.carrier == "UPS"
        assert "Still missing: 3" in text(screen, "counts")
        missing = text(screen, "missing")
        assert f"PCL-{dock['first'].id}" in missing and "张伟" in missing
        assert f"PCL-{dock['stopped'].id}" not in missing

        await scan(pilot, f"PCL-{dock['first'].id}")
        assert "loaded" in text(screen, "feedback")
        assert screen.query_one("#feedback").has_class("ok")
        await scan(pilot, dock["second"].tracking or "")
        assert "order shipped" in text(screen, "feedback")
        assert "Loaded today: 2   Still missing: 1" in text(screen, "counts")
        assert f"PCL-{dock['first'].id}" not in text(screen, "missing")

        await scan(pilot, f"PCL-{dock['dhl'].id}")
        assert "goes with DHL" in text(screen, "feedback")
        assert screen.query_one("#feedback").has_class("fail")
        assert not screen.query_one("#feedback").has_class("stop")

        await scan(pilot, f"PCL-{dock['stopped'].id}")
        assert text(screen, "feedback").startswith("STOP")
        assert screen.query_one("#feedback").has_class("stop")

        await scan(pilot, "dhl")  # a carrier's code switches the truck
        assert screen.carrier == "DHL"
        assert "Still missing: 1" in text(screen, "counts")

    with sqlite_store.read() as session:
        from sqlmodel import select

        rows = session.exec(select(Journal).where(Journal.action == "load.parcel")).all()
    assert [row.accepted for row in rows] == [True, True, False, False]
    assert {row.screen for row in rows} == {"LoadScreen"}


async def test_f2_brings_the_carrier_list_back(
    sqlite_store: Store, dock: dict[str, Parcel]
) -> None:
    app = make_test_app(sqlite_store)
    async with app.run_test(size=STATION) as pilot:
        screen = await open_load(pilot)
        await scan(pilot, "UPS")
        assert not screen.query_one("#carriers").display
        await pilot.press("f2")
        await pilot.pause()
        assert screen.carrier is None and screen.query_one("#carriers").display
        await pilot.press("enter")
        await wait_idle(pilot)
        assert screen.carrier == "DHL"


def test_snapshot_load_screen(sqlite_store: Store, dock: dict[str, Parcel], snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:
        await open_load(pilot)
        await scan(pilot, "UPS")
        await scan(pilot, f"PCL-{dock['first'].id}")
        await scan(pilot, f"PCL-{dock['stopped'].id}")

    assert snap_compare(make_test_app(sqlite_store), terminal_size=STATION, run_before=run_before)
