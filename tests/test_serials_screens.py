"""Serials through the screens: the Receive screen (40×16) records a phone by the GS1 code
with its serial and refuses the same serial again; the pack station (80×24) refuses a serial
no delivery brought, telling the packer where the unit goes and who settles it."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from tests.apphelpers import make_test_app, open_screen, scan
from tests.support.goodsin_floor import PHONE_EAN, SHELF, GoodsInFloor, build_goodsin_floor
from tests.support.pack_screen import (
    STATION,
    done,
    floor_fixture,  # noqa: F401 (a fixture)
    open_pack,
    text,
)
from tests.support.packing_floor import PHONE_GS1, Floor
from warehouse_tui.screens.receive import ReceiveScreen
from warehouse_tui.services.check import check_floor
from warehouse_tui.services.exceptions import Kind, list_exceptions
from warehouse_tui.services.journal import Actor
from warehouse_tui.services.receipts import import_receipts, open_unexpected, receive_scan
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import ReceiptSerial

DELIVERY = json.dumps(
    {"supplier": "ACME", "reference": "PO-7", "lines": [{"sku": "PHONE", "qty": 2}]}
)


@pytest.fixture(name="goods_in")
def goods_in_fixture(sqlite_store: Store) -> GoodsInFloor:
    floor = build_goodsin_floor(sqlite_store)
    assert import_receipts(floor.store, floor.clerk, [DELIVERY]).accepted
    return floor


def screen_text(screen: ReceiveScreen, widget: str) -> str:
    return str(screen.query_one(f"#{widget}").render())


async def test_the_receive_screen_records_a_serial_once(goods_in: GoodsInFloor) -> None:
    phone = f"(01)000000{PHONE_EAN}(21)SN-5"
    async with make_test_app(goods_in.store, "HH-1").run_test(size=(40, 16)) as pilot:
        screen = await open_screen(pilot, "OP-1000000001", ReceiveScreen())
        await scan(pilot, "PO-7")
        await scan(pilot, PHONE_EAN)
        assert "serial-tracked" in screen_text(screen, "feedback")
        await scan(pilot, phone)
        assert "1 of 2" in screen_text(screen, "feedback")
        assert screen_text(screen, "what") == "PHONE: 1 to put away"
        await scan(pilot, phone)
        assert "received already, on delivery PO-7" in screen_text(screen, "feedback")
        assert screen.query_one("#feedback").has_class("fail")
        await scan(pilot, SHELF)
        assert "1 put away" in screen_text(screen, "feedback")
    with goods_in.store.read() as session:
        assert session.exec(select(ReceiptSerial.serial)).all() == ["SN-5"]
    assert len(list_exceptions(goods_in.store, Kind.SET_ASIDE)) == 1
    assert check_floor(goods_in.store) == []


async def test_the_pack_station_refuses_a_serial_never_received(floor: Floor) -> None:
    supervisor = Actor(3, "DESK-1", "test")
    opened = open_unexpected(floor.store, supervisor, "ACME", "PO-1")
    assert opened.receipt_id is not None
    received = PHONE_GS1.format(serial="R1")
    assert receive_scan(floor.store, supervisor, opened.receipt_id, received).accepted
    floor.order({"PHN-1": 1}, tote="TOTE-0001")
    async with make_test_app(floor.store, station=STATION).run_test(size=(80, 24)) as pilot:
        screen = await open_pack(pilot)
        await scan(pilot, "TOTE-0001")
        await scan(pilot, PHONE_GS1.format(serial="Z9"))
        assert screen.query_one("#feedback").has_class("fail")
        assert "Serial Z9 of PHN-1 was never received: put the unit in the set-aside" in text(
            screen, "feedback"
        )
        assert done(screen) == ["PHN-1 0/1"]
        await scan(pilot, received)
        assert done(screen) == ["PHN-1 1/1"]
    [aside] = list_exceptions(floor.store, Kind.SET_ASIDE)
    assert "Z9" in aside.reason
