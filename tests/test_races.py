"""Stations racing on one parcel, one pick list, one order or one wave, as separate processes on
SQLite and PostgreSQL: each race has one winner and clear refusals, no label or tracking number
twice, and `check` finds the floor consistent at the end."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Any

from sqlmodel import select

from tests.conftest import Db
from tests.factories import (
    BusyFloor,
    busy_floor,
    next_pack_step,
    next_pick_scan,
    pick_all,
    picked_totes,
    printed_labels,
    ready_to_close,
)
from tests.support.races import race
from warehouse_tui.services import packing, picking
from warehouse_tui.services.check import check_floor
from warehouse_tui.services.journal import Actor
from warehouse_tui.services.orders import cancel_order
from warehouse_tui.services.waves import cancel_wave
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import Journal, Order, Parcel, PickTask, Stock, Wave


def journal(store: Store, action: str) -> list[Journal]:
    with store.read() as session:
        return list(session.exec(select(Journal).where(Journal.action == action)).all())


def packed_floor(db: Db, orders: int) -> tuple[BusyFloor, list[int]]:
    """A floor whose orders are picked and their parcels ready to close; the parcel ids."""
    floor = busy_floor(db.store, orders)
    pick_all(db.store, floor.pickers[0])
    packer = floor.packers[0]
    return floor, [
        ready_to_close(db.store, packer, tote) for tote in picked_totes(db.store).values()
    ]


# --- jobs, each run in a process of its own -------------------------------------------------


def close_each(store: Store, packer: Actor, parcel_ids: list[int], printer: str) -> list[Any]:
    return [
        (parcel_id, result.accepted, result.reason)
        for parcel_id in parcel_ids
        for result in [packing.close_parcel(store, packer, parcel_id, printer)]
    ]


def rebox_each(store: Store, packer: Actor, parcel_ids: list[int]) -> list[bool]:
    """Choose the box again: it forgets the weight, so a close must not go through without."""
    return [packing.choose_box(store, packer, p, "BOX-M1").accepted for p in parcel_ids]


def cancel_each(store: Store, supervisor: Actor, order_ids: list[int]) -> list[bool]:
    return [cancel_order(store, supervisor, str(order_id)).accepted for order_id in order_ids]


def claim(store: Store, picker: Actor) -> int | None:
    task = picking.claim_next_task(store, picker)
    return task.task_id if task is not None else None


def release(store: Store, supervisor: Actor, task_id: int) -> bool:
    return picking.release_claim(store, supervisor, task_id).accepted


def pick_while_possible(store: Store, picker: Actor, walk_s: float = 0.0) -> int:
    """Walk pick lists until none is left to claim, `walk_s` between scans; the accepted scans.
    Refusals are expected (another station changed the list under the picker) and only move on
    to the next look."""
    accepted = 0
    while (task := picking.claim_next_task(store, picker)) is not None:
        code = next_pick_scan(store, task.task_id)
        if code is None:
            continue
        accepted += picking.scan_at_stop(store, picker, task.task_id, code).accepted
        time.sleep(walk_s)
    return accepted


def cancel_wave_job(store: Store, supervisor: Actor, wave_id: int) -> bool:
    return cancel_wave(store, supervisor, wave_id).accepted


WALK_S = 0.05


# --- the races -------------------------------------------------------------------------------


def test_three_stations_closing_the_same_parcels_close_each_once(db: Db, tmp_path: Path) -> None:
    floor, parcels = packed_floor(db, 6)
    printers = [tmp_path / f"labels-{n}.zpl" for n in range(3)]
    orders = [parcels, parcels[::-1], parcels]
    outcomes = race(
        db,
        *(
            (close_each, (floor.packers[0], order, str(printer)))
            for order, printer in zip(orders, printers, strict=True)
        ),
    )
    closes = [outcome for station in outcomes for outcome in station]
    winners = Counter(parcel_id for parcel_id, accepted, _reason in closes if accepted)
    assert winners == dict.fromkeys(parcels, 1)
    refusals = [reason for _parcel, accepted, reason in closes if not accepted]
    assert len(refusals) == 12 and all("is closed" in reason for reason in refusals)
    labels = [label for p in printers if p.exists() for label in printed_labels(p.read_text())]
    assert len(labels) == len({tracking for _parcel, tracking in labels}) == 6
    with db.store.read() as session:
        stored = {f"PCL-{p.id}": p.tracking for p in session.exec(select(Parcel)).all()}
    assert dict(labels) == stored
    assert len([row for row in journal(db.store, packing.CLOSE) if row.accepted]) == 6
    assert check_floor(db.store) == []


def test_a_box_changed_while_the_parcel_closes_never_leaves_it_closed_unweighed(
    db: Db, tmp_path: Path
) -> None:
    floor, parcels = packed_floor(db, 6)
    packer, other = floor.packers
    printer = str(tmp_path / "labels.zpl")
    closed, reboxed = race(
        db, (close_each, (packer, parcels, printer)), (rebox_each, (other, parcels))
    )
    assert check_floor(db.store) == []  # no parcel closed without its weight
    for (parcel_id, accepted, reason), rebox in zip(closed, reboxed, strict=True):
        # whichever came first won: a close refuses an unweighed parcel, a box a closed one
        assert accepted != rebox, (parcel_id, reason)
        assert accepted or "Weigh the parcel first" in reason, (parcel_id, reason)
        while (step := next_pack_step(db.store, packer, parcel_id, printer)) is not None:
            assert step.run().accepted
    labels = printed_labels(Path(printer).read_text())
    assert len(labels) == len({tracking for _parcel, tracking in labels}) == 6
    assert check_floor(db.store) == []


def test_an_order_cancelled_while_its_parcel_closes(db: Db, tmp_path: Path) -> None:
    floor, parcels = packed_floor(db, 6)
    with db.store.read() as session:
        lead = {p.id: p.order_id for p in session.exec(select(Parcel)).all()}
    cancelled = [lead[parcel_id] for parcel_id in parcels[::2]]
    printer = str(tmp_path / "labels.zpl")
    closes, cancels = race(
        db,
        (close_each, (floor.packers[0], parcels, printer)),
        (cancel_each, (floor.supervisor, cancelled)),
    )
    assert all(cancels)
    for _parcel_id, accepted, reason in closes:
        assert accepted or "STOP" in reason, reason
    # The pack station meets each cancelled order again: a closed parcel of it is voided.
    for parcel_id in parcels:
        packing.reprint_label(db.store, floor.packers[0], parcel_id, printer)
    with db.store.read() as session:
        for parcel in session.exec(select(Parcel)).all():
            order = session.get_one(Order, parcel.order_id)
            assert (parcel.status == "cancelled") == (parcel.order_id in cancelled), parcel
            assert order.intercepted == (order.id in cancelled)
    labels = printed_labels(Path(printer).read_text())
    assert len({tracking for _parcel, tracking in labels}) == len({p for p, _t in labels})
    assert check_floor(db.store) == []


def test_claims_at_once_give_each_list_to_one_picker(db: Db) -> None:
    floor = busy_floor(db.store, 6, pickers=3, cart_totes=1)
    first, second, third = floor.pickers
    claimed = race(db, (claim, (first,)), (claim, (first,)), (claim, (second,)), (claim, (third,)))
    assert None not in claimed
    assert claimed[0] == claimed[1]  # one picker on two handhelds holds one list
    assert len({claimed[0], claimed[2], claimed[3]}) == 3
    released = race(db, *((release, (floor.supervisor, claimed[2])) for _station in range(3)))
    assert sorted(released) == [False, False, True]
    assert check_floor(db.store) == []


def test_orders_cancelled_while_pickers_confirm_give_back_their_stock_once(db: Db) -> None:
    floor = busy_floor(db.store, 8, pickers=2, cart_totes=2)
    first, second = floor.pickers
    with db.store.read() as session:
        order_ids = list(session.exec(select(Order.id).order_by(Order.id)).all())
    scans = race(
        db,
        (pick_while_possible, (first,)),
        (pick_while_possible, (first,)),
        (pick_while_possible, (second,)),
        (cancel_each, (floor.supervisor, order_ids[1::2])),
    )
    assert all(scans[3]) and sum(scans[:3]) > 0
    with db.store.read() as session:
        assert min(session.exec(select(Stock.allocated)).all()) >= 0
        tasks = session.exec(select(PickTask.status)).all()
    assert set(tasks) == {"done"}
    assert check_floor(db.store) == []


def test_a_wave_cancelled_while_pickers_confirm_gives_back_its_stock_once(db: Db) -> None:
    floor = busy_floor(db.store, 8, pickers=2, cart_totes=2)
    first, second = floor.pickers
    with db.store.read() as session:
        wave_id = session.exec(select(Wave.id)).one()
    picked_first = race(db, (pick_until_some, (first,)))
    assert picked_first[0] > 0
    # The pickers walk between scans, so the wave is still open when the supervisor's first
    # call (a fresh process on a loaded machine) reaches the database.
    results = race(
        db,
        (pick_while_possible, (first, WALK_S)),
        (pick_while_possible, (second, WALK_S)),
        (cancel_wave_job, (floor.supervisor, wave_id)),
    )
    assert results[2] is True
    with db.store.read() as session:
        assert session.get_one(Wave, wave_id).status == "cancelled"
        assert min(session.exec(select(Stock.allocated)).all()) == 0
    assert check_floor(db.store) == []


def pick_until_some(store: Store, picker: Actor) -> int:
    """A few scans into the wave, so a cancellation meets picks already confirmed."""
    accepted = 0
    while accepted < 6 and (task := picking.claim_next_task(store, picker)) is not None:
        code = next_pick_scan(store, task.task_id)
        if code is not None:
            accepted += picking.scan_at_stop(store, picker, task.task_id, code).accepted
    return accepted
