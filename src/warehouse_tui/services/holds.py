"""Holding an order back by hand, and letting it go again.

A supervisor holds an order that must not go into a wave yet (an address to confirm, a buyer
on the phone): it is `held` with the reason given, and waves pass it by. Release sends a held
order back to `new` and runs the audit on it at once, in the same transaction, so it comes out
`ready` or `held` again with the audit's own reason (an unknown SKU, too little stock) — the
answer says which. Orders already in a wave are not held: pause or cancel the wave, or cancel
the order, instead.
"""

from __future__ import annotations

from sqlmodel import Session

from warehouse_tui.i18n import _
from warehouse_tui.services.audit import run_audit
from warehouse_tui.services.journal import Actor, record
from warehouse_tui.services.orders import OrderResult, find_order
from warehouse_tui.services.results import Refusal
from warehouse_tui.services.roles import SUPERVISORS, role_refusal
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import Order, OrderStatus

HOLD = "order.hold"
RELEASE = "order.release"
_HOLDABLE = (OrderStatus.NEW, OrderStatus.READY, OrderStatus.HELD)


def hold_order(store: Store, actor: Actor, ref: str, reason: str) -> OrderResult:
    """Hold an order that is not yet in a wave, with the reason everyone will see."""
    reason = reason.strip()
    with store.write() as session:
        order = find_order(session, ref)
        refusal, kind = _role_or_missing(session, actor, order)
        if not refusal and not reason:
            refusal, kind = _("Say why the order is held"), Refusal.BAD_INPUT
        if not refusal and order is not None and order.status not in _HOLDABLE:
            refusal = _(
                "Order is {status}: only orders not yet in a wave can be held — pause or cancel "
                "its wave, or cancel the order"
            ).format(status=order.status)
        if refusal or order is None:
            return _refused(session, actor, HOLD, ref, order, refusal, kind)
        order.status, order.hold_reason = OrderStatus.HELD, reason
        record(session, actor, HOLD, raw=ref, reason=reason, order_id=order.id)
        return OrderResult(True, order_id=order.id, status=order.status, hold_reason=reason)


def release_order(store: Store, actor: Actor, ref: str) -> OrderResult:
    """Let a held order go: back to `new`, audited at once; the result says where it landed
    (held again, with the audit's reason, when what held it is still true)."""
    with store.write() as session:
        order = find_order(session, ref)
        refusal, kind = _role_or_missing(session, actor, order)
        if not refusal and order is not None and order.status != OrderStatus.HELD:
            refusal = _("Order is {status}, not held").format(status=order.status)
        if refusal or order is None:
            return _refused(session, actor, RELEASE, ref, order, refusal, kind)
        order.status, order.hold_reason = OrderStatus.NEW, ""
        record(session, actor, RELEASE, raw=ref, order_id=order.id)
        run_audit(session, actor)
        session.refresh(order)
        return OrderResult(
            True, order_id=order.id, status=order.status, hold_reason=order.hold_reason
        )


def _role_or_missing(session: Session, actor: Actor, order: Order | None) -> tuple[str, Refusal]:
    """Why a supervisor's step on `order` cannot even start, and its kind; the kind of a later
    refusal (wrong state) when it can."""
    refusal = role_refusal(session, actor, SUPERVISORS)
    if refusal:
        return refusal, Refusal.ROLE
    if order is None:
        return _("No such order"), Refusal.NOT_FOUND
    return "", Refusal.WRONG_STATE


def _refused(
    session: Session,
    actor: Actor,
    action: str,
    ref: str,
    order: Order | None,
    reason: str,
    kind: Refusal,
) -> OrderResult:
    order_id = order.id if order is not None else None
    record(session, actor, action, accepted=False, reason=reason, raw=ref, order_id=order_id)
    return OrderResult(False, reason, order_id, refusal=kind)
