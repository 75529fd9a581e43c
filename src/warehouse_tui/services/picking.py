"""Picking on a handheld: claim a pick list, walk its stops, scan location → item → tote.

The step a picker is at lives in the database, so a terminal that drops its session comes back
at the same stop and the same step:

- a pick-by-order list whose orders have no tote yet first asks for one empty tote per order,
  bound in route order (the floor scans empty totes onto the cart);
- PickTask.current_stop is the seq of the stop the picker is at;
- PickStop.status is the step at that stop: "open" (scan the location), "at-location" (scan the
  items; PickStop.picked counts the units scanned so far), "to-tote" (all units in hand: scan the
  order's tote), then "done" or "short".

Stock, allocations and order lines change when a stop is confirmed (its tote scanned, or its
last unit on a batch pick), in the transaction of that scan. On a batch pick the order lines are
counted later, at the put wall.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from warehouse_tui.domain.barcodes import Scan, ScanKind
from warehouse_tui.i18n import _
from warehouse_tui.services.journal import Actor, record, refuse_double_trigger
from warehouse_tui.services.lookup import parse_in_store
from warehouse_tui.services.settings import get_setting
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import (
    Allocation,
    FloorTask,
    Location,
    Operator,
    Order,
    OrderLine,
    OrderStatus,
    PickStop,
    PickTask,
    Role,
    Sku,
    Stock,
    StockMove,
    Strategy,
    TaskStatus,
    Tote,
    Wave,
    WaveStatus,
    utcnow,
)


class StopState(StrEnum):
    OPEN = "open"
    AT_LOCATION = "at-location"
    TO_TOTE = "to-tote"
    DONE = "done"
    SHORT = "short"


FINISHED_STOPS = (StopState.DONE, StopState.SHORT)
HELD_TASK = (TaskStatus.CLAIMED, TaskStatus.PAUSED)
# A tote holding an order in one of these states is still in use.
TOTE_BUSY_ORDER_STATES = (OrderStatus.RELEASED, OrderStatus.PICKED)


class Expect(StrEnum):
    """What the picker scans next."""

    EMPTY_TOTE = "empty-tote"
    LOCATION = "location"
    ITEM = "item"
    TOTE = "tote"


_EXPECT_BY_STATE = {
    StopState.OPEN: Expect.LOCATION,
    StopState.AT_LOCATION: Expect.ITEM,
    StopState.TO_TOTE: Expect.TOTE,
}


@dataclass(frozen=True)
class StopView:
    """The stop a picker is at, as the handheld shows it."""

    task_id: int
    stop_id: int
    seq: int
    expect: Expect
    location_code: str
    sku_code: str
    sku_name: str
    qty: int
    picked: int
    tote_code: str | None
    order_ref: str | None
    typed_qty_allowed: bool
    done: int  # stops finished
    total: int  # stops on the list
    paused: bool
    bind_order_ref: str | None = None  # the order the next empty tote goes to
    totes_bound: int = 0
    totes_needed: int = 0

    @property
    def remaining(self) -> int:
        return self.qty - self.picked


@dataclass(frozen=True)
class TaskView:
    task_id: int
    wave_id: int
    strategy: str
    status: str
    route_m: float
    done: int
    total: int
    totes: tuple[tuple[str, str | None], ...]  # (order ref, tote code) in route order


@dataclass(frozen=True)
class ActionResult:
    accepted: bool
    reason: str = ""
    message: str = ""


@dataclass(frozen=True)
class ReleasedClaims:
    accepted: bool
    reason: str = ""
    task_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class ScanOutcome:
    accepted: bool
    reason: str = ""
    message: str = ""
    stop: StopView | None = None  # where the picker is now; None once the list is done
    task_done: bool = False


@dataclass(frozen=True)
class ShortOutcome:
    accepted: bool
    reason: str = ""
    message: str = ""
    moved_to: tuple[str, ...] = ()  # locations added to the route for the missing units
    unrecovered: int = 0  # units no location could give: recorded as a shortage
    stop: StopView | None = None


def order_ref(order_id: int) -> str:
    return f"ORD-{order_id}"


def task_ref(task: PickTask) -> str:
    return f"PICK-{task.id}"


# --- claims -----------------------------------------------------------------------------------


def claim_next_task(
    store: Store, actor: Actor, cart_totes: Sequence[str] | None = None
) -> TaskView | None:
    """The operator's held pick list, else the next open one, claimed by compare-and-set.

    `cart_totes` are empty totes already on the cart, bound to the list's orders in route
    order; orders left without one are asked for by scan (Expect.EMPTY_TOTE)."""
    with store.write() as session:
        task = _held_task(session, actor)
        if task is not None:
            if task.status == TaskStatus.PAUSED:
                task.status = TaskStatus.CLAIMED
                record(session, actor, "pick.resume", task_ref=task_ref(task))
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
            unbound = _next_unbound_order(session, task)
            if unbound is None:
                break
            _bind_tote(session, actor, task, unbound, parse_in_store(session, code))
        return _task_view(session, task)


def held_task(store: Store, actor: Actor) -> TaskView | None:
    """The pick list this operator holds (claimed or paused), without claiming anything."""
    with store.read() as session:
        task = _held_task(session, actor)
        return _task_view(session, task) if task is not None else None


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
        record(session, actor, "pick.claim", task_ref=task_ref(task))
        return task
    return None


def heartbeat(store: Store, actor: Actor, task_id: int) -> ActionResult:
    """Renew the claim's lease. Only a lost claim is journaled (a heartbeat is not an action)."""
    with store.write() as session:
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
            task_ref=f"PICK-{task_id}",
        )
        return ActionResult(False, reason)


def release_stale_claims(
    store: Store, actor: Actor, older_than_s: float | None = None
) -> ReleasedClaims:
    """A supervisor frees claims whose heartbeat stopped (default: the claim_lease_s setting).
    Progress stays: the next picker takes over the same cart at the same stop."""
    with store.write() as session:
        refusal = _not_supervisor(session, actor)
        if refusal:
            record(session, actor, "pick.release-stale", accepted=False, reason=refusal)
            return ReleasedClaims(False, refusal)
        lease = older_than_s if older_than_s is not None else get_setting(session, "claim_lease_s")
        cutoff = utcnow() - timedelta(seconds=float(lease))
        stale = session.exec(
            select(PickTask.id).where(
                PickTask.status == TaskStatus.CLAIMED, col(PickTask.heartbeat_at) < cutoff
            )
        ).all()
        released = []
        for task_id in stale:
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
                record(session, actor, "pick.release-stale", task_ref=f"PICK-{task_id}")
        return ReleasedClaims(True, task_ids=tuple(released))


def release_claim(store: Store, actor: Actor, task_id: int) -> ActionResult:
    """A supervisor frees one claimed or paused pick list."""
    with store.write() as session:
        refusal = _not_supervisor(session, actor)
        task = session.get(PickTask, task_id, with_for_update=True)
        if not refusal and (task is None or task.status not in HELD_TASK):
            refusal = _("This pick list is not claimed")
        if refusal:
            record(
                session,
                actor,
                "pick.release",
                accepted=False,
                reason=refusal,
                task_ref=f"PICK-{task_id}",
            )
            return ActionResult(False, refusal)
        assert task is not None
        previous = task.claimed_by
        for key, value in _UNCLAIMED.items():
            setattr(task, key, value)
        record(session, actor, "pick.release", task_ref=task_ref(task), raw=f"OP {previous}")
        return ActionResult(True, message=_("Pick list released"))


_UNCLAIMED = {
    "claimed_by": None,
    "claimed_at": None,
    "heartbeat_at": None,
    "status": TaskStatus.OPEN,
}


def _not_supervisor(session: Session, actor: Actor) -> str:
    operator = session.get(Operator, actor.operator_id) if actor.operator_id else None
    if operator is None or operator.role not in (Role.SUPERVISOR, Role.ADMIN):
        return _("Only a supervisor can release a claim")
    return ""


def pause_task(store: Store, actor: Actor, task_id: int) -> ActionResult:
    with store.write() as session:
        task, refusal = _own_task(session, actor, task_id, allow_paused=False)
        if task is None:
            return _refused_action(session, actor, "pick.pause", refusal, task_id)
        task.status = TaskStatus.PAUSED
        task.heartbeat_at = utcnow()
        record(session, actor, "pick.pause", task_ref=task_ref(task))
        return ActionResult(True, message=_("Paused — your pick list waits for you"))


def resume_task(store: Store, actor: Actor, task_id: int) -> ActionResult:
    with store.write() as session:
        task, refusal = _own_task(session, actor, task_id, allow_paused=True)
        if task is not None and task.status != TaskStatus.PAUSED:
            task, refusal = None, _("This pick list is not paused")
        if task is None:
            return _refused_action(session, actor, "pick.resume", refusal, task_id)
        task.status = TaskStatus.CLAIMED
        task.heartbeat_at = utcnow()
        record(session, actor, "pick.resume", task_ref=task_ref(task))
        return ActionResult(True, message=_("Resumed"))


def _refused_action(
    session: Session, actor: Actor, action: str, reason: str, task_id: int
) -> ActionResult:
    record(session, actor, action, accepted=False, reason=reason, task_ref=f"PICK-{task_id}")
    return ActionResult(False, reason)


def _own_task(
    session: Session, actor: Actor, task_id: int, *, allow_paused: bool
) -> tuple[PickTask | None, str]:
    """The task, locked, if this operator holds it; else None and why not."""
    task = session.get(PickTask, task_id, with_for_update=True)
    if task is None:
        return None, _("No such pick list")
    if task.status == TaskStatus.DONE:
        return None, _("This pick list is complete")
    if task.claimed_by != actor.operator_id or task.status not in HELD_TASK:
        return None, _("This pick list is no longer yours — claim the next one")
    if task.status == TaskStatus.PAUSED and not allow_paused:
        return None, _("This pick list is paused — resume it first")
    return task, ""


# --- views ------------------------------------------------------------------------------------


def current_stop(store: Store, task_id: int) -> StopView | None:
    """Where the list's picker is and what they scan next; None once the list is done."""
    with store.read() as session:
        task = session.get(PickTask, task_id)
        return _stop_view(session, task) if task is not None else None


def task_view(store: Store, task_id: int) -> TaskView | None:
    with store.read() as session:
        task = session.get(PickTask, task_id)
        return _task_view(session, task) if task is not None else None


def _stops(session: Session, task: PickTask) -> list[PickStop]:
    return list(
        session.exec(
            select(PickStop).where(PickStop.task_id == task.id).order_by(col(PickStop.seq))
        ).all()
    )


def _cart(session: Session, stops: list[PickStop]) -> list[tuple[int, str | None]]:
    """(order id, tote code or None) for each order of a pick-by-order list, in route order."""
    cart: dict[int, str | None] = {}
    for stop in stops:
        if stop.order_id is None:
            continue
        if cart.get(stop.order_id) is None:
            tote = session.get(Tote, stop.tote_id) if stop.tote_id else None
            cart[stop.order_id] = tote.code if tote else None
    return list(cart.items())


def _task_view(session: Session, task: PickTask) -> TaskView:
    assert task.id is not None
    stops = _stops(session, task)
    return TaskView(
        task_id=task.id,
        wave_id=task.wave_id,
        strategy=task.strategy,
        status=task.status,
        route_m=task.route_m,
        done=sum(stop.status in FINISHED_STOPS for stop in stops),
        total=len(stops),
        totes=tuple((order_ref(order_id), tote) for order_id, tote in _cart(session, stops)),
    )


def _stop_view(session: Session, task: PickTask) -> StopView | None:
    assert task.id is not None
    stops = _stops(session, task)
    current = next((stop for stop in stops if stop.status not in FINISHED_STOPS), None)
    if current is None:
        return None
    assert current.id is not None
    cart = _cart(session, stops)
    unbound = [order_id for order_id, tote in cart if tote is None]
    stock = session.get(Stock, current.stock_id)
    assert stock is not None
    location = session.get(Location, stock.location_id)
    sku = session.get(Sku, current.sku_id)
    assert location is not None and sku is not None
    tote = session.get(Tote, current.tote_id) if current.tote_id else None
    return StopView(
        task_id=task.id,
        stop_id=current.id,
        seq=current.seq,
        expect=Expect.EMPTY_TOTE if unbound else _EXPECT_BY_STATE[StopState(current.status)],
        location_code=location.code,
        sku_code=sku.code,
        sku_name=sku.name,
        qty=current.qty,
        picked=current.picked,
        tote_code=tote.code if tote else None,
        order_ref=order_ref(current.order_id) if current.order_id else None,
        typed_qty_allowed=sku.typed_qty_allowed,
        done=sum(stop.status in FINISHED_STOPS for stop in stops),
        total=len(stops),
        paused=task.status == TaskStatus.PAUSED,
        bind_order_ref=order_ref(unbound[0]) if unbound else None,
        totes_bound=len(cart) - len(unbound),
        totes_needed=len(cart),
    )


# --- totes onto the cart ----------------------------------------------------------------------


def _next_unbound_order(session: Session, task: PickTask) -> int | None:
    """The first order (in route order) of a pick-by-order list that has no tote yet."""
    return session.exec(
        select(PickStop.order_id)
        .where(
            PickStop.task_id == task.id,
            col(PickStop.tote_id).is_(None),
            col(PickStop.order_id).is_not(None),
        )
        .group_by(col(PickStop.order_id))
        .order_by(func.min(PickStop.seq))
    ).first()


def _bind_tote(session: Session, actor: Actor, task: PickTask, order_id: int, scan: Scan) -> str:
    """Bind the scanned empty tote to `order_id`; the refusal reason, or "" when bound."""
    reason = ""
    if not scan.valid:
        reason = scan.error or _("Unreadable scan — scan again")
    elif scan.kind != ScanKind.TOTE:
        reason = _("Scan an empty tote for {order}").format(order=order_ref(order_id))
    tote = None if reason else _tote_for(session, f"TOTE-{scan.code}")
    if tote is not None and tote.order_id is not None and tote.order_id != order_id:
        holder = session.get(Order, tote.order_id)
        if holder is not None and holder.status in TOTE_BUSY_ORDER_STATES:
            reason = _("{tote} still holds {order} — take an empty tote").format(
                tote=tote.code, order=order_ref(tote.order_id)
            )
    if reason or tote is None:
        record(
            session,
            actor,
            "pick.tote",
            accepted=False,
            reason=reason,
            raw=scan.raw,
            task_ref=task_ref(task),
            order_id=order_id,
        )
        return reason
    tote.order_id = order_id
    tote.task_id = task.id
    session.exec(
        update(PickStop)
        .where(col(PickStop.task_id) == task.id, col(PickStop.order_id) == order_id)
        .values(tote_id=tote.id)
        .execution_options(synchronize_session="fetch")
    )
    record(session, actor, "pick.tote", raw=scan.raw, task_ref=task_ref(task), order_id=order_id)
    return ""


def _tote_for(session: Session, code: str) -> Tote:
    """The tote with this label, registered on first use (totes are labelled, not enrolled)."""
    tote = session.exec(select(Tote).where(Tote.code == code).with_for_update()).first()
    if tote is not None:
        return tote
    try:
        with session.begin_nested():
            tote = Tote(code=code)
            session.add(tote)
    except IntegrityError:  # another terminal registered the same label a moment ago
        tote = session.exec(select(Tote).where(Tote.code == code).with_for_update()).one()
    return tote


# --- scanning at a stop -----------------------------------------------------------------------


def scan_at_stop(
    store: Store, actor: Actor, task_id: int, code: str, scanned_at: float | None = None
) -> ScanOutcome:
    """One scan on a pick list: an empty tote, the location, an item, or the order's tote."""
    with store.write() as session:
        refusal = refuse_double_trigger(
            session, actor, "pick.scan", f"PICK-{task_id}", code, scanned_at
        )
        if refusal:
            return ScanOutcome(False, refusal)
        task, refusal = _own_task(session, actor, task_id, allow_paused=False)
        if task is None:
            record(
                session,
                actor,
                "pick.scan",
                accepted=False,
                reason=refusal,
                raw=code,
                task_ref=f"PICK-{task_id}",
            )
            return ScanOutcome(False, refusal)
        task.heartbeat_at = utcnow()
        scan = parse_in_store(session, code)
        unbound = _next_unbound_order(session, task)
        if unbound is not None:
            refusal = _bind_tote(session, actor, task, unbound, scan)
            return _outcome(session, task, refusal, _("Tote on the cart"))
        stop = _current(session, task)
        if stop is None:
            refusal = _("This pick list is complete")
            record(
                session,
                actor,
                "pick.scan",
                accepted=False,
                reason=refusal,
                raw=code,
                task_ref=task_ref(task),
            )
            return ScanOutcome(False, refusal)
        step = _STEPS[StopState(stop.status)]
        refusal, message = step(session, actor, task, stop, scan)
        record(
            session,
            actor,
            "pick.scan",
            accepted=not refusal,
            reason=refusal,
            raw=code,
            task_ref=task_ref(task),
            order_id=stop.order_id,
        )
        return _outcome(session, task, refusal, message)


def enter_quantity(store: Store, actor: Actor, task_id: int, qty: int) -> ScanOutcome:
    """A typed quantity at a stop, for SKUs that allow it (e.g. screws by the hundred)."""
    with store.write() as session:
        task, refusal = _own_task(session, actor, task_id, allow_paused=False)
        stop = _current(session, task) if task is not None else None
        refusal = refusal or _quantity_refusal(session, stop, qty)
        if refusal or task is None or stop is None:
            record(
                session,
                actor,
                "pick.qty",
                accepted=False,
                reason=refusal,
                raw=str(qty),
                task_ref=f"PICK-{task_id}",
            )
            return ScanOutcome(False, refusal)
        task.heartbeat_at = utcnow()
        message = _add_units(session, actor, task, stop, qty)
        record(
            session,
            actor,
            "pick.qty",
            raw=str(qty),
            task_ref=task_ref(task),
            order_id=stop.order_id,
        )
        return _outcome(session, task, "", message)


def _quantity_refusal(session: Session, stop: PickStop | None, qty: int) -> str:
    sku = session.get(Sku, stop.sku_id) if stop is not None else None
    if stop is None or sku is None or stop.status != StopState.AT_LOCATION:
        return _("Scan the location first")
    if not sku.typed_qty_allowed:
        return _("{sku} must be scanned item by item").format(sku=sku.code)
    if not 0 < qty <= stop.qty - stop.picked:
        return _("Enter 1 to {n}").format(n=stop.qty - stop.picked)
    return ""


def _outcome(session: Session, task: PickTask, refusal: str, message: str) -> ScanOutcome:
    view = _stop_view(session, task)
    if refusal:
        return ScanOutcome(False, refusal, stop=view)
    done = task.status == TaskStatus.DONE
    return ScanOutcome(
        True, message=_("Pick list complete") if done else message, stop=view, task_done=done
    )


def _current(session: Session, task: PickTask) -> PickStop | None:
    return session.exec(
        select(PickStop)
        .where(PickStop.task_id == task.id, col(PickStop.status).not_in(FINISHED_STOPS))
        .order_by(col(PickStop.seq))
        .with_for_update()
    ).first()


def _stop_location(session: Session, stop: PickStop) -> Location:
    stock = session.get(Stock, stop.stock_id)
    location = session.get(Location, stock.location_id) if stock else None
    assert location is not None
    return location


def _scan_location(
    session: Session, actor: Actor, task: PickTask, stop: PickStop, scan: Scan
) -> tuple[str, str]:
    location = _stop_location(session, stop)
    if not scan.valid:
        return scan.error or _("Unreadable scan — scan again"), ""
    if scan.kind != ScanKind.LOCATION:
        return _("Scan the location label first: {location}").format(location=location.code), ""
    if scan.resolves is None or scan.resolves.id != location.id:
        return _("Wrong location LOC-{scanned} — go to {location}").format(
            scanned=scan.code, location=location.code
        ), ""
    stop.status = StopState.AT_LOCATION
    sku = session.get(Sku, stop.sku_id)
    assert sku is not None
    return "", _("Pick {qty} × {sku}").format(qty=stop.qty - stop.picked, sku=sku.code)


def _scan_item(
    session: Session, actor: Actor, task: PickTask, stop: PickStop, scan: Scan
) -> tuple[str, str]:
    sku = session.get(Sku, stop.sku_id)
    assert sku is not None
    remaining = stop.qty - stop.picked
    if not scan.valid:
        return scan.error or _("Unreadable scan — scan again"), ""
    if scan.kind == ScanKind.LOCATION:
        location = _stop_location(session, stop)
        if scan.resolves is not None and scan.resolves.id == location.id:
            return "", _("Location already scanned — scan the item")
        return _("Wrong location — pick {sku} here at {location}").format(
            sku=sku.code, location=location.code
        ), ""
    if scan.kind not in (ScanKind.PRODUCT, ScanKind.GS1):
        return _("Scan the item: {sku}").format(sku=sku.code), ""
    if scan.resolves is None or scan.resolves.type != "sku":
        return _("Unknown barcode — not an item of this warehouse"), ""
    if scan.resolves.id != sku.id:
        other = session.get(Sku, scan.resolves.id)
        return _("Wrong item {other} — pick {sku}").format(
            other=other.code if other else "?", sku=sku.code
        ), ""
    units = scan.resolves.quantity
    if units > remaining:
        return _(
            "This barcode counts {units} but only {remaining} remain — scan single items"
        ).format(units=units, remaining=remaining), ""
    return "", _add_units(session, actor, task, stop, units)


def _add_units(session: Session, actor: Actor, task: PickTask, stop: PickStop, units: int) -> str:
    stop.picked += units
    if stop.picked < stop.qty:
        return _("{picked} of {qty} — scan the next").format(picked=stop.picked, qty=stop.qty)
    if stop.tote_id is not None:
        stop.status = StopState.TO_TOTE
        tote = session.get(Tote, stop.tote_id)
        return _("Put them in {tote} and scan it").format(tote=tote.code if tote else "?")
    _confirm_stop(session, actor, task, stop)
    return _("Stop done")


def _scan_tote(
    session: Session, actor: Actor, task: PickTask, stop: PickStop, scan: Scan
) -> tuple[str, str]:
    tote = session.get(Tote, stop.tote_id) if stop.tote_id else None
    assert tote is not None
    if not scan.valid:
        return scan.error or _("Unreadable scan — scan again"), ""
    if scan.kind != ScanKind.TOTE:
        return _("All {qty} in hand — scan the tote {tote}").format(
            qty=stop.qty, tote=tote.code
        ), ""
    if scan.resolves is None or scan.resolves.id != tote.id:
        return _("Wrong tote TOTE-{scanned} — this goes in {tote}").format(
            scanned=scan.code, tote=tote.code
        ), ""
    _confirm_stop(session, actor, task, stop)
    return "", _("In {tote}").format(tote=tote.code)


_STEPS = {
    StopState.OPEN: _scan_location,
    StopState.AT_LOCATION: _scan_item,
    StopState.TO_TOTE: _scan_tote,
}


# --- confirming a stop ------------------------------------------------------------------------


def stop_allocations(
    session: Session, stop: PickStop, wave_id: int
) -> list[tuple[Allocation, OrderLine]]:
    """The allocations a stop picks for, locked, oldest first: its own allocation, else the
    wave's not fully picked allocations on its stock (of its order, on a pick-by-order stop)."""
    query = (
        select(Allocation, OrderLine)
        .join(OrderLine, col(OrderLine.id) == Allocation.order_line_id)
        .order_by(col(Allocation.id))
        .with_for_update()
    )
    if stop.allocation_id is not None:
        query = query.where(Allocation.id == stop.allocation_id)
    else:
        query = query.join(Order, col(Order.id) == OrderLine.order_id).where(
            Allocation.stock_id == stop.stock_id,
            Order.wave_id == wave_id,
            col(Allocation.picked) < col(Allocation.qty),
        )
        if stop.order_id is not None:
            query = query.where(OrderLine.order_id == stop.order_id)
    return [(allocation, line) for allocation, line in session.exec(query).all()]


def _confirm_stop(session: Session, actor: Actor, task: PickTask, stop: PickStop) -> None:
    units = stop.picked
    by_order = task.strategy == Strategy.PICK_BY_ORDER
    touched_orders: set[int] = set()
    left = units
    for allocation, line in stop_allocations(session, stop, task.wave_id):
        take = min(left, allocation.qty - allocation.picked)
        if take <= 0:
            continue
        allocation.picked += take
        left -= take
        if by_order:
            session.exec(
                update(OrderLine)
                .where(col(OrderLine.id) == line.id)
                .values(picked=OrderLine.picked + take)
                .execution_options(synchronize_session=False)
            )
            touched_orders.add(line.order_id)
    stock = session.get(Stock, stop.stock_id)
    assert stock is not None
    session.exec(
        update(Stock)
        .where(col(Stock.id) == stop.stock_id)
        .values(on_hand=Stock.on_hand - units, allocated=Stock.allocated - units)
        .execution_options(synchronize_session=False)
    )
    session.add(
        StockMove(
            sku_id=stop.sku_id,
            location_id=stock.location_id,
            batch=stock.batch,
            delta=-units,
            reason="pick",
            ref=task_ref(task),
            operator_id=actor.operator_id,
        )
    )
    stop.status = StopState.DONE
    session.flush()
    for order_id in touched_orders:
        _mark_order_picked_if_complete(session, order_id)
    advance(session, task)


def order_fully_picked(session: Session, order_id: int) -> bool:
    missing = session.exec(
        select(func.count())
        .select_from(OrderLine)
        .where(OrderLine.order_id == order_id, col(OrderLine.picked) < col(OrderLine.qty))
    ).one()
    return missing == 0


def _mark_order_picked_if_complete(session: Session, order_id: int) -> None:
    if order_fully_picked(session, order_id):
        session.exec(
            update(Order)
            .where(col(Order.id) == order_id, col(Order.status) == OrderStatus.RELEASED)
            .values(status=OrderStatus.PICKED, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )


def advance(session: Session, task: PickTask) -> None:
    """Move the list to its next unfinished stop; finish the list (and maybe its wave)."""
    session.flush()
    nxt = _current(session, task)
    if nxt is not None:
        task.current_stop = nxt.seq
        return
    task.status = TaskStatus.DONE
    session.flush()
    update_wave_progress(session, task.wave_id)


def update_wave_progress(session: Session, wave_id: int) -> None:
    """picking → done (pick-by-order) or → sorting → done (batch), as DESIGN.md's states say."""
    unfinished = session.exec(
        select(func.count())
        .select_from(PickTask)
        .where(
            PickTask.wave_id == wave_id,
            col(PickTask.status).not_in((TaskStatus.DONE, TaskStatus.CANCELLED)),
        )
    ).one()
    if unfinished:
        return
    wave = session.get(Wave, wave_id, with_for_update=True)
    assert wave is not None
    if wave.status not in (WaveStatus.RELEASED, WaveStatus.PICKING, WaveStatus.SORTING):
        return
    if wave.strategy == Strategy.BATCH and unsorted_units(session, wave_id) > 0:
        wave.status = WaveStatus.SORTING
    else:
        wave.status = WaveStatus.DONE


def unsorted_units(session: Session, wave_id: int) -> int:
    """Units of a batch wave picked off the shelves but not yet put in an order's slot."""
    picked = session.exec(
        select(func.coalesce(func.sum(Allocation.picked), 0))
        .join(OrderLine, col(OrderLine.id) == Allocation.order_line_id)
        .join(Order, col(Order.id) == OrderLine.order_id)
        .where(Order.wave_id == wave_id)
    ).one()
    sorted_ = session.exec(
        select(func.coalesce(func.sum(OrderLine.picked), 0))
        .join(Order, col(Order.id) == OrderLine.order_id)
        .where(Order.wave_id == wave_id)
    ).one()
    return int(picked) - int(sorted_)


# --- short picks ------------------------------------------------------------------------------


def short_pick(store: Store, actor: Actor, task_id: int, found_qty: int) -> ShortOutcome:
    """The location holds only `found_qty` of the stop's quantity (units already scanned
    included). The missing units are re-allocated to other locations with free stock, added
    as the next stops; what none can give is recorded as a shortage and the order flagged for
    the supervisor. Either way the location is queued for a count."""
    with store.write() as session:
        task, refusal = _own_task(session, actor, task_id, allow_paused=False)
        stop = _current(session, task) if task is not None else None
        refusal = refusal or _short_refusal(stop, found_qty)
        if refusal or task is None or stop is None:
            record(
                session,
                actor,
                "pick.short",
                accepted=False,
                reason=refusal,
                raw=str(found_qty),
                task_ref=f"PICK-{task_id}",
            )
            return ShortOutcome(False, refusal)
        task.heartbeat_at = utcnow()
        missing = stop.qty - found_qty
        location = _stop_location(session, stop)
        sku = session.get(Sku, stop.sku_id)
        assert sku is not None
        shorted = _shrink_allocations(session, task, stop, missing)
        _queue_count(session, location, sku, missing)
        moved_to, unrecovered = _reallocate(session, task, stop, shorted)
        for order_id, units in unrecovered.items():
            _flag_order(session, actor, task, order_id, sku, units, location)
        record(
            session,
            actor,
            "pick.short",
            raw=str(found_qty),
            task_ref=task_ref(task),
            order_id=stop.order_id,
            reason=_("{missing} × {sku} missing at {location}").format(
                missing=missing, sku=sku.code, location=location.code
            ),
        )
        stop.qty = found_qty
        _settle_after_short(session, actor, task, stop)
        lost = sum(unrecovered.values())
        if moved_to:
            message = _("Get the rest at {locations}").format(locations=", ".join(moved_to))
        else:
            message = _("Shortage recorded — the supervisor is told")
        return ShortOutcome(
            True,
            message=message,
            moved_to=tuple(moved_to),
            unrecovered=lost,
            stop=_stop_view(session, task),
        )


def _short_refusal(stop: PickStop | None, found_qty: int) -> str:
    if stop is None or stop.status != StopState.AT_LOCATION:
        return _("Scan the location first, then report the short")
    if not stop.picked <= found_qty < stop.qty:
        return _("Enter how many are there: {low} to {high}").format(
            low=stop.picked, high=stop.qty - 1
        )
    return ""


def _settle_after_short(session: Session, actor: Actor, task: PickTask, stop: PickStop) -> None:
    if stop.qty == 0:
        stop.status = StopState.SHORT
        advance(session, task)
    elif stop.picked == stop.qty:
        if stop.tote_id is not None:
            stop.status = StopState.TO_TOTE
        else:
            _confirm_stop(session, actor, task, stop)


def _shrink_allocations(
    session: Session, task: PickTask, stop: PickStop, missing: int
) -> dict[int, int]:
    """Take `missing` units off the stop's allocations (newest first) and the stock's
    allocated count; the units taken per order line."""
    shorted: dict[int, int] = {}
    left = missing
    for allocation, line in reversed(stop_allocations(session, stop, task.wave_id)):
        take = min(left, allocation.qty - allocation.picked)
        if take <= 0:
            continue
        allocation.qty -= take
        assert line.id is not None
        shorted[line.id] = shorted.get(line.id, 0) + take
        left -= take
        if left == 0:
            break
    session.exec(
        update(Stock)
        .where(col(Stock.id) == stop.stock_id)
        .values(allocated=Stock.allocated - (missing - left))
        .execution_options(synchronize_session=False)
    )
    return shorted


def _reallocate(
    session: Session, task: PickTask, stop: PickStop, shorted: dict[int, int]
) -> tuple[list[str], dict[int, int]]:
    """Allocate the shorted units elsewhere (one location for all if one can, then earliest
    expiry, then oldest stock), add the stops right after this one; the location codes and the
    units per order that no location could give."""
    new_stops: dict[int, PickStop] = {}
    unrecovered: dict[int, int] = {}
    for line_id, units in shorted.items():
        line = session.get(OrderLine, line_id)
        assert line is not None
        left = units
        for stock in _free_stock(session, stop, left):
            take = min(left, stock.on_hand - stock.allocated)
            if take <= 0 or not _reserve(session, stock, take):
                continue
            allocation = Allocation(order_line_id=line_id, stock_id=stock.id, qty=take)
            session.add(allocation)
            session.flush()
            _add_to_stop(new_stops, stop, stock, allocation, take)
            left -= take
            if left == 0:
                break
        if left:
            unrecovered[line.order_id] = unrecovered.get(line.order_id, 0) + left
    if new_stops:
        session.exec(
            update(PickStop)
            .where(col(PickStop.task_id) == task.id, col(PickStop.seq) > stop.seq)
            .values(seq=PickStop.seq + len(new_stops))
            .execution_options(synchronize_session="fetch")
        )
    codes = []
    for offset, new_stop in enumerate(new_stops.values(), start=1):
        new_stop.seq = stop.seq + offset
        session.add(new_stop)
        codes.append(_stop_location(session, new_stop).code)
    return codes, unrecovered


def _add_to_stop(
    new_stops: dict[int, PickStop], stop: PickStop, stock: Stock, allocation: Allocation, take: int
) -> None:
    """One new stop per stock; a stop picking for one allocation names it."""
    assert stock.id is not None
    existing = new_stops.get(stock.id)
    if existing is not None:
        existing.qty += take
        existing.allocation_id = None
        return
    new_stops[stock.id] = PickStop(
        task_id=stop.task_id,
        seq=0,
        allocation_id=allocation.id,
        stock_id=stock.id,
        sku_id=stop.sku_id,
        order_id=stop.order_id,
        tote_id=stop.tote_id,
        qty=take,
    )


def _free_stock(session: Session, stop: PickStop, wanted: int) -> list[Stock]:
    free = col(Stock.on_hand) - col(Stock.allocated)
    return list(
        session.exec(
            select(Stock)
            .join(Location, col(Location.id) == Stock.location_id)
            .where(
                Stock.sku_id == stop.sku_id,
                col(Stock.id) != stop.stock_id,
                col(Location.pickable).is_(True),
                free > 0,
            )
            .order_by(
                (free >= wanted).desc(),
                col(Stock.expiry).is_(None),
                col(Stock.expiry),
                col(Stock.received_at),
                col(Stock.id),
            )
        ).all()
    )


def _reserve(session: Session, stock: Stock, qty: int) -> bool:
    """Compare-and-set: allocate `qty` only while that much is still free."""
    reserved = session.exec(
        update(Stock)
        .where(col(Stock.id) == stock.id, col(Stock.on_hand) - col(Stock.allocated) >= qty)
        .values(allocated=Stock.allocated + qty)
        .execution_options(synchronize_session=False)
    )
    return reserved.rowcount == 1


def _queue_count(session: Session, location: Location, sku: Sku, missing: int) -> None:
    """A count task for the location, unless one is already open for this SKU there."""
    existing = session.exec(
        select(FloorTask).where(
            FloorTask.kind == "count",
            FloorTask.status == "open",
            FloorTask.location_id == location.id,
            FloorTask.sku_id == sku.id,
        )
    ).first()
    if existing is not None:
        existing.qty += missing
        return
    session.add(
        FloorTask(
            kind="count",
            location_id=location.id,
            sku_id=sku.id,
            qty=missing,
            reason=_("Short pick: {missing} × {sku} not found").format(
                missing=missing, sku=sku.code
            ),
        )
    )


def _flag_order(
    session: Session,
    actor: Actor,
    task: PickTask,
    order_id: int,
    sku: Sku,
    units: int,
    location: Location,
) -> None:
    order = session.get(Order, order_id, with_for_update=True)
    assert order is not None
    note = _("Short {units} × {sku} (not at {location}, none free elsewhere)").format(
        units=units, sku=sku.code, location=location.code
    )
    order.hold_reason = f"{order.hold_reason}; {note}" if order.hold_reason else note
    order.updated_at = utcnow()
    record(session, actor, "pick.shortage", reason=note, task_ref=task_ref(task), order_id=order_id)
