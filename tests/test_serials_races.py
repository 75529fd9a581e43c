"""Stations racing on one serial or one set-aside unit, as separate processes on SQLite and
PostgreSQL: two handhelds receiving the same serial count it once and set the other unit
aside; two supervisors ending the same set-aside give one decision and at most one ledger
move."""

from __future__ import annotations

import json

from sqlalchemy import func
from sqlmodel import select

from tests.conftest import Db
from tests.support.goodsin_floor import PHONE_EAN, build_goodsin_floor
from tests.support.races import race
from warehouse_tui.services.exceptions import Kind, act, list_exceptions
from warehouse_tui.services.journal import Actor
from warehouse_tui.services.receipts import import_receipts, open_receipt, receive_scan
from warehouse_tui.services.results import Refusal
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import FloorTask, ReceiptLine, ReceiptSerial, Sku, Stock, StockMove
from warehouse_tui.store.prepared import Tx, write_transaction
from warehouse_tui.store.set_asides import insert_set_aside

PHONE_SN5 = f"(01)000000{PHONE_EAN}(21)SN-5"
DELIVERY = json.dumps(
    {"supplier": "ACME", "reference": "PO-7", "lines": [{"sku": "PHONE", "qty": 2}]}
)


def receive(store: Store, actor: Actor, receipt_id: int) -> tuple[bool, Refusal | None]:
    step = receive_scan(store, actor, receipt_id, PHONE_SN5)
    return step.accepted, step.refusal


def test_two_handhelds_receiving_one_serial_count_it_once(db: Db) -> None:
    floor = build_goodsin_floor(db.store)
    assert import_receipts(floor.store, floor.clerk, [DELIVERY]).accepted
    opened = open_receipt(floor.store, floor.clerk, "PO-7")
    assert opened.receipt_id is not None
    second = Actor(floor.supervisor.operator_id, "HH-2", "test")
    results = race(
        db,
        (receive, (floor.clerk, opened.receipt_id)),
        (receive, (second, opened.receipt_id)),
    )
    assert sorted(results, key=lambda result: result[0]) == [
        (False, Refusal.WRONG_SCAN),
        (True, None),
    ]
    with db.store.read() as session:
        assert session.exec(select(ReceiptLine.received)).all() == [1]
        assert session.exec(select(ReceiptSerial.serial)).all() == ["SN-5"]
    assert len(list_exceptions(db.store, Kind.SET_ASIDE)) == 1


def decide(store: Store, actor: Actor, item_id: str, action: str) -> bool:
    return act(store, actor, item_id, action, "decided").accepted


def test_two_supervisors_ending_one_set_aside_give_one_decision(db: Db) -> None:
    floor = build_goodsin_floor(db.store)
    with db.store.write() as session:
        mug = session.exec(select(Sku).where(Sku.code == "MUG")).one()
        lot = session.exec(select(Stock).where(Stock.sku_id == mug.id)).one()
        assert mug.id is not None and lot.id is not None
        sku_id, lot_id, location_id = mug.id, lot.id, lot.location_id
    with write_transaction(db.store) as connection:
        insert_set_aside(
            Tx.of(connection),
            sku_id,
            "wrong lot",
            "PACK-1",
            stock_id=lot_id,
            location_id=location_id,
        )
    [item] = list_exceptions(db.store, Kind.SET_ASIDE)
    other = Actor(floor.supervisor.operator_id, "SUP-2", "test")
    results = race(
        db,
        (decide, (floor.supervisor, item.id, "scrap")),
        (decide, (other, item.id, "restock")),
        (decide, (other, item.id, "scrap")),
    )
    assert sorted(results) == [False, False, True]
    with db.store.read() as session:
        task = session.exec(select(FloorTask)).one()
        scrapped = session.exec(
            select(func.count()).select_from(StockMove).where(StockMove.reason == "scrap")
        ).one()
        on_hand = session.get_one(Stock, lot_id).on_hand
    assert task.status == "done"
    assert (scrapped, on_hand) in ((1, 4), (0, 5))
