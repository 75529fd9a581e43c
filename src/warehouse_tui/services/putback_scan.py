"""Put-back on a handheld, by scan: the tote, slot or parcel → each item → a location.

The step an operator is at lives in the journal, as the put wall's item in hand does: their
latest accepted put-back row says what they scanned last — a place (`putback.place`, its label
in `task_ref`), an item (`putback.item`: the task in `task_ref`, the item's code in `raw`) or the
location that took it (`putback.location`). A terminal that restarts shows the same step, and
a new place or item simply supersedes the last.

An item goes to the location it came from (suggested) or to any other location holding its SKU;
units that wait somewhere without a label (a batch cart, a station) are found by scanning the
item straight away. The unit that empties a task finishes it; the task that empties a tote or
slot frees it; the last task of an intercepted order ends that order (services/orders/restock.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlmodel import Session, col

from warehouse_tui.domain.barcodes import Scan, ScanKind, format_label
from warehouse_tui.domain.refs import Ref
from warehouse_tui.i18n import _
from warehouse_tui.services.journal import Actor, record, refuse_double_trigger
from warehouse_tui.services.lookup import parse_in_store
from warehouse_tui.services.orders import settle_put_back
from warehouse_tui.services.putback import (
    OPEN,
    PUT_BACK,
    PutBackView,
    destination,
    put_back_view,
    return_units,
)
from warehouse_tui.services.results import Refusal, ServiceResult
from warehouse_tui.services.states import state_name
from warehouse_tui.store.engine import Store
from warehouse_tui.store.ids import required_id
from warehouse_tui.store.models import FloorTask, Journal, Location, Order, Sku

PLACE, ITEM, LOCATION = "putback.place", "putback.item", "putback.location"
CONTEXT = "put-back"  # the double-trigger context of a station's put-back scans
_PLACES = (ScanKind.TOTE, ScanKind.SLOT, ScanKind.PARCEL)


class Expect(StrEnum):
    """What the operator scans next."""

    ITEM = "item"  # an item (from the place scanned, or from anywhere), or a place
    LOCATION = "location"  # the location for the item in hand


@dataclass(frozen=True)
class PutBackStep(ServiceResult):
    message: str = ""
    expect: Expect = Expect.ITEM
    place: str = ""  # the tote, slot or parcel being emptied
    holding: PutBackView | None = None  # the task of the item in hand
    units: int = 0  # units in hand


@dataclass(frozen=True)
class _State:
    place: str
    task: FloorTask | None
    units: int


def put_back_step(store: Store, actor: Actor) -> PutBackStep:
    """Where this operator is in a put-back (after a restart, the same step)."""
    with store.read() as session:
        return _step(session, _state(session, actor))


def put_back_scan(
    store: Store, actor: Actor, code: str, scanned_at: float | None = None
) -> PutBackStep:
    """One scan of a put-back: a place, an item, or the location for the item in hand."""
    with store.write() as session:
        if refuse_double_trigger(session, actor, PLACE, CONTEXT, code, scanned_at):
            reason = _("Same code twice at once (double trigger): counted once")
            return _step(
                session, _state(session, actor), refusal=reason, kind=Refusal.DOUBLE_TRIGGER
            )
        state = _state(session, actor)
        scan = parse_in_store(session, code)
        if not scan.valid:
            unreadable = scan.error or _("Unreadable scan — scan again")
            return _refused(session, actor, state, code, unreadable, Refusal.UNREADABLE)
        if state.task is not None:
            return _to_location(session, actor, state, scan, code)
        if scan.kind in _PLACES:
            return _at_place(session, actor, state, code)
        if scan.kind in (ScanKind.PRODUCT, ScanKind.GS1) and scan.resolves is not None:
            return _take_item(session, actor, state, scan, code)
        return _refused(session, actor, state, code, _("Scan a tote, slot or parcel, or an item"))


def _state(session: Session, actor: Actor) -> _State:
    rows = list(
        session.execute(
            select(Journal)
            .where(
                col(Journal.operator_id) == actor.operator_id,
                col(Journal.accepted).is_(True),
                col(Journal.action).in_((PLACE, ITEM, LOCATION)),
            )
            .order_by(col(Journal.id).desc())
            .limit(1)
        ).scalars()
    )
    place_row = session.execute(
        select(col(Journal.task_ref))
        .where(
            col(Journal.operator_id) == actor.operator_id,
            col(Journal.accepted).is_(True),
            col(Journal.action) == PLACE,
        )
        .order_by(col(Journal.id).desc())
        .limit(1)
    ).scalar()
    place = place_row if place_row and _owed_at(session, place_row) else ""
    latest = rows[0] if rows else None
    if latest is None or latest.action != ITEM:
        return _State(place, None, 0)
    task_id = Ref.TASK.id_in(latest.task_ref)
    task = session.get(FloorTask, task_id) if task_id is not None else None
    scan = parse_in_store(session, latest.raw)
    units = scan.resolves.quantity if scan.resolves is not None else 1
    if task is None or task.status != OPEN or task.qty - task.done_qty < units:
        return _State(place, None, 0)  # put back meanwhile (at the desk): the hand is empty
    return _State(place, task, units)


def _owed_at(session: Session, place: str) -> list[FloorTask]:
    return list(
        session.execute(
            select(FloorTask)
            .where(
                col(FloorTask.kind) == PUT_BACK,
                col(FloorTask.status) == OPEN,
                col(FloorTask.held_in) == place,
            )
            .order_by(col(FloorTask.id))
        ).scalars()
    )


def _step(
    session: Session,
    state: _State,
    *,
    refusal: str = "",
    kind: Refusal | None = None,
    message: str = "",
) -> PutBackStep:
    holding = put_back_view(session, state.task) if state.task is not None else None
    return PutBackStep(
        accepted=not refusal,
        reason=refusal,
        refusal=kind,
        message=message,
        expect=Expect.LOCATION if holding is not None else Expect.ITEM,
        place=state.place,
        holding=holding,
        units=state.units,
    )


def _refused(
    session: Session,
    actor: Actor,
    state: _State,
    code: str,
    reason: str,
    kind: Refusal = Refusal.WRONG_SCAN,
) -> PutBackStep:
    action = LOCATION if state.task is not None else PLACE
    ref = Ref.TASK.of(state.task.id) if state.task is not None else state.place
    record(session, actor, action, accepted=False, reason=reason, raw=code, task_ref=ref)
    return _step(session, state, refusal=reason, kind=kind)


def _at_place(session: Session, actor: Actor, state: _State, code: str) -> PutBackStep:
    label = code.strip().upper()
    owed = _owed_at(session, label)
    if not owed:
        nothing = _("Nothing to put back from {place}").format(place=label)
        return _refused(session, actor, state, code, nothing, Refusal.NOT_FOUND)
    record(session, actor, PLACE, raw=code, task_ref=label)
    units = ", ".join(
        f"{task.qty - task.done_qty} × {session.get_one(Sku, task.sku_id).code}" for task in owed
    )
    message = _("{place}: {units} to put back — scan an item").format(place=label, units=units)
    return _step(session, _State(label, None, 0), message=message)


def _take_item(session: Session, actor: Actor, state: _State, scan: Scan, code: str) -> PutBackStep:
    assert scan.resolves is not None
    units = scan.resolves.quantity
    sku = session.get(Sku, scan.resolves.id) if scan.resolves.type == "sku" else None
    if sku is None:
        unknown = _("Unknown barcode — not an item of this warehouse")
        return _refused(session, actor, state, code, unknown, Refusal.UNREADABLE)
    candidates = (
        session.execute(
            select(FloorTask)
            .where(
                col(FloorTask.kind) == PUT_BACK,
                col(FloorTask.status) == OPEN,
                col(FloorTask.sku_id) == sku.id,
                col(FloorTask.qty) - col(FloorTask.done_qty) >= units,
            )
            .order_by(col(FloorTask.created_at), col(FloorTask.id))
        )
        .scalars()
        .all()
    )
    if state.place:
        candidates = [task for task in candidates if task.held_in == state.place]
    else:
        candidates = sorted(
            candidates, key=lambda task: task.held_in[:4] in ("TOTE", "WALL", "PCL-")
        )
    if not candidates:
        where = state.place or _("any put-back")
        return _refused(
            session,
            actor,
            state,
            code,
            _("No {sku} to put back from {place} (a case counts {units})").format(
                sku=sku.code, place=where, units=units
            ),
            Refusal.NOT_FOUND,
        )
    task = candidates[0]
    record(session, actor, ITEM, raw=code, task_ref=Ref.TASK.of(task.id), order_id=task.order_id)
    view = put_back_view(session, task)
    message = _("Put {units} × {sku} at {location} (or another place of {sku}) and scan it").format(
        units=units, sku=sku.code, location=view.suggested or "?"
    )
    return _step(session, _State(state.place, task, units), message=message)


def _to_location(
    session: Session, actor: Actor, state: _State, scan: Scan, code: str
) -> PutBackStep:
    task = state.task
    assert task is not None
    sku = session.get_one(Sku, task.sku_id)
    if scan.kind != ScanKind.LOCATION or scan.resolves is None:
        return _refused(
            session,
            actor,
            state,
            code,
            _("Put the {sku} on a shelf and scan its location first").format(sku=sku.code),
        )
    location = session.get_one(Location, scan.resolves.id)
    stock = destination(session, task, location.id or 0)
    suggested = put_back_view(session, task).suggested
    if stock is None:
        return _refused(
            session,
            actor,
            state,
            code,
            _("{location} holds no {sku}: put it at {suggested}").format(
                location=location.code, sku=sku.code, suggested=suggested or "?"
            ),
        )
    if not return_units(session, actor, task, stock, state.units):
        already = _("These units were put back already")
        return _refused(session, actor, state, code, already, Refusal.WRONG_STATE)
    applied = settle_put_back(session, actor, task)
    record(
        session, actor, LOCATION, raw=code, task_ref=Ref.TASK.of(task.id), order_id=task.order_id
    )
    message = _("{units} × {sku} back at {location}").format(
        units=state.units, sku=sku.code, location=location.code
    )
    if applied and task.order_id is not None:
        order = session.get_one(Order, task.order_id)
        message += " — " + _("{order} is {status} now").format(
            order=format_label(ScanKind.ORDER, required_id(order)), status=state_name(order.status)
        )
    place = state.place if state.place and _owed_at(session, state.place) else ""
    return _step(session, _State(place, None, 0), message=message)
