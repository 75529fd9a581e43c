"""Several processes writing at once never lose an update (ARCHITECTURE.md, Known traps)."""

from __future__ import annotations

import multiprocessing

import pytest
from sqlalchemy import text

from tests.conftest import drop_pg_schema, make_pg_store
from warehouse_tui.store.engine import Store
from warehouse_tui.store.migrate import upgrade
from warehouse_tui.store.models import BoxType

PROCESSES = 4
INCREMENTS = 100


def _read_modify_write(args: tuple[str, str | None]) -> int:
    """The pattern that lost updates under pysqlite's default: read, compute, write back.

    SQLite's BEGIN IMMEDIATE serialises it; on PostgreSQL the row lock of FOR UPDATE does
    (with_for_update is a no-op on SQLite)."""
    url, schema = args
    store = Store(url, schema=schema)
    for _ in range(INCREMENTS):
        with store.write() as session:
            box = session.get(BoxType, 1, with_for_update=True)
            assert box is not None
            box.tare_g = box.tare_g + 1
    store.dispose()
    return INCREMENTS


def _run(url: str, schema: str | None) -> int:
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(PROCESSES) as pool:
        pool.map(_read_modify_write, [(url, schema)] * PROCESSES)
    with Store(url, schema=schema).read() as session:
        return session.execute(text("SELECT tare_g FROM boxtype WHERE id = 1")).scalar_one()


def _seed(store: Store) -> None:
    with store.write() as session:
        session.add(
            BoxType(id=1, code="M2", name="M", length_mm=1, width_mm=1, height_mm=1, tare_g=0)
        )


def test_no_lost_update_sqlite(tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = Store(str(tmp_path / "floor.db"))
    upgrade(store)
    _seed(store)
    assert _run(store.url, None) == PROCESSES * INCREMENTS


@pytest.mark.pg
def test_no_lost_update_postgresql() -> None:
    store, schema = make_pg_store()
    try:
        upgrade(store)
        _seed(store)
        assert _run(store.url, schema) == PROCESSES * INCREMENTS
    finally:
        store.dispose()
        drop_pg_schema(schema)
