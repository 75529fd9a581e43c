"""Has any terminal committed since I last looked? Asked at a cost that does not grow with the
database, so a board can follow the floor within a second without re-reading it on a timer.

SQLite: `PRAGMA data_version` on one dedicated connection. The number changes whenever another
connection (any process) commits to the file; reading it touches no table. PostgreSQL: the
writing transaction sends a NOTIFY on `CHANNEL` (statement-level triggers from the migration
0010, so no service and no scan hot path issues a statement of its own), delivered only
when that transaction commits; a dedicated connection LISTENs and waits on its socket. A
channel is per database, not per schema, so the notice carries the writer's schema (migration
0015) and a watcher wakes only for its own: a neighbouring warehouse on the same server does
not make every board read again.

A change seen is a reason to read again, nothing more: a notice may cover several commits.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from warehouse_tui.store.engine import Store

CHANNEL = "warehouse_changes"
"""The PostgreSQL notification channel the triggers send on."""
WATCHED_TABLES = ("orders", "wave", "picktask", "pickstop", "parcel", "journal", "stockmove")
"""Tables whose statements notify: everything the board and the KPIs read."""
SQLITE_POLL_S = 0.1
"""How often the SQLite watcher reads `data_version`: a pragma on an idle connection, some
microseconds, well inside the one second a board may lag."""


class ChangeWatcher:
    """One dedicated read connection that tells whether others committed since the last call."""

    def __init__(self, store: Store) -> None:
        raw = store.engine.raw_connection()
        connection: Any = raw.driver_connection
        self._connection = connection
        raw.detach()  # ours alone: never handed back to the pool, never shared with a session
        self._sqlite = store.is_sqlite
        if self._sqlite:
            self._version = self._data_version()
        else:
            self._connection.autocommit = True
            self._schema = self._connection.execute("SELECT current_schema()").fetchone()[0]
            self._connection.execute(f"LISTEN {CHANNEL}")

    def wait(self, timeout: float) -> bool:
        """Block up to `timeout` seconds; True as soon as another connection has committed
        since the previous call (or since the watcher opened)."""
        if self._sqlite:
            return self._wait_sqlite(timeout)
        deadline = time.monotonic() + timeout
        changed = False
        while not changed and (left := deadline - time.monotonic()) > 0:
            for notice in self._connection.notifies(timeout=left, stop_after=1):
                changed = notice.payload == self._schema
        if changed:  # take whatever else arrived with it, so one burst wakes the reader once
            for _notice in self._connection.notifies(timeout=0):
                pass
        return changed

    def _wait_sqlite(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while True:
            version = self._data_version()
            if version != self._version:
                self._version = version
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            time.sleep(min(SQLITE_POLL_S, left))

    def _data_version(self) -> int:
        row = self._connection.execute("PRAGMA data_version").fetchone()
        return int(row[0])

    def close(self) -> None:
        self._connection.close()


def notify_trigger_sql(table: str) -> tuple[str, str]:
    """The PostgreSQL statements that create and drop `table`'s statement-level notify
    trigger (the migration runs them; `notify_function_sql` creates the function first)."""
    name = f"{table}_notify_change"
    create = (
        f"CREATE TRIGGER {name} AFTER INSERT OR UPDATE OR DELETE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION warehouse_notify_change()"
    )
    return create, f"DROP TRIGGER IF EXISTS {name} ON {table}"


SCHEMA_PAYLOAD = "current_schema()"
"""The notice's payload since migration 0015: the schema the writing transaction wrote to."""


def notify_function_sql(payload: str) -> tuple[str, str]:
    """Create and drop the trigger function: one NOTIFY per statement, folded by the server
    into one per transaction (same channel, same payload). `payload` is the SQL expression
    sent: `SCHEMA_PAYLOAD`, or '' as migration 0010 first created it."""
    create = (
        "CREATE OR REPLACE FUNCTION warehouse_notify_change() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN "
        f"PERFORM pg_notify('{CHANNEL}', {payload}); RETURN NULL; END $$"
    )
    return create, "DROP FUNCTION IF EXISTS warehouse_notify_change()"
