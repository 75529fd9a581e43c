"""Floor-side helpers for the sync tests: parcels packed for a pulled order and announced
through the real outbox writer (services.shipping), and connectors opened as the command does."""

from __future__ import annotations

from collections.abc import Mapping

from sqlmodel import select

from warehouse_tui.commands.sync import Importer
from warehouse_tui.services.journal import Actor
from warehouse_tui.services.shipping import announce_fulfilment, withdraw_fulfilment
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import (
    Order,
    OrderLine,
    OrderStatus,
    Parcel,
    ParcelLine,
    ParcelStatus,
)
from warehouse_tui.sync.connector import Connector
from warehouse_tui.sync.shops import ShopConfig, open_connector


def importer(store: Store) -> Importer:
    return Importer(store, Actor(None, "test", "sync"))


def connector(
    code: str, kind: str, settings: Mapping[str, object], env: Mapping[str, str]
) -> Connector:
    return open_connector(ShopConfig(code, kind, dict(settings)), env)


def floor_order(store: Store, shop: str, shop_order_id: str) -> Order:
    with store.read() as session:
        order = session.exec(
            select(Order).where(Order.shop == shop, Order.shop_order_id == shop_order_id)
        ).one()
    return order


def ship(store: Store, shop: str, shop_order_id: str, tracking: str) -> int:
    """The order packed into one parcel with `tracking` and announced at label time: packed,
    its fulfilment in the outbox, as for a shop whose `announce_at` is "label"."""
    with store.write() as session:
        order = session.exec(
            select(Order).where(Order.shop == shop, Order.shop_order_id == shop_order_id)
        ).one()
        parcel = Parcel(
            order_id=order.id or 0,
            status=ParcelStatus.CLOSED,
            carrier=order.carrier,
            tracking=tracking,
        )
        session.add(parcel)
        session.flush()
        for line in session.exec(select(OrderLine).where(OrderLine.order_id == order.id)):
            session.add(
                ParcelLine(parcel_id=parcel.id or 0, order_line_id=line.id or 0, qty=line.qty)
            )
        order.status = OrderStatus.PACKED
        session.flush()
        return announce_fulfilment(session, order).id or 0


def void(store: Store, shop: str, shop_order_id: str) -> None:
    """The order's parcels voided after they were announced: a fulfilment-void follows."""
    with store.write() as session:
        order = session.exec(
            select(Order).where(Order.shop == shop, Order.shop_order_id == shop_order_id)
        ).one()
        for parcel in session.exec(select(Parcel).where(Parcel.order_id == order.id)):
            parcel.status = ParcelStatus.CANCELLED
        withdraw_fulfilment(session, order)
