"""Empty totes onto a pick-by-order cart: one per order, bound in route order.

Totes are bound when a picker takes a list, not when its wave is released: physical totes are
reused all day, so none is reserved for work nobody has claimed. Only registered totes are
taken (`add_totes`, then `labels totes` prints them): a mistyped or made-up label ("TOTE-1")
is refused rather than becoming a tote nobody can find; and a tote that still holds an order
on its way to the pack station is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from warehouse_tui.domain.barcodes import Scan, ScanKind, format_label, scanned_label
from warehouse_tui.domain.refs import Ref
from warehouse_tui.i18n import _
from warehouse_tui.services.journal import Actor, record
from warehouse_tui.services.picking.views import order_ref
from warehouse_tui.services.results import Refusal, ServiceResult, unknown_label
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import Order, OrderStatus, PickStop, PickTask, Tote

# A tote holding an order in one of these states is still in use.
TOTE_BUSY_ORDER_STATES = (OrderStatus.RELEASED, OrderStatus.PICKED)


def next_unbound_order(session: Session, task: PickTask) -> int | None:
    """The first order (in route order) of a pick-by-order list that has no tote yet."""
    return session.exec(
        select(PickStop.order_id)
        .where(
            PickStop.task_id == task.id,
            col(PickStop.tote_id).is_(None),
            col(PickStop.order_id).is_not(None),
        )
        .group_by(col(PickStop.order_id))
        .order_by(func.min(PickStop.seq))
    ).first()


def bind_tote(session: Session, actor: Actor, task: PickTask, order_id: int, scan: Scan) -> str:
    """Bind the scanned empty tote to `order_id`, journaled as pick.tote; the refusal reason,
    or "" when bound."""
    reason = ""
    if not scan.valid:
        reason = scan.error or _("Unreadable scan — scan again")
    elif scan.kind != ScanKind.TOTE:
        reason = _("Scan an empty tote for {order}").format(order=order_ref(order_id))
    tote = None if reason else _tote_for(session, scanned_label(scan) or "")
    if tote is None and not reason:
        reason = unknown_label(scan)
    if tote is not None and tote.order_id is not None and tote.order_id != order_id:
        holder = session.get(Order, tote.order_id)
        if holder is not None and holder.status in TOTE_BUSY_ORDER_STATES:
            reason = _("{tote} still holds {order} — take an empty tote").format(
                tote=tote.code, order=order_ref(tote.order_id)
            )
    if reason or tote is None:
        record(
            session,
            actor,
            "pick.tote",
            accepted=False,
            reason=reason,
            raw=scan.raw,
            task_ref=Ref.PICK.of(task.id),
            order_id=order_id,
        )
        return reason
    tote.order_id = order_id
    tote.task_id = task.id
    session.exec(
        update(PickStop)
        .where(col(PickStop.task_id) == task.id, col(PickStop.order_id) == order_id)
        .values(tote_id=tote.id)
        .execution_options(synchronize_session="fetch")
    )
    record(
        session, actor, "pick.tote", raw=scan.raw, task_ref=Ref.PICK.of(task.id), order_id=order_id
    )
    return ""


def _tote_for(session: Session, label: str) -> Tote | None:
    """The registered tote with this label (stored with or without its prefix), if any."""
    bare = label.removeprefix("TOTE-")
    return session.exec(
        select(Tote).where(col(Tote.code).in_((label, bare))).with_for_update()
    ).first()


@dataclass(frozen=True)
class TotesAdded(ServiceResult):
    codes: tuple[str, ...] = ()


MOST_TOTES_AT_ONCE = 10_000
_NUMBERED = re.compile(r"(?:TOTE-)?(\d+)", re.ASCII)


def add_totes(store: Store, actor: Actor, count: int) -> TotesAdded:
    """Register `count` new totes, numbered on from the highest registered (TOTE-0001, …);
    print their labels with `labels totes`. Journaled as one `totes.add`."""
    if not 1 <= count <= MOST_TOTES_AT_ONCE:
        reason = _("Add 1 to {most} totes at a time").format(most=MOST_TOTES_AT_ONCE)
        return TotesAdded(False, reason, refusal=Refusal.QUANTITY)
    with store.write() as session:
        numbers = [
            int(match[1])
            for code in session.exec(select(Tote.code))
            if (match := _NUMBERED.fullmatch(code))
        ]
        first = max(numbers, default=0) + 1
        codes = tuple(format_label(ScanKind.TOTE, n) for n in range(first, first + count))
        session.add_all(Tote(code=code) for code in codes)
        record(session, actor, "totes.add", raw=f"{codes[0]}..{codes[-1]}")
    return TotesAdded(True, codes=codes)
