"""Two supervisors releasing overlapping waves at the same instant, as separate processes, on a
SQLite file and on PostgreSQL: stock is never over-allocated and no order lands in two waves."""

from __future__ import annotations

import multiprocessing
from collections import defaultdict
from pathlib import Path

from sqlalchemy import update
from sqlmodel import select

from tests.conftest import PG_URL, drop_pg_schema, make_pg_store
from tests.support.waves_floor import (
    ACTOR,
    add_carrier,
    add_location,
    add_order,
    add_skus,
    add_stock,
)
from warehouse_tui.services.waves import WaveRules, release_wave
from warehouse_tui.store.engine import Store
from warehouse_tui.store.migrate import upgrade
from warehouse_tui.store.models import (
    Allocation,
    Order,
    OrderLine,
    OrderStatus,
    PickStop,
    PickTask,
    Stock,
)

PROCESSES = 2
RELEASES_EACH = 8


def _seed(store: Store) -> None:
    """40 ready orders wanting more than the stock holds (seeded ready: no audit filtered them)."""
    with store.write() as session:
        add_carrier(session)
        skus = add_skus(session, 3)
        for k, sku in enumerate(skus):
            for aisle in (k, k + 6):
                add_stock(session, add_location(session, aisle, 10.0 + 15 * k), sku, 6)
        for number in range(40):
            lines = [(f"SKU-{number % 3 + 1}", 1 + number % 2), (f"SKU-{(number + 1) % 3 + 1}", 1)]
            add_order(session, number, lines, status=OrderStatus.READY)
        for sku in skus:
            session.execute(
                update(OrderLine).where(OrderLine.sku_code == sku.code).values(sku_id=sku.id)
            )


def _release_many(db: str, schema: str | None, start, results) -> None:  # type: ignore[no-untyped-def]
    store = Store(db, schema=schema)
    start.wait()
    for _ in range(RELEASES_EACH):
        outcome = release_wave(store, ACTOR, WaveRules(max_orders=2))
        results.put((outcome["accepted"], outcome["wave"]))
    store.dispose()


def _race(db: str, schema: str | None) -> list[tuple[bool, int | None]]:
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(PROCESSES)  # both begin when both are ready
    results = context.Queue()
    workers = [
        context.Process(target=_release_many, args=(db, schema, start, results))
        for _ in range(PROCESSES)
    ]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=120) for _ in range(PROCESSES * RELEASES_EACH)]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    return outcomes


def _check(store: Store, outcomes: list[tuple[bool, int | None]]) -> None:
    waves = [wave for accepted, wave in outcomes if accepted]
    assert len(waves) == len(set(waves)) >= 2
    with store.read() as session:
        allocated: dict[int, int] = defaultdict(int)
        per_line: dict[int, int] = defaultdict(int)
        for allocation in session.exec(select(Allocation)):
            allocated[allocation.stock_id] += allocation.qty
            per_line[allocation.order_line_id] += allocation.qty
        for stock in session.exec(select(Stock)):
            assert stock.allocated == allocated[stock.id] <= stock.on_hand
        assert sum(allocated.values()) > 0
        orders = {order.id: order for order in session.exec(select(Order))}
        for line in session.exec(select(OrderLine)):
            order = orders[line.order_id]
            wanted = line.qty if order.status == OrderStatus.RELEASED else 0
            assert per_line[line.id] == wanted  # allocated once, for one wave
        released = {o.id for o in orders.values() if o.status == OrderStatus.RELEASED}
        assert {o.wave_id for o in orders.values() if o.id in released} <= set(waves)
        task_wave = {task.id: task.wave_id for task in session.exec(select(PickTask))}
        for stop in session.exec(select(PickStop)):
            assert stop.order_id in released
            assert orders[stop.order_id].wave_id == task_wave[stop.task_id]


def test_concurrent_releases_on_a_sqlite_file(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "floor.db"))
    upgrade(store)
    _seed(store)
    _check(store, _race(str(tmp_path / "floor.db"), None))
    store.dispose()


def test_concurrent_releases_on_postgresql() -> None:
    store, schema = make_pg_store()
    try:
        upgrade(store)
        _seed(store)
        _check(store, _race(PG_URL, schema))
    finally:
        store.dispose()
        drop_pg_schema(schema)
