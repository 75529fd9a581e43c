"""Orders written: new ones inserted in bulk, newer versions of known ones applied.

New orders and their lines go in with one executemany per table and chunk, as `importing` rows
of the import's batch (services/importing/staged.py gives them their real status at the end).
Each line comes with the id of the SKU its code names, when there is one, so the audit that
follows need not rewrite every line; a code that names none is left to the audit.
A newer version of an order we have replaces it before release (back to `new`), cancels it, or
— after release — becomes an intercept (services.orders); an older or equal version, or one of
a shipped or cancelled order, changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, bindparam, select, update
from sqlmodel import Session

from warehouse_tui.domain.barcodes import ScanKind, format_label
from warehouse_tui.services.importing.order_rows import (
    SHIP_TO_OPTIONAL,
    SHIP_TO_REQUIRED,
    OrderRow,
    newest_per_order,
)
from warehouse_tui.services.importing.result import WRITE_BATCH, ImportResult
from warehouse_tui.services.journal import Actor, record
from warehouse_tui.services.orders import (
    AFTER_RELEASE,
    OrderVersion,
    cancel_before_release,
    intercept,
    replace_versions,
)
from warehouse_tui.store.bulk import IN_CHUNK, batches, bulk_insert, bulk_insert_new, ids_by
from warehouse_tui.store.models import Order, OrderLine, OrderStatus, Sku, utcnow

_ORDERS: Table = Order.__table__  # type: ignore[attr-defined]
_LINES: Table = OrderLine.__table__  # type: ignore[attr-defined]
_SKUS: Table = Sku.__table__  # type: ignore[attr-defined]

# The Order columns a version sets (OrderVersion.fields), with their values when absent.
_VERSION_DEFAULTS: tuple[tuple[str, Any], ...] = (
    ("buyer_id", ""),
    ("buyer_name", ""),
    ("buyer_tags", []),
    *((f"ship_{name}", "") for name in SHIP_TO_REQUIRED + SHIP_TO_OPTIONAL),
    ("carrier", ""),
    ("service", ""),
    ("priority", 0),
    ("ship_by", None),
    ("pack_instructions", ""),
)
_VERSION_COLUMNS = tuple(name for name, _default in _VERSION_DEFAULTS)
_VERSION_ABSENT = tuple(default for _name, default in _VERSION_DEFAULTS)
_NEW_ORDER_COLUMNS = (
    "shop",
    "shop_order_id",
    "shop_version",
    "status",
    *_VERSION_COLUMNS,
    "imported_at",
    "updated_at",
    "hold_reason",
    "no_merge",
    "intercepted",
    "import_batch_id",
)
_ORDER_KEY = ("shop", "shop_order_id")
_NEW_LINE_COLUMNS = (
    "order_id",
    "shop_line_id",
    "sku_code",
    "sku_id",
    "qty",
    "unit_price_minor",
    "picked",
    "packed",
    "short",
)


@dataclass(frozen=True)
class _Existing:
    id: int
    status: str
    shop_version: int
    intercepted: bool
    pending: dict[str, Any] | None


def stage_new_orders(
    session: Session,
    batch_id: int,
    rows: Sequence[OrderRow],
    result: ImportResult,
    sku_ids: dict[str, int | None],
) -> tuple[list[OrderRow], list[OrderRow], list[int]]:
    """Create the orders of `rows` we do not have yet, as `importing` rows of batch `batch_id`
    (each order's first row; a later row of it waits, as does a row of an order this import
    staged before). Returns the rows of orders we have (for `apply_versions`), the later
    rows of this import's orders (for `settle_later_versions`) and the ids of the new orders
    that arrived cancelled (they flip to cancelled, the others to new). `sku_ids` (SKU code →
    id, None for no such SKU) is the import's own: the codes it lacks are looked up and kept."""
    first: dict[tuple[str, str], OrderRow] = {}
    repeats: list[OrderRow] = []
    for row in rows:
        if row.key in first:
            repeats.append(row)
        else:
            first[row.key] = row
    creating = list(first.values())
    _look_up_skus(session, creating, sku_ids)
    cancelled, taken = _create_orders(session, batch_id, creating, result, sku_ids)
    existing = _existing_orders(session, [row.key for row in taken])
    known: list[OrderRow] = []
    later: list[OrderRow] = []
    for row in taken + repeats:
        found = existing.get(row.key)
        if found is None or found.status == OrderStatus.IMPORTING:  # one import at a time
            later.append(row)
        else:
            known.append(row)
    return known, later, cancelled


def _look_up_skus(
    session: Session, rows: Sequence[OrderRow], sku_ids: dict[str, int | None]
) -> None:
    """Add to `sku_ids` the codes of `rows`' lines it does not hold yet (SKUs are never deleted
    nor renamed, so what it holds stays true)."""
    codes = {line.sku_code for row in rows for line in row.version.lines} - sku_ids.keys()
    if codes:
        found = ids_by(session, _SKUS.c.code, sorted(codes))
        sku_ids.update({code: found.get(code) for code in codes})


def apply_versions(
    session: Session, actor: Actor, rows: Sequence[OrderRow], result: ImportResult
) -> None:
    """Newer versions of orders we have, applied (`_update_orders`) in the caller's one
    transaction: what they change is visible at once, so it goes with the batch's flip."""
    for batch in batches(rows, WRITE_BATCH):
        existing = _existing_orders(session, [row.key for row in batch])
        _update_orders(session, actor, batch, existing, result)


def settle_later_versions(session: Session, rows: Sequence[OrderRow]) -> None:
    """Later rows in a file of orders it created (just given their status): each order ends
    at its newest version, the first of equal ones, as if the file had held only that row
    (`newest_per_order`; a bare cancellation keeps the content it cancels). Nobody saw the
    versions in between, so nothing is journaled or counted for them."""
    newest = newest_per_order(rows)
    existing = _existing_orders(session, [row.key for row in newest])
    replacements: list[tuple[int, OrderVersion]] = []
    cancels: list[dict[str, Any]] = []
    for row in newest:
        current = existing[row.key]
        if row.version.version <= current.shop_version:
            continue
        if row.version.fields:
            replacements.append((current.id, row.version))
        if row.version.cancelled:
            cancels.append({"order_id": current.id, "version": row.version.version})
    replace_versions(session, replacements)
    if cancels:
        session.execute(
            update(_ORDERS)
            .where(_ORDERS.c.id == bindparam("order_id"))
            .values(status=OrderStatus.CANCELLED.value, shop_version=bindparam("version")),
            cancels,
        )


def _existing_orders(session: Session, keys: list[tuple[str, str]]) -> dict[Any, _Existing]:
    """The orders we already have among `keys`, looked up shop by shop (`shop = ? AND
    shop_order_id IN (…)` uses the unique index; a row-value IN would scan the table)."""
    by_shop: dict[str, list[str]] = {}
    for shop, shop_order_id in keys:
        by_shop.setdefault(shop, []).append(shop_order_id)
    found: dict[Any, _Existing] = {}
    for shop, numbers in by_shop.items():
        for chunk in batches(numbers, IN_CHUNK):
            rows = session.execute(
                select(
                    _ORDERS.c.shop_order_id,
                    _ORDERS.c.id,
                    _ORDERS.c.status,
                    _ORDERS.c.shop_version,
                    _ORDERS.c.intercepted,
                    _ORDERS.c.pending,
                ).where(_ORDERS.c.shop == shop, _ORDERS.c.shop_order_id.in_(chunk))
            )
            for shop_order_id, *rest in rows:
                found[shop, shop_order_id] = _Existing(*rest)
    return found


def _create_orders(
    session: Session,
    batch_id: int,
    rows: list[OrderRow],
    result: ImportResult,
    sku_ids: dict[str, int | None],
) -> tuple[list[int], list[OrderRow]]:
    """Insert `rows` as `importing` orders of the batch, each unless we have its order: the
    ids of those inserted that came cancelled, and the rows of the orders we had."""
    if not rows:
        return [], []
    now = utcnow()
    importing = OrderStatus.IMPORTING.value
    order_rows = [
        (
            row.shop,
            row.shop_order_id,
            row.version.version,
            importing,
            *map(row.version.fields.get, _VERSION_COLUMNS, _VERSION_ABSENT),
            now,
            now,
            "",
            False,
            False,
            batch_id,
        )
        for row in rows
    ]
    ids = bulk_insert_new(session, _ORDERS, _NEW_ORDER_COLUMNS, order_rows, _ORDER_KEY)
    created = [(row, order_id) for row, order_id in zip(rows, ids, strict=True) if order_id]
    lines = [
        (
            order_id,
            line.shop_line_id,
            line.sku_code,
            sku_ids[line.sku_code],
            line.qty,
            line.unit_price_minor,
            0,
            0,
            0,
        )
        for row, order_id in created
        for line in row.version.lines
    ]
    bulk_insert(session, _LINES, _NEW_LINE_COLUMNS, lines)
    result.created += len(created)
    cancelled = [order_id for row, order_id in created if row.version.cancelled]
    taken = [row for row, order_id in zip(rows, ids, strict=True) if order_id is None]
    return cancelled, taken


def _update_orders(
    session: Session,
    actor: Actor,
    rows: Sequence[OrderRow],
    existing: Mapping[Any, _Existing],
    result: ImportResult,
) -> None:
    """Newer versions of orders we have: replaced or cancelled before release, intercepted
    after it; older or equal versions, and shipped or cancelled orders, stay as they are."""
    replacements = []
    for row in rows:
        current = existing[row.key]
        waiting = current.pending["version"] if current.pending else 0
        newer = row.version.version > max(current.shop_version, waiting)
        if not newer or current.status in (OrderStatus.SHIPPED, OrderStatus.CANCELLED):
            result.unchanged += 1
        elif current.intercepted or current.status in AFTER_RELEASE:
            _intercept(session, actor, current.id, row.version)
            result.intercepted += 1
        elif row.version.cancelled:
            _cancel(session, actor, current.id)
            result.cancelled += 1
        else:
            replacements.append((current.id, row.version))
    replace_versions(session, replacements)
    if replacements:
        _journal_updates(session, actor, [order_id for order_id, _version in replacements])
    result.updated += len(replacements)


def _intercept(session: Session, actor: Actor, order_id: int, version: OrderVersion) -> None:
    order = session.get(Order, order_id, with_for_update=True)
    assert order is not None
    intercept(session, actor, order, version)


def _cancel(session: Session, actor: Actor, order_id: int) -> None:
    order = session.get(Order, order_id, with_for_update=True)
    assert order is not None
    cancel_before_release(session, actor, order)


def _journal_updates(session: Session, actor: Actor, order_ids: list[int]) -> None:
    for order_id in order_ids:
        record(
            session,
            actor,
            "order-updated",
            order_id=order_id,
            task_ref=format_label(ScanKind.ORDER, order_id),
        )
