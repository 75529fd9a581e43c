"""A hand-built floor for the wave, audit and routing tests: SKUs, locations, stock, orders
and carriers inserted directly (no test lives here)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlmodel import Session, select

from warehouse_tui.services.journal import Actor
from warehouse_tui.store.models import (
    Allocation,
    Carrier,
    CarrierService,
    Location,
    Operator,
    Order,
    OrderLine,
    OrderStatus,
    Sku,
    Stock,
)

ACTOR = Actor(None, "desk-1", "test")
ADDRESS = {
    "ship_name": "Li Lei",
    "ship_address1": "1 Nanjing Road",
    "ship_city": "Shanghai",
    "ship_postcode": "200001",
    "ship_country": "CN",
}


# --- the floor ------------------------------------------------------------------------------------


def add_skus(session: Session, count: int) -> list[Sku]:
    skus = [
        Sku(
            code=f"SKU-{k}",
            name=f"Item {k}",
            weight_g=200,
            length_mm=100,
            width_mm=100,
            height_mm=100,
        )
        for k in range(1, count + 1)
    ]
    session.add_all(skus)
    session.flush()
    return skus


def add_carrier(session: Session, code: str = "DHL") -> None:
    carrier = Carrier(code=code, name=code)
    session.add(carrier)
    session.flush()
    session.add(CarrierService(carrier_id=carrier.id, code="STD", name="Standard"))


def add_location(
    session: Session, aisle: int, position: float, *, zone: str = "A", pickable: bool = True
) -> Location:
    location = Location(
        code=f"LOC-{zone}{aisle:02d}-{position:04.1f}-{random.random():.6f}",
        zone=zone,
        block=0 if position < 30 else 1,
        aisle=aisle,
        position_m=position,
        bay=1,
        level=1,
        pickable=pickable,
    )
    session.add(location)
    session.flush()
    return location


def add_stock(
    session: Session,
    location: Location,
    sku: Sku,
    on_hand: int,
    *,
    batch: str = "",
    expiry: date | None = None,
    received_days_ago: int = 10,
) -> Stock:
    stock = Stock(
        location_id=location.id,
        sku_id=sku.id,
        batch=batch,
        expiry=expiry,
        received_at=datetime.now(UTC) - timedelta(days=received_days_ago),
        on_hand=on_hand,
    )
    session.add(stock)
    session.flush()
    return stock


def add_order(
    session: Session,
    number: int,
    lines: list[tuple[str, int]],
    *,
    status: str = OrderStatus.NEW,
    **fields: Any,
) -> Order:
    values = {"shop": "web", "carrier": "DHL", "service": "STD", **ADDRESS, **fields}
    order = Order(shop_order_id=str(number), status=status, **values)
    session.add(order)
    session.flush()
    for code, qty in lines:
        session.add(OrderLine(order_id=order.id, sku_code=code, qty=qty))
    session.flush()
    return order


def add_operator(session: Session, badge: str, role: str) -> Operator:
    operator = Operator(badge=badge, name=f"Name of {badge}", pin_hash="x", role=role)
    session.add(operator)
    session.flush()
    return operator


def stocked_floor(session: Session, skus: int = 6, per_location: int = 50) -> list[Sku]:
    """One carrier, `skus` SKUs, each in one location spread over the aisles and both blocks."""
    add_carrier(session)
    made = add_skus(session, skus)
    for k, sku in enumerate(made):
        location = add_location(session, aisle=(k * 5) % 12, position=5.0 + (k * 17) % 50)
        add_stock(session, location, sku, per_location)
    return made


def allocations(session: Session) -> list[Allocation]:
    return list(session.exec(select(Allocation).order_by(Allocation.id)))
