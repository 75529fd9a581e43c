"""One move of stock on a lot: its on-hand count and the ledger row that says why, together."""

from __future__ import annotations

from sqlmodel import Session

from warehouse_tui.services.journal import Actor
from warehouse_tui.store.models import Stock, StockMove


def move_stock(
    session: Session, actor: Actor, lot: Stock, delta: int, reason: str, ref: str
) -> None:
    """Add `delta` (negative: take) to `lot`'s on hand, with its `StockMove`."""
    lot.on_hand += delta
    session.add(
        StockMove(
            sku_id=lot.sku_id,
            location_id=lot.location_id,
            batch=lot.batch,
            delta=delta,
            reason=reason,
            ref=ref,
            operator_id=actor.operator_id,
        )
    )
