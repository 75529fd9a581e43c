"""On PostgreSQL the pack station's fast path (store/prepared.py) runs prepared statements: after
a few pack scans and pack view re-reads each of its statements is prepared on the connection,
and stays so, nothing prepared anew by the next scan. psycopg forgets a connection's prepared
statements whenever a transaction on it is rolled back, so a fast transaction that ended with
a rollback (as a read once did) made every scan plan its statements again. And the pool hands
out a connection without a round trip to ask the server first: one whose server went away
while it idled is replaced, and the scan goes through."""

from __future__ import annotations

import re
from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import Dialect, text

from tests.conftest import PG_URL, drop_pg_schema, make_pg_store
from tests.support.packing_floor import MUG, PACKER, Floor, build_floor, start
from warehouse_tui.services import packing
from warehouse_tui.services.settings import set_setting
from warehouse_tui.store import journal_rows, pack_scan, pack_view
from warehouse_tui.store.engine import normalise_url
from warehouse_tui.store.migrate import upgrade
from warehouse_tui.store.prepared import Tx, fast_read

pytestmark = pytest.mark.pg

# What a scan of a plain item and the pack view's re-read run on the fast path.
FAST_PATH = (
    pack_scan._LINES_BY_BARCODE,
    pack_scan._COUNT_UP,
    pack_scan._PLAIN_PARCEL_LINE_INSERT,
    pack_scan._PARCEL_LINE_UP,
    journal_rows._JOURNAL_INSERT,
    pack_view._PACK_ORDERS,
    pack_view._PACK_LINES,
    pack_view._BOX_SIZES,
)


@pytest.fixture(name="floor")
def pg_floor_fixture() -> Iterator[Floor]:
    store, schema = make_pg_store()
    upgrade(store)
    floor = build_floor(store)
    with store.write() as session:
        set_setting(session, "duplicate_scan_window_ms", 0)
    yield floor
    store.dispose()
    drop_pg_schema(schema)


def _as_the_server_keeps_it(sql: str) -> str:
    """psycopg's form of the driver's SQL: each %(name)s a $n, numbered as the names first
    appear."""
    names: list[str] = []

    def numbered(match: re.Match[str]) -> str:
        if match.group(1) not in names:
            names.append(match.group(1))
        return f"${names.index(match.group(1)) + 1}"

    return re.sub(r"%\((\w+)\)s", numbered, sql)


def _prepared(tx: Tx) -> dict[str, str]:
    """The statements prepared on the transaction's connection, by name."""
    rows = tx.driver.execute("SELECT name, statement FROM pg_prepared_statements").fetchall()
    return {name: statement for name, statement in rows}


def _scan_and_view(floor: Floor, parcel_id: int) -> None:
    assert packing.verify_scan(floor.store, PACKER, parcel_id, MUG).accepted
    assert packing.pack_view(floor.store, parcel_id) is not None


def _fast_path_sql(dialect: Dialect) -> set[str]:
    return {_as_the_server_keeps_it(statement.sql(dialect)) for statement in FAST_PATH}


def test_the_pack_scans_statements_are_prepared_once_and_stay(floor: Floor) -> None:
    floor.order({"MUG-1": 8}, tote="TOTE-0001")
    parcel_id = start(floor, "TOTE-0001")
    floor.store.engine.dispose()  # from here on one connection: each transaction takes it in turn
    for _ in range(3):
        _scan_and_view(floor, parcel_id)
    assert floor.store.engine.pool.checkedin() == 1
    with fast_read(floor.store) as tx:
        before = _prepared(tx)
        wanted = _fast_path_sql(tx.dialect)
    assert wanted <= set(before.values()), wanted - set(before.values())
    for _ in range(3):
        _scan_and_view(floor, parcel_id)
    with fast_read(floor.store) as tx:
        assert _prepared(tx) == before  # nothing prepared anew, nothing forgotten


def test_a_scan_goes_through_after_the_server_dropped_the_idle_connection(floor: Floor) -> None:
    floor.order({"MUG-1": 2}, tote="TOTE-0001")
    parcel_id = start(floor, "TOTE-0001")
    _scan_and_view(floor, parcel_id)
    with floor.store.engine.connect() as connection:
        backend = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
    with psycopg.connect(
        normalise_url(PG_URL).replace("postgresql+psycopg://", "postgresql://"), autocommit=True
    ) as admin:
        admin.execute("SELECT pg_terminate_backend(%s, 5000)", (backend,))
    _scan_and_view(floor, parcel_id)
    assert packing.pack_view(floor.store, parcel_id).lines[0].packed == 2  # type: ignore[union-attr]
