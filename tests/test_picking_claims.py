"""Several pickers claim at once, in separate processes, on SQLite and PostgreSQL: every pick
list is claimed exactly once."""

from __future__ import annotations

import multiprocessing
from multiprocessing.synchronize import Barrier
from pathlib import Path
from queue import Queue

import pytest
from sqlmodel import select

from tests.conftest import drop_pg_schema, make_pg_store
from tests.support.picking_floor import release_wave, seed_floor
from warehouse_tui.services.journal import Actor
from warehouse_tui.services.picking import claim_next_task
from warehouse_tui.store.engine import Store
from warehouse_tui.store.migrate import upgrade
from warehouse_tui.store.models import PickTask

PROCESSES = 4
OPERATORS_PER_PROCESS = 10
TASKS = 24


def _claim_until_none(
    url: str, schema: str | None, operator_ids: list[int], start: Barrier, results: Queue
) -> None:
    """One terminal: each of its operators claims one pick list, until none is left. All
    terminals connect first and then start together, so their claims really race."""
    store = Store(url, schema=schema)
    with store.read() as session:
        session.exec(select(PickTask.id)).first()
    start.wait(timeout=60)
    claims = []
    for operator_id in operator_ids:
        task = claim_next_task(store, Actor(operator_id, f"HH-{operator_id}"))
        if task is None:
            break
        claims.append((operator_id, task.task_id))
    store.dispose()
    results.put(claims)


def _claim_race(store: Store, url: str, schema: str | None) -> None:
    seed_floor(store, operators=PROCESSES * OPERATORS_PER_PROCESS)
    orders = [{"MUG": 1, "PEN": 2}] * TASKS
    release_wave(store, "batch", orders[: TASKS // 2], orders_per_task=1)
    release_wave(store, "batch", orders[TASKS // 2 :], orders_per_task=1)
    context = multiprocessing.get_context("spawn")
    start, results = context.Barrier(PROCESSES), context.Queue()
    terminals = [
        context.Process(
            target=_claim_until_none,
            args=(
                url,
                schema,
                [101 + p * OPERATORS_PER_PROCESS + n for n in range(OPERATORS_PER_PROCESS)],
                start,
                results,
            ),
        )
        for p in range(PROCESSES)
    ]
    for terminal in terminals:
        terminal.start()
    claims = [claim for _ in terminals for claim in results.get(timeout=120)]
    for terminal in terminals:
        terminal.join(timeout=30)
        assert terminal.exitcode == 0
    # Ten operators a terminal for 24 lists: at least three terminals must share the work.
    assert sum(1 for p in range(PROCESSES) if claims_by(claims, p)) >= 3
    task_ids = [task_id for _op, task_id in claims]
    assert len(task_ids) == TASKS
    assert len(set(task_ids)) == TASKS
    with store.read() as session:
        rows = session.exec(select(PickTask)).all()
        assert {(row.claimed_by, row.id) for row in rows} == set(claims)
        assert {row.status for row in rows} == {"claimed"}


def claims_by(claims: list[tuple[int, int]], process: int) -> list[int]:
    first = 101 + process * OPERATORS_PER_PROCESS
    return [task for op, task in claims if first <= op < first + OPERATORS_PER_PROCESS]


@pytest.mark.slow
def test_claims_are_atomic_on_sqlite(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "floor.db"))
    upgrade(store)
    try:
        _claim_race(store, str(tmp_path / "floor.db"), None)
    finally:
        store.dispose()


@pytest.mark.slow
@pytest.mark.pg
def test_claims_are_atomic_on_postgresql() -> None:
    store, schema = make_pg_store()
    try:
        upgrade(store)
        _claim_race(store, store.url, schema)
    finally:
        store.dispose()
        drop_pg_schema(schema)
