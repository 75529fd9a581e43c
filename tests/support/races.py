"""Stations as separate processes on one database, let go at once (no test lives here)."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.conftest import Db
from warehouse_tui.store.engine import Store

TIMEOUT_S = 120


Job = Callable[..., Any]


def _station(url: str, schema: str | None, start: Any, out: Any, job: Job, args: tuple) -> None:
    store = Store(url, schema=schema)
    start.wait()
    try:
        out.put(job(store, *args))
    except BaseException as error:  # the test reports it, instead of waiting for a result
        out.put(_Failed(f"{type(error).__name__}: {error}"))
        raise
    finally:
        store.dispose()


@dataclass(frozen=True)
class _Failed:
    """What a station process put instead of its result when its job raised."""

    error: str


def race(db: Db, *jobs: tuple[Job, tuple]) -> list[Any]:
    """Run each job (a function of a store and its arguments) in a process of its own, all
    let go at once; their results, in the order of `jobs`."""
    context = multiprocessing.get_context("spawn")
    start = context.Event()
    queues = [context.Queue() for _job in jobs]
    processes = [
        context.Process(target=_station, args=(db.store.url, db.schema, start, queue, job, args))
        for queue, (job, args) in zip(queues, jobs, strict=True)
    ]
    for process in processes:
        process.start()
    start.set()
    results = [queue.get(timeout=TIMEOUT_S) for queue in queues]
    failed = [result.error for result in results if isinstance(result, _Failed)]
    assert not failed, f"a station failed: {failed}"
    for process in processes:
        process.join(TIMEOUT_S)
        assert process.exitcode == 0
    return results
