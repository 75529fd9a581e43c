"""Packed orders and carriers for the shipping, load-screen and manifest tests (no test lives
here)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import Session, select

from warehouse_tui.services.journal import Actor
from warehouse_tui.services.settings import set_setting
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import (
    Carrier,
    Journal,
    Order,
    OrderLine,
    OrderStatus,
    Outbox,
    Parcel,
    ParcelLine,
    ParcelStatus,
    Shop,
    Sku,
)

LOADER = Actor(operator_id=None, station="dock-1", screen="LoadScreen")


# --- a small floor, shared with the other shipping-area tests ---


def seed_carriers_and_shops(session: Session) -> None:
    session.add(Carrier(code="UPS", name="UPS", tracking_pattern=r"1Z[0-9A-Z]{15}\d"))
    session.add(Carrier(code="DHL", name="DHL Paket", tracking_pattern=r"JJD\d{18}"))
    session.add(Shop(code="WEB", name="Web shop", announce_at="load"))
    session.add(Shop(code="MKT", name="Marketplace", announce_at="label"))
    session.add(Sku(code="MUG", name="Mug", weight_g=300, length_mm=1, width_mm=1, height_mm=1))
    session.add(Sku(code="TEA", name="Tea", weight_g=100, length_mm=1, width_mm=1, height_mm=1))


def packed_order(
    session: Session,
    number: str,
    *,
    shop: str = "WEB",
    carrier: str = "UPS",
    parcels: int = 1,
    ship_name: str = "Ada Lovelace",
    closed_at: datetime | None = None,
) -> tuple[Order, list[Parcel]]:
    """A packed order of two lines, one parcel per line (the last parcel gets the rest)."""
    order = Order(
        shop=shop,
        shop_order_id=number,
        ship_name=ship_name,
        ship_city="London",
        ship_postcode="N1 9GU",
        ship_country="GB",
        carrier=carrier,
        service="STD",
        status=OrderStatus.PACKED,
    )
    session.add(order)
    session.flush()
    lines = [
        OrderLine(order_id=order.id, shop_line_id=f"{number}-1", sku_code="MUG", qty=2, packed=2),
        OrderLine(order_id=order.id, shop_line_id=f"{number}-2", sku_code="TEA", qty=1, packed=1),
    ]
    session.add_all(lines)
    session.flush()
    made = []
    for index in range(parcels):
        parcel = Parcel(
            order_id=order.id,
            status=ParcelStatus.CLOSED,
            carrier=carrier,
            service="STD",
            tracking=f"1Z999AA1{number.zfill(8)}{index}0"
            if carrier == "UPS"
            else f"JJD{number.zfill(16)}{index:02d}",
            weight_g=750 + index,
            closed_at=closed_at or datetime(2024, 5, 6, 9, 0, tzinfo=UTC),
        )
        session.add(parcel)
        session.flush()
        mine = lines[index:] if index == parcels - 1 else [lines[index]]
        for line in mine:
            session.add(ParcelLine(parcel_id=parcel.id, order_line_id=line.id, qty=line.qty))
        made.append(parcel)
    session.flush()
    return order, made


def journal_rows(store: Store) -> list[Journal]:
    with store.read() as session:
        return list(session.exec(select(Journal).order_by(Journal.id)))


def outbox_rows(store: Store) -> list[Outbox]:
    with store.read() as session:
        return list(session.exec(select(Outbox).order_by(Outbox.id)))


@pytest.fixture(name="floor")
def shipped_floor_fixture(store: Store) -> Store:
    with store.write() as session:
        seed_carriers_and_shops(session)
        set_setting(session, "duplicate_scan_window_ms", 0)  # tests scan faster than any hand
    return store


# --- loading ---
