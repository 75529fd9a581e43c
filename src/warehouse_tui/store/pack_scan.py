"""The pack scan's statements: from a scanned code to the order line it counts on, and the count.

The pack station's verify is the floor's hottest write (bench/bench_pack.py holds it to a few
times a bare durable commit), so its statements are prepared (store/prepared.py) and run on
the write transaction's connection: one indexed SELECT from the barcode to the scanned SKU's
lines in the pack, with the parcel's state and the duplicate-scan window setting, then the
counting UPDATE (a compare-and-set: never past what was picked), the parcel line and the
journal row. The service decides what a scan means; this module only says how it is read and
written.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    and_,
    bindparam,
    delete,
    false,
    insert,
    null,
    or_,
    select,
    text,
    update,
)

from warehouse_tui.store.models import (
    Barcode,
    Order,
    OrderLine,
    OrderStatus,
    PackedSerial,
    Parcel,
    ParcelLine,
    Setting,
    Sku,
    table_of,
)
from warehouse_tui.store.prepared import Command, Query, Tx

_order_line = table_of(OrderLine)
_parcel_line = table_of(ParcelLine)
_parcel = table_of(Parcel)
_orders = table_of(Order)
_lead = _orders.alias("lead")
_barcode = table_of(Barcode)
_sku = table_of(Sku)
_setting = table_of(Setting)
_packed_serial = table_of(PackedSerial)


class ScanLine(NamedTuple):
    """An order line of the pack for the scanned SKU, with what deciding the count needs."""

    parcel_status: str
    weight_g: int | None
    lead_id: int
    line_id: int
    picked: int
    packed: int
    order_id: int
    order_status: str
    intercepted: bool
    pending: dict[str, Any] | None
    sku_id: int
    sku_code: str
    serial_tracked: bool
    batch_tracked: bool
    typed_qty_allowed: bool
    parcel_line_id: int | None
    window: str | None  # the duplicate_scan_window_ms setting, if set
    units: int | None  # what one scan of the barcode counts (None when read by SKU)


def _lines_query(item: ColumnElement[bool], units: Any) -> Any:
    """The scanned SKU's lines in the parcel's orders (the lead's merge group), the parcel's
    state, this parcel's line for each, and the duplicate-scan window: one indexed round trip.
    `item` is the join condition that picks the SKU's order lines. Lines with units left to
    pack come first.

    The pack's lines are read first, from the parcel down, and only then matched to the SKU:
    on PostgreSQL they are a MATERIALIZED CTE, so no plan may start from the SKU instead. The
    prepared statement's generic plan did (measured on 1M order lines: 0.45 ms, every order
    line of the SKU fetched, where the pack has a handful), and a SKU's lines only grow."""
    pack = (
        select(
            _parcel.c.id.label("parcel_id"),
            _parcel.c.status.label("parcel_status"),
            _parcel.c.weight_g,
            _parcel.c.order_id.label("lead_id"),
            _order_line.c.id.label("line_id"),
            _order_line.c.sku_id,
            _order_line.c.picked,
            _order_line.c.packed,
            _orders.c.id.label("order_id"),
            _orders.c.status.label("order_status"),
            _orders.c.intercepted,
            _orders.c.pending,
        )
        .select_from(_parcel)
        .join(_lead, _lead.c.id == _parcel.c.order_id)
        .join(
            _orders,
            or_(
                _orders.c.id == _lead.c.id,
                and_(_lead.c.no_merge.is_(false()), _orders.c.merge_group == _lead.c.merge_group),
            ),
        )
        .join(_order_line, _order_line.c.order_id == _orders.c.id)
        .where(_parcel.c.id == bindparam("parcel_id"))
        .cte("pack")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    return (
        select(
            pack.c.parcel_status,
            pack.c.weight_g,
            pack.c.lead_id,
            pack.c.line_id,
            pack.c.picked,
            pack.c.packed,
            pack.c.order_id,
            pack.c.order_status,
            pack.c.intercepted,
            pack.c.pending,
            _sku.c.id.label("sku_id"),
            _sku.c.code.label("sku_code"),
            _sku.c.serial_tracked,
            _sku.c.batch_tracked,
            _sku.c.typed_qty_allowed,
            _parcel_line.c.id.label("parcel_line_id"),
            select(_setting.c.value)
            .where(_setting.c.key == "duplicate_scan_window_ms")
            .scalar_subquery()
            .label("window"),
            units.label("units"),
        )
        .select_from(pack)
        .join(_sku, and_(_sku.c.id == pack.c.sku_id, item))
        .outerjoin(
            _parcel_line,
            and_(
                _parcel_line.c.parcel_id == pack.c.parcel_id,
                _parcel_line.c.order_line_id == pack.c.line_id,
            ),
        )
        .order_by(pack.c.packed >= pack.c.picked, pack.c.line_id)
    )


# A GTIN has at most four registered forms (GTIN-14, EAN-13, UPC-A, EAN-8): fixed binds, padded
# by repeating a form, keep the statement's SQL the same for every scan.
_GTIN_FORMS = 4
_CODE_BINDS: list[BindParameter[str]] = [bindparam(f"code{n}") for n in range(_GTIN_FORMS)]
_LINES_BY_SKU = Query(_lines_query(_sku.c.id == bindparam("sku_id"), null()), ScanLine)
_LINES_BY_BARCODE = Query(
    _lines_query(
        _sku.c.id.in_(select(_barcode.c.sku_id).where(_barcode.c.code.in_(_CODE_BINDS))),
        select(_barcode.c.quantity)
        .where(_barcode.c.sku_id == _sku.c.id)
        .where(_barcode.c.code.in_(_CODE_BINDS))
        .limit(1)
        .scalar_subquery(),
    ),
    ScanLine,
)
_PARCEL_LINE_INSERT = Command(
    insert(_parcel_line),
    column_keys=("parcel_id", "order_line_id", "qty", "serials", "batches"),
)
# An untracked SKU's new line: its empty serials and batches are bound once, not per scan.
_PLAIN_PARCEL_LINE_INSERT = Command(
    insert(_parcel_line).values(serials=[], batches=[]),
    column_keys=("parcel_id", "order_line_id", "qty"),
)
_COUNT_UP = Command(
    update(_order_line)
    .where(_order_line.c.id == bindparam("line_id"))
    .where(_order_line.c.packed + bindparam("units") <= _order_line.c.picked)
    .values(packed=_order_line.c.packed + bindparam("units"))
)
_PARCEL_LINE_UP = Command(
    update(_parcel_line)
    .where(_parcel_line.c.id == bindparam("parcel_line_id"))
    .values(qty=_parcel_line.c.qty + bindparam("units"))
)
_FORGET_WEIGHT = Command(
    update(_parcel)
    .where(_parcel.c.id == bindparam("parcel_id"))
    .values(weight_g=None, expected_weight_g=None)
)
_PARCEL_LINE_TRACKED_UP = Command(
    update(_parcel_line)
    .where(_parcel_line.c.id == bindparam("parcel_line_id"))
    .values(qty=_parcel_line.c.qty + bindparam("units")),
    column_keys=("serials", "batches"),
)


class _Tracked(NamedTuple):
    serials: list[str] | None
    batches: list[str] | None


_PARCEL_LINE_TRACKED = Query(
    select(_parcel_line.c.serials, _parcel_line.c.batches).where(
        _parcel_line.c.id == bindparam("parcel_line_id")
    ),
    _Tracked,
)
# Both databases take ON CONFLICT DO NOTHING: a serial packed already inserts nothing.
_SERIAL_CLAIM = Command(
    text(
        "INSERT INTO packedserial (sku_id, serial, parcel_id, order_line_id)"
        " VALUES (:sku_id, :serial, :parcel_id, :order_line_id) ON CONFLICT DO NOTHING"
    )
)


class _Holder(NamedTuple):
    parcel_id: int


_SERIAL_HOLDER = Query(
    select(_packed_serial.c.parcel_id).where(
        _packed_serial.c.sku_id == bindparam("sku_id"),
        _packed_serial.c.serial == bindparam("serial"),
    ),
    _Holder,
)
_SERIAL_RELEASE = Command(
    delete(_packed_serial).where(
        _packed_serial.c.sku_id == bindparam("sku_id"),
        _packed_serial.c.serial == bindparam("serial"),
    )
)
_SET_TRACKING = Command(
    update(_parcel).where(_parcel.c.id == bindparam("parcel_id")), column_keys=("tracking",)
)


class _SkuUnits(NamedTuple):
    sku_id: int
    quantity: int


_SKU_BY_BARCODE = Query(
    select(_barcode.c.sku_id, _barcode.c.quantity).where(_barcode.c.code.in_(_CODE_BINDS)).limit(1),
    _SkuUnits,
)


class ParcelState(NamedTuple):
    status: str
    order_id: int


_PARCEL_STATE = Query(
    select(_parcel.c.status, _parcel.c.order_id).where(_parcel.c.id == bindparam("parcel_id")),
    ParcelState,
)


class SkuName(NamedTuple):
    code: str
    name: str


_SKU_NAME = Query(select(_sku.c.code, _sku.c.name).where(_sku.c.id == bindparam("sku_id")), SkuName)


class _Waiting(NamedTuple):
    order_id: int


_WANTED_ELSEWHERE = Query(
    select(_order_line.c.order_id)
    .join(_orders, _orders.c.id == _order_line.c.order_id)
    .where(_order_line.c.sku_id == bindparam("sku_id"))
    .where(_orders.c.status == OrderStatus.PICKED)
    .where(_order_line.c.packed < _order_line.c.picked)
    .order_by(_order_line.c.order_id)
    .limit(1),
    _Waiting,
)


def _code_params(codes: Sequence[str]) -> dict[str, Any]:
    padded = [*codes, *[codes[0]] * (_GTIN_FORMS - len(codes))]
    return {f"code{n}": code for n, code in enumerate(padded)}


def lines_by_barcode(tx: Tx, parcel_id: int, codes: Sequence[str]) -> list[ScanLine]:
    """The pack's lines for the SKU one of `codes` (a GTIN's registered forms) names."""
    params = _code_params(codes)
    params["parcel_id"] = parcel_id
    return _LINES_BY_BARCODE.rows(tx, params)


def lines_by_sku(tx: Tx, parcel_id: int, sku_id: int) -> list[ScanLine]:
    return _LINES_BY_SKU.rows(tx, {"parcel_id": parcel_id, "sku_id": sku_id})


def count_up(tx: Tx, line_id: int, units: int) -> bool:
    """Add `units` to the order line's packed count, unless that would pass what was picked
    (another station counted meanwhile); whether it did."""
    return _COUNT_UP.run(tx, {"line_id": line_id, "units": units}) == 1


def add_to_parcel_line(
    tx: Tx, parcel_id: int, line: ScanLine, units: int, serial: str | None, batch: str | None
) -> None:
    """Add the counted units (with a tracked SKU's serial or batch) to the parcel's line."""
    serials = [serial] if serial else []
    batches = [batch] * units if batch else []
    if line.parcel_line_id is None and not (serials or batches):
        _PLAIN_PARCEL_LINE_INSERT.send(
            tx, {"parcel_id": parcel_id, "order_line_id": line.line_id, "qty": units}
        )
    elif line.parcel_line_id is None:
        _PARCEL_LINE_INSERT.send(
            tx,
            {
                "parcel_id": parcel_id,
                "order_line_id": line.line_id,
                "qty": units,
                "serials": serials,
                "batches": batches,
            },
        )
    elif serials or batches:
        held = _PARCEL_LINE_TRACKED.rows(tx, {"parcel_line_id": line.parcel_line_id})[0]
        _PARCEL_LINE_TRACKED_UP.send(
            tx,
            {
                "parcel_line_id": line.parcel_line_id,
                "units": units,
                "serials": [*(held.serials or []), *serials],
                "batches": [*(held.batches or []), *batches],
            },
        )
    else:
        _PARCEL_LINE_UP.send(tx, {"parcel_line_id": line.parcel_line_id, "units": units})


def forget_weight(tx: Tx, parcel_id: int) -> None:
    """The parcel's contents changed: its weighing no longer holds."""
    _FORGET_WEIGHT.send(tx, {"parcel_id": parcel_id})


def claim_serial(tx: Tx, sku_id: int, serial: str, parcel_id: int, line_id: int) -> int | None:
    """Claim the unit's serial for this parcel: None if claimed, else the parcel that holds it
    already. The unique (SKU, serial) row decides, so two stations cannot both claim it."""
    params = {"sku_id": sku_id, "serial": serial, "parcel_id": parcel_id, "order_line_id": line_id}
    if _SERIAL_CLAIM.run(tx, params) == 1:
        return None
    return _SERIAL_HOLDER.rows(tx, {"sku_id": sku_id, "serial": serial})[0].parcel_id


def release_serial(tx: Tx, sku_id: int, serial: str) -> None:
    _SERIAL_RELEASE.send(tx, {"sku_id": sku_id, "serial": serial})


def set_tracking(tx: Tx, parcel_id: int, tracking: str) -> None:
    _SET_TRACKING.send(tx, {"parcel_id": parcel_id, "tracking": tracking})


def sku_by_barcode(tx: Tx, codes: Sequence[str]) -> tuple[int, int] | None:
    """The SKU one of `codes` (a GTIN's registered forms) names and the units one scan of it
    counts, if any."""
    rows = _SKU_BY_BARCODE.rows(tx, _code_params(codes))
    return (rows[0].sku_id, rows[0].quantity) if rows else None


def parcel_state(tx: Tx, parcel_id: int) -> ParcelState | None:
    """The parcel's status and lead order, if there is such a parcel."""
    rows = _PARCEL_STATE.rows(tx, {"parcel_id": parcel_id})
    return rows[0] if rows else None


def sku_name(tx: Tx, sku_id: int) -> SkuName:
    return _SKU_NAME.rows(tx, {"sku_id": sku_id})[0]


def order_wanting(tx: Tx, sku_id: int) -> int | None:
    """The first picked order that still waits for a unit of the SKU, if any."""
    found = _WANTED_ELSEWHERE.rows(tx, {"sku_id": sku_id})
    return found[0].order_id if found else None
