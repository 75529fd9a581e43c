"""The pick scan's fast path (prepared statements, store/pick_scan.py) answers and writes what
the usual path does: after every accepted scan the stop it shows is the stop the handheld reads
back, and a walked list leaves the rows the usual path leaves. On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from tests.support.picking_floor import (
    PICKER,
    claim_with_totes,
    floor_fixture,  # noqa: F401 — the `floor` fixture
    migrated_pg,  # noqa: F401 — a fixture `floor` uses
    migrated_sqlite,  # noqa: F401 — a fixture `floor` uses
    release_wave,
    stock_of,
    stop_scans,
)
from warehouse_tui.services.picking import current_stop, scan
from warehouse_tui.services.picking import scan_at_stop as scan_at
from warehouse_tui.services.settings import set_setting
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import (
    Allocation,
    Journal,
    Order,
    OrderLine,
    PickTask,
    StockMove,
)


def _scan_rows(store: Store) -> list[Journal]:
    with store.read() as session:
        return list(
            session.exec(
                select(Journal).where(Journal.action == "pick.scan").order_by(col(Journal.id))
            )
        )


def test_each_accepted_scan_shows_the_stop_read_back(
    floor: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    released = release_wave(floor, "pick-by-order", [{"MUG": 2, "TEE": 1}, {"CAP": 1}])
    task_id = claim_with_totes(floor, ["TOTE-0001", "TOTE-0002"])
    fast: list[str] = []
    usual = scan._fast_scan

    def counted(*args):  # type: ignore[no-untyped-def]
        outcome = usual(*args)
        if outcome is not None:
            fast.append(args[3])
        return outcome

    monkeypatch.setattr(scan, "_fast_scan", counted)
    walked = []
    for sku, qty, tote in (
        ("MUG", 2, "TOTE-0001"),
        ("TEE", 1, "TOTE-0001"),
        ("CAP", 1, "TOTE-0002"),
    ):
        for code in stop_scans(sku, qty, tote):
            outcome = scan_at(floor, PICKER, task_id, code)
            assert outcome.accepted, (code, outcome.reason)
            assert outcome.stop == current_stop(floor, task_id)
            walked.append(code)
    # Every scan but the list's last tote (which finishes the list and its wave) ran fast.
    assert fast == walked[:-1]
    first, second = released.order_ids
    with floor.read() as session:
        task = session.get_one(PickTask, task_id)
        assert task.status == "done"
        states = dict(session.exec(select(Order.id, Order.status)).all())
        assert states == {first: "picked", second: "picked"}
        lines = session.exec(select(OrderLine.qty, OrderLine.picked)).all()
        assert all(qty == picked for qty, picked in lines)
        allocations = session.exec(select(Allocation.qty, Allocation.picked)).all()
        assert all(qty == picked for qty, picked in allocations)
        moves = session.exec(select(StockMove.delta).where(StockMove.reason == "pick")).all()
        assert sorted(moves) == [-2, -1, -1]
    assert stock_of(floor, "LOC-A01-01-1") == (18, 0)
    scans = _scan_rows(floor)
    assert [(row.raw, row.accepted) for row in scans] == [(code, True) for code in walked]
    assert all(row.task_ref == f"PICK-{task_id}" for row in scans)
    assert [row.order_id for row in scans] == [first] * 7 + [second] * 3


def test_a_double_trigger_on_the_fast_path_is_refused_and_journaled(floor: Store) -> None:
    release_wave(floor, "pick-by-order", [{"MUG": 2}])
    task_id = claim_with_totes(floor, ["TOTE-0001"])
    with floor.write() as session:
        set_setting(session, "duplicate_scan_window_ms", 200)
    location, item, *_rest = stop_scans("MUG", 2, "TOTE-0001")
    assert scan_at(floor, PICKER, task_id, location).accepted
    assert scan_at(floor, PICKER, task_id, item, scanned_at=100.0).accepted
    again = scan_at(floor, PICKER, task_id, item, scanned_at=100.0)
    assert not again.accepted and "double trigger" in again.reason
    stop = current_stop(floor, task_id)
    assert stop is not None and stop.picked == 1
    refused = [row for row in _scan_rows(floor) if not row.accepted]
    assert [(row.raw, row.task_ref) for row in refused] == [(item, f"PICK-{task_id}")]
