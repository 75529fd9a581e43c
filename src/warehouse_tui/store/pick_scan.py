"""The pick scan's statements: the stop a picker is at, in one read, and what a scan writes.

A picker scans three times at every stop (location, item, tote) and the handheld waits for each
answer, so the scan is held to a few times a bare durable commit (bench/bench_pick.py). Through
the ORM it took some thirty statements; here it is prepared statements (store/prepared.py) on
one write transaction:
- `current_stop`: one SELECT, locking the list and its stop on PostgreSQL, of everything a
  scan decides on and the handheld shows: the list's state and holder, its first unfinished
  stop with its location, SKU and tote, the list's progress and, when the code repeated the
  station's last one, the duplicate-scan window. Each kind of scan has its own form of it,
  reading no more than it needs: an item scan's also which SKU the scanned barcode names, a
  tote scan's the stop's allocation and order line and the next stop as the handheld will
  show it. On SQLite a transaction after another connection's commit reads every page it
  touches again, and those reads are much of a scan's time;
- then the step's writes, each a compare-and-set on the stop's state, and the journal row
  (store/journal_rows.py): a location or item scan three statements with the journal row, a
  tote scan up to eight (the stop done, its allocation and order line, stock and its ledger,
  the order picked, the list moved on).
The service (services/picking/scan.py) decides what a scan means; this module only says how
it is read and written.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    BindParameter,
    String,
    and_,
    bindparam,
    case,
    exists,
    func,
    insert,
    null,
    or_,
    select,
    true,
    type_coerce,
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
    """A pick list's first unfinished stop, with what deciding a scan on it needs. A read
    leaves out (None) what its kind of scan does not need (`current_stop`)."""

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
    done: int  # stops finished on the list
    total: int  # stops on the list
    unbound: int  # stops of an order that has no tote yet
    orders: int  # orders on a pick-by-order list (one tote each)
    window: str | None  # the duplicate_scan_window_ms setting, if set and asked for
    # An item scan's: the SKU the scanned barcode names, if any, and what one scan counts.
    scanned_sku: int | None
    scanned_units: int | None
    # A tote scan's: the stop's allocation and its order line, and the unfinished stop after
    # this one, as the handheld will show it.
    allocation_left: int | None  # units the stop's allocation still waits for
    line_id: int | None  # the allocation's order line
    line_order_id: int | None
    next_stop_id: int | None
    next_seq: int | None
    next_status: str | None
    next_qty: int | None
    next_picked: int | None
    next_order_id: int | None
    next_location_code: str | None
    next_sku_code: str | None
    next_sku_name: str | None
    next_typed_qty_allowed: bool | None
    next_tote_code: str | None


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


# A GTIN has at most four registered forms (GTIN-14, EAN-13, UPC-A, EAN-8): fixed binds, padded
# by repeating a form, keep the statement's SQL the same for every scan.
_GTIN_FORMS = 4
_CODE_NAMES = tuple(f"code{n}" for n in range(_GTIN_FORMS))
_CODE_BINDS: list[BindParameter[str]] = [bindparam(name) for name in _CODE_NAMES]
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
# The stop after this one: the first other unfinished stop in route order.
_later = _stop.alias("later")
_NEXT_ID = (
    select(_later.c.id)
    .where(
        _later.c.task_id == _TASK,
        _later.c.status != DONE,
        _later.c.status != SHORT,
        _later.c.id != _stop.c.id,
    )
    .order_by(_later.c.seq, _later.c.id)
    .limit(1)
    .scalar_subquery()
)
_NEXT = _stop.alias("next")
_next_stock = _stock.alias("next_stock")
_next_location = _location.alias("next_location")
_next_sku = _sku.alias("next_sku")
_next_tote = _tote.alias("next_tote")
# Read only when asked for (a false parameter skips the subquery, and its pages, at once).
_WINDOW = (
    select(_setting.c.value)
    .where(_setting.c.key == "duplicate_scan_window_ms", bindparam("repeated"))
    .scalar_subquery()
)


def _stop_read(*, item: bool, tote: bool) -> Query[StopRow]:
    """The read of the stop for one kind of scan: an item scan's also looks up the scanned
    barcode, a tote scan's also reads the stop's allocation and order line and the next stop.
    What a read leaves out is no page read from disk: after another connection's commit,
    SQLite reads every page a transaction touches again, and that is most of a read's time."""
    none = null()
    columns: list[Any] = [
        # As the strings they are stored as: no enum member made for two comparisons.
        type_coerce(_task.c.status, String),
        _task.c.claimed_by,
        type_coerce(_task.c.strategy, String),
        _stop.c.id,
        _stop.c.seq,
        _stop.c.status,
        _stop.c.qty,
        _stop.c.picked,
        _stop.c.order_id,
        _stop.c.allocation_id,
        _stop.c.stock_id,
        _stop.c.sku_id,
        _stop.c.tote_id,
        _location.c.id,
        _location.c.code,
        _stock.c.batch,
        _sku.c.code,
        _sku.c.name,
        _sku.c.typed_qty_allowed,
        _sku.c.batch_tracked,
        _tote.c.code,
        _PROGRESS.c.done,
        _PROGRESS.c.total,
        _PROGRESS.c.unbound,
        _PROGRESS.c.orders,
        _WINDOW,
    ]
    if item:
        columns += [
            _SCANNED.with_only_columns(_barcode.c.sku_id).limit(1).scalar_subquery(),
            _SCANNED.with_only_columns(_barcode.c.quantity).limit(1).scalar_subquery(),
        ]
    else:
        columns += [none, none]
    if tote:
        columns += [
            _allocation.c.qty - _allocation.c.picked,
            _allocation.c.order_line_id,
            _order_line.c.order_id,
            _NEXT.c.id,
            _NEXT.c.seq,
            _NEXT.c.status,
            _NEXT.c.qty,
            _NEXT.c.picked,
            _NEXT.c.order_id,
            _next_location.c.code,
            _next_sku.c.code,
            _next_sku.c.name,
            _next_sku.c.typed_qty_allowed,
            _next_tote.c.code,
        ]
    else:
        columns += [none] * 14
    named = [column.label(name) for column, name in zip(columns, StopRow._fields, strict=True)]
    query = (
        select(*named)
        .select_from(_task)
        .join(_PROGRESS, true())
        .join(_stop, and_(_stop.c.task_id == _task.c.id, _stop.c.seq == _PROGRESS.c.first_seq))
        .join(_stock, _stock.c.id == _stop.c.stock_id)
        .join(_location, _location.c.id == _stock.c.location_id)
        .join(_sku, _sku.c.id == _stop.c.sku_id)
        .outerjoin(_tote, _tote.c.id == _stop.c.tote_id)
    )
    if tote:
        query = (
            query.outerjoin(_allocation, _allocation.c.id == _stop.c.allocation_id)
            .outerjoin(_order_line, _order_line.c.id == _allocation.c.order_line_id)
            .outerjoin(_NEXT, _NEXT.c.id == _NEXT_ID)
            .outerjoin(_next_stock, _next_stock.c.id == _NEXT.c.stock_id)
            .outerjoin(_next_location, _next_location.c.id == _next_stock.c.location_id)
            .outerjoin(_next_sku, _next_sku.c.id == _NEXT.c.sku_id)
            .outerjoin(_next_tote, _next_tote.c.id == _NEXT.c.tote_id)
        )
    return Query(
        query.where(_task.c.id == _TASK)
        .order_by(_stop.c.id)
        .limit(1)
        .with_for_update(of=[_task, _stop]),
        StopRow,
    )


# The next stop's fields end StopRow, in NextStop's order.
_NEXT_FIELDS = -len(NextStop._fields)
if StopRow._fields[_NEXT_FIELDS:] != tuple(f"next_{name}" for name in NextStop._fields):
    raise ValueError("StopRow must end with NextStop's fields, each named next_…")

_LOCATION_READ = _stop_read(item=False, tote=False)
_ITEM_READ = _stop_read(item=True, tote=False)
_TOTE_READ = _stop_read(item=False, tote=True)

_HEARTBEAT = Command(
    update(_task).where(_task.c.id == bindparam("task_id")), column_keys=("heartbeat_at",)
)
# Guarded: on PostgreSQL an order cancelled since the read may have taken the next stop off
# the list (the read locks the list and its stop, not the stops after it).
_ADVANCE = Command(
    update(_task).where(
        _task.c.id == bindparam("task_id"),
        exists().where(_stop.c.id == bindparam("next_stop_id")),
    ),
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


def current_stop(
    tx: Tx,
    task_id: int,
    *,
    codes: Sequence[str] = (),
    to_tote: bool = False,
    repeated: bool = False,
) -> StopRow | None:
    """The list's first unfinished stop, locked with its list on PostgreSQL; None if the list
    does not exist or is finished. Read for an item scan when `codes` (a scanned GTIN's
    registered forms) are given, for a tote scan with `to_tote`, else for a location scan; the
    duplicate-scan window only when the code `repeated` the station's last one."""
    params: dict[str, Any] = {"task_id": task_id, "repeated": repeated}
    if codes:
        padded = [*codes, *[codes[0]] * (_GTIN_FORMS - len(codes))]
        params.update(zip(_CODE_NAMES, padded, strict=True))
        read = _ITEM_READ
    else:
        read = _TOTE_READ if to_tote else _LOCATION_READ
    rows = read.rows(tx, params)
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


def advance(tx: Tx, task_id: int, stop: StopRow, now: datetime) -> Callable[[], NextStop | None]:
    """The list moves on to the stop after `stop` (read for a tote scan), which the function
    returned gives; None when that stop is gone since the scan read it (an order cancelled
    meanwhile took it off the list)."""
    assert stop.next_stop_id is not None
    moved = _ADVANCE.send(
        tx,
        {
            "task_id": task_id,
            "next_stop_id": stop.next_stop_id,
            "heartbeat_at": now,
            "current_stop": stop.next_seq,
        },
    )
    following = NextStop._make(stop[_NEXT_FIELDS:])
    return lambda: following if moved() == 1 else None
