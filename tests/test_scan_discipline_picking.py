"""Verification at picking and the put wall is by scan: a SKU's own code, a typed quantity
with nothing scanned, an unknown tote, location or slot are refused; what is allowed is
journaled as keyed, and a supervisor's badge and PIN let an unscannable item through with both
operators journaled (SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlmodel import col, select

from tests.support.picking_floor import (  # noqa: F401 — fixtures
    PICKER,
    SKUS,
    claim_with_totes,
    floor_fixture,
    migrated_pg,
    migrated_sqlite,
    release_wave,
    scan_all,
    stop_scans,
)
from warehouse_tui.services.auth import Approval
from warehouse_tui.services.journal import Actor
from warehouse_tui.services.picking import (
    claim_next_task,
    current_stop,
    enter_quantity,
    scan_at_stop,
)
from warehouse_tui.services.picking.totes import add_totes
from warehouse_tui.services.putwall import confirm_slot, sort_item
from warehouse_tui.services.results import Refusal
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import Journal, PickStop, Sku, Tote

SUPERVISOR_BADGE = "OP-1000000003"  # the picking floor's supervisor, PIN 1234


def _rows(store: Store, action: str) -> list[Journal]:
    with store.read() as session:
        return list(
            session.exec(select(Journal).where(Journal.action == action).order_by(col(Journal.id)))
        )


def _picked(store: Store, task_id: int) -> int:
    with store.read() as session:
        return sum(stop.picked for stop in session.exec(select(PickStop)))


def test_the_skus_own_code_counts_only_where_the_sku_allows_it_and_then_as_keyed(
    floor: Store,
) -> None:
    release_wave(floor, "pick-by-order", [{"MUG": 2}])
    task_id = claim_with_totes(floor, ["TOTE-0001"])
    scan_all(floor, task_id, ["LOC-A01-01-1"])

    typed = scan_at_stop(floor, PICKER, task_id, "MUG")
    assert not typed.accepted and "MUG must be scanned from the item's barcode" in typed.reason
    assert _picked(floor, task_id) == 0

    scanned = scan_at_stop(floor, PICKER, task_id, SKUS["MUG"].ean)
    assert scanned.accepted
    with floor.write() as session:
        session.exec(select(Sku).where(Sku.code == "MUG")).one().code_entry_allowed = True
    keyed = scan_at_stop(floor, PICKER, task_id, "MUG")
    assert keyed.accepted and _picked(floor, task_id) == 2

    rows = [(row.raw, row.accepted, row.keyed) for row in _rows(floor, "pick.scan")]
    assert rows[-3:] == [
        ("MUG", False, False),
        (SKUS["MUG"].ean, True, False),
        ("MUG", True, True),
    ]


def test_a_typed_quantity_needs_one_scan_first_or_a_supervisor(floor: Store) -> None:
    release_wave(floor, "pick-by-order", [{"PEN": 30}])
    task_id = claim_with_totes(floor, ["TOTE-0001"])
    scan_all(floor, task_id, ["LOC-A02-05-1"])

    unscanned = enter_quantity(floor, PICKER, task_id, 30)
    assert not unscanned.accepted and unscanned.refusal is Refusal.APPROVAL
    assert "Scan one PEN first" in unscanned.reason and "supervisor" in unscanned.reason
    wrong_pin = enter_quantity(floor, PICKER, task_id, 30, Approval(SUPERVISOR_BADGE, "9999"))
    assert not wrong_pin.accepted and wrong_pin.refusal is Refusal.APPROVAL
    not_a_supervisor = enter_quantity(floor, PICKER, task_id, 30, Approval("OP-1000000002", "1234"))
    assert not not_a_supervisor.accepted
    assert _picked(floor, task_id) == 0

    approved = enter_quantity(floor, PICKER, task_id, 10, Approval(SUPERVISOR_BADGE, "1234"))
    assert approved.accepted and _picked(floor, task_id) == 10
    then_typed = enter_quantity(floor, PICKER, task_id, 20)  # units are in hand: no approval
    assert then_typed.accepted
    stop = current_stop(floor, task_id)
    assert stop is not None and stop.expect == "tote"

    accepted = [row for row in _rows(floor, "pick.qty") if row.accepted]
    assert [(row.raw, row.keyed, row.authorised_by) for row in accepted] == [
        ("10", True, 3),
        ("20", True, None),
    ]
    assert all(row.operator_id == PICKER.operator_id for row in accepted)


def test_an_unknown_tote_is_refused_and_registered_totes_are_taken(floor: Store) -> None:
    release_wave(floor, "pick-by-order", [{"MUG": 1}])
    task_id = claim_with_totes(floor, [])
    typo = scan_at_stop(floor, PICKER, task_id, "TOTE-1")
    assert not typo.accepted
    assert typo.reason.startswith("no tote TOTE-1: scan a printed tote label")
    assert "warehouse-tui totes add" in typo.reason
    with floor.read() as session:
        assert session.exec(select(Tote).where(Tote.code == "TOTE-1")).first() is None

    added = add_totes(floor, Actor(None, "DESK", "cli", name="admin"), 2)
    assert added.accepted and added.codes == ("TOTE-0100", "TOTE-0101")
    assert scan_at_stop(floor, PICKER, task_id, "TOTE-0101").accepted
    assert _rows(floor, "totes.add")[-1].raw == "TOTE-0100..TOTE-0101"


def test_an_unknown_location_or_tote_at_a_stop_is_refused_by_name(floor: Store) -> None:
    release_wave(floor, "pick-by-order", [{"MUG": 1}])
    task_id = claim_with_totes(floor, ["TOTE-0001"])
    nowhere = scan_at_stop(floor, PICKER, task_id, "LOC-Z09-09-9")
    assert nowhere.reason == "no location LOC-Z09-09-9: scan a printed location label"
    scan_all(floor, task_id, ["LOC-A01-01-1", SKUS["MUG"].ean])
    unknown = scan_at_stop(floor, PICKER, task_id, "TOTE-0500")
    assert not unknown.accepted and unknown.reason.startswith("no tote TOTE-0500")
    assert scan_at_stop(floor, PICKER, task_id, "TOTE-0001").accepted


def test_adding_totes_refuses_a_count_out_of_range(floor: Store) -> None:
    admin = Actor(None, "DESK", "cli", name="admin")
    for count in (0, -1, 10_001):
        refused = add_totes(floor, admin, count)
        assert not refused.accepted and refused.refusal is Refusal.QUANTITY
    with floor.read() as session:
        assert len(session.exec(select(Tote)).all()) == 99


def test_the_put_wall_refuses_a_typed_code_and_an_unknown_slot(floor: Store) -> None:
    release_wave(floor, "batch", [{"MUG": 2}], link_allocations=False)
    task = claim_next_task(floor, PICKER)
    assert task is not None
    scan_all(floor, task.task_id, stop_scans("MUG", 2, None))

    typed = sort_item(floor, PICKER, 1, "MUG")
    assert not typed.accepted and "MUG must be scanned from the item's barcode" in typed.reason
    sorted_ = sort_item(floor, PICKER, 1, SKUS["MUG"].ean)
    assert sorted_.accepted and sorted_.slot_code == "WALL-1-01"
    unknown = confirm_slot(floor, PICKER, "WALL-1-09")
    assert not unknown.accepted
    assert unknown.reason == "no put-wall slot WALL-1-09: scan a printed put-wall slot label"
    assert confirm_slot(floor, PICKER, "WALL-1-01").accepted

    with floor.write() as session:
        session.exec(select(Sku).where(Sku.code == "MUG")).one().code_entry_allowed = True
    assert sort_item(floor, PICKER, 1, "MUG").accepted
    sorts = [(row.raw, row.accepted, row.keyed) for row in _rows(floor, "putwall.sort")]
    assert sorts == [("MUG", False, False), (SKUS["MUG"].ean, True, False), ("MUG", True, True)]
