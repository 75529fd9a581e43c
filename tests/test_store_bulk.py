"""The store's bulk fast paths on SQLite and PostgreSQL: values always bound, never in the SQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Table, bindparam, select, update

from warehouse_tui.store.bulk import (
    bulk_execute,
    bulk_insert,
    bulk_insert_new,
    driver_rows,
    ids_by,
    rows_of,
)
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import Order, OrderStatus, Sku

ORDERS: Table = Order.__table__  # type: ignore[attr-defined]
SKUS: Table = Sku.__table__  # type: ignore[attr-defined]
HOSTILE_SHOP = "O'Brien\"; DROP TABLE orders; --"
DEFAULTS = {
    column.name: column.default.arg
    for column in ORDERS.columns
    if column.default is not None and column.default.is_scalar
}
COLUMNS = (*DEFAULTS, "shop", "shop_order_id", "status", "imported_at", "updated_at", "buyer_tags")


SKU_COLUMNS = (
    "code",
    "name",
    "weight_g",
    "length_mm",
    "width_mm",
    "height_mm",
    "serial_tracked",
    "batch_tracked",
    "typed_qty_allowed",
    "code_entry_allowed",
)


def order_rows(count: int, start: datetime) -> list[tuple[object, ...]]:
    return [
        (
            *DEFAULTS.values(),
            HOSTILE_SHOP if number % 2 else "WEB",
            f"{number:04d}",
            OrderStatus.NEW.value if number % 3 else OrderStatus.HELD.value,
            start + timedelta(minutes=number),
            start,
            ["vip"],
        )
        for number in range(count)
    ]


def test_new_ids_come_back_in_the_rows_order_and_a_taken_key_is_skipped(store: Store) -> None:
    start = datetime(2024, 5, 6, 8, tzinfo=UTC)
    rows = order_rows(12, start)
    key = ("shop", "shop_order_id")
    with store.write() as session:
        first = bulk_insert_new(session, ORDERS, COLUMNS, rows[:5], key)
        later = bulk_insert_new(session, ORDERS, COLUMNS, rows[3:], key)  # 3 and 4 are taken
        stored = {
            order_id: number
            for order_id, number in rows_of(session, select(ORDERS.c.id, ORDERS.c.shop_order_id))
        }
    assert later[:2] == [None, None]
    new_ids = [order_id for order_id in first + later if order_id is not None]
    assert [stored[order_id] for order_id in new_ids] == [f"{n:04d}" for n in range(12)]
    assert len(stored) == 12


def test_driver_rows_binds_every_value_in_the_drivers_own_style(store: Store) -> None:
    start = datetime(2024, 5, 6, 8, tzinfo=UTC)
    with store.write() as session:
        bulk_insert(session, ORDERS, COLUMNS, order_rows(12, start))
        found = driver_rows(
            session,
            select(ORDERS.c.shop_order_id)
            .where(
                ORDERS.c.shop == HOSTILE_SHOP,
                ORDERS.c.status.in_((OrderStatus.NEW, OrderStatus.READY)),
                ORDERS.c.imported_at > start + timedelta(minutes=4),  # a converted value
            )
            .order_by(ORDERS.c.shop_order_id),
        )
    assert found == [("0005",), ("0007",), ("0011",)]


def test_bulk_execute_updates_each_row_with_its_values(store: Store) -> None:
    with store.write() as session:
        bulk_insert(
            session,
            SKUS,
            SKU_COLUMNS,
            [
                (f"S-{number}", "before", number, 1, 1, 1, False, False, False, False)
                for number in range(4)
            ],
        )
        ids = ids_by(session, SKUS.c.code, ["S-1", "S-3", "S-9"])
        statement = (
            update(SKUS).where(SKUS.c.id == bindparam("b_id")).values(name=bindparam("b_name"))
        )
        bulk_execute(
            session,
            statement,
            ("b_name", "b_id"),
            [("one", ids["S-1"]), ("th'ree", ids["S-3"])],
        )
        names = {code: name for code, name in rows_of(session, select(SKUS.c.code, SKUS.c.name))}
    assert set(ids) == {"S-1", "S-3"}
    assert names == {"S-0": "before", "S-1": "one", "S-2": "before", "S-3": "th'ree"}
