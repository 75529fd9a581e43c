"""What the benchmarks share: percentiles, a bare durable commit on either database to compare
a service's transaction with, and a PostgreSQL schema of a bench's own.

The bare commit is the physical limit a write transaction is held to: one row inserted and
committed, durably (SQLite in WAL with synchronous=FULL, as the app runs it; PostgreSQL with
its default synchronous_commit), on the same database the service writes to, in the same run.
"""

from __future__ import annotations

import os
import sqlite3
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from warehouse_tui.store.engine import Store

PG_URL = os.environ.get("WAREHOUSE_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def load() -> str:
    """The machine's load averages (1, 5, 15 min), printed beside every bench's figures."""
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


class BareCommit:
    """One-row durable commits on the bench's database, by the driver alone."""

    def __init__(self, connection: Any, *, sqlite: bool) -> None:
        self.connection = connection
        self.sqlite = sqlite
        key = "INTEGER PRIMARY KEY" if sqlite else "SERIAL PRIMARY KEY"
        connection.execute(f"CREATE TABLE IF NOT EXISTS bench_commit (id {key}, v TEXT)")
        if not sqlite:
            connection.commit()

    @classmethod
    def sqlite_file(cls, db: Path) -> BareCommit:
        connection = sqlite3.connect(db, isolation_level=None)
        for pragma in ("journal_mode=WAL", "synchronous=FULL"):
            connection.execute(f"PRAGMA {pragma}")
        return cls(connection, sqlite=True)

    @classmethod
    def postgresql(cls, schema: str) -> BareCommit:
        import psycopg

        connection = psycopg.connect(_driver_url(), options=f"-csearch_path={schema}")
        return cls(connection, sqlite=False)

    def time(self) -> float:
        """Seconds for one commit."""
        start = time.perf_counter()
        if self.sqlite:
            self.connection.execute("BEGIN IMMEDIATE")
            self.connection.execute("INSERT INTO bench_commit (v) VALUES ('scan')")
            self.connection.execute("COMMIT")
        else:
            self.connection.execute("INSERT INTO bench_commit (v) VALUES ('scan')")
            self.connection.commit()
        return time.perf_counter() - start

    def close(self) -> None:
        self.connection.close()


def _driver_url() -> str:
    return "postgresql://" + PG_URL.split("://", 1)[1]


def pg_unavailable() -> str | None:
    """Why the bench's PostgreSQL server cannot be used, or None."""
    try:
        import psycopg

        psycopg.connect(_driver_url(), connect_timeout=3).close()
    except Exception as error:
        return f"PostgreSQL at {PG_URL} not reachable ({error.__class__.__name__})"
    return None


@contextmanager
def pg_schema() -> Iterator[str]:
    """A schema of the bench's own on the PostgreSQL server, dropped afterwards."""
    import psycopg

    schema = f"bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_driver_url(), autocommit=True) as admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield schema
    finally:
        with psycopg.connect(_driver_url(), autocommit=True) as admin:
            admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def pick_item_code(store: Store, stop_id: int, barcode: str) -> str:
    """What a picker scans for one unit at a stop: its barcode, or for a batch-tracked SKU the
    GS1 code carrying the stop's lot (a plain barcode is refused there)."""
    from sqlalchemy import select
    from sqlmodel import col

    from warehouse_tui.store.models import PickStop, Sku, Stock

    with store.read() as session:
        batch, tracked = session.execute(
            select(col(Stock.batch), col(Sku.batch_tracked))
            .join(PickStop, col(PickStop.stock_id) == Stock.id)
            .join(Sku, col(Sku.id) == Stock.sku_id)
            .where(col(PickStop.id) == stop_id)
        ).one()
    return f"(01){barcode}(10){batch}" if tracked else barcode
