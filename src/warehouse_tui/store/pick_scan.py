"""The pick scan's statements: the stop a picker is at, in one read, and what a scan writes.

A picker scans three times at every stop (location, item, tote) and the handheld waits for each
answer, so the scan is held to a few times a bare durable commit (bench/bench_pick.py). Through
the ORM it took some thirty statements; here it is prepared statements (store/prepared.py) on
one write transaction:
- `current_stop`: one SELECT, locking the list and its stop on PostgreSQL, of everything a
  scan decides on and the handheld shows: the list's state and holder, its first unfinished
  stop with its location, SKU, tote and allocation, the list's progress, the duplicate-scan
  window, and which SKU the scanned barcode names;
- then the step's writes, each a compare-and-set on the stop's state, and the journal row
  (store/journal_rows.py).
The service (services/picking/scan.py) decides what a scan means; this module only says how
it is read and written.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    BindParameter,
    and_,
    bindparam,
    case,
    exists,
    func,
    insert,
    or_,
    select,
    true,
    update,
)

from warehouse_tui.store.models import (
    Allocation,
    Barcode,
    Location,
    Order,
    OrderLine,
    OrderStatus,
    PickStop,
    PickTask,
    Setting,
    Sku,
    Stock,
    StockMove,
    Tote,
    table_of,
)
from warehouse_tui.store.prepared import Command, Query, Tx

_task = table_of(PickTask)
_stop = table_of(PickStop)
_others = table_of(PickStop).alias("others")
_stock = table_of(Stock)
_location = table_of(Location)
_sku = table_of(Sku)
_tote = table_of(Tote)
_allocation = table_of(Allocation)
_order_line = table_of(OrderLine)
_orders = table_of(Order)
_setting = table_of(Setting)
_barcode = table_of(Barcode)
_stock_move = table_of(StockMove)

# The stop states (services/picking/views.StopState) this module writes or reads.
OPEN, AT_LOCATION, TO_TOTE, DONE, SHORT = "open", "at-location", "to-tote", "done", "short"
# Spelled out rather than IN (…): an expanding IN list cannot be compiled once.
_FINISHED_STOP = or_(_others.c.status == DONE, _others.c.status == SHORT)
_UNFINISHED_STOP = and_(_others.c.status != DONE, _others.c.status != SHORT)


class StopRow(NamedTuple):
    """A pick list's first unfinished stop, with what deciding a scan on it needs."""

    task_status: str
    claimed_by: int | None
    strategy: str
    stop_id: int
    seq: int
    status: str
    qty: int
    picked: int
    order_id: int | None
    allocation_id: int | None
    stock_id: int
    sku_id: int
    tote_id: int | None
    location_id: int
    location_code: str
    batch: str
    sku_code: str
    sku_name: str
    typed_qty_allowed: bool
    batch_tracked: bool  # its items are confirmed by the lot they carry: the usual path
    tote_code: str | None
    allocation_left: int | None  # units the stop's allocation still waits for
    line_id: int | None  # the allocation's order line
    line_order_id: int | None
    done: int  # stops finished on the list
    total: int  # stops on the list
    unbound: int  # stops of an order that has no tote yet
    orders: int  # orders on a pick-by-order list (one tote each)
    next_seq: int | None  # the unfinished stop after this one
    window: str | None  # the duplicate_scan_window_ms setting, if set
    scanned_sku: int | None  # the SKU the scanned barcode names, if any
    scanned_units: int | None  # what one scan of that barcode counts


# A GTIN has at most four registered forms (GTIN-14, EAN-13, UPC-A, EAN-8): fixed binds, padded
# by repeating a form, keep the statement's SQL the same for every scan.
_GTIN_FORMS = 4
_CODE_BINDS: list[BindParameter[str]] = [bindparam(f"code{n}") for n in range(_GTIN_FORMS)]
_SCANNED = select(_barcode.c.sku_id, _barcode.c.quantity).where(_barcode.c.code.in_(_CODE_BINDS))
_TASK: BindParameter[int] = bindparam("task_id")


def _tally(condition: Any) -> Any:
    return func.sum(case((condition, 1), else_=0))


# The list's progress in one pass over its stops.
_PROGRESS = (
    select(
        _tally(_FINISHED_STOP).label("done"),
        func.count().label("total"),
        _tally(and_(_others.c.tote_id.is_(None), _others.c.order_id.is_not(None))).label("unbound"),
        func.count(func.distinct(_others.c.order_id)).label("orders"),
        func.min(case((_UNFINISHED_STOP, _others.c.seq))).label("first_seq"),
    )
    .where(_others.c.task_id == _TASK)
    .subquery("progress")
)
_NEXT = _stop.alias("next")

_CURRENT_STOP = Query(
    select(
        _task.c.status.label("task_status"),
        _task.c.claimed_by,
        _task.c.strategy,
        _stop.c.id.label("stop_id"),
        _stop.c.seq,
        _stop.c.status,
        _stop.c.qty,
        _stop.c.picked,
        _stop.c.order_id,
        _stop.c.allocation_id,
        _stop.c.stock_id,
        _stop.c.sku_id,
        _stop.c.tote_id,
        _location.c.id.label("location_id"),
        _location.c.code.label("location_code"),
        _stock.c.batch,
        _sku.c.code.label("sku_code"),
        _sku.c.name.label("sku_name"),
        _sku.c.typed_qty_allowed,
        _sku.c.batch_tracked,
        _tote.c.code.label("tote_code"),
        (_allocation.c.qty - _allocation.c.picked).label("allocation_left"),
        _allocation.c.order_line_id.label("line_id"),
        _order_line.c.order_id.label("line_order_id"),
        _PROGRESS.c.done,
        _PROGRESS.c.total,
        _PROGRESS.c.unbound,
        _PROGRESS.c.orders,
        select(func.min(_NEXT.c.seq))
        .where(
            _NEXT.c.task_id == _TASK,
            _NEXT.c.status != DONE,
            _NEXT.c.status != SHORT,
            _NEXT.c.id != _stop.c.id,
        )
        .scalar_subquery()
        .label("next_seq"),
        select(_setting.c.value)
        .where(_setting.c.key == "duplicate_scan_window_ms")
        .scalar_subquery()
        .label("window"),
        _SCANNED.with_only_columns(_barcode.c.sku_id)
        .limit(1)
        .scalar_subquery()
        .label("scanned_sku"),
        _SCANNED.with_only_columns(_barcode.c.quantity)
        .limit(1)
        .scalar_subquery()
        .label("scanned_units"),
    )
    .select_from(_task)
    .join(_PROGRESS, true())
    .join(_stop, and_(_stop.c.task_id == _task.c.id, _stop.c.seq == _PROGRESS.c.first_seq))
    .join(_stock, _stock.c.id == _stop.c.stock_id)
    .join(_location, _location.c.id == _stock.c.location_id)
    .join(_sku, _sku.c.id == _stop.c.sku_id)
    .outerjoin(_tote, _tote.c.id == _stop.c.tote_id)
    .outerjoin(_allocation, _allocation.c.id == _stop.c.allocation_id)
    .outerjoin(_order_line, _order_line.c.id == _allocation.c.order_line_id)
    .where(_task.c.id == _TASK)
    .order_by(_stop.c.id)
    .limit(1)
    .with_for_update(of=[_task, _stop]),
    StopRow,
)


class NextStop(NamedTuple):
    """The stop a list moves on to, as the handheld shows it."""

    stop_id: int
    seq: int
    status: str
    qty: int
    picked: int
    order_id: int | None
    location_code: str
    sku_code: str
    sku_name: str
    typed_qty_allowed: bool
    tote_code: str | None


_STOP_AT = Query(
    select(
        _stop.c.id.label("stop_id"),
        _stop.c.seq,
        _stop.c.status,
        _stop.c.qty,
        _stop.c.picked,
        _stop.c.order_id,
        _location.c.code.label("location_code"),
        _sku.c.code.label("sku_code"),
        _sku.c.name.label("sku_name"),
        _sku.c.typed_qty_allowed,
        _tote.c.code.label("tote_code"),
    )
    .select_from(_stop)
    .join(_stock, _stock.c.id == _stop.c.stock_id)
    .join(_location, _location.c.id == _stock.c.location_id)
    .join(_sku, _sku.c.id == _stop.c.sku_id)
    .outerjoin(_tote, _tote.c.id == _stop.c.tote_id)
    .where(_stop.c.task_id == _TASK, _stop.c.seq == bindparam("seq"))
    .order_by(_stop.c.id)
    .limit(1),
    NextStop,
)

_HEARTBEAT = Command(
    update(_task).where(_task.c.id == bindparam("task_id")), column_keys=("heartbeat_at",)
)
_ADVANCE = Command(
    update(_task).where(_task.c.id == bindparam("task_id")),
    column_keys=("heartbeat_at", "current_stop"),
)
_AT_LOCATION = Command(
    update(_stop)
    .where(_stop.c.id == bindparam("stop_id"), _stop.c.status == OPEN)
    .values(status=AT_LOCATION)
)
_COUNT = Command(
    update(_stop)
    .where(
        _stop.c.id == bindparam("stop_id"),
        _stop.c.status == AT_LOCATION,
        _stop.c.picked + bindparam("units") <= _stop.c.qty,
    )
    .values(picked=_stop.c.picked + bindparam("units"), status=bindparam("next_status"))
)
_STOP_DONE = Command(
    update(_stop)
    .where(_stop.c.id == bindparam("stop_id"), _stop.c.status == TO_TOTE)
    .values(status=DONE)
)
_ALLOCATION_PICKED = Command(
    update(_allocation)
    .where(
        _allocation.c.id == bindparam("allocation_id"),
        _allocation.c.picked + bindparam("take") <= _allocation.c.qty,
    )
    .values(picked=_allocation.c.picked + bindparam("take"))
)
_LINE_PICKED = Command(
    update(_order_line)
    .where(_order_line.c.id == bindparam("line_id"))
    .values(picked=_order_line.c.picked + bindparam("take"))
)
_STOCK_OUT = Command(
    update(_stock)
    .where(_stock.c.id == bindparam("stock_id"))
    .values(
        on_hand=_stock.c.on_hand - bindparam("units"),
        allocated=_stock.c.allocated - bindparam("units"),
    )
)
_STOCK_MOVE = Command(
    insert(_stock_move).values(reason="pick"),
    column_keys=("at", "sku_id", "location_id", "batch", "delta", "ref", "operator_id"),
)
_ORDER_PICKED = Command(
    update(_orders)
    .where(
        _orders.c.id == bindparam("order_id"),
        _orders.c.status == OrderStatus.RELEASED,
        ~exists().where(
            _order_line.c.order_id == bindparam("order_id"),
            _order_line.c.picked < _order_line.c.qty,
        ),
    )
    .values(status=OrderStatus.PICKED),
    column_keys=("updated_at",),
)


def _code_params(codes: Sequence[str]) -> dict[str, Any]:
    padded = [*codes, *[codes[0]] * (_GTIN_FORMS - len(codes))] if codes else [""] * _GTIN_FORMS
    return {f"code{n}": code for n, code in enumerate(padded)}


def current_stop(tx: Tx, task_id: int, codes: Sequence[str] = ()) -> StopRow | None:
    """The list's first unfinished stop, locked with its list on PostgreSQL; None if the list
    does not exist or is finished. `codes` are a scanned GTIN's registered forms, if any."""
    params = _code_params(codes)
    params["task_id"] = task_id
    rows = _CURRENT_STOP.rows(tx, params)
    return rows[0] if rows else None


def heartbeat(tx: Tx, task_id: int, now: datetime) -> None:
    _HEARTBEAT.send(tx, {"task_id": task_id, "heartbeat_at": now})


def at_location(tx: Tx, stop_id: int) -> bool:
    """The picker stands at the stop's location; whether the stop was still open."""
    return _AT_LOCATION.run(tx, {"stop_id": stop_id}) == 1


def count_units(tx: Tx, stop_id: int, units: int, next_status: str) -> bool:
    """Count `units` into the stop and move it to `next_status`, unless that would pass its
    quantity or the stop is no longer at its location; whether it did."""
    params = {"stop_id": stop_id, "units": units, "next_status": next_status}
    return _COUNT.run(tx, params) == 1


def confirm(
    tx: Tx, stop: StopRow, take: int, ref: str, operator_id: int | None, now: datetime
) -> Callable[[], bool]:
    """The stop's units leave the shelf into the tote of a pick-by-order stop with its own
    allocation: the allocation and its order line count `take`, stock and its ledger the
    stop's units, the stop is done and its order picked once no line waits. All of it is sent
    at once, and whether it held is asked afterwards (the function returned): False, with
    nothing to keep, when the stop or its allocation changed since it was read."""
    assert stop.allocation_id is not None and stop.line_id is not None
    done = _STOP_DONE.send(tx, {"stop_id": stop.stop_id})
    allocated = None
    if take > 0:
        allocated = _ALLOCATION_PICKED.send(tx, {"allocation_id": stop.allocation_id, "take": take})
        _LINE_PICKED.send(tx, {"line_id": stop.line_id, "take": take})
    _STOCK_OUT.send(tx, {"stock_id": stop.stock_id, "units": stop.picked})
    _STOCK_MOVE.send(
        tx,
        {
            "at": now,
            "sku_id": stop.sku_id,
            "location_id": stop.location_id,
            "batch": stop.batch,
            "delta": -stop.picked,
            "ref": ref,
            "operator_id": operator_id,
        },
    )
    if take > 0 and stop.line_order_id is not None:
        _ORDER_PICKED.send(tx, {"order_id": stop.line_order_id, "updated_at": now})
    return lambda: done() == 1 and (allocated is None or allocated() == 1)


def advance(tx: Tx, task_id: int, next_seq: int, now: datetime) -> Callable[[], NextStop | None]:
    """The list moves on to its next unfinished stop, which the function returned gives; None
    when that stop is gone since the scan read it (an order cancelled meanwhile took it off
    the list)."""
    _ADVANCE.send(tx, {"task_id": task_id, "heartbeat_at": now, "current_stop": next_seq})
    rows = _STOP_AT.send(tx, {"task_id": task_id, "seq": next_seq})
    return lambda: next(iter(rows()), None)
