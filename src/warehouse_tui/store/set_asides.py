"""A unit set aside at a station: the floor task a supervisor settles (services/set_asides.py).

A prepared INSERT, so the pack scan's refusal writes it on the transaction it runs on, the
fast one included (store/prepared.py).
"""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import bindparam, insert, select

from warehouse_tui.store.models import FloorTask, table_of, utcnow
from warehouse_tui.store.prepared import Command, Query, Tx

SET_ASIDE = "set-aside"  # the FloorTask kind

_task = table_of(FloorTask)


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
) -> None:
    """One unit of `sku_id` waits in `held_in`; `stock_id` is the lot it belongs to, if known.
    The same refusal again in the same place while the first one waits adds nothing: a unit
    scanned twice is one unit."""
    same = {"sku_id": sku_id, "held_in": held_in, "reason": reason}
    if _WAITING.rows(tx, same):
        return
    _INSERT.run(
        tx,
        {
            "kind": SET_ASIDE,
            "status": "open",
            "sku_id": sku_id,
            "location_id": location_id,
            "stock_id": stock_id,
            "qty": 1,
            "reason": reason,
            "held_in": held_in,
            "created_at": utcnow(),
            "done_qty": 0,
            "on_allocations": False,
        },
    )
