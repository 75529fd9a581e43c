"""Board: how long after another process's commit the change watcher wakes, on SQLite and
PostgreSQL, against the one second the board may lag.

A writer process commits one journal row every 50-150 ms and records when each commit
returned; the watcher in this process records when each wake came. The lag is a wake's time
minus the last commit before it (the watcher folds commits that arrive together into one wake).
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import tempfile
import time
from pathlib import Path

from bench.common import PG_URL, load, percentile, pg_schema, pg_unavailable

LIMIT_S = 1.0


def _writer(url: str, schema: str | None, commits: int, times: list[float]) -> None:
    from warehouse_tui.services.journal import Actor, record
    from warehouse_tui.store.engine import Store

    store = Store(url, schema=schema)
    actor = Actor(None, "BENCH", "bench", name="bench")
    for _ in range(commits):
        time.sleep(random.uniform(0.05, 0.15))
        with store.write() as session:
            record(session, actor, "scan", raw="bench")
        times.append(time.time())
    store.dispose()


def lags(url: str, schema: str | None, commits: int) -> list[float]:
    from warehouse_tui.services.board import watch_changes
    from warehouse_tui.store.engine import Store
    from warehouse_tui.store.migrate import upgrade

    store = Store(url, schema=schema)
    upgrade(store)
    watcher = watch_changes(store)
    with multiprocessing.Manager() as manager:
        times = manager.list()
        writer = multiprocessing.get_context("spawn").Process(
            target=_writer, args=(url, schema, commits, times)
        )
        writer.start()
        wakes = []
        while writer.is_alive() or len(times) < commits:
            if watcher.wait(0.5):
                wakes.append(time.time())
            elif not writer.is_alive():
                break
        writer.join()
        committed = sorted(times)
    watcher.close()
    store.dispose()
    result = []
    for wake in wakes:
        before = [moment for moment in committed if moment <= wake]
        if before:
            result.append(wake - before[-1])
    return result


def report(name: str, values: list[float]) -> None:
    p50, p99 = percentile(values, 0.5), percentile(values, 0.99)
    print(
        f"{name}: {len(values)} wakes, lag p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, "
        f"max {max(values) * 1000:.0f} ms; p99 {p99 / LIMIT_S:.2f} of the 1 s limit"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--commits", type=int, default=100)
    args = parser.parse_args()
    print(f"board: {load()}")
    with tempfile.TemporaryDirectory() as folder:
        report("SQLite", lags(str(Path(folder) / "board.db"), None, args.commits))
    why_not = pg_unavailable()
    if why_not is not None:
        print(f"PostgreSQL: {why_not}")
        return
    with pg_schema() as schema:
        report("PostgreSQL", lags(PG_URL, schema, args.commits))


if __name__ == "__main__":
    main()
