"""Cancelling an order and intercepting a released one: reserved stock given back once.

See the package docstring for the intercept's life."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session, col

from warehouse_tui.domain.barcodes import ScanKind, format_label
from warehouse_tui.i18n import _
from warehouse_tui.services.journal import Actor, record
from warehouse_tui.services.orders.giveback import (
    cancel_open_stops,
    give_back_unpicked,
    release_allocations,
)
from warehouse_tui.services.orders.parcels import parcels_of
from warehouse_tui.services.orders.restock import apply_pending, open_restock_tasks
from warehouse_tui.services.orders.show import find_order
from warehouse_tui.services.orders.versions import OrderVersion, newest_version
from warehouse_tui.services.putback import (
    put_back_picked,
)
from warehouse_tui.services.results import Refusal, ServiceResult
from warehouse_tui.services.roles import SUPERVISORS, role_refusal
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import (
    Allocation,
    Order,
    OrderLine,
    OrderStatus,
    ParcelStatus,
    PickStop,
    PickTask,
    utcnow,
)

BEFORE_RELEASE = frozenset({OrderStatus.NEW, OrderStatus.HELD, OrderStatus.READY})


AFTER_RELEASE = frozenset({OrderStatus.RELEASED, OrderStatus.PICKED, OrderStatus.PACKED})


FINAL = frozenset({OrderStatus.SHIPPED, OrderStatus.CANCELLED})


@dataclass(frozen=True)
class OrderResult(ServiceResult):
    """What a cancellation, hold, release or restock did; `reason` says why when it was
    refused, `hold_reason` why the order is held when it is."""

    order_id: int | None = None
    status: str = ""
    intercepted: bool = False
    hold_reason: str = ""


def _result(order: Order) -> OrderResult:
    return OrderResult(True, "", order.id, order.status, order.intercepted)


def cancel_order(store: Store, actor: Actor, ref: str) -> OrderResult:
    """Cancel by hand: at once before release, as an intercept after it; refused once shipped.

    A picker may be confirming a stop of the order, or a packer closing its parcel, at the same
    moment: `_lock_for_cancel` makes the cancellation wait for them and then read what they
    left, so it gives back only what is still reserved (never twice) and a second cancellation
    is refused as one already done."""

    def work(session: Session) -> OrderResult:
        found = find_order(session, ref)
        order = _lock_for_cancel(session, found.id) if found and found.id else None
        role = role_refusal(session, actor, SUPERVISORS)
        refusal = role or _cancel_refusal(order)
        if order is None or refusal:
            order_id = order.id if order else None
            record(
                session,
                actor,
                "order-cancel",
                accepted=False,
                reason=refusal,
                raw=ref,
                order_id=order_id,
            )
            state = Refusal.NOT_FOUND if order is None else Refusal.WRONG_STATE
            return OrderResult(False, refusal, order_id, refusal=Refusal.ROLE if role else state)
        cancellation = OrderVersion(version=newest_version(order), cancelled=True)
        if order.intercepted or order.status in AFTER_RELEASE:
            intercept(session, actor, order, cancellation)
        else:
            cancel_before_release(session, actor, order)
        return _result(order)

    return store.transact(work)


def _lock_for_cancel(session: Session, order_id: int) -> Order | None:
    """Lock what a cancellation changes, in the floor's one lock order (picking/progress.py):
    the pick lists with a stop of the order (a picker's confirmation holds its list), the
    parcels of the order or holding its items, then the order itself, read afresh."""
    allocations = (
        select(col(Allocation.id))
        .join(OrderLine, col(OrderLine.id) == Allocation.order_line_id)
        .where(col(OrderLine.order_id) == order_id)
    )
    session.execute(
        select(col(PickTask.id))
        .join(PickStop, col(PickStop.task_id) == PickTask.id)
        .where((col(PickStop.order_id) == order_id) | col(PickStop.allocation_id).in_(allocations))
        .order_by(col(PickTask.id))
        .with_for_update(of=PickTask)
    ).all()
    parcels_of(session, order_id, [ParcelStatus.OPEN, ParcelStatus.CLOSED])
    return session.get(Order, order_id, with_for_update=True, populate_existing=True)


def _cancel_refusal(order: Order | None) -> str:
    if order is None:
        return _("No such order")
    if order.status == OrderStatus.SHIPPED:
        return _("This order has already shipped")
    if order.status == OrderStatus.CANCELLED or (
        order.pending is not None and order.pending.get("cancelled")
    ):
        return _("This order is already cancelled")
    return ""


def cancel_before_release(session: Session, actor: Actor, order: Order) -> None:
    """An order not yet released is simply cancelled (any stock it held is given back)."""
    assert order.id is not None
    release_allocations(session, [order.id])
    order.status = OrderStatus.CANCELLED
    order.wave_id = None
    order.updated_at = utcnow()
    record(
        session,
        actor,
        "order-cancel",
        order_id=order.id,
        task_ref=format_label(ScanKind.ORDER, order.id),
    )


def intercept(session: Session, actor: Actor, order: Order, pending: OrderVersion) -> None:
    """Stop a released order: keep `pending` beside it, give back what it still had reserved,
    cancel its open pick stops, and turn what was already picked into restock tasks. With
    nothing picked there is nothing to restock, and `pending` applies at once.

    An order already intercepted only has its waiting version replaced: its stock and tasks
    were dealt with the first time."""
    assert order.id is not None
    first_time = not order.intercepted
    order.intercepted = True
    order.pending = pending.to_pending()
    order.updated_at = utcnow()
    raw = "cancelled" if pending.cancelled else f"version {pending.version}"
    record(
        session,
        actor,
        "intercept",
        order_id=order.id,
        task_ref=format_label(ScanKind.ORDER, order.id),
        raw=raw,
    )
    if first_time:
        allocation_ids = give_back_unpicked(session, order.id)
        cancel_open_stops(session, order.id, allocation_ids)
        put_back_picked(session, order, reason="intercept", on_allocations=True)
    if not open_restock_tasks(session, order.id):
        apply_pending(session, actor, order)
