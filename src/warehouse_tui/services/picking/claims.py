"""Who holds a pick list: claim, heartbeat, pause and resume, and a supervisor's release.

A claim is a compare-and-set (`UPDATE … WHERE claimed_by IS NULL`, rowcount checked), safe on
SQLite and PostgreSQL alike, so two handhelds asking at once never get the same list. A claimed
list's handheld renews a lease (`heartbeat_at`); a supervisor may free a list whose lease ran
out (`claim_lease_s`), and the next picker takes over the same cart at the same stop.

Every action a picker takes on a list they hold is one write transaction that first checks the
list is still theirs and ends with one journal row saying how it went: `on_held_task` is that
frame, and pause, resume, scans, quantities and short picks each bring only their own step.

Each runs through `Store.transact`, so a transaction PostgreSQL aborts as a deadlock (a picker
confirming a stop while a supervisor cancels its order) runs again instead of reaching the
handheld. Claims of one operator are serialised on the operator's row, so two handhelds
logged in as the same picker never come to hold two lists.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Generic, Protocol, TypeVar

from sqlalchemy import update
from sqlmodel import Session, col, select

from warehouse_tui.domain.refs import Ref
from warehouse_tui.i18n import _
from warehouse_tui.services.journal import Actor, record
from warehouse_tui.services.lookup import parse_in_store
from warehouse_tui.services.picking.results import ActionResult, ReleasedClaims
from warehouse_tui.services.picking.totes import bind_tote, next_unbound_order
from warehouse_tui.services.picking.views import HELD_TASK, TaskView, task_view_of
from warehouse_tui.services.results import Refusal, ServiceResult
from warehouse_tui.services.settings import get_setting
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import (
    Operator,
    PickTask,
    Role,
    TaskStatus,
    Wave,
    WaveStatus,
    utcnow,
)

_UNCLAIMED = {
    "claimed_by": None,
    "claimed_at": None,
    "heartbeat_at": None,
    "status": TaskStatus.OPEN,
}


OutcomeT = TypeVar("OutcomeT", bound=ServiceResult)
OutcomeT_co = TypeVar("OutcomeT_co", bound=ServiceResult, covariant=True)


class Refused(Protocol[OutcomeT_co]):
    """A picking result's constructor, as the frame calls it for a refusal."""

    def __call__(self, accepted: bool, reason: str, *, refusal: Refusal | None) -> OutcomeT_co: ...


@dataclass(frozen=True)
class Done(Generic[OutcomeT]):
    """A step's result, and what its journal row adds to it."""

    outcome: OutcomeT
    order_id: int | None = None
    note: str = ""
    """The accepted row's reason (what a short pick found missing); a refusal's is its reason."""
    journaled: bool = False
    """The step wrote its own row (a tote bound onto the cart is journaled as pick.tote)."""
    keyed: bool = False
    """Units counted from a code keyed in or a typed quantity, not a barcode scanned."""
    authorised_by: int | None = None
    """The supervisor whose badge and PIN let the step through."""


def on_held_task(
    store: Store,
    actor: Actor,
    action: str,
    task_id: int,
    step: Callable[[Session, PickTask], Done[OutcomeT]],
    refused: Refused[OutcomeT],
    *,
    raw: str = "",
    allow_paused: bool = False,
    guard: Callable[[Session], str] | None = None,
) -> OutcomeT:
    """One picker's action on the list they hold, in one write transaction, journaled as
    `action` with its outcome.

    `guard` runs first and journals its own refusal (a double trigger); then the list must be
    this operator's (claimed, or paused where `allow_paused`), else it is refused with why and
    its kind; then `step` does the work on the locked list. A guard that let the scan pass is
    not asked again if the transaction runs again: it noted the scan's arrival once."""
    guard_passed = False

    def work(session: Session) -> OutcomeT:
        nonlocal guard_passed
        if guard is not None and not guard_passed:
            refusal = guard(session)
            if refusal:
                return refused(False, refusal, refusal=Refusal.DOUBLE_TRIGGER)
            guard_passed = True
        task, refusal, kind = _own_task(session, actor, task_id, allow_paused=allow_paused)
        if task is None:
            record(
                session,
                actor,
                action,
                accepted=False,
                reason=refusal,
                raw=raw,
                task_ref=Ref.PICK.of(task_id),
            )
            return refused(False, refusal, refusal=kind)
        done = step(session, task)
        if not done.journaled:
            accepted = done.outcome.accepted
            record(
                session,
                actor,
                action,
                accepted=accepted,
                reason=done.note if accepted else done.outcome.reason,
                raw=raw,
                task_ref=Ref.PICK.of(task.id),
                order_id=done.order_id,
                keyed=done.keyed and accepted,
                authorised_by=done.authorised_by,
            )
        return done.outcome

    return store.transact(work)


def _own_task(
    session: Session, actor: Actor, task_id: int, *, allow_paused: bool
) -> tuple[PickTask | None, str, Refusal | None]:
    """The task, locked, if this operator holds it; else None, why not, and its kind."""
    task = session.get(PickTask, task_id, with_for_update=True)
    if task is None:
        return None, _("No such pick list"), Refusal.NOT_FOUND
    if task.status == TaskStatus.DONE:
        return None, _("This pick list is complete"), Refusal.WRONG_STATE
    if task.claimed_by != actor.operator_id or task.status not in HELD_TASK:
        return None, _("This pick list is no longer yours — claim the next one"), Refusal.TAKEN
    if task.status == TaskStatus.PAUSED and not allow_paused:
        return None, _("This pick list is paused — resume it first"), Refusal.WRONG_STATE
    return task, "", None


# --- claiming ---------------------------------------------------------------------------------


def claim_next_task(
    store: Store, actor: Actor, cart_totes: Sequence[str] | None = None
) -> TaskView | None:
    """The operator's held pick list, else the next open one, claimed by compare-and-set.

    `cart_totes` are empty totes already on the cart, bound to the list's orders in route
    order; orders left without one are asked for by scan (Expect.EMPTY_TOTE)."""

    def work(session: Session) -> TaskView | None:
        # One operator's claims one at a time: the held list is looked for under this lock.
        # NO KEY UPDATE, so the journal rows other stations write for this operator (their
        # foreign key takes KEY SHARE on it) never wait for it, and never deadlock with it.
        if actor.operator_id is not None:
            session.get(Operator, actor.operator_id, with_for_update={"key_share": True})
        task = _held_task(session, actor)
        if task is not None:
            if task.status == TaskStatus.PAUSED:
                task.status = TaskStatus.CLAIMED
                record(session, actor, "pick.resume", task_ref=Ref.PICK.of(task.id))
            task.heartbeat_at = utcnow()
        else:
            task = _claim_free_task(session, actor)
            if task is None:
                record(
                    session,
                    actor,
                    "pick.claim",
                    accepted=False,
                    reason=_("No pick list is waiting"),
                )
                return None
        for code in cart_totes or ():
            unbound = next_unbound_order(session, task)
            if unbound is None:
                break
            bind_tote(session, actor, task, unbound, parse_in_store(session, code))
        return task_view_of(session, task)

    return store.transact(work)


def held_task(store: Store, actor: Actor) -> TaskView | None:
    """The pick list this operator holds (claimed or paused), without claiming anything."""
    with store.read() as session:
        task = _held_task(session, actor)
        return task_view_of(session, task) if task is not None else None


def _held_task(session: Session, actor: Actor) -> PickTask | None:
    return session.exec(
        select(PickTask)
        .where(PickTask.claimed_by == actor.operator_id, col(PickTask.status).in_(HELD_TASK))
        .order_by(col(PickTask.id))
    ).first()


def _claim_free_task(session: Session, actor: Actor) -> PickTask | None:
    candidates = session.exec(
        select(PickTask.id)
        .join(Wave, col(Wave.id) == PickTask.wave_id)
        .where(
            PickTask.status == TaskStatus.OPEN,
            col(PickTask.claimed_by).is_(None),
            col(Wave.status).in_((WaveStatus.RELEASED, WaveStatus.PICKING)),
        )
        .order_by(col(Wave.id), col(PickTask.id))
    ).all()
    now = utcnow()
    for task_id in candidates:
        claimed = session.exec(
            update(PickTask)
            .where(
                col(PickTask.id) == task_id,
                col(PickTask.claimed_by).is_(None),
                col(PickTask.status) == TaskStatus.OPEN,
            )
            .values(
                claimed_by=actor.operator_id,
                claimed_at=now,
                heartbeat_at=now,
                status=TaskStatus.CLAIMED,
            )
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:
            continue  # another terminal took it between our read and our write
        task = session.get(PickTask, task_id, populate_existing=True)
        assert task is not None
        session.exec(
            update(Wave)
            .where(col(Wave.id) == task.wave_id, col(Wave.status) == WaveStatus.RELEASED)
            .values(status=WaveStatus.PICKING)
            .execution_options(synchronize_session=False)
        )
        record(session, actor, "pick.claim", task_ref=Ref.PICK.of(task.id))
        return task
    return None


def heartbeat(store: Store, actor: Actor, task_id: int) -> ActionResult:
    """Renew the claim's lease. Only a lost claim is journaled (a heartbeat is not an action)."""

    def work(session: Session) -> ActionResult:
        renewed = session.exec(
            update(PickTask)
            .where(
                col(PickTask.id) == task_id,
                col(PickTask.claimed_by) == actor.operator_id,
                col(PickTask.status).in_(HELD_TASK),
            )
            .values(heartbeat_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        if renewed.rowcount == 1:
            return ActionResult(True)
        reason = _("This pick list is no longer yours — a supervisor released it")
        record(
            session,
            actor,
            "pick.heartbeat",
            accepted=False,
            reason=reason,
            task_ref=Ref.PICK.of(task_id),
        )
        return ActionResult(False, reason, refusal=Refusal.TAKEN)

    # --- pause and resume -------------------------------------------------------------------------

    return store.transact(work)


def pause_task(store: Store, actor: Actor, task_id: int) -> ActionResult:
    return on_held_task(store, actor, "pick.pause", task_id, _pause, ActionResult)


def resume_task(store: Store, actor: Actor, task_id: int) -> ActionResult:
    return on_held_task(
        store, actor, "pick.resume", task_id, _resume, ActionResult, allow_paused=True
    )


def _pause(session: Session, task: PickTask) -> Done[ActionResult]:
    task.status = TaskStatus.PAUSED
    task.heartbeat_at = utcnow()
    return Done(ActionResult(True, message=_("Paused — your pick list waits for you")))


def _resume(session: Session, task: PickTask) -> Done[ActionResult]:
    if task.status != TaskStatus.PAUSED:
        not_paused = _("This pick list is not paused")
        return Done(ActionResult(False, not_paused, refusal=Refusal.WRONG_STATE))
    task.status = TaskStatus.CLAIMED
    task.heartbeat_at = utcnow()
    return Done(ActionResult(True, message=_("Resumed")))


# --- a supervisor's release -------------------------------------------------------------------


def release_stale_claims(
    store: Store, actor: Actor, older_than_s: float | None = None
) -> ReleasedClaims:
    """A supervisor frees claims whose heartbeat stopped (default: the claim_lease_s setting).
    Progress stays: the next picker takes over the same cart at the same stop."""

    def work(session: Session) -> ReleasedClaims:
        refusal = _not_supervisor(session, actor)
        if refusal:
            record(session, actor, "pick.release-stale", accepted=False, reason=refusal)
            return ReleasedClaims(False, refusal, refusal=Refusal.ROLE)
        lease = older_than_s if older_than_s is not None else get_setting(session, "claim_lease_s")
        cutoff = utcnow() - timedelta(seconds=float(lease))
        stale = session.exec(
            select(PickTask.id).where(
                PickTask.status == TaskStatus.CLAIMED, col(PickTask.heartbeat_at) < cutoff
            )
        ).all()
        released: list[int] = []
        for task_id in stale:
            assert task_id is not None  # a primary key: the model types it optional until saved
            freed = session.exec(
                update(PickTask)
                .where(
                    col(PickTask.id) == task_id,
                    col(PickTask.status) == TaskStatus.CLAIMED,
                    col(PickTask.heartbeat_at) < cutoff,
                )
                .values(**_UNCLAIMED)
                .execution_options(synchronize_session=False)
            )
            if freed.rowcount == 1:
                released.append(task_id)
                record(session, actor, "pick.release-stale", task_ref=Ref.PICK.of(task_id))
        return ReleasedClaims(True, task_ids=tuple(released))

    return store.transact(work)


def release_claim(store: Store, actor: Actor, task_id: int) -> ActionResult:
    """A supervisor frees one claimed or paused pick list."""

    def work(session: Session) -> ActionResult:
        refusal = _not_supervisor(session, actor)
        kind = Refusal.ROLE
        task = session.get(PickTask, task_id, with_for_update=True)
        if not refusal and (task is None or task.status not in HELD_TASK):
            refusal, kind = _("This pick list is not claimed"), Refusal.WRONG_STATE
        if refusal:
            record(
                session,
                actor,
                "pick.release",
                accepted=False,
                reason=refusal,
                task_ref=Ref.PICK.of(task_id),
            )
            return ActionResult(False, refusal, refusal=kind)
        assert task is not None
        previous = task.claimed_by
        for key, value in _UNCLAIMED.items():
            setattr(task, key, value)
        record(session, actor, "pick.release", task_ref=Ref.PICK.of(task.id), raw=f"OP {previous}")
        return ActionResult(True, message=_("Pick list released"))

    return store.transact(work)


def _not_supervisor(session: Session, actor: Actor) -> str:
    operator = session.get(Operator, actor.operator_id) if actor.operator_id else None
    if operator is None or operator.role not in (Role.SUPERVISOR, Role.ADMIN):
        return _("Only a supervisor can release a claim")
    return ""
