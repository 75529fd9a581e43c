"""The put wall on SQLite and PostgreSQL: item → slot → confirm, ready slots, set-asides."""

from __future__ import annotations

from sqlmodel import col, select

from tests.support.picking_floor import (
    MUG_CASE,
    PICKER,
    PICKER_2,
    SKUS,
    Released,
    floor_fixture,  # noqa: F401 — the `floor` fixture
    migrated_pg,  # noqa: F401 — a fixture `floor` uses
    migrated_sqlite,  # noqa: F401 — a fixture `floor` uses
    release_wave,
    stop_scans,
)
from warehouse_tui.services.picking import claim_next_task, scan_at_stop
from warehouse_tui.services.putwall import confirm_slot, sort_item, wall_slots
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import FloorTask, Journal, Order, OrderLine, WallSlot, Wave

MUG, TEE, CAP = SKUS["MUG"].ean, SKUS["TEE"].ean, SKUS["CAP"].ean


def batch_picked(store: Store, orders: list[dict[str, int]]) -> Released:
    """A batch wave whose one pick list has been walked to the end."""
    released = release_wave(store, "batch", orders, link_allocations=False)
    task = claim_next_task(store, PICKER)
    assert task is not None
    totals: dict[str, int] = {}
    for lines in orders:
        for sku, qty in lines.items():
            totals[sku] = totals.get(sku, 0) + qty
    for sku in sorted(totals, key=lambda code: SKUS[code].location):
        for code in stop_scans(sku, totals[sku], None):
            assert scan_at_stop(store, PICKER, task.task_id, code).accepted
    return released


def put(store: Store, code: str) -> str:
    sorted_ = sort_item(store, PICKER, 1, code)
    assert sorted_.accepted, sorted_.reason
    assert sorted_.slot_code is not None
    placed = confirm_slot(store, PICKER, sorted_.slot_code)
    assert placed.accepted, placed.reason
    return sorted_.slot_code


def test_items_go_to_their_orders_slots_and_full_slots_are_ready(floor: Store) -> None:
    released = batch_picked(floor, [{"MUG": 2, "TEE": 1}, {"MUG": 1}])
    first, second = released.order_ids
    shown = sort_item(floor, PICKER, 1, MUG)
    assert shown.accepted and shown.slot_code == "WALL-1-01"
    assert (shown.order_ref, shown.sku_code, shown.placed, shown.needed) == (
        f"ORD-{first}",
        "MUG",
        0,
        3,
    )
    placed = confirm_slot(floor, PICKER, "WALL-1-01")
    assert placed.accepted and not placed.slot_ready and placed.placed == 1

    assert put(floor, MUG) == "WALL-1-01"  # the order already on the wall comes first
    assert put(floor, MUG) == "WALL-1-02"
    with floor.read() as session:
        order = session.get(Order, second)
        assert order is not None and order.status == "picked"
        slot = session.exec(select(WallSlot).where(WallSlot.code == "WALL-1-02")).one()
        assert (slot.order_id, slot.status) == (second, "ready")
        assert session.get(Wave, released.wave_id).status == "sorting"  # type: ignore[union-attr]

    last = sort_item(floor, PICKER, 1, TEE)
    assert last.slot_code == "WALL-1-01"
    done = confirm_slot(floor, PICKER, "WALL-1-01")
    assert done.accepted and done.slot_ready and "ready for packing" in done.message
    with floor.read() as session:
        assert {o.status for o in session.exec(select(Order)).all()} == {"picked"}
        assert all(line.picked == line.qty for line in session.exec(select(OrderLine)).all())
        assert session.get(Wave, released.wave_id).status == "done"  # type: ignore[union-attr]
    views = wall_slots(floor, 1)
    assert [(v.code, v.status, v.placed, v.needed) for v in views] == [
        ("WALL-1-01", "ready", 3, 3),
        ("WALL-1-02", "ready", 1, 1),
        ("WALL-1-03", "free", 0, 0),
    ]


def test_an_item_no_open_order_needs_is_set_aside(floor: Store) -> None:
    batch_picked(floor, [{"MUG": 1}])
    refused = sort_item(floor, PICKER, 1, CAP)
    assert not refused.accepted and refused.set_aside
    assert "No open order needs CAP" in refused.reason
    put(floor, MUG)
    extra = sort_item(floor, PICKER, 1, MUG)  # one mug more than was ordered
    assert not extra.accepted and extra.set_aside
    with floor.read() as session:
        tasks = session.exec(select(FloorTask).order_by(col(FloorTask.id))).all()
        assert [(t.kind, t.qty) for t in tasks] == [("set-aside", 1), ("set-aside", 1)]
        refusals = session.exec(select(Journal).where(col(Journal.accepted).is_(False))).all()
        assert [r.raw for r in refusals] == [CAP, MUG]


def test_wrong_slot_and_slot_without_item_are_refused(floor: Store) -> None:
    batch_picked(floor, [{"MUG": 1}, {"TEE": 1}])
    nothing = confirm_slot(floor, PICKER, "WALL-1-01")
    assert not nothing.accepted and "Scan an item first" in nothing.reason
    assert sort_item(floor, PICKER, 1, MUG).slot_code == "WALL-1-01"
    wrong = confirm_slot(floor, PICKER, "WALL-1-03")
    assert not wrong.accepted and wrong.reason == "Wrong slot WALL-1-03 — put it in WALL-1-01"
    not_a_slot = confirm_slot(floor, PICKER, TEE)
    assert not not_a_slot.accepted and "scan the slot" in not_a_slot.reason
    other_sorter = confirm_slot(floor, PICKER_2, "WALL-1-01")
    assert not other_sorter.accepted
    assert confirm_slot(floor, PICKER, "WALL-1-01").accepted
    again = confirm_slot(floor, PICKER, "WALL-1-01")
    assert not again.accepted and "Scan an item first" in again.reason


def test_a_new_item_scan_replaces_the_one_waiting_for_its_slot(floor: Store) -> None:
    batch_picked(floor, [{"MUG": 1}, {"TEE": 1}])
    assert sort_item(floor, PICKER, 1, MUG).slot_code == "WALL-1-01"
    assert sort_item(floor, PICKER, 1, TEE).slot_code == "WALL-1-02"
    assert not confirm_slot(floor, PICKER, "WALL-1-01").accepted
    assert confirm_slot(floor, PICKER, "WALL-1-02").accepted


def test_cases_unknown_codes_and_a_full_wall_are_refused(floor: Store) -> None:
    batch_picked(floor, [{"MUG": 1}, {"TEE": 1}, {"CAP": 1}, {"PEN": 1}])
    case = sort_item(floor, PICKER, 1, MUG_CASE)
    assert not case.accepted and "case of 12" in case.reason
    unknown = sort_item(floor, PICKER, 1, "9780201379624")
    assert not unknown.accepted and not unknown.set_aside
    slot_first = sort_item(floor, PICKER, 1, "WALL-1-01")
    assert not slot_first.accepted and "Scan the item first" in slot_first.reason
    for code in (MUG, TEE, CAP):
        put(floor, code)
    full = sort_item(floor, PICKER, 1, SKUS["PEN"].ean)
    assert not full.accepted and "Wall 1 is full" in full.reason
    assert not full.set_aside


def test_an_order_on_another_wall_is_not_sorted_here(floor: Store) -> None:
    batch_picked(floor, [{"MUG": 2}])
    with floor.write() as session:
        session.add(WallSlot(code="WALL-2-01", wall=2, slot=1))
    first = sort_item(floor, PICKER_2, 2, MUG)
    assert first.slot_code == "WALL-2-01"
    assert confirm_slot(floor, PICKER_2, "WALL-2-01").accepted
    elsewhere = sort_item(floor, PICKER, 1, MUG)
    assert not elsewhere.accepted and not elsewhere.set_aside
    assert elsewhere.reason == "MUG goes to put wall 2"
