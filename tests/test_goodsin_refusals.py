"""Every goods-in refusal on SQLite and PostgreSQL: its kind, a reason naming the next step,
a journal row, and nothing else changed (units, stock, ledger, outbox, deliveries)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import select

from tests.support.goodsin_floor import (
    MUG_EAN,
    SHELF,
    GoodsInFloor,
    build_goodsin_floor,
)
from warehouse_tui.services.receipts import (
    close_receipt,
    import_receipts,
    open_receipt,
    open_unexpected,
    put_away_line,
    receive_scan,
)
from warehouse_tui.services.results import Refusal
from warehouse_tui.services.returns.disposition import (
    inspect_unit,
    put_away_unit,
    release_unit,
    scrap_unit,
)
from warehouse_tui.services.returns.receive import find_return, receive_unit
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import (
    Journal,
    Order,
    OrderLine,
    Outbox,
    Parcel,
    ParcelLine,
    ParcelStatus,
    Receipt,
    ReceiptLine,
    ReturnUnit,
    Stock,
    StockMove,
)

Step = Callable[[GoodsInFloor, dict[str, int]], Any]


@pytest.fixture(name="floor")
def goodsin_floor_fixture(store: Store) -> tuple[GoodsInFloor, dict[str, int]]:
    """The floor with a return open, one unit received (not inspected) and a delivery open."""
    floor = build_goodsin_floor(store)
    found = find_return(store, floor.clerk, "PCL-1")
    assert found.return_id is not None
    unit = receive_unit(store, floor.clerk, found.return_id, MUG_EAN)
    assert unit.unit_id is not None
    delivery = {"supplier": "ACME", "reference": "PO-1", "lines": [{"sku": "MUG", "qty": 2}]}
    assert import_receipts(store, floor.clerk, [json.dumps(delivery)]).accepted
    opened = open_receipt(store, floor.clerk, "PO-1")
    assert opened.receipt_id is not None
    ids = {"return": found.return_id, "unit": unit.unit_id, "receipt": opened.receipt_id}
    return floor, ids


CASES: list[tuple[str, Step, Refusal]] = [
    ("find: nothing", lambda f, i: find_return(f.store, f.clerk, "nonsense"), Refusal.NOT_FOUND),
    ("find: item alone", lambda f, i: find_return(f.store, f.clerk, MUG_EAN), Refusal.INCOMPLETE),
    (
        "receive: not an item",
        lambda f, i: receive_unit(f.store, f.clerk, i["return"], SHELF),
        Refusal.UNREADABLE,
    ),
    (
        "receive: no such return",
        lambda f, i: receive_unit(f.store, f.clerk, 999, MUG_EAN),
        Refusal.WRONG_STATE,
    ),
    (
        "inspect: no such unit",
        lambda f, i: inspect_unit(f.store, f.clerk, 999, "damaged"),
        Refusal.NOT_FOUND,
    ),
    (
        "inspect: bad condition",
        lambda f, i: inspect_unit(f.store, f.clerk, i["unit"], "meh"),
        Refusal.BAD_INPUT,
    ),
    (
        "put away: not inspected",
        lambda f, i: put_away_unit(f.store, f.clerk, i["unit"], SHELF),
        Refusal.WRONG_STATE,
    ),
    (
        "put away: no such unit",
        lambda f, i: put_away_unit(f.store, f.clerk, 999, SHELF),
        Refusal.NOT_FOUND,
    ),
    (
        "scrap: no such unit",
        lambda f, i: scrap_unit(f.store, f.supervisor, 999, "x"),
        Refusal.NOT_FOUND,
    ),
    (
        "scrap: not quarantined",
        lambda f, i: scrap_unit(f.store, f.supervisor, i["unit"], "x"),
        Refusal.WRONG_STATE,
    ),
    (
        "release: a clerk",
        lambda f, i: release_unit(f.store, f.clerk, i["unit"], SHELF),
        Refusal.ROLE,
    ),
    ("receipt: unknown", lambda f, i: open_receipt(f.store, f.clerk, "PO-9"), Refusal.NOT_FOUND),
    (
        "receipt: not an item",
        lambda f, i: receive_scan(f.store, f.clerk, i["receipt"], "x"),
        Refusal.UNREADABLE,
    ),
    (
        "receipt: nothing to put away",
        lambda f, i: put_away_line(f.store, f.clerk, 1, SHELF),
        Refusal.WRONG_STATE,
    ),
    (
        "receipt: no line",
        lambda f, i: put_away_line(f.store, f.clerk, 999, SHELF),
        Refusal.INCOMPLETE,
    ),
    (
        "receipt: not a location",
        lambda f, i: put_away_line(f.store, f.clerk, 1, MUG_EAN),
        Refusal.UNREADABLE,
    ),
    (
        "unexpected: no supplier",
        lambda f, i: open_unexpected(f.store, f.supervisor, " ", "D"),
        Refusal.BAD_INPUT,
    ),
    (
        "unexpected: a wrong PIN",
        lambda f, i: open_unexpected(f.store, f.clerk, "ACME", "D", "OP-1000000002", "0000"),
        Refusal.APPROVAL,
    ),
    ("close: closed", lambda f, i: close_receipt(f.store, f.clerk, 999), Refusal.WRONG_STATE),
]


def _books(store: Store) -> tuple[int, ...]:
    with store.read() as session:
        counts = [
            session.execute(select(func.count()).select_from(table)).scalar_one()
            for table in (ReturnUnit, Stock, StockMove, Outbox, Receipt)
        ]
        return (*counts, sum(session.execute(select(ReceiptLine.received)).scalars()))


def _journal_rows(store: Store) -> int:
    with store.read() as session:
        return session.execute(select(func.count()).select_from(Journal)).scalar_one()


@pytest.mark.parametrize(("name", "step", "kind"), CASES, ids=[case[0] for case in CASES])
def test_a_refusal_names_the_next_step_and_changes_nothing(
    floor: tuple[GoodsInFloor, dict[str, int]], name: str, step: Step, kind: Refusal
) -> None:
    goods_in, ids = floor
    books, journal = _books(goods_in.store), _journal_rows(goods_in.store)
    result = step(goods_in, ids)
    assert not result.accepted and result.refusal is kind, (name, result)
    assert result.reason
    assert _books(goods_in.store) == books
    assert _journal_rows(goods_in.store) == journal + 1


def test_an_item_and_a_name_that_fit_two_orders_ask_for_the_label(
    floor: tuple[GoodsInFloor, dict[str, int]],
) -> None:
    goods_in, _ids = floor
    with goods_in.store.write() as session:
        first = session.get_one(Order, goods_in.order_id)
        twin = Order(**{**first.model_dump(), "id": None, "shop_order_id": "1002"})
        session.add(twin)
        session.flush()
        line = OrderLine(order_id=twin.id, sku_code="MUG", sku_id=1, qty=1, picked=1, packed=1)
        parcel = Parcel(order_id=twin.id, status=ParcelStatus.LOADED, tracking="T-2")
        session.add_all([line, parcel])
        session.flush()
        session.add(ParcelLine(parcel_id=parcel.id, order_line_id=line.id, qty=1))
    books = _books(goods_in.store)
    found = find_return(goods_in.store, goods_in.clerk, MUG_EAN, "lovelace")
    assert found.refusal is Refusal.MISMATCH and "2 orders match" in found.reason
    assert _books(goods_in.store) == books
