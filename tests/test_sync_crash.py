"""The sync process killed with -9 between the shop's answer and our mark, on SQLite and
PostgreSQL: the database is held locked from the moment the fake shop has its answer ready, so
the mark cannot land before the kill. Afterwards the next run finds what the shop already has:
exactly one fulfilment per parcel set, one refund per returned unit and one stock set per
stock event, and every order the shop sent on the floor once. A pull
killed on its second page keeps the first (records and cursor committed together) and the
next run goes on from there; a file shop killed mid-pull leaves its file in the inbox."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import select

from tests.conftest import drop_pg_schema, make_pg_store
from tests.support.import_files import good_order
from tests.support.shops import FakeShop, FakeShopify, FakeWoo, sentinel
from tests.support.sync import connector, importer, returned, ship, shipped, stock_now
from warehouse_tui.store.engine import Store
from warehouse_tui.store.migrate import upgrade
from warehouse_tui.store.models import Order, Outbox, OutboxState, ShopSync
from warehouse_tui.sync.outbox import CLAIM_LEASE
from warehouse_tui.sync.runner import sync_once

TOKEN = sentinel("crash-token")
WOO_KEY, WOO_SECRET = sentinel("crash-woo-key"), sentinel("crash-woo-secret")
ENV = {"WAREHOUSE_SHOP_SPY_TOKEN": TOKEN, "WAREHOUSE_SHOPS_FILE": "/nonexistent/shops.toml"}
LATER = datetime(2100, 1, 1, tzinfo=UTC)


WOO_ENV = {
    "WAREHOUSE_SHOP_WOO_KEY": WOO_KEY,
    "WAREHOUSE_SHOP_WOO_SECRET": WOO_SECRET,
    "WAREHOUSE_SHOPS_FILE": "/nonexistent/shops.toml",
}


@dataclass(frozen=True)
class Target:
    """A shop as the killed process opens it."""

    code: str
    kind: str
    settings: dict[str, Any]
    env: dict[str, str]


def spy(fake: FakeShop) -> Target:
    return Target("SPY", "shopify", {"url": fake.url, "location": "71"}, ENV)


def woo(fake: FakeShop) -> Target:
    return Target("WOO", "woocommerce", {"url": fake.url, "overlap_s": 60}, WOO_ENV)


def _sync(url: str, schema: str | None, target: Target, now: datetime | None) -> None:
    store = Store(url, schema=schema)
    shop = connector(target.code, target.kind, target.settings, target.env)
    sync_once(store, shop, importer(store), now=now)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Store, str | None]]:
    if request.param == "sqlite":
        store, schema = Store(str(tmp_path / "floor.db")), None
    else:
        store, schema = make_pg_store()
    upgrade(store)
    yield store, schema
    store.dispose()
    if schema:
        drop_pg_schema(schema)


@contextmanager
def held(store: Store) -> Iterator[None]:
    """Every write to the database waits while this is open."""
    if store.is_sqlite:
        connection = sqlite3.connect(str(store.sqlite_path), isolation_level=None, timeout=30)
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            connection.execute("ROLLBACK")
            connection.close()
        return
    with store.engine.connect() as connection:
        for table in ("outbox", "orders", "shoporder", "shopsync"):
            connection.execute(text(f"LOCK TABLE {table} IN EXCLUSIVE MODE"))
        try:
            yield
        finally:
            connection.rollback()


def kill_when(
    fake: FakeShop,
    store: Store,
    operation: str,
    schema: str | None,
    now: datetime | None,
    target: Target | None = None,
    nth: int = 1,
) -> None:
    """Run a sync process; when the shop's `nth` answer to `operation` is ready, lock the
    database, let the answer go, and kill the process before it can mark anything."""
    ready = threading.Event()
    release = threading.Event()
    holding = threading.Event()

    def lock_and_hold() -> None:
        with held(store):
            holding.set()
            release.wait(60)

    def on_answer(name: str, _applied: bool) -> None:
        if name == operation and fake.requests.count(operation) >= nth and not ready.is_set():
            threading.Thread(target=lock_and_hold, daemon=True).start()
            holding.wait(30)
            ready.set()

    fake.on_answer = on_answer
    process = multiprocessing.get_context("spawn").Process(
        target=_sync, args=(store.url, schema, target or spy(fake), now)
    )
    process.start()
    try:
        assert ready.wait(60), f"the shop never answered {operation}"
        time.sleep(0.5)  # the answer reaches the process, which now waits for the database
        assert process.pid is not None
        os.kill(process.pid, signal.SIGKILL)
        process.join(30)
        assert process.exitcode == -signal.SIGKILL
    finally:
        release.set()
        fake.on_answer = None


def run_in_process(
    store: Store, fake: FakeShop, now: datetime | None, target: Target | None = None
) -> None:
    chosen = target or spy(fake)
    shop = connector(chosen.code, chosen.kind, chosen.settings, chosen.env)
    try:
        sync_once(store, shop, importer(store), now=now)
    finally:
        shop.close()


@pytest.fixture
def fake() -> Iterator[FakeShopify]:
    shop = FakeShopify(TOKEN)
    yield shop
    shop.close()


def test_killed_between_the_fulfilment_and_our_mark(
    database: tuple[Store, str | None], fake: FakeShopify
) -> None:
    store, schema = database
    order_id = fake.add_order("9001", [("MUG", 2), ("TEA", 1)])
    run_in_process(store, fake, None)
    ship(store, "SPY", order_id, "1ZKILL0001")

    kill_when(fake, store, "FulfillmentCreate", schema, LATER)
    with store.read() as session:
        [event] = session.exec(select(Outbox)).all()
    assert event.state == OutboxState.PENDING and event.attempts == 1  # the mark never landed
    assert len(fake.live_fulfillments(order_id)) == 1

    run_in_process(store, fake, LATER + CLAIM_LEASE)  # the dead process's claim ran out
    [made] = fake.live_fulfillments(order_id)
    assert [info["number"] for info in made["trackingInfo"]] == ["1ZKILL0001"]
    assert fake.requests.count("FulfillmentCreate") == 1
    with store.read() as session:
        [event] = session.exec(select(Outbox)).all()
    assert event.state == OutboxState.DELIVERED and event.reference == made["id"]


def test_killed_between_the_orders_page_and_its_import(
    database: tuple[Store, str | None], fake: FakeShopify
) -> None:
    store, schema = database
    ids = [fake.add_order(f"91{n}", [("MUG", n + 1)]) for n in range(4)]
    kill_when(fake, store, "Orders", schema, None)
    with store.read() as session:
        assert session.exec(select(Order)).all() == []
    run_in_process(store, fake, None)
    run_in_process(store, fake, None)
    with store.read() as session:
        orders = session.exec(select(Order)).all()
    assert sorted(o.shop_order_id for o in orders) == sorted(ids)
    assert {o.shop_version for o in orders} == {1}


@pytest.fixture
def woo_fake() -> Iterator[FakeWoo]:
    shop = FakeWoo(WOO_KEY, WOO_SECRET)
    yield shop
    shop.close()


def test_woo_killed_on_its_second_page_keeps_the_first_and_goes_on(
    database: tuple[Store, str | None], woo_fake: FakeWoo
) -> None:
    store, schema = database
    ids = {str(woo_fake.add_order([("MUG", 1 + n % 3)])) for n in range(130)}
    kill_when(woo_fake, store, "orders.list", schema, None, woo(woo_fake), nth=2)
    with store.read() as session:
        first = session.exec(select(Order)).all()
        [state] = session.exec(select(ShopSync)).all()
    assert (
        len(first) == 100 and json.loads(state.cursor)["page"] == 2
    )  # page 1 and its cursor, together

    run_in_process(store, woo_fake, None, woo(woo_fake))
    run_in_process(store, woo_fake, None, woo(woo_fake))
    with store.read() as session:
        orders = session.exec(select(Order)).all()
    assert sorted(o.shop_order_id for o in orders) == sorted(ids)
    assert {o.shop_version for o in orders} == {1}


def test_woo_killed_between_completing_the_order_and_our_mark(
    database: tuple[Store, str | None], woo_fake: FakeWoo
) -> None:
    store, schema = database
    order_id = woo_fake.add_order([("MUG", 2), ("TEA", 1)])
    run_in_process(store, woo_fake, None, woo(woo_fake))
    ship(store, "WOO", str(order_id), "JJDKILL0001")

    kill_when(woo_fake, store, "orders.put", schema, LATER, woo(woo_fake))
    with store.read() as session:
        [event] = session.exec(select(Outbox)).all()
    assert event.state == OutboxState.PENDING and event.attempts == 1
    assert woo_fake.orders[order_id]["status"] == "completed"

    run_in_process(store, woo_fake, LATER + CLAIM_LEASE, woo(woo_fake))
    [note] = woo_fake.shipped_notes(order_id)
    assert "JJDKILL0001" in note and woo_fake.requests.count("notes.post") == 1
    with store.read() as session:
        [event] = session.exec(select(Outbox)).all()
    assert event.state == OutboxState.DELIVERED


def test_a_file_shop_killed_mid_pull_keeps_its_file_and_imports_it_once(
    database: tuple[Store, str | None], tmp_path: Path
) -> None:
    store, schema = database
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    inbox.mkdir()
    lines = [
        json.dumps(good_order(n, shop="FS", version=1), ensure_ascii=False) for n in range(200)
    ]
    (inbox / "orders.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    target = Target("FS", "file", {"inbox": str(inbox), "outbox": str(outbox)}, {})
    process = multiprocessing.get_context("spawn").Process(
        target=_sync, args=(store.url, schema, target, None)
    )
    with held(store):  # the import's commit waits here until the kill
        process.start()
        time.sleep(4.0)
        assert process.pid is not None
        os.kill(process.pid, signal.SIGKILL)
        process.join(30)
    assert process.exitcode == -signal.SIGKILL
    with store.read() as session:
        assert session.exec(select(Order)).all() == []
    assert (inbox / "orders.jsonl").exists()

    shop = connector(target.code, target.kind, target.settings, target.env)
    sync_once(store, shop, importer(store))
    (inbox / "orders.jsonl").write_text(lines[0] + "\n", encoding="utf-8")  # sent again
    report = sync_once(store, shop, importer(store))
    assert (report.imported, report.unchanged) == (0, 1)
    with store.read() as session:
        orders = session.exec(select(Order)).all()
    assert len(orders) == 200 and {o.shop_version for o in orders} == {1}
    assert (inbox / "done" / "orders.jsonl").exists()


@pytest.mark.parametrize("operation", ["RefundCreate", "InventorySet"])
def test_killed_between_recording_goods_in_at_shopify_and_our_mark(
    database: tuple[Store, str | None], fake: FakeShopify, operation: str
) -> None:
    store, schema = database
    fake.add_variant("MUG", 0)
    order_id = fake.add_order("9101", [("MUG", 2)])
    run_in_process(store, fake, None)
    shipped(store, "SPY", order_id)
    returned(store, "SPY", order_id, [("MUG", "resaleable")])
    stock_now(store, "SPY", "MUG", 4)

    kill_when(fake, store, operation, schema, LATER)
    with store.read() as session:
        assert {e.state for e in session.exec(select(Outbox))} == {OutboxState.PENDING}
    run_in_process(store, fake, LATER + CLAIM_LEASE)
    [refund] = fake.refunded(order_id)
    assert [item["quantity"] for item in refund["refundLineItems"]["nodes"]] == [1]
    assert fake.stock_sets == [("MUG", 4)] and fake.requests.count("RefundCreate") == 1
    with store.read() as session:
        assert {e.state for e in session.exec(select(Outbox))} == {OutboxState.DELIVERED}


@pytest.mark.parametrize("operation", ["refunds.post", "products.put"])
def test_woo_killed_between_recording_goods_in_and_our_mark(
    database: tuple[Store, str | None], woo_fake: FakeWoo, operation: str
) -> None:
    store, schema = database
    woo_fake.add_product("MUG", 0)
    order_id = woo_fake.add_order([("MUG", 2)])
    run_in_process(store, woo_fake, None, woo(woo_fake))
    shipped(store, "WOO", str(order_id))
    returned(store, "WOO", str(order_id), [("MUG", "damaged")])
    stock_now(store, "WOO", "MUG", 4)

    kill_when(woo_fake, store, operation, schema, LATER, woo(woo_fake))
    with store.read() as session:
        assert {e.state for e in session.exec(select(Outbox))} == {OutboxState.PENDING}
    run_in_process(store, woo_fake, LATER + CLAIM_LEASE, woo(woo_fake))
    [refund] = woo_fake.refunded(order_id)
    assert [item["quantity"] for item in refund["line_items"]] == [-1]
    assert woo_fake.stock_sets == [("MUG", 4)] and woo_fake.requests.count("refunds.post") == 1
    with store.read() as session:
        assert {e.state for e in session.exec(select(Outbox))} == {OutboxState.DELIVERED}
