"""Floor-side helpers for the sync tests: parcels packed for a pulled order and announced
through the real outbox writer (services.shipping), units of a shipped order back and a SKU's
stock changed, announced through the goods-in writer (services.returns.events), and
connectors opened as the command does."""

from __future__ import annotations

from collections.abc import Mapping

from sqlmodel import Session, select

from warehouse_tui.commands.sync import Importer
from warehouse_tui.services.journal import Actor
from warehouse_tui.services.returns.events import announce_return, announce_stock
from warehouse_tui.services.shipping import announce_fulfilment, withdraw_fulfilment
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import (
    Location,
    Order,
    OrderLine,
    OrderStatus,
    Parcel,
    ParcelLine,
    ParcelStatus,
    Return,
    ReturnUnit,
    Shop,
    Sku,
    Stock,
    StockMove,
    UnitStatus,
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


def _sku(session: Session, code: str) -> Sku:
    sku = session.exec(select(Sku).where(Sku.code == code)).first()
    if sku is None:
        sku = Sku(code=code, name=code, weight_g=100, length_mm=1, width_mm=1, height_mm=1)
        session.add(sku)
        session.flush()
    return sku


def shipped(store: Store, shop: str, shop_order_id: str) -> None:
    """The pulled order shipped: its lines bound to their SKUs, packed in one parcel that left
    on a truck (its fulfilment not announced: only what comes back matters here)."""
    with store.write() as session:
        order = session.exec(
            select(Order).where(Order.shop == shop, Order.shop_order_id == shop_order_id)
        ).one()
        parcel = Parcel(order_id=order.id or 0, status=ParcelStatus.LOADED, carrier=order.carrier)
        session.add(parcel)
        session.flush()
        for line in session.exec(select(OrderLine).where(OrderLine.order_id == order.id)):
            line.sku_id = _sku(session, line.sku_code).id
            line.picked = line.packed = line.qty
            session.add(
                ParcelLine(parcel_id=parcel.id or 0, order_line_id=line.id or 0, qty=line.qty)
            )
        order.status = OrderStatus.SHIPPED


def returned(
    store: Store, shop: str, shop_order_id: str, units: list[tuple[str, str]], rma: str = ""
) -> int:
    """Units of the order back (SKU, condition) and put away, and the return's state announced
    as the returns desk announces it: the return's id."""
    with store.write() as session:
        order = session.exec(
            select(Order).where(Order.shop == shop, Order.shop_order_id == shop_order_id)
        ).one()
        ret = session.exec(
            select(Return).where(Return.order_id == order.id, Return.rma == rma)
        ).first()
        if ret is None:
            ret = Return(order_id=order.id or 0, rma=rma)
            session.add(ret)
            session.flush()
        lines = {
            line.sku_code: line
            for line in session.exec(select(OrderLine).where(OrderLine.order_id == order.id))
        }
        for sku, condition in units:
            line = lines[sku]
            session.add(
                ReturnUnit(
                    return_id=ret.id,
                    order_line_id=line.id,
                    sku_id=line.sku_id or 0,
                    condition=condition,
                    status=UnitStatus.SHELVED
                    if condition == "resaleable"
                    else UnitStatus.QUARANTINED,
                )
            )
        session.flush()
        announce_return(session, ret)
        return ret.id or 0


def stock_now(store: Store, shop: str, sku: str, on_hand: int) -> None:
    """The SKU's free stock is `on_hand` now (a shelf's count and its ledger move), announced
    to the shop as goods in announce it."""
    with store.write() as session:
        if session.exec(select(Shop).where(Shop.code == shop)).first() is None:
            session.add(Shop(code=shop, name=shop))
        item = _sku(session, sku)
        shelf = session.exec(select(Location).where(Location.code == "A01-01-1")).first()
        if shelf is None:
            shelf = Location(
                code="A01-01-1", zone="A", block=0, aisle=1, position_m=1.0, bay=1, level=1
            )
            session.add(shelf)
            session.flush()
        lot = session.exec(
            select(Stock).where(Stock.sku_id == item.id, Stock.location_id == shelf.id)
        ).first()
        if lot is None:
            lot = Stock(location_id=shelf.id or 0, sku_id=item.id or 0)
            session.add(lot)
        delta, lot.on_hand = on_hand - lot.on_hand, on_hand
        session.add(
            StockMove(sku_id=item.id or 0, location_id=shelf.id, delta=delta, reason="count")
        )
        session.flush()
        announce_stock(session, [item.id or 0], shop)
