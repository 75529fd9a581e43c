"""A shop order's version advances only when the content the floor works from changes.

Shops have no version number the import could use: an order's updated-at moves for anything,
our own fulfilment included, and a new version after release is an intercept (the pack station
refuses the order). So each pulled record is hashed over its mapped content, and compared with
the hash kept in `shoporder` when it was last imported:

- same hash: unchanged, not imported at all;
- no row yet, no floor order: version 1;
- no row yet, but the floor has the order (imported by hand before the shop was connected, or
  by a sync that died before it kept the hash): the order is adopted as it is, at its version;
- a different hash: the kept version + 1, or past the floor's version if that moved further.

The hash is kept in the import's own transaction (with the pull's cursor, runner.py), so the
two commit together or not at all: dying before only means the page comes again. A record
that states its own `version` (a file) keeps it and is not hashed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import BindParameter, bindparam, null, select, union_all, update
from sqlmodel import Session

from warehouse_tui.store.bulk import IN_CHUNK, batches, bulk_execute, bulk_insert, driver_rows
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import Order, ShopOrder, table_of, utcnow

# One encoder for every hash: json.dumps builds a new one per call when given options.
_CANONICAL = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def content_hash(record: dict[str, Any]) -> str:
    content = record
    if "version" in record:
        content = {key: value for key, value in record.items() if key != "version"}
    return hashlib.sha256(_CANONICAL.encode(content).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Kept:
    """A hash to keep once its record is in: (shop order id, hash, version)."""

    shop_order_id: str
    content_hash: str
    version: int
    row_id: int | None = None  # its `shoporder` row, when there is one already


@dataclass
class Plan:
    """What of a page to import, by the page's record index, and what to keep afterwards."""

    imports: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    keep: dict[int, Kept] = field(default_factory=dict)  # by page index, kept if imported
    adopted: list[Kept] = field(default_factory=list)  # kept without importing
    unchanged: int = 0


def plan_versions(
    store: Store,
    shop: str,
    records: Sequence[dict[str, Any]],
    known_only: frozenset[str] = frozenset(),
    skip: Iterable[int] = (),
) -> Plan:
    plan = Plan()
    skipped = set(skip)
    latest: dict[str, int] = {}  # a page naming an order twice: its last record counts
    for index, record in enumerate(records):
        if index in skipped:
            continue
        if "version" in record:
            plan.imports.append((index, record))
        else:
            latest[str(record.get("shop_order_id", ""))] = index
    kept, on_floor = _known(store, shop, list(latest))
    for order_id, index in sorted(latest.items(), key=lambda item: item[1]):
        record = records[index]
        digest = content_hash(record)
        previous = kept.get(order_id)
        floor = on_floor.get(order_id)
        if previous is not None and previous.content_hash == digest:
            plan.unchanged += 1
        elif previous is None and floor is not None:
            plan.adopted.append(Kept(order_id, digest, floor))  # no row yet
            plan.unchanged += 1
        elif previous is None and order_id in known_only:
            continue  # closed at the shop before the floor ever had it
        else:
            version = 1 if previous is None else previous.version + 1
            if floor is not None and floor > version:
                version = floor + 1
            plan.imports.append((index, {**record, "version": version}))
            plan.keep[index] = Kept(
                order_id, digest, version, previous.row_id if previous else None
            )
    return plan


def keep_versions(session: Session, shop: str, kept: Sequence[Kept]) -> None:
    """Remember what was imported (or adopted), with bulk statements in `session`."""
    if not kept:
        return
    now = utcnow()
    latest = {item.shop_order_id: item for item in kept}.values()
    table = table_of(ShopOrder)
    bulk_insert(
        session,
        table,
        ("shop", "shop_order_id", "content_hash", "version", "pulled_at"),
        [
            (shop, item.shop_order_id, item.content_hash, item.version, now)
            for item in latest
            if item.row_id is None
        ],
    )
    changed = [
        (item.row_id, item.content_hash, item.version, now)
        for item in latest
        if item.row_id is not None
    ]
    if changed:
        bulk_execute(
            session,
            update(table)
            .where(table.c.id == bindparam("row_id"))
            .values(
                content_hash=bindparam("new_hash"),
                version=bindparam("new_version"),
                pulled_at=bindparam("at"),
            ),
            ("row_id", "new_hash", "new_version", "at"),
            changed,
        )


def _known(store: Store, shop: str, order_ids: list[str]) -> tuple[dict[str, Kept], dict[str, int]]:
    """What sync kept of these orders, and the floor's versions of them: one query a chunk,
    the two tables' rows told apart by which columns are NULL (an order has a version, a kept
    row has an id). A UNION ALL, not a join: either row may be there without the other."""
    kept: dict[str, Kept] = {}
    floor: dict[str, int] = {}
    shop_orders, orders = table_of(ShopOrder), table_of(Order)
    with store.read() as session:
        for chunk in batches(order_ids, IN_CHUNK):
            # One list bound in both halves, handed to the driver as it is.
            wanted: BindParameter[str] = bindparam("order_ids", list(chunk), expanding=True)
            query = union_all(
                select(
                    shop_orders.c.shop_order_id,
                    shop_orders.c.id,
                    shop_orders.c.content_hash,
                    shop_orders.c.version,
                    null().label("floor_version"),
                ).where(shop_orders.c.shop == shop, shop_orders.c.shop_order_id.in_(wanted)),
                select(orders.c.shop_order_id, null(), null(), null(), orders.c.shop_version).where(
                    orders.c.shop == shop, orders.c.shop_order_id.in_(wanted)
                ),
            )
            for order_id, row_id, digest, version, floor_version in driver_rows(session, query):
                if row_id is None:
                    floor[order_id] = floor_version
                else:
                    kept[order_id] = Kept(order_id, digest, version, row_id)
    return kept, floor
