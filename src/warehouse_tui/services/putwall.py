"""The put wall (播种): after a batch pick, each item goes to the slot of an order that needs it.

`sort_item` names the slot (binding a free slot of the wall to the order if it has none);
`confirm_slot` counts the unit into the order (OrderLine.picked). An order whose lines are all
in its slot is `picked` and its slot `ready` for the packer.

The item in the sorter's hand between those two scans is the sorter's latest accepted
"putwall.sort" journal row not followed by a "putwall.confirm": the database, not the screen,
remembers it, and a new item scan simply supersedes it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, update
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from warehouse_tui.domain.barcodes import Scan, ScanKind, scanned_label
from warehouse_tui.i18n import _
from warehouse_tui.services.journal import Actor, record, refuse_double_trigger
from warehouse_tui.services.lookup import parse_in_store
from warehouse_tui.services.picking import order_fully_picked, order_ref, update_wave_progress
from warehouse_tui.services.results import (
    Refusal,
    ServiceResult,
    keyed_code_refusal,
    refused_scan,
    unknown_label,
)
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import (
    Allocation,
    FloorTask,
    Journal,
    Order,
    OrderLine,
    OrderStatus,
    Sku,
    Station,
    Strategy,
    WallSlot,
    Wave,
    WaveStatus,
    utcnow,
)
from warehouse_tui.store.set_asides import SET_ASIDE

SORT = "putwall.sort"
CONFIRM = "putwall.confirm"
SLOT_FREE, SLOT_FILLING, SLOT_READY = "free", "filling", "ready"
WALL_CONTEXT = "put-wall"  # a station's sorts and confirms share one double-trigger context


@dataclass(frozen=True)
class SortOutcome(ServiceResult):
    message: str = ""
    slot_code: str | None = None
    order_ref: str | None = None
    sku_code: str | None = None
    sku_name: str | None = None
    slot_ready: bool = False
    placed: int = 0  # units of the order in its slot
    needed: int = 0  # units the order has in all
    set_aside: bool = False


@dataclass(frozen=True)
class SlotView:
    code: str
    status: str
    order_ref: str | None
    placed: int
    needed: int


def station_wall(store: Store, station: str) -> int | None:
    """The put wall a station stands at, if it is configured."""
    with store.read() as session:
        row = session.exec(select(Station).where(Station.name == station)).first()
        return row.wall if row is not None else None


def wall_slots(store: Store, wall: int) -> list[SlotView]:
    with store.read() as session:
        slots = session.exec(
            select(WallSlot).where(WallSlot.wall == wall).order_by(col(WallSlot.slot))
        ).all()
        views = []
        for slot in slots:
            placed, needed = _order_units(session, slot.order_id) if slot.order_id else (0, 0)
            views.append(
                SlotView(
                    slot.code,
                    slot.status,
                    order_ref(slot.order_id) if slot.order_id else None,
                    placed,
                    needed,
                )
            )
        return views


def held_item(store: Store, actor: Actor) -> SortOutcome | None:
    """The item this sorter scanned and has not yet put in its slot, if any (after a restart
    the screen shows that slot again)."""
    with store.read() as session:
        pending = _pending_sort(session, actor)
        if pending is None or pending.order_id is None:
            return None
        held = parse_in_store(session, pending.raw)
        sku = session.get(Sku, held.resolves.id) if held.resolves is not None else None
        placed, needed = _order_units(session, pending.order_id)
        return SortOutcome(
            True,
            message=_("Put it in {slot}").format(slot=pending.task_ref),
            slot_code=pending.task_ref,
            order_ref=order_ref(pending.order_id),
            sku_code=sku.code if sku else None,
            sku_name=sku.name if sku else None,
            placed=placed,
            needed=needed,
        )


def sort_item(
    store: Store, actor: Actor, wall: int, code: str, scanned_at: float | None = None
) -> SortOutcome:
    """An item scanned at the wall: the slot of the open order that still needs it."""
    with store.write() as session:
        refusal = refuse_double_trigger(session, actor, SORT, WALL_CONTEXT, code, scanned_at)
        if refusal:
            return SortOutcome(False, refusal, refusal=Refusal.DOUBLE_TRIGGER)
        scan = parse_in_store(session, code)
        sku, refusal = _single_item(session, scan)
        if sku is None:
            record(session, actor, SORT, accepted=False, reason=refusal, raw=code)
            return SortOutcome(False, refusal, refusal=refused_scan(scan))
        assert sku.id is not None
        order = _order_needing(session, wall, sku.id)
        if order is None:
            elsewhere = _wall_needing(session, sku.id)
            if elsewhere is None:
                return _set_aside(session, actor, sku, code)
            refusal = _("{sku} goes to put wall {wall}").format(sku=sku.code, wall=elsewhere)
            record(session, actor, SORT, accepted=False, reason=refusal, raw=code)
            return SortOutcome(
                False, refusal, sku_code=sku.code, sku_name=sku.name, refusal=Refusal.WRONG_SCAN
            )
        assert order.id is not None
        slot = _slot_of(session, order.id) or _bind_free_slot(session, wall, order.id)
        if slot is None:
            refusal = _("Wall {wall} is full — pack a ready slot first").format(wall=wall)
            record(
                session, actor, SORT, accepted=False, reason=refusal, raw=code, order_id=order.id
            )
            return SortOutcome(
                False, refusal, sku_code=sku.code, sku_name=sku.name, refusal=Refusal.WRONG_STATE
            )
        keyed = scan.resolves is not None and scan.resolves.keyed
        record(session, actor, SORT, raw=code, task_ref=slot.code, order_id=order.id, keyed=keyed)
        placed, needed = _order_units(session, order.id)
        return SortOutcome(
            True,
            message=_("Put it in {slot}").format(slot=slot.code),
            slot_code=slot.code,
            order_ref=order_ref(order.id),
            sku_code=sku.code,
            sku_name=sku.name,
            placed=placed,
            needed=needed,
        )


def confirm_slot(
    store: Store, actor: Actor, code: str, scanned_at: float | None = None
) -> SortOutcome:
    """The slot scanned after an item: the unit counts into that slot's order."""
    with store.write() as session:
        refusal = refuse_double_trigger(session, actor, CONFIRM, WALL_CONTEXT, code, scanned_at)
        if refusal:
            return SortOutcome(False, refusal, refusal=Refusal.DOUBLE_TRIGGER)
        pending = _pending_sort(session, actor)
        scan = parse_in_store(session, code)
        refusal = ""
        kind = refused_scan(scan)
        slot = None
        if pending is None or pending.order_id is None:
            refusal, kind = _("Scan an item first"), Refusal.INCOMPLETE
        else:
            slot = session.exec(
                select(WallSlot).where(WallSlot.code == pending.task_ref).with_for_update()
            ).first()
            refusal = _slot_refusal(scan, slot, pending.task_ref)
        if refusal or pending is None or slot is None or pending.order_id is None:
            record(session, actor, CONFIRM, accepted=False, reason=refusal, raw=code)
            slot_code = slot.code if slot else None
            return SortOutcome(False, refusal, slot_code=slot_code, refusal=kind)
        return _place(session, actor, pending, slot, code)


def _single_item(session: Session, scan: Scan) -> tuple[Sku | None, str]:
    if not scan.valid:
        return None, scan.error or _("Unreadable scan — scan again")
    if scan.kind == ScanKind.SLOT:
        return None, _("Scan the item first, then its slot")
    if scan.kind not in (ScanKind.PRODUCT, ScanKind.GS1):
        return None, _("Scan an item")
    if scan.resolves is None or scan.resolves.type != "sku":
        return None, _("Unknown barcode — not an item of this warehouse")
    if scan.resolves.quantity > 1:
        return None, _("This is a case of {n}: open it and scan each item").format(
            n=scan.resolves.quantity
        )
    sku = session.get(Sku, scan.resolves.id)
    assert sku is not None
    if scan.resolves.keyed and not sku.code_entry_allowed:
        return None, keyed_code_refusal(sku.code)
    return sku, ""


def _order_needing(session: Session, wall: int, sku_id: int) -> Order | None:
    """The open order of a batch wave being picked or sorted that has a unit of `sku_id` picked
    but not yet in its slot; orders already on this wall first, never one on another wall."""
    return session.exec(
        _needing(sku_id)
        .where(or_(col(WallSlot.id).is_(None), col(WallSlot.wall) == wall))
        .order_by(
            col(WallSlot.id).is_(None), col(Wave.id), col(Order.priority).desc(), col(Order.id)
        )
        .limit(1)
    ).first()


def _wall_needing(session: Session, sku_id: int) -> int | None:
    """The other wall whose order still needs `sku_id`, if one does."""
    return session.scalar(
        _needing(sku_id)
        .where(col(WallSlot.id).is_not(None))
        .with_only_columns(col(WallSlot.wall))
        .limit(1)
    )


def _needing(sku_id: int) -> SelectOfScalar[Order]:
    """Open orders of batch waves being picked or sorted with a unit of `sku_id` picked off the
    shelves but not yet in their slot, with their slot if they have one."""
    picked = (
        select(col(Allocation.order_line_id), func.sum(col(Allocation.picked)).label("picked"))
        .group_by(col(Allocation.order_line_id))
        .subquery()
    )
    return (
        select(Order)
        .join(OrderLine, col(OrderLine.order_id) == col(Order.id))
        .join(Wave, col(Wave.id) == col(Order.wave_id))
        .join(picked, picked.c.order_line_id == col(OrderLine.id))
        .outerjoin(WallSlot, col(WallSlot.order_id) == col(Order.id))
        .where(
            col(OrderLine.sku_id) == sku_id,
            picked.c.picked > col(OrderLine.picked),
            col(Wave.strategy) == Strategy.BATCH,
            col(Wave.status).in_((WaveStatus.PICKING, WaveStatus.SORTING)),
            col(Order.status) == OrderStatus.RELEASED,
            col(Order.intercepted).is_(False),
        )
    )


def _slot_of(session: Session, order_id: int) -> WallSlot | None:
    # The order's row lock keeps two sorters from giving one order two slots.
    session.get(Order, order_id, with_for_update=True)
    return session.exec(select(WallSlot).where(WallSlot.order_id == order_id)).first()


def _bind_free_slot(session: Session, wall: int, order_id: int) -> WallSlot | None:
    free = session.exec(
        select(WallSlot.id)
        .where(
            WallSlot.wall == wall, WallSlot.status == SLOT_FREE, col(WallSlot.order_id).is_(None)
        )
        .order_by(col(WallSlot.slot))
    ).all()
    for slot_id in free:
        bound = session.exec(
            update(WallSlot)
            .where(
                col(WallSlot.id) == slot_id,
                col(WallSlot.order_id).is_(None),
                col(WallSlot.status) == SLOT_FREE,
            )
            .values(order_id=order_id, status=SLOT_FILLING)
            .execution_options(synchronize_session=False)
        )
        if bound.rowcount == 1:
            return session.get(WallSlot, slot_id, populate_existing=True)
    return None


def _set_aside(session: Session, actor: Actor, sku: Sku, code: str) -> SortOutcome:
    reason = _("No open order needs {sku} — set it aside").format(sku=sku.code)
    session.add(FloorTask(kind=SET_ASIDE, sku_id=sku.id, qty=1, reason=reason))
    record(session, actor, SORT, accepted=False, reason=reason, raw=code)
    return SortOutcome(
        False,
        reason,
        sku_code=sku.code,
        sku_name=sku.name,
        set_aside=True,
        refusal=Refusal.WRONG_SCAN,
    )


def _pending_sort(session: Session, actor: Actor) -> Journal | None:
    latest = session.exec(
        select(Journal)
        .where(
            Journal.operator_id == actor.operator_id,
            col(Journal.accepted).is_(True),
            col(Journal.action).in_((SORT, CONFIRM)),
        )
        .order_by(col(Journal.id).desc())
        .limit(1)
    ).first()
    return latest if latest is not None and latest.action == SORT else None


def _slot_refusal(scan: Scan, slot: WallSlot | None, expected: str) -> str:
    if not scan.valid:
        return scan.error or _("Unreadable scan — scan again")
    if scan.kind != ScanKind.SLOT:
        return _("Put the item in {slot} and scan the slot").format(slot=expected)
    if scan.resolves is None:
        return unknown_label(scan)
    if slot is None or scan.resolves is None or scan.resolves.id != slot.id:
        return _("Wrong slot {scanned} — put it in {slot}").format(
            scanned=scanned_label(scan), slot=expected
        )
    return ""


def _place(
    session: Session, actor: Actor, pending: Journal, slot: WallSlot, code: str
) -> SortOutcome:
    order_id = pending.order_id
    assert order_id is not None
    held = parse_in_store(session, pending.raw)
    sku_id = held.resolves.id if held.resolves is not None else None
    line = session.exec(
        select(OrderLine)
        .where(OrderLine.order_id == order_id, OrderLine.sku_id == sku_id)
        .with_for_update()
    ).first()
    if line is None or slot.order_id != order_id or _unsorted(session, line) <= 0:
        reason = _("That item is no longer needed here — scan it again")
        record(session, actor, CONFIRM, accepted=False, reason=reason, raw=code, order_id=order_id)
        return SortOutcome(False, reason, slot_code=slot.code, refusal=Refusal.WRONG_STATE)
    session.exec(
        update(OrderLine)
        .where(col(OrderLine.id) == line.id)
        .values(picked=OrderLine.picked + 1)
        .execution_options(synchronize_session=False)
    )
    ready = order_fully_picked(session, order_id)
    if ready:
        slot.status = SLOT_READY
        order = session.get(Order, order_id, with_for_update=True)
        assert order is not None
        if order.status == OrderStatus.RELEASED:
            order.status = OrderStatus.PICKED
            order.updated_at = utcnow()
    record(session, actor, CONFIRM, raw=code, task_ref=slot.code, order_id=order_id)
    order = session.get(Order, order_id)
    assert order is not None and order.wave_id is not None
    session.flush()
    update_wave_progress(session, order.wave_id)
    placed, needed = _order_units(session, order_id)
    message = (_("{slot} complete — ready for packing") if ready else _("In {slot}")).format(
        slot=slot.code
    )
    return SortOutcome(
        True,
        message=message,
        slot_code=slot.code,
        order_ref=order_ref(order_id),
        slot_ready=ready,
        placed=placed,
        needed=needed,
    )


def _unsorted(session: Session, line: OrderLine) -> int:
    """Units of a line picked off the shelves but not yet in its slot."""
    picked = session.exec(
        select(func.coalesce(func.sum(Allocation.picked), 0)).where(
            Allocation.order_line_id == line.id
        )
    ).one()
    sorted_ = session.exec(select(OrderLine.picked).where(OrderLine.id == line.id)).one()
    return int(picked) - int(sorted_)


def _order_units(session: Session, order_id: int) -> tuple[int, int]:
    placed, needed = session.exec(
        select(
            func.coalesce(func.sum(OrderLine.picked), 0), func.coalesce(func.sum(OrderLine.qty), 0)
        ).where(OrderLine.order_id == order_id)
    ).one()
    return int(placed), int(needed)
