"""Finding an order by any of its references and showing it (`order show`, `status`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from warehouse_tui.i18n import _
from warehouse_tui.services.orders.versions import LARGEST_ID
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import (
    Allocation,
    Journal,
    Operator,
    Order,
    OrderLine,
    OrderStatus,
    Parcel,
    ParcelLine,
    Wave,
    WaveStatus,
)


def find_order(session: Session, ref: str) -> Order | None:
    """The order `ref` names: an internal id ("123"), an order label ("ORD-123"), or the shop's
    own number ("SHOP:SHOP_ORDER_ID")."""
    ref = ref.strip()
    digits = ref[4:] if ref.upper().startswith("ORD-") else ref
    if digits.isascii() and digits.isdigit():
        return session.get(Order, int(digits)) if int(digits) <= LARGEST_ID else None
    shop, colon, shop_order_id = ref.partition(":")
    if not colon:
        return None
    return session.execute(
        select(Order).where(Order.shop == shop, Order.shop_order_id == shop_order_id)
    ).scalar()


def order_summary(store: Store, ref: str) -> dict[str, Any] | None:
    """`order show --json`: the order, its lines with how far each got, its parcels and its
    journal. None when `ref` names no order."""
    with store.read() as session:
        order = find_order(session, ref)
        if order is None:
            return None
        return {
            "id": order.id,
            "shop": order.shop,
            "shop_order_id": order.shop_order_id,
            "status": order.status,
            "hold_reason": order.hold_reason or None,
            "carrier": order.carrier,
            "service": order.service or None,
            "ship_to": _ship_to(order),
            "wave": order.wave_id,
            "intercept": intercept_reason(order) or None,
            "lines": _line_summaries(session, order),
            "parcels": _parcel_summaries(session, order),
            "journal": _journal_entries(session, order),
        }


def _ship_to(order: Order) -> dict[str, str]:
    fields = {
        "name": order.ship_name,
        "address1": order.ship_address1,
        "address2": order.ship_address2,
        "city": order.ship_city,
        "region": order.ship_region,
        "postcode": order.ship_postcode,
        "country": order.ship_country,
        "phone": order.ship_phone,
    }
    return {key: value for key, value in fields.items() if value}


def intercept_reason(order: Order) -> str:
    """Why a released order is stopped at the pack station, in the operator's language; ""
    when it is not intercepted."""
    if not order.intercepted:
        return ""
    if order.pending is not None and order.pending.get("cancelled"):
        return _("cancelled at the shop after release")
    version = order.pending["version"] if order.pending else order.shop_version
    return _("changed at the shop after release (version {version})").format(version=version)


def _line_summaries(session: Session, order: Order) -> list[dict[str, Any]]:
    allocated = (
        select(func.coalesce(func.sum(Allocation.qty), 0))
        .where(Allocation.order_line_id == OrderLine.id)
        .scalar_subquery()
    )
    rows = session.execute(
        select(OrderLine.sku_code, OrderLine.qty, allocated, OrderLine.picked, OrderLine.packed)
        .where(OrderLine.order_id == order.id)
        .order_by(OrderLine.id)
    )
    return [
        {"sku": sku, "ordered": qty, "allocated": int(held), "picked": picked, "packed": packed}
        for sku, qty, held, picked, packed in rows
    ]


def _parcel_summaries(session: Session, order: Order) -> list[dict[str, Any]]:
    """The order's own parcels and those holding its items: a merged order's items travel in
    parcels that belong to its group's lead."""
    holding = (
        select(ParcelLine.parcel_id)
        .join(OrderLine, OrderLine.id == ParcelLine.order_line_id)
        .where(OrderLine.order_id == order.id)
    )
    rows = session.execute(
        select(Parcel.id, Parcel.status, Parcel.weight_g, Parcel.tracking)
        .where((Parcel.order_id == order.id) | Parcel.id.in_(holding))
        .order_by(Parcel.id)
    )
    return [
        {"id": parcel_id, "status": status, "weight_g": weight_g, "tracking": tracking}
        for parcel_id, status, weight_g, tracking in rows
    ]


def _journal_entries(session: Session, order: Order) -> list[dict[str, Any]]:
    rows = session.execute(
        select(
            Journal.at,
            Operator.badge,
            Journal.station,
            Journal.action,
            Journal.accepted,
            Journal.reason,
        )
        .outerjoin(Operator, Operator.id == Journal.operator_id)
        .where(Journal.order_id == order.id)
        .order_by(Journal.at, Journal.id)
    )
    return [
        {
            "at": at.isoformat(),
            "operator": badge,
            "station": station,
            "action": action,
            "accepted": accepted,
            "reason": reason,
        }
        for at, badge, station, action, accepted, reason in rows
    ]


def status_counts(store: Store) -> dict[str, dict[str, int]]:
    """How many orders and waves are in each state; every state present, zeros included."""
    with store.read() as session:
        orders = _counts(session, Order.status)
        waves = _counts(session, Wave.status)
    return {
        "orders": {status.value: orders.get(status.value, 0) for status in OrderStatus},
        "waves": {status.value: waves.get(status.value, 0) for status in WaveStatus},
    }


def _counts(session: Session, column: Any) -> dict[str, int]:
    rows = session.execute(select(column, func.count()).group_by(column))
    return {status: count for status, count in rows}
