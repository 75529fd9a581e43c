"""The pack station and serials, on SQLite and PostgreSQL: once a delivery brought serials of a
SKU, a serial of it no delivery brought is refused and the unit set aside for a supervisor (on
the exceptions queue); a received serial packs, and so does one a return put back in stock."""

from __future__ import annotations

from sqlmodel import select

from tests.support.packing_floor import (  # noqa: F401 — fixtures
    PACKER,
    PHONE_GS1,
    Floor,
    floor_fixture,
    module_store_fixture,
    packed_of,
    start,
)
from warehouse_tui.services import packing
from warehouse_tui.services.exceptions import Kind, act, list_exceptions
from warehouse_tui.services.journal import Actor
from warehouse_tui.services.receipts import open_unexpected, receive_scan
from warehouse_tui.services.results import Refusal
from warehouse_tui.store.models import PackedSerial, ReturnUnit, UnitStatus

SUPERVISOR = Actor(3, "DESK-1", "test")


def _receive(floor: Floor, *serials: str) -> None:
    opened = open_unexpected(floor.store, SUPERVISOR, "ACME", "PO-1")
    assert opened.receipt_id is not None
    for serial in serials:
        step = receive_scan(
            floor.store, SUPERVISOR, opened.receipt_id, PHONE_GS1.format(serial=serial)
        )
        assert step.accepted, step.reason


def test_before_any_delivery_brings_serials_every_serial_packs(floor: Floor) -> None:
    order_id = floor.order({"PHN-1": 1}, tote="TOTE-0001")
    parcel_id = start(floor, "TOTE-0001")
    assert packing.verify_scan(
        floor.store, PACKER, parcel_id, PHONE_GS1.format(serial="X1")
    ).accepted
    assert packed_of(floor.store, order_id) == {"PHN-1": 1}


def test_a_serial_never_received_is_set_aside_and_received_or_returned_ones_pack(
    floor: Floor,
) -> None:
    _receive(floor, "R1")
    with floor.store.write() as session:
        session.add(ReturnUnit(sku_id=floor.sku["PHN-1"], serial="B7", status=UnitStatus.SHELVED))
    order_id = floor.order({"PHN-1": 2}, tote="TOTE-0001")
    parcel_id = start(floor, "TOTE-0001")
    store = floor.store

    stranger = packing.verify_scan(store, PACKER, parcel_id, PHONE_GS1.format(serial="Z9"))
    assert stranger.refusal is Refusal.WRONG_SCAN
    assert stranger.reason == (
        "Serial Z9 of PHN-1 was never received: put the unit in the set-aside tote and take "
        "another; a supervisor receives the serial or settles it (Exceptions, or warehouse-tui "
        "serials receive)"
    )
    again = packing.verify_scan(store, PACKER, parcel_id, PHONE_GS1.format(serial="Z9"))
    assert again.reason == stranger.reason  # the same unit scanned again: still one to settle
    [aside] = list_exceptions(store, Kind.SET_ASIDE)
    assert "Z9" in aside.reason and "(in the set-aside tote at PACK-1)" in aside.reason
    assert [str(action) for action in aside.actions] == ["receive", "close"]

    assert packing.verify_scan(store, PACKER, parcel_id, PHONE_GS1.format(serial="R1")).accepted
    assert packing.verify_scan(store, PACKER, parcel_id, PHONE_GS1.format(serial="B7")).accepted
    assert packed_of(store, order_id) == {"PHN-1": 2}
    with store.read() as session:
        assert sorted(session.exec(select(PackedSerial.serial)).all()) == ["B7", "R1"]

    assert act(store, SUPERVISOR, aside.id, "close", "not our unit: to the supplier").accepted
    assert list_exceptions(store, Kind.SET_ASIDE) == []
