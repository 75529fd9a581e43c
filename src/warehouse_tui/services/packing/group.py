"""The orders packed together, and the rules that stop them.

A pack is one buyer's picked orders (a merge group, or one order) going into one or more
parcels. A parcel belongs to the group's lead order (the lowest id); its ParcelLines may point
at lines of any order of the group. An order line's `picked` is what lies in the tote: verify
counts `packed` up to it, never past it.

An order cancelled or changed after release is intercepted: every step that could let it
leave the bench checks the group first (`stop_check`), gives its picked items restock work,
voids its parcels and lets the buyer's other orders go without it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlmodel import Session, col

from warehouse_tui.domain.barcodes import ScanKind, format_label
from warehouse_tui.i18n import N_, _
from warehouse_tui.services.journal import Actor
from warehouse_tui.services.orders import leave_merge_group, void_parcels_of
from warehouse_tui.store.models import FloorTask, Order, OrderLine, OrderStatus

# Buyer tags that carry a pack instruction, with the instruction the packer reads.
TAG_INSTRUCTIONS: dict[str, str] = {
    "gift": N_("Gift: no prices in the box, gift wrap if asked"),
    "vip": N_("VIP: put the VIP insert card in the box"),
    "fragile": N_("Fragile: wrap each item, fill the gaps, FRAGILE tape"),
    "no-invoice": N_("No invoice in the box"),
}


class Member(Protocol):
    """What the stop and instruction rules read of an order of a pack (an `Order`, or a row of
    the pack view's read)."""

    @property
    def id(self) -> int | None: ...
    @property
    def status(self) -> str: ...
    @property
    def intercepted(self) -> bool: ...
    @property
    def pending(self) -> dict[str, Any] | None: ...
    @property
    def pack_instructions(self) -> str: ...
    @property
    def buyer_tags(self) -> list[str]: ...


def order_code(order_id: int | None) -> str:
    """A saved order's label (its id is None only until the row is first flushed)."""
    assert order_id is not None, "an order has a label once it is saved"
    return format_label(ScanKind.ORDER, order_id)


def members(session: Session, lead: Order) -> list[Order]:
    """The orders packed with `lead`: its merge group (the buyer's orders), or itself alone."""
    if lead.merge_group is None or lead.no_merge:
        return [lead]
    return list(
        session.scalars(
            select(Order).where(col(Order.merge_group) == lead.merge_group).order_by(col(Order.id))
        )
    )


def lead_of(session: Session, order: Order) -> Order:
    return members(session, order)[0]


def members_of_parcel(session: Session, lead_id: int) -> tuple[Order, list[Order]]:
    """A parcel's lead order (its `order_id`) and the orders packed with it."""
    lead = session.get_one(Order, lead_id)
    return lead, members(session, lead)


def stopped(order: Member) -> bool:
    return order.intercepted or order.status == OrderStatus.CANCELLED or order.pending is not None


def stop_reason(order: Member) -> str:
    if order.status == OrderStatus.CANCELLED or (order.pending or {}).get("cancelled"):
        return _(
            "STOP — order {order} was CANCELLED: do not pack, put everything aside for restock"
        ).format(order=order_code(order.id))
    return _(
        "STOP — order {order} was CHANGED after picking: do not pack, put everything "
        "aside for restock"
    ).format(order=order_code(order.id))


def _ensure_restock(session: Session, order: Order) -> None:
    """The intercepted order's picked items get restock work (once)."""
    has_restock = session.scalars(
        select(func.count())
        .select_from(FloorTask)
        .where(col(FloorTask.order_id) == order.id, col(FloorTask.kind) == "restock")
    ).one()
    if has_restock:
        return
    lines = session.scalars(
        select(OrderLine).where(col(OrderLine.order_id) == order.id, col(OrderLine.picked) > 0)
    )
    for line in lines:
        session.add(
            FloorTask(
                kind="restock",
                sku_id=line.sku_id,
                order_id=order.id,
                qty=line.picked,
                reason=f"intercept {order_code(order.id)}",
                on_allocations=True,
            )
        )


def stop_check(session: Session, actor: Actor, group: Sequence[Order]) -> str:
    """The STOP reason if an order of the pack is stopped (cancelled or changed after release),
    else "". A stopped order gets its restock work, its parcels are voided (their labels can
    never ship, and what they held is verified again), and it leaves the pack: the buyer's
    other orders go out without it."""
    halted = [order for order in group if stopped(order)]
    if not halted:
        return ""
    for order in halted:
        assert order.id is not None
        _ensure_restock(session, order)
        void_parcels_of(session, actor, order.id)
    reason = stop_reason(halted[0])
    rest = [order for order in group if order not in halted]
    if not rest:
        return reason
    for order in halted:
        leave_merge_group(session, actor, order)
    return (
        reason
        + " "
        + _("The buyer's other orders go without it: scan {order} to pack them again").format(
            order=order_code(rest[0].id)
        )
    )


def remaining(session: Session, order_ids: Iterable[int | None]) -> int:
    """Units picked for these orders and not packed yet."""
    return int(
        session.execute(
            select(func.coalesce(func.sum(col(OrderLine.picked) - col(OrderLine.packed)), 0)).where(
                col(OrderLine.order_id).in_(list(order_ids))
            )
        ).scalar_one()
    )


def instructions(group: Sequence[Member]) -> list[str]:
    """The orders' own instructions and those of the buyer's tags, translated, each once."""
    texts: list[str] = []
    for order in group:
        if order.pack_instructions.strip() and order.pack_instructions not in texts:
            texts.append(order.pack_instructions.strip())
    tags = {tag.lower() for order in group for tag in order.buyer_tags}
    texts += [_(text) for tag, text in TAG_INSTRUCTIONS.items() if tag in tags]
    return texts
