"""Units set aside at a station, and how a supervisor ends them.

A station that refuses a unit it holds in hand records a set-aside floor task
(`store/set_asides.py`) naming the unit's SKU, where it waits (the station, the location or
the delivery), why, and what the ledger knows of it, and tells the operator to put the unit in
the set-aside tote. One refusal is one unit (or the case a scan counts), but the same refusal
again in the same place while the first waits is that unit scanned again, and adds nothing.
The task is an exception (`set-aside` in services/exceptions.py) until a supervisor ends it.

What the ledger knows decides the ends:

- a unit still counted on its shelf (`stock_id`, no `order_id`): a lot not picked for the
  order at the pack station, or an item not on the order at all. A pick confirms every unit by
  scan, so such a unit left its shelf unscanned — for this order at least: a unit picked for
  another order counts on that order's line, and its packer finds it missing. **Back on the
  shelf** moves no stock; **scrap** takes it off its lot (ledger reason `scrap`, ref the task)
  with a `stock` event;
- a unit picked for the order (`order_id`: a lot that expires too soon for it, found at the
  pack station): the pick took it off its lot, and the refusal took it off the order (its
  line and allocation count it out, the order is back to `released` and short that unit, and
  the shortage desk re-picks it or ships short — services/shortages.py). The task holds it
  until **back on the shelf** adds it to its lot again (ledger `restock`, like a put-back) or
  **scrap** writes it off: it comes back on its lot and leaves it as `scrap` in one step, so
  the ledger shows the write-off as every write-off is shown;
- a unit whose serial was never received, in stock from before its SKU's deliveries were
  received with serials (`serial`): **received** records the serial as received by the
  supervisor (`warehouse-tui serials receive` does the same from the command line), and the
  unit picks and packs;
- any set-aside is **settled** with a reason (sent back to the supplier, found its order, …).
A unit of no lot we stock was never on the ledger, and is settled.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlmodel import Session, col

from warehouse_tui.domain.barcodes import ScanKind, prefixed_label
from warehouse_tui.domain.refs import Ref
from warehouse_tui.i18n import _
from warehouse_tui.services.journal import Actor, record
from warehouse_tui.services.ledger import move_stock
from warehouse_tui.services.lookup import resolve_code
from warehouse_tui.services.putback import DONE, OPEN, PUT_BACK, TaskResult
from warehouse_tui.services.results import Refusal
from warehouse_tui.services.returns.events import announce_stock
from warehouse_tui.services.roles import SUPERVISORS, role_refusal
from warehouse_tui.services.serials import record_unreceived_serial
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
    Sku,
    Stock,
    WallSlot,
    utcnow,
)
from warehouse_tui.store.set_asides import SET_ASIDE

RESTOCK, SCRAP, RECEIVE = "set-aside.restock", "set-aside.scrap", "set-aside.receive"


def take_off_order(session: Session, line_id: int, batch: str) -> list[tuple[Stock, int]]:
    """Every unit picked for the order line from lot `batch` and not packed leaves the order
    for the set-aside tote (a lot too soon for the order is too soon for all its units): the
    allocations and the line count them out, and an order that was `picked` is `released`
    again, short those units (services/shortages.py ends it). The lots they came from, with
    the units of each; none (nothing changed) when no such unit is left."""
    line = session.get(OrderLine, line_id, with_for_update=True)
    allocations = list(
        session.execute(
            select(Allocation)
            .join(Stock, col(Stock.id) == Allocation.stock_id)
            .where(
                col(Allocation.order_line_id) == line_id,
                col(Stock.batch) == batch,
                col(Allocation.picked) > 0,
            )
            .order_by(col(Allocation.id))
            .with_for_update()
        ).scalars()
    )
    packed = sum(
        parcel_line.batches.count(batch)
        for parcel_line in session.execute(
            select(ParcelLine)
            .join(Parcel, col(Parcel.id) == ParcelLine.parcel_id)
            .where(
                col(ParcelLine.order_line_id) == line_id,
                col(Parcel.status) != ParcelStatus.CANCELLED,
            )
        ).scalars()
    )
    if line is None:
        return []
    left = min(sum(a.picked for a in allocations) - packed, line.picked - line.packed)
    taken: dict[int, int] = {}  # stock id → units
    for allocation in reversed(allocations):  # the units packed first came first
        units = min(left, allocation.picked)
        if units <= 0:
            break
        allocation.picked -= units
        allocation.qty -= units
        left -= units
        taken[allocation.stock_id] = taken.get(allocation.stock_id, 0) + units
    if not taken:
        return []
    line.picked -= sum(taken.values())
    order = session.get_one(Order, line.order_id, with_for_update=True)
    if order.status == OrderStatus.PICKED:
        order.status = OrderStatus.RELEASED
        session.execute(
            update(WallSlot)
            .where(col(WallSlot.order_id) == order.id, col(WallSlot.status) == "ready")
            .values(status="filling")
        )
    order.updated_at = utcnow()
    session.flush()
    return [(session.get_one(Stock, stock_id), units) for stock_id, units in taken.items()]


def taken_off(session: Session, order_id: int, sku_id: int, batch: str) -> bool:
    """Units of lot `batch` were taken off the order into a set-aside tote, and still wait."""
    found = session.execute(
        select(col(FloorTask.id))
        .join(Stock, col(Stock.id) == FloorTask.stock_id)
        .where(
            col(FloorTask.kind) == SET_ASIDE,
            col(FloorTask.status) == OPEN,
            col(FloorTask.order_id) == order_id,
            col(FloorTask.sku_id) == sku_id,
            col(Stock.batch) == batch,
        )
        .limit(1)
    ).scalar()
    return found is not None


def shelf_of_lot(session: Session, task: FloorTask) -> str:
    """The location code of the task's lot ("" when it has none)."""
    lot = session.get(Stock, task.stock_id) if task.stock_id is not None else None
    location = session.get(Location, lot.location_id) if lot is not None else None
    return prefixed_label(ScanKind.LOCATION, location.code) if location is not None else ""


def restock_set_aside(store: Store, actor: Actor, task_id: int, reason: str = "") -> TaskResult:
    """The unit is back on its lot's shelf: a unit the pick took off its lot is added to it
    again (ledger `restock`); one still counted there moves no stock."""
    with store.write() as session:
        task, refusal, kind = _open_lot_task(session, actor, task_id)
        if task is None:
            _journal_refusal(session, actor, RESTOCK, task_id, refusal)
            return TaskResult(False, refusal, refusal=kind)
        shelf = shelf_of_lot(session, task)
        if task.order_id is not None:
            lot = session.get_one(Stock, task.stock_id, with_for_update=True)
            move_stock(session, actor, lot, task.qty, PUT_BACK, Ref.TASK.of(task.id))
            announce_stock(session, [lot.sku_id])
        _done(session, actor, task)
        record(session, actor, RESTOCK, reason=reason or shelf, task_ref=Ref.TASK.of(task_id))
        return TaskResult(True, message=_("Back on the shelf at {loc}").format(loc=shelf))


def scrap_set_aside(store: Store, actor: Actor, task_id: int, reason: str) -> TaskResult:
    """The unit is written off: one less of its lot, in stock and in the ledger (a unit the
    pick took off its lot already comes back on it and leaves it as `scrap`)."""
    with store.write() as session:
        task, refusal, kind = _open_lot_task(session, actor, task_id)
        lot = session.get(Stock, task.stock_id, with_for_update=True) if task else None
        off_shelf = task is not None and task.order_id is not None
        free = lot.on_hand - lot.allocated if lot is not None else 0
        if task is not None and not off_shelf and free < task.qty:
            task, kind = None, Refusal.WRONG_STATE
            refusal = _(
                "No free unit of this lot is on the ledger to write off: scan its location "
                "on Exceptions to have it counted, then settle the item"
            )
        if task is None or lot is None:
            _journal_refusal(session, actor, SCRAP, task_id, refusal)
            return TaskResult(False, refusal, refusal=kind)
        if off_shelf:  # back on its lot first, so the write-off shows like any other
            move_stock(session, actor, lot, task.qty, PUT_BACK, Ref.TASK.of(task.id))
        move_stock(session, actor, lot, -task.qty, "scrap", Ref.TASK.of(task.id))
        _done(session, actor, task)
        record(session, actor, SCRAP, reason=reason, task_ref=Ref.TASK.of(task_id))
        if not off_shelf:
            announce_stock(session, [lot.sku_id])
        return TaskResult(
            True, message=_("Scrapped: written off batch {batch}").format(batch=lot.batch)
        )


def receive_set_aside(store: Store, actor: Actor, task_id: int, reason: str) -> TaskResult:
    """The set-aside unit's serial, never received, is recorded as received by the supervisor
    (for stock from before its SKU's deliveries brought serials): the unit picks and packs."""
    with store.write() as session:
        task, refusal, kind = _open_task(session, actor, task_id)
        if task is not None and (task.serial is None or task.sku_id is None):
            task, refusal = None, _("This item carries no serial to receive: settle it")
            kind = Refusal.WRONG_STATE
        if task is None or task.serial is None or task.sku_id is None:
            _journal_refusal(session, actor, RECEIVE, task_id, refusal)
            return TaskResult(False, refusal, refusal=kind)
        return _receive(session, actor, task.sku_id, task.serial, reason)


def receive_serial(
    store: Store, actor: Actor, sku_code: str, serial: str, reason: str
) -> TaskResult:
    """`warehouse-tui serials receive`: as `receive_set_aside`, for a serial named by hand (any
    of the SKU's codes); its units waiting in a set-aside tote are done with it."""
    with store.write() as session:
        refusal = role_refusal(session, actor, SUPERVISORS)
        kind = Refusal.ROLE
        resolved = resolve_code(session, sku_code.strip()) if not refusal else None
        if not refusal and (resolved is None or resolved.type != "sku"):
            refusal = _("Unknown SKU {code}: scan or type one of its codes").format(code=sku_code)
            kind = Refusal.NOT_FOUND
        elif not refusal and not (serial.strip() and reason.strip()):
            refusal, kind = _("Give the serial and say why (--reason)"), Refusal.BAD_INPUT
        if refusal or resolved is None:
            record(session, actor, RECEIVE, accepted=False, reason=refusal, raw=serial)
            return TaskResult(False, refusal, refusal=kind)
        return _receive(session, actor, resolved.id, serial.strip(), reason.strip())


def _receive(session: Session, actor: Actor, sku_id: int, serial: str, reason: str) -> TaskResult:
    """Record the serial as received, and end the set-asides waiting for it; or refuse."""
    sku = session.get_one(Sku, sku_id)
    refusal = record_unreceived_serial(session, sku, serial, actor.operator_id)
    if refusal:
        record(session, actor, RECEIVE, accepted=False, reason=refusal, raw=serial)
        return TaskResult(False, refusal, refusal=Refusal.WRONG_STATE)
    waiting = list(
        session.execute(
            select(FloorTask)
            .where(
                col(FloorTask.kind) == SET_ASIDE,
                col(FloorTask.status) == OPEN,
                col(FloorTask.sku_id) == sku_id,
                col(FloorTask.serial) == serial,
            )
            .order_by(col(FloorTask.id))
            .with_for_update()
        ).scalars()
    )
    for task in waiting:
        _done(session, actor, task)
    task_ref = Ref.TASK.of(waiting[0].id) if waiting else ""
    record(session, actor, RECEIVE, reason=reason, raw=serial, task_ref=task_ref)
    places = ", ".join(sorted({task.held_in for task in waiting if task.held_in}))
    message = _("Serial {serial} of {sku} is received: the unit picks and packs").format(
        serial=serial, sku=sku.code
    )
    if places:
        message += " — " + _("take it back from the set-aside tote at {place}").format(place=places)
    return TaskResult(True, message=message)


def _open_task(
    session: Session, actor: Actor, task_id: int
) -> tuple[FloorTask | None, str, Refusal | None]:
    """The open set-aside task, locked; or why there is none to act on."""
    refusal = role_refusal(session, actor, SUPERVISORS)
    if refusal:
        return None, refusal, Refusal.ROLE
    task = session.get(FloorTask, task_id, with_for_update=True)
    if task is None or task.kind != SET_ASIDE:
        return None, _("No such set-aside item"), Refusal.NOT_FOUND
    if task.status != OPEN:
        return None, _("This set-aside item is already settled"), Refusal.WRONG_STATE
    return task, "", None


def _open_lot_task(
    session: Session, actor: Actor, task_id: int
) -> tuple[FloorTask | None, str, Refusal | None]:
    """The open set-aside task of a lot, locked; or why there is none to act on."""
    task, refusal, kind = _open_task(session, actor, task_id)
    if task is not None and task.stock_id is None:
        return None, _("This item belongs to no lot we stock: settle it"), Refusal.WRONG_STATE
    return task, refusal, kind


def _done(session: Session, actor: Actor, task: FloorTask) -> None:
    task.status = DONE
    task.done_qty = task.qty
    task.done_by = actor.operator_id
    task.done_at = utcnow()


def _journal_refusal(session: Session, actor: Actor, action: str, task_id: int, why: str) -> None:
    record(session, actor, action, accepted=False, reason=why, task_ref=Ref.TASK.of(task_id))
