"""Verification at the pack station is by scan: a SKU's own code counts only where the SKU
allows it, journaled as keyed like every typed quantity; a supervisor's badge and PIN let an
item whose barcode will not scan through, journaled with both operators (SQLite and
PostgreSQL)."""

from __future__ import annotations

from sqlmodel import select

from tests.support.packing_floor import (  # noqa: F401 — fixtures
    MUG,
    PACKER,
    SUPERVISOR_BADGE,
    TEA,
    Floor,
    floor_fixture,
    journal,
    module_store_fixture,
    packed_of,
    start,
)
from warehouse_tui.services import packing
from warehouse_tui.services.auth import Approval
from warehouse_tui.services.results import Refusal
from warehouse_tui.store.models import Sku


def _allow_code_entry(floor: Floor, sku: str) -> None:
    with floor.store.write() as session:
        session.exec(select(Sku).where(Sku.code == sku)).one().code_entry_allowed = True


def test_the_skus_own_code_is_refused_unless_allowed_and_then_journaled_as_keyed(
    floor: Floor,
) -> None:
    order_id = floor.order({"MUG-1": 2, "TOY-1": 1}, tote="TOTE-0001")
    parcel_id = start(floor, "TOTE-0001")

    typed = packing.verify_scan(floor.store, PACKER, parcel_id, "MUG-1")
    assert not typed.accepted and typed.refusal is Refusal.APPROVAL
    assert "MUG-1 must be scanned from the item's barcode" in typed.reason
    assert packed_of(floor.store, order_id) == {"MUG-1": 0, "TOY-1": 0}

    assert packing.verify_scan(floor.store, PACKER, parcel_id, MUG).accepted
    _allow_code_entry(floor, "TOY-1")
    assert packing.verify_scan(floor.store, PACKER, parcel_id, "TOY-1").accepted
    assert packed_of(floor.store, order_id) == {"MUG-1": 1, "TOY-1": 1}

    rows = [(row.raw, row.accepted, row.keyed) for row in journal(floor.store, packing.SCAN)]
    assert rows == [("MUG-1", False, False), (MUG, True, False), ("TOY-1", True, True)]


def test_a_typed_quantity_is_keyed_and_a_supervisor_lets_an_unscannable_item_through(
    floor: Floor,
) -> None:
    order_id = floor.order({"TEA-1": 12}, tote="TOTE-0001")
    parcel_id = start(floor, "TOTE-0001")

    keyed = packing.enter_quantity(floor.store, PACKER, parcel_id, "TEA-1", 5)
    assert not keyed.accepted and keyed.refusal is Refusal.APPROVAL
    wrong_pin = packing.enter_quantity(
        floor.store, PACKER, parcel_id, "TEA-1", 5, Approval(SUPERVISOR_BADGE, "0000")
    )
    assert not wrong_pin.accepted and wrong_pin.refusal is Refusal.APPROVAL
    packer_badge = packing.enter_quantity(
        floor.store, PACKER, parcel_id, "TEA-1", 5, Approval("OP-1000000002", "1234")
    )
    assert not packer_badge.accepted
    assert packed_of(floor.store, order_id) == {"TEA-1": 0}

    approved = packing.enter_quantity(
        floor.store, PACKER, parcel_id, "TEA-1", 5, Approval(SUPERVISOR_BADGE, "1234")
    )
    assert approved.accepted and approved.packed == 5
    scanned = packing.enter_quantity(floor.store, PACKER, parcel_id, TEA, 7)
    assert scanned.accepted and scanned.packed == 12

    accepted = [row for row in journal(floor.store, packing.TYPED_QTY) if row.accepted]
    assert [(row.raw, row.keyed, row.authorised_by, row.operator_id) for row in accepted] == [
        ("TEA-1 x5", True, 3, PACKER.operator_id),
        (f"{TEA} x7", True, None, PACKER.operator_id),
    ]


def test_a_supervisor_lets_one_unscannable_item_count_by_its_code(floor: Floor) -> None:
    order_id = floor.order({"MUG-1": 1}, tote="TOTE-0001")
    parcel_id = start(floor, "TOTE-0001")
    store = floor.store
    wrong = packing.verify_scan(
        store, PACKER, parcel_id, "MUG-1", approval=Approval(SUPERVISOR_BADGE, "0000")
    )
    assert not wrong.accepted and wrong.refusal is Refusal.APPROVAL
    assert packed_of(store, order_id) == {"MUG-1": 0}
    approved = packing.verify_scan(
        store, PACKER, parcel_id, "MUG-1", approval=Approval(SUPERVISOR_BADGE, "1234")
    )
    assert approved.accepted and packed_of(store, order_id) == {"MUG-1": 1}
    rows = [(r.raw, r.accepted, r.keyed, r.authorised_by) for r in journal(store, packing.SCAN)]
    assert rows == [("MUG-1", False, False, None), ("MUG-1", True, True, 3)]
