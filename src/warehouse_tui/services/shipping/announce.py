"""The shop told: fulfilment and fulfilment-void events written to the outbox."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from warehouse_tui.domain.barcodes import ScanKind, format_label
from warehouse_tui.store.models import (
    Order,
    OrderLine,
    Outbox,
    Parcel,
    ParcelLine,
    ParcelStatus,
    Shop,
    outbox_order_ref,
    utcnow,
)

if TYPE_CHECKING:
    pass


def parcel_label(parcel_id: int) -> str:
    return format_label(ScanKind.PARCEL, parcel_id)


def fulfilment_key(order: Order, tracking_numbers: Sequence[str]) -> str:
    """One fulfilment per order version and set of parcels: a resend carries the same key; a
    new version, or parcels packed again after their first ones were voided, a new one."""
    parcels = hashlib.sha1(",".join(sorted(tracking_numbers)).encode()).hexdigest()[:12]
    return f"{_fulfilment_prefix(order)}{order.shop_version}:{parcels}"


def _fulfilment_prefix(order: Order) -> str:
    return f"fulfilment:{order.shop}:{order.shop_order_id}:"


def announce_at(session: Session, shop_code: str) -> str:
    """When `shop_code` hears of a shipment: "load" (the default) or "label"."""
    setting = session.execute(
        select(col(Shop.announce_at)).where(col(Shop.code) == shop_code)
    ).scalar()
    return setting or "load"


def announce_fulfilment(session: Session, order: Order) -> Outbox:
    """Put the order's fulfilment (lines, carrier, tracking numbers) into the outbox, in the
    caller's transaction. Announcing the same order version twice adds nothing."""
    payload = fulfilment_payload(session, order)
    key = fulfilment_key(order, payload["tracking_numbers"])
    existing = session.exec(select(Outbox).where(col(Outbox.idempotency_key) == key)).first()
    if existing is not None:
        return existing
    event = Outbox(
        shop=order.shop,
        event="fulfilment",
        payload=payload,
        idempotency_key=key,
        order_ref=outbox_order_ref(order.shop, order.shop_order_id),
    )
    session.add(event)
    session.flush()
    return event


def withdraw_fulfilment(session: Session, order: Order) -> None:
    """The parcels a fulfilment announced were voided (the shop was told at label time): a
    `fulfilment-void` event follows it through the outbox, naming the tracking numbers that
    will not ship. Never a deletion: the outbox worker may be sending the fulfilment now."""
    announced = session.exec(
        select(Outbox).where(
            col(Outbox.event) == "fulfilment",
            col(Outbox.idempotency_key).startswith(_fulfilment_prefix(order)),
        )
    ).all()
    for event in announced:
        key = f"void:{event.idempotency_key}"
        if session.exec(select(col(Outbox.id)).where(col(Outbox.idempotency_key) == key)).first():
            continue
        session.add(
            Outbox(
                shop=order.shop,
                event="fulfilment-void",
                payload={
                    "shop_order_id": order.shop_order_id,
                    "tracking_numbers": event.payload["tracking_numbers"],
                },
                idempotency_key=key,
                order_ref=outbox_order_ref(order.shop, order.shop_order_id),
            )
        )


def fulfilment_payload(session: Session, order: Order) -> dict[str, Any]:
    """The order's own lines, by the parcels holding them (a merged order's parcels belong to
    its group's lead), with those parcels' carrier and tracking numbers, and — when the order
    shipped short — the units ordered that will not ship (`short_lines`)."""
    rows = session.execute(
        select(Parcel, ParcelLine, OrderLine)
        .join(ParcelLine, col(ParcelLine.parcel_id) == col(Parcel.id))
        .join(OrderLine, col(OrderLine.id) == col(ParcelLine.order_line_id))
        .where(col(OrderLine.order_id) == order.id)
        .where(col(Parcel.status) != ParcelStatus.CANCELLED)
        .order_by(col(Parcel.id), col(OrderLine.id))
    ).all()
    parcels: dict[int, dict[str, Any]] = {}
    totals: dict[int, dict[str, Any]] = {}
    for parcel, parcel_line, order_line in rows:
        entry = parcels.setdefault(
            parcel.id,
            {
                "parcel": parcel_label(parcel.id),
                "carrier": parcel.carrier,
                "service": parcel.service,
                "tracking": parcel.tracking,
                "weight_g": parcel.weight_g,
                "lines": [],
            },
        )
        line = {
            "shop_line_id": order_line.shop_line_id,
            "sku": order_line.sku_code,
            "qty": parcel_line.qty,
        }
        entry["lines"].append(line)
        total = totals.setdefault(order_line.id, {**line, "qty": 0})
        total["qty"] += parcel_line.qty
        if parcel_line.serials:
            total.setdefault("serials", []).extend(parcel_line.serials)
    tracking = [p["tracking"] for p in parcels.values() if p["tracking"]]
    carriers = sorted({str(p["carrier"]) for p in parcels.values() if p["carrier"]})
    shorted = session.execute(
        select(OrderLine.shop_line_id, OrderLine.sku_code, OrderLine.short)
        .where(OrderLine.order_id == order.id, OrderLine.short > 0)
        .order_by(col(OrderLine.id))
    ).all()
    short_lines = {
        "short_lines": [{"shop_line_id": i, "sku": sku, "qty": q} for i, sku, q in shorted]
    }
    return {
        "shop": order.shop,
        "shop_order_id": order.shop_order_id,
        "shop_version": order.shop_version,
        "order_id": order.id,
        "carrier": carriers[0] if len(carriers) == 1 else order.carrier,
        "service": order.service,
        "tracking_numbers": tracking,
        "lines": list(totals.values()),
        "parcels": list(parcels.values()),
        **(short_lines if shorted else {}),  # what the shop ordered that will not ship
        "announced_at": utcnow().isoformat(),
    }


def orders_holding_lines(parcel_filter: ColumnElement[bool]) -> SelectOfScalar[int]:
    """The ids of the orders with lines in the parcels `parcel_filter` selects."""
    return (
        select(col(OrderLine.order_id))
        .join(ParcelLine, col(ParcelLine.order_line_id) == col(OrderLine.id))
        .join(Parcel, col(Parcel.id) == col(ParcelLine.parcel_id))
        .where(parcel_filter)
    )
