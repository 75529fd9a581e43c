"""Lots (batches) and their expiry, as picking and packing check them.

A batch-tracked SKU's items carry their lot in a GS1 code (AI 10, with the expiry in AI 17).
A lot that expires before the order ships — or with fewer days left then than the setting
`lot_min_days_left` asks — may not go to that order. An order with no ship-by date ships
today. The lots an order line was picked from are its allocations' lots (an allocation moves
to the lot the picker scanned), which is what the pack station accepts for that line.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import Session, col, select

from warehouse_tui.i18n import _
from warehouse_tui.services.settings import get_setting
from warehouse_tui.store.models import Allocation, Order, Stock, as_utc, utcnow


def ship_date(session: Session, order_id: int | None) -> date:
    """The day the order ships: its ship-by date, else today."""
    order = session.get(Order, order_id) if order_id is not None else None
    ship_by = as_utc(order.ship_by) if order is not None else None
    return ship_by.date() if ship_by is not None else utcnow().date()


def too_soon(session: Session, expiry: date | None, order_ids: list[int | None]) -> date | None:
    """The ship date of the first of these orders a lot expiring on `expiry` may not go to,
    or None when it may go to all."""
    if expiry is None:
        return None
    days_left = int(get_setting(session, "lot_min_days_left"))
    for order_id in order_ids:
        ships = ship_date(session, order_id)
        if expiry < ships + timedelta(days=days_left):
            return ships
    return None


def expiry_refusal(
    session: Session, batch: str, expiry: date | None, order_ids: list[int | None]
) -> str:
    """Why a lot expiring on `expiry` may not be picked for these orders, or ""."""
    ships = too_soon(session, expiry, order_ids)
    if ships is None or expiry is None:
        return ""
    return _(
        "Batch {batch} expires {expiry}, too soon for an order shipping {ships}: set it "
        "aside and take another batch"
    ).format(batch=batch, expiry=expiry.isoformat(), ships=ships.isoformat())


def picked_lots(session: Session, order_line_id: int) -> dict[str, date | None]:
    """The lots an order line's units were picked from, with their expiry."""
    rows = session.execute(
        select(col(Stock.batch), col(Stock.expiry))
        .join(Allocation, col(Allocation.stock_id) == col(Stock.id))
        .where(col(Allocation.order_line_id) == order_line_id, col(Allocation.picked) > 0)
    ).all()
    return {batch: expiry for batch, expiry in rows}
