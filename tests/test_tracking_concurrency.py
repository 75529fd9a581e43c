"""Several processes taking tracking numbers at once never get the same one (SQLite, PostgreSQL)."""

from __future__ import annotations

import multiprocessing
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import drop_pg_schema, make_pg_store
from warehouse_tui.domain.barcodes import mod7_check_ok
from warehouse_tui.services.tracking import allocate_tracking
from warehouse_tui.store.engine import Store
from warehouse_tui.store.migrate import upgrade
from warehouse_tui.store.models import Carrier, TrackingPool


def _allocate_many(url: str, schema: str | None, count: int, start: Any, out: Any) -> None:
    store = Store(url, schema=schema)
    start.wait()
    taken = []
    for _ in range(count):
        with store.write() as session:
            taken.append(allocate_tracking(session, "DHLX"))
    store.dispose()
    out.put(taken)


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def test_processes_at_once_never_get_the_same_number(backend: str, tmp_path: Path) -> None:
    if backend == "sqlite":
        store, schema = Store(str(tmp_path / "floor.db")), None
    else:
        store, schema = make_pg_store()
    try:
        upgrade(store)
        with store.write() as session:
            carrier = Carrier(code="DHLX", name="DHL Express", check_scheme="mod7")
            session.add(carrier)
            session.flush()
            for first, last in ((1000, 1029), (5000, 5999)):
                session.add(
                    TrackingPool(
                        carrier_id=carrier.id, next_number=first, last_number=last, width=9
                    )
                )
        context = multiprocessing.get_context("spawn")
        start, out = context.Event(), context.Queue()
        workers = [
            context.Process(target=_allocate_many, args=(store.url, schema, 30, start, out))
            for _ in range(2)
        ]
        for worker in workers:
            worker.start()
        start.set()
        taken = [number for _ in workers for number in out.get(timeout=60)]
        for worker in workers:
            worker.join(10)
        assert len(taken) == len(set(taken)) == 60
        serials = sorted(int(number[:-1]) for number in taken)
        assert serials == [*range(1000, 1030), *range(5000, 5030)]
        assert all(mod7_check_ok(number) for number in taken)
    finally:
        store.dispose()
        if schema:
            drop_pg_schema(schema)
