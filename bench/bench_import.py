"""Import: 100k orders / 300k lines from JSON Lines through the import service, as a ratio to a
raw `executemany` of the same rows into the same tables (sqlite3, same pragmas), measured in the
same run (aim ≥ 0.3 of the raw speed), and the import's peak memory beside the file's size
(aim ≤ 150 MB).

    python -m bench.bench_import [--orders N] [--profile]

The service's time covers everything the import service does with the file: reading it a line
at a time, checking every record, looking up existing orders and writing, in short paced
writes and the final flip. It runs in a process of its own, whose peak resident memory
(the interpreter and the app's modules included) is the import's. The raw time covers only
the two executemany calls and the commit. The audit that `warehouse-tui import orders` runs
next (business rules, in transactions of its own) is not part of either. `--orders` makes a
smaller run for quick comparisons; `--profile` prints where the service's time goes.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import multiprocessing
import pstats
import random
import sqlite3
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from bench.common import load
from warehouse_tui.services.importing import ImportKind, import_file
from warehouse_tui.store.engine import Store
from warehouse_tui.store.migrate import upgrade

ORDERS = 100_000
LINES_PER_ORDER = (1, 2, 3, 4, 5)  # cycled: 3 lines per order on average, 300k in all
SKUS = 2_000
AIM = 0.3
PEAK_MB_AIM = 150
PRAGMAS = ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", "busy_timeout=30000")
ORDER_COLUMNS = (
    "shop",
    "shop_order_id",
    "shop_version",
    "buyer_id",
    "buyer_name",
    "buyer_tags",
    "ship_name",
    "ship_address1",
    "ship_address2",
    "ship_city",
    "ship_region",
    "ship_postcode",
    "ship_country",
    "ship_phone",
    "carrier",
    "service",
    "priority",
    "ship_by",
    "status",
    "hold_reason",
    "merge_group",
    "no_merge",
    "pack_instructions",
    "wave_id",
    "intercepted",
    "pending",
    "imported_at",
    "updated_at",
)
LINE_COLUMNS = (
    "order_id",
    "shop_line_id",
    "sku_code",
    "sku_id",
    "qty",
    "unit_price_minor",
    "picked",
    "packed",
)


def order_records(count: int, rng: random.Random) -> list[dict[str, Any]]:
    start = datetime(2024, 5, 6, 15, tzinfo=UTC)
    records = []
    for number in range(count):
        lines = LINES_PER_ORDER[number % len(LINES_PER_ORDER)]
        records.append(
            {
                "shop": "WEB",
                "shop_order_id": str(1_000_000 + number),
                "version": 1,
                "buyer": {
                    "id": f"C-{rng.randrange(60_000)}",
                    "name": "Lena Müller",
                    "tags": ["vip"],
                },
                "ship_to": {
                    "name": "Lena Müller",
                    "address1": f"Gartenweg {number % 90 + 1}",
                    "city": "Berlin",
                    "postcode": f"{10115 + number % 900}",
                    "country": "DE",
                },
                "carrier": "DHL",
                "service": "PAKET",
                "priority": number % 3,
                "ship_by": (start + timedelta(hours=number % 48)).isoformat(),
                "lines": [
                    {
                        "shop_line_id": str(index),
                        "sku": f"SKU-{rng.randrange(SKUS):05d}",
                        "qty": rng.choice((1, 1, 1, 2, 3)),
                    }
                    for index in range(1, lines + 1)
                ],
            }
        )
    return records


def catalog_records() -> list[dict[str, Any]]:
    return [
        {
            "sku": f"SKU-{number:05d}",
            "name": f"Item {number}",
            "barcodes": [],
            "weight_g": 100 + number % 900,
            "length_mm": 100,
            "width_mm": 80,
            "height_mm": 50,
        }
        for number in range(SKUS)
    ]


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as file:
        for record in records:
            file.write(json.dumps(record, ensure_ascii=False) + "\n")


def _stored_time(moment: datetime) -> str:
    """A datetime as SQLAlchemy stores it in SQLite (UTC, no offset)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def raw_rows(records: list[dict[str, Any]]) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The same orders and lines as plain tuples, ids given in order (the tables start empty)."""
    now = _stored_time(datetime.now(UTC))
    orders: list[tuple[Any, ...]] = []
    lines: list[tuple[Any, ...]] = []
    for order_id, record in enumerate(records, start=1):
        ship_to, buyer = record["ship_to"], record["buyer"]
        orders.append(
            (
                record["shop"],
                record["shop_order_id"],
                record["version"],
                buyer["id"],
                buyer["name"],
                json.dumps(buyer["tags"]),
                ship_to["name"],
                ship_to["address1"],
                "",
                ship_to["city"],
                "",
                ship_to["postcode"],
                ship_to["country"],
                "",
                record["carrier"],
                record["service"],
                record["priority"],
                _stored_time(datetime.fromisoformat(record["ship_by"])),
                "new",
                "",
                None,
                0,
                "",
                None,
                0,
                None,
                now,
                now,
            )
        )
        lines.extend(
            (order_id, line["shop_line_id"], line["sku"], None, line["qty"], 0, 0, 0)
            for line in record["lines"]
        )
    return orders, lines


def fresh_store(path: Path) -> Store:
    store = Store(str(path))
    upgrade(store)
    return store


def time_service(
    folder: Path,
    orders_file: Path,
    catalog_file: Path,
    orders: int,
    profiler: cProfile.Profile | None = None,
) -> float:
    store = fresh_store(folder / "service.db")
    import_file(store, ImportKind.CATALOG, catalog_file)
    if profiler:
        profiler.enable()
    start = time.perf_counter()
    result = import_file(store, ImportKind.ORDERS, orders_file)
    elapsed = time.perf_counter() - start
    if profiler:
        profiler.disable()
    store.dispose()
    assert result.accepted and result.created == orders, result.errors[:3]
    return elapsed


def service_in_child(
    folder: Path, orders_file: Path, catalog_file: Path, orders: int
) -> tuple[float, float]:
    """`time_service` in a process of its own: its seconds, and that process's peak resident
    memory in MB (the interpreter and the app's modules included)."""
    context = multiprocessing.get_context("spawn")
    receiving, sending = context.Pipe(duplex=False)
    child = context.Process(
        target=_measured_service, args=(sending, folder, orders_file, catalog_file, orders)
    )
    child.start()
    elapsed, peak_mb = receiving.recv()
    child.join()
    return elapsed, peak_mb


def _measured_service(
    sending: Connection, folder: Path, orders_file: Path, catalog_file: Path, orders: int
) -> None:
    elapsed = time_service(folder, orders_file, catalog_file, orders)
    sending.send((elapsed, _peak_rss_mb()))


def _peak_rss_mb() -> float:
    """This process's peak resident memory since it started its program (VmHWM; getrusage's
    maximum would also count the parent's memory at the fork before the exec)."""
    status = Path("/proc/self/status").read_text()
    kilobytes = next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(kilobytes) / 1024


def time_raw(folder: Path, records: list[dict[str, Any]], catalog_file: Path) -> float:
    path = folder / "raw.db"
    store = fresh_store(path)
    import_file(store, ImportKind.CATALOG, catalog_file)
    store.dispose()
    orders, lines = raw_rows(records)
    connection = sqlite3.connect(path, isolation_level=None)
    for pragma in PRAGMAS:
        connection.execute(f"PRAGMA {pragma}")
    insert_orders = (
        f"INSERT INTO orders ({', '.join(ORDER_COLUMNS)}) "
        f"VALUES ({', '.join('?' * len(ORDER_COLUMNS))})"
    )
    insert_lines = (
        f"INSERT INTO orderline ({', '.join(LINE_COLUMNS)}) "
        f"VALUES ({', '.join('?' * len(LINE_COLUMNS))})"
    )
    start = time.perf_counter()
    connection.execute("BEGIN IMMEDIATE")
    connection.executemany(insert_orders, orders)
    connection.executemany(insert_lines, lines)
    connection.execute("COMMIT")
    elapsed = time.perf_counter() - start
    connection.close()
    return elapsed


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_import")
    parser.add_argument("--orders", type=int, default=ORDERS)
    parser.add_argument("--profile", action="store_true", help="profile the service's import")
    options = parser.parse_args(argv)

    records = order_records(options.orders, random.Random(7))
    lines = sum(len(record["lines"]) for record in records)
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        orders_file, catalog_file = folder / "orders.jsonl", folder / "catalog.jsonl"
        write_jsonl(orders_file, records)
        write_jsonl(catalog_file, catalog_records())
        raw_s = time_raw(folder, records, catalog_file)
        service_s, peak_mb = service_in_child(folder, orders_file, catalog_file, options.orders)
        file_mb = orders_file.stat().st_size / 1e6
        if options.profile:  # a run of its own: the profiler slows what it watches
            profiler, profiled = cProfile.Profile(), folder / "profiled"
            profiled.mkdir()
            time_service(profiled, orders_file, catalog_file, options.orders, profiler)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    ratio, orders = raw_s / service_s, options.orders
    print(
        f"import: {orders:,} orders / {lines:,} lines from JSON Lines in {service_s:.2f} s"
        f" ({orders / service_s:,.0f} orders/s), raw executemany {raw_s:.2f} s"
        f" → {ratio:.2f} of raw speed (aim ≥ {AIM}); peak memory {peak_mb:.0f} MB"
        f" for a {file_mb:.0f} MB file (aim ≤ {PEAK_MB_AIM} MB); {load()}"
    )


if __name__ == "__main__":
    main()
