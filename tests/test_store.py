"""Store round-trips on both databases, the engine's settings, waiting for SQLite's writer lock,
and the upgrade lock."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from sqlalchemy import text
from sqlmodel import select

from warehouse_tui.store import engine
from warehouse_tui.store.engine import BUSY_TIMEOUT_MS, Store, normalise_url
from warehouse_tui.store.migrate import current_revision, head_revision, upgrade
from warehouse_tui.store.models import Barcode, Order, OrderLine, OrderStatus, Sku


def test_round_trip(store: Store) -> None:
    with store.write() as session:
        sku = Sku(
            code="SKU-1", name="Mug 咖啡杯", weight_g=350, length_mm=120, width_mm=90, height_mm=100
        )
        session.add(sku)
        session.flush()
        session.add(Barcode(code="04006381333931", sku_id=sku.id, quantity=1))
        order = Order(
            shop="web",
            shop_order_id="1001",
            buyer_tags=["vip", "gift"],
            ship_name="李雷",
            ship_city="上海",
            carrier="SF",
        )
        session.add(order)
        session.flush()
        session.add(OrderLine(order_id=order.id, sku_code="SKU-1", sku_id=sku.id, qty=2))
    with store.read() as session:
        loaded = session.exec(select(Order)).one()
        assert loaded.status == OrderStatus.NEW
        assert loaded.buyer_tags == ["vip", "gift"]
        assert loaded.ship_name == "李雷"
        line = session.exec(select(OrderLine)).one()
        assert (line.qty, line.sku_code) == (2, "SKU-1")


def test_failed_write_changes_nothing(store: Store) -> None:
    with pytest.raises(RuntimeError), store.write() as session:
        session.add(Order(shop="web", shop_order_id="1", carrier="SF"))
        session.flush()
        raise RuntimeError("crash mid-transaction")
    with store.read() as session:
        assert session.exec(select(Order)).all() == []


def test_sqlite_pragmas(sqlite_store: Store) -> None:
    with sqlite_store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() > 0


def test_foreign_keys_enforced(sqlite_store: Store) -> None:
    with pytest.raises(Exception, match="FOREIGN KEY"), sqlite_store.write() as session:
        session.add(OrderLine(order_id=999, sku_code="X", qty=1))


def test_upgrade_is_idempotent(store: Store) -> None:
    assert current_revision(store) == head_revision()
    assert upgrade(store) is False


def test_urls() -> None:
    assert normalise_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("floor.db").startswith("sqlite:////")


def test_reads_are_deferred_writes_immediate(sqlite_store: Store) -> None:
    """A reader holds no write lock, so a writer proceeds while a read is open."""
    other = Store(str(sqlite_store.sqlite_path))
    with sqlite_store.read() as reader:
        reader.exec(select(Order)).all()
        with other.write() as writer:
            writer.add(Order(shop="web", shop_order_id="2", carrier="SF"))
    with sqlite_store.read() as reader:
        assert reader.execute(text("SELECT count(*) FROM orders")).scalar() == 1
    other.dispose()


def _hold_writer_lock(path: str, seconds: float, holding: threading.Event) -> None:
    """Another connection holds SQLite's writer lock for `seconds`."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("BEGIN IMMEDIATE")
    holding.set()
    time.sleep(seconds)
    connection.execute("COMMIT")
    connection.close()


def test_a_write_gets_the_lock_within_milliseconds_of_its_release(sqlite_store: Store) -> None:
    """SQLite's busy handler would try again 25-100 ms apart by now; the engine tries every
    millisecond, so a write waiting 120 ms is in right after the lock is free."""
    holding = threading.Event()
    holder = threading.Thread(
        target=_hold_writer_lock, args=(str(sqlite_store.sqlite_path), 0.12, holding)
    )
    holder.start()
    holding.wait(5)
    began = time.monotonic()
    with sqlite_store.write() as session:
        session.connection()  # BEGIN IMMEDIATE
        waited = time.monotonic() - began
        session.add(Order(shop="web", shop_order_id="3", carrier="SF"))
    holder.join()
    assert 0.1 <= waited < 0.16
    with sqlite_store.engine.connect() as connection:  # the busy timeout is back for the rest
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == BUSY_TIMEOUT_MS


def test_a_write_that_never_gets_the_lock_is_refused_as_locked(
    sqlite_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "BUSY_TIMEOUT_MS", 50)
    holding = threading.Event()
    holder = threading.Thread(
        target=_hold_writer_lock, args=(str(sqlite_store.sqlite_path), 0.3, holding)
    )
    holder.start()
    holding.wait(5)
    with pytest.raises(sqlite3.OperationalError, match="locked"), sqlite_store.write() as session:
        session.add(Order(shop="web", shop_order_id="4", carrier="SF"))
    holder.join()
