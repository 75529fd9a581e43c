"""The demo warehouse: reproducible, big enough, shaped like a shop's day, valid codes."""

from __future__ import annotations

import hashlib
import json
import random
import re
import sqlite3
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest
import typer
from sqlalchemy import func, select
from typer.testing import CliRunner

from tests.conftest import drop_pg_schema, make_pg_store
from warehouse_tui.demo import counts, holds_data, recreate, seed_demo
from warehouse_tui.demo.catalogue import build_catalogue
from warehouse_tui.demo.orders import build_orders
from warehouse_tui.demo.tables.people import OPERATORS
from warehouse_tui.domain.barcodes import ScanKind, parse_scan
from warehouse_tui.domain.pins import pin_matches
from warehouse_tui.services.settings import warehouse_layout
from warehouse_tui.services.tracking import format_tracking, tracking_patterns
from warehouse_tui.store.engine import Store
from warehouse_tui.store.migrate import upgrade
from warehouse_tui.store.models import (
    Barcode,
    BoxType,
    Carrier,
    CarrierService,
    Device,
    Location,
    Operator,
    Order,
    OrderLine,
    OrderStatus,
    Role,
    Setting,
    Sku,
    Station,
    Stock,
    StockMove,
    TrackingPool,
    WallSlot,
)

DAY = date(2026, 3, 2)
SEED = 7
OPEN = (OrderStatus.NEW, OrderStatus.READY, OrderStatus.HELD)

# What the digest covers: every column but the PIN hash (salted) and the audit's clock.
DIGEST_TABLES = (
    (Setting, ()),
    (Location, ()),
    (Sku, ()),
    (Barcode, ()),
    (Stock, ()),
    (StockMove, ()),
    (Operator, ("pin_hash",)),
    (Station, ()),
    (Device, ()),
    (BoxType, ()),
    (Carrier, ()),
    (CarrierService, ()),
    (TrackingPool, ()),
    (WallSlot, ()),
    (Order, ("updated_at",)),
    (OrderLine, ()),
)


def digest(store: Store) -> str:
    sha = hashlib.sha256()
    with store.read() as session:
        for model, skipped in DIGEST_TABLES:
            table = model.__table__
            columns = [column for column in table.columns if column.name not in skipped]
            order = [column for column in table.primary_key.columns]
            for row in session.execute(select(*columns).order_by(*order)):
                sha.update(repr(tuple(row)).encode())
    return sha.hexdigest()


def new_store(path: Path) -> Store:
    store = Store(str(path))
    upgrade(store)
    return store


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    store = new_store(tmp_path_factory.mktemp("demo") / "demo.db")
    seed_demo(store, SEED, DAY)
    yield store
    store.dispose()


def test_same_seed_and_day_give_the_same_data(demo_store: Store, tmp_path: Path) -> None:
    again = new_store(tmp_path / "again.db")
    seed_demo(again, SEED, DAY)
    assert digest(again) == digest(demo_store)
    again.dispose()


def test_another_seed_or_day_gives_other_data() -> None:
    def orders(seed: int, day: date) -> list[dict[str, object]]:
        rng = random.Random(seed)
        return build_orders(rng, build_catalogue(rng), day).records

    first = orders(SEED, DAY)
    assert orders(SEED + 1, DAY) != first
    assert orders(SEED, DAY + timedelta(days=1)) != first


def test_counts_meet_the_minimums(demo_store: Store) -> None:
    found = counts(demo_store)
    assert found["locations"] >= 12 * 30 * 4
    assert found["skus"] >= 2_000
    assert found["box_types"] >= 4
    assert found["carriers"] >= 3
    assert found["totes"] >= 100
    assert found["wall_slots"] >= 24
    assert sum(found.get(f"orders_{status}", 0) for status in OPEN) >= 1_000
    assert 0 < found["orders_held"] < found["orders_ready"] / 10
    assert found["orders_cancelled"] >= 3


def test_the_floor_is_two_blocks_of_aisles_bays_and_levels(demo_store: Store) -> None:
    with demo_store.read() as session:
        layout = warehouse_layout(session)
        locations = session.execute(select(Location)).scalars().all()
    assert layout.aisles >= 12
    assert layout.blocks == 2
    assert {location.aisle for location in locations} == set(range(layout.aisles))
    bays = Counter((location.aisle, location.level) for location in locations)
    assert min(bays.values()) >= 30
    assert {location.level for location in locations} >= {1, 2, 3, 4}
    for location in locations:
        assert location.block == layout.block_of(location.position_m)
        assert 0 < location.position_m < layout.aisle_length
        scan = parse_scan(location.code)
        assert scan.valid and scan.kind is ScanKind.LOCATION
        assert (scan.zone, scan.bay, scan.level) == (location.zone, location.bay, location.level)


def test_every_product_barcode_is_a_valid_gtin_as_the_parser_reports_it(
    demo_store: Store,
) -> None:
    with demo_store.read() as session:
        barcodes = session.execute(select(Barcode.code, Barcode.quantity)).all()
        skus = session.execute(select(Sku)).scalars().all()
    for code, quantity in barcodes:
        as_printed = code[1:] if quantity == 1 else code  # an EAN-13, or a case's GTIN-14
        scan = parse_scan(as_printed)
        assert scan.valid and scan.kind is ScanKind.PRODUCT, code
        assert scan.gtin == code
    quantities = Counter(quantity for _code, quantity in barcodes)
    assert set(quantities) == {1, 6, 12, 24}
    assert sum(sku.serial_tracked for sku in skus) > 20
    assert sum(sku.batch_tracked for sku in skus) > 100
    assert sum(sku.typed_qty_allowed for sku in skus) > 100
    assert all(
        sku.weight_g > 0 and sku.length_mm * sku.width_mm * sku.height_mm > 0 for sku in skus
    )
    assert any(re.search(r"[\u4e00-\u9fff]", sku.name) for sku in skus)


def test_batch_tracked_stock_has_lots_with_expiry_and_a_receipt_each(demo_store: Store) -> None:
    with demo_store.read() as session:
        lots = session.execute(
            select(Stock, Sku.batch_tracked).join(Sku, Sku.id == Stock.sku_id)
        ).all()
        received = session.execute(
            select(func.count(), func.sum(StockMove.delta)).where(StockMove.reason == "receive")
        ).one()
    assert received == (len(lots), sum(stock.on_hand for stock, _ in lots))
    for stock, batch_tracked in lots:
        assert stock.on_hand > 0 and stock.allocated == 0
        assert bool(stock.batch) == batch_tracked == (stock.expiry is not None)
        if batch_tracked:
            assert stock.expiry > DAY
    assert len({stock.location_id for stock, _ in lots}) > 1_000


def test_orders_are_shaped_like_a_shops_day(demo_store: Store) -> None:
    with demo_store.read() as session:
        orders = session.execute(select(Order).where(Order.status.in_(OPEN))).scalars().all()
        lines = Counter(
            session.execute(
                select(OrderLine.order_id).join(Order).where(Order.status.in_(OPEN))
            ).scalars()
        )
        per_sku = Counter(
            dict(
                session.execute(
                    select(OrderLine.sku_code, func.count()).group_by(OrderLine.sku_code)
                ).all()
            )
        )
        services = session.execute(select(CarrierService.cutoff_local)).scalars().all()
    assert sum(1 for order in orders if lines[order.id] == 1) >= 0.4 * len(orders)
    top_fifth = sum(count for _code, count in per_sku.most_common(len(per_sku) // 5))
    assert top_fifth >= 0.6 * sum(per_sku.values())  # Pareto
    assert len({order.carrier for order in orders}) >= 3
    assert len(set(services)) >= 3
    merged = Counter(order.merge_group for order in orders if order.merge_group)
    assert len(merged) >= 10 and set(merged.values()) == {2}
    tags = Counter(tag for order in orders for tag in order.buyer_tags)
    assert set(tags) == {"vip", "gift", "fragile", "no-invoice"}
    assert sum(1 for order in orders if order.pack_instructions) >= 20
    assert sum(1 for order in orders if order.ship_country == "CN") >= 20
    assert any("unknown SKU" in order.hold_reason for order in orders)
    assert any("too little stock" in order.hold_reason for order in orders)
    assert any("incomplete address" in order.hold_reason for order in orders)
    assert all(order.ship_by is not None for order in orders)


def test_operators_of_every_role_and_language_log_in_with_their_pins(demo_store: Store) -> None:
    with demo_store.read() as session:
        operators = {op.badge: op for op in session.execute(select(Operator)).scalars()}
    assert {op.role for op in operators.values()} == {role.value for role in Role}
    assert any(op.role == Role.PICKER and op.language == "zh_CN" for op in operators.values())
    for number, demo in enumerate(OPERATORS, start=1):
        operator = operators[demo.badge]
        assert operator.id == number
        assert parse_scan(demo.badge).kind is ScanKind.BADGE
        assert pin_matches(demo.pin, operator.pin_hash)


def test_stations_have_simulated_devices_and_tracking_pools_issue_valid_numbers(
    demo_store: Store,
) -> None:
    with demo_store.read() as session:
        devices = session.execute(
            select(Station.name, Device.kind, Device.driver, Device.port).join(Device)
        ).all()
        pools = session.execute(
            select(Carrier.code, Carrier.check_scheme, TrackingPool).join(TrackingPool)
        ).all()
        patterns = tracking_patterns(session)
    scales = {name: (driver, port) for name, kind, driver, port in devices if kind == "scale"}
    assert scales["PACK-1"] == ("mt-sics", "sim:mt-sics")
    assert scales["PACK-2"][1].startswith("sim:")
    assert {name for name, *_ in devices} >= {"HH-1", "HH-2", "PACK-1", "PACK-2", "LOAD-1", "SUP-1"}
    for code, scheme, pool in pools:
        for number in (pool.next_number, pool.last_number):
            tracking = format_tracking(pool.prefix, number, pool.width, pool.suffix, scheme)
            scan = parse_scan(tracking, tracking_patterns=patterns, expect_tracking=True)
            assert scan.valid and scan.kind is ScanKind.TRACKING and scan.carrier == code


@pytest.mark.pg
def test_demo_on_postgresql() -> None:
    store, schema = make_pg_store()
    try:
        upgrade(store)
        found = seed_demo(store, SEED, DAY)
        assert found["skus"] >= 2_000
        assert found["orders_ready"] >= 900
        assert holds_data(store)
        recreate(store)
        assert not holds_data(store)
        with store.write() as session:  # row IDs start again at 1, as the README's operators say
            operator = Operator(badge="OP-0001", name="Anna", pin_hash="x", role="picker")
            session.add(operator)
            session.flush()
            assert operator.id == 1
    finally:
        store.dispose()
        drop_pg_schema(schema)


# --- the command ---------------------------------------------------------------------------------


def command_app() -> typer.Typer:
    from warehouse_tui.commands.demo import demo_cmd

    app = typer.Typer()
    app.command()(demo_cmd)
    return app


def copy_database(store: Store, path: Path) -> Store:
    assert store.sqlite_path is not None
    with sqlite3.connect(store.sqlite_path) as source, sqlite3.connect(path) as target:
        source.backup(target)
    return Store(str(path))


def test_command_leaves_a_database_with_data_alone_and_reseeds_on_reset(
    demo_store: Store, tmp_path: Path
) -> None:
    store = copy_database(demo_store, tmp_path / "cli.db")
    with store.write() as session:
        session.add(Operator(badge="OP-0099", name="Extra", pin_hash="x", role="picker"))
    runner = CliRunner()
    args = ["--db", str(store.sqlite_path), "--seed", str(SEED), "--today", DAY.isoformat()]
    args += ["--no-start", "--json"]

    again = runner.invoke(command_app(), args)
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout) == {"seeded": False}
    assert "already holds data" in again.stderr
    with store.read() as session:
        assert session.execute(select(func.count()).select_from(Operator)).scalar_one() == 11

    reset = runner.invoke(command_app(), [*args, "--reset"])
    assert reset.exit_code == 0, reset.output
    report = json.loads(reset.stdout)
    assert report["seeded"] is True and report["operators"] == len(OPERATORS)
    assert digest(store) == digest(demo_store)
    store.dispose()


def test_command_starts_the_app_on_the_database_and_station_unless_told_not_to(
    demo_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import warehouse_tui.app

    started: list[tuple[str, str]] = []
    monkeypatch.setattr(
        warehouse_tui.app, "run_app", lambda db, station: started.append((db, station))
    )
    path = str(copy_database(demo_store, tmp_path / "start.db").sqlite_path)
    result = CliRunner().invoke(command_app(), ["--db", path, "--station", "PACK-1"])
    assert result.exit_code == 0, result.output
    assert started == [(path, "PACK-1")]
    assert f"sync through files in {tmp_path / 'shops'}" in result.stderr
    assert f"write labels to {tmp_path / 'labels'}" in result.stderr
    assert (tmp_path / "shops" / "sync.log").exists()  # the watcher ran beside the app


def test_the_demo_shops_sync_through_files_beside_the_database(
    demo_store: Store, tmp_path: Path
) -> None:
    from warehouse_tui.cli import app

    path = str(copy_database(demo_store, tmp_path / "shop.db").sqlite_path)
    runner = CliRunner()
    assert runner.invoke(command_app(), ["--db", path, "--no-start"]).exit_code == 0
    inbox = tmp_path / "shops" / "WEB" / "inbox"
    order = {
        "shop": "WEB",
        "shop_order_id": "FILE-1",
        "ship_to": {
            "name": "Ada",
            "address1": "1 Road",
            "city": "Berlin",
            "postcode": "10115",
            "country": "DE",
        },
        "carrier": "DHL",
        "service": "PAKET",
        "lines": [{"sku": "AP-00001", "qty": 1}],
    }
    (inbox / "orders-1.jsonl").write_text(json.dumps(order) + "\n")
    synced = runner.invoke(app, ["--db", path, "sync", "--once", "--shop", "WEB", "--json"])
    assert synced.exit_code == 0, synced.output
    assert json.loads(synced.stdout)["imported"] == 1
    assert (inbox / "done" / "orders-1.jsonl").exists()
    shown = runner.invoke(app, ["--db", path, "order", "show", "WEB:FILE-1", "--json"])
    assert json.loads(shown.stdout)["status"] == "ready"


def test_command_refuses_a_malformed_day(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        command_app(), ["--db", str(tmp_path / "x.db"), "--today", "02.03.2026", "--no-start"]
    )
    assert result.exit_code == 2
