"""Lots at the pack station: only a lot picked for the order counts, and not one that expires
before the order ships (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from tests.support.packing_floor import (  # noqa: F401 — fixtures
    PACKER,
    SYRUP_GS1,
    Floor,
    floor_fixture,
    journal,
    module_store_fixture,
    packed_of,
    start,
)
from warehouse_tui.services import packing


def test_the_pack_station_takes_only_a_lot_picked_for_the_order(floor: Floor) -> None:
    order_id = floor.order({"SYR-1": 2}, tote="TOTE-0001", lots={"SYR-1": ["L1"]})
    parcel_id = start(floor, "TOTE-0001")
    store = floor.store
    other = packing.verify_scan(store, PACKER, parcel_id, SYRUP_GS1.format(batch="L9"))
    assert not other.accepted
    assert f"Batch L9 was not picked for ORD-{order_id} (picked: L1): put the unit in" in (
        other.reason
    )
    assert packing.verify_scan(store, PACKER, parcel_id, SYRUP_GS1.format(batch="L1")).accepted
    assert packed_of(store, order_id) == {"SYR-1": 1}
    assert [row.accepted for row in journal(store, packing.SCAN)] == [False, True]


def test_the_pack_station_refuses_a_lot_expiring_before_the_order_ships(
    floor: Floor,
) -> None:
    ships = datetime(2027, 6, 1, tzinfo=UTC)
    order_id = floor.order(
        {"SYR-1": 3},
        tote="TOTE-0001",
        lots={"SYR-1": [("L1", date(2027, 5, 31)), "L5", "L6"]},
        ship_by=ships,
    )
    parcel_id = start(floor, "TOTE-0001")
    store = floor.store
    short_lived = packing.verify_scan(store, PACKER, parcel_id, SYRUP_GS1.format(batch="L1"))
    assert not short_lived.accepted
    assert (
        f"Batch L1 expires 2027-05-31, too soon for ORD-{order_id} shipping 2027-06-01: put every "
        "unit of it from the tote in the set-aside tote (1 in all)" in short_lived.reason
    )
    # A lot stored with no expiry is held to the expiry its GS1 code carries.
    label_says = "(01)04012345678901(17)270115(10)L5"
    assert not packing.verify_scan(store, PACKER, parcel_id, label_says).accepted
    assert packing.verify_scan(store, PACKER, parcel_id, SYRUP_GS1.format(batch="L6")).accepted
    assert packed_of(store, order_id) == {"SYR-1": 1}
