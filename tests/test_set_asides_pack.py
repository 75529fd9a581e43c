"""A unit the pack station refuses has an end: a lot not picked for the order goes to the
set-aside tote, waits on the exceptions queue, and a supervisor puts it back on its lot's shelf
(no stock move: the ledger never saw it leave) or scraps it (one less of the lot, in stock and
ledger, with a stock event); a lot we do not stock is only settled (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, select

from tests.support.packing_floor import (  # noqa: F401 — fixtures
    MUG_CASE,
    PACKER,
    SHELF,
    SYRUP_GS1,
    TEA,
    TOY,
    Floor,
    floor_fixture,
    journal,
    module_store_fixture,
    ready_to_close,
    start,
)
from warehouse_tui.services import packing
from warehouse_tui.services.exceptions import Kind, act, list_exceptions
from warehouse_tui.services.journal import Actor
from warehouse_tui.services.picking import claim_next_task, scan_at_stop
from warehouse_tui.services.results import Refusal
from warehouse_tui.services.set_asides import RESTOCK, SCRAP
from warehouse_tui.store.models import (
    FloorTask,
    Location,
    Operator,
    Order,
    OrderLine,
    Outbox,
    PickStop,
    Shop,
    Stock,
    StockMove,
)

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


# --- a lot that expires too soon, found at the pack station ------------------------------------

SHIPS = datetime(2027, 6, 1, tzinfo=UTC)
TOO_SOON = date(2027, 5, 31)


def _expiring_pack(floor: Floor) -> tuple[int, int, int]:
    """An order of 3 syrups picked from L1, which expires the day before the order ships (2
    units) and L5 (1 unit, packed); the pack station refuses an L1 unit. The order, its parcel
    and L1's stock id."""
    order_id = floor.order(
        {"SYR-1": 3},
        tote="TOTE-0001",
        lots={"SYR-1": [("L1", TOO_SOON), ("L1", TOO_SOON), "L5"]},
        ship_by=SHIPS,
    )
    with floor.store.write() as session:
        lot = session.exec(select(Stock).where(Stock.batch == "L1")).one()
        assert lot.id is not None
        lot_id = lot.id
    parcel_id = start(floor, "TOTE-0001")
    good = packing.verify_scan(floor.store, PACKER, parcel_id, SYRUP_GS1.format(batch="L5"))
    assert good.accepted
    refused = packing.verify_scan(floor.store, PACKER, parcel_id, SYRUP_GS1.format(batch="L1"))
    assert refused.refusal is Refusal.WRONG_SCAN
    assert refused.reason == (
        f"Batch L1 expires 2027-05-31, too soon for ORD-{order_id} shipping 2027-06-01: put "
        "every unit of it from the tote in the set-aside tote (2 in all); the order is short "
        "them until a supervisor re-picks or ships short (Exceptions)"
    )
    return order_id, parcel_id, lot_id


def _order_line(floor: Floor, order_id: int) -> tuple[str, int, int, int]:
    with floor.store.read() as session:
        order = session.get_one(Order, order_id)
        line = session.exec(select(OrderLine).where(OrderLine.order_id == order_id)).one()
        return order.status, line.qty, line.picked, line.packed


def test_a_lot_too_soon_leaves_the_order_short_and_waits_in_the_set_aside_tote(
    floor: Floor,
) -> None:
    order_id, parcel_id, lot_id = _expiring_pack(floor)
    assert _order_line(floor, order_id) == ("released", 3, 1, 1)
    [aside] = list_exceptions(floor.store, Kind.SET_ASIDE)
    assert [str(action) for action in aside.actions] == ["restock", "scrap", "close"]
    assert f"in the set-aside tote at PACK-1 → {SHELF}" in aside.reason
    [short] = list_exceptions(floor.store, Kind.SHORT)
    assert short.id == f"short:{order_id}" and "Short 2 × SYR-1" in short.reason
    # a parcel is under way: waiting or cancelling the line would unpack it
    assert [str(action) for action in short.actions] == ["reallocate", "ship-short", "cancel"]

    again = packing.verify_scan(floor.store, PACKER, parcel_id, SYRUP_GS1.format(batch="L1"))
    assert again.reason == (
        f"Batch L1 is taken off ORD-{order_id}: put the unit in the set-aside tote with the "
        "others of its batch (Exceptions)"
    )
    assert len(list_exceptions(floor.store, Kind.SET_ASIDE)) == 1

    before, _ledger = _lot_and_ledger(floor, lot_id)
    back = act(floor.store, SUPERVISOR, aside.id, "restock")
    assert back.accepted and SHELF in back.message
    after, _ledger_after = _lot_and_ledger(floor, lot_id)
    assert after == before + 2
    with floor.store.read() as session:
        move = session.exec(select(StockMove).where(StockMove.reason == "restock")).one()
        assert (move.delta, move.batch) == (2, "L1")
        assert session.exec(select(Outbox).where(Outbox.event == "stock")).first() is None


def test_a_lot_too_soon_scrapped_is_written_off_without_leaving_its_shelf_again(
    floor: Floor,
) -> None:
    _order_id, _parcel_id, lot_id = _expiring_pack(floor)
    [aside] = list_exceptions(floor.store, Kind.SET_ASIDE)
    before, _ledger = _lot_and_ledger(floor, lot_id)
    assert act(floor.store, SUPERVISOR, aside.id, "scrap", "expired").accepted
    assert _lot_and_ledger(floor, lot_id)[0] == before  # the pick took them off already
    with floor.store.read() as session:
        moves = session.exec(select(StockMove.reason, StockMove.delta).order_by(StockMove.id))
        assert list(moves) == [("restock", 2), ("scrap", -2)]


def test_the_order_short_a_lot_too_soon_gets_a_fresher_lot_re_picked_and_packs(
    floor: Floor, tmp_path: Path
) -> None:
    order_id, parcel_id, _lot_id = _expiring_pack(floor)
    floor.order({"SYR-1": 1}, status="new", lots={"SYR-1": [("L8", date(2028, 1, 1))]})
    moved = act(floor.store, SUPERVISOR, f"short:{order_id}", "reallocate")
    assert moved.accepted, moved.reason
    with floor.store.read() as session:
        fresh = session.exec(select(Stock).where(Stock.batch == "L8")).one()
        stop = session.exec(select(PickStop)).one()
        assert (stop.stock_id, stop.qty) == (fresh.id, 2)  # never L1 again
    with floor.store.write() as session:
        session.add(Operator(id=4, badge="OP-1000000004", name="Pia", role="picker", pin_hash=""))
    picker = Actor(4, "HH-1", "test")
    task = claim_next_task(floor.store, picker)
    assert task is not None
    for code in (SHELF, *[SYRUP_GS1.format(batch="L8")] * 2, "TOTE-0001"):
        picked = scan_at_stop(floor.store, picker, task.task_id, code)
        assert picked.accepted, (code, picked.reason)
    assert _order_line(floor, order_id) == ("picked", 3, 3, 1)

    assert start(floor, "TOTE-0001") == parcel_id  # the parcel under way resumes
    for _unit in range(2):
        packed = packing.verify_scan(floor.store, PACKER, parcel_id, SYRUP_GS1.format(batch="L8"))
        assert packed.accepted, packed.reason
    ready_to_close(floor, parcel_id)
    closed = packing.close_parcel(floor.store, PACKER, parcel_id, str(tmp_path / "l.zpl"))
    assert closed.order_packed, closed.reason
    assert _order_line(floor, order_id) == ("packed", 3, 3, 3)


def test_a_parcel_closed_while_its_order_is_short_leaves_the_order_open(
    floor: Floor, tmp_path: Path
) -> None:
    order_id, parcel_id, _lot_id = _expiring_pack(floor)
    ready_to_close(floor, parcel_id)
    closed = packing.close_parcel(floor.store, PACKER, parcel_id, str(tmp_path / "l.zpl"))
    assert closed.accepted and not closed.order_packed
    assert closed.reason.endswith(
        f"ORD-{order_id} is short: the rest comes in another parcel once a supervisor has it "
        "re-picked, or it ships short (Exceptions)"
    )
    shipped = act(floor.store, SUPERVISOR, f"short:{order_id}", "ship-short")
    assert shipped.accepted, shipped.reason
    assert _order_line(floor, order_id)[:2] == ("picked", 1)


# --- an item that is not on the order ------------------------------------------------------------


def test_a_wrong_item_goes_to_the_set_aside_tote_and_back_on_its_shelf(floor: Floor) -> None:
    floor.order({"MUG-1": 1}, tote="TOTE-0001")
    wanting = floor.order({"TOY-1": 1, "SYR-1": 1}, tote="TOTE-0002", lots={"SYR-1": ["L9"]})
    with floor.store.write() as session:
        toy_lot = Stock(location_id=_shelf_id(session), sku_id=floor.sku["TOY-1"], on_hand=3)
        session.add(toy_lot)
        session.flush()
        assert toy_lot.id is not None
        toy_id = toy_lot.id
    parcel_id = start(floor, "TOTE-0001")
    wrong = packing.verify_scan(floor.store, PACKER, parcel_id, TOY)
    assert wrong.refusal is Refusal.WRONG_SCAN
    assert wrong.reason == (
        f"WRONG ITEM: TOY-1 Toy belongs to another order (ORD-{wanting} waits for one): put it "
        f"in the set-aside tote; a supervisor takes it to ORD-{wanting} and settles it, or puts "
        "it back or scraps it (Exceptions)"
    )
    again = packing.verify_scan(floor.store, PACKER, parcel_id, TOY)
    assert again.reason == wrong.reason
    [aside] = list_exceptions(floor.store, Kind.SET_ASIDE)
    assert [str(action) for action in aside.actions] == ["restock", "scrap", "close"]
    assert act(floor.store, SUPERVISOR, aside.id, "restock").accepted
    with floor.store.read() as session:
        assert session.get_one(Stock, toy_id).on_hand == 3  # never picked: no stock move
        assert session.exec(select(StockMove)).first() is None

    case = packing.verify_scan(floor.store, PACKER, parcel_id, MUG_CASE)  # six mugs: fine
    assert case.refusal is Refusal.QUANTITY
    assert packing.verify_scan(floor.store, PACKER, parcel_id, TOY).refusal is Refusal.WRONG_SCAN
    [second] = list_exceptions(floor.store, Kind.SET_ASIDE)
    assert act(floor.store, SUPERVISOR, second.id, "scrap", "broken").accepted
    with floor.store.read() as session:
        assert session.get_one(Stock, toy_id).on_hand == 2
        move = session.exec(select(StockMove)).one()
        assert (move.reason, move.delta) == ("scrap", -1)


def test_a_wrong_item_we_do_not_stock_is_settled(floor: Floor) -> None:
    floor.order({"MUG-1": 1}, tote="TOTE-0001")
    parcel_id = start(floor, "TOTE-0001")
    wrong = packing.verify_scan(floor.store, PACKER, parcel_id, TEA)
    assert "WRONG ITEM: TEA-1 Green tea 100 g is not in this order: put it in" in wrong.reason
    [aside] = list_exceptions(floor.store, Kind.SET_ASIDE)
    assert [str(action) for action in aside.actions] == ["close"]
    assert act(floor.store, SUPERVISOR, aside.id, "close", "found its order").accepted


def _shelf_id(session: Session) -> int:
    shelf = session.exec(select(Location).where(Location.code == SHELF)).one()
    assert shelf.id is not None
    return shelf.id
