"""What a handheld shows of a pick list: where the picker is, what to scan next, the cart.

The step a picker is at is read from the database (PickStop.status, PickStop.picked, the totes
bound so far), never kept in the screen, so a terminal that comes back shows the same stop. The
stop states and the `Expect` they map to are defined here, once, for the services that change
them and the screen that shows them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlmodel import Session, col, select

from warehouse_tui.domain.barcodes import ScanKind, format_label
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import (
    Location,
    PickStop,
    PickTask,
    Sku,
    Stock,
    TaskStatus,
    Tote,
)
from warehouse_tui.store.pick_scan import NextStop, StopRow


class StopState(StrEnum):
    OPEN = "open"
    AT_LOCATION = "at-location"
    TO_TOTE = "to-tote"
    DONE = "done"
    SHORT = "short"


FINISHED_STOPS = (StopState.DONE, StopState.SHORT)
HELD_TASK = (TaskStatus.CLAIMED, TaskStatus.PAUSED)


class Expect(StrEnum):
    """What the picker scans next."""

    EMPTY_TOTE = "empty-tote"
    LOCATION = "location"
    ITEM = "item"
    TOTE = "tote"


_EXPECT_BY_STATE: dict[str, Expect] = {  # by StopState, or the status string it is
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


def order_ref(order_id: int) -> str:
    return format_label(ScanKind.ORDER, order_id)


def current_stop(store: Store, task_id: int) -> StopView | None:
    """Where the list's picker is and what they scan next; None once the list is done."""
    with store.read() as session:
        task = session.get(PickTask, task_id)
        return stop_view(session, task) if task is not None else None


def task_view(store: Store, task_id: int) -> TaskView | None:
    with store.read() as session:
        task = session.get(PickTask, task_id)
        return task_view_of(session, task) if task is not None else None


def task_view_of(session: Session, task: PickTask) -> TaskView:
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


def stop_view(session: Session, task: PickTask) -> StopView | None:
    """The list's first unfinished stop as the handheld shows it; None once the list is done."""
    assert task.id is not None
    stops = _stops(session, task)
    current = next((stop for stop in stops if stop.status not in FINISHED_STOPS), None)
    if current is None:
        return None
    assert current.id is not None
    cart = _cart(session, stops)
    unbound = [order_id for order_id, tote in cart if tote is None]
    location = stop_location(session, current)
    sku = session.get(Sku, current.sku_id)
    assert sku is not None
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


def stop_view_of_row(
    task_id: int,
    row: StopRow | NextStop,
    progress: StopRow,
    *,
    status: str | None = None,
    picked: int | None = None,
    done: int = 0,
) -> StopView:
    """`stop_view` from the pick scan's reads (store/pick_scan): the stop `row`, with its
    `status` and `picked` as the scan just changed them, on the list whose progress was read
    with `progress` (and `done` more stops finished since). Only for a list whose orders all
    have their totes, as the scan's fast path requires."""
    assert not progress.unbound
    return StopView(
        task_id=task_id,
        stop_id=row.stop_id,
        seq=row.seq,
        expect=_EXPECT_BY_STATE[status or row.status],
        location_code=row.location_code,
        sku_code=row.sku_code,
        sku_name=row.sku_name,
        qty=row.qty,
        picked=row.picked if picked is None else picked,
        tote_code=row.tote_code,
        order_ref=order_ref(row.order_id) if row.order_id else None,
        typed_qty_allowed=row.typed_qty_allowed,
        done=progress.done + done,
        total=progress.total,
        paused=progress.task_status == TaskStatus.PAUSED,
        totes_bound=progress.orders,
        totes_needed=progress.orders,
    )


def stop_location(session: Session, stop: PickStop) -> Location:
    """The location a stop picks from (through its stock row)."""
    stock = session.get(Stock, stop.stock_id)
    location = session.get(Location, stock.location_id) if stock else None
    assert location is not None
    return location


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
