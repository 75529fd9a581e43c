"""Reserved stock given back: allocations released or dropped, open pick stops cancelled."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import and_, delete, select, update
from sqlmodel import Session, col

from warehouse_tui.services.picking.progress import advance
from warehouse_tui.store.models import (
    Allocation,
    OrderLine,
    PickStop,
    PickTask,
    Stock,
    TaskStatus,
)

FINISHED_STOPS = ("done", "short")  # PickStop states after which nothing is left to pick


def _allocations_of(session: Session, order_ids: Iterable[int]) -> list[Allocation]:
    """The orders' allocations, locked and read afresh: what is still reserved is read after
    any confirmation in progress has counted its picks."""
    return list(
        session.execute(
            select(Allocation)
            .join(OrderLine, col(OrderLine.id) == Allocation.order_line_id)
            .where(col(OrderLine.order_id).in_(list(order_ids)))
            .order_by(col(Allocation.id))
            .with_for_update(of=Allocation)
            .execution_options(populate_existing=True)
        ).scalars()
    )


def give_back_unpicked(session: Session, order_id: int) -> list[int]:
    """Hand back the reserved but unpicked units; each allocation keeps only what was picked."""
    allocations = _allocations_of(session, [order_id])
    for allocation in allocations:
        unpicked = allocation.qty - allocation.picked
        if unpicked > 0:
            _change_allocated(session, allocation.stock_id, -unpicked)
            allocation.qty = allocation.picked
    return [allocation.id for allocation in allocations if allocation.id is not None]


def _change_allocated(session: Session, stock_id: int, delta: int) -> None:
    session.execute(
        update(Stock).where(col(Stock.id) == stock_id).values(allocated=Stock.allocated + delta)
    )


def cancel_open_stops(session: Session, order_id: int, allocation_ids: list[int]) -> None:
    """This order's unfinished pick stops (its own, or by its allocations) leave their pick
    lists: nothing more is picked for it, and units in a picker's hand at such a stop were
    never taken off the shelf's count. A batch stop (no order, no allocation) picks a SKU for
    many orders at once and stays; the put wall refuses this order. Each list that lost a stop
    moves on to its next one, and a list left with none is done (and maybe its wave)."""
    mine = col(PickStop.order_id) == order_id
    if allocation_ids:
        mine = mine | col(PickStop.allocation_id).in_(allocation_ids)
    unfinished = and_(mine, col(PickStop.status).not_in(FINISHED_STOPS))
    task_ids = set(session.execute(select(col(PickStop.task_id)).where(unfinished)).scalars())
    session.execute(delete(PickStop).where(unfinished).execution_options(synchronize_session=False))
    for task_id in sorted(task_ids):
        task = session.get(PickTask, task_id, with_for_update=True)
        if task is not None and task.status not in (TaskStatus.DONE, TaskStatus.CANCELLED):
            advance(session, task)  # a list left with nothing to pick is done


def release_allocations(session: Session, order_ids: list[int]) -> None:
    """Give back every unit these orders still hold reserved, and drop their allocations."""
    for allocation in _allocations_of(session, order_ids):
        unpicked = allocation.qty - allocation.picked
        if unpicked > 0:
            _change_allocated(session, allocation.stock_id, -unpicked)
    drop_allocations(session, order_ids)


def drop_allocations(session: Session, order_ids: list[int]) -> None:
    allocation_ids = (
        select(col(Allocation.id))
        .join(OrderLine, col(OrderLine.id) == Allocation.order_line_id)
        .where(col(OrderLine.order_id).in_(order_ids))
    )
    session.execute(
        update(PickStop)
        .where(col(PickStop.allocation_id).in_(allocation_ids))
        .values(allocation_id=None)
    )
    session.execute(delete(Allocation).where(col(Allocation.id).in_(allocation_ids)))
