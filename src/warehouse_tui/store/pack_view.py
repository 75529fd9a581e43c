"""The pack view's reads: the parcel with the orders of its pack, and their lines.

The pack screen reads the whole pack again after every scan (it keeps no state of its own), so
this read is as hot as the scan itself: bench/bench_pack.py holds scan → view ready to a few
times a bare durable commit. Through the ORM it took eight queries and a few milliseconds; here
it is two prepared SELECTs (store/prepared.py) and the box types, sent together on one short
read transaction (one round trip on PostgreSQL):
- `pack_orders`: one row per order of the pack (the lead's merge group, or the lead alone),
  each carrying the parcel's own columns, its box, its number among the lead's parcels,
  whether its pack instructions were confirmed and the box fill setting;
- `pack_lines`: the pack's order lines with this parcel's count of each, and any line of
  another order the parcel still holds (`in_pack` false), so its weight and box are the
  parcel's whole contents — two index-driven SELECTs in one UNION ALL.
The service (services/packing/view.py) turns the rows into the screen's `PackView`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from sqlalchemy import (
    BindParameter,
    Boolean,
    and_,
    bindparam,
    false,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
)

from warehouse_tui.store.models import (
    BoxType,
    Journal,
    Order,
    OrderLine,
    Parcel,
    ParcelLine,
    Setting,
    Sku,
    table_of,
)
from warehouse_tui.store.prepared import Query, Tx

_parcel = table_of(Parcel)
_others = table_of(Parcel).alias("others")
_orders = table_of(Order)
_lead = _orders.alias("lead")
_order_line = table_of(OrderLine)
_parcel_line = table_of(ParcelLine)
_sku = table_of(Sku)
_box = table_of(BoxType)
_journal = table_of(Journal)
_setting = table_of(Setting)


class PackOrder(NamedTuple):
    """An order of the parcel's pack (a services.packing.group.Member), with the parcel's own
    columns on every row."""

    parcel_status: str
    carrier: str
    service: str
    weight_g: int | None
    tracking: str | None
    label_printed_at: Any  # a datetime, or None while a closed parcel's label is due
    lead_id: int
    box_code: str | None
    box_tare_g: int | None
    parcel_number: int
    confirmations: int  # accepted pack-instruction confirmations journaled for the parcel
    fill: str | None  # the box_fill_factor setting, if set
    id: int
    shop_order_id: str
    ship_name: str
    status: str
    intercepted: bool
    pending: dict[str, Any] | None
    pack_instructions: str
    buyer_tags: list[str]


class PackLine(NamedTuple):
    """An order line of the pack (or one the parcel holds from elsewhere), with its SKU."""

    line_id: int
    order_id: int
    sku_code: str
    name: str
    picked: int
    packed: int
    in_parcel: int | None
    length_mm: int
    width_mm: int
    height_mm: int
    weight_g: int
    in_pack: bool


class BoxSize(NamedTuple):
    id: int
    code: str
    length_mm: int
    width_mm: int
    height_mm: int
    tare_g: int
    max_weight_g: int


# The lead's merge group, or the lead alone (services/packing/group.members).
_IN_GROUP = or_(
    _orders.c.id == _lead.c.id,
    and_(_lead.c.no_merge.is_(false()), _orders.c.merge_group == _lead.c.merge_group),
)
_PARCEL: BindParameter[int] = bindparam("parcel_id")

_PACK_ORDERS = Query(
    select(
        _parcel.c.status.label("parcel_status"),
        _parcel.c.carrier,
        _parcel.c.service,
        _parcel.c.weight_g,
        _parcel.c.tracking,
        _parcel.c.label_printed_at,
        _parcel.c.order_id.label("lead_id"),
        _box.c.code.label("box_code"),
        _box.c.tare_g.label("box_tare_g"),
        select(func.count())
        .select_from(_others)
        .where(_others.c.order_id == _parcel.c.order_id, _others.c.id <= _parcel.c.id)
        .scalar_subquery()
        .label("parcel_number"),
        select(func.count())
        .select_from(_journal)
        .where(
            _journal.c.order_id == _parcel.c.order_id,
            _journal.c.task_ref == bindparam("parcel_label"),
            _journal.c.action == bindparam("confirm_action"),
            _journal.c.accepted.is_(true()),
        )
        .scalar_subquery()
        .label("confirmations"),
        select(_setting.c.value)
        .where(_setting.c.key == "box_fill_factor")
        .scalar_subquery()
        .label("fill"),
        _orders.c.id,
        _orders.c.shop_order_id,
        _orders.c.ship_name,
        _orders.c.status,
        _orders.c.intercepted,
        _orders.c.pending,
        _orders.c.pack_instructions,
        _orders.c.buyer_tags,
    )
    .select_from(_parcel)
    .join(_lead, _lead.c.id == _parcel.c.order_id)
    .join(_orders, _IN_GROUP)
    .outerjoin(_box, _box.c.id == _parcel.c.box_type_id)
    .where(_parcel.c.id == _PARCEL)
    .order_by(_orders.c.id),
    PackOrder,
)

_GROUP_IDS = (
    select(_orders.c.id)
    .select_from(_parcel)
    .join(_lead, _lead.c.id == _parcel.c.order_id)
    .join(_orders, _IN_GROUP)
    .where(_parcel.c.id == _PARCEL)
)


def _line_columns(in_pack: bool) -> tuple[Any, ...]:
    return (
        _order_line.c.id.label("line_id"),
        _order_line.c.order_id,
        _sku.c.code.label("sku_code"),
        _sku.c.name,
        _order_line.c.picked,
        _order_line.c.packed,
        _parcel_line.c.qty.label("in_parcel"),
        _sku.c.length_mm,
        _sku.c.width_mm,
        _sku.c.height_mm,
        _sku.c.weight_g,
        literal(in_pack, Boolean).label("in_pack"),
    )


# The pack's lines, from its orders down (each index-driven on both databases: an OR of the
# two would scan every order line on PostgreSQL) ...
_LINES_OF_PACK = (
    select(*_line_columns(True))
    .select_from(_parcel)
    .join(_lead, _lead.c.id == _parcel.c.order_id)
    .join(_orders, _IN_GROUP)
    .join(_order_line, _order_line.c.order_id == _orders.c.id)
    .join(_sku, _sku.c.id == _order_line.c.sku_id)
    .outerjoin(
        _parcel_line,
        and_(
            _parcel_line.c.parcel_id == _parcel.c.id,
            _parcel_line.c.order_line_id == _order_line.c.id,
        ),
    )
    .where(_parcel.c.id == _PARCEL)
)
# ... and the lines the parcel holds of orders no longer in the pack.
_LINES_HELD_ELSEWHERE = (
    select(*_line_columns(False))
    .select_from(_parcel_line)
    .join(_order_line, _order_line.c.id == _parcel_line.c.order_line_id)
    .join(_sku, _sku.c.id == _order_line.c.sku_id)
    .where(_parcel_line.c.parcel_id == _PARCEL, _order_line.c.order_id.not_in(_GROUP_IDS))
)
_ALL_LINES = union_all(_LINES_OF_PACK, _LINES_HELD_ELSEWHERE).subquery("lines")
_PACK_LINES = Query(
    select(*_ALL_LINES.c).order_by(_ALL_LINES.c.order_id, _ALL_LINES.c.line_id), PackLine
)

_BOX_SIZES = Query(
    select(
        _box.c.id,
        _box.c.code,
        _box.c.length_mm,
        _box.c.width_mm,
        _box.c.height_mm,
        _box.c.tare_g,
        _box.c.max_weight_g,
    ),
    BoxSize,
)


def pack_orders(
    tx: Tx, parcel_id: int, task_ref: str, confirm_action: str
) -> Callable[[], list[PackOrder]]:
    """The orders of the parcel's pack, lowest id first; none if there is no such parcel.
    Confirmations are the accepted journal rows of `confirm_action` for `task_ref` (the
    parcel's label). Like the other two reads, it is sent, and its rows are read when the
    function returned is called (prepared.Query.send)."""
    return _PACK_ORDERS.send(
        tx, {"parcel_id": parcel_id, "parcel_label": task_ref, "confirm_action": confirm_action}
    )


def pack_lines(tx: Tx, parcel_id: int) -> Callable[[], list[PackLine]]:
    """The pack's order lines (by order, then line) and any other line the parcel holds."""
    return _PACK_LINES.send(tx, {"parcel_id": parcel_id})


def box_sizes(tx: Tx) -> Callable[[], list[BoxSize]]:
    return _BOX_SIZES.send(tx, {})
