"""The books agree at every step of a lot found too soon at the pack station, on a floor walked
through its services (imported stock, a released wave, a picker, a packer, a supervisor):
refused and taken off the order, re-allocated from a fresher lot, picked, put back on its
shelf from the set-aside tote (or scrapped), packed and labelled — `warehouse-tui check` finds
nothing after each (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlmodel import col, select

from tests.factories import (
    BOX,
    exceptions_floor,
    import_orders,
    operator,
    order_record,
    registered_tote,
    release,
)
from warehouse_tui.services import packing, picking
from warehouse_tui.services.check import check_floor
from warehouse_tui.services.exceptions import Kind, act, list_exceptions
from warehouse_tui.services.journal import Actor
from warehouse_tui.services.settings import set_setting
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import Location, Order, Role, Sku, Stock, StockMove

MUG = "(01)04006381333931(10){batch}"
LOTS = {"LOC-A01-01-1": ("L1", date(2027, 5, 31)), "LOC-C11-01-4": ("L3", date(2029, 1, 1))}
FRESH = "LOC-A01-01-2"  # 10 mugs of lot L2 are received here


def _mugs_in_lots(store: Store) -> None:
    """The sample floor's mugs become batch-tracked: L1 (the earlier expiry), L3 in reserve,
    and 10 of L2 arrive on another shelf."""
    with store.write() as session:
        mug = session.exec(select(Sku).where(Sku.code == "MUG-01")).one()
        mug.batch_tracked = True
        for code, (batch, expiry) in LOTS.items():
            location = session.exec(select(Location).where(Location.code == code)).one()
            stock = session.exec(
                select(Stock).where(Stock.sku_id == mug.id, Stock.location_id == location.id)
            ).one()
            stock.batch, stock.expiry = batch, expiry
            for move in session.exec(
                select(StockMove).where(
                    StockMove.sku_id == mug.id, StockMove.location_id == location.id
                )
            ):
                move.batch = batch
        shelf = session.exec(select(Location).where(Location.code == FRESH)).one()
        fresh = dict(sku_id=mug.id, location_id=shelf.id, batch="L2")
        session.add(Stock(**fresh, expiry=date(2029, 1, 1), on_hand=10))
        session.add(StockMove(**fresh, delta=10, reason="receive"))


def _walk(store: Store, picker: Actor, totes: list[str], batch: str) -> None:
    """Claim the next pick list and walk it, every mug of lot `batch`."""
    task = picking.claim_next_task(store, picker)
    assert task is not None
    free = iter(totes)
    while (stop := picking.current_stop(store, task.task_id)) is not None:
        if stop.expect is picking.Expect.EMPTY_TOTE:
            code = next(free)
        elif stop.expect is picking.Expect.LOCATION:
            code = stop.location_code
        elif stop.expect is picking.Expect.ITEM:
            code = MUG.format(batch=batch)
        else:
            assert stop.tote_code is not None
            code = stop.tote_code
        outcome = picking.scan_at_stop(store, picker, task.task_id, code)
        assert outcome.accepted, (code, outcome.reason)


@pytest.mark.parametrize(
    ("end", "why", "l1_after"), [("restock", "", 48), ("scrap", "expired", 46)]
)
def test_the_books_agree_through_a_lot_too_soon_and_its_ends(
    store: Store, tmp_path: Path, end: str, why: str, l1_after: int
) -> None:
    exceptions_floor(store)
    _mugs_in_lots(store)
    import_orders(store, order_record("A-1", {"MUG-01": 2}))
    release(store)
    picker = operator(store, Role.PICKER, "Pia")
    packer = operator(store, Role.PACKER, "Ben", station="PACK-1")
    supervisor = operator(store, Role.SUPERVISOR, "Cleo", station="DESK-1")
    tote = registered_tote(store, "TOTE-0001")
    _walk(store, picker, [tote], "L1")
    assert check_floor(store) == []

    with store.write() as session:  # the warehouse now wants a year left on what it ships
        set_setting(session, "lot_min_days_left", 365)
    started = packing.start_pack(store, packer, tote)
    assert started.parcel_id is not None
    parcel_id = started.parcel_id
    refused = packing.verify_scan(store, packer, parcel_id, MUG.format(batch="L1"))
    assert "(2 in all)" in refused.reason
    assert check_floor(store) == []

    [short] = list_exceptions(store, Kind.SHORT)
    moved = act(store, supervisor, short.id, "reallocate")
    assert moved.accepted and FRESH in moved.message, moved.reason
    _walk(store, picker, [], "L2")
    assert check_floor(store) == []

    [aside] = list_exceptions(store, Kind.SET_ASIDE)
    assert act(store, supervisor, aside.id, end, why).accepted
    assert check_floor(store) == []
    with store.read() as session:
        l1 = session.exec(select(Stock).where(Stock.batch == "L1")).one()
        assert (l1.on_hand, l1.allocated) == (l1_after, 0)  # both back, or both written off

    assert packing.start_pack(store, packer, tote).parcel_id == parcel_id
    for _unit in range(2):
        counted = packing.verify_scan(store, packer, parcel_id, MUG.format(batch="L2"))
        assert counted.accepted, counted.reason
    assert packing.choose_box(store, packer, parcel_id, BOX).accepted
    view = packing.pack_view(store, parcel_id)
    assert view is not None and view.expected_weight_g is not None
    assert packing.record_weight(store, packer, parcel_id, view.expected_weight_g).accepted
    closed = packing.close_parcel(store, packer, parcel_id, str(tmp_path / "labels.zpl"))
    assert closed.order_packed, closed.reason
    assert check_floor(store) == []
    with store.read() as session:
        assert session.exec(select(col(Order.status))).one() == "packed"
