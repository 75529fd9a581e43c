"""The exceptions queue: everything on the floor that will not finish by itself, and what a
supervisor may do about each.

The queue is read from the data every time (orders, floor tasks, parcels, the journal), never
kept in a table of its own: a second copy would drift from the floor it describes, and an item
leaves the queue the moment what made it an exception is no longer true. Each item has an id
that says what it is about (`short:12` is order 12, `put-back:7` floor task 7, `unloaded:31`
parcel 31), the barcode of that thing (`ref`), since when it waits, why, and the actions that
apply to it now.

`act` takes one action on one item: it checks the item still is what it was and still offers
the action (refused, journaled, with the reason, when it does not any more), then hands over to
the service that does it — one transaction, journaled there, with the supervisor's reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from warehouse_tui.domain.barcodes import ScanKind, format_label
from warehouse_tui.domain.refs import Ref
from warehouse_tui.i18n import N_, _
from warehouse_tui.services import counts, holds, orders, putback, serials, set_asides, shortages
from warehouse_tui.services.journal import Actor, record
from warehouse_tui.services.results import Refusal, ServiceResult
from warehouse_tui.services.roles import SUPERVISORS, role_refusal
from warehouse_tui.services.settings import get_setting
from warehouse_tui.services.states import state_name
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import (
    Barcode,
    FloorTask,
    Journal,
    Location,
    Operator,
    Order,
    OrderLine,
    OrderStatus,
    Parcel,
    ParcelStatus,
    Sku,
    as_utc,
    utcnow,
)
from warehouse_tui.store.set_asides import SET_ASIDE


class Kind(StrEnum):
    SHORT = "short"  # released, a line reserved short: no picker brings the rest
    STUCK = "stuck"  # released, its wave over, not picked
    HELD = "held"  # held, with its reason
    INTERCEPTED = "intercepted"  # cancelled or changed after release, goods to put back
    PUT_BACK = "put-back"  # units to bring back to a shelf
    COUNT = "count"  # a location to count
    SET_ASIDE = "set-aside"  # a unit a station refused and set aside (services/set_asides.py)
    UNLOADED = "unloaded"  # a labelled parcel not on a truck


KIND_NAMES = {
    Kind.SHORT: N_("short"),
    Kind.STUCK: N_("stuck"),
    Kind.HELD: N_("held"),
    Kind.INTERCEPTED: N_("intercepted"),
    Kind.PUT_BACK: N_("put back"),
    Kind.COUNT: N_("count"),
    Kind.SET_ASIDE: N_("set aside"),
    Kind.UNLOADED: N_("not loaded"),
}


class Action(StrEnum):
    REALLOCATE = "reallocate"
    WAIT = "wait"
    SHIP_SHORT = "ship-short"
    CANCEL_LINE = "cancel-line"
    CANCEL = "cancel"
    RELEASE = "release"
    RESTOCK = "restock"
    CLOSE = "close"
    VOID = "void"
    SCRAP = "scrap"
    RECEIVE = "receive"


ACTION_NAMES = {
    Action.REALLOCATE: N_("re-allocate"),
    Action.WAIT: N_("wait"),
    Action.SHIP_SHORT: N_("ship short"),
    Action.CANCEL_LINE: N_("cancel short lines"),
    Action.CANCEL: N_("cancel"),
    Action.RELEASE: N_("release"),
    Action.RESTOCK: N_("all back on the shelf"),
    Action.CLOSE: N_("settled"),
    Action.VOID: N_("void the parcel"),
    Action.SCRAP: N_("scrap"),
    Action.RECEIVE: N_("serial received"),
}

_ACTIONS: dict[Kind, tuple[Action, ...]] = {
    Kind.SHORT: (
        Action.REALLOCATE,
        Action.WAIT,
        Action.SHIP_SHORT,
        Action.CANCEL_LINE,
        Action.CANCEL,
    ),
    Kind.STUCK: (Action.REALLOCATE, Action.WAIT, Action.CANCEL),
    Kind.HELD: (Action.RELEASE, Action.CANCEL),
    Kind.INTERCEPTED: (Action.RESTOCK,),
    Kind.PUT_BACK: (Action.RESTOCK,),
    Kind.COUNT: (Action.CANCEL,),
    Kind.SET_ASIDE: (Action.CLOSE,),  # a unit of a lot we stock: _LOT_SET_ASIDE; a serial
    Kind.UNLOADED: (Action.VOID,),
}


_LOT_SET_ASIDE = (Action.RESTOCK, Action.SCRAP, Action.CLOSE)
_SERIAL_SET_ASIDE = (Action.RECEIVE, Action.CLOSE)  # a serial the rule still refuses
# A short order with units in a parcel: waiting or cancelling lines would unpack it.
_PACKING_SHORT = (Action.REALLOCATE, Action.SHIP_SHORT, Action.CANCEL)


@dataclass(frozen=True)
class ExceptionItem:
    id: str
    kind: Kind
    ref: str  # the barcode of what it is about
    since: datetime
    reason: str  # data: may hold a shop's or operator's text
    actions: tuple[Action, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind.value,
            "ref": self.ref,
            "since": self.since.isoformat(),
            "reason": self.reason,
            "actions": [action.value for action in self.actions],
        }


def item_id(kind: Kind, key: int) -> str:
    return f"{kind.value}:{key}"


def list_exceptions(store: Store, kind: Kind | None = None) -> list[ExceptionItem]:
    """Every exception on the floor (of `kind`), oldest first."""
    with store.read() as session:
        return exceptions_in(session, kind)


def exceptions_in(session: Session, kind: Kind | None = None) -> list[ExceptionItem]:
    found = [
        item
        for reader_kind, reader in _READERS.items()
        if kind is None or kind == reader_kind
        for item in reader(session)
    ]
    return sorted(found, key=lambda item: (item.since, item.id))


def _order_item(kind: Kind, order: Order, since: datetime | None, reason: str) -> ExceptionItem:
    assert order.id is not None
    return ExceptionItem(
        item_id(kind, order.id),
        kind,
        format_label(ScanKind.ORDER, order.id),
        as_utc(since or order.updated_at) or utcnow(),
        reason,
        _ACTIONS[kind],
    )


def _released(session: Session) -> list[Order]:
    return list(
        session.execute(
            select(Order)
            .where(col(Order.status) == OrderStatus.RELEASED, col(Order.intercepted).is_(False))
            .order_by(col(Order.id))
        ).scalars()
    )


def _shorts(session: Session) -> Iterator[ExceptionItem]:
    for order in _released(session):
        if shortages.is_short(session, order):
            since = _last_journal(session, order.id, ("pick.shortage", "count.shortage"))
            item = _order_item(
                Kind.SHORT, order, since, order.hold_reason or _short_note(session, order)
            )
            if _packing(session, order):
                item = replace(item, actions=_PACKING_SHORT)
            yield item


def _packing(session: Session, order: Order) -> bool:
    """Some of the order's units are packed already (a parcel was under way when it fell
    short: a lot refused at the pack station, services/set_asides.py)."""
    packed = session.execute(
        select(func.coalesce(func.sum(OrderLine.packed), 0)).where(
            col(OrderLine.order_id) == order.id
        )
    ).scalar_one()
    return int(packed) > 0


def _short_note(session: Session, order: Order) -> str:
    return "; ".join(
        _("Short {units} × {sku}").format(units=line.missing, sku=line.sku_code)
        for line in shortages.short_lines(session, order.id or 0)
    )


def _stuck(session: Session) -> Iterator[ExceptionItem]:
    for order in _released(session):
        if shortages.is_stuck(session, order):
            reason = _("Wave {wave} is over but the order is not picked").format(
                wave=order.wave_id or "?"
            )
            yield _order_item(Kind.STUCK, order, None, reason)


def _held(session: Session) -> Iterator[ExceptionItem]:
    held = session.execute(
        select(Order).where(col(Order.status) == OrderStatus.HELD).order_by(col(Order.id))
    ).scalars()
    for order in held:
        yield _order_item(Kind.HELD, order, None, order.hold_reason)


def _intercepted(session: Session) -> Iterator[ExceptionItem]:
    rows = session.execute(
        select(Order, func.min(FloorTask.created_at))
        .join(FloorTask, col(FloorTask.order_id) == Order.id)
        .where(
            col(Order.intercepted).is_(True),
            col(FloorTask.kind) == putback.PUT_BACK,
            col(FloorTask.status) == putback.OPEN,
        )
        .group_by(col(Order.id))
        .order_by(col(Order.id))
    ).all()
    for order, since in rows:
        yield _order_item(Kind.INTERCEPTED, order, since, orders.intercept_reason(order))


def _tasks(session: Session, kind: str) -> list[FloorTask]:
    return list(
        session.execute(
            select(FloorTask)
            .where(col(FloorTask.kind) == kind, col(FloorTask.status) == putback.OPEN)
            .order_by(col(FloorTask.id))
        ).scalars()
    )


def _task_item(
    kind: Kind, task: FloorTask, ref: str, reason: str, actions: tuple[Action, ...] = ()
) -> ExceptionItem:
    return ExceptionItem(
        item_id(kind, task.id or 0),
        kind,
        ref,
        as_utc(task.created_at) or utcnow(),
        reason,
        actions or _ACTIONS[kind],
    )


def _put_backs(session: Session) -> Iterator[ExceptionItem]:
    for task in _tasks(session, putback.PUT_BACK):
        view = putback.put_back_view(session, task)
        ref = task.held_in if task.held_in[:4] in ("TOTE", "WALL", "PCL-") else view.suggested
        yield _task_item(Kind.PUT_BACK, task, ref, putback.describe(view))


def _counts(session: Session) -> Iterator[ExceptionItem]:
    for task in _tasks(session, counts.COUNT):
        location = session.get_one(Location, task.location_id)
        reason = task.reason
        if task.first_count is not None:
            reason = _("{reason} — recount by another operator").format(reason=reason)
        yield _task_item(Kind.COUNT, task, location.code, reason)


def _set_asides(session: Session) -> Iterator[ExceptionItem]:
    for task in _tasks(session, SET_ASIDE):
        code = session.execute(
            select(col(Barcode.code))
            .where(col(Barcode.sku_id) == task.sku_id)
            .order_by(col(Barcode.id))
        ).scalar()
        sku = session.get_one(Sku, task.sku_id)
        ref, reason = code or sku.code, task.reason
        if task.stock_id is not None:
            where = _("in the set-aside tote at {place} → {loc}").format(
                place=task.held_in or "?", loc=set_asides.shelf_of_lot(session, task)
            )
            yield _task_item(Kind.SET_ASIDE, task, ref, f"{reason} ({where})", _LOT_SET_ASIDE)
            continue
        refused = task.serial is not None and serials.refused_as_never_received(
            session, sku, task.serial
        )
        if task.held_in:  # a put wall's set-asides wait on its shelf for them
            where = _("in the set-aside tote at {place}").format(place=task.held_in)
            reason = f"{reason} ({where})"
        yield _task_item(Kind.SET_ASIDE, task, ref, reason, _SERIAL_SET_ASIDE if refused else ())


def _unloaded(session: Session) -> Iterator[ExceptionItem]:
    after = timedelta(minutes=get_setting(session, "unloaded_after_min"))
    parcels = session.execute(
        select(Parcel)
        .where(col(Parcel.status) == ParcelStatus.CLOSED, col(Parcel.closed_at) <= utcnow() - after)
        .order_by(col(Parcel.id))
    ).scalars()
    for parcel in parcels:
        reason = _("Labelled at {station} ({tracking}), not on a {carrier} truck").format(
            station=parcel.station or "?", tracking=parcel.tracking or "?", carrier=parcel.carrier
        )
        yield ExceptionItem(
            item_id(Kind.UNLOADED, parcel.id or 0),
            Kind.UNLOADED,
            format_label(ScanKind.PARCEL, parcel.id),
            as_utc(parcel.closed_at) or utcnow(),
            reason,
            _ACTIONS[Kind.UNLOADED],
        )


def _last_journal(
    session: Session, order_id: int | None, actions: tuple[str, ...]
) -> datetime | None:
    return session.execute(
        select(func.max(Journal.at)).where(
            col(Journal.order_id) == order_id, col(Journal.action).in_(actions)
        )
    ).scalar()


_READERS: dict[Kind, Callable[[Session], Iterator[ExceptionItem]]] = {
    Kind.SHORT: _shorts,
    Kind.STUCK: _stuck,
    Kind.HELD: _held,
    Kind.INTERCEPTED: _intercepted,
    Kind.PUT_BACK: _put_backs,
    Kind.COUNT: _counts,
    Kind.SET_ASIDE: _set_asides,
    Kind.UNLOADED: _unloaded,
}


# --- one item's history -------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryRow:
    at: datetime
    who: str
    station: str
    action: str
    accepted: bool
    reason: str
    raw: str


def history(store: Store, exception_id: str) -> list[HistoryRow]:
    """The journal rows about the item, oldest first: an order's rows, a task's, a parcel's."""
    kind, key = _parse_id(exception_id)
    if kind is None:
        return []
    with store.read() as session:
        if kind in _ORDER_KINDS:
            about = col(Journal.order_id) == key
        elif kind == Kind.UNLOADED:
            parcel = session.get(Parcel, key)
            label = format_label(ScanKind.PARCEL, key)
            about = (col(Journal.task_ref) == label) | (
                col(Journal.order_id) == (parcel.order_id if parcel else None)
            )
        else:
            about = col(Journal.task_ref) == Ref.TASK.of(key)
        rows = session.execute(
            select(Journal, col(Operator.name))
            .outerjoin(Operator, col(Operator.id) == Journal.operator_id)
            .where(about)
            .order_by(col(Journal.at), col(Journal.id))
        ).all()
        return [
            HistoryRow(
                as_utc(row.at) or row.at,
                name or row.actor_name,
                row.station,
                row.action,
                row.accepted,
                row.reason,
                row.raw,
            )
            for row, name in rows
        ]


_ORDER_KINDS = (Kind.SHORT, Kind.STUCK, Kind.HELD, Kind.INTERCEPTED)


def _parse_id(exception_id: str) -> tuple[Kind | None, int]:
    kind, _colon, key = exception_id.strip().partition(":")
    if kind not in {k.value for k in Kind} or not key.isascii() or not key.isdigit():
        return None, 0
    return Kind(kind), int(key)


# --- acting on an item --------------------------------------------------------------------------


@dataclass(frozen=True)
class ActResult(ServiceResult):
    message: str = ""


def act(store: Store, actor: Actor, exception_id: str, action: str, reason: str = "") -> ActResult:
    """Take `action` on the item `exception_id`: refused, with why, unless the item is still on
    the queue and offers the action now; otherwise done by its own service."""
    reason = reason.strip()
    kind, key = _parse_id(exception_id)
    with store.read() as session:
        refusal, refused_as = _act_refusal(session, actor, exception_id, kind, action, reason)
    if refusal or kind is None:
        with store.write() as session:
            record(
                session,
                actor,
                "exceptions.act",
                accepted=False,
                reason=refusal,
                raw=f"{exception_id} {action}",
            )
        return ActResult(False, refusal, refusal=refused_as)
    return _DO[(kind, Action(action))](store, actor, key, reason)


def _act_refusal(
    session: Session, actor: Actor, exception_id: str, kind: Kind | None, action: str, reason: str
) -> tuple[str, Refusal | None]:
    refusal = role_refusal(session, actor, SUPERVISORS)
    if refusal:
        return refusal, Refusal.ROLE
    if kind is None:
        return _("No such exception: {id}").format(id=exception_id), Refusal.NOT_FOUND
    item = next((i for i in exceptions_in(session, kind) if i.id == exception_id.strip()), None)
    if item is None:
        return _("{id} is no longer an exception").format(id=exception_id), Refusal.WRONG_STATE
    if action not in {a.value for a in item.actions}:
        return _("{action} does not apply to {id}: {actions}").format(
            action=action, id=item.id, actions=", ".join(item.actions)
        ), Refusal.WRONG_STATE
    if Action(action) in (Action.VOID, Action.CLOSE, Action.SCRAP, Action.RECEIVE) and not reason:
        return _("Say why (--reason)"), Refusal.BAD_INPUT
    return "", None


def _order_ref(key: int) -> str:
    return format_label(ScanKind.ORDER, key)


def _cancel_order(store: Store, actor: Actor, key: int, reason: str) -> ActResult:
    result = orders.cancel_order(store, actor, _order_ref(key))
    message = (
        _("Intercepted: cancelled once its goods are back on the shelf")
        if result.intercepted
        else _("Order {order} is {status}").format(
            order=_order_ref(key), status=state_name(result.status)
        )
    )
    return ActResult(result.accepted, result.reason, message if result.accepted else "")


def _release(store: Store, actor: Actor, key: int, reason: str) -> ActResult:
    result = holds.release_order(store, actor, _order_ref(key))
    message = _("Order {order} is {status}").format(
        order=_order_ref(key), status=state_name(result.status)
    )
    if result.hold_reason:
        message += ": " + result.hold_reason
    return ActResult(result.accepted, result.reason, message if result.accepted else "")


def _resolution(
    resolve: Callable[[Store, Actor, str, str], shortages.ResolveResult],
) -> Callable[[Store, Actor, int, str], ActResult]:
    def run(store: Store, actor: Actor, key: int, reason: str) -> ActResult:
        result = resolve(store, actor, _order_ref(key), reason)
        return ActResult(result.accepted, result.reason, result.message)

    return run


def _restock_order(store: Store, actor: Actor, key: int, reason: str) -> ActResult:
    result = orders.restock_order(store, actor, _order_ref(key))
    message = _("Order {order} is {status}").format(
        order=_order_ref(key), status=state_name(result.status)
    )
    return ActResult(result.accepted, result.reason, message if result.accepted else "")


def _restock_task(store: Store, actor: Actor, key: int, reason: str) -> ActResult:
    result = orders.complete_restock(store, actor, key)
    message = _("Put back at its location")
    if result.applied and result.order_id is not None:
        message += " — " + _("Order {order} is {status}").format(
            order=_order_ref(result.order_id), status=state_name(result.status)
        )
    return ActResult(result.accepted, result.reason, message if result.accepted else "")


def _cancel_count(store: Store, actor: Actor, key: int, reason: str) -> ActResult:
    result = counts.cancel_count(store, actor, key, reason)
    return ActResult(result.accepted, result.reason, result.message)


def _close_set_aside(store: Store, actor: Actor, key: int, reason: str) -> ActResult:
    result = putback.close_set_aside(store, actor, key, reason)
    return ActResult(result.accepted, result.reason, result.message)


def _restock_set_aside(store: Store, actor: Actor, key: int, reason: str) -> ActResult:
    result = set_asides.restock_set_aside(store, actor, key, reason)
    return ActResult(result.accepted, result.reason, result.message, refusal=result.refusal)


def _scrap_set_aside(store: Store, actor: Actor, key: int, reason: str) -> ActResult:
    result = set_asides.scrap_set_aside(store, actor, key, reason)
    return ActResult(result.accepted, result.reason, result.message, refusal=result.refusal)


def _receive_set_aside(store: Store, actor: Actor, key: int, reason: str) -> ActResult:
    result = set_asides.receive_set_aside(store, actor, key, reason)
    return ActResult(result.accepted, result.reason, result.message, refusal=result.refusal)


def _void(store: Store, actor: Actor, key: int, reason: str) -> ActResult:
    result = orders.void_parcel(store, actor, key, reason)
    return ActResult(result.accepted, result.reason, result.message)


_DO: dict[tuple[Kind, Action], Callable[[Store, Actor, int, str], ActResult]] = {
    (Kind.SHORT, Action.REALLOCATE): _resolution(shortages.reallocate),
    (Kind.SHORT, Action.WAIT): _resolution(shortages.wait_for_stock),
    (Kind.SHORT, Action.SHIP_SHORT): _resolution(shortages.ship_short),
    (Kind.SHORT, Action.CANCEL_LINE): _resolution(shortages.cancel_short_lines),
    (Kind.SHORT, Action.CANCEL): _cancel_order,
    (Kind.STUCK, Action.REALLOCATE): _resolution(shortages.reallocate),
    (Kind.STUCK, Action.WAIT): _resolution(shortages.wait_for_stock),
    (Kind.STUCK, Action.CANCEL): _cancel_order,
    (Kind.HELD, Action.RELEASE): _release,
    (Kind.HELD, Action.CANCEL): _cancel_order,
    (Kind.INTERCEPTED, Action.RESTOCK): _restock_order,
    (Kind.PUT_BACK, Action.RESTOCK): _restock_task,
    (Kind.COUNT, Action.CANCEL): _cancel_count,
    (Kind.SET_ASIDE, Action.CLOSE): _close_set_aside,
    (Kind.SET_ASIDE, Action.RESTOCK): _restock_set_aside,
    (Kind.SET_ASIDE, Action.SCRAP): _scrap_set_aside,
    (Kind.SET_ASIDE, Action.RECEIVE): _receive_set_aside,
    (Kind.UNLOADED, Action.VOID): _void,
}
