"""Picking: one scan at a stop — location, item, tote — on the demo floor, in the service.

The demo warehouse is seeded, a pick-by-order wave released and its pick lists claimed with
empty totes on the cart, as a picker does; then every stop is walked: the location label,
each unit's EAN, the order's tote. Each scan is timed in the service (scan in → decided,
journaled, committed, the next step's view built) and set beside a bare durable one-row
commit on the same database, taken in turn with the scans so both see the same disk. The
aim is each kind's p50 ≤ 4× the commit's p50, on SQLite and on PostgreSQL (against a bare
PostgreSQL commit; skipped, saying why, when no server answers).

Run alone: python -m bench.bench_pick [--orders N] [--no-pg]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from bench.common import (
    PG_URL,
    BareCommit,
    load,
    percentile,
    pg_schema,
    pg_unavailable,
    pick_item_code,
)

if TYPE_CHECKING:
    from warehouse_tui.store.engine import Store

SEED = 1
TODAY = date(2026, 11, 29)
WAVE_ORDERS = 120
AIM = 4.0
KINDS = ("location", "item", "tote")


def seeded(db: str, schema: str | None = None) -> Store:
    """The demo warehouse in a migrated database, with no duplicate-scan window."""
    from warehouse_tui.demo import seed_demo
    from warehouse_tui.services.settings import set_setting
    from warehouse_tui.store.engine import Store
    from warehouse_tui.store.migrate import upgrade

    store = Store(db, schema=schema)
    upgrade(store)
    seed_demo(store, SEED, TODAY)
    with store.write() as session:  # the bench scans a stop's units faster than a picker
        set_setting(session, "duplicate_scan_window_ms", 0)
    return store


def walk(store: Store, bare: BareCommit, orders: int) -> dict[str, list[float]]:
    """Release a wave, then claim and walk its lists; each scan's time by kind, and the bare
    commits taken between them."""
    from sqlalchemy import select
    from sqlmodel import col

    from warehouse_tui.services.journal import Actor
    from warehouse_tui.services.picking import claim_next_task, current_stop, scan_at_stop
    from warehouse_tui.services.waves import WaveRules, release_wave
    from warehouse_tui.store.models import Barcode, Operator, Role, Sku, Tote

    with store.read() as session:
        picker_id = session.execute(
            select(col(Operator.id))
            .where(col(Operator.role) == Role.PICKER)
            .order_by(col(Operator.id))
            .limit(1)
        ).scalar_one()
        single = dict(
            session.execute(
                select(col(Sku.code), col(Barcode.code))
                .join(Barcode, col(Barcode.sku_id) == Sku.id)
                .where(col(Barcode.quantity) == 1)
                .order_by(Barcode.code)
            ).all()
        )
        totes = list(session.execute(select(col(Tote.code)).order_by(col(Tote.code))).scalars())
    released = release_wave(
        store, Actor(None, "BENCH", "cli", name="bench"), WaveRules(max_orders=orders)
    )
    assert released["accepted"], released["reason"]
    picker = Actor(picker_id, "HH-BENCH", "PickingScreen")
    times: dict[str, list[float]] = {kind: [] for kind in (*KINDS, "commit")}
    cart = iter(totes)
    while (task := claim_next_task(store, picker)) is not None:
        while (stop := current_stop(store, task.task_id)) is not None:
            if stop.expect == "empty-tote":  # onto the cart, not timed: a tote per order
                scan_at_stop(store, picker, task.task_id, next(cart))
                continue
            codes = [("location", stop.location_code)]
            codes += [("item", pick_item_code(store, stop.stop_id, single[stop.sku_code]))] * (
                stop.remaining
            )
            codes += [("tote", stop.tote_code)] if stop.tote_code else []
            for kind, code in codes:
                times["commit"].append(bare.time())
                start = time.perf_counter()
                outcome = scan_at_stop(store, picker, task.task_id, code)
                times[kind].append(time.perf_counter() - start)
                if not outcome.accepted:
                    raise RuntimeError(f"{kind} scan {code} refused: {outcome.reason}")
    return times


def report(database: str, times: dict[str, list[float]]) -> dict[str, object]:
    ms = 1000
    commit = percentile(times["commit"], 0.5)
    result: dict[str, object] = {
        "bench": "pick.scan",
        "database": database,
        "commit_p50_ms": round(commit * ms, 3),
        "commit_p99_ms": round(percentile(times["commit"], 0.99) * ms, 3),
    }
    print(f"pick scan on the demo floor, {database}: bare commit p50 {commit * ms:.3f} ms")
    for kind in KINDS:
        p50 = percentile(times[kind], 0.5)
        ratio = p50 / commit
        result[f"{kind}_scans"] = len(times[kind])
        result[f"{kind}_p50_ms"] = round(p50 * ms, 3)
        result[f"{kind}_p99_ms"] = round(percentile(times[kind], 0.99) * ms, 3)
        result[f"{kind}_ratio_p50"] = round(ratio, 2)
        print(
            f"  {kind:8} {len(times[kind]):4} scans: p50 {p50 * ms:.3f} ms,"
            f" p99 {percentile(times[kind], 0.99) * ms:.3f} ms → {ratio:.2f}× (aim ≤ {AIM:g}×)"
        )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=WAVE_ORDERS)
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    args = parser.parse_args()
    print(f"pick scan: {load()}")
    results = []
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "pick.db"
        store = seeded(str(db))
        bare = BareCommit.sqlite_file(db)
        try:
            results.append(report("SQLite", walk(store, bare, args.orders)))
        finally:
            bare.close()
            store.dispose()
    why_not = "skipped (--no-pg)" if args.no_pg else pg_unavailable()
    if why_not is None:
        with pg_schema() as schema:
            store = seeded(PG_URL, schema)
            bare = BareCommit.postgresql(schema)
            try:
                results.append(report("PostgreSQL", walk(store, bare, args.orders)))
            finally:
                bare.close()
                store.dispose()
    else:
        print(f"pick scan on PostgreSQL: {why_not}")
    for result in results:
        print(json.dumps(result))


if __name__ == "__main__":
    main()
