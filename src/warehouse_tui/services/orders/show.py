"""Finding an order by any of its references and showing it (`order show`, `status`).

What is shown is read by store/order_view.py in plain SQL, the same reads the command line
runs before anything heavy is imported; here they run on the store's pooled connection."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from warehouse_tui.domain import states
from warehouse_tui.store import order_view
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import Order, OrderStatus
from warehouse_tui.store.order_view import LARGEST_ID
from warehouse_tui.store.prepared import fast_read


def find_order(session: Session, ref: str) -> Order | None:
    """The order `ref` names: an internal id ("123"), an order label ("ORD-123"), or the shop's
    own number ("SHOP:SHOP_ORDER_ID"). An import's orders not yet complete name nothing."""
    ref = ref.strip()
    digits = ref[4:] if ref.upper().startswith("ORD-") else ref
    order: Order | None = None
    if digits.isascii() and digits.isdigit():
        order = session.get(Order, int(digits)) if int(digits) <= LARGEST_ID else None
    else:
        shop, colon, shop_order_id = ref.partition(":")
        if colon:
            order = session.execute(
                select(Order).where(
                    col(Order.shop) == shop, col(Order.shop_order_id) == shop_order_id
                )
            ).scalar()
    return None if order is None or order.status is OrderStatus.IMPORTING else order


def order_summary(store: Store, ref: str) -> dict[str, Any] | None:
    """`order show --json`: the order, its lines with how far each got, its parcels and its
    journal. None when `ref` names no order."""
    with fast_read(store) as tx:
        return order_view.order_summary(order_view.rows_on(tx.driver, qmark=store.is_sqlite), ref)


def intercept_reason(order: Order) -> str:
    """Why a released order is stopped at the pack station, in the operator's language; ""
    when it is not intercepted."""
    return states.intercept_reason(order.intercepted, order.pending, order.shop_version)


def status_counts(store: Store) -> dict[str, dict[str, int]]:
    """How many orders and waves are in each state; every state present, zeros included."""
    with fast_read(store) as tx:
        return order_view.status_counts(order_view.rows_on(tx.driver, qmark=store.is_sqlite))
