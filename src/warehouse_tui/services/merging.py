"""Merging (合单): the open orders of one buyer of one shop going to the same address with the
same carrier share a `merge_group` ("M" + the lowest order id of the group), unless an order is
marked `no_merge` — which only a supervisor can do, with a badge scanned on the spot
(`split_merge`). A merged shipment waits for all its orders: a wave takes none of them while one
is held.

The audit (services/audit.py) regroups after it decides new orders; a split regroups at once.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, bindparam, func, literal_column, select, update
from sqlmodel import Session, col

from warehouse_tui.i18n import _
from warehouse_tui.services.auth import supervisor_approval
from warehouse_tui.services.journal import Actor, record
from warehouse_tui.services.orders import merge_group_name
from warehouse_tui.services.results import Refusal, ServiceResult
from warehouse_tui.services.states import state_name
from warehouse_tui.store.bulk import bulk_execute, driver_rows, rows_of
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import Order, OrderStatus, utcnow
from warehouse_tui.store.pacing import Pace

OPEN_STATUSES = (OrderStatus.NEW, OrderStatus.READY, OrderStatus.HELD)
_CHANGES_PER_WRITE = 5000
# sqlmodel's SQLModel declares no `__table__`, which SQLAlchemy sets on every table model.
_ORDERS: Table = Order.__table__  # type: ignore[attr-defined]


def normalise_address(*parts: str) -> str:
    """Case, width, spacing and punctuation do not make a different address."""
    text = unicodedata.normalize("NFKC", " ".join(parts)).casefold()
    return re.sub(r"[\W_]+", " ", text).strip()


_MERGE_ADDRESS = (
    "ship_address1",
    "ship_address2",
    "ship_city",
    "ship_region",
    "ship_postcode",
    "ship_country",
)


def merge_group_count(session: Session) -> int:
    """Merge groups among the open orders."""
    count: int = rows_of(
        session,
        select(func.count(func.distinct(Order.merge_group))).where(
            col(Order.merge_group).is_not(None), col(Order.status).in_(OPEN_STATUSES)
        ),
    ).scalar_one()
    return count


def regroup_merges(session: Session) -> int:
    """Give each set of open orders that ship together one merge group, in the caller's
    transaction; returns how many groups there are."""
    groups, changes = _merge_changes(session)
    _set_merge_groups(session, changes)
    return groups


def regroup_merges_paced(store: Store) -> int:
    """`regroup_merges` for a whole day's orders without holding the writer lock: read and
    grouped in a read transaction, the changes written in short writes (store/pacing.py). Each
    change is made only if the order is still open with the group it was read with; one that
    moved on meanwhile is left to the next audit."""
    with store.read() as session:
        groups, changes = _merge_changes(session)
    Pace(store, most=_CHANGES_PER_WRITE).write_all(changes, _set_merge_groups)
    return groups


def _merge_changes(session: Session) -> tuple[int, list[tuple[int, str | None, str | None]]]:
    """The merge groups of the open orders, and the changes that make them so: (order id,
    group it has, group it should have), ids ascending.

    Orders ship together when their shop, buyer, carrier and normalised address agree. Only
    orders that share shop, buyer and carrier with another open order can, so only their
    addresses are normalised."""
    table = _ORDERS
    rows = driver_rows(
        session,
        select(
            table.c.id,
            table.c.merge_group,
            table.c.no_merge,
            table.c.shop,
            table.c.buyer_id,
            table.c.carrier,
            *(table.c[name] for name in _MERGE_ADDRESS),
        ).where(table.c.status.in_(OPEN_STATUSES)),
    )
    buyers: dict[tuple[str, str, str], list[tuple[Any, ...]]] = defaultdict(list)
    for row in rows:
        _order_id, _group, no_merge, shop, buyer_id, carrier = row[:6]
        if not no_merge and buyer_id.strip():
            buyers[shop, buyer_id.strip(), carrier].append(row)
    wanted: dict[int, str] = {}
    groups = 0
    for orders in buyers.values():
        if len(orders) < 2:
            continue
        together: dict[str, list[int]] = defaultdict(list)
        for row in orders:
            together[normalise_address(*row[6:])].append(row[0])
        for members in together.values():
            if len(members) > 1:
                groups += 1
                wanted.update(dict.fromkeys(members, merge_group_name(members)))
    changes = sorted(
        (order_id, group, wanted.get(order_id))
        for order_id, group, *_rest in rows
        if group != wanted.get(order_id)
    )
    return groups, changes


def _set_merge_groups(
    session: Session, changes: Sequence[tuple[int, str | None, str | None]]
) -> None:
    """Each (order id, group read, new group): the new group, if the order is still open and in
    the group it was read with."""
    table = _ORDERS
    statement = (
        update(table)
        .where(
            table.c.id == bindparam("b_id"),
            table.c.merge_group.is_not_distinct_from(bindparam("was")),
            # our own constants, written into the statement: every bound value comes per row
            table.c.status.in_([literal_column(f"'{status.value}'") for status in OPEN_STATUSES]),
        )
        .values(merge_group=bindparam("group"))
    )
    bulk_execute(session, statement, ("b_id", "was", "group"), changes)


@dataclass(frozen=True)
class SplitResult(ServiceResult):
    order_id: int | None = None
    merge_group: str | None = None
    """The group the order was split from."""


def parse_order_ref(order_ref: str) -> int | None:
    """`ORD-123` (the order label) or a bare `123` → 123."""
    text = order_ref.strip().upper().removeprefix("ORD-")
    return int(text) if text.isdigit() else None


def split_merge(
    store: Store, actor: Actor, order_ref: str, supervisor_badge: str, supervisor_pin: str
) -> SplitResult:
    """Take an order out of its merge group for good (`no_merge`), on a supervisor's badge
    scanned and PIN typed on this station; a wrong PIN counts towards the supervisor's lock."""
    with store.write() as session:
        order_id = parse_order_ref(order_ref)
        order = session.get(Order, order_id) if order_id is not None else None
        supervisor, refusal = supervisor_approval(
            session, actor, supervisor_badge, supervisor_pin, own_decision=True
        )
        reason, kind = "", Refusal.WRONG_STATE
        if order is None:
            reason, kind = _("No such order: {ref}").format(ref=order_ref), Refusal.NOT_FOUND
        elif supervisor is None:
            reason = _("Splitting a merge needs a supervisor's badge and PIN: {why}").format(
                why=refusal
            )
            kind = Refusal.APPROVAL
        elif order.status not in OPEN_STATUSES:
            reason = _("Order {id} is {status}: only open orders can be split").format(
                id=order.id, status=state_name(order.status)
            )
        elif order.merge_group is None:
            reason = _("Order {id} is not merged with another order").format(id=order.id)
        if reason or order is None or supervisor is None:
            record(
                session,
                actor,
                "merge-split",
                accepted=False,
                reason=reason,
                raw=order_ref,
                order_id=order.id if order else None,
                authorised_by=supervisor.id if supervisor else None,
            )
            return SplitResult(False, reason, refusal=kind)
        group = order.merge_group
        order.no_merge = True
        order.merge_group = None
        order.updated_at = utcnow()
        session.flush()
        regroup_merges(session)
        record(
            session,
            actor,
            "merge-split",
            raw=order_ref,
            order_id=order.id,
            authorised_by=supervisor.id,
            task_ref=group or "",
        )
        return SplitResult(True, "", order.id, group)
