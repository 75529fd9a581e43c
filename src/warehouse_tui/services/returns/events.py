"""What the shop hears of goods in, written in the transaction of the change (ARCHITECTURE.md,
Layers: sync/ delivers it).

Both events carry absolute quantities, so a replayed or reordered event converges: a `return`
event names, per returned order line, how many units came back in each condition and why; a
`stock` event names a SKU's free quantity (on hand − allocated at pickable locations). The
idempotency key is the content's own hash: the same state announced twice is one event.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from warehouse_tui.store.models import (
    Location,
    Order,
    OrderLine,
    Outbox,
    Return,
    ReturnLine,
    ReturnUnit,
    Shop,
    Sku,
    Stock,
    StockMove,
    outbox_order_ref,
)


def _key(kind: str, payload: dict[str, Any]) -> str:
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:32]
    return f"{kind}:{digest}"


def _add(session: Session, shop: str, kind: str, payload: dict[str, Any], order_ref: str) -> None:
    key = _key(kind, {"shop": shop, **payload})
    if session.execute(select(col(Outbox.id)).where(col(Outbox.idempotency_key) == key)).first():
        return
    session.add(
        Outbox(shop=shop, event=kind, payload=payload, idempotency_key=key, order_ref=order_ref)
    )


def return_payload(session: Session, ret: Return) -> dict[str, Any]:
    """The return's lines as the shop refunds them: units per condition, the buyer's reason."""
    order = session.get_one(Order, ret.order_id)
    reasons = {
        line.order_line_id: line.reason
        for line in session.execute(
            select(ReturnLine).where(col(ReturnLine.return_id) == ret.id)
        ).scalars()
    }
    counted: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    units = session.execute(
        select(col(ReturnUnit.order_line_id), col(ReturnUnit.condition)).where(
            col(ReturnUnit.return_id) == ret.id,
            col(ReturnUnit.order_line_id).is_not(None),
            col(ReturnUnit.condition) != "",
        )
    ).all()
    for line_id, condition in units:
        counted[line_id][condition] += 1
    lines = []
    for line_id, conditions in sorted(counted.items()):
        line = session.get_one(OrderLine, line_id)
        lines.append(
            {
                "shop_line_id": line.shop_line_id,
                "sku": line.sku_code,
                "qty": sum(conditions.values()),
                "conditions": dict(sorted(conditions.items())),
                "reason": reasons.get(line_id, ""),
            }
        )
    payload: dict[str, Any] = {"shop_order_id": order.shop_order_id, "lines": lines}
    if ret.rma:
        payload["rma"] = ret.rma
    return payload


def announce_return(session: Session, ret: Return) -> None:
    """A `return` event of the return's state now, for the order's shop."""
    order = session.get_one(Order, ret.order_id)
    payload = return_payload(session, ret)
    _add(
        session,
        order.shop,
        "return",
        {**payload, "return": ret.id},
        outbox_order_ref(order.shop, order.shop_order_id),
    )


def free_quantities(session: Session, sku_ids: Iterable[int]) -> dict[int, int]:
    """SKU id → free units (on hand − allocated at pickable locations), 0 for none."""
    wanted = sorted(set(sku_ids))
    rows = session.execute(
        select(col(Stock.sku_id), func.sum(Stock.on_hand - Stock.allocated))
        .join(Location, col(Location.id) == Stock.location_id)
        .where(col(Location.pickable).is_(True), col(Stock.sku_id).in_(wanted))
        .group_by(col(Stock.sku_id))
    ).all()
    found = {sku_id: int(total or 0) for sku_id, total in rows}
    return {sku_id: found.get(sku_id, 0) for sku_id in wanted}


def stock_ref(shop: str, sku: str) -> str:
    """The outbox's order for a SKU's `stock` events: they go to the shop in the order they
    were written, and one a later one supersedes is not sent (sync/outbox.py)."""
    return outbox_order_ref(shop, f"stock:{sku}")


def announce_stock(session: Session, sku_ids: Iterable[int], shop: str = "") -> None:
    """A `stock` event per SKU with its free quantity now, for every shop (or `shop` when no
    shop is registered)."""
    session.flush()
    shops = list(session.execute(select(col(Shop.code)).order_by(Shop.code)).scalars()) or [shop]
    for sku_id, free in free_quantities(session, sku_ids).items():
        code = session.get_one(Sku, sku_id).code
        # The latest ledger move makes each state its own event: 5 → 6 → 5 sends three.
        as_of = session.execute(
            select(func.max(StockMove.id)).where(col(StockMove.sku_id) == sku_id)
        ).scalar()
        for each in shops:
            if each:
                payload = {"sku": code, "free": free, "as_of": as_of or 0}
                _add(session, each, "stock", payload, stock_ref(each, code))
