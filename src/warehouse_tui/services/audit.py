"""The audit (审单) of `new` orders.

Every `new` order is checked before it can be waved: each line's SKU code must name a known SKU
(the line's `sku_id` is set), the ship-to address must be complete, the carrier must be known,
and there must be enough free stock (on hand − allocated, pickable locations only) for it after
the `ready` orders, which are promised already, and the `new` orders audited before it (most
urgent first). A failing order becomes `held` with every reason found; the rest `ready`. Then
the open orders are regrouped into shipments (services/merging.py).

The audit reads and writes in bulk (a handful of queries, executemany updates), so a promotion
day's 100k orders audit in seconds; `audit_orders` does it a chunk of orders per short write.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, bindparam, func, select, update
from sqlmodel import Session, col

from warehouse_tui.i18n import _
from warehouse_tui.services.journal import Actor, record
from warehouse_tui.services.merging import merge_group_count, regroup_merges, regroup_merges_paced
from warehouse_tui.store.bulk import (
    batches,
    bulk_execute,
    bulk_insert,
    driver_rows,
    ids_by,
    rows_of,
)
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
    utcnow,
)
from warehouse_tui.store.pacing import Pace

ADDRESS_FIELDS = ("ship_name", "ship_address1", "ship_city", "ship_postcode", "ship_country")
_IN_BATCH = 5000
"""Ids per `IN (…)` list: well under SQLite's limit on bound parameters."""

# sqlmodel's SQLModel declares no `__table__`, which SQLAlchemy sets on every table model.
_ORDERS: Table = Order.__table__  # type: ignore[attr-defined]
_LINES: Table = OrderLine.__table__  # type: ignore[attr-defined]
_JOURNAL: Table = Journal.__table__  # type: ignore[attr-defined]
_SKUS: Table = Sku.__table__  # type: ignore[attr-defined]


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


def audit_orders(store: Store, actor: Actor) -> AuditResult:
    """`warehouse-tui orders audit`, and the audit after an import: every `new` order, most
    urgent first, decided in one read and written in short writes (store/pacing.py), so
    stations keep scanning while a promotion day's orders are audited.

    The read takes every new order with its lines and the stock balance (free stock less what
    `ready` orders need) and decides each order against that balance as the orders before it
    left it. The writes then go through the orders by id, a chunk each, so each write touches
    neighbouring rows (urgency order would touch a page per order) and each applies only to
    orders still `new` at the version read; one that changed meanwhile is left to the next
    audit. Floor work in between leaves the balance as it was (a release allocates what ready
    orders needed; a pick takes what was allocated); what it does not count (stock arriving,
    an order cancelled) only holds an order that could have been ready, which `order release`
    or the exceptions queue audits again. The merges are regrouped after the last write, also
    in short writes."""
    with store.read() as session:
        verdicts = _decide(session)
    ready: list[int] = []
    holds: dict[int, str] = {}

    def apply(session: Session, ids: Sequence[int]) -> None:
        chunk_ready, chunk_holds = _apply(session, actor, verdicts, ids)
        ready.extend(chunk_ready)
        holds.update(chunk_holds)

    Pace(store, most=_IN_BATCH).write_all(sorted(verdicts), apply)
    audited = len(ready) + len(holds)
    groups = regroup_merges_paced(store) if audited else None
    with store.write() as session:
        return _journaled(session, actor, ready, holds, groups)


def run_audit(session: Session, actor: Actor) -> AuditResult:
    """The whole audit inside the caller's write transaction (a wave release audits in its
    own)."""
    session.flush()  # the reads below go past the session
    verdicts = _decide(session)
    ready: list[int] = []
    holds: dict[int, str] = {}
    for ids in batches(sorted(verdicts), _IN_BATCH):
        chunk_ready, chunk_holds = _apply(session, actor, verdicts, ids)
        ready.extend(chunk_ready)
        holds.update(chunk_holds)
    groups = regroup_merges(session) if ready or holds else None
    return _journaled(session, actor, ready, holds, groups)


def _journaled(
    session: Session, actor: Actor, ready: list[int], holds: dict[int, str], groups: int | None
) -> AuditResult:
    """The audit journaled, with the merge groups it left (None: it found nothing new, so stock
    is promised and merges grouped as the last audit left them, and they are counted)."""
    audited = len(ready) + len(holds)
    if groups is None:
        groups = merge_group_count(session)
    record(
        session,
        actor,
        "orders-audit",
        raw=f"audited={audited} ready={len(ready)} held={len(holds)}",
    )
    return AuditResult(audited, len(ready), len(holds), groups, holds)


@dataclass(frozen=True, slots=True)
class _Verdict:
    """What the audit decided for one new order, and what it read of it."""

    version: int
    """The order's `shop_version` as read: the verdict holds only for that version."""
    reason: str
    """Why the order is held; empty: it is ready."""
    skus: Sequence[tuple[int, int, str]]
    """(SKU id, line id, SKU code) of the lines whose SKU id the audit sets."""


def _decide(session: Session) -> dict[int, _Verdict]:
    """Every `new` order decided, most urgent first: its lines' SKUs resolved, its problems
    found, and stock taken from the balance (free units less what ready orders need) for each
    order made ready, in the order of urgency. The orders are read a chunk at a time (ids in
    urgency order first), so a promotion day's orders never sit in memory all at once."""
    order_ids = _new_order_ids(session)
    if not order_ids:
        return {}
    carriers = set(rows_of(session, select(col(Carrier.code))).scalars())
    free = _stock_balance(session)
    verdicts: dict[int, _Verdict] = {}
    for chunk in batches(order_ids, _IN_BATCH):
        orders = _new_orders(session, chunk)
        lines, resolved = _lines_of(session, list(orders))
        for order_id in chunk:
            if order_id not in orders:  # no longer new (PostgreSQL reads each statement anew)
                continue
            version, *order = orders[order_id]
            order_lines = lines.get(order_id, [])
            reasons = _order_problems(order, order_lines, carriers)
            if not reasons:
                short = _reserve(order_lines, free)
                if short:
                    reasons.append(_("too little stock for {codes}").format(codes=", ".join(short)))
            verdicts[order_id] = _Verdict(version, "; ".join(reasons), resolved.get(order_id, ()))
    return verdicts


def _apply(
    session: Session, actor: Actor, verdicts: dict[int, _Verdict], ids: Sequence[int]
) -> tuple[list[int], dict[int, str]]:
    """The verdicts of the orders `ids` (ascending), for those still `new` at the version the
    audit read: their lines' SKU ids, their status, the holds journaled. The ids made ready,
    and the held ones with their reasons."""
    still = session.connection().execute(_STILL_NEW, {"ids": ids})
    valid = sorted(order_id for order_id, version in still if verdicts[order_id].version == version)
    skus = [line for order_id in valid for line in verdicts[order_id].skus]
    bulk_execute(session, _SET_LINE_SKU, ("sku", "line", "code"), skus)
    ready = [order_id for order_id in valid if not verdicts[order_id].reason]
    holds = {order_id: verdicts[order_id].reason for order_id in valid if verdicts[order_id].reason}
    _set_statuses(session, ready, holds)
    _journal_holds(session, actor, holds)
    return ready, holds


_STILL_NEW = (
    select(_ORDERS.c.id, _ORDERS.c.shop_version)
    .where(_ORDERS.c.id.in_(bindparam("ids", expanding=True)), _ORDERS.c.status == OrderStatus.NEW)
    .with_for_update()
)
"""Which of the orders `ids` are still new, at which version (one statement, compiled once)."""

_SET_LINE_SKU = (
    update(_LINES)
    .where(_LINES.c.id == bindparam("line"), _LINES.c.sku_code == bindparam("code"))
    .values(sku_id=bindparam("sku"))
)
"""A line's SKU id, if it still names that SKU code (a line id may name a newer line)."""

_NEW_ORDER_COLUMNS = ("id", "shop_version", "carrier", *ADDRESS_FIELDS)
"""The columns of `_new_orders`' tuples."""


def _new_order_ids(session: Session) -> list[int]:
    """The new orders' ids, most urgent first: earliest ship-by (none last), then highest
    priority, then first imported."""
    table = _ORDERS
    rows = rows_of(
        session,
        select(table.c.id)
        .where(table.c.status == OrderStatus.NEW)
        .order_by(table.c.ship_by.is_(None), table.c.ship_by, table.c.priority.desc(), table.c.id),
    )
    return list(rows.scalars())


def _new_orders(session: Session, order_ids: Sequence[int]) -> dict[int, tuple[Any, ...]]:
    """Those of the orders `order_ids` still new: id → the rest of `_NEW_ORDER_COLUMNS`."""
    table = _ORDERS
    rows = driver_rows(
        session,
        select(*(table.c[name] for name in _NEW_ORDER_COLUMNS)).where(
            table.c.id.in_(order_ids), table.c.status == OrderStatus.NEW
        ),
    )
    return {row[0]: row[1:] for row in rows}


def _lines_of(
    session: Session, order_ids: Sequence[int]
) -> tuple[dict[int, list[tuple[Any, ...]]], dict[int, list[tuple[int, int, str]]]]:
    """For the orders `order_ids`: order id → its lines as (line id, SKU code, SKU id,
    quantity), the SKU id the one the code names (None: no such SKU); and order id → (SKU id,
    line id, SKU code) of its lines whose SKU id is not stored yet (the import stores it when
    the SKU is known then)."""
    rows = driver_rows(
        session,
        select(
            col(OrderLine.order_id),
            col(OrderLine.id),
            col(OrderLine.sku_code),
            col(OrderLine.sku_id),
            col(OrderLine.qty),
        ).where(col(OrderLine.order_id).in_(order_ids)),
    )
    unresolved = sorted({code for _order, _line, code, sku_id, _qty in rows if sku_id is None})
    known = ids_by(session, _SKUS.c.code, unresolved)
    lines: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    resolved: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
    for order_id, line_id, code, sku_id, qty in rows:
        if sku_id is None and (sku_id := known.get(code)) is not None:
            resolved[order_id].append((sku_id, line_id, code))
        lines[order_id].append((line_id, code, sku_id, qty))
    return lines, resolved


def _free_stock(session: Session) -> dict[int, int]:
    """SKU id → units on hand and not allocated, in pickable locations."""
    rows = rows_of(
        session,
        select(col(Stock.sku_id), func.sum(col(Stock.on_hand) - col(Stock.allocated)))
        .join(Location, col(Location.id) == Stock.location_id)
        .where(col(Location.pickable).is_(True))
        .group_by(col(Stock.sku_id)),
    )
    return {sku_id: int(total or 0) for sku_id, total in rows}


def _stock_balance(session: Session) -> dict[int, int]:
    """SKU id → units free in pickable locations less what the `ready` orders need."""
    free = _free_stock(session)
    for sku_id, need in _ready_demand(session).items():
        free[sku_id] = free.get(sku_id, 0) - need
    return free


def _ready_demand(session: Session) -> dict[int, int]:
    """SKU id → units the `ready` orders need (promised, not yet allocated)."""
    rows = rows_of(
        session,
        select(col(OrderLine.sku_id), func.sum(col(OrderLine.qty)))
        .join(Order, col(Order.id) == OrderLine.order_id)
        .where(col(Order.status) == OrderStatus.READY, col(OrderLine.sku_id).is_not(None))
        .group_by(col(OrderLine.sku_id)),
    )
    return {sku_id: int(total or 0) for sku_id, total in rows}


def _order_problems(
    order: Sequence[Any],
    lines: list[tuple[Any, ...]],
    carriers: set[str],
) -> list[str]:
    """What keeps the order from the floor, stock aside (its carrier and `ADDRESS_FIELDS`, and
    its lines)."""
    carrier, *address = order
    if (
        lines
        and carrier
        and carrier in carriers
        and all(value and value.strip() for value in address)
        and all(sku_id is not None and qty > 0 for _id, _code, sku_id, qty in lines)
    ):
        return []  # the usual order, accepted in one pass
    reasons = []
    if not lines:
        reasons.append(_("the order has no lines"))
    unknown = sorted({code for _id, code, sku_id, _qty in lines if sku_id is None})
    if unknown:
        reasons.append(_("unknown SKU {codes}").format(codes=", ".join(unknown)))
    if any(qty <= 0 for _id, _code, _sku_id, qty in lines):
        reasons.append(_("a line has no quantity"))
    missing = [
        name.removeprefix("ship_")
        for name, value in zip(ADDRESS_FIELDS, address, strict=True)
        if not (value or "").strip()
    ]
    if missing:
        reasons.append(_("incomplete address: missing {fields}").format(fields=", ".join(missing)))
    if not carrier:
        reasons.append(_("no carrier"))
    elif carrier not in carriers:
        reasons.append(_("unknown carrier {carrier}").format(carrier=carrier))
    return reasons


def _reserve(lines: list[tuple[Any, ...]], free: dict[int, int]) -> list[str]:
    """Take the order's units from `free`, SKU by SKU; if any SKU has too little for all the
    order's lines of it, put them back and return those SKUs' codes (sorted)."""
    enough = True
    for _id, _code, sku_id, qty in lines:
        left = free[sku_id] = free.get(sku_id, 0) - qty
        enough = enough and left >= 0  # only ever falls: negative now means negative at the end
    if enough:
        return []
    short = sorted({code for _id, code, sku_id, _qty in lines if free[sku_id] < 0})
    for _id, _code, sku_id, qty in lines:
        free[sku_id] += qty
    return short


def _set_statuses(session: Session, ready: list[int], holds: dict[int, str]) -> None:
    """Only orders still `new` change (another audit may have got there first). Ready orders
    go in big `IN` batches; held ones one parameter set each, for their reasons. Ids ascending:
    one lock order for every writer (PostgreSQL)."""
    now = utcnow()
    table = _ORDERS
    still_new = table.c.status == OrderStatus.NEW
    made_ready = (
        update(table)
        .where(table.c.id.in_(bindparam("ids", expanding=True)), still_new)
        .values(status=OrderStatus.READY, hold_reason="", updated_at=now)
    )
    ready = sorted(ready)
    connection = session.connection()
    for start in range(0, len(ready), _IN_BATCH):
        connection.execute(made_ready, {"ids": ready[start : start + _IN_BATCH]})
    made_held = (
        update(table)
        .where(table.c.id == bindparam("b_id"), table.c.status == bindparam("was"))
        .values(
            status=bindparam("status"), hold_reason=bindparam("reason"), updated_at=bindparam("at")
        )
    )
    held, was = OrderStatus.HELD.value, OrderStatus.NEW.value
    rows = [(order_id, held, holds[order_id], now, was) for order_id in sorted(holds)]
    bulk_execute(session, made_held, ("b_id", "status", "reason", "at", "was"), rows)


_JOURNAL_COLUMNS = (
    "at",
    "station",
    "operator_id",
    "actor_name",
    "authorised_by",
    "screen",
    "task_ref",
    "order_id",
    "raw",
    "action",
    "accepted",
    "reason",
    "keyed",
)


def _journal_holds(session: Session, actor: Actor, holds: dict[int, str]) -> None:
    now = utcnow()
    rows = [
        (
            now,
            actor.station,
            actor.operator_id,
            actor.name,
            None,
            actor.screen,
            "",
            order_id,
            "",
            "audit-hold",
            False,
            reason,
            False,
        )
        for order_id, reason in holds.items()
    ]
    bulk_insert(session, _JOURNAL, _JOURNAL_COLUMNS, rows)
