"""Serials at receiving, on SQLite and PostgreSQL: a serial-tracked SKU is received a unit at a
time by the GS1 code with its serial, each serial once (a second time it is not counted and the
unit is set aside for a supervisor); from then on a serial of that SKU no delivery brought is
"never received", unless a return put it back in stock."""

from __future__ import annotations

import pytest
from sqlmodel import select

from tests.support.goodsin_floor import (
    PHONE_EAN,
    SHELF,
    GoodsInFloor,
    build_goodsin_floor,
)
from warehouse_tui.services.check import check_floor
from warehouse_tui.services.exceptions import Kind, act, list_exceptions
from warehouse_tui.services.lookup import product_card, product_card_lines
from warehouse_tui.services.receipts import (
    close_receipt,
    open_unexpected,
    put_away_line,
    receive_scan,
)
from warehouse_tui.services.results import Refusal
from warehouse_tui.services.returns.disposition import inspect_unit, put_away_unit
from warehouse_tui.services.returns.receive import find_return, receive_unit
from warehouse_tui.services.serials import never_received
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import ReceiptLine, ReceiptSerial, Sku
from warehouse_tui.store.prepared import fast_read
from warehouse_tui.store.serials import serial_history


def phone(serial: str) -> str:
    """A phone's GS1 code carrying its serial."""
    return f"(01)000000{PHONE_EAN}(21){serial}"


@pytest.fixture(name="floor")
def goodsin_floor_fixture(store: Store) -> GoodsInFloor:
    return build_goodsin_floor(store)


def _delivery(floor: GoodsInFloor) -> int:
    opened = open_unexpected(floor.store, floor.supervisor, "ACME", "PO-8")
    assert opened.receipt_id is not None
    return opened.receipt_id


def _never_received(floor: GoodsInFloor, serial: str) -> bool:
    with floor.store.read() as session:
        phone_id = session.exec(select(Sku.id).where(Sku.code == "PHONE")).one()
    assert phone_id is not None
    with fast_read(floor.store) as tx:
        return never_received(serial_history(tx, phone_id, serial))


def test_a_serial_is_received_once_and_a_second_unit_with_it_is_set_aside(
    floor: GoodsInFloor,
) -> None:
    receipt = _delivery(floor)
    plain = receive_scan(floor.store, floor.clerk, receipt, PHONE_EAN)
    assert plain.refusal is Refusal.INCOMPLETE
    assert "PHONE is serial-tracked: scan each unit's GS1 code with its serial" in plain.reason
    first = receive_scan(floor.store, floor.clerk, receipt, phone("SN-5"))
    assert first.accepted and first.received == 1
    twice = receive_scan(floor.store, floor.clerk, receipt, phone("SN-5"))
    assert twice.refusal is Refusal.WRONG_SCAN
    assert "Serial SN-5 of PHONE was received already, on delivery PO-8" in twice.reason
    assert "set it aside for a supervisor (Exceptions)" in twice.reason
    with floor.store.read() as session:
        assert session.exec(select(ReceiptLine.received)).all() == [1]
        assert session.exec(select(ReceiptSerial.serial)).all() == ["SN-5"]
    [aside] = list_exceptions(floor.store, Kind.SET_ASIDE)
    assert "SN-5" in aside.reason and [str(action) for action in aside.actions] == ["close"]
    settled = act(floor.store, floor.supervisor, aside.id, "close", "sent back to ACME")
    assert settled.accepted
    assert first.line_id is not None
    assert put_away_line(floor.store, floor.clerk, first.line_id, SHELF).accepted
    assert close_receipt(floor.store, floor.clerk, receipt).accepted
    assert list_exceptions(floor.store, Kind.SET_ASIDE) == []
    assert check_floor(floor.store) == []


def test_once_a_sku_is_received_with_serials_only_received_or_returned_ones_are_known(
    floor: GoodsInFloor,
) -> None:
    assert not _never_received(floor, "SN-9")  # no delivery brought serials of it yet
    receipt = _delivery(floor)
    assert receive_scan(floor.store, floor.clerk, receipt, phone("SN-5")).accepted
    assert not _never_received(floor, "SN-5")
    assert _never_received(floor, "SN-9")
    assert _never_received(floor, "SN-1")  # shipped before serials were received …
    found = find_return(floor.store, floor.clerk, "PCL-1", "")
    assert found.return_id is not None
    unit = receive_unit(floor.store, floor.clerk, found.return_id, PHONE_EAN, serial="SN-1")
    assert unit.unit_id is not None
    assert _never_received(floor, "SN-1")  # … not in stock until it is on a shelf
    assert inspect_unit(floor.store, floor.clerk, unit.unit_id, "resaleable").accepted
    assert put_away_unit(floor.store, floor.clerk, unit.unit_id, SHELF).accepted
    assert not _never_received(floor, "SN-1")  # … and packable again once returned


def test_product_show_says_where_a_units_serial_stands(floor: GoodsInFloor) -> None:
    receipt = _delivery(floor)
    before = product_card(floor.store, phone("SN-5"))
    assert before is not None and before["unit"]["never_received"] is False
    assert receive_scan(floor.store, floor.clerk, receipt, phone("SN-5")).accepted
    cards = {
        serial: product_card(floor.store, phone(serial)) for serial in ("SN-5", "SN-9", "SN-1")
    }
    units = {serial: card["unit"] for serial, card in cards.items() if card is not None}
    assert units["SN-5"] == {
        "serial": "SN-5",
        "received_on": "PO-8",
        "returned": False,
        "packed_in": None,
        "never_received": False,
        "received_by_supervisor": False,
    }
    assert units["SN-9"]["never_received"] is True
    assert units["SN-1"]["packed_in"] == f"PCL-{floor.parcel_id}"
    card = cards["SN-9"]
    assert card is not None
    assert "Serial SN-9: never received: refused at pick and pack" in product_card_lines(card)
    plain = product_card(floor.store, PHONE_EAN)
    assert plain is not None and plain["unit"] is None
