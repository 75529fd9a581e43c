"""Schema upgrades through Alembic, under a lock so two terminals starting together never race."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from filelock import FileLock
from sqlalchemy import text

from warehouse_tui.store.engine import DATABASE_FILE_MODE, Store

MIGRATIONS = Path(__file__).parent / "migrations"
PG_LOCK_KEY = 0x57415245  # any constant shared by every terminal of this app


def alembic_config(store: Store) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["store"] = store
    return config


def head_revision() -> str:
    return ScriptDirectory(str(MIGRATIONS)).get_current_head() or ""


def current_revision(store: Store) -> str | None:
    with store.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


@contextmanager
def _upgrade_lock(store: Store) -> Iterator[None]:
    path = store.sqlite_path
    if path is not None:
        # Every terminal user takes this lock, so it is shared like the database file.
        with FileLock(str(path) + ".lock", timeout=120, mode=DATABASE_FILE_MODE):
            yield
        return
    with store.engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": PG_LOCK_KEY})
        connection.commit()
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": PG_LOCK_KEY})
            connection.commit()


def upgrade(store: Store, revision: str = "head") -> bool:
    """Bring the schema to `revision`; returns whether anything ran."""
    if revision == "head" and store_is_current(store):
        return False
    with _upgrade_lock(store):
        if revision == "head" and store_is_current(store):
            return False
        command.upgrade(alembic_config(store), revision)
    return True


def store_is_current(store: Store) -> bool:
    return current_revision(store) == head_revision()
