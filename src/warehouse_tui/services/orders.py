"""Orders by hand: find one, show it, cancel it, and the intercept that stops a released order.

A cancellation or a newer version that arrives after release (released, picked or packed) is an
intercept (ARCHITECTURE.md, States): the order is flagged `intercepted` so the pack station refuses
it, the newer version (or the cancellation) waits in `Order.pending`, the stock it still had
reserved goes back, its open pick stops are cancelled, and everything already picked becomes
put-back work (services/putback.py) — one task per lot it came from and place it waits. When
the last of those tasks is done (by scan on a handheld, or confirmed at the desk), the waiting
version is applied: the order is `new` again with the new lines (the audit takes it from
there), or `cancelled`, and its tote and slot are free.

Stock bookkeeping assumed from the schema: picking moves units out of a location (on_hand and
allocated both drop, StockMove "pick"), so `Allocation.qty - Allocation.picked` is what is still
reserved and `Allocation.picked` is what putting back returns (StockMove "restock").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Table, and_, bindparam, delete, func, insert, select, update
from sqlmodel import Session, col

from warehouse_tui.i18n import _
from warehouse_tui.services.journal import Actor, record
from warehouse_tui.services.picking.progress import advance
from warehouse_tui.services.putback import (
    PUT_BACK,
    free_emptied_place,
    origin,
    put_back_picked,
    return_units,
    task_label,
)
from warehouse_tui.services.roles import SUPERVISORS, role_refusal
from warehouse_tui.services.shipping import withdraw_fulfilment
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import (
    Allocation,
    FloorTask,
    Journal,
    Operator,
    Order,
    OrderLine,
    OrderStatus,
    PackedSerial,
    Parcel,
    ParcelLine,
    ParcelStatus,
    PickStop,
    PickTask,
    Stock,
    TaskStatus,
    Tote,
    WallSlot,
    Wave,
    WaveStatus,
    utcnow,
)

BEFORE_RELEASE = frozenset({OrderStatus.NEW, OrderStatus.HELD, OrderStatus.READY})
AFTER_RELEASE = frozenset({OrderStatus.RELEASED, OrderStatus.PICKED, OrderStatus.PACKED})
FINAL = frozenset({OrderStatus.SHIPPED, OrderStatus.CANCELLED})
RESTOCK = PUT_BACK
FINISHED_STOPS = ("done", "short")  # PickStop states after which nothing is left to pick
_LARGEST_ID = 2**63 - 1
_ORDERS: Table = Order.__table__  # type: ignore[attr-defined]
_LINES: Table = OrderLine.__table__  # type: ignore[attr-defined]


# --- a version of an order, as a shop sends it -------------------------------------------------


class NewLine(NamedTuple):
    sku_code: str
    qty: int
    shop_line_id: str = ""
    unit_price_minor: int = 0


@dataclass(frozen=True)
class OrderVersion:
    """One version of a shop's order: its Order column values and lines, or a cancellation.

    `fields` holds Order columns other than the key and the version (ship_by as a datetime).
    """

    version: int
    cancelled: bool = False
    fields: Mapping[str, Any] = field(default_factory=dict)
    lines: tuple[NewLine, ...] = ()

    def to_pending(self) -> dict[str, Any]:
        """The JSON kept in `Order.pending` while the order waits for its restock."""
        fields = {
            key: value.isoformat() if isinstance(value, datetime) else value
            for key, value in self.fields.items()
        }
        return {
            "version": self.version,
            "cancelled": self.cancelled,
            "fields": fields,
            "lines": [line._asdict() for line in self.lines],
        }

    @classmethod
    def from_pending(cls, pending: Mapping[str, Any]) -> OrderVersion:
        fields = dict(pending.get("fields", {}))
        if fields.get("ship_by"):
            fields["ship_by"] = datetime.fromisoformat(fields["ship_by"])
        return cls(
            version=pending["version"],
            cancelled=pending.get("cancelled", False),
            fields=fields,
            lines=tuple(NewLine(**line) for line in pending.get("lines", [])),
        )


def newest_version(order: Order) -> int:
    """The newest version this order has heard of: its own, or the one waiting beside it."""
    waiting = order.pending["version"] if order.pending else 0
    return max(order.shop_version, waiting)


# --- finding and showing -----------------------------------------------------------------------


def find_order(session: Session, ref: str) -> Order | None:
    """The order `ref` names: an internal id ("123"), an order label ("ORD-123"), or the shop's
    own number ("SHOP:SHOP_ORDER_ID")."""
    ref = ref.strip()
    digits = ref[4:] if ref.upper().startswith("ORD-") else ref
    if digits.isascii() and digits.isdigit():
        return session.get(Order, int(digits)) if int(digits) <= _LARGEST_ID else None
    shop, colon, shop_order_id = ref.partition(":")
    if not colon:
        return None
    return session.execute(
        select(Order).where(Order.shop == shop, Order.shop_order_id == shop_order_id)
    ).scalar()


def order_summary(store: Store, ref: str) -> dict[str, Any] | None:
    """`order show --json`: the order, its lines with how far each got, its parcels and its
    journal. None when `ref` names no order."""
    with store.read() as session:
        order = find_order(session, ref)
        if order is None:
            return None
        return {
            "id": order.id,
            "shop": order.shop,
            "shop_order_id": order.shop_order_id,
            "status": order.status,
            "hold_reason": order.hold_reason or None,
            "carrier": order.carrier,
            "service": order.service or None,
            "ship_to": _ship_to(order),
            "wave": order.wave_id,
            "intercept": intercept_reason(order) or None,
            "lines": _line_summaries(session, order),
            "parcels": _parcel_summaries(session, order),
            "journal": _journal_entries(session, order),
        }


def _ship_to(order: Order) -> dict[str, str]:
    fields = {
        "name": order.ship_name,
        "address1": order.ship_address1,
        "address2": order.ship_address2,
        "city": order.ship_city,
        "region": order.ship_region,
        "postcode": order.ship_postcode,
        "country": order.ship_country,
        "phone": order.ship_phone,
    }
    return {key: value for key, value in fields.items() if value}


def intercept_reason(order: Order) -> str:
    """Why a released order is stopped at the pack station, in the operator's language; ""
    when it is not intercepted."""
    if not order.intercepted:
        return ""
    if order.pending is not None and order.pending.get("cancelled"):
        return _("cancelled at the shop after release")
    version = order.pending["version"] if order.pending else order.shop_version
    return _("changed at the shop after release (version {version})").format(version=version)


def _line_summaries(session: Session, order: Order) -> list[dict[str, Any]]:
    allocated = (
        select(func.coalesce(func.sum(Allocation.qty), 0))
        .where(Allocation.order_line_id == OrderLine.id)
        .scalar_subquery()
    )
    rows = session.execute(
        select(OrderLine.sku_code, OrderLine.qty, allocated, OrderLine.picked, OrderLine.packed)
        .where(OrderLine.order_id == order.id)
        .order_by(OrderLine.id)
    )
    return [
        {"sku": sku, "ordered": qty, "allocated": int(held), "picked": picked, "packed": packed}
        for sku, qty, held, picked, packed in rows
    ]


def _parcel_summaries(session: Session, order: Order) -> list[dict[str, Any]]:
    """The order's own parcels and those holding its items: a merged order's items travel in
    parcels that belong to its group's lead."""
    holding = (
        select(ParcelLine.parcel_id)
        .join(OrderLine, OrderLine.id == ParcelLine.order_line_id)
        .where(OrderLine.order_id == order.id)
    )
    rows = session.execute(
        select(Parcel.id, Parcel.status, Parcel.weight_g, Parcel.tracking)
        .where((Parcel.order_id == order.id) | Parcel.id.in_(holding))
        .order_by(Parcel.id)
    )
    return [
        {"id": parcel_id, "status": status, "weight_g": weight_g, "tracking": tracking}
        for parcel_id, status, weight_g, tracking in rows
    ]


def _journal_entries(session: Session, order: Order) -> list[dict[str, Any]]:
    rows = session.execute(
        select(
            Journal.at,
            Operator.badge,
            Journal.station,
            Journal.action,
            Journal.accepted,
            Journal.reason,
        )
        .outerjoin(Operator, Operator.id == Journal.operator_id)
        .where(Journal.order_id == order.id)
        .order_by(Journal.at, Journal.id)
    )
    return [
        {
            "at": at.isoformat(),
            "operator": badge,
            "station": station,
            "action": action,
            "accepted": accepted,
            "reason": reason,
        }
        for at, badge, station, action, accepted, reason in rows
    ]


def status_counts(store: Store) -> dict[str, dict[str, int]]:
    """How many orders and waves are in each state; every state present, zeros included."""
    with store.read() as session:
        orders = _counts(session, Order.status)
        waves = _counts(session, Wave.status)
    return {
        "orders": {status.value: orders.get(status.value, 0) for status in OrderStatus},
        "waves": {status.value: waves.get(status.value, 0) for status in WaveStatus},
    }


def _counts(session: Session, column: Any) -> dict[str, int]:
    rows = session.execute(select(column, func.count()).group_by(column))
    return {status: count for status, count in rows}


# --- cancelling and intercepting ---------------------------------------------------------------


@dataclass(frozen=True)
class OrderResult:
    """What a cancellation, hold, release or restock did; `reason` says why when it was
    refused, `hold_reason` why the order is held when it is."""

    accepted: bool
    reason: str = ""
    order_id: int | None = None
    status: str = ""
    intercepted: bool = False
    hold_reason: str = ""


def _result(order: Order) -> OrderResult:
    return OrderResult(True, "", order.id, order.status, order.intercepted)


def cancel_order(store: Store, actor: Actor, ref: str) -> OrderResult:
    """Cancel by hand: at once before release, as an intercept after it; refused once shipped.

    A picker may be confirming a stop of the order, or a packer closing its parcel, at the same
    moment: `_lock_for_cancel` makes the cancellation wait for them and then read what they
    left, so it gives back only what is still reserved (never twice) and a second cancellation
    is refused as one already done."""

    def work(session: Session) -> OrderResult:
        found = find_order(session, ref)
        order = _lock_for_cancel(session, found.id) if found and found.id else None
        refusal = role_refusal(session, actor, SUPERVISORS) or _cancel_refusal(order)
        if order is None or refusal:
            order_id = order.id if order else None
            record(
                session,
                actor,
                "order-cancel",
                accepted=False,
                reason=refusal,
                raw=ref,
                order_id=order_id,
            )
            return OrderResult(False, refusal, order_id)
        cancellation = OrderVersion(version=newest_version(order), cancelled=True)
        if order.intercepted or order.status in AFTER_RELEASE:
            intercept(session, actor, order, cancellation)
        else:
            cancel_before_release(session, actor, order)
        return _result(order)

    return store.transact(work)


def _lock_for_cancel(session: Session, order_id: int) -> Order | None:
    """Lock what a cancellation changes, in the floor's one lock order (picking/progress.py):
    the pick lists with a stop of the order (a picker's confirmation holds its list), the
    parcels of the order or holding its items, then the order itself, read afresh."""
    allocations = (
        select(Allocation.id)
        .join(OrderLine, OrderLine.id == Allocation.order_line_id)
        .where(OrderLine.order_id == order_id)
    )
    session.execute(
        select(PickTask.id)
        .join(PickStop, PickStop.task_id == PickTask.id)
        .where((PickStop.order_id == order_id) | PickStop.allocation_id.in_(allocations))
        .order_by(PickTask.id)
        .with_for_update(of=PickTask)
    ).all()
    _parcels_of(session, order_id, [ParcelStatus.OPEN, ParcelStatus.CLOSED])
    return session.get(Order, order_id, with_for_update=True, populate_existing=True)


def _cancel_refusal(order: Order | None) -> str:
    if order is None:
        return _("No such order")
    if order.status == OrderStatus.SHIPPED:
        return _("This order has already shipped")
    if order.status == OrderStatus.CANCELLED or (
        order.pending is not None and order.pending.get("cancelled")
    ):
        return _("This order is already cancelled")
    return ""


def cancel_before_release(session: Session, actor: Actor, order: Order) -> None:
    """An order not yet released is simply cancelled (any stock it held is given back)."""
    assert order.id is not None
    release_allocations(session, [order.id])
    order.status = OrderStatus.CANCELLED
    order.wave_id = None
    order.updated_at = utcnow()
    record(session, actor, "order-cancel", order_id=order.id, task_ref=f"ORD-{order.id}")


def intercept(session: Session, actor: Actor, order: Order, pending: OrderVersion) -> None:
    """Stop a released order: keep `pending` beside it, give back what it still had reserved,
    cancel its open pick stops, and turn what was already picked into restock tasks. With
    nothing picked there is nothing to restock, and `pending` applies at once.

    An order already intercepted only has its waiting version replaced: its stock and tasks
    were dealt with the first time."""
    assert order.id is not None
    first_time = not order.intercepted
    order.intercepted = True
    order.pending = pending.to_pending()
    order.updated_at = utcnow()
    raw = "cancelled" if pending.cancelled else f"version {pending.version}"
    record(session, actor, "intercept", order_id=order.id, task_ref=f"ORD-{order.id}", raw=raw)
    if first_time:
        allocation_ids = give_back_unpicked(session, order.id)
        cancel_open_stops(session, order.id, allocation_ids)
        put_back_picked(session, order, reason="intercept", on_allocations=True)
    if not _open_restock_tasks(session, order.id):
        _apply_pending(session, actor, order)


def _allocations_of(session: Session, order_ids: Iterable[int]) -> list[Allocation]:
    """The orders' allocations, locked and read afresh: what is still reserved is read after
    any confirmation in progress has counted its picks."""
    return list(
        session.execute(
            select(Allocation)
            .join(OrderLine, OrderLine.id == Allocation.order_line_id)
            .where(OrderLine.order_id.in_(list(order_ids)))
            .order_by(Allocation.id)
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
        update(Stock).where(Stock.id == stock_id).values(allocated=Stock.allocated + delta)
    )


def cancel_open_stops(session: Session, order_id: int, allocation_ids: list[int]) -> None:
    """This order's unfinished pick stops (its own, or by its allocations) leave their pick
    lists: nothing more is picked for it, and units in a picker's hand at such a stop were
    never taken off the shelf's count. A batch stop (no order, no allocation) picks a SKU for
    many orders at once and stays; the put wall refuses this order. Each list that lost a stop
    moves on to its next one, and a list left with none is done (and maybe its wave)."""
    mine = PickStop.order_id == order_id
    if allocation_ids:
        mine = mine | PickStop.allocation_id.in_(allocation_ids)
    unfinished = and_(mine, PickStop.status.not_in(FINISHED_STOPS))
    task_ids = set(session.execute(select(PickStop.task_id).where(unfinished)).scalars())
    session.execute(delete(PickStop).where(unfinished).execution_options(synchronize_session=False))
    for task_id in sorted(task_ids):
        task = session.get(PickTask, task_id, with_for_update=True)
        if task is not None and task.status not in (TaskStatus.DONE, TaskStatus.CANCELLED):
            advance(session, task)  # a list left with nothing to pick is done


def _open_restock_tasks(session: Session, order_id: int) -> int:
    return session.execute(
        select(func.count())
        .select_from(FloorTask)
        .where(
            FloorTask.order_id == order_id,
            FloorTask.kind == RESTOCK,
            FloorTask.status == "open",
        )
    ).scalar_one()


@dataclass(frozen=True)
class RestockResult:
    """A restock task done; `applied` when it was the order's last and its waiting version
    (or cancellation) has now taken effect."""

    accepted: bool
    reason: str = ""
    order_id: int | None = None
    applied: bool = False
    status: str = ""


def complete_restock(store: Store, actor: Actor, task_id: int) -> RestockResult:
    """Every unit still owed by one put-back task is back at the location it came from (a desk
    confirms it): stock returns to its lot, and an intercepted order's waiting version applies
    once its last put-back task is done."""
    with store.write() as session:
        task = session.get(FloorTask, task_id)
        order_id = task.order_id if task else None
        # Lock the order first: two operators finishing its last two tasks at once must not
        # both see the other's task still open.
        order = session.get(Order, order_id, with_for_update=True) if order_id else None
        refusal = _restock_refusal(session, actor, task)
        if refusal:
            record(
                session,
                actor,
                RESTOCK,
                accepted=False,
                reason=refusal,
                raw=str(task_id),
                task_ref=task_label(task_id),
                order_id=order_id,
            )
            return RestockResult(False, refusal, order_id)
        assert task is not None
        record(
            session,
            actor,
            RESTOCK,
            order_id=order_id,
            raw=str(task_id),
            task_ref=task_label(task_id),
        )
        applied = settle_put_back(session, actor, task)
        return RestockResult(True, "", order_id, applied, order.status if order else "")


def _restock_refusal(session: Session, actor: Actor, task: FloorTask | None) -> str:
    """Return what the task still owes to its own lot; why not, when it cannot."""
    if task is None or task.kind != RESTOCK:
        return _("No such restock task")
    if task.status != "open":
        return _("This restock task is already done")
    came_from = origin(session, task)
    if came_from is None:
        return _("No location holds this SKU: put it back by scan")
    if not return_units(session, actor, task, came_from, task.qty - task.done_qty):
        return _("This restock task is already done")
    return ""


def restock_order(store: Store, actor: Actor, ref: str) -> RestockResult:
    """A supervisor confirms every unit an intercepted order still owes is back where it came
    from: its put-back tasks are done at once, and its waiting version applies."""
    with store.write() as session:
        order = find_order(session, ref)
        order_id = order.id if order is not None else None
        refusal = role_refusal(session, actor, SUPERVISORS)
        if not refusal and (order is None or not order.intercepted):
            refusal = _("This order is not intercepted")
        tasks = _open_put_backs(session, order_id) if order_id is not None else []
        all_or_none = session.begin_nested()
        for task in [] if refusal else tasks:
            refusal = _restock_refusal(session, actor, task)
            if refusal:
                break
            record(
                session,
                actor,
                RESTOCK,
                order_id=order_id,
                raw=str(task.id),
                task_ref=task_label(task.id),
            )
            free_emptied_place(session, task.held_in)
        if refusal or order is None:
            all_or_none.rollback()
            record(
                session, actor, RESTOCK, accepted=False, reason=refusal, raw=ref, order_id=order_id
            )
            return RestockResult(False, refusal, order_id)
        all_or_none.commit()
        if order.intercepted and not _open_restock_tasks(session, order.id or 0):
            _apply_pending(session, actor, order)
        return RestockResult(True, "", order.id, not order.intercepted, order.status)


def _open_put_backs(session: Session, order_id: int) -> list[FloorTask]:
    return list(
        session.execute(
            select(FloorTask)
            .where(
                FloorTask.order_id == order_id,
                FloorTask.kind == RESTOCK,
                FloorTask.status == "open",
            )
            .order_by(FloorTask.id)
        ).scalars()
    )


def settle_put_back(session: Session, actor: Actor, task: FloorTask) -> bool:
    """After units of a put-back task went back: a finished task frees the tote or slot it
    emptied, and an intercepted order whose last task it was ends (its waiting version
    applies). True when the waiting version applied now."""
    if task.status != "done":
        return False
    free_emptied_place(session, task.held_in)
    if task.order_id is None:
        return False
    order = session.get(Order, task.order_id, with_for_update=True)
    if order is None or not order.intercepted or _open_restock_tasks(session, task.order_id):
        return False
    _apply_pending(session, actor, order)
    return True


def _apply_pending(session: Session, actor: Actor, order: Order) -> None:
    """Everything picked is back: the waiting version replaces the old one, or it cancels."""
    assert order.id is not None and order.pending is not None
    pending = OrderVersion.from_pending(order.pending)
    order.intercepted = False
    order.pending = None
    order.wave_id = None
    order.updated_at = utcnow()
    if pending.cancelled:
        order.status = OrderStatus.CANCELLED
    session.flush()
    _drop_allocations(session, [order.id])
    void_parcels_of(session, actor, order.id)
    leave_merge_group(session, actor, order)
    _free_totes_and_slots(session, order.id)
    if pending.cancelled:
        session.execute(
            update(_LINES).where(_LINES.c.order_id == order.id).values(picked=0, packed=0)
        )
    else:
        old_lines = select(_LINES.c.id).where(_LINES.c.order_id == order.id)
        session.execute(delete(ParcelLine).where(ParcelLine.order_line_id.in_(old_lines)))
        replace_versions(session, [(order.id, pending)])
    session.refresh(order)
    record(
        session,
        actor,
        "intercept-applied",
        order_id=order.id,
        task_ref=f"ORD-{order.id}",
        raw=order.status,
    )


def void_parcels_of(session: Session, actor: Actor, order_id: int) -> None:
    """Void the open and closed parcels that belong to the order or hold its items: they can
    never ship as they are. What was counted into them is counted out, and the other orders
    they held go back to `picked`, to be verified again into a new parcel."""
    for parcel in _parcels_of(session, order_id, [ParcelStatus.OPEN, ParcelStatus.CLOSED]):
        _void(session, actor, parcel, stopped=order_id)


def _void(
    session: Session, actor: Actor, parcel: Parcel, stopped: int | None, why: str = ""
) -> None:
    """Void one parcel: its contents counted out, a fulfilment already announced withdrawn,
    its serials free again; the orders it held go back to `picked` (but `stopped`, the order
    being intercepted, which keeps its state until its goods are back)."""
    contents = session.execute(
        select(ParcelLine, OrderLine)
        .join(OrderLine, OrderLine.id == ParcelLine.order_line_id)
        .where(ParcelLine.parcel_id == parcel.id)
    ).all()
    for counted, line in contents:
        line.packed -= counted.qty
    held_ids = {line.order_id for _counted, line in contents} | {parcel.order_id}
    for held_id in sorted(held_ids):
        held = session.get_one(Order, held_id)
        if parcel.status == ParcelStatus.CLOSED:
            withdraw_fulfilment(session, held)
        if held_id != stopped and held.status == OrderStatus.PACKED:
            held.status = OrderStatus.PICKED
            held.updated_at = utcnow()
            record(session, actor, "order-unpacked", order_id=held_id, task_ref=f"PCL-{parcel.id}")
    parcel.status = ParcelStatus.CANCELLED
    session.execute(delete(PackedSerial).where(col(PackedSerial.parcel_id) == parcel.id))
    record(
        session,
        actor,
        "parcel-void",
        order_id=stopped if stopped is not None else parcel.order_id,
        task_ref=f"PCL-{parcel.id}",
        raw=parcel.tracking or "",
        reason=why,
    )


@dataclass(frozen=True)
class VoidResult:
    accepted: bool
    reason: str = ""
    message: str = ""


def void_parcel(store: Store, actor: Actor, parcel_id: int, reason: str) -> VoidResult:
    """A supervisor voids a labelled parcel that will not go on a truck (damaged, label lost,
    missed its carrier): its label never ships, and its orders are `picked` again, to be
    verified into a new parcel at the pack station."""
    with store.write() as session:
        parcel = session.get(Parcel, parcel_id, with_for_update=True)
        refusal = role_refusal(session, actor, SUPERVISORS)
        if not refusal and (parcel is None or parcel.status != ParcelStatus.CLOSED):
            refusal = _("Only a labelled parcel not yet loaded can be voided")
        if refusal or parcel is None:
            record(
                session,
                actor,
                "parcel-void",
                accepted=False,
                reason=refusal,
                task_ref=f"PCL-{parcel_id}",
            )
            return VoidResult(False, refusal)
        _void(session, actor, parcel, stopped=None, why=reason)
        return VoidResult(
            True, message=_("PCL-{id} voided: pack its orders again").format(id=parcel_id)
        )


def _parcels_of(session: Session, order_id: int, statuses: Sequence[str]) -> list[Parcel]:
    """The order's parcels in `statuses` and those holding its items, locked and read afresh
    (a packer may be closing one this moment)."""
    holding = (
        select(ParcelLine.parcel_id)
        .join(OrderLine, OrderLine.id == ParcelLine.order_line_id)
        .where(OrderLine.order_id == order_id)
    )
    return list(
        session.execute(
            select(Parcel)
            .where((Parcel.order_id == order_id) | Parcel.id.in_(holding))
            .where(Parcel.status.in_(statuses))
            .order_by(Parcel.id)
            .with_for_update(of=Parcel)
            .execution_options(populate_existing=True)
        ).scalars()
    )


def merge_group_name(order_ids: Iterable[int]) -> str:
    """A merged shipment is named after its lowest order id, so a group's name says who leads."""
    return f"M{min(order_ids)}"


def leave_merge_group(session: Session, actor: Actor, order: Order) -> None:
    """The order no longer ships with its buyer's other orders (cancelled or changed). Those
    left are renamed after their own lowest id, or ungrouped if one is left alone: the name
    must not come back when the order returns (a changed order is audited again) and joins a
    new order of the same buyer."""
    group = order.merge_group
    if group is None:
        return
    record(session, actor, "merge-split", order_id=order.id, task_ref=f"ORD-{order.id}", raw=group)
    order.merge_group = None
    session.flush()
    rest = session.execute(select(Order).where(Order.merge_group == group)).scalars().all()
    renamed = merge_group_name(o.id for o in rest if o.id is not None) if len(rest) > 1 else None
    for other in rest:
        other.merge_group = renamed


def _free_totes_and_slots(session: Session, order_id: int) -> None:
    session.execute(update(Tote).where(Tote.order_id == order_id).values(order_id=None))
    session.execute(
        update(WallSlot).where(WallSlot.order_id == order_id).values(order_id=None, status="free")
    )


# --- replacing an order's lines (shared with the import) ---------------------------------------


def release_allocations(session: Session, order_ids: list[int]) -> None:
    """Give back every unit these orders still hold reserved, and drop their allocations."""
    for allocation in _allocations_of(session, order_ids):
        unpicked = allocation.qty - allocation.picked
        if unpicked > 0:
            _change_allocated(session, allocation.stock_id, -unpicked)
    _drop_allocations(session, order_ids)


def _drop_allocations(session: Session, order_ids: list[int]) -> None:
    allocation_ids = (
        select(Allocation.id)
        .join(OrderLine, OrderLine.id == Allocation.order_line_id)
        .where(OrderLine.order_id.in_(order_ids))
    )
    session.execute(
        update(PickStop)
        .where(PickStop.allocation_id.in_(allocation_ids))
        .values(allocation_id=None)
    )
    session.execute(delete(Allocation).where(Allocation.id.in_(allocation_ids)))


def _line_rows(order_id: int, lines: Iterable[NewLine]) -> list[dict[str, Any]]:
    """OrderLine rows for a bulk insert (SKUs are resolved by the audit, not here)."""
    return [
        {
            "order_id": order_id,
            "shop_line_id": line.shop_line_id,
            "sku_code": line.sku_code,
            "sku_id": None,
            "qty": line.qty,
            "unit_price_minor": line.unit_price_minor,
            "picked": 0,
            "packed": 0,
        }
        for line in lines
    ]


def replace_versions(session: Session, versions: Sequence[tuple[int, OrderVersion]]) -> None:
    """Make each order (by id) its new version: fields and lines replaced, any stock it held
    given back, and back to `new` for the audit. Bulk statements, so an import of many
    updates stays fast; every version must carry the same set of fields."""
    if not versions:
        return
    order_ids = [order_id for order_id, _version in versions]
    release_allocations(session, order_ids)
    session.execute(delete(_LINES).where(_LINES.c.order_id.in_(order_ids)))
    rows = [row for order_id, version in versions for row in _line_rows(order_id, version.lines)]
    if rows:
        session.execute(insert(_LINES), rows)
    now = utcnow()
    session.execute(
        update(_ORDERS).where(_ORDERS.c.id == bindparam("order_id")),
        [
            {
                **version.fields,
                "order_id": order_id,
                "shop_version": version.version,
                "status": OrderStatus.NEW.value,
                "hold_reason": "",
                "wave_id": None,
                "updated_at": now,
            }
            for order_id, version in versions
        ],
    )
