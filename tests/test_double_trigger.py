"""A scanner that fires twice on one pull sends the same code again within milliseconds: on
every scanning screen's service that second scan is journaled as a refused duplicate and
changes nothing (SQLite only: the guard does not depend on the database)."""

from __future__ import annotations

import time
from dataclasses import replace

from sqlmodel import col, select

from tests.support.picking_floor import (
    PICKER,
    SKUS,
    claim_with_totes,
    migrated_sqlite,  # noqa: F401 — a fixture `sqlite_floor` uses
    release_wave,
    scan_all,
    sqlite_floor_fixture,  # noqa: F401 — the `sqlite_floor` fixture
    stop_scans,
)
from warehouse_tui.services.journal import Actor
from warehouse_tui.services.picking import claim_next_task, current_stop, scan_at_stop
from warehouse_tui.services.putwall import confirm_slot, sort_item
from warehouse_tui.services.settings import set_setting
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import Journal

MUG = SKUS["MUG"].ean
WINDOW_MS = 60_000  # wide, so a slow machine cannot turn the double trigger into two scans


def widen_window(store: Store, window_ms: int = WINDOW_MS) -> None:
    with store.write() as session:
        set_setting(session, "duplicate_scan_window_ms", window_ms)


def refused_duplicates(store: Store) -> list[Journal]:
    with store.read() as session:
        rows = session.exec(select(Journal).where(col(Journal.accepted).is_(False))).all()
    return [row for row in rows if "double trigger" in row.reason]


def own_station(name: str) -> Actor:
    """The picker at a station of this test's own: the guard keeps the last code per station."""
    return replace(PICKER, station=name)


def test_a_double_trigger_at_a_stop_counts_one_item(sqlite_floor: Store) -> None:
    floor = sqlite_floor
    release_wave(floor, "pick-by-order", [{"MUG": 2}])
    task_id = claim_with_totes(floor, ["TOTE-0001"])
    picker = own_station("HH-TRIGGER-PICK")
    widen_window(floor)
    assert scan_at_stop(floor, picker, task_id, "LOC-A01-01-1").accepted
    assert scan_at_stop(floor, picker, task_id, MUG).accepted

    double = scan_at_stop(floor, picker, task_id, MUG)

    assert not double.accepted and "double trigger" in double.reason
    stop = current_stop(floor, task_id)
    assert stop is not None and stop.picked == 1
    [row] = refused_duplicates(floor)
    assert (row.station, row.raw, row.task_ref, row.action) == (
        "HH-TRIGGER-PICK",
        MUG,
        f"PICK-{task_id}",
        "pick.scan",
    )

    widen_window(floor, 0)  # the same item again, a moment later, is the second unit
    assert scan_at_stop(floor, picker, task_id, MUG).accepted
    stop = current_stop(floor, task_id)
    assert stop is not None and stop.picked == 2


def test_a_double_trigger_at_the_put_wall_changes_nothing(sqlite_floor: Store) -> None:
    floor = sqlite_floor
    release_wave(floor, "batch", [{"MUG": 1}], link_allocations=False)
    task = claim_next_task(floor, PICKER)
    assert task is not None
    scan_all(floor, task.task_id, stop_scans("MUG", 1, None))
    sorter = own_station("WALL-TRIGGER")
    widen_window(floor)
    shown = sort_item(floor, sorter, 1, MUG)
    assert shown.accepted and shown.slot_code is not None
    assert confirm_slot(floor, sorter, shown.slot_code).accepted

    double = confirm_slot(floor, sorter, shown.slot_code)

    assert not double.accepted and "double trigger" in double.reason
    assert len(refused_duplicates(floor)) == 1
    with floor.read() as session:
        confirms = session.exec(
            select(Journal).where(Journal.action == "putwall.confirm", col(Journal.accepted))
        ).all()
    assert len(confirms) == 1


def test_the_window_is_judged_by_when_the_station_took_the_scans(sqlite_floor: Store) -> None:
    """Scans wait in line for the service thread: two pulls 50 ms apart are a double trigger
    however late their services run, and two 300 ms apart are two items however close."""
    floor = sqlite_floor
    release_wave(floor, "pick-by-order", [{"MUG": 3}])
    task_id = claim_with_totes(floor, ["TOTE-0001"])
    picker = own_station("HH-TRIGGER-QUEUE")
    widen_window(floor, 200)
    taken = time.monotonic()
    assert scan_at_stop(floor, picker, task_id, "LOC-A01-01-1", taken).accepted
    assert scan_at_stop(floor, picker, task_id, MUG, taken + 1.0).accepted
    time.sleep(0.3)  # the service thread was busy
    double = scan_at_stop(floor, picker, task_id, MUG, taken + 1.05)
    assert not double.accepted and "double trigger" in double.reason
    assert scan_at_stop(floor, picker, task_id, MUG, taken + 1.35).accepted
    stop = current_stop(floor, task_id)
    assert stop is not None and stop.picked == 2
