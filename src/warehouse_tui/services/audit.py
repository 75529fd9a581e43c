"""The audit (审单) of `new` orders, and merging (合单) open orders into one shipment.

Every `new` order is checked before it can be waved: each line's SKU code must name a known SKU
(the line's `sku_id` is set), the ship-to address must be complete, the carrier must be known,
and there must be enough free stock (on hand − allocated, pickable locations only) for it after
the `ready` orders, which are promised already, and the `new` orders audited before it (most
urgent first). A failing order becomes `held` with every reason found; the rest `ready`.

Then the open orders (new, ready, held) of one buyer of one shop going to the same address with
the same carrier share a `merge_group` ("M" + the lowest order id of the group), unless an order
is marked `no_merge` — which only a supervisor can do, with a badge scanned on the spot
(`split_merge`). A merged shipment waits for all its orders: a wave takes none of them while one
is held.

The audit reads and writes in bulk (a handful of queries, executemany updates), so a promotion
day's 100k orders audit in seconds.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, bindparam, func, insert, select, update
from sqlmodel import Session

from warehouse_tui.i18n import _
from warehouse_tui.services.auth import supervisor_by_badge
from warehouse_tui.services.journal import Actor, record
from warehouse_tui.services.states import state_name
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import (
    Carrier,
    Journal,
    Location,
    Order,
    OrderLine,
    OrderStatus,
    Sku,
    Stock,
    as_utc,
    utcnow,
)

OPEN_STATUSES = (OrderStatus.NEW, OrderStatus.READY, OrderStatus.HELD)
ADDRESS_FIELDS = ("ship_name", "ship_address1", "ship_city", "ship_postcode", "ship_country")
_FAR_FUTURE = datetime.max.replace(tzinfo=UTC)
_IN_BATCH = 5000
"""Ids per `IN (…)` list: well under SQLite's limit on bound parameters."""


@dataclass(frozen=True)
class AuditResult:
    audited: int
    ready: int
    held: int
    merge_groups: int
    """Merge groups among the open orders after this audit."""
    holds: dict[int, str] = field(default_factory=dict)
    """Order id → hold reason, for the orders this audit held."""

    def summary(self) -> dict[str, int]:
        return {
            "audited": self.audited,
            "ready": self.ready,
            "held": self.held,
            "merge_groups": self.merge_groups,
        }


@dataclass(frozen=True)
class SplitResult:
    accepted: bool
    reason: str = ""
    order_id: int | None = None
    merge_group: str | None = None
    """The group the order was split from."""


def audit_orders(store: Store, actor: Actor) -> AuditResult:
    """`warehouse-tui orders audit`: audit every `new` order and regroup merges, in one write."""
    with store.write() as session:
        return run_audit(session, actor)


def run_audit(session: Session, actor: Actor) -> AuditResult:
    """The audit inside the caller's write transaction (a wave release audits in its own)."""
    _resolve_skus(session)
    orders = _new_orders(session)
    lines = _lines_of_new_orders(session)
    carriers = set(rows_of(session, select(Carrier.code)).scalars())
    free = _free_stock(session)
    for sku_id, need in _ready_demand(session).items():
        free[sku_id] = free.get(sku_id, 0) - need

    holds: dict[int, str] = {}
    ready: list[int] = []
    for order in sorted(orders, key=_urgency):
        order_lines = lines.get(order.id, [])
        reasons = _order_problems(order, order_lines, carriers)
        if not reasons:
            short = _short_skus(order_lines, free)
            if short:
                reasons.append(_("too little stock for {codes}").format(codes=", ".join(short)))
        if reasons:
            holds[order.id] = "; ".join(reasons)
        else:
            _reserve(order_lines, free)
            ready.append(order.id)
    _set_statuses(session, ready, holds)
    _journal_holds(session, actor, holds)
    groups = regroup_merges(session)
    record(
        session,
        actor,
        "orders-audit",
        raw=f"audited={len(orders)} ready={len(ready)} held={len(holds)}",
    )
    return AuditResult(len(orders), len(ready), len(holds), groups, holds)


def _resolve_skus(session: Session) -> None:
    """Each line of a new order gets the id of the SKU its code names (or none), set-wise."""
    lines = OrderLine.__table__
    session.execute(
        update(lines)
        .where(lines.c.order_id.in_(select(Order.id).where(Order.status == OrderStatus.NEW)))
        .values(sku_id=select(Sku.id).where(Sku.code == lines.c.sku_code).scalar_subquery())
    )


def rows_of(session: Session, statement: Any) -> Any:
    """Plain rows on the session's connection, past the ORM's per-row work (bulk reads)."""
    return session.connection().execute(statement)


def _new_orders(session: Session) -> list[Row[Any]]:
    columns = [Order.id, Order.carrier, Order.priority, Order.ship_by, *_address_columns()]
    return rows_of(session, select(*columns).where(Order.status == OrderStatus.NEW)).all()


def _address_columns() -> list[Any]:
    return [getattr(Order, name) for name in ADDRESS_FIELDS]


def _lines_of_new_orders(session: Session) -> dict[int, list[Row[Any]]]:
    rows = rows_of(
        session,
        select(
            OrderLine.id, OrderLine.order_id, OrderLine.sku_code, OrderLine.sku_id, OrderLine.qty
        )
        .join(Order, Order.id == OrderLine.order_id)
        .where(Order.status == OrderStatus.NEW)
    )
    lines: dict[int, list[Row[Any]]] = defaultdict(list)
    for row in rows.all():
        lines[row.order_id].append(row)
    return lines


def _free_stock(session: Session) -> dict[int, int]:
    """SKU id → units on hand and not allocated, in pickable locations."""
    rows = rows_of(
        session,
        select(Stock.sku_id, func.sum(Stock.on_hand - Stock.allocated))
        .join(Location, Location.id == Stock.location_id)
        .where(Location.pickable.is_(True))
        .group_by(Stock.sku_id)
    )
    return {sku_id: int(total or 0) for sku_id, total in rows}


def _ready_demand(session: Session) -> dict[int, int]:
    """SKU id → units the `ready` orders need (promised, not yet allocated)."""
    rows = rows_of(
        session,
        select(OrderLine.sku_id, func.sum(OrderLine.qty))
        .join(Order, Order.id == OrderLine.order_id)
        .where(Order.status == OrderStatus.READY, OrderLine.sku_id.is_not(None))
        .group_by(OrderLine.sku_id)
    )
    return {sku_id: int(total or 0) for sku_id, total in rows}


def _urgency(order: Row[Any]) -> tuple[datetime, int, int]:
    """Earliest ship-by first, then highest priority, then first imported."""
    return (as_utc(order.ship_by) or _FAR_FUTURE, -order.priority, order.id)


def _order_problems(
    order: Row[Any],
    lines: list[Row[Any]],
    carriers: set[str],
) -> list[str]:
    reasons = []
    if not lines:
        reasons.append(_("the order has no lines"))
    unknown = sorted({line.sku_code for line in lines if line.sku_id is None})
    if unknown:
        reasons.append(_("unknown SKU {codes}").format(codes=", ".join(unknown)))
    if any(line.qty <= 0 for line in lines):
        reasons.append(_("a line has no quantity"))
    missing = [name for name in ADDRESS_FIELDS if not (getattr(order, name) or "").strip()]
    if missing:
        fields = ", ".join(name.removeprefix("ship_") for name in missing)
        reasons.append(_("incomplete address: missing {fields}").format(fields=fields))
    if not order.carrier:
        reasons.append(_("no carrier"))
    elif order.carrier not in carriers:
        reasons.append(_("unknown carrier {carrier}").format(carrier=order.carrier))
    return reasons


def _short_skus(lines: list[Row[Any]], free: dict[int, int]) -> list[str]:
    need: dict[tuple[int, str], int] = defaultdict(int)
    for line in lines:
        need[line.sku_id, line.sku_code] += line.qty
    return sorted(code for (sku_id, code), qty in need.items() if free.get(sku_id, 0) < qty)


def _reserve(lines: list[Row[Any]], free: dict[int, int]) -> None:
    for line in lines:
        free[line.sku_id] = free.get(line.sku_id, 0) - line.qty


def _set_statuses(session: Session, ready: list[int], holds: dict[int, str]) -> None:
    """Only orders still `new` change (another audit may have got there first). Ready orders
    go in big `IN` batches; held ones one parameter set each, for their reasons. Ids ascending:
    one lock order for every writer (PostgreSQL)."""
    now = utcnow()
    table = Order.__table__
    still_new = table.c.status == OrderStatus.NEW
    ready = sorted(ready)
    for start in range(0, len(ready), _IN_BATCH):
        session.execute(
            update(table)
            .where(table.c.id.in_(ready[start : start + _IN_BATCH]), still_new)
            .values(status=OrderStatus.READY, hold_reason="", updated_at=now)
        )
    if holds:
        session.execute(
            update(table)
            .where(table.c.id == bindparam("b_id"), still_new)
            .values(status=OrderStatus.HELD, hold_reason=bindparam("reason"), updated_at=now),
            [{"b_id": order_id, "reason": holds[order_id]} for order_id in sorted(holds)],
        )


def _journal_holds(session: Session, actor: Actor, holds: dict[int, str]) -> None:
    if not holds:
        return
    now = utcnow()
    session.execute(
        insert(Journal.__table__),
        [
            {
                "at": now,
                "station": actor.station,
                "operator_id": actor.operator_id,
                "authorised_by": None,
                "screen": actor.screen,
                "task_ref": "",
                "order_id": order_id,
                "raw": "",
                "action": "audit-hold",
                "accepted": False,
                "reason": reason,
            }
            for order_id, reason in holds.items()
        ],
    )


# --- merging (合单) -----------------------------------------------------------------------------


def normalise_address(*parts: str) -> str:
    """Case, width, spacing and punctuation do not make a different address."""
    text = unicodedata.normalize("NFKC", " ".join(parts)).casefold()
    return re.sub(r"[\W_]+", " ", text).strip()


def regroup_merges(session: Session) -> int:
    """Give each set of open orders that ship together one merge group; returns how many."""
    rows = rows_of(
        session,
        select(
            Order.id,
            Order.shop,
            Order.buyer_id,
            Order.carrier,
            Order.merge_group,
            Order.no_merge,
            Order.ship_address1,
            Order.ship_address2,
            Order.ship_city,
            Order.ship_region,
            Order.ship_postcode,
            Order.ship_country,
        ).where(Order.status.in_(OPEN_STATUSES))
    ).all()
    together: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for row in rows:
        if row.no_merge or not row.buyer_id.strip():
            continue
        address = normalise_address(
            row.ship_address1,
            row.ship_address2,
            row.ship_city,
            row.ship_region,
            row.ship_postcode,
            row.ship_country,
        )
        together[row.shop, row.buyer_id.strip(), address, row.carrier].append(row.id)
    wanted: dict[int, str | None] = {row.id: None for row in rows}
    groups = 0
    for members in together.values():
        if len(members) > 1:
            groups += 1
            name = f"M{min(members)}"
            for order_id in members:
                wanted[order_id] = name
    changes = [
        {"b_id": row.id, "merge_group": wanted[row.id]}
        for row in rows
        if row.merge_group != wanted[row.id]
    ]
    if changes:
        changes.sort(key=lambda change: change["b_id"])
        table = Order.__table__
        session.execute(
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values(merge_group=bindparam("merge_group")),
            changes,
        )
    return groups


def parse_order_ref(order_ref: str) -> int | None:
    """`ORD-123` (the order label) or a bare `123` → 123."""
    text = order_ref.strip().upper().removeprefix("ORD-")
    return int(text) if text.isdigit() else None


def split_merge(store: Store, actor: Actor, order_ref: str, supervisor_badge: str) -> SplitResult:
    """Take an order out of its merge group for good (`no_merge`), on a supervisor's badge."""
    with store.write() as session:
        order_id = parse_order_ref(order_ref)
        order = session.get(Order, order_id) if order_id is not None else None
        supervisor = supervisor_by_badge(session, supervisor_badge)
        reason = ""
        if order is None:
            reason = _("No such order: {ref}").format(ref=order_ref)
        elif supervisor is None:
            reason = _("Splitting a merge needs a supervisor's badge")
        elif order.status not in OPEN_STATUSES:
            reason = _("Order {id} is {status}: only open orders can be split").format(
                id=order.id, status=state_name(order.status)
            )
        elif order.merge_group is None:
            reason = _("Order {id} is not merged with another order").format(id=order.id)
        if reason or order is None or supervisor is None:
            record(session, actor, "merge-split", accepted=False, reason=reason,
                   raw=order_ref, order_id=order.id if order else None,
                   authorised_by=supervisor.id if supervisor else None)
            return SplitResult(False, reason)
        group = order.merge_group
        order.no_merge = True
        order.merge_group = None
        order.updated_at = utcnow()
        session.flush()
        regroup_merges(session)
        record(session, actor, "merge-split", raw=order_ref, order_id=order.id,
               authorised_by=supervisor.id, task_ref=group or "")
        return SplitResult(True, "", order.id, group)
