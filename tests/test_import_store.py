"""Imports into a real database (SQLite and PostgreSQL): round trips, all-or-nothing, versions."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from sqlalchemy import func, select

from tests.support.import_files import good_order, import_orders, import_sample, order_files
from warehouse_tui.services.importing import FileFormat, ImportKind, import_text
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import (
    Barcode,
    Journal,
    Location,
    Order,
    OrderLine,
    OrderStatus,
    Sku,
    Stock,
    StockMove,
)


def count(store: Store, model: Any) -> int:
    with store.read() as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


def test_the_sample_files_round_trip(store: Store, tmp_path: Path) -> None:
    import_sample(store, tmp_path)
    with store.read() as session:
        mug = session.execute(select(Sku).where(Sku.code == "MUG-01")).scalar_one()
        barcodes = dict(
            session.execute(
                select(Barcode.code, Barcode.quantity).where(Barcode.sku_id == mug.id)
            ).all()
        )
        assert barcodes == {"04006381333931": 1, "14006381333938": 12}
        assert (
            session.execute(
                select(Sku.typed_qty_allowed).where(Sku.code == "CABLE-USB")
            ).scalar_one()
            is True
        )
        assert (
            session.execute(
                select(Location.pickable).where(Location.code == "LOC-C11-01-4")
            ).scalar_one()
            is False
        )
        tea_lots = session.execute(
            select(Stock.batch, Stock.on_hand, Stock.expiry, Stock.received_at)
            .join(Sku, Sku.id == Stock.sku_id)
            .where(Sku.code == "TEA-GRN")
            .order_by(Stock.batch)
        ).all()
        assert [(lot.batch, lot.on_hand) for lot in tea_lots] == [("L2405A", 30), ("L2406B", 20)]
        assert tea_lots[0].expiry.isoformat() == "2025-11-30"
        assert tea_lots[0].received_at.isoformat() == "2024-05-03T07:30:00+00:00"
        assert (
            session.execute(
                select(func.sum(StockMove.delta)).where(StockMove.reason == "receive")
            ).scalar_one()
            == 540
        )
        orders = {order.shop_order_id: order for order in session.execute(select(Order)).scalars()}
        assert orders["100231"].buyer_tags == ["vip"] and orders["100231"].priority == 1
        assert orders["100231"].ship_by.isoformat() == "2024-05-06T15:00:00+00:00"
        assert orders["100233"].ship_address2 == "3. OG"
        cancelled = orders["100232"]
        assert (cancelled.status, cancelled.shop_version) == (OrderStatus.CANCELLED, 2)
        lines = session.execute(
            select(OrderLine.sku_code, OrderLine.qty, OrderLine.unit_price_minor).where(
                OrderLine.order_id == cancelled.id
            )
        ).all()
        assert [tuple(line) for line in lines] == [("CABLE-USB", 10, 899)]
        journal = session.execute(
            select(Journal.action, Journal.station, Journal.raw).order_by(Journal.id)
        ).all()
        assert [tuple(row) for row in journal] == [
            ("import-catalog", "DESK-1", "catalog.csv"),
            ("import-locations", "DESK-1", "locations.csv"),
            ("import-stock", "DESK-1", "stock.csv"),
            ("import-orders", "DESK-1", "orders.jsonl"),
        ]


def test_one_bad_row_imports_nothing_of_the_file(store: Store) -> None:
    result = import_orders(store, good_order(1), good_order(2), good_order(3, lines="MUG"))
    assert result.to_json() == {
        "imported": 0,
        "errors": [{"line": 3, "reason": "lines: expected a list"}],
    }
    assert count(store, Order) == 0 and count(store, OrderLine) == 0
    with store.read() as session:
        refusal = session.execute(select(Journal)).scalar_one()
    assert (refusal.action, refusal.accepted) == ("import-orders", False)


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(file=order_files())
def test_generated_bad_files_never_import_anything(
    sqlite_store: Store, file: tuple[str, set[int]]
) -> None:
    """The database outlives the examples: a good file's orders stay, a bad file adds none."""
    text, bad = file
    before = count(sqlite_store, Order), count(sqlite_store, OrderLine)
    result = import_text(sqlite_store, ImportKind.ORDERS, text, FileFormat.JSONL)
    assert sorted(error.line for error in result.errors) == sorted(bad)
    if bad:
        assert (count(sqlite_store, Order), count(sqlite_store, OrderLine)) == before


def test_stock_naming_unknown_places_or_skus_is_refused_whole(store: Store, tmp_path: Path) -> None:
    import_sample(store, tmp_path)
    before = count(store, StockMove)
    text = "location,sku,qty\nLOC-A01-01-1,MUG-01,5\nLOC-Z99-01-1,MUG-01,1\nA01-01-1,NO-SUCH,2\n"
    result = import_text(store, ImportKind.STOCK, text, FileFormat.CSV)
    assert [(error.line, error.reason) for error in result.errors] == [
        (3, "location: no location LOC-Z99-01-1"),
        (4, "sku: no SKU NO-SUCH"),
    ]
    assert count(store, StockMove) == before


def test_stock_is_added_to_its_lot(store: Store, tmp_path: Path) -> None:
    import_sample(store, tmp_path)
    text = "location,sku,qty,batch\nA01-01-2,TEA-GRN,5,L2405A\nLOC-A01-01-2,TEA-GRN,1,L2405A\n"
    result = import_text(store, ImportKind.STOCK, text, FileFormat.CSV)
    assert (result.created, result.updated, result.imported) == (0, 1, 2)
    with store.read() as session:
        assert (
            session.execute(select(Stock.on_hand).where(Stock.batch == "L2405A")).scalar_one() == 36
        )


def test_catalog_and_locations_update_what_exists(store: Store, tmp_path: Path) -> None:
    import_sample(store, tmp_path)
    catalog = (
        '{"sku": "MUG-01", "name": "Mug 400 ml", "barcodes": ["MUG-NEW", "5901234123457"],'
        ' "weight_g": 400, "length_mm": 1, "width_mm": 1, "height_mm": 1}'
    )
    refused = import_text(store, ImportKind.CATALOG, catalog, FileFormat.JSONL)
    assert [(error.line, error.reason) for error in refused.errors] == [
        (
            1,
            "barcodes: 05901234123457 is already on SKU TEA-GRN; "
            "moving it to MUG-01 needs --move-barcodes",
        )
    ]
    result = import_text(store, ImportKind.CATALOG, catalog, FileFormat.JSONL, move_barcodes=True)
    assert (result.created, result.updated) == (0, 1)
    location = (
        '{"code": "LOC-A01-01-1", "zone": "A", "block": 0, "aisle": 0, '
        '"position_m": 2.5, "bay": 1, "level": 1, "pickable": false}'
    )
    result = import_text(store, ImportKind.LOCATIONS, location, FileFormat.JSONL)
    assert (result.created, result.updated) == (0, 1)
    with store.read() as session:
        mug = session.execute(select(Sku).where(Sku.code == "MUG-01")).scalar_one()
        assert (mug.name, mug.weight_g) == ("Mug 400 ml", 400)
        owners = dict(session.execute(select(Barcode.code, Barcode.sku_id)).all())
        # The file's barcodes are now the mug's, the tea's EAN moved with them.
        assert {code for code, sku in owners.items() if sku == mug.id} == {
            "MUG-NEW",
            "05901234123457",
        }
        moved = session.execute(
            select(Journal.raw, Journal.reason).where(Journal.action == "barcode-moved")
        ).all()
        assert moved == [("05901234123457", "moved from SKU TEA-GRN to SKU MUG-01")]
        spot = session.execute(select(Location).where(Location.code == "LOC-A01-01-1")).scalar_one()
        assert (spot.position_m, spot.pickable) == (2.5, False)


def test_a_newer_version_replaces_an_order_before_release(store: Store) -> None:
    import_orders(store, good_order(1), good_order(2))
    with store.write() as session:
        held = session.execute(select(Order).where(Order.shop_order_id == "1")).scalar_one()
        held.status, held.hold_reason = OrderStatus.HELD, "incomplete address"
    newer = good_order(
        1, version=2, carrier="UPS", lines=[{"sku": "TEA", "qty": 1}, {"sku": "CUP", "qty": 4}]
    )
    result = import_orders(store, newer, good_order(2, version=1))
    assert (result.updated, result.unchanged, result.created) == (1, 1, 0)
    with store.read() as session:
        order = session.execute(select(Order).where(Order.shop_order_id == "1")).scalar_one()
        assert (order.status, order.hold_reason, order.carrier, order.shop_version) == (
            OrderStatus.NEW,
            "",
            "UPS",
            2,
        )
        lines = session.execute(
            select(OrderLine.sku_code, OrderLine.qty)
            .where(OrderLine.order_id == order.id)
            .order_by(OrderLine.id)
        )
        assert [tuple(line) for line in lines] == [("TEA", 1), ("CUP", 4)]
        actions = session.execute(select(Journal.action).where(Journal.order_id == order.id))
        assert list(actions.scalars()) == ["order-updated"]


def test_a_cancellation_before_release_cancels(store: Store) -> None:
    import_orders(store, good_order(1))
    result = import_orders(
        store, {"shop": "WEB", "shop_order_id": "1", "version": 2, "cancelled": True}
    )
    assert result.cancelled == 1
    with store.read() as session:
        order = session.execute(select(Order)).scalar_one()
        assert order.status == OrderStatus.CANCELLED
        assert session.execute(select(func.count()).select_from(OrderLine)).scalar_one() == 1
    again = import_orders(store, good_order(1, version=3))
    assert again.unchanged == 1  # a cancelled order stays cancelled


def test_csv_orders_import(store: Store) -> None:
    text = (
        "shop,shop_order_id,ship_name,ship_address1,ship_city,ship_postcode,ship_country,"
        "carrier,sku,qty,shop_line_id\n"
        "WEB,9,Lena,Gartenweg 4,Berlin,10115,DE,DHL,MUG-01,2,a\n"
        "WEB,9,Lena,Gartenweg 4,Berlin,10115,DE,DHL,TEA,1,b\n"
    )
    result = import_text(store, ImportKind.ORDERS, text, FileFormat.CSV)
    assert (result.imported, result.created) == (1, 1)
    with store.read() as session:
        lines = session.execute(
            select(OrderLine.shop_line_id, OrderLine.sku_code).order_by(OrderLine.id)
        ).all()
    assert [tuple(line) for line in lines] == [("a", "MUG-01"), ("b", "TEA")]


def test_a_large_file_goes_in_bulk_batches(store: Store) -> None:
    """Values that repeat over many rows (cut-off times, tags) are stored as given."""
    cut_offs = ("2024-05-06T15:00:00+02:00", "2024-05-06T16:00:00Z", None)
    records = [
        good_order(
            number,
            ship_by=cut_offs[number % 3],
            buyer={"id": number, "tags": ["vip"] if number % 2 else []},
        )
        for number in range(6_001)
    ]
    result = import_orders(store, *records)
    assert (result.created, count(store, Order), count(store, OrderLine)) == (6_001,) * 3
    assert gc.isenabled()
    with store.read() as session:
        pairs = session.execute(
            select(Order.shop_order_id, OrderLine.sku_code)
            .join(OrderLine, OrderLine.order_id == Order.id)
            .where(Order.shop_order_id == "6000")
        )
        assert [tuple(pair) for pair in pairs] == [("6000", "MUG-01")]
        stored = session.execute(
            select(Order.shop_order_id, Order.ship_by, Order.buyer_id, Order.buyer_tags)
            .where(Order.shop_order_id.in_(["5997", "5998", "5999"]))
            .order_by(Order.shop_order_id)
        ).all()
        assert [
            (number, ship_by and ship_by.isoformat(), buyer, tags)
            for number, ship_by, buyer, tags in stored
        ] == [
            ("5997", "2024-05-06T13:00:00+00:00", "5997", ["vip"]),
            ("5998", "2024-05-06T16:00:00+00:00", "5998", []),
            ("5999", None, "5999", ["vip"]),
        ]
