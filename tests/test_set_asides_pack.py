"""A unit the pack station refuses has an end: a lot not picked for the order goes to the
set-aside tote, waits on the exceptions queue, and a supervisor puts it back on its lot's shelf
(no stock move: the ledger never saw it leave) or scraps it (one less of the lot, in stock and
ledger, with a stock event); a lot we do not stock is only settled (SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import select

from tests.support.packing_floor import (  # noqa: F401 — fixtures
    PACKER,
    SHELF,
    SYRUP_GS1,
    Floor,
    floor_fixture,
    journal,
    module_store_fixture,
    start,
)
from warehouse_tui.services import packing
from warehouse_tui.services.exceptions import Kind, act, list_exceptions
from warehouse_tui.services.journal import Actor
from warehouse_tui.services.results import Refusal
from warehouse_tui.services.set_asides import RESTOCK, SCRAP
from warehouse_tui.store.models import FloorTask, Location, Outbox, Shop, Stock, StockMove

SUPERVISOR = Actor(3, "DESK-1", "test")


def _stocked_lot(floor: Floor, batch: str, units: int) -> int:
    """A lot of syrup on the shelf, received through the ledger."""
    floor.order({"SYR-1": 1}, status="new", lots={"SYR-1": [batch]})  # makes the shelf's lot
    with floor.store.write() as session:
        lot = session.exec(select(Stock).where(Stock.batch == batch)).one()
        lot.on_hand, lot.allocated = units, 0
        session.add(
            StockMove(
                sku_id=lot.sku_id,
                location_id=lot.location_id,
                batch=batch,
                delta=units,
                reason="receive",
            )
        )
        assert lot.id is not None
        return lot.id


def _lot_and_ledger(floor: Floor, lot_id: int) -> tuple[int, int]:
    with floor.store.read() as session:
        lot = session.get_one(Stock, lot_id)
        ledger = session.exec(
            select(func.coalesce(func.sum(StockMove.delta), 0)).where(
                StockMove.sku_id == lot.sku_id,
                StockMove.location_id == lot.location_id,
                StockMove.batch == lot.batch,
            )
        ).one()
        return lot.on_hand, int(ledger)


def _refuse_wrong_lot(floor: Floor, batch: str) -> str:
    floor.order({"SYR-1": 2}, tote="TOTE-0001", lots={"SYR-1": ["L1"]})
    parcel_id = start(floor, "TOTE-0001")
    refused = packing.verify_scan(floor.store, PACKER, parcel_id, SYRUP_GS1.format(batch=batch))
    assert refused.refusal is Refusal.WRONG_SCAN
    assert "put the unit in the set-aside tote" in refused.reason
    assert "a supervisor puts it back or scraps it (Exceptions)" in refused.reason
    [item] = list_exceptions(floor.store, Kind.SET_ASIDE)
    return item.id


def test_a_wrong_lot_waits_in_the_queue_until_a_supervisor_puts_it_back(floor: Floor) -> None:
    lot_id = _stocked_lot(floor, "L9", 5)
    item_id = _refuse_wrong_lot(floor, "L9")
    [item] = list_exceptions(floor.store, Kind.SET_ASIDE)
    assert [str(action) for action in item.actions] == ["restock", "scrap", "close"]
    assert "in the set-aside tote at PACK-1" in item.reason and SHELF in item.reason

    assert act(floor.store, PACKER, item_id, "restock").refusal is Refusal.ROLE
    back = act(floor.store, SUPERVISOR, item_id, "restock")
    assert back.accepted and SHELF in back.message
    assert list_exceptions(floor.store, Kind.SET_ASIDE) == []
    assert _lot_and_ledger(floor, lot_id) == (5, 5)  # it never left the ledger
    assert [row.accepted for row in journal(floor.store, RESTOCK)] == [True]
    again = act(floor.store, SUPERVISOR, item_id, "restock")
    assert again.refusal is Refusal.WRONG_STATE


def test_a_wrong_lot_scrapped_leaves_its_lot_and_ledger_with_a_stock_event(floor: Floor) -> None:
    lot_id = _stocked_lot(floor, "L9", 5)
    with floor.store.write() as session:
        session.add(Shop(code="WEB", name="Web shop"))
    item_id = _refuse_wrong_lot(floor, "L9")
    assert act(floor.store, SUPERVISOR, item_id, "scrap").refusal is Refusal.BAD_INPUT
    scrapped = act(floor.store, SUPERVISOR, item_id, "scrap", "crushed")
    assert scrapped.accepted, scrapped.reason
    assert _lot_and_ledger(floor, lot_id) == (4, 4)
    with floor.store.read() as session:
        task = session.exec(select(FloorTask)).one()
        move = session.exec(select(StockMove).where(StockMove.reason == "scrap")).one()
        assert (task.status, move.delta, move.ref) == ("done", -1, f"TASK-{task.id}")
        assert session.exec(select(Outbox).where(Outbox.event == "stock")).first() is not None
    assert [row.reason for row in journal(floor.store, SCRAP)] == ["crushed"]
    assert list_exceptions(floor.store, Kind.SET_ASIDE) == []


def test_a_lot_with_no_free_unit_is_not_scrapped_and_a_count_is_named(floor: Floor) -> None:
    lot_id = _stocked_lot(floor, "L9", 0)
    item_id = _refuse_wrong_lot(floor, "L9")
    refused = act(floor.store, SUPERVISOR, item_id, "scrap", "crushed")
    assert refused.refusal is Refusal.WRONG_STATE and "counted" in refused.reason
    assert _lot_and_ledger(floor, lot_id) == (0, 0)
    assert len(list_exceptions(floor.store, Kind.SET_ASIDE)) == 1


def test_a_lot_we_do_not_stock_is_settled_with_a_reason(floor: Floor) -> None:
    item_id = _refuse_wrong_lot(floor, "L7")
    [item] = list_exceptions(floor.store, Kind.SET_ASIDE)
    assert [str(action) for action in item.actions] == ["close"]
    assert act(floor.store, SUPERVISOR, item_id, "restock").refusal is Refusal.WRONG_STATE
    settled = act(floor.store, SUPERVISOR, item_id, "close", "sent back to the supplier")
    assert settled.accepted
    assert list_exceptions(floor.store, Kind.SET_ASIDE) == []
    with floor.store.read() as session:
        assert session.exec(select(StockMove)).first() is None
        assert session.exec(select(Location)).first() is not None
