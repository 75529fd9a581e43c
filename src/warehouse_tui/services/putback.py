"""Put-back: units that left a shelf for an order that will not ship go back onto a shelf.

Units leave a shelf when a pick stop is confirmed (StockMove "pick"). When their order will not
ship them after all — an intercept, a cancelled wave, a short order sent to wait, a short line
cancelled — they become put-back work: one FloorTask of kind `restock` per lot they came from
and place they wait (a parcel, the order's put-wall slot or tote, the cart of the batch pick
list that picked them), so the floor knows which units to fetch from where and which shelf to
suggest. Putting them back adds them to a lot — the one they came from, or the same SKU at
another location — with a StockMove "restock", in the transaction of the scan.

A task holds its units one of two ways:
- an intercepted order keeps them on its allocations (`on_allocations`): its waiting version
  applies when the last of them is back (services/orders/restock.py), and each unit put back
  comes off those allocations;
- otherwise they leave the order at once (allocations and lines count them out, and the order
  goes on without them): the task alone holds them.
Either way `warehouse-tui check` finds every unit that left a shelf in a tote, slot, parcel,
truck or put-back task.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlmodel import Session, col

from warehouse_tui.domain.barcodes import ScanKind, format_label
from warehouse_tui.domain.refs import Ref
from warehouse_tui.i18n import _
from warehouse_tui.services.journal import Actor, record
from warehouse_tui.services.results import Refusal, ServiceResult
from warehouse_tui.services.roles import SUPERVISORS, role_refusal
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import (
    Allocation,
    FloorTask,
    Location,
    Order,
    OrderLine,
    OrderStatus,
    Parcel,
    ParcelLine,
    ParcelStatus,
    PickStop,
    PickTask,
    Sku,
    Stock,
    StockMove,
    Strategy,
    Tote,
    WallSlot,
    utcnow,
)
from warehouse_tui.store.set_asides import SET_ASIDE

PUT_BACK = "restock"  # the FloorTask kind of put-back work
OPEN, DONE = "open", "done"
_LIVE_PARCELS = (ParcelStatus.OPEN, ParcelStatus.CLOSED)


# --- creating put-back work --------------------------------------------------------------------


def put_back_picked(
    session: Session,
    order: Order,
    *,
    reason: str,
    on_allocations: bool,
    line_ids: Collection[int] | None = None,
) -> int:
    """Put-back tasks for every unit picked for `order` (or for its lines `line_ids`), one per
    lot and place the units wait; the units in all. Unless `on_allocations`, the units leave
    the order now: its allocations and lines count them out (nothing of them may be packed)."""
    assert order.id is not None
    lines = [
        line
        for line in session.execute(
            select(OrderLine).where(col(OrderLine.order_id) == order.id).order_by(col(OrderLine.id))
        ).scalars()
        if line_ids is None or line.id in line_ids
    ]
    picked = session.execute(
        select(Allocation, Stock)
        .join(Stock, col(Stock.id) == Allocation.stock_id)
        .where(
            col(Allocation.order_line_id).in_([line.id for line in lines]),
            col(Allocation.picked) > 0,
        )
        .order_by(col(Allocation.id))
    ).all()
    places = _waiting_places(session, order, lines)
    lots: dict[tuple[int, int], int] = defaultdict(int)  # (sku, stock) → units
    for allocation, stock in picked:
        lots[(stock.sku_id, stock.id)] += allocation.picked
    tasks: dict[tuple[int, str], FloorTask] = {}
    for (sku_id, stock_id), units in lots.items():
        stock = session.get_one(Stock, stock_id)
        for label, share in _take_places(places[sku_id], units):
            task = tasks.get((stock_id, label))
            if task is None:
                task = FloorTask(
                    kind=PUT_BACK,
                    sku_id=sku_id,
                    location_id=stock.location_id,
                    stock_id=stock_id,
                    order_id=order.id,
                    held_in=label,
                    on_allocations=on_allocations,
                    reason=reason,
                )
                tasks[(stock_id, label)] = task
                session.add(task)
            task.qty += share
    if not on_allocations:
        for allocation, _stock in picked:
            allocation.qty -= allocation.picked
            allocation.picked = 0
        for line in lines:
            assert line.packed == 0, "packed units are not taken off a live order"
            line.picked = 0
    session.flush()
    return sum(lots.values())


def _take_places(places: list[list[Any]], units: int) -> list[tuple[str, int]]:
    """Take `units` from the front of `places` ([label, units] pairs, used up in place); units
    no place accounts for wait where nobody said ("")."""
    taken: list[tuple[str, int]] = []
    while units > 0 and places:
        label, available = places[0]
        share = min(units, available)
        taken.append((label, share))
        units -= share
        if share == available:
            places.pop(0)
        else:
            places[0][1] -= share
    if units:
        taken.append(("", units))
    return taken


def _waiting_places(
    session: Session, order: Order, lines: list[OrderLine]
) -> dict[int, list[list[Any]]]:
    """Per SKU, where the order's picked units wait, as [label, units]: its parcels (packed),
    its slot or tote (picked, not packed), the cart of its batch pick list (not yet sorted)."""
    places: dict[int, list[list[Any]]] = defaultdict(list)
    line_ids = [line.id for line in lines]
    parcels = session.execute(
        select(col(Parcel.id), col(OrderLine.sku_id), func.sum(col(ParcelLine.qty)))
        .join(ParcelLine, col(ParcelLine.parcel_id) == Parcel.id)
        .join(OrderLine, col(OrderLine.id) == ParcelLine.order_line_id)
        .where(col(OrderLine.id).in_(line_ids), col(Parcel.status).in_(_LIVE_PARCELS))
        .group_by(col(Parcel.id), col(OrderLine.sku_id))
        .order_by(col(Parcel.id))
    ).all()
    for parcel_id, sku_id, units in parcels:
        places[sku_id].append([format_label(ScanKind.PARCEL, parcel_id), int(units)])
    holder = container_of(session, order)
    off_shelf = dict(
        session.execute(
            select(col(Allocation.order_line_id), func.sum(col(Allocation.picked)))
            .where(col(Allocation.order_line_id).in_(line_ids))
            .group_by(col(Allocation.order_line_id))
        ).all()
    )
    for line in lines:
        assert line.sku_id is not None or not line.picked
        if line.sku_id is None:
            continue
        if line.picked > line.packed:
            places[line.sku_id].append([holder, line.picked - line.packed])
        on_cart = int(off_shelf.get(line.id, 0)) - line.picked
        if on_cart > 0:
            places[line.sku_id].append([_cart_of(session, order, line.sku_id), on_cart])
    return places


def container_of(session: Session, order: Order) -> str:
    """The label of the put-wall slot or tote the order's picked units are in ("" if none)."""
    slot: str | None = session.execute(
        select(col(WallSlot.code)).where(col(WallSlot.order_id) == order.id)
    ).scalar()
    if slot:
        return slot
    tote = session.execute(
        select(col(Tote.code)).where(col(Tote.order_id) == order.id).order_by(col(Tote.id))
    ).scalar()
    return tote or ""


def _cart_of(session: Session, order: Order, sku_id: int) -> str:
    """The batch pick list whose cart holds units of `sku_id` picked for the order's wave."""
    task_id = session.execute(
        select(col(PickStop.task_id))
        .join(PickTask, col(PickTask.id) == PickStop.task_id)
        .where(
            col(PickTask.wave_id) == order.wave_id,
            col(PickTask.strategy) == Strategy.BATCH,
            col(PickStop.sku_id) == sku_id,
            col(PickStop.picked) > 0,
        )
        .order_by(col(PickStop.task_id))
        .limit(1)
    ).scalar()
    return Ref.PICK.of(task_id) if task_id is not None else ""


# --- putting units back ------------------------------------------------------------------------


def origin(session: Session, task: FloorTask) -> Stock | None:
    """The lot the task's units came from: its own, else a lot the order picked the SKU from,
    else any lot of the SKU."""
    if task.stock_id is not None:
        return session.get(Stock, task.stock_id)
    query = select(Stock).where(col(Stock.sku_id) == task.sku_id).order_by(col(Stock.id))
    if task.order_id is not None:
        picked_from = (
            select(col(Allocation.stock_id))
            .join(OrderLine, col(OrderLine.id) == Allocation.order_line_id)
            .where(col(OrderLine.order_id) == task.order_id, col(Allocation.picked) > 0)
        )
        found: Stock | None = (
            session.execute(query.where(col(Stock.id).in_(picked_from))).scalars().first()
        )
        if found is not None:
            return found
    first: Stock | None = session.execute(query).scalars().first()
    return first


def destination(session: Session, task: FloorTask, location_id: int) -> Stock | None:
    """The lot at `location_id` the task's units go into: the one they came from, else the same
    SKU there (the same batch first; a batch-tracked SKU gets a lot of its batch). None when the
    location holds none of the SKU."""
    came_from = origin(session, task)
    if came_from is not None and came_from.location_id == location_id:
        return came_from
    there: list[Stock] = list(
        session.execute(
            select(Stock)
            .where(col(Stock.location_id) == location_id, col(Stock.sku_id) == task.sku_id)
            .order_by(col(Stock.id))
        ).scalars()
    )
    if not there:
        return None
    batch = came_from.batch if came_from is not None else ""
    same = next((stock for stock in there if stock.batch == batch), None)
    if same is not None:
        return same
    sku = session.get_one(Sku, task.sku_id)
    if not sku.batch_tracked or came_from is None:
        return there[0]
    lot = Stock(
        location_id=location_id,
        sku_id=came_from.sku_id,
        batch=came_from.batch,
        expiry=came_from.expiry,
        received_at=came_from.received_at,
    )
    session.add(lot)
    session.flush()
    return lot


def return_units(session: Session, actor: Actor, task: FloorTask, stock: Stock, units: int) -> bool:
    """`units` of the task are on the shelf in `stock`: the lot and its ledger count them in,
    the task counts them done (and is done with its last), an intercepted order's allocations
    count them out. Compare-and-set on the task: False (nothing changed) when those units are
    no longer owed, as when another terminal put them back a moment ago."""
    owed = session.exec(
        update(FloorTask)
        .where(
            col(FloorTask.id) == task.id,
            col(FloorTask.status) == OPEN,
            col(FloorTask.done_qty) + units <= col(FloorTask.qty),
        )
        .values(done_qty=FloorTask.done_qty + units)
        .execution_options(synchronize_session=False)
    )
    if owed.rowcount != 1:
        return False
    session.refresh(task)
    session.execute(
        update(Stock).where(col(Stock.id) == stock.id).values(on_hand=Stock.on_hand + units)
    )
    order_ref = format_label(ScanKind.ORDER, task.order_id) if task.order_id else ""
    session.add(
        StockMove(
            sku_id=stock.sku_id,
            location_id=stock.location_id,
            batch=stock.batch,
            delta=units,
            reason=PUT_BACK,
            ref=order_ref or Ref.TASK.of(task.id),
            operator_id=actor.operator_id,
        )
    )
    if task.on_allocations:
        _off_allocations(session, task, units)
    if task.done_qty == task.qty:
        task.status = DONE
        task.done_by = actor.operator_id
        task.done_at = utcnow()
    session.flush()
    return True


def _off_allocations(session: Session, task: FloorTask, units: int) -> None:
    """The intercepted order's allocations no longer count `units` of the task's lot as picked
    (nor reserved: what it had unpicked was given back at the intercept)."""
    query = (
        select(Allocation)
        .join(OrderLine, col(OrderLine.id) == Allocation.order_line_id)
        .join(Stock, col(Stock.id) == Allocation.stock_id)
        .where(col(OrderLine.order_id) == task.order_id, col(Allocation.picked) > 0)
        .order_by(col(Allocation.id))
    )
    if task.stock_id is not None:
        query = query.where(col(Allocation.stock_id) == task.stock_id)
    else:
        query = query.where(col(Stock.sku_id) == task.sku_id)
    for allocation in session.execute(query).scalars():
        take = min(units, allocation.picked)
        allocation.picked -= take
        allocation.qty -= take
        units -= take
        if units == 0:
            return


def free_emptied_place(session: Session, label: str) -> None:
    """A tote or slot whose last put-back unit left it is free again, unless its order still
    has units in it (a short line cancelled leaves the rest of the order in its tote)."""
    if not label:
        return
    waiting = session.execute(
        select(func.count())
        .select_from(FloorTask)
        .where(
            col(FloorTask.kind) == PUT_BACK,
            col(FloorTask.status) == OPEN,
            col(FloorTask.held_in) == label,
        )
    ).scalar_one()
    if waiting:
        return
    tote = session.execute(select(Tote).where(col(Tote.code) == label)).scalar()
    slot = session.execute(select(WallSlot).where(col(WallSlot.code) == label)).scalar()
    holder = tote or slot
    if holder is None or holder.order_id is None or _still_holds(session, holder.order_id):
        return
    holder.order_id = None
    if slot is not None:
        slot.status = "free"
    if tote is not None:
        tote.task_id = None


def _still_holds(session: Session, order_id: int) -> bool:
    order = session.get_one(Order, order_id)
    if order.intercepted or order.status not in (OrderStatus.RELEASED, OrderStatus.PICKED):
        return False
    picked = session.execute(
        select(func.coalesce(func.sum(col(OrderLine.picked)), 0)).where(
            col(OrderLine.order_id) == order_id
        )
    ).scalar_one()
    return int(picked) > 0


# --- what a put-back task says ----------------------------------------------------------------


@dataclass(frozen=True)
class PutBackView:
    task_id: int
    sku_code: str
    sku_name: str
    qty: int
    done: int
    held_in: str
    suggested: str  # the location code the units came from ("" if unknown)
    order_ref: str

    @property
    def remaining(self) -> int:
        return self.qty - self.done


def put_back_view(session: Session, task: FloorTask) -> PutBackView:
    sku = session.get_one(Sku, task.sku_id)
    came_from = origin(session, task)
    location = session.get(Location, came_from.location_id) if came_from is not None else None
    return PutBackView(
        task_id=task.id or 0,
        sku_code=sku.code,
        sku_name=sku.name,
        qty=task.qty,
        done=task.done_qty,
        held_in=task.held_in,
        suggested=location.code if location is not None else "",
        order_ref=format_label(ScanKind.ORDER, task.order_id) if task.order_id else "",
    )


def open_put_backs(store: Store) -> list[PutBackView]:
    """Every put-back task still owed, oldest first."""
    with store.read() as session:
        tasks = session.execute(
            select(FloorTask)
            .where(col(FloorTask.kind) == PUT_BACK, col(FloorTask.status) == OPEN)
            .order_by(col(FloorTask.created_at), col(FloorTask.id))
        ).scalars()
        return [put_back_view(session, task) for task in tasks]


def describe(view: PutBackView) -> str:
    """One line for a put-back: the units, where they wait, where they go."""
    where = view.held_in or _("unknown place")
    text = _("{units} × {sku} in {where} → {location}").format(
        units=view.remaining, sku=view.sku_code, where=where, location=view.suggested or "?"
    )
    return f"{text} ({view.order_ref})" if view.order_ref else text


# --- items set aside at a put wall -------------------------------------------------------------


@dataclass(frozen=True)
class TaskResult(ServiceResult):
    message: str = ""


def close_set_aside(store: Store, actor: Actor, task_id: int, reason: str) -> TaskResult:
    """A supervisor settles an item set aside at a put wall (put back with its put-back task,
    found a home, written off by a count): the note is closed with why."""
    with store.write() as session:
        task = session.get(FloorTask, task_id, with_for_update=True)
        refusal, kind = role_refusal(session, actor, SUPERVISORS), Refusal.ROLE
        if not refusal and (task is None or task.kind != SET_ASIDE):
            refusal, kind = _("No such set-aside item"), Refusal.NOT_FOUND
        elif not refusal and task is not None and task.status != OPEN:
            refusal, kind = _("This set-aside item is already settled"), Refusal.WRONG_STATE
        if refusal or task is None:
            record(
                session,
                actor,
                "set-aside.close",
                accepted=False,
                reason=refusal,
                task_ref=Ref.TASK.of(task_id),
            )
            return TaskResult(False, refusal, refusal=kind)
        task.status = DONE
        task.done_by = actor.operator_id
        task.done_at = utcnow()
        record(session, actor, "set-aside.close", reason=reason, task_ref=Ref.TASK.of(task_id))
        return TaskResult(True, message=_("Set-aside item settled"))
