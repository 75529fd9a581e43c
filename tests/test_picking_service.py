"""Picking services on SQLite and PostgreSQL: claims, totes, the scan steps, pauses."""

from __future__ import annotations

from sqlmodel import col, select

from tests.support.picking_floor import (
    MUG_CASE,
    PICKER,
    PICKER_2,
    SKUS,
    claim_with_totes,
    floor_fixture,  # noqa: F401 — the `floor` fixture
    journal_rows,
    migrated_pg,  # noqa: F401 — a fixture `floor` uses
    migrated_sqlite,  # noqa: F401 — a fixture `floor` uses
    release_wave,
    scan_all,
    schema_of,
    stock_of,
    stop_scans,
)
from warehouse_tui.services.picking import (
    Expect,
    claim_next_task,
    current_stop,
    enter_quantity,
    held_task,
    pause_task,
    resume_task,
    scan_at_stop,
)
from warehouse_tui.services.results import Refusal
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import (
    Allocation,
    Order,
    OrderLine,
    PickTask,
    StockMove,
    Tote,
    Wave,
)


def test_pick_by_order_walk_changes_stock_orders_and_wave(floor: Store) -> None:
    released = release_wave(floor, "pick-by-order", [{"MUG": 2, "TEE": 1}, {"MUG": 1}])
    task_id = claim_with_totes(floor, ["TOTE-0001", "TOTE-0002"])
    first, second = released.order_ids
    stop = current_stop(floor, task_id)
    assert stop is not None
    assert (stop.expect, stop.location_code, stop.sku_code, stop.qty, stop.tote_code) == (
        Expect.LOCATION,
        "LOC-A01-01-1",
        "MUG",
        2,
        "TOTE-0001",
    )
    assert (stop.order_ref, stop.done, stop.total) == (f"ORD-{first}", 0, 3)

    scan_all(floor, task_id, stop_scans("MUG", 2, "TOTE-0001"))
    stop = current_stop(floor, task_id)
    assert stop is not None
    assert (stop.sku_code, stop.qty, stop.tote_code, stop.done) == ("MUG", 1, "TOTE-0002", 1)
    scan_all(floor, task_id, stop_scans("MUG", 1, "TOTE-0002"))
    outcome = scan_at_stop(floor, PICKER, task_id, SKUS["TEE"].location)
    assert outcome.accepted
    scan_all(floor, task_id, [SKUS["TEE"].ean])
    last = scan_at_stop(floor, PICKER, task_id, "TOTE-0001")
    assert last.accepted and last.task_done and last.stop is None

    assert stock_of(floor, "LOC-A01-01-1") == (17, 0)
    assert stock_of(floor, "LOC-A03-10-2") == (9, 0)
    with floor.read() as session:
        assert {o.status for o in session.exec(select(Order)).all()} == {"picked"}
        lines = session.exec(select(OrderLine)).all()
        assert all(line.picked == line.qty for line in lines)
        assert all(a.picked == a.qty for a in session.exec(select(Allocation)).all())
        moves = session.exec(select(StockMove).order_by(col(StockMove.id))).all()
        assert [(m.delta, m.reason) for m in moves] == [(-2, "pick"), (-1, "pick"), (-1, "pick")]
        assert session.get(PickTask, task_id).status == "done"  # type: ignore[union-attr]
        assert session.get(Wave, released.wave_id).status == "done"  # type: ignore[union-attr]
        totes = session.exec(
            select(Tote).where(col(Tote.task_id).is_not(None)).order_by(col(Tote.code))
        ).all()
        assert [(t.code, t.order_id) for t in totes] == [
            ("TOTE-0001", first),
            ("TOTE-0002", second),
        ]
    assert journal_rows(floor, "pick.scan", True) == 10


def test_claim_moves_wave_to_picking_and_gives_the_held_task_back(floor: Store) -> None:
    released = release_wave(floor, "batch", [{"MUG": 1}])
    task = claim_next_task(floor, PICKER)
    assert task is not None and task.task_id == released.task_ids[0]
    assert claim_next_task(floor, PICKER_2) is None
    again = claim_next_task(floor, PICKER)
    assert again is not None and again.task_id == task.task_id
    with floor.read() as session:
        assert session.get(Wave, released.wave_id).status == "picking"  # type: ignore[union-attr]
    assert journal_rows(floor, "pick.claim", False) == 1


def test_no_task_of_a_paused_wave_is_claimed(floor: Store) -> None:
    released = release_wave(floor, "batch", [{"MUG": 1}])
    with floor.write() as session:
        session.get(Wave, released.wave_id).status = "paused"  # type: ignore[union-attr]
    assert claim_next_task(floor, PICKER) is None


def test_empty_totes_are_scanned_onto_the_cart_one_per_order(floor: Store) -> None:
    released = release_wave(floor, "pick-by-order", [{"TEE": 1}, {"MUG": 1}])
    task_id = claim_with_totes(floor, [])
    stop = current_stop(floor, task_id)
    assert stop is not None and stop.expect == Expect.EMPTY_TOTE
    # Route order: the MUG order's stop comes first, so it gets the first tote.
    assert stop.bind_order_ref == f"ORD-{released.order_ids[1]}"
    assert (stop.totes_bound, stop.totes_needed) == (0, 2)

    refused = scan_at_stop(floor, PICKER, task_id, SKUS["MUG"].location)
    assert not refused.accepted and "empty tote" in refused.reason
    assert scan_at_stop(floor, PICKER, task_id, "TOTE-0007").accepted
    busy = scan_at_stop(floor, PICKER, task_id, "TOTE-0007")
    assert not busy.accepted and "TOTE-0007 still holds" in busy.reason
    torn = scan_at_stop(floor, PICKER, task_id, "TOTE-")
    assert not torn.accepted and "TOTE-0042" in torn.reason
    bound = scan_at_stop(floor, PICKER, task_id, "tote-0008")
    assert bound.accepted and bound.stop is not None
    assert bound.stop.expect == Expect.LOCATION and bound.stop.tote_code == "TOTE-0007"
    assert journal_rows(floor, "pick.tote", False) == 3


def test_pre_bound_totes_skip_the_cart_step(floor: Store) -> None:
    released = release_wave(floor, "pick-by-order", [{"MUG": 1}], pre_bind_totes=True)
    task_id = claim_with_totes(floor, [])
    stop = current_stop(floor, task_id)
    assert stop is not None and stop.expect == Expect.LOCATION
    tote = released.tote_codes[released.order_ids[0]]
    scan_all(floor, task_id, stop_scans("MUG", 1, tote))
    assert current_stop(floor, task_id) is None


def test_a_busy_tote_at_claim_leaves_its_order_asking_for_one(floor: Store) -> None:
    release_wave(floor, "pick-by-order", [{"MUG": 1}], pre_bind_totes=True)
    task = claim_next_task(floor, PICKER)
    assert task is not None
    release_wave(floor, "pick-by-order", [{"TEE": 1}])
    claimed = claim_next_task(floor, PICKER_2, [task.totes[0][1] or ""])
    assert claimed is not None and claimed.totes[0][1] is None
    assert journal_rows(floor, "pick.tote", False) == 1


def test_a_case_barcode_counts_its_quantity(floor: Store) -> None:
    release_wave(floor, "batch", [{"MUG": 7}, {"MUG": 6}])
    task_id = claim_with_totes(floor, [])
    scan_all(floor, task_id, ["LOC-A01-01-1", MUG_CASE])
    stop = current_stop(floor, task_id)
    assert stop is not None and (stop.picked, stop.remaining) == (12, 1)
    last = scan_at_stop(floor, PICKER, task_id, SKUS["MUG"].ean)
    assert last.accepted and last.task_done
    assert stock_of(floor, "LOC-A01-01-1") == (7, 0)


def test_typed_quantity_only_where_the_sku_allows_it(floor: Store) -> None:
    release_wave(floor, "pick-by-order", [{"PEN": 150, "MUG": 1}])
    task_id = claim_with_totes(floor, ["TOTE-0001"])
    scan_all(floor, task_id, ["LOC-A01-01-1"])
    refused = enter_quantity(floor, PICKER, task_id, 1)
    assert not refused.accepted and "MUG must be scanned item by item" in refused.reason
    scan_all(floor, task_id, [SKUS["MUG"].ean, "TOTE-0001", "LOC-A02-05-1"])
    too_many = enter_quantity(floor, PICKER, task_id, 151)
    assert not too_many.accepted and "Enter 1 to 150" in too_many.reason
    unscanned = enter_quantity(floor, PICKER, task_id, 100)
    assert not unscanned.accepted and unscanned.refusal is Refusal.APPROVAL
    assert "Scan one PEN first" in unscanned.reason
    scan_all(floor, task_id, [SKUS["PEN"].ean])
    typed = enter_quantity(floor, PICKER, task_id, 100)
    assert typed.accepted and typed.stop is not None and typed.stop.remaining == 49
    rest = enter_quantity(floor, PICKER, task_id, 49)
    assert rest.accepted and rest.stop is not None and rest.stop.expect == Expect.TOTE
    assert scan_at_stop(floor, PICKER, task_id, "TOTE-0001").task_done
    assert stock_of(floor, "LOC-A02-05-1") == (350, 0)


def test_a_dropped_terminal_comes_back_at_the_same_stop_and_step(floor: Store) -> None:
    release_wave(floor, "pick-by-order", [{"MUG": 3}])
    task_id = claim_with_totes(floor, ["TOTE-0001"])
    scan_all(floor, task_id, ["LOC-A01-01-1", SKUS["MUG"].ean])
    restarted = Store(floor.url, schema=schema_of(floor))
    try:
        task = claim_next_task(restarted, PICKER)
        assert task is not None and task.task_id == task_id
        stop = current_stop(restarted, task_id)
        assert stop is not None
        assert (stop.expect, stop.picked, stop.remaining) == (Expect.ITEM, 1, 2)
    finally:
        restarted.dispose()


def test_pause_and_resume(floor: Store) -> None:
    release_wave(floor, "batch", [{"MUG": 1}])
    task_id = claim_with_totes(floor, [])
    assert pause_task(floor, PICKER, task_id).accepted
    paused = scan_at_stop(floor, PICKER, task_id, "LOC-A01-01-1")
    assert not paused.accepted and "paused" in paused.reason
    assert not pause_task(floor, PICKER, task_id).accepted
    stop = current_stop(floor, task_id)
    assert stop is not None and stop.paused
    assert not resume_task(floor, PICKER_2, task_id).accepted
    assert resume_task(floor, PICKER, task_id).accepted
    assert not resume_task(floor, PICKER, task_id).accepted
    scan_all(floor, task_id, ["LOC-A01-01-1"])
    assert pause_task(floor, PICKER, task_id).accepted
    held = claim_next_task(floor, PICKER)  # asking for work resumes the held list
    assert held is not None and (held.task_id, held.status) == (task_id, "claimed")


def test_someone_elses_task_is_refused(floor: Store) -> None:
    release_wave(floor, "batch", [{"MUG": 1}])
    task_id = claim_with_totes(floor, [])
    outcome = scan_at_stop(floor, PICKER_2, task_id, "LOC-A01-01-1")
    assert not outcome.accepted and "no longer yours" in outcome.reason
    assert held_task(floor, PICKER_2) is None
    held = held_task(floor, PICKER)
    assert held is not None and held.task_id == task_id
