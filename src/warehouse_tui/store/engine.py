"""The engine: SQLite (WAL, durable, write transactions BEGIN IMMEDIATE) or PostgreSQL by URL.

pysqlite's own transaction handling loses updates across processes (ARCHITECTURE.md, Known
traps), so it is switched off on connect and the "begin" event emits the BEGIN itself: IMMEDIATE for
writes, DEFERRED for the short read-only sessions screens refresh with.

A write waits for SQLite's one writer lock in `begin_immediate`, which tries again every
millisecond, rather than in SQLite's busy handler, whose sleeps grow (1, 2, 5, 10, 15, 20, 25 ms…
then 50 and 100 ms between tries): a station waiting behind a long job's short write
(store/pacing.py) is in within a millisecond of its commit, not up to 25–100 ms later, by when
the job has begun its next write.

`open_database` is how commands and the app open what `--db` names: the cheap checks of
`address`, then one connection, so an unreachable server, an unknown user or database, or a
file SQLite cannot read is one line of reason (`DatabaseUnavailable`) before any work starts.
`failure_reason` words the failures that can still come later (a read-only file, a full disk,
a server gone away) the same way. A SQLite file is created here, readable and writable by its
owner and group only (SQLite gives its -wal and -shm files the database file's mode).

A pooled PostgreSQL connection is handed out without asking the server first (SQLAlchemy's
pre-ping is a round trip on every checkout, a tenth of a millisecond on each scan): a server
that ends a connection says so before it closes it, so one whose socket has something to read
while it idles is pinged, and replaced if the server is gone (`_still_connected`).

On PostgreSQL two stations can still deadlock (each holds a row the other waits for) or, under
a stricter isolation, fail to serialise; the server then aborts one transaction, which loses
nothing and is safe to run again. `Store.transact` runs a use case's transaction through
`retrying`, so a station never shows such an abort: the whole transaction runs again, a few
times at most, after a short random pause that keeps the two from meeting again in step.
SQLite's write transactions are serial, so there it never retries.
"""

from __future__ import annotations

import os
import random
import re
import select
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Dialect, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError, IntegrityError
from sqlmodel import Session

from warehouse_tui.i18n import _
from warehouse_tui.store.address import (
    DatabaseUnavailable,
    check_database,
    normalise_url,
    shown,
    sqlite_path,
)

BUSY_TIMEOUT_MS = 30_000
WAL_RETRY_S = 0.01
WRITE_LOCK_POLL_S = 0.001
"""How often a write waiting for SQLite's writer lock tries again (`begin_immediate`)."""
DATABASE_FILE_MODE = 0o660  # every terminal user of the floor is in the file's group
PG_CONNECT_TIMEOUT_S = 10  # an unreachable server is refused, not waited for forever

TRANSIENT_SQLSTATES = frozenset({"40P01", "40001"})
"""PostgreSQL's deadlock_detected and serialization_failure: the transaction was aborted
whole and may simply run again."""
TRANSIENT_ATTEMPTS = 6
TRANSIENT_PAUSE_S = 0.02
"""The first pause's upper bound; each retry doubles it (at most ~0.6 s in all)."""

T = TypeVar("T")

__all__ = ["DatabaseUnavailable", "Store", "failure_reason", "normalise_url", "open_database"]


def _create_private_file(path: Path) -> None:
    """Create the database file, if it is missing, with DATABASE_FILE_MODE whatever the umask."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, DATABASE_FILE_MODE)
    except FileExistsError:
        return
    try:
        os.fchmod(descriptor, DATABASE_FILE_MODE)
    finally:
        os.close(descriptor)


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


def begin_immediate(driver: sqlite3.Connection) -> None:
    """BEGIN IMMEDIATE on a SQLite driver connection: the writer lock, waited for by trying
    again every WRITE_LOCK_POLL_S (the busy handler is off meanwhile), up to the busy timeout,
    then "database is locked" as SQLite would say it."""
    driver.execute("PRAGMA busy_timeout=0")
    try:
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        while True:
            try:
                driver.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                if error.sqlite_errorcode != sqlite3.SQLITE_BUSY or time.monotonic() > deadline:
                    raise
            time.sleep(WRITE_LOCK_POLL_S)
    finally:
        driver.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


def is_transient(error: BaseException) -> bool:
    """Whether the database aborted the transaction only because of another one (a deadlock,
    a serialisation failure), so running it again is right."""
    cause = error.orig if isinstance(error, DBAPIError) else error  # fast paths: driver errors
    return getattr(cause, "sqlstate", None) in TRANSIENT_SQLSTATES


def retrying(work: Callable[[], T], *, attempts: int = TRANSIENT_ATTEMPTS) -> T:
    """Run `work` (one whole transaction), again after a random pause when the database aborts
    it as transient, up to `attempts` runs; any other error, or the last one, is raised."""
    attempt = 1
    while True:
        try:
            return work()
        except Exception as error:
            if attempt >= attempts or not is_transient(error):
                raise
        time.sleep(random.uniform(0, TRANSIENT_PAUSE_S * 2 ** (attempt - 1)))
        attempt += 1


def _sqlite_engine(url: str) -> Engine:
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
    path = sqlite_path(url)

    @event.listens_for(engine, "do_connect")
    def _before_connect(*_args) -> None:  # type: ignore[no-untyped-def]
        if path is not None:
            _create_private_file(path)

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
        # Straight on the DBAPI connection: every transaction pays for this statement, and it
        # needs none of SQLAlchemy's per-execution work (which costs more than the BEGIN).
        driver = connection.connection.driver_connection
        if connection.get_execution_options().get("sqlite_begin") == "DEFERRED":
            driver.execute("BEGIN DEFERRED")
        else:
            begin_immediate(driver)

    return engine


def _pg_engine(url: str, connect_args: dict[str, object]) -> Engine:
    engine = create_engine(url, connect_args=connect_args)

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection, _record, _proxy) -> None:  # type: ignore[no-untyped-def]
        if not _still_connected(dbapi_connection, engine.dialect):
            raise DisconnectionError("the server closed the connection while it idled")

    return engine


def _still_connected(driver: Any, dialect: Dialect) -> bool:
    """Whether a pooled psycopg connection still has its server: pinged (one round trip)
    only when its socket has something to read, as a restart, a terminated backend or an idle
    timeout leave it. A link cut without a word from the server (a host gone, a cable) is
    found by the connection's next statement, as a ping would have found it: by waiting."""
    if driver.closed:
        return False
    poller = select.poll()
    poller.register(driver.pgconn.socket, select.POLLIN)
    if not poller.poll(0):
        return True
    try:
        return bool(dialect.do_ping(driver))
    except Exception:
        return False


class Store:
    """One database: `write()` for a use case's one transaction, `read()` for a quick look."""

    def __init__(self, db: str, *, schema: str | None = None) -> None:
        self.url = normalise_url(db)
        self.is_sqlite = make_url(self.url).get_backend_name() == "sqlite"
        if self.is_sqlite:
            self.engine = _sqlite_engine(self.url)
        else:
            connect_args: dict[str, object] = {}
            if schema:
                connect_args["options"] = f"-csearch_path={schema}"
            if "connect_timeout" not in make_url(self.url).query:
                connect_args["connect_timeout"] = PG_CONNECT_TIMEOUT_S
            self.engine = _pg_engine(self.url, connect_args)
        self._reader = self.engine.execution_options(sqlite_begin="DEFERRED")

    @property
    def sqlite_path(self) -> Path | None:
        return sqlite_path(self.url)

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


def open_database(db: str, *, create: bool = False) -> Store:
    """The Store `db` names, once one connection has worked; DatabaseUnavailable saying why not.

    A SQLite file that does not exist is created only with `create`."""
    check_database(db, create=create)
    try:
        store = Store(db)
    except Exception as error:  # what SQLAlchemy cannot make an engine of
        raise DatabaseUnavailable(_cannot_open(db, error)) from error
    try:
        with store.engine.connect():
            pass
    except Exception as error:
        store.dispose()
        raise DatabaseUnavailable(_cannot_open(db, error)) from error
    return store


def failure_reason(error: BaseException) -> str | None:
    """One line saying why the database (or a file) could not serve, or None when `error` is
    of another kind (a bug keeps its traceback). A constraint the data broke is not a failure
    of the database: IntegrityError is left to the code that caused it."""
    if isinstance(error, DatabaseUnavailable):
        return str(error)
    if isinstance(error, DBAPIError) and not isinstance(error, IntegrityError):
        return _database_refused(_driver_message(error))
    if isinstance(error, OSError):
        if error.filename is None:
            return error.strerror or str(error)
        return f"{error.strerror or error}: {error.filename}"
    return None


def _cannot_open(db: str, error: Exception) -> str:
    detail = _driver_message(error) if isinstance(error, DBAPIError) else _first_line(str(error))
    return _("Cannot open the database {db}: {reason}").format(db=shown(db), reason=detail)


def _database_refused(message: str) -> str:
    lowered = message.lower()
    if "readonly" in lowered or "read-only" in lowered:
        return _("The database is read-only (the file or its folder): nothing was changed")
    if "disk is full" in lowered or "no space left" in lowered:
        return _("The disk holding the database is full: nothing was changed")
    return _("The database refused: {reason}").format(reason=message)


_FAILED_AT = re.compile(r".*failed: +(?:FATAL: +)?(.*)$")


def _driver_message(error: DBAPIError) -> str:
    """The driver's own words, on one line. libpq reports each address it tried ("connection
    to server at X, port P failed: REASON", a line each): keep the reasons."""
    text = str(error.orig) if error.orig is not None else str(error)
    reasons: list[str] = []
    for line in text.splitlines():
        match = _FAILED_AT.match(line)
        if match and match.group(1).strip() and match.group(1).strip() not in reasons:
            reasons.append(match.group(1).strip())
    return "; ".join(reasons) if reasons else _first_line(text)


def _first_line(text: str) -> str:
    """The first line with words in it, its runs of spaces made one."""
    lines = (" ".join(line.split()) for line in text.splitlines())
    return next((line for line in lines if line), "")
