"""Wave planning and release as production runs them, in three parts.

1. A promotion day's planning, in the domain: 100k orders / ~300k lines on the demo floor, in
   waves of at most 500 orders, cut into carts by `plan_carts` exactly as a release does
   (savings batches, each cart routed by `best`), as a ratio to first-come carts walked by
   S-shape, measured in the same run (aim ≤ 3×): each wave planned by the baseline and then by
   `plan_carts` in turn, so that the machine's load falls on both alike, the day in five rounds
   and the median round shown. What a preview adds to show its comparisons
   (`compare_walks`: every cart by S-shape, every order alone) is timed beside it, and the
   walk per pick of the planned carts by best, S-shape and largest-gap, and of the same
   orders picked one by one.
2. A 500-order wave's `preview_wave` and `release_wave`, as `warehouse-tui wave preview|
   release --max-orders 500` runs them, on the demo warehouse (SQLite) with 10k and then 100k
   ready orders: the backlog must not matter (100k over 10k, aim ≤ 1.5×; medians of five
   waves).
3. A station's scans while a 2,000-order wave is released: another process writes a station's
   scan (a journaled write transaction) over and over, on a quiet floor and during the release;
   its longest wait and p99 during the release, against the same p99 on the quiet floor (the
   release's write must hold SQLite's writer lock no more than ~200 ms).

    python -m bench.bench_waves [--orders N] [--backlog N N] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from bench.common import load, percentile
from warehouse_tui.demo.tables.floor import AISLES, BAYS, LAYOUT_SPEC, LEVELS, bay_position
from warehouse_tui.domain.batching import CartCapacity, Order
from warehouse_tui.domain.layout import Layout, PickPoint
from warehouse_tui.domain.routing import plan_route
from warehouse_tui.services.settings import DEFAULTS
from warehouse_tui.services.waves import compare_walks, plan_carts

ORDERS = 100_000
WAVE_ORDERS = 500
RELEASE_ORDERS = 2_000
BACKLOGS = (10_000, 100_000)
SKUS = 6_000
LINES_PER_ORDER = {1: 35, 2: 20, 3: 12, 4: 10, 5: 8, 6: 6, 8: 5, 10: 4}  # mean ≈ 3.07
LITRES_PER_LINE = 2.5
SEED = 20261111
TODAY = date(2026, 11, 29)
PLAN_AIM, BACKLOG_AIM, WAIT_AIM_MS = 3.0, 1.5, 200.0
ROUNDS = 5
"""Planning and each backlog's wave are measured this many times; the median is shown."""

LAYOUT = Layout(**{**LAYOUT_SPEC, "cross_aisles": tuple(LAYOUT_SPEC["cross_aisles"])})
CART = CartCapacity(DEFAULTS["cart_totes"], DEFAULTS["cart_volume_l"])


# --- 1. planning in the domain -----------------------------------------------------------------


@dataclass
class Walks:
    picks: int = 0
    carts: int = 0
    best: float = 0.0
    s_shape: float = 0.0
    largest_gap: float = 0.0
    pick_by_order: float = 0.0


def slots() -> list[PickPoint]:
    """Every location's pick point, nearest the depot first: the fast movers' slots."""
    points = [
        PickPoint(aisle, bay_position(bay)[1])
        for aisle in range(AISLES)
        for bay in range(1, BAYS + 1)
        for _level in range(LEVELS)
    ]
    return sorted(points, key=lambda point: LAYOUT.distance(LAYOUT.depot, point))


def promotion_day(count: int, rng: random.Random) -> list[Order]:
    """Orders in arrival order; SKU popularity is Zipf-like and popular SKUs sit near the depot."""
    places = slots()
    where = [places[k * len(places) // SKUS] for k in range(SKUS)]
    popularity = [1 / (rank + 1) ** 0.8 for rank in range(SKUS)]
    sizes, weights = list(LINES_PER_ORDER), list(LINES_PER_ORDER.values())
    orders = []
    for number in range(count):
        lines = rng.choices(sizes, weights)[0]
        skus = set(rng.choices(range(SKUS), popularity, k=lines))
        orders.append(
            Order(number, tuple(where[k] for k in sorted(skus)), volume=LITRES_PER_LINE * lines)
        )
    return orders


def waves(orders: Sequence[Order]) -> list[list[Order]]:
    """The day in waves, each numbering its orders from 0 as a release does."""
    return [
        [
            Order(k, order.picks, order.volume)
            for k, order in enumerate(orders[start : start + WAVE_ORDERS])
        ]
        for start in range(0, len(orders), WAVE_ORDERS)
    ]


def plan_first_come(wave: Sequence[Order]) -> list[list[Order]]:
    """The baseline: fill each cart in arrival order, walk it by S-shape."""
    carts: list[list[Order]] = [[]]
    for order in wave:
        cart = carts[-1]
        totes = len(cart) + 1
        volume = sum(o.volume for o in cart) + order.volume
        if cart and (totes > CART.max_totes or volume > CART.max_volume):
            carts.append([order])
        else:
            cart.append(order)
    for cart in carts:
        plan_route(LAYOUT, [point for order in cart for point in order.picks], "s-shape")
    return carts


def planned_carts(wave: Sequence[Order]) -> list[list[Order]]:
    """A release's planning: `plan_carts`, as `plan_wave` calls it."""
    return [[wave[k] for k in cart.orders] for cart in plan_carts(LAYOUT, wave, CART)]


def walks(carts: list[list[Order]]) -> Walks:
    result = Walks(carts=len(carts))
    for cart in carts:
        points = [point for order in cart for point in order.picks]
        result.picks += len(points)
        result.best += plan_route(LAYOUT, points, "best").length
        result.s_shape += plan_route(LAYOUT, points, "s-shape").length
        result.largest_gap += plan_route(LAYOUT, points, "largest-gap").length
        result.pick_by_order += sum(plan_route(LAYOUT, o.picks, "best").length for o in cart)
    return result


def _one_day(day: Sequence[Sequence[Order]]) -> tuple[float, float, list[list[Order]], list[Any]]:
    """The day planned both ways, wave by wave, each wave first by the baseline and then by
    `plan_carts`, so that the machine's load falls on both alike; their seconds and carts."""
    baseline_s = planned_s = 0.0
    first_come: list[list[Order]] = []
    carts = []
    for wave in day:
        start = time.perf_counter()
        first_come += plan_first_come(wave)
        middle = time.perf_counter()
        carts.append(plan_carts(LAYOUT, wave, CART))
        baseline_s, planned_s = (
            baseline_s + middle - start,
            planned_s + time.perf_counter() - middle,
        )
    return baseline_s, planned_s, first_come, carts


def planning(count: int, profile: bool) -> dict[str, object]:
    orders = promotion_day(count, random.Random(SEED))
    day = waves(orders)
    rounds = [_one_day(day) for _round in range(ROUNDS)]
    baseline_s, planned_s, first_come, carts = sorted(rounds, key=lambda r: r[1] / r[0])[
        ROUNDS // 2
    ]
    start = time.perf_counter()
    for wave, wave_carts in zip(day, carts, strict=True):
        compare_walks(LAYOUT, wave, wave_carts)
    compared_s = time.perf_counter() - start
    if profile:
        profiler = cProfile.Profile()
        profiler.runcall(lambda: [plan_carts(LAYOUT, wave, CART) for wave in day[:20]])
        pstats.Stats(profiler).sort_stats("tottime").print_stats(8)
    planned = [
        [wave[k] for k in cart.orders] for wave, cs in zip(day, carts, strict=True) for cart in cs
    ]
    good, naive = walks(planned), walks(first_come)
    per = good.picks
    ratio = planned_s / baseline_s
    print(
        f"waves: {len(orders):,} orders, {per:,} lines in {len(day)} waves of ≤{WAVE_ORDERS} on the"
        f" demo floor ({AISLES} aisles × {BAYS} bays × {LEVELS} levels, two blocks)\n"
        f"  planning as a release runs it (plan_carts: savings carts + best routes)"
        f" {planned_s:.2f} s vs first-come carts + S-shape {baseline_s:.2f} s, wave by wave"
        f" in turn → {ratio:.2f}× (aim ≤ {PLAN_AIM:g}×; median of {ROUNDS} rounds:"
        f" {', '.join(f'{p / b:.2f}×' for b, p, _f, _c in rounds)})\n"
        f"  a preview's comparisons on top (compare_walks: carts by S-shape, orders one by one)"
        f" {compared_s:.2f} s → {(planned_s + compared_s) / baseline_s:.2f}× with them\n"
        f"  walk per pick of the planned carts: best {good.best / per:.2f} m, S-shape"
        f" {good.s_shape / per:.2f} m, largest-gap {good.largest_gap / per:.2f} m; pick-by-order"
        f" {good.pick_by_order / per:.2f} m → {1 - good.best / good.pick_by_order:.0%} less"
        f" walking; first-come carts by S-shape {naive.s_shape / naive.picks:.2f} m/pick"
        f" on {naive.carts} carts ({good.carts} planned)"
    )
    return {
        "bench": "waves.planning",
        "orders": len(orders),
        "planned_s": round(planned_s, 2),
        "first_come_s": round(baseline_s, 2),
        "ratio": round(ratio, 2),
        "preview_comparisons_s": round(compared_s, 2),
        "best_m_per_pick": round(good.best / per, 2),
        "pick_by_order_m_per_pick": round(good.pick_by_order / per, 2),
    }


# --- 2. and 3. on the demo warehouse -----------------------------------------------------------

ORDER_COLUMNS = (
    "id, shop, shop_order_id, shop_version, buyer_id, buyer_name, buyer_tags, ship_name,"
    " ship_address1, ship_address2, ship_city, ship_region, ship_postcode, ship_country,"
    " ship_phone, carrier, service, priority, status, hold_reason, merge_group, no_merge,"
    " pack_instructions, intercepted, imported_at, updated_at"
)


def demo_floor(db: Path) -> None:
    """The demo warehouse, with stock for any number of waves (the bench waves the backlog,
    it does not test allocation)."""
    from warehouse_tui.demo import seed_demo
    from warehouse_tui.store.engine import Store
    from warehouse_tui.store.migrate import upgrade

    store = Store(str(db))
    upgrade(store)
    seed_demo(store, 1, TODAY)
    store.dispose()
    connection = sqlite3.connect(db, isolation_level=None)
    connection.execute("UPDATE stock SET on_hand = on_hand + 1000000")
    connection.close()


def add_ready_orders(db: Path, count: int, rng: random.Random) -> None:
    """`count` audited single-buyer orders of 1-5 lines of stocked SKUs, with the demo's
    carriers, straight into the tables."""
    connection = sqlite3.connect(db, isolation_level=None)
    services = connection.execute(
        "SELECT carrier.code, carrierservice.code FROM carrierservice"
        " JOIN carrier ON carrier.id = carrierservice.carrier_id"
    ).fetchall()
    skus = connection.execute(
        "SELECT DISTINCT sku.id, sku.code FROM sku JOIN stock ON stock.sku_id = sku.id"
    ).fetchall()
    first = connection.execute("SELECT max(id) FROM orders").fetchone()[0] + 1
    now = datetime.now(UTC).isoformat(sep=" ")
    orders, lines = [], []
    for number in range(first, first + count):
        carrier, service = rng.choice(services)
        orders.append(
            (number, "BENCH", f"B{number}", 1, f"buyer{number}", "Buyer", "[]", "Buyer",
             "Street 1", "", "Berlin", "", "10115", "DE", "", carrier, service,
             rng.randrange(3), "ready", "", None, 0, "", 0, now, now)
        )  # fmt: skip
        for sku_id, code in rng.sample(skus, rng.choice((1, 1, 2, 3, 5))):
            lines.append((number, "", code, sku_id, rng.choice((1, 1, 2)), 100))
    connection.execute("BEGIN")
    connection.executemany(
        f"INSERT INTO orders ({ORDER_COLUMNS}) VALUES ({', '.join('?' * 26)})", orders
    )
    connection.executemany(
        "INSERT INTO orderline (order_id, shop_line_id, sku_code, sku_id, qty, unit_price_minor,"
        " picked, packed) VALUES (?, ?, ?, ?, ?, ?, 0, 0)",
        lines,
    )
    connection.execute("COMMIT")
    connection.close()


def one_wave(db: Path) -> tuple[float, float]:
    """A 500-order wave's preview, then its release: their seconds."""
    from warehouse_tui.services.journal import Actor
    from warehouse_tui.services.waves import WaveRules, preview_wave, release_wave
    from warehouse_tui.store.engine import Store

    store = Store(str(db))
    actor = Actor(None, "BENCH", "cli", name="bench")
    rules = WaveRules(max_orders=WAVE_ORDERS)
    start = time.perf_counter()
    plan = preview_wave(store, actor, rules)
    previewed = time.perf_counter()
    released = release_wave(store, actor, rules)
    done = time.perf_counter()
    store.dispose()
    assert len(plan.order_ids) == WAVE_ORDERS and released["accepted"], released["reason"]
    return previewed - start, done - previewed


def backlog(folder: Path, floor: Path, sizes: Sequence[int]) -> dict[str, object]:
    times = {}
    for size in sizes:
        db = folder / f"backlog-{size}.db"
        shutil.copy(floor, db)
        add_ready_orders(db, size, random.Random(size))
        one_wave(db)  # warm-up: statement caches, pages
        runs = [one_wave(db) for _round in range(ROUNDS)]
        times[size] = (
            statistics.median(run[0] for run in runs),
            statistics.median(run[1] for run in runs),
        )
    small, large = times[sizes[0]], times[sizes[-1]]
    preview_ratio, release_ratio = large[0] / small[0], large[1] / small[1]
    print(
        f"a {WAVE_ORDERS}-order wave on the demo warehouse (SQLite), {sizes[0]:,} vs"
        f" {sizes[-1]:,} ready orders (median of {ROUNDS} waves each):\n"
        f"  preview {small[0] * 1000:.0f} ms vs {large[0] * 1000:.0f} ms → {preview_ratio:.2f}×,"
        f" release {small[1] * 1000:.0f} ms vs {large[1] * 1000:.0f} ms → {release_ratio:.2f}×"
        f" (aim ≤ {BACKLOG_AIM:g}×)"
    )
    return {
        "bench": "waves.backlog",
        "backlogs": list(sizes),
        "preview_ms": [round(times[size][0] * 1000) for size in sizes],
        "release_ms": [round(times[size][1] * 1000) for size in sizes],
        "preview_ratio": round(preview_ratio, 2),
        "release_ratio": round(release_ratio, 2),
    }


STATION = """
import sys, time
from warehouse_tui.services.journal import Actor, journal_scan
from warehouse_tui.store.engine import Store
store = Store(sys.argv[1])
actor = Actor(None, "BENCH-STATION", "bench")
journal_scan(store, actor, "warm-up", accepted=True, reason="")
print("ready", flush=True)
while True:
    start = time.monotonic()
    journal_scan(store, actor, "4006381333931", accepted=True, reason="")
    end = time.monotonic()
    print(f"{start} {end}", flush=True)
    time.sleep(0.005)
"""


def _write_spans(store: Any) -> list[tuple[float, float]]:
    """(begin, end) of each write transaction on `store` from now on: on SQLite, how long it
    held the writer lock (reads are on the store's deferred reader, not counted)."""
    from sqlalchemy import event

    spans: list[tuple[float, float]] = []
    begun: dict[int, float] = {}

    def begin(connection: Any) -> None:
        if connection.get_execution_options().get("sqlite_begin") is None:
            begun[id(connection)] = time.monotonic()

    def end(connection: Any) -> None:
        start = begun.pop(id(connection), None)
        if start is not None:
            spans.append((start, time.monotonic()))

    event.listen(store.engine, "begin", begin)
    event.listen(store.engine, "commit", end)
    event.listen(store.engine, "rollback", end)
    return spans


def station_waits(folder: Path, floor: Path, quiet_s: float = 2.0) -> dict[str, object]:
    """Scan latencies of a station in another process, quiet and while a 2,000-order wave is
    released (its preview first, so the audit is done)."""
    from warehouse_tui.services.journal import Actor
    from warehouse_tui.services.waves import WaveRules, release_wave
    from warehouse_tui.store.engine import Store

    db = folder / "release.db"
    shutil.copy(floor, db)
    add_ready_orders(db, 20_000, random.Random(7))
    store = Store(str(db))
    actor = Actor(None, "BENCH", "cli", name="bench")
    release_wave(store, actor, WaveRules(max_orders=WAVE_ORDERS))  # warm-up, audit done
    held = _write_spans(store)
    station = subprocess.Popen(
        [sys.executable, "-c", STATION, str(db)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert station.stdout is not None and station.stdout.readline().strip() == "ready"
        time.sleep(quiet_s)
        began = time.monotonic()
        result = release_wave(store, actor, WaveRules(max_orders=RELEASE_ORDERS))
        ended = time.monotonic()
        time.sleep(0.3)
    finally:
        station.terminate()
        output, _ = station.communicate()
        store.dispose()
    assert result["accepted"] and result["orders"] == RELEASE_ORDERS, result["reason"]
    scans = [tuple(map(float, line.split())) for line in output.splitlines() if line.strip()]
    quiet = [end - start for start, end in scans if end < began]
    during = [end - start for start, end in scans if end >= began and start <= ended]
    ms = 1000
    quiet_p99, during_p99 = percentile(quiet, 0.99) * ms, percentile(during, 0.99) * ms
    longest = max(during) * ms
    lock_ms = max((end - start for start, end in held if start >= began), default=0.0) * ms
    print(
        f"a station's scans while a {RELEASE_ORDERS:,}-order wave is released"
        f" ({(ended - began) * ms:.0f} ms, {len(during)} scans meanwhile):\n"
        f"  longest wait {longest:.0f} ms (aim ≤ ~{WAIT_AIM_MS:.0f} ms), p99 {during_p99:.1f} ms"
        f" vs {quiet_p99:.1f} ms on a quiet floor → {during_p99 / quiet_p99:.2f}×;"
        f" the release's longest write held the writer lock {lock_ms:.0f} ms"
    )
    return {
        "bench": "waves.release_wait",
        "release_orders": RELEASE_ORDERS,
        "release_ms": round((ended - began) * ms),
        "scans_during": len(during),
        "longest_wait_ms": round(longest, 1),
        "release_write_ms": round(lock_ms, 1),
        "p99_during_ms": round(during_p99, 1),
        "p99_quiet_ms": round(quiet_p99, 1),
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_waves")
    parser.add_argument("--orders", type=int, default=ORDERS)
    parser.add_argument("--backlog", type=int, nargs=2, default=BACKLOGS, metavar="N")
    parser.add_argument("--profile", action="store_true", help="profile the planned day")
    options = parser.parse_args(argv)
    print(f"waves: {load()}")
    results = [planning(options.orders, options.profile)]
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        floor = folder / "floor.db"
        demo_floor(floor)
        results.append(backlog(folder, floor, options.backlog))
        results.append(station_waits(folder, floor))
    for result in results:
        print(json.dumps(result))


if __name__ == "__main__":
    main()
