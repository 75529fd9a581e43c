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
    ColumnElement,
    Connection,
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
    Journal,
    Order,
    OrderLine,
    OrderStatus,
    PackedSerial,
    Parcel,
    ParcelLine,
    Setting,
    Sku,
)
from warehouse_tui.store.prepared import Command, Query

_journal = Journal.__table__
_order_line = OrderLine.__table__
_parcel_line = ParcelLine.__table__
_parcel = Parcel.__table__
_orders = Order.__table__
_lead = _orders.alias("lead")
_barcode = Barcode.__table__
_sku = Sku.__table__
_setting = Setting.__table__
_packed_serial = PackedSerial.__table__


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
    pack come first."""
    return (
        select(
            _parcel.c.status.label("parcel_status"),
            _parcel.c.weight_g,
            _parcel.c.order_id.label("lead_id"),
            _order_line.c.id.label("line_id"),
            _order_line.c.picked,
            _order_line.c.packed,
            _orders.c.id.label("order_id"),
            _orders.c.status.label("order_status"),
            _orders.c.intercepted,
            _orders.c.pending,
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
        .join(_sku, and_(_sku.c.id == _order_line.c.sku_id, item))
        .outerjoin(
            _parcel_line,
            and_(
                _parcel_line.c.parcel_id == _parcel.c.id,
                _parcel_line.c.order_line_id == _order_line.c.id,
            ),
        )
        .where(_parcel.c.id == bindparam("parcel_id"))
        .order_by(_order_line.c.packed >= _order_line.c.picked, _order_line.c.id)
    )


# A GTIN has at most four registered forms (GTIN-14, EAN-13, UPC-A, EAN-8): fixed binds, padded
# by repeating a form, keep the statement's SQL the same for every scan.
_GTIN_FORMS = 4
_CODE_BINDS = [bindparam(f"code{n}") for n in range(_GTIN_FORMS)]
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
_JOURNAL_COLUMNS = tuple(column.key for column in _journal.c if column.key != "id")
_JOURNAL_INSERT = Command(insert(_journal), column_keys=_JOURNAL_COLUMNS)
_PARCEL_LINE_INSERT = Command(
    insert(_parcel_line),
    column_keys=("parcel_id", "order_line_id", "qty", "serials", "batches"),
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
# Both databases take ON CONFLICT DO NOTHING: a serial packed already inserts nothing.
_SERIAL_CLAIM = text(
    "INSERT INTO packedserial (sku_id, serial, parcel_id, order_line_id)"
    " VALUES (:sku_id, :serial, :parcel_id, :order_line_id) ON CONFLICT DO NOTHING"
)


def lines_by_barcode(
    connection: Connection, parcel_id: int, codes: Sequence[str]
) -> list[ScanLine]:
    """The pack's lines for the SKU one of `codes` (a GTIN's registered forms) names."""
    padded = [*codes, *[codes[0]] * (_GTIN_FORMS - len(codes))]
    params = {f"code{n}": code for n, code in enumerate(padded)}
    params["parcel_id"] = parcel_id  # type: ignore[assignment]
    return _LINES_BY_BARCODE.rows(connection, params)


def lines_by_sku(connection: Connection, parcel_id: int, sku_id: int) -> list[ScanLine]:
    return _LINES_BY_SKU.rows(connection, {"parcel_id": parcel_id, "sku_id": sku_id})


def count_up(connection: Connection, line_id: int, units: int) -> bool:
    """Add `units` to the order line's packed count, unless that would pass what was picked
    (another station counted meanwhile); whether it did."""
    return _COUNT_UP.run(connection, {"line_id": line_id, "units": units}) == 1


def add_to_parcel_line(
    connection: Connection,
    parcel_id: int,
    line: ScanLine,
    units: int,
    serial: str | None,
    batch: str | None,
) -> None:
    """Add the counted units (with a tracked SKU's serial or batch) to the parcel's line."""
    if line.parcel_line_id is None:
        _PARCEL_LINE_INSERT.run(
            connection,
            {
                "parcel_id": parcel_id,
                "order_line_id": line.line_id,
                "qty": units,
                "serials": [serial] if serial else [],
                "batches": [batch] * units if batch else [],
            },
        )
    elif serial or batch:
        current = connection.execute(
            select(_parcel_line.c.serials, _parcel_line.c.batches).where(
                _parcel_line.c.id == line.parcel_line_id
            )
        ).one()
        serials = [*(current.serials or []), *([serial] if serial else [])]
        batches = [*(current.batches or []), *([batch] * units if batch else [])]
        connection.execute(
            update(_parcel_line)
            .where(_parcel_line.c.id == line.parcel_line_id)
            .values(qty=_parcel_line.c.qty + units, serials=serials, batches=batches)
        )
    else:
        _PARCEL_LINE_UP.run(connection, {"parcel_line_id": line.parcel_line_id, "units": units})


def forget_weight(connection: Connection, parcel_id: int) -> None:
    """The parcel's contents changed: its weighing no longer holds."""
    _FORGET_WEIGHT.run(connection, {"parcel_id": parcel_id})


def insert_journal(connection: Connection, row: dict[str, Any]) -> None:
    """One journal row: every column but the id, as services.journal.journal_row builds it
    (plus the effect columns)."""
    _JOURNAL_INSERT.run(connection, row)


def claim_serial(
    connection: Connection, sku_id: int, serial: str, parcel_id: int, line_id: int
) -> int | None:
    """Claim the unit's serial for this parcel: None if claimed, else the parcel that holds it
    already. The unique (SKU, serial) row decides, so two stations cannot both claim it."""
    claimed = connection.execute(
        _SERIAL_CLAIM,
        {"sku_id": sku_id, "serial": serial, "parcel_id": parcel_id, "order_line_id": line_id},
    ).rowcount
    if claimed == 1:
        return None
    return connection.execute(
        select(_packed_serial.c.parcel_id).where(
            _packed_serial.c.sku_id == sku_id, _packed_serial.c.serial == serial
        )
    ).scalar_one()


def release_serial(connection: Connection, sku_id: int, serial: str) -> None:
    connection.execute(
        delete(_packed_serial).where(
            _packed_serial.c.sku_id == sku_id, _packed_serial.c.serial == serial
        )
    )


def set_tracking(connection: Connection, parcel_id: int, tracking: str) -> None:
    connection.execute(update(_parcel).where(_parcel.c.id == parcel_id).values(tracking=tracking))


def sku_by_barcode(connection: Connection, codes: Sequence[str]) -> tuple[int, int] | None:
    """The SKU one of `codes` names and the units one scan of it counts, if any."""
    row = connection.execute(
        select(_barcode.c.sku_id, _barcode.c.quantity)
        .where(_barcode.c.code.in_(list(codes)))
        .limit(1)
    ).first()
    return (row.sku_id, row.quantity) if row is not None else None


def parcel_state(connection: Connection, parcel_id: int) -> tuple[str, int] | None:
    """The parcel's status and lead order, if there is such a parcel."""
    row = connection.execute(
        select(_parcel.c.status, _parcel.c.order_id).where(_parcel.c.id == parcel_id)
    ).first()
    return (row.status, row.order_id) if row is not None else None


def sku_name(connection: Connection, sku_id: int) -> tuple[str, str]:
    """The SKU's code and name."""
    row = connection.execute(select(_sku.c.code, _sku.c.name).where(_sku.c.id == sku_id)).one()
    return row.code, row.name


def wanted_elsewhere(connection: Connection, sku_id: int) -> bool:
    """Whether a picked order still waits for a unit of the SKU."""
    return (
        connection.execute(
            select(_order_line.c.order_id)
            .join(_orders, _orders.c.id == _order_line.c.order_id)
            .where(_order_line.c.sku_id == sku_id)
            .where(_orders.c.status == OrderStatus.PICKED)
            .where(_order_line.c.packed < _order_line.c.picked)
            .limit(1)
        ).scalar()
        is not None
    )
