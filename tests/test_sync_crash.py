"""The sync process killed with -9 between the shop's answer and our mark, on SQLite and
PostgreSQL: the database is held locked from the moment the fake shop has its answer ready, so
the mark cannot land before the kill. Afterwards the next run finds what the shop already has:
exactly one fulfilment per parcel set, and every order the shop sent on the floor once."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import select

from tests.conftest import drop_pg_schema, make_pg_store
from tests.support.shops import FakeShopify, sentinel
from tests.support.sync import connector, importer, ship
from warehouse_tui.store.engine import Store
from warehouse_tui.store.migrate import upgrade
from warehouse_tui.store.models import Order, Outbox, OutboxState
from warehouse_tui.sync.outbox import CLAIM_LEASE
from warehouse_tui.sync.runner import sync_once

TOKEN = sentinel("crash-token")
ENV = {"WAREHOUSE_SHOP_SPY_TOKEN": TOKEN, "WAREHOUSE_SHOPS_FILE": "/nonexistent/shops.toml"}
LATER = datetime(2100, 1, 1, tzinfo=UTC)


def _sync(url: str, schema: str | None, shop_url: str, now: datetime | None) -> None:
    store = Store(url, schema=schema)
    shop = connector("SPY", "shopify", {"url": shop_url, "location": "71"}, ENV)
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
    fake: FakeShopify, store: Store, operation: str, schema: str | None, now: datetime | None
) -> None:
    """Run a sync process; when the shop's answer to `operation` is ready, lock the database,
    let the answer go, and kill the process before it can mark anything."""
    ready = threading.Event()
    release = threading.Event()
    holding = threading.Event()

    def lock_and_hold() -> None:
        with held(store):
            holding.set()
            release.wait(60)

    def on_answer(name: str, _applied: bool) -> None:
        if name == operation and not ready.is_set():
            threading.Thread(target=lock_and_hold, daemon=True).start()
            holding.wait(30)
            ready.set()

    fake.on_answer = on_answer
    process = multiprocessing.get_context("spawn").Process(
        target=_sync, args=(store.url, schema, fake.url, now)
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


def run_in_process(store: Store, fake: FakeShopify, now: datetime | None) -> None:
    shop = connector("SPY", "shopify", {"url": fake.url, "location": "71"}, ENV)
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
