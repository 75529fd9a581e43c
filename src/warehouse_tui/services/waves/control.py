"""A supervisor's hand on a released wave: pause, resume, cancel.

Each is one transaction on one wave, allowed from some states only and journaled either way;
`_on_wave` is that frame, and each action says only which states allow it and what it does.

A wave is changed while pickers confirm its stops. The frame first locks the wave's pick lists
(each picker's step holds its list's lock while it confirms), then the wave: a cancellation
waits for a confirmation in progress and then gives back only what is still reserved, read
under lock, so the stock's `allocated` never drops twice; a picker who comes after finds the
list cancelled. The locks follow the floor's one order (pick list, then the rest, then the
wave: picking/progress.py), and a transaction PostgreSQL aborts as a deadlock runs again.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

from sqlalchemy import func, select, text
from sqlmodel import Session, col

from warehouse_tui.domain.refs import Ref
from warehouse_tui.i18n import _
from warehouse_tui.services.journal import Actor, record
from warehouse_tui.services.putback import put_back_picked
from warehouse_tui.services.results import Refusal, ServiceResult
from warehouse_tui.services.roles import SUPERVISORS, role_refusal
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import (
    Allocation,
    Order,
    OrderLine,
    OrderStatus,
    PickTask,
    TaskStatus,
    Wave,
    WaveStatus,
    utcnow,
)

_PAUSABLE = (WaveStatus.RELEASED, WaveStatus.PICKING)
_CANCELLABLE = (WaveStatus.PLANNED, WaveStatus.RELEASED, WaveStatus.PAUSED, WaveStatus.PICKING)


@dataclass(frozen=True)
class WaveResult(ServiceResult):
    status: str = ""


def pause_wave(store: Store, actor: Actor, wave_id: int) -> WaveResult:
    """No new pick list of a paused wave can be claimed; claimed ones finish."""
    return _on_wave(store, actor, "wave-pause", wave_id, _PAUSABLE, _paused)


def resume_wave(store: Store, actor: Actor, wave_id: int) -> WaveResult:
    """Back to `picking` if any pick list was started, else `released`."""
    return _on_wave(store, actor, "wave-resume", wave_id, (WaveStatus.PAUSED,), _resumed)


def cancel_wave(store: Store, actor: Actor, wave_id: int) -> WaveResult:
    """Give back every unpicked allocation; orders with nothing picked go back to `ready`;
    what was picked (in totes, slots or on a batch cart) becomes put-back work, and its orders
    are held, with the reason, for the supervisor to release."""
    return _on_wave(store, actor, "wave-cancel", wave_id, _CANCELLABLE, _cancelled)


def _on_wave(
    store: Store,
    actor: Actor,
    action: str,
    wave_id: int,
    allowed: Collection[WaveStatus],
    change: Callable[[Session, Wave], WaveStatus],
) -> WaveResult:
    """One action on a wave in one write transaction: refused unless the wave is in an
    `allowed` state; else `change` does its work and names the wave's new state. Journaled
    with its outcome either way."""

    def work(session: Session) -> WaveResult:
        refusal = role_refusal(session, actor, SUPERVISORS)
        if refusal:
            record(
                session,
                actor,
                action,
                accepted=False,
                reason=refusal,
                task_ref=Ref.WAVE.of(wave_id),
            )
            return WaveResult(False, refusal, refusal=Refusal.ROLE)
        session.execute(
            select(col(PickTask.id))
            .where(col(PickTask.wave_id) == wave_id)
            .order_by(col(PickTask.id))
            .with_for_update()
        ).all()
        wave = session.get(Wave, wave_id, with_for_update=True)
        if wave is None or wave.status not in allowed:
            return _refuse(session, actor, action, wave_id, wave)
        wave.status = change(session, wave)
        record(session, actor, action, task_ref=Ref.WAVE.of(wave_id))
        return WaveResult(True, status=wave.status)

    return store.transact(work)


def _refuse(
    session: Session, actor: Actor, action: str, wave_id: int, wave: Wave | None
) -> WaveResult:
    if wave is None:
        reason, kind = _("No such wave: {id}").format(id=wave_id), Refusal.NOT_FOUND
    else:
        reason = _("Wave {id} is {status}: not possible now").format(id=wave_id, status=wave.status)
        kind = Refusal.WRONG_STATE
    record(session, actor, action, accepted=False, reason=reason, task_ref=Ref.WAVE.of(wave_id))
    return WaveResult(False, reason, wave.status if wave else "", refusal=kind)


def _paused(session: Session, wave: Wave) -> WaveStatus:
    return WaveStatus.PAUSED


def _resumed(session: Session, wave: Wave) -> WaveStatus:
    started = session.execute(
        select(func.count())
        .select_from(PickTask)
        .where(col(PickTask.wave_id) == wave.id, col(PickTask.status) != TaskStatus.OPEN)
    ).scalar_one()
    return WaveStatus.PICKING if started else WaveStatus.RELEASED


def _cancelled(session: Session, wave: Wave) -> WaveStatus:
    assert wave.id is not None
    _release_allocations(session, wave.id)
    session.execute(
        text("UPDATE picktask SET status = :cancelled WHERE wave_id = :wave AND status != :done"),
        {
            "cancelled": TaskStatus.CANCELLED.value,
            "done": TaskStatus.DONE.value,
            "wave": wave.id,
        },
    )
    _return_orders(session, wave.id)
    return WaveStatus.CANCELLED


def _release_allocations(session: Session, wave_id: int) -> None:
    """Give back what the wave's allocations still reserve, read under their locks."""
    rows = session.execute(
        select(
            col(Allocation.id),
            col(Allocation.stock_id),
            col(Allocation.qty) - col(Allocation.picked),
        )
        .join(OrderLine, col(OrderLine.id) == Allocation.order_line_id)
        .join(Order, col(Order.id) == OrderLine.order_id)
        .where(col(Order.wave_id) == wave_id, col(Allocation.qty) > Allocation.picked)
        .order_by(col(Allocation.id))
        .with_for_update(of=Allocation)
    ).all()
    for allocation_id, stock_id, unpicked in rows:
        session.execute(
            text("UPDATE stock SET allocated = allocated - :q WHERE id = :id"),
            {"q": unpicked, "id": stock_id},
        )
        session.execute(
            text("UPDATE allocation SET qty = picked WHERE id = :id"), {"id": allocation_id}
        )


def _return_orders(session: Session, wave_id: int) -> None:
    picked = set(
        session.execute(
            select(col(OrderLine.order_id))
            .join(Order, col(Order.id) == OrderLine.order_id)
            .join(Allocation, col(Allocation.order_line_id) == OrderLine.id)
            .where(col(Order.wave_id) == wave_id, col(Allocation.picked) > 0)
        ).scalars()
    )
    orders = session.execute(
        select(Order).where(
            col(Order.wave_id) == wave_id, col(Order.status) == OrderStatus.RELEASED
        )
    ).scalars()
    now = utcnow()
    for order in orders:
        order.updated_at = now
        if order.id in picked:
            put_back_picked(session, order, reason=Ref.WAVE.of(wave_id), on_allocations=False)
            order.status = OrderStatus.HELD
            order.wave_id = None
            order.hold_reason = _("wave {id} cancelled after picking: put the items back").format(
                id=wave_id
            )
        else:
            order.status = OrderStatus.READY
            order.wave_id = None
