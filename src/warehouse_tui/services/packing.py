"""The pack station: start a pack, verify every item by scan, box, instructions, weigh, label.

A pack is one buyer's picked orders (a merge group, or one order) going into one or more
parcels. A parcel belongs to the group's lead order (the lowest id); its ParcelLines may point
at lines of any order of the group. An order line's `picked` is what lies in the tote: verify
counts `packed` up to it, never past it.

`verify_scan` is the station's hot path (a scan every second or two, benchmarked in
bench/bench_pack.py): it runs on one connection — one indexed SELECT from the barcode to the
order line (with the duplicate-scan window setting), then the counting UPDATE/INSERT and the
journal row — and commits. Its Core statements are compiled once per dialect and run on the
connection's DBAPI cursor (`_Prepared`). Everything else uses the ORM: it runs a few times per
parcel.

Accepted count rows in the journal carry their effect in `reason` as ``L<order line>+<units>``
(and the serial after a space), so `undo_last_scan` can take exactly that count back. An undo
row's `raw` is ``J<journal id>`` of the row it took back.
"""

from __future__ import annotations

import math
import re
from collections import namedtuple
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Connection,
    and_,
    bindparam,
    delete,
    false,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlmodel import Session, col

from warehouse_tui.devices.labels import LabelError, ShippingLabel, zpl_shipping_label
from warehouse_tui.devices.printer import PrinterError, send_to_printer
from warehouse_tui.domain.barcodes import Scan, ScanKind, parse_scan
from warehouse_tui.i18n import N_, _
from warehouse_tui.services.auth import supervisor_by_badge
from warehouse_tui.services.journal import (
    DOUBLE_TRIGGERS,
    Actor,
    double_trigger_refusal,
    record,
)
from warehouse_tui.services.lookup import gtin_forms, parse_in_store, resolve_code
from warehouse_tui.services.orders import leave_merge_group, void_parcels_of
from warehouse_tui.services.settings import DEFAULTS, get_setting
from warehouse_tui.services.shipping import announce_at, announce_fulfilment, parcel_label
from warehouse_tui.services.shortages import order_standing
from warehouse_tui.services.states import kind_name, state_name
from warehouse_tui.services.tracking import TrackingError, allocate_tracking
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import (
    Barcode,
    BoxType,
    Carrier,
    CarrierService,
    FloorTask,
    Journal,
    Order,
    OrderLine,
    OrderStatus,
    PackedSerial,
    Parcel,
    ParcelLine,
    ParcelStatus,
    Setting,
    Sku,
    Tote,
    WallSlot,
    utcnow,
)

START = "pack.start"
SCAN = "pack.scan"
TYPED_QTY = "pack.qty"
UNDO = "pack.undo"
PREPRINTED = "pack.preprinted-label"
NEW_PARCEL = "pack.new_parcel"
BOX = "pack.box"
INSTRUCTIONS = "pack.instructions"
WEIGH = "pack.weigh"
TYPED_WEIGHT = "pack.weigh_typed"
CLOSE = "pack.close"
REPRINT = "pack.reprint"
COUNT_ACTIONS = (SCAN, TYPED_QTY)

# Buyer tags that carry a pack instruction, with the instruction the packer reads.
TAG_INSTRUCTIONS: dict[str, str] = {
    "gift": N_("Gift: no prices in the box, gift wrap if asked"),
    "vip": N_("VIP: put the VIP insert card in the box"),
    "fragile": N_("Fragile: wrap each item, fill the gaps, FRAGILE tape"),
    "no-invoice": N_("No invoice in the box"),
}


def order_code(order_id: int) -> str:
    return f"ORD-{order_id}"


# --- results -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PackResult:
    """What a pack action did. `stop` marks the refusal that must not be missed: an order of
    the pack was cancelled or changed after release, so its items go aside for restock."""

    accepted: bool
    reason: str = ""
    parcel_id: int | None = None
    stop: bool = False
    order_packed: bool = False
    tracking: str | None = None
    back_to_verify: bool = False


@dataclass(frozen=True)
class ScanResult:
    """One verify scan: `units` counted onto `order_line_id`, or refused with `reason`."""

    accepted: bool
    reason: str = ""
    order_line_id: int | None = None
    units: int = 0
    packed: int = 0
    expected: int = 0
    stop: bool = False
    duplicate: bool = False


# --- pack view (what the screen shows) ----------------------------------------------------------


@dataclass(frozen=True)
class LineView:
    order_line_id: int
    order_id: int
    sku_code: str
    name: str
    expected: int
    packed: int
    in_parcel: int


@dataclass(frozen=True)
class PackView:
    parcel_id: int
    status: str
    order_ids: tuple[int, ...]
    shop_orders: tuple[str, ...]
    ship_name: str
    carrier: str
    service: str
    lines: tuple[LineView, ...]
    box_code: str | None
    suggested_box: str | None
    instructions: tuple[str, ...]
    instructions_confirmed: bool
    expected_weight_g: int | None
    weight_g: int | None
    tracking: str | None
    parcel_number: int
    stop: str = ""

    @property
    def items_in_parcel(self) -> int:
        return sum(line.in_parcel for line in self.lines)

    @property
    def remaining(self) -> int:
        return sum(line.expected - line.packed for line in self.lines)


# --- the group of orders packed together ---------------------------------------------------------


def _members(session: Session, lead: Order) -> list[Order]:
    """The orders packed with `lead`: its merge group (the buyer's orders), or itself alone."""
    if lead.merge_group is None or lead.no_merge:
        return [lead]
    return list(
        session.exec(
            select(Order).where(Order.merge_group == lead.merge_group).order_by(Order.id)
        ).scalars()
    )


def _lead_of(session: Session, order: Order) -> Order:
    members = _members(session, order)
    return members[0]


def _stopped(order: Order) -> bool:
    return order.intercepted or order.status == OrderStatus.CANCELLED or order.pending is not None


def _stop_reason(order: Order) -> str:
    if order.status == OrderStatus.CANCELLED or (order.pending or {}).get("cancelled"):
        return _(
            "STOP — order {order} was CANCELLED: do not pack, put everything aside for restock"
        ).format(order=order_code(order.id))
    return _(
        "STOP — order {order} was CHANGED after picking: do not pack, put everything "
        "aside for restock"
    ).format(order=order_code(order.id))


def _ensure_restock(session: Session, order: Order) -> None:
    """The intercepted order's picked items get restock work (once)."""
    has_restock = session.exec(
        select(func.count())
        .select_from(FloorTask)
        .where(FloorTask.order_id == order.id, FloorTask.kind == "restock")
    ).scalar_one()
    if has_restock:
        return
    lines = session.exec(
        select(OrderLine).where(OrderLine.order_id == order.id, OrderLine.picked > 0)
    ).scalars()
    for line in lines:
        session.add(
            FloorTask(
                kind="restock",
                sku_id=line.sku_id,
                order_id=order.id,
                qty=line.picked,
                reason=f"intercept {order_code(order.id)}",
                on_allocations=True,
            )
        )


def _stop_check(session: Session, actor: Actor, members: Sequence[Order]) -> str:
    """The STOP reason if an order of the pack is stopped (cancelled or changed after release),
    else "". A stopped order gets its restock work, its parcels are voided (their labels can
    never ship, and what they held is verified again), and it leaves the pack: the buyer's
    other orders go out without it."""
    stopped = [order for order in members if _stopped(order)]
    if not stopped:
        return ""
    for order in stopped:
        assert order.id is not None
        _ensure_restock(session, order)
        void_parcels_of(session, actor, order.id)
    reason = _stop_reason(stopped[0])
    rest = [order for order in members if order not in stopped]
    if not rest:
        return reason
    for order in stopped:
        leave_merge_group(session, actor, order)
    return (
        reason
        + " "
        + _("The buyer's other orders go without it: scan {order} to pack them again").format(
            order=order_code(rest[0].id)
        )
    )


# --- start ---------------------------------------------------------------------------------------


def start_pack(store: Store, actor: Actor, code: str) -> PackResult:
    """Start (or resume) packing by a tote, put-wall slot, order (ORD-) or parcel label (PCL-)."""
    with store.write() as session:
        result, order_id = _start(session, actor, code)
        record(
            session,
            actor,
            START,
            accepted=result.accepted,
            reason=result.reason,
            raw=code,
            task_ref=parcel_label(result.parcel_id) if result.parcel_id else "",
            order_id=order_id,
        )
        return result


def _start(session: Session, actor: Actor, code: str) -> tuple[PackResult, int | None]:
    scan = parse_scan(code, lookup_code=lambda key: resolve_code(session, key))
    if not scan.valid:
        return PackResult(False, scan.error or _("unknown barcode")), None
    order, refusal = _order_of_scan(session, scan)
    if order is None:
        return PackResult(False, refusal), None
    parcel = (
        session.get(Parcel, scan.resolves.id)
        if scan.kind is ScanKind.PARCEL and scan.resolves is not None
        else None
    )
    if parcel is not None and parcel.status == ParcelStatus.CANCELLED:
        return _show_finished_parcel(session, parcel, order)
    lead = _lead_of(session, order)
    members = _members(session, lead)
    stop = _stop_check(session, actor, members)
    if stop:
        return PackResult(False, stop, stop=True), order.id
    if parcel is not None and parcel.status != ParcelStatus.OPEN:
        return _show_finished_parcel(session, parcel, order)
    waiting = [o for o in members if o.status != OrderStatus.PICKED]
    if waiting and all(o.status in (OrderStatus.PACKED, OrderStatus.SHIPPED) for o in members):
        return PackResult(
            False, _("Order {order} is already packed").format(order=order_code(order.id))
        ), order.id
    if waiting:
        standings = [order_standing(session, other) for other in waiting]
        return PackResult(
            False, next((text for coming, text in standings if not coming), standings[0][1])
        ), order.id
    parcel = _open_parcel(session, lead)
    if parcel is None:
        parcel = _new_parcel(session, actor, lead)
        message = _("Parcel {parcel} opened for {orders}")
    else:
        message = _("Parcel {parcel} resumed for {orders}")
    orders = ", ".join(order_code(o.id) for o in members)
    return PackResult(
        True, message.format(parcel=parcel_label(parcel.id), orders=orders), parcel_id=parcel.id
    ), lead.id


def _show_finished_parcel(
    session: Session, parcel: Parcel, order: Order
) -> tuple[PackResult, int | None]:
    if parcel.status == ParcelStatus.CANCELLED:
        return PackResult(
            False, _("Parcel {parcel} was cancelled").format(parcel=parcel_label(parcel.id))
        ), order.id
    return PackResult(
        True,
        _("Parcel {parcel} is closed ({tracking}): F10 reprints its label").format(
            parcel=parcel_label(parcel.id), tracking=parcel.tracking or "?"
        ),
        parcel_id=parcel.id,
        tracking=parcel.tracking,
    ), order.id


def _order_of_scan(session: Session, scan: Scan) -> tuple[Order | None, str]:
    kinds = (ScanKind.TOTE, ScanKind.SLOT, ScanKind.ORDER, ScanKind.PARCEL)
    if scan.kind not in kinds:
        return None, _("Scan a tote, a put-wall slot, an order or a parcel label to start")
    if scan.resolves is None:
        return None, _("No {kind} has the code {code}").format(
            kind=kind_name(scan.kind), code=scan.code
        )
    row_id = scan.resolves.id
    order_id: int | None
    if scan.kind is ScanKind.TOTE:
        order_id = session.get_one(Tote, row_id).order_id
        empty = _("Tote {code} holds no order").format(code=scan.code)
    elif scan.kind is ScanKind.SLOT:
        slot = session.get_one(WallSlot, row_id)
        if slot.order_id is not None and slot.status != "ready":
            return None, _("Slot {code} is not complete yet: wait for its light").format(
                code=scan.code
            )
        order_id = slot.order_id
        empty = _("Slot {code} holds no order").format(code=scan.code)
    elif scan.kind is ScanKind.PARCEL:
        order_id = session.get_one(Parcel, row_id).order_id
        empty = ""
    else:
        order_id = row_id
        empty = ""
    if order_id is None:
        return None, empty
    return session.get_one(Order, order_id), ""


def _open_parcel(session: Session, lead: Order) -> Parcel | None:
    return (
        session.exec(
            select(Parcel)
            .where(Parcel.order_id == lead.id, Parcel.status == ParcelStatus.OPEN)
            .order_by(Parcel.id)
            .limit(1)
        )
        .scalars()
        .first()
    )


def _new_parcel(session: Session, actor: Actor, lead: Order) -> Parcel:
    parcel = Parcel(
        order_id=lead.id,
        carrier=lead.carrier,
        service=lead.service,
        packed_by=actor.operator_id,
        station=actor.station,
    )
    session.add(parcel)
    session.flush()
    return parcel


def open_parcel_at_station(store: Store, station: str) -> int | None:
    """The parcel this station left open (a restart continues it), if any."""
    with store.read() as session:
        return session.execute(
            select(Parcel.id)
            .where(Parcel.station == station, Parcel.status == ParcelStatus.OPEN)
            .order_by(col(Parcel.id).desc())
            .limit(1)
        ).scalar()


def new_parcel(store: Store, actor: Actor, parcel_id: int) -> PackResult:
    """Open the next parcel of `parcel_id`'s pack (an order too big for one box): allowed once
    `parcel_id` is closed and items of the pack are still to be packed."""
    with store.write() as session:
        parcel = session.get(Parcel, parcel_id)
        result = _next_parcel(session, actor, parcel)
        record(
            session,
            actor,
            NEW_PARCEL,
            accepted=result.accepted,
            reason=result.reason,
            raw=parcel_label(parcel_id),
            task_ref=parcel_label(result.parcel_id or parcel_id),
            order_id=parcel.order_id if parcel else None,
        )
        return result


def _next_parcel(session: Session, actor: Actor, parcel: Parcel | None) -> PackResult:
    if parcel is None:
        return PackResult(False, _("No such parcel"))
    lead = session.get_one(Order, parcel.order_id)
    members = _members(session, lead)
    stop = _stop_check(session, actor, members)
    if stop:
        return PackResult(False, stop, stop=True)
    if _open_parcel(session, lead) is not None:
        return PackResult(
            False, _("Close parcel {parcel} first").format(parcel=parcel_label(parcel.id))
        )
    if _remaining(session, [o.id for o in members]) == 0:
        return PackResult(False, _("Everything of this pack is packed already"))
    created = _new_parcel(session, actor, lead)
    return PackResult(
        True,
        _("Parcel {parcel} opened: scan the remaining items").format(
            parcel=parcel_label(created.id)
        ),
        parcel_id=created.id,
    )


def _remaining(session: Session, order_ids: Iterable[int]) -> int:
    return session.execute(
        select(func.coalesce(func.sum(OrderLine.picked - OrderLine.packed), 0)).where(
            col(OrderLine.order_id).in_(list(order_ids))
        )
    ).scalar_one()


# --- verify: the hot path ------------------------------------------------------------------------


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
# Both databases take ON CONFLICT DO NOTHING: a serial packed already inserts nothing.
_SERIAL_CLAIM = text(
    "INSERT INTO packedserial (sku_id, serial, parcel_id, order_line_id)"
    " VALUES (:sku_id, :serial, :parcel_id, :order_line_id) ON CONFLICT DO NOTHING"
)

_BARCODE_QUERY = (
    select(_barcode.c.sku_id, _barcode.c.quantity)
    .where(_barcode.c.code.in_(bindparam("codes", expanding=True)))
    .limit(1)
)


def _lines_query(item: Any, *columns: Any) -> Any:
    """The scanned SKU's lines in the parcel's orders (the lead's merge group), the parcel's
    state, this parcel's line for each, and the duplicate-scan window: one indexed round trip.
    `item` is the join condition that picks the SKU's order lines."""
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
            *columns,
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


def _code_params(codes: Sequence[str]) -> dict[str, str]:
    padded = [*codes, *[codes[0]] * (_GTIN_FORMS - len(codes))]
    return {f"code{n}": code for n, code in enumerate(padded)}


class _Prepared:
    """A Core statement compiled once per dialect and run straight on the connection's DBAPI
    cursor, inside the connection's transaction, with the dialect's own bind and result
    processors. The hot path's statements skip SQLAlchemy's per-execution machinery (tens of
    microseconds each, more than the indexed statement itself) but not its SQL or types."""

    def __init__(self, statement: Any, *, column_keys: Sequence[str] | None = None) -> None:
        self._statement = statement
        self._column_keys = list(column_keys) if column_keys is not None else None
        self._forms: dict[tuple[type, str], _Form] = {}

    def _form(self, connection: Connection) -> _Form:
        dialect = connection.dialect
        key = (type(dialect), dialect.paramstyle)
        form = self._forms.get(key)
        if form is None:
            form = _Form.compile(self._statement, dialect, self._column_keys)
            self._forms[key] = form
        return form

    def rows(self, connection: Connection, params: dict[str, Any]) -> list[Any]:
        form = self._form(connection)
        cursor = connection.connection.cursor()
        try:
            cursor.execute(form.sql, form.bind(params))
            return [form.row(raw) for raw in cursor.fetchall()]
        finally:
            cursor.close()

    def run(self, connection: Connection, params: dict[str, Any]) -> int:
        """Execute a DML statement; its rowcount."""
        form = self._form(connection)
        cursor = connection.connection.cursor()
        try:
            cursor.execute(form.sql, form.bind(params))
            return int(cursor.rowcount)
        finally:
            cursor.close()


@dataclass(frozen=True)
class _Form:
    """One statement's SQL for one dialect, with how to bind its parameters and read its rows."""

    sql: str
    names: tuple[str, ...]
    keys: tuple[str, ...]
    fixed: dict[str, Any]
    positional: bool
    bind_processors: dict[str, Any]
    row_type: Any
    result_processors: tuple[tuple[int, Any], ...]

    @classmethod
    def compile(cls, statement: Any, dialect: Any, column_keys: list[str] | None) -> _Form:
        compiled = statement.compile(dialect=dialect, column_keys=column_keys)
        if compiled.insert_prefetch or compiled.update_prefetch:
            raise ValueError("a prepared statement must not need Python-side column defaults")
        positional = bool(dialect.positional)
        types = {name: bind.type for bind, name in compiled.bind_names.items()}
        names = tuple(compiled.positiontup) if positional else tuple(types)
        escaped = compiled.escaped_bind_names
        fixed = {
            name: bind.effective_value
            for bind, name in compiled.bind_names.items()
            if not bind.required
        }
        bind_processors = {}
        for name, type_ in types.items():
            processor = type_.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                bind_processors[name] = processor
        row_type = None
        result_processors: tuple[tuple[int, Any], ...] = ()
        if statement.is_select:
            columns = list(statement.selected_columns)
            row_type = namedtuple("_Row", [column.key for column in columns])  # type: ignore[misc]
            processors = (
                column.type.dialect_impl(dialect).result_processor(dialect, None)
                for column in columns
            )
            result_processors = tuple(
                (index, processor)
                for index, processor in enumerate(processors)
                if processor is not None
            )
        return cls(
            compiled.string,
            names,
            tuple(escaped.get(name, name) for name in names),
            fixed,
            positional,
            bind_processors,
            row_type,
            result_processors,
        )

    def bind(self, params: dict[str, Any]) -> Any:
        """The DBAPI parameters: the statement's own literals, then `params`, each through its
        type's bind processor, in the dialect's paramstyle."""
        values = {**self.fixed, **params}
        for name, processor in self.bind_processors.items():
            values[name] = processor(values[name])
        if self.positional:
            return tuple(map(values.__getitem__, self.names))
        return {key: values[name] for key, name in zip(self.keys, self.names, strict=True)}

    def row(self, raw: Sequence[Any]) -> Any:
        values = list(raw)
        for index, processor in self.result_processors:
            values[index] = processor(values[index])
        return self.row_type._make(values)


_LINES_BY_SKU = _Prepared(_lines_query(_sku.c.id == bindparam("sku_id")))
# The hot path: a GTIN straight to the lines, its barcode joined on the SKU's own index.
_LINES_BY_BARCODE = _Prepared(
    _lines_query(
        _sku.c.id.in_(select(_barcode.c.sku_id).where(_barcode.c.code.in_(_CODE_BINDS))),
        select(_barcode.c.quantity)
        .where(_barcode.c.sku_id == _sku.c.id)
        .where(_barcode.c.code.in_(_CODE_BINDS))
        .limit(1)
        .scalar_subquery()
        .label("units"),
    )
)
_JOURNAL_INSERT = _Prepared(
    insert(_journal),
    column_keys=(
        "at",
        "station",
        "operator_id",
        "actor_name",
        "authorised_by",
        "screen",
        "task_ref",
        "order_id",
        "raw",
        "action",
        "accepted",
        "reason",
    ),
)
_PARCEL_LINE_INSERT = _Prepared(
    insert(_parcel_line),
    column_keys=("parcel_id", "order_line_id", "qty", "serials", "batches"),
)
_COUNT_UP = _Prepared(
    update(_order_line)
    .where(_order_line.c.id == bindparam("line_id"))
    .where(_order_line.c.packed + bindparam("units") <= _order_line.c.picked)
    .values(packed=_order_line.c.packed + bindparam("units"))
)
_PARCEL_LINE_UP = _Prepared(
    update(_parcel_line)
    .where(_parcel_line.c.id == bindparam("parcel_line_id"))
    .values(qty=_parcel_line.c.qty + bindparam("units"))
)
_FORGET_WEIGHT = _Prepared(
    update(_parcel)
    .where(_parcel.c.id == bindparam("parcel_id"))
    .values(weight_g=None, expected_weight_g=None)
)


@dataclass(frozen=True)
class _Count:
    """Units of a SKU to count, with the serial or batch a GS1 scan carried."""

    sku_id: int
    units: int
    serial: str | None = None
    batch: str | None = None
    typed: bool = False


def verify_scan(
    store: Store, actor: Actor, parcel_id: int, code: str, scanned_at: float | None = None
) -> ScanResult:
    """Count one scanned item into the parcel: any of its barcodes (a case counts its units),
    or GS1 with the serial/batch a tracked SKU needs. Refusals count nothing; all is journaled."""
    since_same = DOUBLE_TRIGGERS.arrive(actor.station, parcel_label(parcel_id), code, scanned_at)
    scan = parse_scan(code)
    with store.engine.begin() as connection:
        if scan.valid and scan.gtin:
            params = {"parcel_id": parcel_id, **_code_params(gtin_forms(scan.gtin))}
            rows = _LINES_BY_BARCODE.rows(connection, params)
            if rows:
                count = _Count(rows[0].sku_id, rows[0].units, scan.serial, scan.batch)
                return _count(connection, actor, parcel_id, code, count, since_same, rows)
        count, refusal = _count_of_scan(connection, scan, code)
        if count is None:
            label = _preprinted_label(connection, actor, parcel_id, code)
            return label or _refuse(connection, actor, parcel_id, code, SCAN, refusal)
        return _count(connection, actor, parcel_id, code, count, since_same)


def _preprinted_label(
    connection: Connection, actor: Actor, parcel_id: int, code: str
) -> ScanResult | None:
    """A carrier's pre-printed label scanned into an open parcel: its number becomes the
    parcel's tracking number, printed on the label at close instead of one from the pool.
    None when the code is no tracking number of any carrier."""
    with Session(bind=connection) as session:
        scan = parse_in_store(session, code, expect_tracking=True)
        parcel = session.get(Parcel, parcel_id)
    if scan.kind is not ScanKind.TRACKING or not scan.valid or parcel is None:
        return None
    if parcel.status != ParcelStatus.OPEN:
        refusal = _("Parcel {parcel} is {status}: start a pack to scan items").format(
            parcel=parcel_label(parcel_id), status=state_name(parcel.status)
        )
    elif scan.resolves is not None and scan.resolves.id != parcel_id:
        refusal = _("Label {tracking} is on {parcel} already: use a new one").format(
            tracking=scan.code, parcel=parcel_label(scan.resolves.id)
        )
    elif scan.carrier is not None and scan.carrier != parcel.carrier:
        refusal = _("That is a {carrier} label: this parcel goes with {parcel_carrier}").format(
            carrier=scan.carrier, parcel_carrier=parcel.carrier
        )
    else:
        refusal = ""
    if refusal:
        return _refuse(connection, actor, parcel_id, code, PREPRINTED, refusal)
    connection.execute(update(_parcel).where(_parcel.c.id == parcel_id).values(tracking=scan.code))
    _JOURNAL_INSERT.run(
        connection, _journal_row(actor, PREPRINTED, code, parcel_id, parcel.order_id)
    )
    return ScanResult(
        True,
        _("Pre-printed label {tracking}: the parcel ships under this number").format(
            tracking=scan.code
        ),
    )


def enter_quantity(store: Store, actor: Actor, parcel_id: int, code: str, qty: int) -> ScanResult:
    """Count `qty` units of the SKU `code` names, for SKUs that allow typed quantities."""
    raw = f"{code} x{qty}"
    with store.engine.begin() as connection:
        if qty <= 0:
            return _refuse(
                connection, actor, parcel_id, raw, TYPED_QTY, _("Type a quantity of 1 or more")
            )
        count, refusal = _count_of_scan(connection, parse_scan(code), code)
        if count is None:
            return _refuse(connection, actor, parcel_id, raw, TYPED_QTY, refusal)
        typed = _Count(count.sku_id, qty * count.units, typed=True)
        return _count(connection, actor, parcel_id, raw, typed, None)


def _count_of_scan(connection: Connection, scan: Scan, code: str) -> tuple[_Count | None, str]:
    if scan.kind not in (ScanKind.PRODUCT, ScanKind.GS1, ScanKind.UNKNOWN):
        return None, _("That is a {kind} label: scan the items").format(kind=kind_name(scan.kind))
    if scan.kind is not ScanKind.UNKNOWN and not scan.valid:
        return None, scan.error or _("unknown barcode")
    if scan.gtin:
        row = connection.execute(_BARCODE_QUERY, {"codes": gtin_forms(scan.gtin)}).first()
        if row is not None:
            return _Count(row.sku_id, row.quantity, scan.serial, scan.batch), ""
    with Session(bind=connection) as session:
        resolved = resolve_code(session, scan.gtin or code.strip())
    if resolved is None or resolved.type != "sku":
        return None, _("Unknown barcode {code}: not an item of this warehouse").format(
            code=code.strip()
        )
    return _Count(resolved.id, resolved.quantity, scan.serial, scan.batch), ""


def _count(
    connection: Connection,
    actor: Actor,
    parcel_id: int,
    raw: str,
    count: _Count,
    since_same: float | None,
    rows: Sequence[Any] = (),
) -> ScanResult:
    if not rows:
        params = {"parcel_id": parcel_id, "sku_id": count.sku_id}
        rows = _LINES_BY_SKU.rows(connection, params)
    if not rows:
        return _refuse(
            connection, actor, parcel_id, raw, SCAN, _not_in_pack(connection, parcel_id, count)
        )
    line = rows[0]
    action = TYPED_QTY if count.typed else SCAN
    window_ms = (
        int(line.window) if line.window is not None else DEFAULTS["duplicate_scan_window_ms"]
    )
    refusal, kind = _count_refusal(line, count, since_same, window_ms)
    if not refusal and line.serial_tracked:
        refusal = _claim_serial(connection, parcel_id, line, count)
    if refusal:
        return _refuse(
            connection,
            actor,
            parcel_id,
            raw,
            action,
            refusal,
            lead_id=line.lead_id,
            stop=kind == "stop",
            duplicate=kind == "duplicate",
        )
    counted = _COUNT_UP.run(connection, {"line_id": line.line_id, "units": count.units})
    if counted != 1:
        if line.serial_tracked:
            _release_serial(connection, count)
        return _refuse(
            connection, actor, parcel_id, raw, action, _over_scan(line, count), lead_id=line.lead_id
        )
    _add_to_parcel_line(connection, parcel_id, line, count)
    if line.weight_g is not None:
        _FORGET_WEIGHT.run(connection, {"parcel_id": parcel_id})
    _JOURNAL_INSERT.run(
        connection,
        _journal_row(
            actor, action, raw, parcel_id, line.lead_id, reason=_effect(line.line_id, count)
        ),
    )
    return ScanResult(
        True,
        _("{sku} +{units} ({packed}/{expected})").format(
            sku=line.sku_code,
            units=count.units,
            packed=line.packed + count.units,
            expected=line.picked,
        ),
        order_line_id=line.line_id,
        units=count.units,
        packed=line.packed + count.units,
        expected=line.picked,
    )


def _count_refusal(
    line: Any, count: _Count, since_same: float | None, window_ms: int
) -> tuple[str, str]:
    """Why this scan may not count and what kind of refusal ("stop", "duplicate" or ""), or
    ("", "") if it counts."""
    if line.parcel_status != ParcelStatus.OPEN:
        return _("Parcel is {status}: start a pack to scan items").format(
            status=state_name(line.parcel_status)
        ), ""
    if line.intercepted or line.order_status == OrderStatus.CANCELLED or line.pending is not None:
        return _(
            "STOP — order {order} was cancelled or changed: do not pack, put everything "
            "aside for restock"
        ).format(order=order_code(line.order_id)), "stop"
    duplicate = double_trigger_refusal(since_same, window_ms)
    if duplicate:
        return duplicate, "duplicate"
    if count.typed and not line.typed_qty_allowed:
        return _("{sku} must be scanned, not typed").format(sku=line.sku_code), ""
    if line.serial_tracked and count.units != 1:
        return _("{sku} is serial-tracked: scan each unit's serial number").format(
            sku=line.sku_code
        ), ""
    if line.serial_tracked and not count.serial:
        return _("{sku} needs its serial number: scan the GS1 code with the serial").format(
            sku=line.sku_code
        ), ""
    if line.batch_tracked and not count.batch:
        return _("{sku} needs its batch: scan the GS1 code with the batch").format(
            sku=line.sku_code
        ), ""
    if line.packed + count.units > line.picked:
        return _over_scan(line, count), ""
    return "", ""


def _over_scan(line: Any, count: _Count) -> str:
    if line.packed >= line.picked:
        return _("Over-scan: all {expected} of {sku} are packed already — take it out").format(
            expected=line.picked, sku=line.sku_code
        )
    return _("That counts {units} but only {left} of {sku} are left: scan single items").format(
        units=count.units, left=line.picked - line.packed, sku=line.sku_code
    )


def _claim_serial(connection: Connection, parcel_id: int, line: Any, count: _Count) -> str:
    """Claim the unit's serial for this parcel, or say where it is packed already. The unique
    (SKU, serial) row decides, so two stations scanning one unit cannot both count it."""
    claimed = connection.execute(
        _SERIAL_CLAIM,
        {
            "sku_id": count.sku_id,
            "serial": count.serial,
            "parcel_id": parcel_id,
            "order_line_id": line.line_id,
        },
    ).rowcount
    if claimed == 1:
        return ""
    holder = connection.execute(
        select(_packed_serial.c.parcel_id).where(
            _packed_serial.c.sku_id == count.sku_id, _packed_serial.c.serial == count.serial
        )
    ).scalar()
    if holder == parcel_id:
        return _("Serial {serial} is scanned already: scan the next unit").format(
            serial=count.serial
        )
    return _("Serial {serial} is packed already, in {parcel}: this unit cannot go twice").format(
        serial=count.serial, parcel=parcel_label(holder)
    )


def _release_serial(connection: Connection, count: _Count) -> None:
    connection.execute(
        delete(_packed_serial).where(
            _packed_serial.c.sku_id == count.sku_id, _packed_serial.c.serial == count.serial
        )
    )


def _add_to_parcel_line(connection: Connection, parcel_id: int, line: Any, count: _Count) -> None:
    tracked = (count.serial and line.serial_tracked) or (count.batch and line.batch_tracked)
    if line.parcel_line_id is None:
        _PARCEL_LINE_INSERT.run(
            connection,
            {
                "parcel_id": parcel_id,
                "order_line_id": line.line_id,
                "qty": count.units,
                "serials": [count.serial] if count.serial and line.serial_tracked else [],
                "batches": [count.batch] * count.units
                if count.batch and line.batch_tracked
                else [],
            },
        )
    elif tracked:
        current = connection.execute(
            select(_parcel_line.c.serials, _parcel_line.c.batches).where(
                _parcel_line.c.id == line.parcel_line_id
            )
        ).one()
        serials = list(current.serials or [])
        batches = list(current.batches or [])
        if count.serial and line.serial_tracked:
            serials.append(count.serial)
        if count.batch and line.batch_tracked:
            batches.extend([count.batch] * count.units)
        connection.execute(
            update(_parcel_line)
            .where(_parcel_line.c.id == line.parcel_line_id)
            .values(qty=_parcel_line.c.qty + count.units, serials=serials, batches=batches)
        )
    else:
        _PARCEL_LINE_UP.run(
            connection, {"parcel_line_id": line.parcel_line_id, "units": count.units}
        )


def _effect(line_id: int, count: _Count) -> str:
    """An accepted count's effect, as the journal keeps it for undo: L<line>+<units>[ S=…][ B=…]."""
    effect = f"L{line_id}+{count.units}"
    if count.serial:
        effect += f" S={count.serial}"
    if count.batch:
        effect += f" B={count.batch}"
    return effect


_EFFECT = re.compile(r"L(\d+)\+(\d+)(?: S=(\S+))?(?: B=(\S+))?")


def _journal_row(
    actor: Actor,
    action: str,
    raw: str,
    parcel_id: int,
    order_id: int | None,
    *,
    accepted: bool = True,
    reason: str = "",
) -> dict[str, Any]:
    """journal.record's row, for the hot path's Core insert."""
    return {
        "at": utcnow(),
        "station": actor.station,
        "operator_id": actor.operator_id,
        "actor_name": actor.name,
        "authorised_by": None,
        "screen": actor.screen,
        "task_ref": parcel_label(parcel_id),
        "order_id": order_id,
        "raw": raw,
        "action": action,
        "accepted": accepted,
        "reason": reason,
    }


def _refuse(
    connection: Connection,
    actor: Actor,
    parcel_id: int,
    raw: str,
    action: str,
    reason: str,
    *,
    lead_id: int | None = None,
    stop: bool = False,
    duplicate: bool = False,
) -> ScanResult:
    if lead_id is None:
        lead_id = connection.execute(
            select(_parcel.c.order_id).where(_parcel.c.id == parcel_id)
        ).scalar()
    _JOURNAL_INSERT.run(
        connection,
        _journal_row(actor, action, raw, parcel_id, lead_id, accepted=False, reason=reason),
    )
    return ScanResult(False, reason, stop=stop, duplicate=duplicate)


def _not_in_pack(connection: Connection, parcel_id: int, count: _Count) -> str:
    """Why a SKU found in the warehouse has no line in this parcel's orders."""
    parcel = connection.execute(select(_parcel.c.status).where(_parcel.c.id == parcel_id)).first()
    if parcel is None:
        return _("No parcel {parcel}: start a pack first").format(parcel=parcel_label(parcel_id))
    sku = connection.execute(
        select(_sku.c.code, _sku.c.name).where(_sku.c.id == count.sku_id)
    ).one()
    elsewhere = connection.execute(
        select(_order_line.c.order_id)
        .join(_orders, _orders.c.id == _order_line.c.order_id)
        .where(_order_line.c.sku_id == count.sku_id)
        .where(_orders.c.status == OrderStatus.PICKED)
        .where(_order_line.c.packed < _order_line.c.picked)
        .limit(1)
    ).scalar()
    if elsewhere is not None:
        return _("WRONG ITEM: {sku} {name} belongs to another order — put it aside").format(
            sku=sku.code, name=sku.name
        )
    return _("WRONG ITEM: {sku} {name} is not in this order — put it aside").format(
        sku=sku.code, name=sku.name
    )


# --- undo ----------------------------------------------------------------------------------------

REVERIFY = "pack.reverify"


def undo_last_scan(store: Store, actor: Actor, parcel_id: int) -> ScanResult:
    """Take back the parcel's last count that is not taken back yet."""
    with store.write() as session:
        parcel = session.get(Parcel, parcel_id)
        result, undone = _undo(session, parcel)
        record(
            session,
            actor,
            UNDO,
            accepted=result.accepted,
            reason=result.reason,
            raw=f"J{undone}" if undone else "",
            task_ref=parcel_label(parcel_id),
            order_id=parcel.order_id if parcel else None,
        )
        return result


def _undo(session: Session, parcel: Parcel | None) -> tuple[ScanResult, int | None]:
    if parcel is None or parcel.status != ParcelStatus.OPEN:
        return ScanResult(False, _("No open parcel to undo a scan in")), None
    last = _last_count(session, parcel)
    if last is None:
        return ScanResult(False, _("Nothing to undo")), None
    match = _EFFECT.fullmatch(last.reason)
    assert match is not None  # written by _effect
    line_id, units = int(match.group(1)), int(match.group(2))
    serial, batch = match.group(3), match.group(4)
    parcel_line = (
        session.exec(
            select(ParcelLine).where(
                ParcelLine.parcel_id == parcel.id, ParcelLine.order_line_id == line_id
            )
        )
        .scalars()
        .first()
    )
    order_line = session.get_one(OrderLine, line_id)
    if parcel_line is None or parcel_line.qty < units or order_line.packed < units:
        return ScanResult(False, _("Nothing to undo")), None
    order_line.packed -= units
    parcel_line.qty -= units
    if serial and serial in parcel_line.serials:
        parcel_line.serials = [s for s in parcel_line.serials if s != serial]
        session.execute(
            delete(PackedSerial).where(
                col(PackedSerial.sku_id) == order_line.sku_id, col(PackedSerial.serial) == serial
            )
        )
    if batch:
        batches = list(parcel_line.batches)
        for _unit in range(units):
            if batch in batches:
                batches.remove(batch)
        parcel_line.batches = batches
    if parcel_line.qty == 0:
        session.delete(parcel_line)
    parcel.weight_g = None
    parcel.expected_weight_g = None
    sku_code = order_line.sku_code
    return ScanResult(
        True,
        _("Undone: {sku} −{units} ({packed}/{expected})").format(
            sku=sku_code, units=units, packed=order_line.packed, expected=order_line.picked
        ),
        order_line_id=line_id,
        units=-units,
        packed=order_line.packed,
        expected=order_line.picked,
    ), last.id


def _last_count(session: Session, parcel: Parcel) -> Journal | None:
    """The latest accepted count of the parcel not yet undone (undo rows pop counts off the
    stack; a send-back to verify empties it)."""
    rows = session.exec(
        select(Journal)
        .where(
            Journal.order_id == parcel.order_id,
            Journal.task_ref == parcel_label(parcel.id),
            Journal.accepted.is_(True),
            col(Journal.action).in_([*COUNT_ACTIONS, UNDO, REVERIFY]),
        )
        .order_by(col(Journal.id).desc())
    ).scalars()
    pending_undos = 0
    for row in rows:
        if row.action == REVERIFY:
            return None
        if row.action == UNDO:
            pending_undos += 1
        elif pending_undos:
            pending_undos -= 1
        else:
            return row
    return None


# --- box -----------------------------------------------------------------------------------------


def choose_box(store: Store, actor: Actor, parcel_id: int, code: str) -> PackResult:
    """Put the parcel in the box type scanned (BOX-<code>)."""
    with store.write() as session:
        parcel = session.get(Parcel, parcel_id)
        result = _choose_box(session, parcel, code)
        record(
            session,
            actor,
            BOX,
            accepted=result.accepted,
            reason=result.reason,
            raw=code,
            task_ref=parcel_label(parcel_id),
            order_id=parcel.order_id if parcel else None,
        )
        return result


def _choose_box(session: Session, parcel: Parcel | None, code: str) -> PackResult:
    if parcel is None or parcel.status != ParcelStatus.OPEN:
        return PackResult(False, _("No open parcel: start a pack first"))
    scan = parse_scan(code, lookup_code=lambda key: resolve_code(session, key))
    if scan.kind is not ScanKind.BOX or not scan.valid:
        return PackResult(False, scan.error or _("That is not a box label (BOX-…)"))
    if scan.resolves is None:
        return PackResult(False, _("No box type has the code {code}").format(code=scan.code))
    box = session.get_one(BoxType, scan.resolves.id)
    parcel.box_type_id = box.id
    parcel.weight_g = None
    parcel.expected_weight_g = None
    return PackResult(
        True, _("Box {box}: {name}").format(box=box.code, name=box.name), parcel_id=parcel.id
    )


@dataclass(frozen=True)
class _Item:
    length_mm: int
    width_mm: int
    height_mm: int
    weight_g: int
    qty: int

    @property
    def sorted_dims(self) -> tuple[int, ...]:
        return tuple(sorted((self.length_mm, self.width_mm, self.height_mm), reverse=True))


def _box_items(session: Session, parcel: Parcel) -> list[_Item]:
    """What goes into the parcel's box: its lines, or before any scan, what is left to pack."""
    in_parcel = session.execute(
        select(Sku.length_mm, Sku.width_mm, Sku.height_mm, Sku.weight_g, ParcelLine.qty)
        .join(OrderLine, col(OrderLine.sku_id) == Sku.id)
        .join(ParcelLine, ParcelLine.order_line_id == OrderLine.id)
        .where(ParcelLine.parcel_id == parcel.id)
    ).all()
    if in_parcel:
        return [_Item(*row) for row in in_parcel]
    lead = session.get_one(Order, parcel.order_id)
    order_ids = [o.id for o in _members(session, lead)]
    left = session.execute(
        select(
            Sku.length_mm,
            Sku.width_mm,
            Sku.height_mm,
            Sku.weight_g,
            OrderLine.picked - OrderLine.packed,
        )
        .join(OrderLine, col(OrderLine.sku_id) == Sku.id)
        .where(col(OrderLine.order_id).in_(order_ids))
        .where(OrderLine.picked > OrderLine.packed)
    ).all()
    return [_Item(*row) for row in left]


def _fits(box: BoxType, item: _Item) -> bool:
    inner = sorted((box.length_mm, box.width_mm, box.height_mm), reverse=True)
    return all(side <= room for side, room in zip(item.sorted_dims, inner, strict=True))


def suggest_box(session: Session, parcel: Parcel) -> BoxType | None:
    """The smallest box type whose volume, filled to the `box_fill_factor` setting, holds the
    items' volume, whose sides take the largest item, and that carries their weight; None if
    no box does (the pack needs several parcels)."""
    items = _box_items(session, parcel)
    if not items:
        return None
    fill = float(get_setting(session, "box_fill_factor"))
    volume = sum(i.length_mm * i.width_mm * i.height_mm * i.qty for i in items)
    weight = sum(i.weight_g * i.qty for i in items)
    boxes = session.exec(select(BoxType)).scalars().all()
    for box in sorted(boxes, key=lambda b: (b.length_mm * b.width_mm * b.height_mm, b.id)):
        roomy = box.length_mm * box.width_mm * box.height_mm * fill >= volume
        if roomy and weight + box.tare_g <= box.max_weight_g and all(_fits(box, i) for i in items):
            return box
    return None


# --- pack instructions ---------------------------------------------------------------------------


def _instructions(members: Sequence[Order]) -> list[str]:
    """The order's own instructions and those of the buyer's tags, translated, each once."""
    texts: list[str] = []
    for order in members:
        if order.pack_instructions.strip() and order.pack_instructions not in texts:
            texts.append(order.pack_instructions.strip())
    tags = {tag.lower() for order in members for tag in order.buyer_tags}
    texts += [_(text) for tag, text in TAG_INSTRUCTIONS.items() if tag in tags]
    return texts


def _instructions_confirmed(session: Session, parcel: Parcel) -> bool:
    return bool(
        session.exec(
            select(func.count())
            .select_from(Journal)
            .where(
                Journal.order_id == parcel.order_id,
                Journal.task_ref == parcel_label(parcel.id),
                Journal.action == INSTRUCTIONS,
                Journal.accepted.is_(True),
            )
        ).scalar_one()
    )


def confirm_instructions(store: Store, actor: Actor, parcel_id: int) -> PackResult:
    """The packer confirms having followed the pack instructions shown."""
    with store.write() as session:
        parcel = session.get(Parcel, parcel_id)
        if parcel is None or parcel.status != ParcelStatus.OPEN:
            result = PackResult(False, _("No open parcel: start a pack first"))
        elif not _instructions(_members(session, session.get_one(Order, parcel.order_id))):
            result = PackResult(False, _("This pack has no instructions to confirm"))
        else:
            result = PackResult(True, _("Instructions confirmed"), parcel_id=parcel_id)
        record(
            session,
            actor,
            INSTRUCTIONS,
            accepted=result.accepted,
            reason=result.reason,
            task_ref=parcel_label(parcel_id),
            order_id=parcel.order_id if parcel else None,
        )
        return result


# --- weigh ---------------------------------------------------------------------------------------


def expected_weight(session: Session, parcel: Parcel) -> int | None:
    """Items (SKU weight × quantity) plus the box's tare; None without a box."""
    if parcel.box_type_id is None:
        return None
    items = session.execute(
        select(func.coalesce(func.sum(Sku.weight_g * ParcelLine.qty), 0))
        .select_from(ParcelLine)
        .join(OrderLine, OrderLine.id == ParcelLine.order_line_id)
        .join(Sku, Sku.id == OrderLine.sku_id)
        .where(ParcelLine.parcel_id == parcel.id)
    ).scalar_one()
    return int(items) + session.get_one(BoxType, parcel.box_type_id).tare_g


def weight_tolerance(session: Session, expected_g: int) -> float:
    """Grams a weight may differ from `expected_g`: the larger of the fixed grams and the
    percentage (a floor for light parcels, a share for heavy ones)."""
    grams = float(get_setting(session, "weight_tolerance_g"))
    percent = float(get_setting(session, "weight_tolerance_pct"))
    return max(grams, expected_g * percent / 100)


def record_weight(store: Store, actor: Actor, parcel_id: int, grams: float) -> PackResult:
    """Take a stable scale reading as the parcel's weight, if it is within tolerance."""
    with store.write() as session:
        return _weigh(session, actor, parcel_id, grams, WEIGH, None)


def typed_weight(
    store: Store, actor: Actor, parcel_id: int, grams: float, supervisor_badge: str
) -> PackResult:
    """A weight typed by hand (scale out of order), authorised by a supervisor's badge."""
    with store.write() as session:
        supervisor = supervisor_by_badge(session, supervisor_badge.strip())
        if supervisor is None:
            parcel = session.get(Parcel, parcel_id)
            reason = _("A typed weight needs a supervisor's badge")
            record(
                session,
                actor,
                TYPED_WEIGHT,
                accepted=False,
                reason=reason,
                raw=f"{grams:g} g",
                task_ref=parcel_label(parcel_id),
                order_id=parcel.order_id if parcel else None,
            )
            return PackResult(False, reason, parcel_id=parcel_id)
        return _weigh(session, actor, parcel_id, grams, TYPED_WEIGHT, supervisor.id)


def _weigh(
    session: Session,
    actor: Actor,
    parcel_id: int,
    grams: float,
    action: str,
    authorised_by: int | None,
) -> PackResult:
    parcel = session.get(Parcel, parcel_id)
    result = _weigh_result(session, actor, parcel, grams)
    record(
        session,
        actor,
        action,
        accepted=result.accepted,
        reason=result.reason,
        raw=f"{grams:g} g",
        task_ref=parcel_label(parcel_id),
        order_id=parcel.order_id if parcel else None,
        authorised_by=authorised_by,
    )
    return result


def _weigh_result(
    session: Session, actor: Actor, parcel: Parcel | None, grams: float
) -> PackResult:
    if parcel is None or parcel.status != ParcelStatus.OPEN:
        return PackResult(False, _("No open parcel: start a pack first"))
    if not math.isfinite(grams) or grams <= 0:
        return PackResult(
            False, _("Not a weight: {grams}").format(grams=grams), parcel_id=parcel.id
        )
    expected = expected_weight(session, parcel)
    if expected is None:
        return PackResult(False, _("Choose the box first (scan BOX-…)"), parcel_id=parcel.id)
    if not session.exec(select(func.count()).where(ParcelLine.parcel_id == parcel.id)).scalar_one():
        return PackResult(False, _("Scan the items first"), parcel_id=parcel.id)
    tolerance = weight_tolerance(session, expected)
    if abs(grams - expected) > tolerance:
        _back_to_verify(session, actor, parcel)
        return PackResult(
            False,
            _(
                "WEIGHT WRONG: {grams:.0f} g, expected {expected} g ± {tolerance:.0f} g — "
                "check the box and scan every item again"
            ).format(grams=grams, expected=expected, tolerance=tolerance),
            parcel_id=parcel.id,
            back_to_verify=True,
        )
    parcel.weight_g = round(grams)
    parcel.expected_weight_g = expected
    return PackResult(
        True,
        _("Weight {grams:.0f} g (expected {expected} g)").format(grams=grams, expected=expected),
        parcel_id=parcel.id,
    )


def _back_to_verify(session: Session, actor: Actor, parcel: Parcel) -> None:
    """Empty the parcel's counts: every item of it is scanned again."""
    lines = session.exec(select(ParcelLine).where(ParcelLine.parcel_id == parcel.id)).scalars()
    for parcel_line in lines:
        order_line = session.get_one(OrderLine, parcel_line.order_line_id)
        order_line.packed -= parcel_line.qty
        session.delete(parcel_line)
    parcel.weight_g = None
    parcel.expected_weight_g = None
    record(
        session,
        actor,
        REVERIFY,
        reason=_("Parcel back to verify"),
        task_ref=parcel_label(parcel.id),
        order_id=parcel.order_id,
    )


# --- close and label -----------------------------------------------------------------------------


def close_parcel(store: Store, actor: Actor, parcel_id: int, printer_dest: str) -> PackResult:
    """Close the parcel: a tracking number from the carrier's pool, the shipping label to
    `printer_dest`; the pack's orders are `packed` when its last item is in a closed parcel.

    The label is handed to the printer before the transaction commits, so a parcel is closed
    exactly when its label went out; a printer that fails leaves it open (and the number unused).
    """
    with store.write() as session:
        parcel = session.get(Parcel, parcel_id)
        result = _close(session, actor, parcel, printer_dest)
        record(
            session,
            actor,
            CLOSE,
            accepted=result.accepted,
            reason=result.reason,
            raw=printer_dest,
            task_ref=parcel_label(parcel_id),
            order_id=parcel.order_id if parcel else None,
        )
        return result


def _close(session: Session, actor: Actor, parcel: Parcel | None, printer_dest: str) -> PackResult:
    if parcel is None:
        return PackResult(False, _("No such parcel"))
    if parcel.status != ParcelStatus.OPEN:
        return PackResult(
            False,
            _("Parcel {parcel} is {status}").format(
                parcel=parcel_label(parcel.id), status=state_name(parcel.status)
            ),
            parcel_id=parcel.id,
        )
    lead = session.get_one(Order, parcel.order_id)
    members = _members(session, lead)
    stop = _stop_check(session, actor, members)
    if stop:
        return PackResult(False, stop, parcel_id=parcel.id, stop=True)
    missing = _missing_before_close(session, parcel, members)
    if missing:
        return PackResult(False, missing, parcel_id=parcel.id)
    savepoint = session.begin_nested()
    try:
        tracking = parcel.tracking or allocate_tracking(session, parcel.carrier)
        parcel.tracking = tracking
        parcel.status = ParcelStatus.CLOSED
        parcel.closed_at = utcnow()
        parcel.packed_by = actor.operator_id
        session.flush()
        complete = _remaining(session, [o.id for o in members]) == 0
        zpl = _label_zpl(session, parcel, lead, complete=complete, reprint=False)
        send_to_printer(printer_dest, zpl.encode("utf-8"))
    except (TrackingError, LabelError, PrinterError) as error:
        savepoint.rollback()
        return PackResult(False, str(error), parcel_id=parcel.id)
    savepoint.commit()
    if complete:
        _mark_packed(session, members)
    message = (
        _("Parcel {parcel} closed, label printed: {tracking} — order packed")
        if complete
        else _(
            "Parcel {parcel} closed, label printed: {tracking} — items left: F9 for the next parcel"
        )
    )
    return PackResult(
        True,
        message.format(parcel=parcel_label(parcel.id), tracking=tracking),
        parcel_id=parcel.id,
        order_packed=complete,
        tracking=tracking,
    )


def _missing_before_close(session: Session, parcel: Parcel, members: Sequence[Order]) -> str:
    """What must still happen before the parcel can be closed, or ""."""
    if not session.exec(select(func.count()).where(ParcelLine.parcel_id == parcel.id)).scalar_one():
        return _("Scan the items first")
    if parcel.box_type_id is None:
        return _("Choose the box first (scan BOX-…)")
    if _instructions(members) and not _instructions_confirmed(session, parcel):
        return _("Confirm the pack instructions first (I)")
    if parcel.weight_g is None:
        return _("Weigh the parcel first")
    if not parcel.carrier:
        return _("Order {order} has no carrier").format(order=order_code(parcel.order_id))
    return ""


def _mark_packed(session: Session, members: Sequence[Order]) -> None:
    """The pack's orders are packed: their totes and put-wall slots are free again."""
    order_ids = [o.id for o in members]
    session.execute(
        update(Order)
        .where(col(Order.id).in_(order_ids), col(Order.status) == OrderStatus.PICKED)
        .values(status=OrderStatus.PACKED, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(Tote)
        .where(col(Tote.order_id).in_(order_ids))
        .values(order_id=None, task_id=None)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(WallSlot)
        .where(col(WallSlot.order_id).in_(order_ids))
        .values(order_id=None, status="free")
        .execution_options(synchronize_session=False)
    )
    for order in members:
        session.refresh(order)
        if announce_at(session, order.shop) == "label":
            announce_fulfilment(session, order)


def _label_zpl(
    session: Session, parcel: Parcel, lead: Order, *, complete: bool, reprint: bool
) -> str:
    parcels = (
        session.execute(
            select(Parcel.id)
            .where(Parcel.order_id == lead.id, Parcel.status != ParcelStatus.CANCELLED)
            .order_by(Parcel.id)
        )
        .scalars()
        .all()
    )
    number = parcels.index(parcel.id) + 1
    count = len(parcels) if complete or (reprint and parcel.id != parcels[-1]) else len(parcels) + 1
    carrier = (
        session.execute(select(Carrier).where(Carrier.code == parcel.carrier)).scalars().first()
    )
    service = session.execute(
        select(CarrierService.name)
        .join(Carrier, Carrier.id == CarrierService.carrier_id)
        .where(Carrier.code == parcel.carrier, CarrierService.code == parcel.service)
    ).scalar()
    label = ShippingLabel(
        order_code=order_code(lead.id),
        tracking_number=parcel.tracking or "",
        carrier=carrier.name if carrier else parcel.carrier,
        service=service or parcel.service,
        weight_kg=(parcel.weight_g or 0) / 1000,
        ship_to_name=lead.ship_name,
        address_lines=tuple(a for a in (lead.ship_address1, lead.ship_address2) if a),
        city=lead.ship_city,
        postcode=lead.ship_postcode,
        country=lead.ship_country,
        phone=lead.ship_phone,
        parcel_code=parcel_label(parcel.id),
        parcel_number=number,
        parcel_count=count,
        reprint=reprint,
    )
    return zpl_shipping_label(label)


def reprint_label(store: Store, actor: Actor, parcel_id: int, printer_dest: str) -> PackResult:
    """Print a closed parcel's label again, marked REPRINT; never for an intercepted order."""
    with store.write() as session:
        parcel = session.get(Parcel, parcel_id)
        result = _reprint(session, actor, parcel, printer_dest)
        record(
            session,
            actor,
            REPRINT,
            accepted=result.accepted,
            reason=result.reason,
            raw=printer_dest,
            task_ref=parcel_label(parcel_id),
            order_id=parcel.order_id if parcel else None,
        )
        return result


def _reprint(
    session: Session, actor: Actor, parcel: Parcel | None, printer_dest: str
) -> PackResult:
    if parcel is None or parcel.status not in (ParcelStatus.CLOSED, ParcelStatus.LOADED):
        return PackResult(False, _("Only a closed parcel has a label to reprint"))
    lead = session.get_one(Order, parcel.order_id)
    members = _members(session, lead)
    stop = _stop_check(session, actor, members)
    if stop:
        return PackResult(False, stop, parcel_id=parcel.id, stop=True)
    complete = all(o.status != OrderStatus.PICKED for o in members)
    try:
        zpl = _label_zpl(session, parcel, lead, complete=complete, reprint=True)
        send_to_printer(printer_dest, zpl.encode("utf-8"))
    except (LabelError, PrinterError) as error:
        return PackResult(False, str(error), parcel_id=parcel.id)
    return PackResult(
        True,
        _("Label of {parcel} reprinted").format(parcel=parcel_label(parcel.id)),
        parcel_id=parcel.id,
        tracking=parcel.tracking,
    )


# --- what the screen shows -----------------------------------------------------------------------


def pack_view(store: Store, parcel_id: int) -> PackView | None:
    """Everything the pack screen shows about a parcel and its pack, read in one short look."""
    with store.read() as session:
        parcel = session.get(Parcel, parcel_id)
        if parcel is None:
            return None
        lead = session.get_one(Order, parcel.order_id)
        members = _members(session, lead)
        rows = session.execute(
            select(OrderLine, Sku.code, Sku.name, ParcelLine.qty)
            .join(Sku, Sku.id == OrderLine.sku_id)
            .outerjoin(
                ParcelLine,
                (ParcelLine.order_line_id == OrderLine.id) & (ParcelLine.parcel_id == parcel.id),
            )
            .where(col(OrderLine.order_id).in_([o.id for o in members]))
            .order_by(OrderLine.order_id, OrderLine.id)
        ).all()
        lines = tuple(
            LineView(ol.id, ol.order_id, code, name, ol.picked, ol.packed, in_parcel or 0)
            for ol, code, name, in_parcel in rows
        )
        box = session.get(BoxType, parcel.box_type_id) if parcel.box_type_id else None
        suggested = suggest_box(session, parcel) if parcel.status == ParcelStatus.OPEN else None
        parcels = (
            session.execute(select(Parcel.id).where(Parcel.order_id == lead.id).order_by(Parcel.id))
            .scalars()
            .all()
        )
        stopped = next((o for o in members if _stopped(o)), None)
        return PackView(
            parcel_id=parcel.id,
            status=parcel.status,
            order_ids=tuple(o.id for o in members),
            shop_orders=tuple(o.shop_order_id for o in members),
            ship_name=lead.ship_name,
            carrier=parcel.carrier,
            service=parcel.service,
            lines=lines,
            box_code=box.code if box else None,
            suggested_box=suggested.code if suggested else None,
            instructions=tuple(_instructions(members)),
            instructions_confirmed=_instructions_confirmed(session, parcel),
            expected_weight_g=expected_weight(session, parcel),
            weight_g=parcel.weight_g,
            tracking=parcel.tracking,
            parcel_number=parcels.index(parcel.id) + 1,
            stop=_stop_reason(stopped) if stopped else "",
        )
