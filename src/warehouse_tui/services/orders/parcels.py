"""Parcels of a cancelled or changed order voided, and an order leaving its merged shipment."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlmodel import Session, col

from warehouse_tui.domain.barcodes import ScanKind, format_label
from warehouse_tui.i18n import _
from warehouse_tui.services.journal import Actor, record
from warehouse_tui.services.results import Refusal, ServiceResult
from warehouse_tui.services.roles import SUPERVISORS, role_refusal
from warehouse_tui.services.shipping import withdraw_fulfilment
from warehouse_tui.store.engine import Store
from warehouse_tui.store.ids import required_id
from warehouse_tui.store.models import (
    Order,
    OrderLine,
    OrderStatus,
    PackedSerial,
    Parcel,
    ParcelLine,
    ParcelStatus,
    Tote,
    WallSlot,
    utcnow,
)


def void_parcels_of(session: Session, actor: Actor, order_id: int) -> None:
    """Void the open and closed parcels that belong to the order or hold its items: they can
    never ship as they are. What was counted into them is counted out, and the other orders
    they held go back to `picked`, to be verified again into a new parcel."""
    for parcel in parcels_of(session, order_id, [ParcelStatus.OPEN, ParcelStatus.CLOSED]):
        _void(session, actor, parcel, stopped=order_id)


def _void(
    session: Session, actor: Actor, parcel: Parcel, stopped: int | None, why: str = ""
) -> None:
    """Void one parcel: its contents counted out, a fulfilment already announced withdrawn,
    its serials free again; the orders it held go back to `picked` (but `stopped`, the order
    being intercepted, which keeps its state until its goods are back)."""
    contents = session.execute(
        select(ParcelLine, OrderLine)
        .join(OrderLine, col(OrderLine.id) == ParcelLine.order_line_id)
        .where(col(ParcelLine.parcel_id) == parcel.id)
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
            record(
                session,
                actor,
                "order-unpacked",
                order_id=held_id,
                task_ref=format_label(ScanKind.PARCEL, required_id(parcel)),
            )
    parcel.status = ParcelStatus.CANCELLED
    session.execute(delete(PackedSerial).where(col(PackedSerial.parcel_id) == parcel.id))
    record(
        session,
        actor,
        "parcel-void",
        order_id=stopped if stopped is not None else parcel.order_id,
        task_ref=format_label(ScanKind.PARCEL, required_id(parcel)),
        raw=parcel.tracking or "",
        reason=why,
    )


@dataclass(frozen=True)
class VoidResult(ServiceResult):
    message: str = ""


def void_parcel(store: Store, actor: Actor, parcel_id: int, reason: str) -> VoidResult:
    """A supervisor voids a labelled parcel that will not go on a truck (damaged, label lost,
    missed its carrier): its label never ships, and its orders are `picked` again, to be
    verified into a new parcel at the pack station."""
    with store.write() as session:
        parcel = session.get(Parcel, parcel_id, with_for_update=True)
        refusal, kind = role_refusal(session, actor, SUPERVISORS), Refusal.ROLE
        if not refusal and (parcel is None or parcel.status != ParcelStatus.CLOSED):
            refusal = _("Only a labelled parcel not yet loaded can be voided")
            kind = Refusal.NOT_FOUND if parcel is None else Refusal.WRONG_STATE
        if refusal or parcel is None:
            record(
                session,
                actor,
                "parcel-void",
                accepted=False,
                reason=refusal,
                task_ref=format_label(ScanKind.PARCEL, parcel_id),
            )
            return VoidResult(False, refusal, refusal=kind)
        _void(session, actor, parcel, stopped=None, why=reason)
        return VoidResult(
            True,
            message=_("{parcel} voided: pack its orders again").format(
                parcel=format_label(ScanKind.PARCEL, parcel_id)
            ),
        )


def parcels_of(session: Session, order_id: int, statuses: Sequence[str]) -> list[Parcel]:
    """The order's parcels in `statuses` and those holding its items, locked and read afresh
    (a packer may be closing one this moment)."""
    holding = (
        select(col(ParcelLine.parcel_id))
        .join(OrderLine, col(OrderLine.id) == ParcelLine.order_line_id)
        .where(col(OrderLine.order_id) == order_id)
    )
    return list(
        session.execute(
            select(Parcel)
            .where((col(Parcel.order_id) == order_id) | col(Parcel.id).in_(holding))
            .where(col(Parcel.status).in_(statuses))
            .order_by(col(Parcel.id))
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
    record(
        session,
        actor,
        "merge-split",
        order_id=order.id,
        task_ref=format_label(ScanKind.ORDER, required_id(order)),
        raw=group,
    )
    order.merge_group = None
    session.flush()
    rest = session.execute(select(Order).where(col(Order.merge_group) == group)).scalars().all()
    renamed = merge_group_name(o.id for o in rest if o.id is not None) if len(rest) > 1 else None
    for other in rest:
        other.merge_group = renamed


def free_totes_and_slots(session: Session, order_id: int) -> None:
    session.execute(update(Tote).where(col(Tote.order_id) == order_id).values(order_id=None))
    session.execute(
        update(WallSlot)
        .where(col(WallSlot.order_id) == order_id)
        .values(order_id=None, status="free")
    )
