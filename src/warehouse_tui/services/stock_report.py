"""`warehouse-tui stock report`: what purchasing needs to know per SKU.

On hand, allocated and free come from the stock rows (the ledger's running totals); units
shipped come from parcels loaded on a truck in the last 7 and 30 days (what really left,
not what was ordered); days of cover is free stock over the 30-day daily rate, None for a SKU
that shipped nothing (no rate, no forecast). `low` keeps the SKUs whose cover is below the
threshold, those with no free stock and open demand included.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlmodel import Session, col

from warehouse_tui.services.lookup import OPEN_ORDER_STATES
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import (
    Location,
    Order,
    OrderLine,
    Parcel,
    ParcelLine,
    ParcelStatus,
    Sku,
    Stock,
    utcnow,
)

WINDOWS_DAYS = (7, 30)


@dataclass(frozen=True)
class SkuStock:
    sku: str
    name: str
    on_hand: int
    allocated: int
    free: int
    open_demand: int
    shipped_7d: int
    shipped_30d: int
    days_of_cover: float | None
    locations: list[str]


def stock_report(
    store: Store, *, sku: str | None = None, low_below_days: float | None = None
) -> list[SkuStock]:
    """One row per SKU (or the one named), in SKU order; with `low_below_days`, only those
    whose cover is under it or that cannot meet their open demand."""
    with store.read() as session:
        totals = _totals(session, sku)
        shipped = {days: _shipped(session, days) for days in WINDOWS_DAYS}
        demand = _demand(session)
        places = _locations(session)
    rows = []
    for sku_id, code, name, on_hand, allocated in totals:
        free = on_hand - allocated
        month = shipped[30].get(sku_id, 0)
        cover = round(free / (month / 30), 1) if month else None
        row = SkuStock(
            code,
            name,
            on_hand,
            allocated,
            free,
            demand.get(sku_id, 0),
            shipped[7].get(sku_id, 0),
            month,
            cover,
            places.get(sku_id, []),
        )
        if low_below_days is None or _low(row, low_below_days):
            rows.append(row)
    return rows


def _low(row: SkuStock, below_days: float) -> bool:
    if row.days_of_cover is not None and row.days_of_cover < below_days:
        return True
    return row.open_demand > row.free


def _totals(session: Session, sku: str | None) -> list[tuple[int, str, str, int, int]]:
    statement = (
        select(
            col(Sku.id),
            col(Sku.code),
            col(Sku.name),
            func.coalesce(func.sum(col(Stock.on_hand)), 0),
            func.coalesce(func.sum(col(Stock.allocated)), 0),
        )
        .outerjoin(Stock, col(Stock.sku_id) == col(Sku.id))
        .group_by(col(Sku.id), col(Sku.code), col(Sku.name))
        .order_by(col(Sku.code))
    )
    if sku is not None:
        statement = statement.where(col(Sku.code) == sku)
    return [tuple(row) for row in session.execute(statement)]


def _shipped(session: Session, days: int) -> dict[int, int]:
    since = utcnow() - timedelta(days=days)
    rows = session.execute(
        select(col(Sku.id), func.sum(col(ParcelLine.qty)))
        .join(OrderLine, col(OrderLine.sku_code) == col(Sku.code))
        .join(ParcelLine, col(ParcelLine.order_line_id) == col(OrderLine.id))
        .join(Parcel, col(Parcel.id) == col(ParcelLine.parcel_id))
        .where(col(Parcel.status) == ParcelStatus.LOADED, col(Parcel.loaded_at) >= since)
        .group_by(col(Sku.id))
    )
    return {sku_id: int(units) for sku_id, units in rows}


def _demand(session: Session) -> dict[int, int]:
    """Units open orders still want from the shelves, per SKU."""
    rows = session.execute(
        select(col(Sku.id), func.sum(col(OrderLine.qty) - col(OrderLine.picked)))
        .join(OrderLine, col(OrderLine.sku_code) == col(Sku.code))
        .join(Order, col(Order.id) == col(OrderLine.order_id))
        .where(col(Order.status).in_(OPEN_ORDER_STATES))
        .group_by(col(Sku.id))
    )
    return {sku_id: int(units) for sku_id, units in rows}


def _locations(session: Session) -> dict[int, list[str]]:
    rows = session.execute(
        select(col(Stock.sku_id), col(Location.code))
        .distinct()
        .join(Location, col(Location.id) == col(Stock.location_id))
        .where(col(Stock.on_hand) > 0)
        .order_by(col(Stock.sku_id), col(Location.code))
    )
    places: dict[int, list[str]] = {}
    for sku_id, code in rows:
        places.setdefault(sku_id, []).append(code)
    return places
