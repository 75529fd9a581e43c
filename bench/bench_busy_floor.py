"""A station scanning on a busy floor, SQLite: a picker's scans while a 50k-order import (and its
audit) and a 2,000-order wave release run, against the same scans on a quiet floor.

    python -m bench.bench_busy_floor [--orders N]

A picker in one process walks the pick lists of a released wave through the pick scan service
(`scan_at_stop`: location, items, tote), timing each scan. After a quiet spell, another process
imports 50k orders from a file and audits them (as `warehouse-tui import orders` does) while a
third releases a 2,000-order wave through the production service. The figure is the station's
scan p99 during that, as a ratio to its p99 on the quiet floor (aim ≤ 3×); beside it the longest
single write transaction of the import and of its audit (begin to committed: how long they held
SQLite's writer lock; aim ~200 ms) and the machine's load.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import shutil
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.bench_import import order_records, write_jsonl
from bench.bench_waves import RELEASE_ORDERS, WAVE_ORDERS, add_ready_orders, demo_floor
from bench.common import load, percentile, pick_item_code

IMPORT_ORDERS = 50_000
QUIET_S = 4.0
RATIO_AIM, HOLD_AIM_MS = 3.0, 200.0
SPAWN = multiprocessing.get_context("spawn")


def station(db: str, stop: Any, ready: Any, times: Any) -> None:
    """A picker walking released pick lists until `stop`; (start, end) of each timed scan."""
    from sqlmodel import col, select

    from warehouse_tui.services.journal import Actor
    from warehouse_tui.services.picking import claim_next_task, current_stop, scan_at_stop
    from warehouse_tui.store.engine import Store
    from warehouse_tui.store.models import Barcode, Operator, Role, Sku, Tote

    store = Store(db)
    with store.read() as session:
        picker_id = session.execute(
            select(Operator.id)
            .where(Operator.role == Role.PICKER)
            .order_by(col(Operator.id))
            .limit(1)
        ).scalar_one()
        single: dict[str, str] = dict(
            session.execute(
                select(Sku.code, Barcode.code)
                .join(Barcode, col(Barcode.sku_id) == col(Sku.id))
                .where(Barcode.quantity == 1)
            ).all()
        )
        cart = iter(list(session.execute(select(Tote.code).order_by(col(Tote.code))).scalars()))
    picker = Actor(picker_id, "HH-BENCH", "PickingScreen")
    ready.set()
    while not stop.is_set():
        task = claim_next_task(store, picker)
        assert task is not None, "the station ran out of pick lists"
        while not stop.is_set() and (at := current_stop(store, task.task_id)) is not None:
            if at.expect == "empty-tote":
                scan_at_stop(store, picker, task.task_id, next(cart))
                continue
            item = pick_item_code(store, at.stop_id, single[at.sku_code])
            codes = [at.location_code, *[item] * at.remaining]
            codes += [at.tote_code] if at.tote_code else []
            for code in codes:
                start = time.monotonic()
                outcome = scan_at_stop(store, picker, task.task_id, code)
                times.put((start, time.monotonic()))
                assert outcome.accepted, outcome.reason
                time.sleep(0.005)


def import_and_audit(db: str, path: str, holds: Any) -> None:
    """`warehouse-tui import orders` as the service calls go; each write transaction's hold."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from warehouse_tui.services.audit import audit_orders
    from warehouse_tui.services.importing import ImportKind, import_file
    from warehouse_tui.services.journal import Actor
    from warehouse_tui.store.engine import Store

    store = Store(db)
    phase: list[str] = ["import"]
    began: list[float | None] = [None]

    def on_begin(connection: Any) -> None:  # a deferred read takes no writer lock
        writes = connection.get_execution_options().get("sqlite_begin") != "DEFERRED"
        began[0] = time.monotonic() if writes else None

    def on_commit(_session: Any) -> None:
        if began[0] is not None:
            holds.put((phase[0], time.monotonic() - began[0]))

    event.listen(store.engine, "begin", on_begin)
    event.listen(Session, "after_commit", on_commit)
    actor = Actor(None, "DESK-1", "import")
    result = import_file(store, ImportKind.ORDERS, Path(path), actor=actor)
    assert result.accepted and not result.errors, result.errors[:3]
    phase[0] = "audit"
    audit_orders(store, actor)
    holds.put(("done", 0.0))


def release(db: str, result: Any) -> None:
    from warehouse_tui.services.journal import Actor
    from warehouse_tui.services.waves import WaveRules, release_wave
    from warehouse_tui.store.engine import Store

    released = release_wave(
        Store(db), Actor(None, "BENCH", "cli", name="bench"), WaveRules(max_orders=RELEASE_ORDERS)
    )
    result.put(int(released["orders"] or 0))


def floor(folder: Path) -> Path:
    """The demo warehouse with ready orders, a wave of them released for the station."""
    from warehouse_tui.services.journal import Actor
    from warehouse_tui.services.settings import set_setting
    from warehouse_tui.services.waves import WaveRules, release_wave
    from warehouse_tui.store.engine import Store

    db = folder / "busy.db"
    demo_floor(db)
    add_ready_orders(db, RELEASE_ORDERS + 2 * WAVE_ORDERS, random.Random(7))
    store = Store(str(db))
    with store.write() as session:  # the bench scans a stop's units faster than a picker
        set_setting(session, "duplicate_scan_window_ms", 0)
    released = release_wave(
        store, Actor(None, "BENCH", "cli", name="bench"), WaveRules(max_orders=WAVE_ORDERS)
    )
    assert released["accepted"], released["reason"]
    store.dispose()
    return db


def drain(queue: Any) -> list[Any]:
    items = []
    while not queue.empty():
        items.append(queue.get())
    return items


def busy_floor(folder: Path, orders: int) -> dict[str, object]:
    db = floor(folder)
    file = folder / "orders.jsonl"
    write_jsonl(file, order_records(orders, random.Random(11)))
    stop, ready = SPAWN.Event(), SPAWN.Event()
    times, holds, released = SPAWN.Queue(), SPAWN.Queue(), SPAWN.Queue()
    picker = SPAWN.Process(target=station, args=(str(db), stop, ready, times))
    picker.start()
    scans: list[tuple[float, float]] = []
    hold_list: list[tuple[str, float]] = []
    try:
        assert ready.wait(120), "the station never started"
        time.sleep(QUIET_S)
        began = time.monotonic()
        importer = SPAWN.Process(target=import_and_audit, args=(str(db), str(file), holds))
        releaser = SPAWN.Process(target=release, args=(str(db), released))
        importer.start()
        releaser.start()
        while importer.is_alive() or releaser.is_alive():
            scans += drain(times)
            hold_list += drain(holds)
            time.sleep(0.05)
        ended = time.monotonic()
        assert importer.exitcode == 0 and releaser.exitcode == 0, "import or release failed"
        hold_list += drain(holds)
    finally:
        stop.set()
        picker.join(30)
        scans += drain(times)
    release_orders = released.get(timeout=5)
    quiet = [end - start for start, end in scans if end < began]
    during = [end - start for start, end in scans if end >= began and start <= ended]
    quiet_p99, busy_p99 = percentile(quiet, 0.99), percentile(during, 0.99)
    by_phase = {
        phase: sorted((held for name, held in hold_list if name == phase), reverse=True)
        for phase in ("import", "audit")
    }
    longest = {phase: (held[0] if held else 0.0) for phase, held in by_phase.items()}
    ms = 1000
    print(
        f"  a picker's scans: quiet p99 {quiet_p99 * ms:.1f} ms ({len(quiet)} scans);"
        f" during a {orders:,}-order import + audit and a {release_orders:,}-order release"
        f" ({(ended - began):.1f} s) p99 {busy_p99 * ms:.1f} ms, longest {max(during) * ms:.0f} ms"
        f" ({len(during)} scans) → {busy_p99 / quiet_p99:.2f}× (aim ≤ {RATIO_AIM:.0f}×)\n"
        f"  longest write transaction: import {longest['import'] * ms:.0f} ms,"
        f" audit {longest['audit'] * ms:.0f} ms (aim ~{HOLD_AIM_MS:.0f} ms); {load()}\n"
        + "".join(
            f"  {phase}: {len(held)} writes, the longest"
            f" {', '.join(f'{one * ms:.0f}' for one in held[:5])} ms\n"
            for phase, held in by_phase.items()
        ),
        flush=True,
    )
    return {
        "bench": "busy_floor",
        "import_orders": orders,
        "release_orders": release_orders,
        "quiet_p99_ms": round(quiet_p99 * ms, 1),
        "busy_p99_ms": round(busy_p99 * ms, 1),
        "busy_max_ms": round(max(during) * ms),
        "ratio": round(busy_p99 / quiet_p99, 2),
        "import_longest_write_ms": round(longest["import"] * ms),
        "audit_longest_write_ms": round(longest["audit"] * ms),
        "load": load(),
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_busy_floor")
    parser.add_argument("--orders", type=int, default=IMPORT_ORDERS)
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="bench-busy-"))
    try:
        print(json.dumps(busy_floor(folder, args.orders)), flush=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
