"""Put-back work of an intercepted order settled, and its waiting version applied."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlmodel import Session, col

from warehouse_tui.domain.barcodes import ScanKind, format_label
from warehouse_tui.domain.refs import Ref
from warehouse_tui.i18n import _
from warehouse_tui.services.journal import Actor, record
from warehouse_tui.services.orders.giveback import drop_allocations
from warehouse_tui.services.orders.parcels import (
    free_totes_and_slots,
    leave_merge_group,
    void_parcels_of,
)
from warehouse_tui.services.orders.show import find_order
from warehouse_tui.services.orders.versions import LINES, OrderVersion, replace_versions
from warehouse_tui.services.putback import (
    PUT_BACK,
    free_emptied_place,
    origin,
    return_units,
)
from warehouse_tui.services.results import Refusal, ServiceResult
from warehouse_tui.services.roles import SUPERVISORS, role_refusal
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import (
    FloorTask,
    Order,
    OrderStatus,
    ParcelLine,
    utcnow,
)

RESTOCK = PUT_BACK


def open_restock_tasks(session: Session, order_id: int) -> int:
    count: int = session.execute(
        select(func.count())
        .select_from(FloorTask)
        .where(
            col(FloorTask.order_id) == order_id,
            col(FloorTask.kind) == RESTOCK,
            col(FloorTask.status) == "open",
        )
    ).scalar_one()
    return count


@dataclass(frozen=True)
class RestockResult(ServiceResult):
    """A restock task done; `applied` when it was the order's last and its waiting version
    (or cancellation) has now taken effect."""

    order_id: int | None = None
    applied: bool = False
    status: str = ""


def complete_restock(store: Store, actor: Actor, task_id: int) -> RestockResult:
    """Every unit still owed by one put-back task is back at the location it came from (a desk
    confirms it): stock returns to its lot, and an intercepted order's waiting version applies
    once its last put-back task is done."""
    with store.write() as session:
        task = session.get(FloorTask, task_id)
        order_id = task.order_id if task else None
        # Lock the order first: two operators finishing its last two tasks at once must not
        # both see the other's task still open.
        order = session.get(Order, order_id, with_for_update=True) if order_id else None
        refusal, kind = _restock_refusal(session, actor, task)
        if refusal:
            record(
                session,
                actor,
                RESTOCK,
                accepted=False,
                reason=refusal,
                raw=str(task_id),
                task_ref=Ref.TASK.of(task_id),
                order_id=order_id,
            )
            return RestockResult(False, refusal, order_id, refusal=kind)
        assert task is not None
        record(
            session,
            actor,
            RESTOCK,
            order_id=order_id,
            raw=str(task_id),
            task_ref=Ref.TASK.of(task_id),
        )
        applied = settle_put_back(session, actor, task)
        return RestockResult(True, "", order_id, applied, order.status if order else "")


def _restock_refusal(
    session: Session, actor: Actor, task: FloorTask | None
) -> tuple[str, Refusal | None]:
    """Return what the task still owes to its own lot; why not, and its kind, when it cannot."""
    if task is None or task.kind != RESTOCK:
        return _("No such restock task"), Refusal.NOT_FOUND
    if task.status != "open":
        return _("This restock task is already done"), Refusal.WRONG_STATE
    came_from = origin(session, task)
    if came_from is None:
        return _("No location holds this SKU: put it back by scan"), Refusal.NOT_FOUND
    if not return_units(session, actor, task, came_from, task.qty - task.done_qty):
        return _("This restock task is already done"), Refusal.WRONG_STATE
    return "", None


def restock_order(store: Store, actor: Actor, ref: str) -> RestockResult:
    """A supervisor confirms every unit an intercepted order still owes is back where it came
    from: its put-back tasks are done at once, and its waiting version applies."""
    with store.write() as session:
        order = find_order(session, ref)
        order_id = order.id if order is not None else None
        kind: Refusal | None
        refusal, kind = role_refusal(session, actor, SUPERVISORS), Refusal.ROLE
        if not refusal and (order is None or not order.intercepted):
            refusal = _("This order is not intercepted")
            kind = Refusal.NOT_FOUND if order is None else Refusal.WRONG_STATE
        tasks = _open_put_backs(session, order_id) if order_id is not None else []
        all_or_none = session.begin_nested()
        for task in [] if refusal else tasks:
            refusal, kind = _restock_refusal(session, actor, task)
            if refusal:
                break
            record(
                session,
                actor,
                RESTOCK,
                order_id=order_id,
                raw=str(task.id),
                task_ref=Ref.TASK.of(task.id),
            )
            free_emptied_place(session, task.held_in)
        if refusal or order is None:
            all_or_none.rollback()
            record(
                session, actor, RESTOCK, accepted=False, reason=refusal, raw=ref, order_id=order_id
            )
            return RestockResult(False, refusal, order_id, refusal=kind)
        all_or_none.commit()
        if order.intercepted and not open_restock_tasks(session, order.id or 0):
            apply_pending(session, actor, order)
        return RestockResult(True, "", order.id, not order.intercepted, order.status)


def _open_put_backs(session: Session, order_id: int) -> list[FloorTask]:
    return list(
        session.execute(
            select(FloorTask)
            .where(
                col(FloorTask.order_id) == order_id,
                col(FloorTask.kind) == RESTOCK,
                col(FloorTask.status) == "open",
            )
            .order_by(col(FloorTask.id))
        ).scalars()
    )


def settle_put_back(session: Session, actor: Actor, task: FloorTask) -> bool:
    """After units of a put-back task went back: a finished task frees the tote or slot it
    emptied, and an intercepted order whose last task it was ends (its waiting version
    applies). True when the waiting version applied now."""
    if task.status != "done":
        return False
    free_emptied_place(session, task.held_in)
    if task.order_id is None:
        return False
    order = session.get(Order, task.order_id, with_for_update=True)
    if order is None or not order.intercepted or open_restock_tasks(session, task.order_id):
        return False
    apply_pending(session, actor, order)
    return True


def apply_pending(session: Session, actor: Actor, order: Order) -> None:
    """Everything picked is back: the waiting version replaces the old one, or it cancels."""
    assert order.id is not None and order.pending is not None
    pending = OrderVersion.from_pending(order.pending)
    order.intercepted = False
    order.pending = None
    order.wave_id = None
    order.updated_at = utcnow()
    if pending.cancelled:
        order.status = OrderStatus.CANCELLED
    session.flush()
    drop_allocations(session, [order.id])
    void_parcels_of(session, actor, order.id)
    leave_merge_group(session, actor, order)
    free_totes_and_slots(session, order.id)
    if pending.cancelled:
        session.execute(
            update(LINES).where(LINES.c.order_id == order.id).values(picked=0, packed=0)
        )
    else:
        old_lines = select(LINES.c.id).where(LINES.c.order_id == order.id)
        session.execute(delete(ParcelLine).where(col(ParcelLine.order_line_id).in_(old_lines)))
        replace_versions(session, [(order.id, pending)])
    session.refresh(order)
    record(
        session,
        actor,
        "intercept-applied",
        order_id=order.id,
        task_ref=format_label(ScanKind.ORDER, order.id),
        raw=order.status,
    )
