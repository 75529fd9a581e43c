"""The engine: SQLite (WAL, durable, write transactions BEGIN IMMEDIATE) or PostgreSQL by URL.

pysqlite's own transaction handling loses updates across processes (DESIGN.md, Known traps), so
it is switched off on connect and the "begin" event emits the BEGIN itself: IMMEDIATE for
writes, DEFERRED for the short read-only sessions screens refresh with.

On PostgreSQL two stations can still deadlock (each holds a row the other waits for) or, under
a stricter isolation, fail to serialise; the server then aborts one transaction, which loses
nothing and is safe to run again. `Store.transact` runs a use case's transaction through
`retrying`, so a station never shows such an abort: the whole transaction runs again, a few
times at most, after a short random pause that keeps the two from meeting again in step.
SQLite's write transactions are serial, so there it never retries.
"""

from __future__ import annotations

import random
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

BUSY_TIMEOUT_MS = 30_000
WAL_RETRY_S = 0.01
TRANSIENT_SQLSTATES = frozenset({"40P01", "40001"})
"""PostgreSQL's deadlock_detected and serialization_failure: the transaction was aborted
whole and may simply run again."""
TRANSIENT_ATTEMPTS = 6
TRANSIENT_PAUSE_S = 0.02
"""The first pause's upper bound; each retry doubles it (at most ~0.6 s in all)."""

T = TypeVar("T")


def normalise_url(db: str) -> str:
    """A path or URL as the user typed it → an SQLAlchemy URL."""
    if db.startswith("postgresql://") or db.startswith("postgres://"):
        return "postgresql+psycopg://" + db.split("://", 1)[1]
    if "://" in db:
        return db
    return f"sqlite:///{Path(db).expanduser().resolve()}"


def _use_wal(cursor: sqlite3.Cursor) -> None:
    """Switch the file to WAL (a no-op once it is). Two terminals opening a new database
    together both switch it, and SQLite answers the loser "database is locked" at once
    instead of waiting its busy timeout: retry until that timeout."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(WAL_RETRY_S)


def is_transient(error: BaseException) -> bool:
    """Whether the database aborted the transaction only because of another one (a deadlock,
    a serialisation failure), so running it again is right."""
    if not isinstance(error, DBAPIError):
        return False
    return getattr(error.orig, "sqlstate", None) in TRANSIENT_SQLSTATES


def retrying(work: Callable[[], T], *, attempts: int = TRANSIENT_ATTEMPTS) -> T:
    """Run `work` (one whole transaction), again after a random pause when the database aborts
    it as transient, up to `attempts` runs; any other error, or the last one, is raised."""
    attempt = 1
    while True:
        try:
            return work()
        except DBAPIError as error:
            if attempt >= attempts or not is_transient(error):
                raise
        time.sleep(random.uniform(0, TRANSIENT_PAUSE_S * 2 ** (attempt - 1)))
        attempt += 1


def _sqlite_engine(url: str) -> Engine:
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        _use_wal(cursor)
        for pragma in ("synchronous=FULL", "foreign_keys=ON"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:  # type: ignore[no-untyped-def]
        mode = connection.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        # Straight on the DBAPI connection: every transaction pays for this statement, and it
        # needs none of SQLAlchemy's per-execution work (which costs more than the BEGIN).
        connection.connection.driver_connection.execute(f"BEGIN {mode}")

    return engine


class Store:
    """One database: `write()` for a use case's one transaction, `read()` for a quick look."""

    def __init__(self, db: str, *, schema: str | None = None) -> None:
        self.url = normalise_url(db)
        self.is_sqlite = make_url(self.url).get_backend_name() == "sqlite"
        if self.is_sqlite:
            self.engine = _sqlite_engine(self.url)
        else:
            connect_args = {"options": f"-csearch_path={schema}"} if schema else {}
            self.engine = create_engine(self.url, connect_args=connect_args, pool_pre_ping=True)
        self._reader = self.engine.execution_options(sqlite_begin="DEFERRED")

    @property
    def sqlite_path(self) -> Path | None:
        database = make_url(self.url).database
        return Path(database) if self.is_sqlite and database else None

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction: committed on success, rolled back on any exception."""
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session

    def transact(self, work: Callable[[Session], T]) -> T:
        """`work` in one write transaction, run again whole if the database aborts it as a
        deadlock or serialisation failure (`retrying`). `work` must change nothing but the
        database, since it may run more than once."""

        def once() -> T:
            with self.write() as session:
                return work(session)

        return retrying(once)

    @contextmanager
    def read(self) -> Iterator[Session]:
        with Session(self._reader, expire_on_commit=False) as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
