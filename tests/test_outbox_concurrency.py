"""The outbox across processes: a worker that dies between send and mark leaves the event to be
resent with the same key; workers in several processes never send an event twice."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import drop_pg_schema, make_pg_store
from tests.support.outbox import T0, ShopReceiver, add_events, post_to, rows
from warehouse_tui.store.engine import Store
from warehouse_tui.store.migrate import upgrade
from warehouse_tui.store.models import Outbox
from warehouse_tui.sync.outbox import CLAIM_LEASE, DeliveryCounts, deliver_due


@pytest.fixture
def receiver() -> Iterator[ShopReceiver]:
    shop = ShopReceiver()
    yield shop
    shop.close()


def _send_then_die(url: str, schema: str | None, shop_url: str) -> None:
    """A worker that crashes after the shop got the event, before marking it delivered."""

    def send(event: Outbox) -> None:
        post_to(shop_url)(event)
        os._exit(3)

    deliver_due(Store(url, schema=schema), send, T0)


def _store_for(backend: str, tmp_path: Path) -> tuple[Store, str | None]:
    if backend == "sqlite":
        return Store(str(tmp_path / "floor.db")), None
    return make_pg_store()


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def test_a_crash_between_send_and_mark_resends_with_the_same_key(
    backend: str, tmp_path: Path, receiver: ShopReceiver
) -> None:
    store, schema = _store_for(backend, tmp_path)
    try:
        upgrade(store)
        [key] = add_events(store, 1)
        worker = multiprocessing.get_context("spawn").Process(
            target=_send_then_die, args=(store.url, schema, receiver.url)
        )
        worker.start()
        worker.join(60)
        assert worker.exitcode == 3
        [row] = rows(store)
        assert row.delivered_at is None and row.attempts == 1
        assert receiver.received == {key: 1}

        send = post_to(receiver.url)
        assert deliver_due(store, send, T0 + CLAIM_LEASE - timedelta(seconds=1)) == DeliveryCounts()
        assert deliver_due(store, send, T0 + CLAIM_LEASE) == DeliveryCounts(delivered=1)

        assert receiver.received == {key: 2}  # sent again, with the same key
        assert list(receiver.applied) == [key]  # and applied once
        [row] = rows(store)
        assert row.delivered_at is not None and row.attempts == 2
    finally:
        store.dispose()
        if schema:
            drop_pg_schema(schema)


def _deliver(url: str, schema: str | None, shop_url: str, start: Any, out: Any) -> None:
    store = Store(url, schema=schema)
    start.wait()
    counts = deliver_due(store, post_to(shop_url), T0, limit=100)
    store.dispose()
    out.put(counts)


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def test_workers_in_several_processes_send_each_event_once(
    backend: str, tmp_path: Path, receiver: ShopReceiver
) -> None:
    store, schema = _store_for(backend, tmp_path)
    try:
        upgrade(store)
        keys = add_events(store, 40)
        context = multiprocessing.get_context("spawn")
        start, out = context.Event(), context.Queue()
        workers = [
            context.Process(target=_deliver, args=(store.url, schema, receiver.url, start, out))
            for _ in range(2)
        ]
        for worker in workers:
            worker.start()
        start.set()
        counts = [out.get(timeout=60) for _ in workers]
        for worker in workers:
            worker.join(10)

        assert sum(c.delivered for c in counts) == 40
        assert receiver.received == dict.fromkeys(keys, 1)
        assert all(row.delivered_at is not None and row.attempts == 1 for row in rows(store))
    finally:
        store.dispose()
        if schema:
            drop_pg_schema(schema)
