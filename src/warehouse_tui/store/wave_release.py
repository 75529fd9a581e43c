"""The writes of a wave release: compare-and-set allocations and order states, then the rows.

A release is planned in a read transaction and written in a write of its own (services/waves/
release.py), and on SQLite that write holds the one writer lock every station waits for: a
2,000-order wave must be written in well under a quarter of a second. So the stock is claimed
by a prepared compare-and-set run for all its rows in one executemany (store/prepared.py; the
rows it touched, summed, tell whether every one held), the orders' state moves a page of ids at
a time, and allocations and stops go in as one executemany each (the allocations' ids read
back by what they allocate), the pick lists likewise. Every
compare-and-set says whether it held: when one did not, the caller rolls back and plans again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, bindparam, func, insert, select, update

from warehouse_tui.store.models import (
    Allocation,
    Order,
    OrderLine,
    OrderStatus,
    PickStop,
    PickTask,
    Stock,
    TaskStatus,
    table_of,
)
from warehouse_tui.store.prepared import Command, Query, Tx

_stock = table_of(Stock)
_orders = table_of(Order)
_PAGE = 1000
"""Ids per `IN (…)` list: well under SQLite's limit on bound parameters."""

_ALLOCATE = Command(
    update(_stock)
    .where(
        _stock.c.id == bindparam("stock_id"),
        _stock.c.on_hand - _stock.c.allocated >= bindparam("qty"),
    )
    .values(allocated=_stock.c.allocated + bindparam("qty"))
)


def allocate_stock(tx: Tx, totals: Mapping[int, int]) -> bool:
    """Reserve each stock row's units if it still has them free, in id order (one lock order
    for every releaser), in one executemany; whether every row had."""
    rows = [{"stock_id": stock_id, "qty": totals[stock_id]} for stock_id in sorted(totals)]
    return _ALLOCATE.run_many(tx, rows) == len(rows)


def release_orders(
    connection: Connection, order_ids: Sequence[int], wave_id: int, now: datetime
) -> bool:
    """`ready` → `released` into the wave, in id order; whether every order was still ready."""
    ids = sorted(order_ids)
    for start in range(0, len(ids), _PAGE):
        page = ids[start : start + _PAGE]
        moved = connection.execute(
            update(_orders)
            .where(_orders.c.id.in_(page), _orders.c.status == OrderStatus.READY)
            .values(status=OrderStatus.RELEASED, wave_id=wave_id, updated_at=now)
        ).rowcount
        if moved != len(page):
            return False
    return True


def groups_waiting(connection: Connection, wave_id: int) -> bool:
    """Whether a merge group of the wave's orders has an order still new or held (the whole
    shipment must wait for it)."""
    groups = select(_orders.c.merge_group).where(
        _orders.c.wave_id == wave_id, _orders.c.merge_group.is_not(None)
    )
    waiting = connection.execute(
        select(_orders.c.id)
        .where(
            _orders.c.merge_group.in_(groups),
            _orders.c.status.in_((OrderStatus.NEW, OrderStatus.HELD)),
        )
        .limit(1)
    ).first()
    return waiting is not None


class _Newest(NamedTuple):
    id: int | None


class _Allocated(NamedTuple):
    id: int
    order_line_id: int
    stock_id: int


_allocation = table_of(Allocation)
_order_line = table_of(OrderLine)
_NEWEST_ALLOCATION = Query(select(func.max(_allocation.c.id).label("id")), _Newest)
_ALLOCATION_INSERT = Command(
    insert(_allocation).values(picked=0), column_keys=("order_line_id", "stock_id", "qty")
)
_ALLOCATED = Query(
    select(_allocation.c.id, _allocation.c.order_line_id, _allocation.c.stock_id)
    .join(_order_line, _order_line.c.id == _allocation.c.order_line_id)
    .join(_orders, _orders.c.id == _order_line.c.order_id)
    .where(_allocation.c.id > bindparam("newest"), _orders.c.wave_id == bindparam("wave_id")),
    _Allocated,
)


def insert_allocations(tx: Tx, wave_id: int, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Allocation rows (order_line_id, stock_id, qty; one per order line and stock row) of the
    wave's orders, in one executemany; their ids, in the order given — read back after the
    insert, each matched to its row by its (order line, stock row) pair."""
    if not rows:
        return []
    newest = _NEWEST_ALLOCATION.rows(tx, {})[0].id or 0
    _ALLOCATION_INSERT.run_many(tx, rows)
    made = _ALLOCATED.rows(tx, {"newest": newest, "wave_id": wave_id})
    ids = {(row.order_line_id, row.stock_id): row.id for row in made}
    return [ids[row["order_line_id"], row["stock_id"]] for row in rows]


class _Task(NamedTuple):
    id: int


_task = table_of(PickTask)
_TASK_INSERT = Command(
    insert(_task).values(status=TaskStatus.OPEN, current_stop=0),
    column_keys=("wave_id", "strategy", "route_m"),
)
_TASKS_OF_WAVE = Query(
    select(_task.c.id).where(_task.c.wave_id == bindparam("wave_id")).order_by(_task.c.id),
    _Task,
)


def insert_tasks(tx: Tx, wave_id: int, rows: Sequence[dict[str, Any]]) -> list[int]:
    """The wave's pick lists (strategy, route_m), in one executemany; their ids, in the order
    given — read back by the wave, in id order: ids grow in the order rows are inserted, and
    the wave is new in this transaction, so its lists are these."""
    if not rows:
        return []
    _TASK_INSERT.run_many(tx, [{"wave_id": wave_id, **row} for row in rows])
    return [task.id for task in _TASKS_OF_WAVE.rows(tx, {"wave_id": wave_id})]


_STOP_INSERT = Command(
    insert(table_of(PickStop)).values(picked=0, status="open", tote_id=None),
    column_keys=("task_id", "seq", "allocation_id", "stock_id", "sku_id", "order_id", "qty"),
)


def insert_stops(tx: Tx, rows: Sequence[dict[str, Any]]) -> None:
    """Stops (task_id, seq, allocation_id, stock_id, sku_id, order_id, qty), open and unpicked."""
    if rows:
        _STOP_INSERT.run_many(tx, rows)
