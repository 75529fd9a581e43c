"""A supervisor resolves an order that cannot be picked in full: re-allocate, wait, ship short,
or cancel the short lines.

An order is short when a line's allocations reserve fewer units than it asks for (a short pick
or a count took them away and no other location had them free); it is stuck when its wave is
over (done or cancelled) and it is still not picked. Either way it stays `released` with its
tote or slot, and no picker is going to bring the rest: one of these ends it.

- re-allocate: free stock elsewhere (another location or lot) is reserved for what is missing,
  and a new pick list brings it to the order's tote — in the order's wave while that is still
  on the floor, else in a wave of its own;
- wait: the order leaves its wave and is `ready` for a later one; what it had reserved goes
  back, and what was picked becomes put-back work (the units go back on the shelf rather than
  wait in a tote the floor needs);
- ship short: the lines shrink to what they will have and the order goes on; each line
  remembers the units that will not ship (`OrderLine.short`), and the shop's fulfilment names
  them beside what shipped;
- cancel the short lines: as ship short, but those lines ship nothing — their picked units
  become put-back work.
Cancelling the whole order is `orders.cancel_order`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlmodel import Session, col

from warehouse_tui.domain.barcodes import ScanKind, format_label
from warehouse_tui.domain.refs import Ref
from warehouse_tui.i18n import _
from warehouse_tui.services.counts import COUNT
from warehouse_tui.services.journal import Actor, record
from warehouse_tui.services.lots import too_soon
from warehouse_tui.services.orders import cancel_open_stops, find_order, give_back_unpicked
from warehouse_tui.services.picking.progress import (
    advance,
    order_fully_picked,
    update_wave_progress,
)
from warehouse_tui.services.putback import put_back_picked
from warehouse_tui.services.results import Refusal, ServiceResult
from warehouse_tui.services.roles import SUPERVISORS, role_refusal
from warehouse_tui.services.states import state_name
from warehouse_tui.store.engine import Store
from warehouse_tui.store.ids import required_id
from warehouse_tui.store.models import (
    Allocation,
    FloorTask,
    Location,
    Order,
    OrderLine,
    OrderStatus,
    PickStop,
    PickTask,
    Stock,
    Strategy,
    TaskStatus,
    Tote,
    WallSlot,
    Wave,
    WaveStatus,
    utcnow,
)

WAVE_OVER = (WaveStatus.DONE, WaveStatus.CANCELLED)


@dataclass(frozen=True)
class ShortLine:
    line_id: int
    sku_code: str
    qty: int
    reserved: int  # units its allocations hold (picked or not)
    picked: int  # units its allocations picked off the shelves

    @property
    def missing(self) -> int:
        return self.qty - self.reserved


def short_lines(session: Session, order_id: int) -> list[ShortLine]:
    """The order's lines whose allocations reserve fewer units than they ask for."""
    return [line for line in _lines(session, order_id) if line.missing > 0]


def _lines(session: Session, order_id: int) -> list[ShortLine]:
    reserved = (
        select(
            col(Allocation.order_line_id),
            func.sum(Allocation.qty).label("qty"),
            func.sum(Allocation.picked).label("picked"),
        )
        .group_by(col(Allocation.order_line_id))
        .subquery()
    )
    rows = session.execute(
        select(
            col(OrderLine.id),
            col(OrderLine.sku_code),
            col(OrderLine.qty),
            func.coalesce(reserved.c.qty, 0),
            func.coalesce(reserved.c.picked, 0),
        )
        .outerjoin(reserved, reserved.c.order_line_id == OrderLine.id)
        .where(col(OrderLine.order_id) == order_id)
        .order_by(col(OrderLine.id))
    ).all()
    return [ShortLine(i, sku, qty, int(held), int(picked)) for i, sku, qty, held, picked in rows]


def wave_over(session: Session, order: Order) -> bool:
    """No pick list of the order's wave is going to bring it anything any more."""
    wave = session.get(Wave, order.wave_id) if order.wave_id is not None else None
    return wave is None or wave.status in WAVE_OVER


def is_short(session: Session, order: Order) -> bool:
    return _stopped_here(order) and bool(short_lines(session, order.id or 0))


def is_stuck(session: Session, order: Order) -> bool:
    """Released, its wave over, not picked and not short: reserved units nobody will pick."""
    return (
        _stopped_here(order)
        and wave_over(session, order)
        and not order_fully_picked(session, order.id or 0)
        and not short_lines(session, order.id or 0)
    )


def _stopped_here(order: Order) -> bool:
    return order.status == OrderStatus.RELEASED and not order.intercepted


# --- the frame ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResolveResult(ServiceResult):
    message: str = ""
    order_id: int | None = None
    status: str = ""


def _resolve(
    store: Store,
    actor: Actor,
    action: str,
    ref: str,
    reason: str,
    step: Callable[[Session, Order], tuple[str, str]],
    *,
    stuck_too: bool,
) -> ResolveResult:
    """One resolution of a short (or, where `stuck_too`, stuck) order in one write transaction,
    journaled as `action` with its outcome; `step` returns (refusal, message)."""
    with store.write() as session:
        order = find_order(session, ref)
        if order is not None:
            session.refresh(order, with_for_update=True)
        refusal, kind = role_refusal(session, actor, SUPERVISORS), Refusal.ROLE
        if not refusal and order is None:
            refusal, kind = _("No such order"), Refusal.NOT_FOUND
        elif not refusal and order is not None:
            applies = is_short(session, order) or (stuck_too and is_stuck(session, order))
            kind = Refusal.WRONG_STATE
            if not applies:
                refusal = _("Order {order} is not short any more ({status})").format(
                    order=format_label(ScanKind.ORDER, required_id(order)),
                    status=state_name(order.status),
                )
        message = ""
        if not refusal and order is not None:
            refusal, message = step(session, order)
        order_id = order.id if order is not None else None
        record(
            session,
            actor,
            action,
            accepted=not refusal,
            reason=refusal or reason or message,
            raw=ref,
            order_id=order_id,
        )
        if refusal or order is None:
            return ResolveResult(False, refusal, order_id=order_id, refusal=kind)
        return ResolveResult(True, message=message, order_id=order_id, status=order.status)


# --- re-allocate -------------------------------------------------------------------------------


def reallocate(store: Store, actor: Actor, ref: str, reason: str = "") -> ResolveResult:
    """Reserve free stock elsewhere for what the order misses and send a pick list for it."""

    def step(session: Session, order: Order) -> tuple[str, str]:
        assert order.id is not None
        over = wave_over(session, order)
        if over:
            give_back_unpicked(session, order.id)  # reserved units nobody would pick
        stops = []
        for line in _lines(session, order.id):
            wanted = line.qty - (line.picked if over else line.reserved)
            if wanted > 0:
                stops += _reserve_elsewhere(session, line, wanted)
        if not stops:
            return _("No free stock of what is missing: wait, ship short or cancel"), ""
        task = _pick_list_for(session, order, stops)
        order.hold_reason = "; ".join(_still_short(session, order.id))
        order.updated_at = utcnow()
        locations = ", ".join(sorted({code for code, _stop in stops}))
        return "", _("Pick list {task} brings it from {locations}").format(
            task=Ref.PICK.of(task.id), locations=locations
        )

    return _resolve(store, actor, "short.reallocate", ref, reason, step, stuck_too=True)


def _reserve_elsewhere(
    session: Session, line: ShortLine, wanted: int
) -> list[tuple[str, PickStop]]:
    """Allocate up to `wanted` units of the line's SKU from free stock at pickable locations not
    waiting for a count, of lots that do not expire too soon for the order (earliest expiry,
    then oldest, one compare-and-set each): a stop per lot reserved."""
    order_line = session.get_one(OrderLine, line.line_id)
    free = col(Stock.on_hand) - col(Stock.allocated)
    in_doubt = (
        select(col(FloorTask.id))
        .where(
            col(FloorTask.kind) == COUNT,
            col(FloorTask.status) == "open",
            col(FloorTask.location_id) == Stock.location_id,
            (col(FloorTask.sku_id) == Stock.sku_id) | col(FloorTask.sku_id).is_(None),
        )
        .exists()
    )
    lots = session.execute(
        select(Stock, col(Location.code))
        .join(Location, col(Location.id) == Stock.location_id)
        .where(
            col(Stock.sku_id) == order_line.sku_id,
            col(Location.pickable).is_(True),
            free > 0,
            ~in_doubt,  # a shelf waiting to be counted was just found short
        )
        .order_by(
            col(Stock.expiry).is_(None),
            col(Stock.expiry),
            col(Stock.received_at),
            col(Location.code),
            col(Stock.id),
        )
    ).all()
    stops: list[tuple[str, PickStop]] = []
    for stock, code in lots:
        if too_soon(session, stock.expiry, [order_line.order_id]) is not None:
            continue  # the pick would refuse it, as the pack station refused the last unit
        take = min(wanted, stock.on_hand - stock.allocated)
        reserved = session.exec(
            update(Stock)
            .where(col(Stock.id) == stock.id, col(Stock.on_hand) - Stock.allocated >= take)
            .values(allocated=Stock.allocated + take)
            .execution_options(synchronize_session=False)
        )
        if take <= 0 or reserved.rowcount != 1:
            continue
        allocation = Allocation(order_line_id=line.line_id, stock_id=stock.id, qty=take)
        session.add(allocation)
        session.flush()
        stops.append(
            (
                code,
                PickStop(
                    task_id=0,
                    seq=0,
                    allocation_id=allocation.id,
                    stock_id=stock.id,
                    sku_id=stock.sku_id,
                    order_id=order_line.order_id,
                    qty=take,
                ),
            )
        )
        wanted -= take
        if wanted == 0:
            break
    return stops


def _pick_list_for(session: Session, order: Order, stops: list[tuple[str, PickStop]]) -> PickTask:
    """A pick-by-order list for the stops, to the order's tote: in its wave while that is on
    the floor (a sorting wave picks again), else in a new wave of its own."""
    wave = session.get(Wave, order.wave_id) if order.wave_id is not None else None
    if wave is None or wave.status in WAVE_OVER:
        wave = Wave(
            strategy=Strategy.PICK_BY_ORDER,
            status=WaveStatus.RELEASED,
            rules={"reallocate": format_label(ScanKind.ORDER, required_id(order))},
            released_at=utcnow(),
        )
        session.add(wave)
        session.flush()
        old_wave, order.wave_id = order.wave_id, wave.id
        if old_wave is not None:
            update_wave_progress(session, old_wave)
    elif wave.status == WaveStatus.SORTING:
        wave.status = WaveStatus.PICKING
    assert wave.id is not None
    task = PickTask(wave_id=wave.id, strategy=Strategy.PICK_BY_ORDER)
    session.add(task)
    session.flush()
    tote = session.execute(select(col(Tote.id)).where(col(Tote.order_id) == order.id)).scalar()
    for seq, (_code, stop) in enumerate(sorted(stops, key=lambda pair: pair[0])):
        stop.task_id, stop.seq, stop.tote_id = task.id or 0, seq, tote
        session.add(stop)
    session.flush()
    return task


def _still_short(session: Session, order_id: int) -> list[str]:
    return [
        _("Short {units} × {sku}").format(units=line.missing, sku=line.sku_code)
        for line in short_lines(session, order_id)
    ]


# --- wait --------------------------------------------------------------------------------------


def wait_for_stock(store: Store, actor: Actor, ref: str, reason: str = "") -> ResolveResult:
    """The order leaves its wave and is `ready` for a later one; what it picked goes back."""

    def step(session: Session, order: Order) -> tuple[str, str]:
        assert order.id is not None
        allocation_ids = give_back_unpicked(session, order.id)
        cancel_open_stops(session, order.id, allocation_ids)
        units = put_back_picked(session, order, reason="wait", on_allocations=False)
        old_wave = order.wave_id
        order.status, order.wave_id, order.hold_reason = OrderStatus.READY, None, ""
        order.updated_at = utcnow()
        session.flush()
        if old_wave is not None:
            update_wave_progress(session, old_wave)
        if units:
            return "", _(
                "Order is ready for a later wave; {units} units go back to the shelf"
            ).format(units=units)
        return "", _("Order is ready for a later wave")

    return _resolve(store, actor, "short.wait", ref, reason, step, stuck_too=True)


# --- ship short and cancel the short lines -----------------------------------------------------


def ship_short(store: Store, actor: Actor, ref: str, reason: str = "") -> ResolveResult:
    """The short lines shrink to what they have reserved (to what they picked, once the wave is
    over); the order ships without the rest."""

    def step(session: Session, order: Order) -> tuple[str, str]:
        assert order.id is not None
        if wave_over(session, order):
            give_back_unpicked(session, order.id)
        lines = short_lines(session, order.id)
        if sum(line.reserved for line in _lines(session, order.id)) == 0:
            return _("Nothing of this order would ship: cancel it instead"), ""
        for line in lines:
            _shrink(session, line.line_id, line.missing)
        _picked_if_complete(session, order)
        return "", _ship_short_message(lines)

    return _resolve(store, actor, "short.ship-short", ref, reason, step, stuck_too=False)


def cancel_short_lines(store: Store, actor: Actor, ref: str, reason: str = "") -> ResolveResult:
    """The short lines ship nothing: what they reserved goes back, what they picked becomes
    put-back work; the rest of the order goes on."""

    def step(session: Session, order: Order) -> tuple[str, str]:
        assert order.id is not None
        lines = short_lines(session, order.id)
        if len(lines) == len(_lines(session, order.id)):
            return _("Every line is short: cancel the order instead"), ""
        line_ids = {line.line_id for line in lines}
        allocations = session.execute(
            select(Allocation).where(col(Allocation.order_line_id).in_(line_ids))
        ).scalars()
        allocation_ids = []
        for allocation in allocations:
            unpicked = allocation.qty - allocation.picked
            session.execute(
                update(Stock)
                .where(Stock.id == allocation.stock_id)
                .values(allocated=Stock.allocated - unpicked)
            )
            allocation.qty = allocation.picked
            allocation_ids.append(allocation.id or 0)
        _cancel_stops_of(session, allocation_ids)
        put_back_picked(
            session, order, reason="cancel-line", on_allocations=False, line_ids=line_ids
        )
        for line in lines:
            order_line = session.get_one(OrderLine, line.line_id)
            _shrink(session, line.line_id, order_line.qty)
        _picked_if_complete(session, order)
        return "", _ship_short_message(
            [ShortLine(line.line_id, line.sku_code, line.qty, 0, 0) for line in lines]
        )

    return _resolve(store, actor, "short.cancel-line", ref, reason, step, stuck_too=False)


def _cancel_stops_of(session: Session, allocation_ids: list[int]) -> None:
    """The unfinished stops picking for these allocations pick no more than they hold; one
    left with nothing is short, and a list left with nothing to pick is done."""
    stops = session.execute(
        select(PickStop).where(
            col(PickStop.allocation_id).in_(allocation_ids),
            col(PickStop.status).not_in(("done", "short")),
        )
    ).scalars()
    emptied = set()
    for stop in stops:
        stop.qty = stop.picked
        if stop.picked == 0:
            stop.status = "short"
            emptied.add(stop.task_id)
    session.flush()
    for task_id in sorted(emptied):
        task = session.get_one(PickTask, task_id, with_for_update=True)
        if task.status not in (TaskStatus.DONE, TaskStatus.CANCELLED):
            advance(session, task)


def _shrink(session: Session, line_id: int, units: int) -> None:
    session.execute(
        update(OrderLine)
        .where(col(OrderLine.id) == line_id)
        .values(qty=OrderLine.qty - units, short=OrderLine.short + units)
    )


def _picked_if_complete(session: Session, order: Order) -> None:
    """With every remaining unit in its tote or slot the order is `picked` (its slot lit)."""
    assert order.id is not None
    session.flush()
    order.hold_reason = "; ".join(_still_short(session, order.id))
    order.updated_at = utcnow()
    if not order_fully_picked(session, order.id):
        return
    order.status = OrderStatus.PICKED
    session.execute(
        update(WallSlot).where(col(WallSlot.order_id) == order.id).values(status="ready")
    )
    if order.wave_id is not None:
        session.flush()
        update_wave_progress(session, order.wave_id)


def _ship_short_message(lines: list[ShortLine]) -> str:
    shorted = ", ".join(f"{line.missing} × {line.sku_code}" for line in lines)
    return _("Ships without {lines}; the shop is told").format(lines=shorted)


def picking_left(session: Session, order: Order) -> int:
    """Units of the order still on an unfinished stop of a live pick list."""
    left = session.execute(
        select(func.coalesce(func.sum(PickStop.qty - PickStop.picked), 0))
        .join(PickTask, col(PickTask.id) == PickStop.task_id)
        .where(
            col(PickStop.order_id) == order.id,
            col(PickStop.status).not_in(("done", "short")),
            col(PickTask.status).not_in((TaskStatus.DONE, TaskStatus.CANCELLED)),
        )
    ).scalar_one()
    return int(left)


# --- where an order stands, for whoever waits for it -------------------------------------------


def order_standing(session: Session, order: Order) -> tuple[bool, str]:
    """Whether the rest of a not yet picked order is on its way, and what to tell whoever
    waits for it (the packer): "wait" only when a pick list or the put wall will still bring
    it; otherwise why not, and that the supervisor decides."""
    label = format_label(ScanKind.ORDER, required_id(order))
    decides = _("set it aside, the supervisor decides (Exceptions)")
    if order.status == OrderStatus.HELD:
        return False, _("{order} is held: {reason} — {decides}").format(
            order=label, reason=order.hold_reason, decides=decides
        )
    if order.status != OrderStatus.RELEASED:
        return False, _("{order} is {status}, not in a wave being picked — {decides}").format(
            order=label, status=state_name(order.status), decides=decides
        )
    missing = _still_short(session, order.id or 0)
    if missing:
        return False, _("{order} is short ({missing}): no picker brings it — {decides}").format(
            order=label, missing="; ".join(missing), decides=decides
        )
    left = picking_left(session, order)
    if left:
        return True, _("{order} is still being picked ({units} units to come): wait for it").format(
            order=label, units=left
        )
    if not wave_over(session, order):
        return True, _("{order} is being sorted at the put wall: wait for it").format(order=label)
    return False, _("{order} is released but no pick list brings the rest — {decides}").format(
        order=label, decides=decides
    )
