"""Short picks, released claims, batch picks and the journal of a held list, on SQLite and
PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update
from sqlmodel import col, select

from tests.support.picking_floor import (
    MUG_BACKUP,
    MUG_BACKUP_QTY,
    PICKER,
    PICKER_2,
    SKUS,
    SUPERVISOR,
    claim_with_totes,
    floor_fixture,  # noqa: F401 — the `floor` fixture
    journal_rows,
    migrated_pg,  # noqa: F401 — a fixture `floor` uses
    migrated_sqlite,  # noqa: F401 — a fixture `floor` uses
    release_wave,
    scan_all,
    stock_of,
    stop_scans,
)
from warehouse_tui.services.picking import (
    Expect,
    claim_next_task,
    current_stop,
    enter_quantity,
    heartbeat,
    pause_task,
    release_claim,
    release_stale_claims,
    resume_task,
    scan_at_stop,
    short_pick,
)
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import (
    Allocation,
    FloorTask,
    Journal,
    Order,
    OrderLine,
    PickStop,
    PickTask,
    Wave,
    utcnow,
)


def test_a_supervisor_releases_a_claim_whose_heartbeat_stopped(floor: Store) -> None:
    release_wave(floor, "pick-by-order", [{"MUG": 2}], orders_per_task=1)
    release_wave(floor, "pick-by-order", [{"TEE": 1}])
    task_id = claim_with_totes(floor, ["TOTE-0001"])
    scan_all(floor, task_id, ["LOC-A01-01-1", SKUS["MUG"].ean])
    other = claim_next_task(floor, PICKER_2, ["TOTE-0002"])
    assert other is not None
    assert heartbeat(floor, PICKER, task_id).accepted
    with floor.write() as session:
        session.exec(
            update(PickTask)
            .where(col(PickTask.id) == task_id)
            .values(heartbeat_at=utcnow() - timedelta(minutes=10))
        )

    assert not release_stale_claims(floor, PICKER_2, 300).accepted
    released = release_stale_claims(floor, SUPERVISOR, 300)
    assert released.accepted and released.task_ids == (task_id,)
    lost = heartbeat(floor, PICKER, task_id)
    assert not lost.accepted and "released" in lost.reason
    assert not scan_at_stop(floor, PICKER, task_id, SKUS["MUG"].ean).accepted

    assert release_claim(floor, SUPERVISOR, other.task_id).accepted
    assert not release_claim(floor, SUPERVISOR, other.task_id).accepted
    taken = claim_next_task(floor, PICKER_2)
    assert taken is not None and taken.task_id == task_id
    stop = current_stop(floor, task_id)
    assert stop is not None and (stop.expect, stop.picked, stop.tote_code) == (
        Expect.ITEM,
        1,
        "TOTE-0001",
    )
    assert scan_at_stop(floor, PICKER_2, task_id, SKUS["MUG"].ean).accepted


def test_only_a_supervisor_releases_one_claim(floor: Store) -> None:
    release_wave(floor, "batch", [{"MUG": 1}])
    task_id = claim_with_totes(floor, [])
    refused = release_claim(floor, PICKER_2, task_id)
    assert not refused.accepted and "supervisor" in refused.reason
    assert journal_rows(floor, "pick.release", False) == 1


def test_short_pick_goes_to_another_location_with_free_stock(floor: Store) -> None:
    released = release_wave(floor, "pick-by-order", [{"MUG": 8}])
    task_id = claim_with_totes(floor, ["TOTE-0001"])
    scan_all(floor, task_id, ["LOC-A01-01-1", SKUS["MUG"].ean])
    refused = short_pick(floor, PICKER, task_id, 0)
    assert not refused.accepted and "1 to 7" in refused.reason
    outcome = short_pick(floor, PICKER, task_id, 4)
    assert outcome.accepted and outcome.moved_to == (MUG_BACKUP,)
    assert outcome.unrecovered == 0
    assert outcome.stop is not None and (outcome.stop.qty, outcome.stop.picked) == (4, 1)
    scan_all(floor, task_id, [SKUS["MUG"].ean] * 3 + ["TOTE-0001"])
    stop = current_stop(floor, task_id)
    assert stop is not None and (stop.location_code, stop.qty, stop.total) == (MUG_BACKUP, 4, 2)
    scan_all(floor, task_id, [MUG_BACKUP, *[SKUS["MUG"].ean] * 4, "TOTE-0001"])
    assert current_stop(floor, task_id) is None
    assert stock_of(floor, "LOC-A01-01-1") == (16, 0)
    assert stock_of(floor, MUG_BACKUP) == (MUG_BACKUP_QTY - 4, 0)
    with floor.read() as session:
        order = session.get(Order, released.order_ids[0])
        assert order is not None and (order.status, order.hold_reason) == ("picked", "")
        count = session.exec(select(FloorTask)).one()
        assert (count.kind, count.qty, count.status) == ("count", 4, "open")


def test_a_shortage_nobody_can_cover_flags_the_order(floor: Store) -> None:
    released = release_wave(floor, "pick-by-order", [{"TEE": 3, "CAP": 1}])
    task_id = claim_with_totes(floor, ["TOTE-0001"])
    scan_all(floor, task_id, ["LOC-A03-10-2"])
    outcome = short_pick(floor, PICKER, task_id, 0)
    assert outcome.accepted and outcome.moved_to == () and outcome.unrecovered == 3
    assert outcome.stop is not None and outcome.stop.sku_code == "CAP"
    scan_all(floor, task_id, stop_scans("CAP", 1, "TOTE-0001"))
    assert stock_of(floor, "LOC-A03-10-2") == (10, 0)
    with floor.read() as session:
        order = session.get(Order, released.order_ids[0])
        assert order is not None and order.status == "released"
        assert "Short 3 × TEE" in order.hold_reason
        stops = session.exec(select(PickStop).order_by(col(PickStop.seq))).all()
        assert [(s.status, s.qty) for s in stops] == [("short", 0), ("done", 1)]
        task = session.get(PickTask, task_id)
        assert task is not None and task.status == "done"
        flagged = session.exec(select(Journal).where(Journal.action == "pick.shortage")).one()
        assert flagged.order_id == order.id
        assert session.exec(select(FloorTask)).one().location_id is not None


def test_short_needs_the_location_scanned(floor: Store) -> None:
    release_wave(floor, "pick-by-order", [{"TEE": 3}])
    task_id = claim_with_totes(floor, ["TOTE-0001"])
    refused = short_pick(floor, PICKER, task_id, 1)
    assert not refused.accepted and "Scan the location first" in refused.reason


def test_batch_pick_leaves_order_lines_for_the_put_wall(floor: Store) -> None:
    released = release_wave(
        floor, "batch", [{"MUG": 2, "TEE": 1}, {"MUG": 1}], link_allocations=False
    )
    task_id = claim_with_totes(floor, [])
    stop = current_stop(floor, task_id)
    assert stop is not None and (stop.qty, stop.tote_code, stop.order_ref) == (3, None, None)
    scan_all(floor, task_id, stop_scans("MUG", 3, None) + stop_scans("TEE", 1, None))
    assert current_stop(floor, task_id) is None
    with floor.read() as session:
        assert all(a.picked == a.qty for a in session.exec(select(Allocation)).all())
        assert all(line.picked == 0 for line in session.exec(select(OrderLine)).all())
        assert session.get(Wave, released.wave_id).status == "sorting"  # type: ignore[union-attr]
    assert stock_of(floor, "LOC-A01-01-1") == (17, 0)


def test_pick_by_order_stops_without_allocation_ids_find_their_allocations(
    floor: Store,
) -> None:
    release_wave(floor, "pick-by-order", [{"MUG": 2}, {"MUG": 3}], link_allocations=False)
    task_id = claim_with_totes(floor, ["TOTE-0001", "TOTE-0002"])
    scan_all(floor, task_id, stop_scans("MUG", 2, "TOTE-0001") + stop_scans("MUG", 3, "TOTE-0002"))
    with floor.read() as session:
        lines = session.exec(select(OrderLine).order_by(col(OrderLine.id))).all()
        assert [line.picked for line in lines] == [2, 3]


def test_each_action_on_a_held_list_writes_one_journal_row_with_its_outcome(
    floor: Store,
) -> None:
    released = release_wave(floor, "pick-by-order", [{"MUG": 8}])
    (order_id,) = released.order_ids
    task_id = claim_with_totes(floor, ["TOTE-0001"])
    before = _journal(floor)
    here = f"PICK-{task_id}"

    assert pause_task(floor, PICKER, task_id).accepted
    assert not pause_task(floor, PICKER, task_id).accepted
    assert resume_task(floor, PICKER, task_id).accepted
    assert not resume_task(floor, PICKER, task_id).accepted
    assert not enter_quantity(floor, PICKER, task_id, 3).accepted
    assert not scan_at_stop(floor, PICKER_2, task_id, "LOC-A01-01-1").accepted
    assert scan_at_stop(floor, PICKER, task_id, "LOC-A01-01-1").accepted
    assert short_pick(floor, PICKER, task_id, 4).accepted

    assert _journal(floor)[len(before) :] == [
        ("pick.pause", True, "", "", here, None),
        ("pick.pause", False, "This pick list is paused — resume it first", "", here, None),
        ("pick.resume", True, "", "", here, None),
        ("pick.resume", False, "This pick list is not paused", "", here, None),
        ("pick.qty", False, "Scan the location first", "3", here, None),
        (
            "pick.scan",
            False,
            "This pick list is no longer yours — claim the next one",
            "LOC-A01-01-1",
            here,
            None,
        ),
        ("pick.scan", True, "", "LOC-A01-01-1", here, order_id),
        ("pick.short", True, "4 × MUG missing at LOC-A01-01-1", "4", here, order_id),
    ]


def _journal(store: Store) -> list[tuple[str, bool, str, str, str, int | None]]:
    with store.read() as session:
        rows = session.exec(select(Journal).order_by(col(Journal.id))).all()
        return [
            (row.action, row.accepted, row.reason, row.raw, row.task_ref, row.order_id)
            for row in rows
        ]
