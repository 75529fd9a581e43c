"""What a confirmed stop changes, and how a list, an order and a wave move on.

Stock, allocations and order lines change when a stop is confirmed (its tote scanned, or its
last unit on a batch pick), in the transaction of that scan. On a batch pick the order lines are
counted later, at the put wall, which is why a batch wave goes through `sorting` and the put
wall shares `order_fully_picked` and `update_wave_progress` with the picking steps.

Rows are locked in one order across the floor, so two stations wait for each other instead of
deadlocking: the pick lists first (claims.on_held_task holds a list's lock for the whole step,
and a supervisor's wave or order cancellation locks the lists it touches before anything
else), then parcels, then the stops, allocations, stock and orders they lead to, the wave last.
"""

from __future__ import annotations

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from warehouse_tui.domain.refs import Ref
from warehouse_tui.services.journal import Actor
from warehouse_tui.services.picking.views import FINISHED_STOPS, StopState
from warehouse_tui.store.models import (
    Allocation,
    Order,
    OrderLine,
    OrderStatus,
    PickStop,
    PickTask,
    Stock,
    StockMove,
    Strategy,
    TaskStatus,
    Wave,
    WaveStatus,
    utcnow,
)


def locked_current_stop(session: Session, task: PickTask) -> PickStop | None:
    """The list's first unfinished stop, locked for the step about to change it."""
    return session.exec(
        select(PickStop)
        .where(PickStop.task_id == task.id, col(PickStop.status).not_in(FINISHED_STOPS))
        .order_by(col(PickStop.seq))
        .with_for_update()
    ).first()


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


def confirm_stop(session: Session, actor: Actor, task: PickTask, stop: PickStop) -> None:
    """The stop's units leave the shelf: allocations (and, picking by order, order lines)
    count them, stock and its move record them, and the list moves on."""
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
            ref=Ref.PICK.of(task.id),
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
    nxt = locked_current_stop(session, task)
    if nxt is not None:
        task.current_stop = nxt.seq
        return
    task.status = TaskStatus.DONE
    session.flush()
    update_wave_progress(session, task.wave_id)


def update_wave_progress(session: Session, wave_id: int) -> None:
    """picking → done (pick-by-order) or → sorting → done (batch): the wave's states.

    The wave is locked before its unfinished lists are counted: two pickers finishing the last
    two lists at once would each count the other's as unfinished (neither has committed) and
    leave the wave `picking` for ever; the lock makes the second count after the first commit.
    """
    wave = session.get(Wave, wave_id, with_for_update=True, populate_existing=True)
    assert wave is not None
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
