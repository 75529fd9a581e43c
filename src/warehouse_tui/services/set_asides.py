"""Units set aside at a station, and how a supervisor ends them.

A station that refuses a unit it holds in hand — a serial no delivery brought (services/
serials.py), a serial received twice, a lot not picked for the order at the pack station —
records a set-aside floor task (`store/set_asides.py`) naming the unit's SKU, where it waits
(the station, or the delivery) and why, and tells the operator to put the unit in the
set-aside tote. One refusal is one unit, but the same refusal again in the same place while
the first waits is that unit scanned again, and adds nothing. The task is an exception
(`set-aside` in services/exceptions.py) until a supervisor ends it:

- a unit of a lot the warehouse stocks (`stock_id`: a wrong lot at the pack station) goes
  **back on the shelf** of its lot, or is **scrapped**;
- any set-aside is **settled** with a reason (sent back to the supplier, found its order, …).

Back on the shelf moves no stock: a pick confirms every unit's lot by scan, so a unit of a lot
not picked for the order left its shelf unscanned, and the ledger still counts it there.
Scrapping it takes it off that lot (ledger reason `scrap`, ref the task) with a `stock` event;
a unit of no lot we stock was never on the ledger, and is settled instead.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session, col

from warehouse_tui.domain.barcodes import ScanKind, prefixed_label
from warehouse_tui.i18n import _
from warehouse_tui.services.journal import Actor, record
from warehouse_tui.services.putback import DONE, OPEN, TaskResult, task_label
from warehouse_tui.services.results import Refusal
from warehouse_tui.services.returns.events import announce_stock
from warehouse_tui.services.roles import SUPERVISORS, role_refusal
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import FloorTask, Location, Stock, StockMove, utcnow
from warehouse_tui.store.set_asides import SET_ASIDE

RESTOCK, SCRAP = "set-aside.restock", "set-aside.scrap"


def lot_of(session: Session, sku_id: int, batch: str) -> Stock | None:
    """The lot `batch` of the SKU a set-aside unit belongs to: one with a free unit first."""
    lots = list(
        session.execute(
            select(Stock)
            .where(col(Stock.sku_id) == sku_id, col(Stock.batch) == batch)
            .order_by(col(Stock.id))
        ).scalars()
    )
    return next((lot for lot in lots if lot.on_hand > lot.allocated), lots[0] if lots else None)


def shelf_of_lot(session: Session, task: FloorTask) -> str:
    """The location code of the task's lot ("" when it has none)."""
    lot = session.get(Stock, task.stock_id) if task.stock_id is not None else None
    location = session.get(Location, lot.location_id) if lot is not None else None
    return prefixed_label(ScanKind.LOCATION, location.code) if location is not None else ""


def restock_set_aside(store: Store, actor: Actor, task_id: int, reason: str = "") -> TaskResult:
    """The unit is back on its lot's shelf (no stock move: the ledger never saw it leave)."""
    with store.write() as session:
        task, refusal, kind = _open_lot_task(session, actor, task_id)
        if task is None:
            _journal_refusal(session, actor, RESTOCK, task_id, refusal)
            return TaskResult(False, refusal, refusal=kind)
        shelf = shelf_of_lot(session, task)
        _done(session, actor, task)
        record(session, actor, RESTOCK, reason=reason or shelf, task_ref=task_label(task_id))
        return TaskResult(True, message=_("Back on the shelf at {loc}").format(loc=shelf))


def scrap_set_aside(store: Store, actor: Actor, task_id: int, reason: str) -> TaskResult:
    """The unit is written off: one less of its lot, in stock and in the ledger."""
    with store.write() as session:
        task, refusal, kind = _open_lot_task(session, actor, task_id)
        lot = session.get(Stock, task.stock_id, with_for_update=True) if task else None
        if task is not None and (lot is None or lot.on_hand - lot.allocated < 1):
            task, kind = None, Refusal.WRONG_STATE
            refusal = _(
                "No free unit of this lot is on the ledger to write off: scan its location "
                "on Exceptions to have it counted, then settle the item"
            )
        if task is None or lot is None:
            _journal_refusal(session, actor, SCRAP, task_id, refusal)
            return TaskResult(False, refusal, refusal=kind)
        lot.on_hand -= 1
        session.add(
            StockMove(
                sku_id=lot.sku_id,
                location_id=lot.location_id,
                batch=lot.batch,
                delta=-1,
                reason="scrap",
                ref=task_label(task_id),
                operator_id=actor.operator_id,
            )
        )
        _done(session, actor, task)
        record(session, actor, SCRAP, reason=reason, task_ref=task_label(task_id))
        announce_stock(session, [lot.sku_id])
        return TaskResult(
            True, message=_("Scrapped: written off batch {batch}").format(batch=lot.batch)
        )


def _open_lot_task(
    session: Session, actor: Actor, task_id: int
) -> tuple[FloorTask | None, str, Refusal | None]:
    """The open set-aside task of a lot, locked; or why there is none to act on."""
    refusal = role_refusal(session, actor, SUPERVISORS)
    if refusal:
        return None, refusal, Refusal.ROLE
    task = session.get(FloorTask, task_id, with_for_update=True)
    if task is None or task.kind != SET_ASIDE:
        return None, _("No such set-aside item"), Refusal.NOT_FOUND
    if task.status != OPEN:
        return None, _("This set-aside item is already settled"), Refusal.WRONG_STATE
    if task.stock_id is None:
        return None, _("This item belongs to no lot we stock: settle it"), Refusal.WRONG_STATE
    return task, "", None


def _done(session: Session, actor: Actor, task: FloorTask) -> None:
    task.status = DONE
    task.done_qty = task.qty
    task.done_by = actor.operator_id
    task.done_at = utcnow()


def _journal_refusal(session: Session, actor: Actor, action: str, task_id: int, why: str) -> None:
    record(session, actor, action, accepted=False, reason=why, task_ref=task_label(task_id))
