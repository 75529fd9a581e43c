"""Shared fixtures: real SQLite files and the real PostgreSQL server, each test its own database."""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from warehouse_tui.store.engine import Store, normalise_url
from warehouse_tui.store.migrate import upgrade

PG_URL = os.environ.get("WAREHOUSE_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@functools.cache
def _pg_unavailable_reason() -> str | None:
    """Asked on the first PostgreSQL test, not at import: the unit tests never connect."""
    try:
        engine = create_engine(normalise_url(PG_URL))
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as error:
        return f"PostgreSQL at {PG_URL} not reachable: {error.__class__.__name__}"
    return None


def require_pg() -> None:
    """Skip without PostgreSQL, except under CI=true, where it must be there."""
    reason = _pg_unavailable_reason()
    if reason is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (required under CI=true)")
    pytest.skip(reason)


def make_pg_store() -> tuple[Store, str]:
    require_pg()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(normalise_url(PG_URL))
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    return Store(PG_URL, schema=schema), schema


def drop_pg_schema(schema: str) -> None:
    admin = create_engine(normalise_url(PG_URL))
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def store(request: pytest.FixtureRequest, tmp_path) -> Iterator[Store]:  # type: ignore[no-untyped-def]
    """An empty, migrated database: a SQLite file, then a PostgreSQL schema of its own."""
    if request.param == "sqlite":
        db = Store(str(tmp_path / "floor.db"))
        upgrade(db)
        yield db
        db.dispose()
        return
    db, schema = make_pg_store()
    upgrade(db)
    yield db
    db.dispose()
    drop_pg_schema(schema)


@pytest.fixture
def sqlite_store(tmp_path) -> Iterator[Store]:  # type: ignore[no-untyped-def]
    db = Store(str(tmp_path / "floor.db"))
    upgrade(db)
    yield db
    db.dispose()


@dataclass(frozen=True)
class Db:
    """A migrated database that other processes open by URL (and schema, on PostgreSQL)."""

    store: Store
    schema: str | None


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Db]:
    """For the tests that race or kill processes on one database: a SQLite file, then a
    PostgreSQL schema of its own."""
    if request.param == "sqlite":
        store, schema = Store(str(tmp_path / "floor.db")), None
    else:
        store, schema = make_pg_store()
    upgrade(store)
    yield Db(store, schema)
    store.dispose()
    if schema:
        drop_pg_schema(schema)


def revision_before_head() -> str:
    """The revision the newest migration revises: a schema one step behind this program's."""
    from alembic.script import ScriptDirectory

    from warehouse_tui.store.migrate import MIGRATIONS

    scripts = ScriptDirectory(str(MIGRATIONS))
    down = scripts.get_revision("head").down_revision
    assert isinstance(down, str)
    return down
