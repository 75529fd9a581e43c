"""Pack station: scan-to-verify handling time on a database with 1M order lines.

Measured in the service (scan in → counted, journaled and committed), as ratios to a bare
durable one-row SQLite commit (WAL, synchronous=FULL) on the same database file in the same
run, p50 to p50 and p99 to p99; the aim is ≤ 3× and ≤ 4×. The two are timed interleaved, one
of each in turn, so both see the same disk.

Run alone: python -m bench.bench_pack [--lines N] [--scans N]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

LINES_PER_ORDER = 4
SKUS = 20_000
PACKED_ORDERS_LEFT = 50  # orders after the timed ones, so the timed ones are not the newest


def ean13(n: int) -> str:
    body = f"40{n:010d}"
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def build(db: Path, lines: int) -> None:
    """Migrate, then bulk-insert SKUs, barcodes and `lines` order lines of picked orders."""
    from warehouse_tui.store.engine import Store
    from warehouse_tui.store.migrate import upgrade

    store = Store(str(db))
    upgrade(store)
    store.dispose()
    now = datetime.now(UTC).isoformat(sep=" ")
    orders = lines // LINES_PER_ORDER
    connection = sqlite3.connect(db, isolation_level=None)
    connection.execute("PRAGMA synchronous=OFF")
    connection.execute("BEGIN")
    connection.execute(
        "INSERT INTO operator (id, badge, name, pin_hash, role, language, active)"
        " VALUES (2, 'OP-0002', 'Bench Packer', '-', 'packer', 'en', 1)"
    )
    connection.executemany(
        "INSERT INTO sku (id, code, name, weight_g, length_mm, width_mm, height_mm,"
        " serial_tracked, batch_tracked, typed_qty_allowed) VALUES (?, ?, ?, 250, 100, 80, 60,"
        " 0, 0, 0)",
        ((n, f"SKU-{n}", f"Item {n}") for n in range(1, SKUS + 1)),
    )
    connection.executemany(
        "INSERT INTO barcode (code, sku_id, quantity) VALUES (?, ?, 1)",
        ((ean13(n), n) for n in range(1, SKUS + 1)),
    )
    connection.executemany(
        "INSERT INTO orders (id, shop, shop_order_id, shop_version, buyer_id, buyer_name,"
        " buyer_tags, ship_name, ship_address1, ship_address2, ship_city, ship_region,"
        " ship_postcode, ship_country, ship_phone, carrier, service, priority, status,"
        " hold_reason, merge_group, no_merge, pack_instructions, intercepted, imported_at,"
        " updated_at) VALUES (?, 'WEB', ?, 1, ?, 'Buyer', '[]', 'Buyer', 'Street 1', '',"
        " 'Berlin', '', '10115', 'DE', '', 'DHL', 'PAKET', 0, 'picked', '', ?, 0, '', 0, ?, ?)",
        (
            (n, f"W{n}", f"B{n // 2}", f"B{n // 2}" if n % 10 == 0 else None, now, now)
            for n in range(1, orders + 1)
        ),
    )
    connection.executemany(
        "INSERT INTO orderline (order_id, shop_line_id, sku_code, sku_id, qty, unit_price_minor,"
        " picked, packed) VALUES (?, '', ?, ?, 1, 100, 1, 0)",
        ((order, f"SKU-{sku}", sku) for order in range(1, orders + 1) for sku in _skus_of(order)),
    )
    connection.execute("COMMIT")
    connection.close()


def _skus_of(order: int) -> list[int]:
    """Four different SKUs per order, spread over the catalogue."""
    return [(order * 7 + k * 4_999) % SKUS + 1 for k in range(LINES_PER_ORDER)]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def bare_commit(connection: sqlite3.Connection) -> float:
    start = time.perf_counter()
    connection.execute("BEGIN IMMEDIATE")
    connection.execute("INSERT INTO bench_commit (v) VALUES ('scan')")
    connection.execute("COMMIT")
    return time.perf_counter() - start


def time_scans(db: Path, scans: int) -> tuple[list[float], list[float], int]:
    """verify_scan and a bare commit, interleaved; returns both timings and refusals."""
    from warehouse_tui.services import packing
    from warehouse_tui.services.journal import Actor
    from warehouse_tui.store.engine import Store

    store = Store(str(db))
    actor = Actor(2, "BENCH-PACK", "PackScreen")
    bare = sqlite3.connect(db, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=FULL"):
        bare.execute(f"PRAGMA {pragma}")
    bare.execute("CREATE TABLE IF NOT EXISTS bench_commit (id INTEGER PRIMARY KEY, v TEXT)")
    orders = scans // LINES_PER_ORDER + 1
    last_order = bare.execute("SELECT max(id) FROM orders").fetchone()[0]
    first_order = last_order - PACKED_ORDERS_LEFT - orders * 2
    plan = []
    for order in range(first_order, first_order + orders * 2, 2):  # odd ones: no merge group
        if order % 10 == 0:
            order += 1
        started = packing.start_pack(store, actor, f"ORD-{order}")
        assert started.accepted, started.reason
        plan += [(started.parcel_id, ean13(sku)) for sku in _skus_of(order)]
    for parcel_id, code in plan[:20]:  # warm-up: statement caches, pages
        packing.verify_scan(store, actor, parcel_id, code)
        bare_commit(bare)
    service, commits, refused = [], [], 0
    for parcel_id, code in plan[20 : 20 + scans]:
        commits.append(bare_commit(bare))
        start = time.perf_counter()
        result = packing.verify_scan(store, actor, parcel_id, code)
        service.append(time.perf_counter() - start)
        refused += not result.accepted
    bare.close()
    store.dispose()
    return service, commits, refused


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--scans", type=int, default=2_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "pack.db"
        began = time.perf_counter()
        build(db, args.lines)
        built = time.perf_counter() - began
        service, commits, refused = time_scans(db, args.scans)
    ms = 1000
    result = {
        "bench": "pack.verify_scan",
        "order_lines": args.lines,
        "build_s": round(built, 1),
        "scans": len(service),
        "refused": refused,
        "service_p50_ms": round(percentile(service, 0.5) * ms, 3),
        "service_p99_ms": round(percentile(service, 0.99) * ms, 3),
        "commit_p50_ms": round(percentile(commits, 0.5) * ms, 3),
        "commit_p99_ms": round(percentile(commits, 0.99) * ms, 3),
        "service_mean_ms": round(statistics.fmean(service) * ms, 3),
    }
    result["ratio_p50"] = round(result["service_p50_ms"] / result["commit_p50_ms"], 2)
    result["ratio_p99"] = round(result["service_p99_ms"] / result["commit_p99_ms"], 2)
    print(
        f"verify_scan on {args.lines:,} order lines (built in {built:.1f} s), {len(service)} scans:"
        f"\n  service p50 {result['service_p50_ms']:.3f} ms, p99 {result['service_p99_ms']:.3f} ms"
        f"\n  commit p50 {result['commit_p50_ms']:.3f} ms, p99 {result['commit_p99_ms']:.3f} ms"
        f"\n  ratio p50 {result['ratio_p50']}× (aim ≤ 3×), p99 {result['ratio_p99']}× (aim ≤ 4×)"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
