"""The floor's schema, declared once (SQLModel): tables, states and their vocabulary.

States are stored as their plain string values (no database enum types), so raw SQL on
the hot paths and future states need no type migration. The model fields are typed as their
StrEnum all the same: `EnumText` keeps the column a VARCHAR and hands rows back as members.

Money is in minor units, weights in grams, sizes in millimetres, times in UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import JSON, Column, Dialect, Index, MetaData, Table, UniqueConstraint, text
from sqlalchemy.types import TypeDecorator
from sqlmodel import AutoString, Field, SQLModel

from warehouse_tui.domain.states import OrderStatus as OrderStatus  # re-exported: models name them
from warehouse_tui.domain.states import WaveStatus as WaveStatus

# A naming convention makes Alembic's SQLite table rebuilds reproducible.
SQLModel.metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def table_of(model: type[SQLModel]) -> Table:
    """A table model's Core table, for the SQL that skips the ORM (bulk writes, hot paths)."""
    table: Table = model.__table__  # type: ignore[attr-defined]  # SQLModel's stubs omit it
    return table


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime | None) -> datetime | None:
    """A stored time as aware UTC: SQLite hands back the naive UTC it was given."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


_Enum = TypeVar("_Enum", bound=StrEnum)


class EnumText(TypeDecorator[_Enum]):
    """A StrEnum column stored as its plain string value, the same VARCHAR a `str` field gets:
    loaded rows are members, writes take a member or its value, and a value outside the enum is
    refused when written rather than when some later screen reads it."""

    impl = AutoString
    cache_ok = True

    def __init__(self, enum: type[_Enum]) -> None:
        super().__init__()
        self.enum = enum

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else self.enum(value).value

    def process_result_value(self, value: str | None, dialect: Dialect) -> _Enum | None:
        return None if value is None else self.enum(value)


class Role(StrEnum):
    PICKER = "picker"
    PACKER = "packer"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class Strategy(StrEnum):
    PICK_BY_ORDER = "pick-by-order"
    BATCH = "batch"


class TaskStatus(StrEnum):
    OPEN = "open"
    CLAIMED = "claimed"
    PAUSED = "paused"
    DONE = "done"
    CANCELLED = "cancelled"


class ParcelStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    LOADED = "loaded"
    CANCELLED = "cancelled"


class Operator(SQLModel, table=True):
    """Someone who logs in. The badge carries a random part (never derived from the id); wrong
    PINs count up to a lock whose length doubles with each lock in a row (services/auth.py)."""

    id: int | None = Field(default=None, primary_key=True)
    badge: str = Field(unique=True)
    name: str
    pin_hash: str
    role: Role = Field(sa_type=EnumText(Role))
    language: str = "en"
    active: bool = True
    failed_pins: int = 0  # wrong PINs since the last good one or the last lock
    lockouts: int = 0  # locks in a row since the last good PIN
    locked_until: datetime | None = None


class Station(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    kind: str  # handheld | pack | load | supervisor | returns | put-wall
    wall: int | None = None


class Device(SQLModel, table=True):
    """A scanner, scale or printer of a station; `port` is a path or any pyserial/tcp URL."""

    id: int | None = Field(default=None, primary_key=True)
    station_id: int = Field(foreign_key="station.id", index=True)
    kind: str  # scanner | scale | printer
    driver: str  # wedge | serial | mt-sics | sma | toledo-continuous | zpl
    port: str = ""
    settings: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class Sku(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True)
    name: str
    weight_g: int
    length_mm: int
    width_mm: int
    height_mm: int
    serial_tracked: bool = False
    batch_tracked: bool = False
    typed_qty_allowed: bool = False
    code_entry_allowed: bool = False
    """The SKU's own text code may stand for a scan of it (items with no barcode); such a
    count is journaled as keyed."""


class Barcode(SQLModel, table=True):
    """Any code that identifies a SKU; `quantity` is how many units one scan counts."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True)
    sku_id: int = Field(foreign_key="sku.id", index=True)
    quantity: int = 1


class Location(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True)
    zone: str
    block: int
    aisle: int  # 0-based aisle index in the layout
    position_m: float  # metres from the front cross-aisle along the aisle
    bay: int
    level: int
    pickable: bool = True


class Stock(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("location_id", "sku_id", "batch"),)
    id: int | None = Field(default=None, primary_key=True)
    location_id: int = Field(foreign_key="location.id", index=True)
    sku_id: int = Field(foreign_key="sku.id", index=True)
    batch: str = ""
    expiry: date | None = None
    received_at: datetime = Field(default_factory=utcnow)
    on_hand: int = 0
    allocated: int = 0


class StockMove(SQLModel, table=True):
    """The stock ledger: every change of on-hand stock, with its reason."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow)
    sku_id: int = Field(foreign_key="sku.id", index=True)
    location_id: int | None = Field(default=None, foreign_key="location.id")
    batch: str = ""
    delta: int
    reason: str  # receive | pick | restock | count | return | adjust
    ref: str = ""
    operator_id: int | None = Field(default=None, foreign_key="operator.id")


class BoxType(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True)
    name: str
    length_mm: int
    width_mm: int
    height_mm: int
    tare_g: int
    max_weight_g: int = 30000


class Carrier(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True)
    name: str
    tracking_pattern: str = ""  # a regular expression matching the whole tracking number
    check_scheme: str = ""  # a key of domain.barcodes.TRACKING_CHECKS, or empty


class CarrierService(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("carrier_id", "code"),)
    id: int | None = Field(default=None, primary_key=True)
    carrier_id: int = Field(foreign_key="carrier.id", index=True)
    code: str
    name: str
    cutoff_local: str = "17:00"  # HH:MM in the warehouse's time zone


class TrackingPool(SQLModel, table=True):
    """A range of tracking numbers issued by a carrier (an electronic-waybill range)."""

    id: int | None = Field(default=None, primary_key=True)
    carrier_id: int = Field(foreign_key="carrier.id", index=True)
    prefix: str = ""
    suffix: str = ""
    next_number: int
    last_number: int
    width: int


class Shop(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True)
    name: str
    kind: str = "file"  # file | shopify | woocommerce
    announce_at: str = "load"  # load | label
    settings: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class Order(SQLModel, table=True):
    __tablename__ = "orders"
    __table_args__ = (UniqueConstraint("shop", "shop_order_id"),)
    id: int | None = Field(default=None, primary_key=True)
    shop: str
    shop_order_id: str
    shop_version: int = 1
    buyer_id: str = ""
    buyer_name: str = ""
    buyer_tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    ship_name: str = ""
    ship_address1: str = ""
    ship_address2: str = ""
    ship_city: str = ""
    ship_region: str = ""
    ship_postcode: str = ""
    ship_country: str = ""
    ship_phone: str = ""
    carrier: str = ""
    service: str = ""
    priority: int = 0
    ship_by: datetime | None = None
    status: OrderStatus = Field(default=OrderStatus.NEW, index=True, sa_type=EnumText(OrderStatus))
    hold_reason: str = ""
    merge_group: str | None = Field(default=None, index=True)
    no_merge: bool = False
    pack_instructions: str = ""
    wave_id: int | None = Field(default=None, foreign_key="wave.id", index=True)
    intercepted: bool = False  # cancelled or changed after release: the pack station refuses it
    pending: dict[str, Any] | None = Field(
        default=None, sa_column=Column(JSON)
    )  # a newer version waiting
    imported_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    # The import that wrote the order. No foreign key: adding one would rebuild the orders
    # table, and a crashed import's rows are found by this id and deleted with its batch.
    import_batch_id: int | None = Field(default=None, index=True)


class ImportBatch(SQLModel, table=True):
    """An order import under way or finished. Its orders are written in short transactions as
    `importing`, then one short transaction gives them their real status; until then no reader
    sees any of them. `open_slot` is 1 while the batch is open and null after, and unique, so
    one import writes at a time on both databases. `host`, `pid` and `beat_at` tell a live
    import from one killed mid-way, whose rows the next import (or `db upgrade`) deletes."""

    id: int | None = Field(default=None, primary_key=True)
    state: str = Field(default="open", index=True)  # open | done | abandoned | cleaned
    open_slot: int | None = Field(default=1, unique=True, index=True)
    source: str = ""
    host: str = ""
    pid: int = 0
    started_at: datetime = Field(default_factory=utcnow)
    beat_at: datetime = Field(default_factory=utcnow)
    orders: int = 0


READY_SQL = "status = 'ready'"
"""Ready orders, written out rather than bound: a partial index serves only the queries whose
WHERE names its condition literally (SQLite, and PostgreSQL's generic plans, do not match a
bound parameter)."""


def _ready_orders_index(name: str, where: str, *columns: Any) -> Index:
    """A partial index on the ready orders (`READY_SQL`) and `where`: a wave's candidates are
    read from it a page at a time, most urgent first, however many other orders wait. Status
    leads its columns too, so that SQLite's planner takes it over the index on status alone
    (which would sort every ready order)."""
    condition = text(f"{READY_SQL} AND {where}")
    return Index(
        name, _orders.c.status, *columns, sqlite_where=condition, postgresql_where=condition
    )


_orders = table_of(Order)
_ready_orders_index(
    "ix_orders_ready_by_service",
    "merge_group IS NULL AND ship_by IS NULL",
    _orders.c.carrier,
    _orders.c.service,
    _orders.c.priority.desc(),
    _orders.c.id,
)
_ready_orders_index(
    "ix_orders_ready_by_ship_by",
    "merge_group IS NULL AND ship_by IS NOT NULL",
    _orders.c.ship_by,
    _orders.c.priority.desc(),
    _orders.c.id,
)
_ready_orders_index(
    "ix_orders_ready_by_priority",
    "merge_group IS NULL AND ship_by IS NULL",
    _orders.c.priority.desc(),
    _orders.c.id,
)
_ready_orders_index("ix_orders_ready_merged", "merge_group IS NOT NULL", _orders.c.merge_group)


class OrderLine(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="orders.id", index=True)
    shop_line_id: str = ""
    sku_code: str  # as the shop sent it; the audit resolves it
    sku_id: int | None = Field(default=None, foreign_key="sku.id", index=True)
    qty: int
    unit_price_minor: int = 0
    picked: int = 0
    packed: int = 0
    short: int = 0  # units the shop ordered that will not ship (shipped short); qty excludes them


class Wave(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    status: WaveStatus = Field(default=WaveStatus.PLANNED, index=True, sa_type=EnumText(WaveStatus))
    strategy: Strategy = Field(sa_type=EnumText(Strategy))
    rules: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    walk_m: float = 0.0
    created_by: int | None = Field(default=None, foreign_key="operator.id")
    created_at: datetime = Field(default_factory=utcnow)
    released_at: datetime | None = None


class Allocation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    order_line_id: int = Field(foreign_key="orderline.id", index=True)
    stock_id: int = Field(foreign_key="stock.id", index=True)
    qty: int
    picked: int = 0


class PickTask(SQLModel, table=True):
    """One pick list (one cart, one route); claimed with a lease that a heartbeat renews."""

    id: int | None = Field(default=None, primary_key=True)
    wave_id: int = Field(foreign_key="wave.id", index=True)
    strategy: Strategy = Field(sa_type=EnumText(Strategy))
    status: TaskStatus = Field(default=TaskStatus.OPEN, index=True, sa_type=EnumText(TaskStatus))
    claimed_by: int | None = Field(default=None, foreign_key="operator.id")
    claimed_at: datetime | None = None
    heartbeat_at: datetime | None = None
    route_m: float = 0.0
    current_stop: int = 0


class PickStop(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="picktask.id", index=True)
    seq: int
    allocation_id: int | None = Field(default=None, foreign_key="allocation.id")
    stock_id: int = Field(foreign_key="stock.id")
    sku_id: int = Field(foreign_key="sku.id")
    order_id: int | None = Field(default=None, foreign_key="orders.id")  # None on a batch stop
    tote_id: int | None = Field(default=None, foreign_key="tote.id")
    qty: int
    picked: int = 0
    status: str = "open"  # open | done | short


class Tote(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True)
    order_id: int | None = Field(default=None, foreign_key="orders.id", index=True)
    task_id: int | None = Field(default=None, foreign_key="picktask.id")


class WallSlot(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True)
    wall: int
    slot: int
    order_id: int | None = Field(default=None, foreign_key="orders.id", index=True)
    status: str = "free"  # free | filling | ready


class Parcel(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="orders.id", index=True)
    status: ParcelStatus = Field(
        default=ParcelStatus.OPEN, index=True, sa_type=EnumText(ParcelStatus)
    )
    box_type_id: int | None = Field(default=None, foreign_key="boxtype.id")
    expected_weight_g: int | None = None
    weight_g: int | None = None
    carrier: str = ""
    service: str = ""
    tracking: str | None = Field(default=None, unique=True)
    packed_by: int | None = Field(default=None, foreign_key="operator.id")
    station: str = ""
    created_at: datetime = Field(default_factory=utcnow)
    closed_at: datetime | None = None
    label_printed_at: datetime | None = None
    """When the printer took the shipping label; None for a closed parcel means it never did
    (the printer failed, or the station died between the close and the print): reprint it."""
    loaded_at: datetime | None = None


class ParcelLine(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    parcel_id: int = Field(foreign_key="parcel.id", index=True)
    order_line_id: int = Field(foreign_key="orderline.id", index=True)
    qty: int
    serials: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    batches: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class PackedSerial(SQLModel, table=True):
    """A serial number in a parcel that has not been voided: one unit of a serial-tracked SKU
    can be packed once, across every station (the parcel line's `serials` keep what it
    captured; this table is what makes a second packing of the same unit impossible)."""

    __table_args__ = (UniqueConstraint("sku_id", "serial"),)
    id: int | None = Field(default=None, primary_key=True)
    sku_id: int = Field(foreign_key="sku.id")
    serial: str
    parcel_id: int = Field(foreign_key="parcel.id", index=True)
    order_line_id: int = Field(foreign_key="orderline.id")


class FloorTask(SQLModel, table=True):
    """Work the floor owes: put units back on a shelf (kind `restock`), count a location, sort
    out an item set aside at a put wall, inspect a return.

    A put-back names its units (`qty` of `sku_id` from the lot `stock_id`, the suggested
    location `location_id`) and where they wait (`held_in`: a tote, slot or parcel label, a
    pick list's cart, a station); `done_qty` of them are back. `on_allocations`: the units still
    count on the order's allocations (an intercepted order, which ends when they are back);
    otherwise the task alone holds them. A count keeps the count in progress (`claimed_by`,
    `tally`: units per SKU id) and a first count that asked for a recount (`first_count`).
    A set-aside names the unit's `serial` when it carries one, and `order_id` when the unit was
    picked for that order: it left its shelf on the ledger, and the task holds it
    (services/set_asides.py).
    """

    id: int | None = Field(default=None, primary_key=True)
    kind: str  # restock | count | set-aside | inspect
    status: str = Field(default="open", index=True)  # open | done | cancelled
    sku_id: int | None = Field(default=None, foreign_key="sku.id")
    location_id: int | None = Field(default=None, foreign_key="location.id")
    order_id: int | None = Field(default=None, foreign_key="orders.id")
    qty: int = 0
    reason: str = ""
    created_at: datetime = Field(default_factory=utcnow)
    done_by: int | None = Field(default=None, foreign_key="operator.id")
    done_at: datetime | None = None
    stock_id: int | None = Field(default=None, foreign_key="stock.id")
    held_in: str = ""
    done_qty: int = 0
    on_allocations: bool = False
    claimed_by: int | None = Field(default=None, foreign_key="operator.id")
    tally: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    first_count: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    serial: str | None = None


class ReturnStatus(StrEnum):
    EXPECTED = "expected"  # announced (a file, a shop), no unit scanned yet
    OPEN = "open"  # units are being received
    DONE = "done"  # closed at the returns screen or the command line


class UnitStatus(StrEnum):
    """Where a returned or received unit is; every status but `inspect` and `put-away` is an
    end state (services/goods_in.py)."""

    INSPECT = "inspect"  # received, not yet inspected
    PUT_AWAY = "put-away"  # resaleable, waiting for its shelf scan (a FloorTask `put-away`)
    SHELVED = "shelved"  # on a pickable shelf
    QUARANTINED = "quarantined"  # at a quarantine (non-pickable) location
    SCRAPPED = "scrapped"  # written off from quarantine by a supervisor
    RELEASED = "released"  # moved from quarantine to a shelf by a supervisor
    EXCEPTION = "exception"  # never shipped to this buyer: set aside, not in stock


class Return(SQLModel, table=True):
    """A parcel a buyer sent back (售后), announced by a file or a shop, or unannounced."""

    __tablename__ = "return"
    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="orders.id", index=True)
    rma: str = Field(default="", index=True)
    status: ReturnStatus = Field(
        default=ReturnStatus.EXPECTED, index=True, sa_type=EnumText(ReturnStatus)
    )
    announced: bool = True
    created_at: datetime = Field(default_factory=utcnow)
    closed_at: datetime | None = None


class ReturnLine(SQLModel, table=True):
    """What the buyer says comes back: `qty` units of an order line, and why."""

    id: int | None = Field(default=None, primary_key=True)
    return_id: int = Field(foreign_key="return.id", index=True)
    order_line_id: int | None = Field(default=None, foreign_key="orderline.id")
    sku_id: int = Field(foreign_key="sku.id")
    qty: int
    reason: str = ""


class ReturnUnit(SQLModel, table=True):
    """One unit taken in: from a return (`return_id`) or a supplier delivery (`receipt_id`),
    inspected (`condition`) and followed to its end state (`status`, `location_id`)."""

    id: int | None = Field(default=None, primary_key=True)
    return_id: int | None = Field(default=None, foreign_key="return.id", index=True)
    order_line_id: int | None = Field(default=None, foreign_key="orderline.id", index=True)
    sku_id: int = Field(foreign_key="sku.id", index=True)
    serial: str = ""
    batch: str = ""
    raw: str = ""  # the scan that received it
    condition: str = ""  # resaleable | damaged | wrong-item | missing-parts
    note: str = ""
    status: UnitStatus = Field(default=UnitStatus.INSPECT, index=True, sa_type=EnumText(UnitStatus))
    location_id: int | None = Field(default=None, foreign_key="location.id")
    received_by: int | None = Field(default=None, foreign_key="operator.id")
    received_at: datetime = Field(default_factory=utcnow)
    decided_by: int | None = Field(default=None, foreign_key="operator.id")
    decided_at: datetime | None = None


class Receipt(SQLModel, table=True):
    """A supplier delivery: expected from a file, or received unannounced by a supervisor."""

    id: int | None = Field(default=None, primary_key=True)
    supplier: str
    reference: str = Field(unique=True)
    status: str = Field(default="open", index=True)  # open | closed
    announced: bool = True
    created_at: datetime = Field(default_factory=utcnow)
    closed_at: datetime | None = None
    closed_by: int | None = Field(default=None, foreign_key="operator.id")
    summary: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))


class ReceiptLine(SQLModel, table=True):
    """Units of one SKU (and batch) a delivery brings: `expected` by the file, `received` by
    scan, `put_away` of them on a shelf."""

    __table_args__ = (UniqueConstraint("receipt_id", "sku_id", "batch"),)
    id: int | None = Field(default=None, primary_key=True)
    receipt_id: int = Field(foreign_key="receipt.id", index=True)
    sku_id: int = Field(foreign_key="sku.id")
    batch: str = ""
    expiry: date | None = None
    expected: int = 0
    received: int = 0
    put_away: int = 0


class ReceiptSerial(SQLModel, table=True):
    """A serial number received on a supplier delivery's line: a unit of a serial-tracked SKU
    the warehouse took in, once (services/serials.py says how picking and packing use it).
    No line: a supervisor recorded it for a unit in stock from before its SKU's deliveries
    were received with serials (`received_by` is that supervisor)."""

    __table_args__ = (UniqueConstraint("sku_id", "serial"),)
    id: int | None = Field(default=None, primary_key=True)
    receipt_line_id: int | None = Field(default=None, foreign_key="receiptline.id", index=True)
    sku_id: int = Field(foreign_key="sku.id")
    serial: str
    received_by: int | None = Field(default=None, foreign_key="operator.id")
    received_at: datetime = Field(default_factory=utcnow)


class Journal(SQLModel, table=True):
    """Every scan and action, accepted or refused, written in the transaction of its effect."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    station: str = ""
    operator_id: int | None = Field(default=None, foreign_key="operator.id", index=True)
    actor_name: str = ""  # who ran the command line, when no operator acted
    authorised_by: int | None = Field(default=None, foreign_key="operator.id")
    screen: str = ""
    task_ref: str = ""
    order_id: int | None = Field(default=None, foreign_key="orders.id", index=True)
    raw: str = ""
    action: str
    accepted: bool = True
    reason: str = ""
    keyed: bool = False  # an item counted from a code typed or keyed in, not a barcode scanned
    # An accepted item count's effect, which undo takes back: `effect_units` onto the order
    # line `effect_line_id`, with the serial or batch the scan carried; null on other rows.
    # No foreign key: the journal is history, and adding one would rebuild its table.
    effect_line_id: int | None = None
    effect_units: int | None = None
    effect_serial: str | None = None
    effect_batch: str | None = None


class OutboxState(StrEnum):
    PENDING = "pending"  # waiting for its turn, or for its next attempt
    DELIVERED = "delivered"  # the shop has it; `reference` is the shop's name for it
    DEAD = "dead"  # refused for good, or out of attempts: blocks its order until retried
    DISCARDED = "discarded"  # given up by a supervisor (journaled): no longer blocks its order


class Outbox(SQLModel, table=True):
    """What the shop must hear, written in the transaction of the change it reports.

    Events of one order (`order_ref`, "SHOP:SHOP_ORDER_ID") are delivered in id order: an event
    is due only when no older event of its order is pending or dead (sync.outbox)."""

    id: int | None = Field(default=None, primary_key=True)
    shop: str = Field(index=True)
    event: str  # fulfilment | fulfilment-void | tracking | return | stock
    payload: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    idempotency_key: str = Field(unique=True)
    order_ref: str = Field(default="", index=True)
    state: str = Field(default=OutboxState.PENDING, index=True)
    created_at: datetime = Field(default_factory=utcnow)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow)
    delivered_at: datetime | None = Field(default=None, index=True)
    reference: str = ""
    last_error: str = ""


def outbox_order_ref(shop: str, shop_order_id: str) -> str:
    return f"{shop}:{shop_order_id}"


class ShopOrder(SQLModel, table=True):
    """What sync last imported of a shop's order: the hash of its mapped content and the
    version it was given. A shop's updated-at moves for anything (our own fulfilment, a tag,
    a note); the version advances only when the content the floor works from changes."""

    __table_args__ = (UniqueConstraint("shop", "shop_order_id"),)
    id: int | None = Field(default=None, primary_key=True)
    shop: str
    shop_order_id: str
    content_hash: str
    version: int
    pulled_at: datetime = Field(default_factory=utcnow)


class ShopSync(SQLModel, table=True):
    """A shop's pull: where the next one starts (the connector's cursor) and how the last went."""

    shop: str = Field(primary_key=True)
    cursor: str = ""
    last_pull_at: datetime | None = None
    last_error: str = ""


class SyncLease(SQLModel, table=True):
    """One sync worker per database: the holder renews the lease while it runs."""

    name: str = Field(primary_key=True)
    holder: str
    expires_at: datetime


class Setting(SQLModel, table=True):
    key: str = Field(primary_key=True)
    value: str
