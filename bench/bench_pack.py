"""Pack station: scan-to-verify handling time on a database with 1M order lines.

Measured in the service (scan in → counted, journaled and committed), as ratios to a bare
durable one-row SQLite commit (WAL, synchronous=FULL) on the same database file in the same
run, p50 to p50 and p99 to p99; the aim is ≤ 3× and ≤ 4×. Then the same scan followed by the
pack view the screen reads after it (`pack_view`: scan → view ready), p50 to p50; the aim is
≤ 5×. They are timed interleaved, a commit, a scan and its view read in turn, so all see the
same disk. The same two figures on PostgreSQL (when a server answers), against a bare
PostgreSQL commit on the same schema.

Then end to end on the same database: the real app in a pty at 80x24, a packer logged in on
the pack screen, a 13-digit EAN typed with Enter as one burst (as a keyboard-wedge scanner
sends it) until the line list shows the new packed count; as a ratio to a bare Textual app
that echoes the same burst into a label, timed until the echo is painted, median to median
and p90 to p90 (aim ≤ 2×). The two apps run side by side and take their bursts in turn.

Run alone: python -m bench.bench_pack [--lines N] [--pg-lines N] [--scans N] [--bursts N] [--no-pg]
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import pty
import re
import select
import sqlite3
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.common import PG_URL, BareCommit, load, percentile, pg_schema, pg_unavailable

if TYPE_CHECKING:
    from warehouse_tui.store.engine import Store

LINES_PER_ORDER = 4
SKUS = 20_000
PACKED_ORDERS_LEFT = 50  # orders after the timed ones, so the timed ones are not the newest
STATION = "PACK-1"
PACKER_BADGE = "OP-2000000002"
BENCH_TOTE = "TOTE-9001"
WARM_UP_BURSTS = 5
PAINT_TIMEOUT_S = 15.0
# Quiet time before each burst: what an app still does after its paint (the pack screen reads
# the parcel again) must not be counted in the other app's time.
SETTLE_S = 0.1
BARE_APP = """
from textual.app import App
from textual.widgets import Label
class Echo(App):
    typed = []
    count = 0
    def compose(self):
        yield Label("Scan an item", id="echo")
    def on_key(self, event):
        if event.key == "enter":
            self.count += 1
            self.query_one("#echo", Label).update(f"{self.count}: {''.join(self.typed)}")
            self.typed.clear()
        elif event.character and event.is_printable:
            self.typed.append(event.character)
Echo().run()
"""


def ean13(n: int) -> str:
    body = f"40{n:010d}"
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def rows(lines: int) -> list[tuple[str, Iterable[tuple[object, ...]]]]:
    """The bench's floor as (INSERT with ? placeholders, rows): a packer, SKUs with barcodes,
    and `lines` order lines of picked orders, every tenth order in a merge group."""
    now = datetime.now(UTC)
    orders = lines // LINES_PER_ORDER
    return [
        (
            "INSERT INTO operator (id, badge, name, pin_hash, role, language, active)"
            " VALUES (?, 'OP-2000000002', 'Bench Packer', '-', 'packer', 'en', TRUE)",
            [(2,)],
        ),
        (
            "INSERT INTO sku (id, code, name, weight_g, length_mm, width_mm, height_mm,"
            " serial_tracked, batch_tracked, typed_qty_allowed) VALUES (?, ?, ?, 250, 100, 80,"
            " 60, FALSE, FALSE, FALSE)",
            ((n, f"SKU-{n}", f"Item {n}") for n in range(1, SKUS + 1)),
        ),
        (
            "INSERT INTO barcode (code, sku_id, quantity) VALUES (?, ?, 1)",
            ((ean13(n), n) for n in range(1, SKUS + 1)),
        ),
        (
            "INSERT INTO orders (id, shop, shop_order_id, shop_version, buyer_id, buyer_name,"
            " buyer_tags, ship_name, ship_address1, ship_address2, ship_city, ship_region,"
            " ship_postcode, ship_country, ship_phone, carrier, service, priority, status,"
            " hold_reason, merge_group, no_merge, pack_instructions, intercepted, imported_at,"
            " updated_at) VALUES (?, 'WEB', ?, 1, ?, 'Buyer', '[]', 'Buyer', 'Street 1', '',"
            " 'Berlin', '', '10115', 'DE', '', 'DHL', 'PAKET', 0, 'picked', '', ?, FALSE, '',"
            " FALSE, ?, ?)",
            (
                (n, f"W{n}", f"B{n // 2}", f"B{n // 2}" if n % 10 == 0 else None, now, now)
                for n in range(1, orders + 1)
            ),
        ),
        (
            "INSERT INTO orderline (order_id, shop_line_id, sku_code, sku_id, qty,"
            " unit_price_minor, picked, packed) VALUES (?, '', ?, ?, 1, 100, 1, 0)",
            (
                (order, f"SKU-{sku}", sku)
                for order in range(1, orders + 1)
                for sku in _skus_of(order)
            ),
        ),
    ]


def build(db: Path, lines: int) -> None:
    """Migrate a SQLite file, then bulk-insert the bench's floor."""
    from warehouse_tui.store.engine import Store
    from warehouse_tui.store.migrate import upgrade

    store = Store(str(db))
    upgrade(store)
    store.dispose()
    connection = sqlite3.connect(db, isolation_level=None)
    connection.execute("PRAGMA synchronous=OFF")
    connection.execute("BEGIN")
    for sql, values in rows(lines):
        connection.executemany(sql, ([_sqlite_value(v) for v in row] for row in values))
    connection.execute("COMMIT")
    connection.close()


def _sqlite_value(value: object) -> object:
    return value.isoformat(sep=" ") if isinstance(value, datetime) else value


def build_pg(schema: str, lines: int) -> None:
    """Migrate a PostgreSQL schema, then bulk-insert the bench's floor."""
    import psycopg

    from warehouse_tui.store.engine import Store
    from warehouse_tui.store.migrate import upgrade

    store = Store(PG_URL, schema=schema)
    upgrade(store)
    store.dispose()
    with (
        psycopg.connect(
            "postgresql://" + PG_URL.split("://", 1)[1], options=f"-csearch_path={schema}"
        ) as connection,
        connection.cursor() as cursor,
    ):
        for sql, values in rows(lines):
            cursor.executemany(sql.replace("?", "%s"), list(values))
        for table in ("operator", "sku", "orders"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                f" (SELECT max(id) FROM {table}))"
            )


def _skus_of(order: int) -> list[int]:
    """Four different SKUs per order, spread over the catalogue."""
    return [(order * 7 + k * 4_999) % SKUS + 1 for k in range(LINES_PER_ORDER)]


def time_scans(
    store: Store, bare: BareCommit, scans: int
) -> tuple[list[float], list[float], list[float], int]:
    """verify_scan, verify_scan then pack_view, and a bare commit, interleaved; returns the
    three timings and the refusals."""
    from sqlalchemy import func, select

    from warehouse_tui.services import packing
    from warehouse_tui.services.journal import Actor
    from warehouse_tui.store.models import Order

    actor = Actor(2, "BENCH-PACK", "PackScreen")
    orders = scans // LINES_PER_ORDER + 1
    with store.read() as session:
        last_order = session.execute(select(func.max(Order.id))).scalar_one()
    first_order = last_order - PACKED_ORDERS_LEFT - orders * 2
    plan = []
    for order in range(first_order, first_order + orders * 2, 2):  # odd ones: no merge group
        if order % 10 == 0:
            order += 1
        started = packing.start_pack(store, actor, f"ORD-{order}")
        assert started.accepted and started.parcel_id is not None, started.reason
        plan += [(started.parcel_id, ean13(sku)) for sku in _skus_of(order)]
    for parcel_id, code in plan[:20]:  # warm-up: statement caches, pages
        packing.verify_scan(store, actor, parcel_id, code)
        packing.pack_view(store, parcel_id)
        bare.time()
    service, with_view, commits, refused = [], [], [], 0
    for parcel_id, code in plan[20 : 20 + scans]:
        commits.append(bare.time())
        start = time.perf_counter()
        result = packing.verify_scan(store, actor, parcel_id, code)
        scanned = time.perf_counter()
        view = packing.pack_view(store, parcel_id)
        service.append(scanned - start)
        with_view.append(time.perf_counter() - start)
        refused += not result.accepted or view is None
    return service, with_view, commits, refused


def scan_figures(
    database: str,
    lines: int,
    built: float,
    timings: tuple[list[float], list[float], list[float], int],
) -> dict[str, object]:
    """The service's figures beside the bare commit's, printed with their aims."""
    service, with_view, commits, refused = timings
    ms = 1000
    result: dict[str, object] = {
        "bench": "pack.verify_scan",
        "database": database,
        "order_lines": lines,
        "build_s": round(built, 1),
        "scans": len(service),
        "refused": refused,
        "service_p50_ms": round(percentile(service, 0.5) * ms, 3),
        "service_p99_ms": round(percentile(service, 0.99) * ms, 3),
        "commit_p50_ms": round(percentile(commits, 0.5) * ms, 3),
        "commit_p99_ms": round(percentile(commits, 0.99) * ms, 3),
        "service_mean_ms": round(statistics.fmean(service) * ms, 3),
        "with_view_p50_ms": round(percentile(with_view, 0.5) * ms, 3),
        "with_view_p99_ms": round(percentile(with_view, 0.99) * ms, 3),
    }
    result["ratio_p50"] = round(percentile(service, 0.5) / percentile(commits, 0.5), 2)
    result["ratio_p99"] = round(percentile(service, 0.99) / percentile(commits, 0.99), 2)
    result["with_view_ratio_p50"] = round(percentile(with_view, 0.5) / percentile(commits, 0.5), 2)
    print(
        f"verify_scan on {lines:,} order lines, {database} (built in {built:.1f} s),"
        f" {len(service)} scans:"
        f"\n  service p50 {result['service_p50_ms']:.3f} ms, p99 {result['service_p99_ms']:.3f} ms"
        f"\n  bare durable commit p50 {result['commit_p50_ms']:.3f} ms,"
        f" p99 {result['commit_p99_ms']:.3f} ms"
        f"\n  ratio p50 {result['ratio_p50']}× (aim ≤ 3×), p99 {result['ratio_p99']}× (aim ≤ 4×)"
        f"\n  scan → pack view ready p50 {result['with_view_p50_ms']:.3f} ms,"
        f" p99 {result['with_view_p99_ms']:.3f} ms: {result['with_view_ratio_p50']}× (aim ≤ 5×)"
    )
    return result


class Terminal:
    """A program on its own 80x24 pty: type bursts of keys into it and wait for its paint."""

    def __init__(self, argv: list[str]) -> None:
        self.fd, child_fd = pty.openpty()
        fcntl.ioctl(child_fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        os.set_blocking(self.fd, False)
        env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "80", "LINES": "24"}
        self.process = subprocess.Popen(
            argv, stdin=child_fd, stdout=child_fd, stderr=child_fd, env=env, close_fds=True
        )
        os.close(child_fd)
        self.seen = b""

    def type(self, keys: str) -> float:
        """Send `keys` in one write; what was painted before no longer counts as seen."""
        self.drain()
        self.seen = b""
        os.write(self.fd, keys.encode())
        return time.perf_counter()

    def drain(self) -> None:
        while select.select([self.fd], [], [], 0)[0]:
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:
                return
            if not chunk:
                return
            self.seen += chunk

    def wait_for(self, marker: bytes | re.Pattern[bytes]) -> float:
        """The moment `marker` is on the screen output since the last `type`."""
        pattern = marker if isinstance(marker, re.Pattern) else re.compile(re.escape(marker))
        deadline = time.perf_counter() + PAINT_TIMEOUT_S
        while not pattern.search(self.seen):
            if time.perf_counter() > deadline or self.process.poll() is not None:
                raise TimeoutError(f"{marker!r} never painted; last output: {self.seen[-400:]!r}")
            if select.select([self.fd], [], [], 0.5)[0]:
                try:
                    self.seen += os.read(self.fd, 65536)
                except OSError:
                    continue
        return time.perf_counter()

    def close(self) -> None:
        self.process.kill()
        self.process.wait()
        os.close(self.fd)


def add_bench_tote(db: Path, units: int) -> None:
    """A picked order in a tote at the end of the database: `units` of one SKU and three single
    items; the pack station PACK-1 (no devices); no duplicate-scan window, since the bench types
    the same EAN faster than a packer handles items."""
    connection = sqlite3.connect(db, isolation_level=None)
    connection.execute("BEGIN")
    order = connection.execute("SELECT max(id) + 1 FROM orders").fetchone()[0]
    now = datetime.now(UTC).isoformat(sep=" ")
    connection.execute(
        "INSERT INTO orders (id, shop, shop_order_id, shop_version, buyer_id, buyer_name,"
        " buyer_tags, ship_name, ship_address1, ship_address2, ship_city, ship_region,"
        " ship_postcode, ship_country, ship_phone, carrier, service, priority, status,"
        " hold_reason, merge_group, no_merge, pack_instructions, intercepted, imported_at,"
        " updated_at) VALUES (?, 'WEB', ?, 1, 'BENCH', 'Buyer', '[]', 'Buyer', 'Street 1', '',"
        " 'Berlin', '', '10115', 'DE', '', 'DHL', 'PAKET', 0, 'picked', '', NULL, 0, '', 0, ?, ?)",
        (order, f"W{order}", now, now),
    )
    connection.executemany(
        "INSERT INTO orderline (order_id, shop_line_id, sku_code, sku_id, qty, unit_price_minor,"
        " picked, packed) VALUES (?, '', ?, ?, ?, 100, ?, 0)",
        [(order, f"SKU-{sku}", sku, qty, qty) for sku, qty in _bench_tote_lines(units)],
    )
    connection.execute("INSERT INTO tote (code, order_id) VALUES (?, ?)", (BENCH_TOTE, order))
    connection.execute("INSERT INTO station (name, kind) VALUES (?, 'pack')", (STATION,))
    connection.execute(
        "INSERT OR REPLACE INTO setting (key, value) VALUES ('duplicate_scan_window_ms', '0')"
    )
    connection.execute("COMMIT")
    connection.close()


def _bench_tote_lines(units: int) -> list[tuple[int, int]]:
    return [(1, units), (2, 1), (3, 1), (4, 1)]


def packed_marker(packed: int, total: int) -> re.Pattern[bytes]:
    """The line list's "packed/expected" cell; not the feedback line's "(packed/expected)",
    which is painted before the list is read again."""
    return re.compile(rb"(?<![0-9(])%d/%d(?!\))" % (packed, total))


def open_pack_screen(db: Path, total: int) -> Terminal:
    """The real app logged in as the packer, on the pack screen with the bench tote started."""
    terminal = Terminal(
        [sys.executable, "-m", "warehouse_tui", "--db", str(db), "--station", STATION]
    )
    try:
        terminal.wait_for(b"badge")
        terminal.type(f"{PACKER_BADGE}\r")
        terminal.wait_for(b"Pack station")
        terminal.type("\r")  # the home menu's first entry for a packer
        terminal.wait_for(b"Scan a tote")
        terminal.type(f"{BENCH_TOTE}\r")
        terminal.wait_for(packed_marker(0, total))
    except BaseException:
        terminal.close()
        raise
    return terminal


def time_end_to_end(db: Path, bursts: int) -> tuple[list[float], list[float]]:
    """Burst-to-paint times of the pack screen and of the bare echo app, taken in turn."""
    total = WARM_UP_BURSTS + bursts
    add_bench_tote(db, total)
    code = ean13(1)
    app = open_pack_screen(db, total)
    bare = Terminal([sys.executable, "-c", BARE_APP])
    try:
        bare.wait_for(b"Scan an item")
        app_times, bare_times = [], []
        for burst in range(1, total + 1):
            time.sleep(SETTLE_S)
            sent = app.type(f"{code}\r")
            app_s = app.wait_for(packed_marker(burst, total)) - sent
            time.sleep(SETTLE_S)
            sent = bare.type(f"{code}\r")
            bare_s = bare.wait_for(f"{burst}: {code}".encode()) - sent
            if burst > WARM_UP_BURSTS:
                app_times.append(app_s)
                bare_times.append(bare_s)
    finally:
        app.close()
        bare.close()
    return app_times, bare_times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--pg-lines", type=int, default=1_000_000)
    parser.add_argument("--scans", type=int, default=2_000)
    parser.add_argument("--bursts", type=int, default=60)
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    args = parser.parse_args()
    from warehouse_tui.store.engine import Store

    print(f"pack: {load()}")
    results = []
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "pack.db"
        began = time.perf_counter()
        build(db, args.lines)
        built = time.perf_counter() - began
        store, bare = Store(str(db)), BareCommit.sqlite_file(db)
        timings = time_scans(store, bare, args.scans)
        bare.close()
        store.dispose()
        results.append(scan_figures("SQLite", args.lines, built, timings))
        app_times, bare_times = time_end_to_end(db, args.bursts)
    why_not = "skipped (--no-pg)" if args.no_pg else pg_unavailable()
    if why_not is None:
        with pg_schema() as schema:
            began = time.perf_counter()
            build_pg(schema, args.pg_lines)
            built = time.perf_counter() - began
            store, bare = Store(PG_URL, schema=schema), BareCommit.postgresql(schema)
            timings = time_scans(store, bare, args.scans)
            bare.close()
            store.dispose()
            results.append(scan_figures("PostgreSQL", args.pg_lines, built, timings))
    else:
        print(f"verify_scan on PostgreSQL: {why_not}")
    ms = 1000
    end_to_end: dict[str, Any] = {
        "bench": "pack.end_to_end",
        "bursts": len(app_times),
        "app_p50_ms": round(percentile(app_times, 0.5) * ms, 1),
        "app_p90_ms": round(percentile(app_times, 0.9) * ms, 1),
        "bare_p50_ms": round(percentile(bare_times, 0.5) * ms, 1),
        "bare_p90_ms": round(percentile(bare_times, 0.9) * ms, 1),
    }
    end_to_end["ratio_p50"] = round(end_to_end["app_p50_ms"] / end_to_end["bare_p50_ms"], 2)
    end_to_end["ratio_p90"] = round(end_to_end["app_p90_ms"] / end_to_end["bare_p90_ms"], 2)
    print(
        f"end to end in a pty at 80x24, {len(app_times)} EAN bursts with Enter:"
        f"\n  pack screen p50 {end_to_end['app_p50_ms']} ms, p90 {end_to_end['app_p90_ms']} ms"
        f"\n  bare echo p50 {end_to_end['bare_p50_ms']} ms, p90 {end_to_end['bare_p90_ms']} ms"
        f"\n  ratio p50 {end_to_end['ratio_p50']}×, p90 {end_to_end['ratio_p90']}× (aim ≤ 2×)"
    )
    for result in results:
        print(json.dumps(result))
    print(json.dumps(end_to_end))


if __name__ == "__main__":
    main()
