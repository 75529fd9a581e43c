"""The supervisor's board: its figures per wave and per carrier (SQLite and PostgreSQL), the
change watcher that wakes it when another process commits, `board --json`, and the screen through
Pilot at 80x24 (English and 简体中文), following a second process's commit within a second."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from textual.pilot import Pilot
from textual.widgets import DataTable

from tests.apphelpers import OPERATORS, add_operators, make_test_app, open_screen, wait_idle
from tests.conftest import Db, drop_pg_schema, make_pg_store
from tests.support.desk import NEW_ORDER, NEW_WAVE
from tests.support.picking_floor import (
    PICKER,
    floor_fixture,  # noqa: F401 — the `floor` fixture
    migrated_pg,  # noqa: F401 — a fixture `floor` uses
    migrated_sqlite,  # noqa: F401 — a fixture `floor` uses
    release_wave,
)
from warehouse_tui.screens.board import BoardScreen
from warehouse_tui.services.board import board_json, read_board, watch_changes
from warehouse_tui.services.picking import claim_next_task
from warehouse_tui.store.engine import Store
from warehouse_tui.store.migrate import upgrade
from warehouse_tui.store.models import (
    Carrier,
    CarrierService,
    Operator,
    Order,
    Parcel,
)

NOON = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
WAVE_KEYS = {
    "id", "status", "orders", "picked", "put", "packed", "shipped", "pickers", "packers",
    "cutoff_at", "forecast_done_at", "late",
}  # fmt: skip
CARRIER_KEYS = {"code", "cutoff_at", "packed_not_loaded", "not_picked", "late"}


def carrier_floor(store: Store, *, packed_at: datetime) -> int:
    """A released pick-by-order wave of two DHL orders (cut-off 17:00 UTC), one list claimed,
    the first order packed into a parcel closed at `packed_at`; returns the wave's id."""
    released = release_wave(store, "pick-by-order", [{"MUG": 1}, {"TEE": 1}], orders_per_task=1)
    assert claim_next_task(store, PICKER) is not None
    with store.write() as session:
        carrier = Carrier(code="DHL", name="DHL")
        session.add(carrier)
        session.flush()
        session.add(CarrierService(carrier_id=carrier.id, code="STD", name="Std"))
        for order_id in released.order_ids:
            order = session.get_one(Order, order_id)
            order.carrier, order.service = "DHL", "STD"
        first = session.get_one(Order, released.order_ids[0])
        first.status = "packed"
        session.add(Parcel(order_id=first.id, status="closed", carrier="DHL", closed_at=packed_at))
    return released.wave_id


def test_board_figures_and_late_before_the_cutoff(floor: Store) -> None:
    at = NOON.replace(hour=16)
    wave_id = carrier_floor(floor, packed_at=at - timedelta(minutes=10))
    board = read_board(floor, at)
    (wave,) = board.waves
    assert (wave.id, wave.orders, wave.picked, wave.put, wave.packed, wave.shipped) == (
        wave_id, 2, 1, 1, 1, 0,
    )  # fmt: skip
    assert (wave.pickers, wave.packers) == (1, 0)
    cutoff = NOON.replace(hour=17)
    assert wave.cutoff_at == cutoff
    # one order packed in the last hour, one left: done in an hour, at the cut-off itself
    assert wave.forecast_done_at == at + timedelta(hours=1)
    assert not wave.late
    (dhl,) = board.carriers
    assert (dhl.code, dhl.cutoff_at, dhl.packed_not_loaded, dhl.not_picked) == ("DHL", cutoff, 1, 1)
    assert not dhl.late
    # half an hour later at the same pace the rest ends after the cut-off: late before it is
    later = read_board(floor, at + timedelta(minutes=30))
    assert later.waves[0].late and later.carriers[0].late
    assert later.waves[0].forecast_done_at is not None
    assert later.waves[0].forecast_done_at > cutoff


def test_board_json_names_exactly_the_keys(floor: Store, tmp_path: Path) -> None:
    carrier_floor(floor, packed_at=NOON)
    document = board_json(read_board(floor, NOON))
    assert set(document) == {"waves", "carriers"}
    assert set(document["waves"][0]) == WAVE_KEYS
    assert set(document["carriers"][0]) == CARRIER_KEYS
    assert document["waves"][0]["cutoff_at"] == "2026-12-05T17:00:00+00:00"


def test_board_command_prints_one_json_line(tmp_path: Path) -> None:
    path = tmp_path / "floor.db"
    store = Store(str(path))
    upgrade(store)
    store.dispose()
    run = [sys.executable, "-m", "warehouse_tui", "--db", str(path)]
    done = subprocess.run(
        [*run, "board", "--json"], capture_output=True, text=True, timeout=120, check=True
    )
    lines = done.stdout.splitlines()
    assert len(lines) == 1
    assert json.loads(lines[0]) == {"waves": [], "carriers": []}


def commit_elsewhere(db: Db, *statements: str) -> list[str]:
    """A command line that, in a process of its own, commits `statements` in one transaction
    and prints the wall clock right after the commit."""
    code = textwrap.dedent(
        f"""
        import time
        from sqlalchemy import text
        from warehouse_tui.store.engine import Store
        store = Store({str(db.store.url)!r}, schema={db.schema!r})
        with store.write() as session:
            for statement in {list(statements)!r}:
                session.execute(text(statement))
        print(time.time(), flush=True)
        """
    )
    return [sys.executable, "-c", code]


def test_watcher_wakes_on_another_process_commit(db: Db) -> None:
    watcher = watch_changes(db.store)
    try:
        assert not watcher.wait(0.3)  # nothing committed: it times out
        done = subprocess.run(
            commit_elsewhere(db, NEW_WAVE), capture_output=True, text=True, check=True
        )
        committed = float(done.stdout)
        assert watcher.wait(1.0)
        assert time.time() - committed < 1.0
        assert not watcher.wait(0.3)  # one commit wakes it once
    finally:
        watcher.close()


def test_a_commit_in_another_schema_does_not_wake_the_watcher(db: Db) -> None:
    """A notification channel is per database: another warehouse's schema on the same server
    commits, and this one's watcher stays asleep until its own schema changes."""
    if db.store.is_sqlite:
        pytest.skip("a SQLite file is one warehouse: there is no neighbouring schema")
    neighbour, schema = make_pg_store()
    try:
        upgrade(neighbour)
        watcher = watch_changes(db.store)
        try:
            subprocess.run(
                commit_elsewhere(Db(neighbour, schema), NEW_WAVE), capture_output=True, check=True
            )
            assert not watcher.wait(0.5)
            subprocess.run(commit_elsewhere(db, NEW_WAVE), capture_output=True, check=True)
            assert watcher.wait(5.0)  # how soon is the test above; here only whether
        finally:
            watcher.close()
    finally:
        neighbour.dispose()
        drop_pg_schema(schema)


def test_postgresql_notifies_from_triggers_not_statements(db: Db) -> None:
    """The notice comes from statement-level triggers: no service sends a statement of its
    own for it (the scan hot path keeps its statements)."""
    if db.store.is_sqlite:
        pytest.skip("SQLite's watcher reads PRAGMA data_version; there are no triggers")
    with db.store.read() as session:
        triggers = session.execute(
            text(
                "SELECT DISTINCT event_object_table, action_orientation "
                "FROM information_schema.triggers WHERE trigger_schema = current_schema()"
            )
        ).all()
    assert {table for table, _ in triggers} >= {"journal", "orders", "parcel", "picktask"}
    assert {orientation for _, orientation in triggers} == {"STATEMENT"}


@pytest.fixture(name="desk_db")
def desk_db_fixture(db: Db) -> Iterator[Db]:
    add_operators(db.store)
    yield db


def board_rows(screen: BoardScreen, table: str) -> list[list[str]]:
    data = screen.query_one(f"#{table}", DataTable)
    return [[str(cell) for cell in data.get_row_at(index)] for index in range(data.row_count)]


async def test_board_screen_shows_another_process_commit_within_a_second(desk_db: Db) -> None:
    app = make_test_app(desk_db.store, "DESK-1")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot, OPERATORS[2][1], BoardScreen(lambda: NOON))
        assert board_rows(screen, "board-waves") == []
        process = await asyncio.create_subprocess_exec(
            *commit_elsewhere(desk_db, NEW_WAVE, NEW_ORDER), stdout=asyncio.subprocess.PIPE
        )
        out, _err = await process.communicate()
        committed = float(out)
        while not board_rows(screen, "board-waves") and time.time() - committed < 5:
            await pilot.pause(0.02)
        shown = time.time()
        rows = board_rows(screen, "board-waves")
        assert rows and rows[0][:3] == ["WAVE-1", "released", "1"]
        assert shown - committed < 1.0, f"shown {shown - committed:.2f} s after the commit"


def zh_supervisor(store: Store) -> None:
    with store.write() as session:
        session.get_one(Operator, 3).language = "zh_CN"


@pytest.fixture(name="snap_floor")
def snap_floor_fixture(floor: Store) -> Store:
    if not floor.is_sqlite:
        pytest.skip("one snapshot is enough: the screen is the same on PostgreSQL")
    carrier_floor(floor, packed_at=NOON.replace(hour=16, minute=10))
    return floor


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_snapshot_board(snap_floor: Store, language: str, snap_compare) -> None:  # type: ignore[no-untyped-def]
    if language == "zh_CN":
        zh_supervisor(snap_floor)

    async def run_before(pilot: Pilot) -> None:
        await open_screen(
            pilot, OPERATORS[2][1], BoardScreen(lambda: NOON.replace(hour=16, minute=30))
        )
        await wait_idle(pilot)

    assert snap_compare(make_test_app(snap_floor), terminal_size=(80, 24), run_before=run_before)


async def test_board_help_opens_on_f1(snap_floor: Store) -> None:
    app = make_test_app(snap_floor)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot, OPERATORS[2][1], BoardScreen(lambda: NOON))
        await pilot.press("f1")
        await pilot.pause()
        assert app.screen is not screen
        assert "cut-off" in str(app.screen.query_one("#help-text").render())
