"""A unit set aside at a station: the floor task a supervisor settles (services/set_asides.py).

A prepared INSERT, so the pack scan's refusal writes it on the transaction it runs on, the
fast one included (store/prepared.py).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from sqlalchemy import bindparam, insert, select

from warehouse_tui.store.models import FloorTask, Stock, table_of, utcnow
from warehouse_tui.store.prepared import Command, Query, Tx

SET_ASIDE = "set-aside"  # the FloorTask kind

_task = table_of(FloorTask)
_stock = table_of(Stock)


class _Waiting(NamedTuple):
    id: int


_WAITING = Query(
    select(_task.c.id)
    .where(
        _task.c.kind == SET_ASIDE,
        _task.c.status == "open",
        _task.c.sku_id == bindparam("sku_id"),
        _task.c.held_in == bindparam("held_in"),
        _task.c.reason == bindparam("reason"),
    )
    .limit(1),
    _Waiting,
)


class SetAsideLot(NamedTuple):
    id: int
    location_id: int


def _lot_query(*where: Any) -> Query[SetAsideLot]:
    return Query(
        select(_stock.c.id, _stock.c.location_id)
        .where(_stock.c.sku_id == bindparam("sku_id"), *where)
        .order_by(_stock.c.on_hand - _stock.c.allocated <= 0, _stock.c.id)  # free units first
        .limit(1),
        SetAsideLot,
    )


_LOT_OF_SKU = _lot_query()
_LOT_OF_BATCH = _lot_query(_stock.c.batch == bindparam("batch"))


def lot_of(tx: Tx, sku_id: int, batch: str | None) -> SetAsideLot | None:
    """The lot a set-aside unit belongs to: of its batch (any lot of the SKU when the scan named
    none), one with a free unit first; None when we stock none."""
    if batch is None:
        found = _LOT_OF_SKU.rows(tx, {"sku_id": sku_id})
    else:
        found = _LOT_OF_BATCH.rows(tx, {"sku_id": sku_id, "batch": batch})
    return found[0] if found else None


def waiting(tx: Tx, sku_id: int, reason: str, held_in: str) -> bool:
    """The same refusal waits in the same place already: the unit is scanned again."""
    return bool(_WAITING.rows(tx, {"sku_id": sku_id, "held_in": held_in, "reason": reason}))


_INSERT = Command(
    insert(_task),
    column_keys=(
        "kind",
        "status",
        "sku_id",
        "location_id",
        "stock_id",
        "qty",
        "reason",
        "held_in",
        "created_at",
        "done_qty",
        "on_allocations",
        "order_id",
        "serial",
    ),
)


def insert_set_aside(
    tx: Tx,
    sku_id: int,
    reason: str,
    held_in: str,
    *,
    stock_id: int | None = None,
    location_id: int | None = None,
    serial: str | None = None,
    qty: int = 1,
) -> bool:
    """`qty` units of `sku_id` (one, or a case) wait in `held_in`; `stock_id` is the lot they
    belong to, if known, `serial` the unit's serial. The same refusal again in the same place
    while the first one waits adds nothing (False): a unit scanned twice is one unit."""
    if waiting(tx, sku_id, reason, held_in):
        return False
    add_set_aside(
        tx,
        sku_id,
        reason,
        held_in,
        stock_id=stock_id,
        location_id=location_id,
        serial=serial,
        qty=qty,
    )
    return True


def add_set_aside(
    tx: Tx,
    sku_id: int,
    reason: str,
    held_in: str,
    *,
    stock_id: int | None = None,
    location_id: int | None = None,
    order_id: int | None = None,
    serial: str | None = None,
    qty: int = 1,
) -> None:
    """As `insert_set_aside`, for units the caller knows wait nowhere yet; `order_id` is the
    order they were picked for and taken off (they left the shelf on the ledger)."""
    _INSERT.run(
        tx,
        {
            "kind": SET_ASIDE,
            "status": "open",
            "sku_id": sku_id,
            "location_id": location_id,
            "stock_id": stock_id,
            "qty": qty,
            "reason": reason,
            "held_in": held_in,
            "created_at": utcnow(),
            "done_qty": 0,
            "on_allocations": False,
            "order_id": order_id,
            "serial": serial,
        },
    )
