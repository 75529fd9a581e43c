"""Short picks: the location holds fewer than the stop asks for.

The picker says how many are there (units already scanned included). The missing units are
taken off the stop's allocations and re-allocated to other locations with free stock (one
location for all if one can, then earliest expiry, then oldest stock), added to the route as
the next stops; what none can give is recorded as a shortage on the order, for the supervisor.
Either way the location is queued for a count. All of it in the transaction of the report.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import Session, col, select

from warehouse_tui.domain.refs import Ref
from warehouse_tui.i18n import _
from warehouse_tui.services.journal import Actor, record
from warehouse_tui.services.picking.claims import Done, on_held_task
from warehouse_tui.services.picking.progress import (
    advance,
    confirm_stop,
    locked_current_stop,
    stop_allocations,
)
from warehouse_tui.services.picking.results import ShortOutcome
from warehouse_tui.services.picking.views import StopState, stop_location, stop_view
from warehouse_tui.services.results import Refusal
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import (
    Allocation,
    FloorTask,
    Location,
    Order,
    OrderLine,
    PickStop,
    PickTask,
    Sku,
    Stock,
    utcnow,
)


def short_pick(store: Store, actor: Actor, task_id: int, found_qty: int) -> ShortOutcome:
    """The location holds only `found_qty` of the stop's quantity (units already scanned
    included). The missing units are re-allocated to other locations with free stock, added
    as the next stops; what none can give is recorded as a shortage and the order flagged for
    the supervisor. Either way the location is queued for a count."""

    def short(session: Session, task: PickTask) -> Done[ShortOutcome]:
        stop = locked_current_stop(session, task)
        refusal = _short_refusal(stop, found_qty)
        if refusal or stop is None:
            at_location = stop is not None and stop.status == StopState.AT_LOCATION
            kind = Refusal.QUANTITY if at_location else Refusal.INCOMPLETE
            return Done(ShortOutcome(False, refusal, refusal=kind))
        task.heartbeat_at = utcnow()
        missing = stop.qty - found_qty
        location = stop_location(session, stop)
        sku = session.get(Sku, stop.sku_id)
        assert sku is not None
        shorted = _shrink_allocations(session, task, stop, missing)
        _queue_count(session, location, sku, missing)
        moved_to, unrecovered = _reallocate(session, task, stop, shorted)
        for order_id, units in unrecovered.items():
            _flag_order(session, actor, task, order_id, sku, units, location)
        note = _("{missing} × {sku} missing at {location}").format(
            missing=missing, sku=sku.code, location=location.code
        )
        stop.qty = found_qty
        _settle_after_short(session, actor, task, stop)
        if moved_to:
            message = _("Get the rest at {locations}").format(locations=", ".join(moved_to))
        else:
            message = _("Shortage recorded — the supervisor is told")
        outcome = ShortOutcome(
            True,
            message=message,
            moved_to=tuple(moved_to),
            unrecovered=sum(unrecovered.values()),
            stop=stop_view(session, task),
        )
        return Done(outcome, order_id=stop.order_id, note=note)

    return on_held_task(
        store, actor, "pick.short", task_id, short, ShortOutcome, raw=str(found_qty)
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
            confirm_stop(session, actor, task, stop)


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
            assert stock.id is not None
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
        codes.append(stop_location(session, new_stop).code)
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
    note = _("Short {units} × {sku} (not at {location}, none free elsewhere)").format(
        units=units, sku=sku.code, location=location.code
    )
    flag_short(session, actor, order_id, note, "pick.shortage", Ref.PICK.of(task.id))


def flag_short(
    session: Session, actor: Actor, order_id: int, note: str, action: str, ref: str
) -> None:
    """Flag a released order for the supervisor: what is short joins its hold reason (it stays
    `released`; the exceptions queue lists it as short until it is resolved), journaled."""
    order = session.get(Order, order_id, with_for_update=True)
    assert order is not None
    order.hold_reason = f"{order.hold_reason}; {note}" if order.hold_reason else note
    order.updated_at = utcnow()
    record(session, actor, action, reason=note, task_ref=ref, order_id=order_id)
