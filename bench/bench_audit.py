"""The audit after a promotion day's import: 100k orders / ~300k lines, audited and merged as
`warehouse-tui import orders` does right after the import, as a ratio to the import service's
time for the same file, measured in the same run (aim ≤ 0.75).

    python -m bench.bench_audit [--orders N] [--profile]

Why that limit: an operator importing a file waits for both, so the audit is judged against
the import it follows; it once took longer than the import. It cannot be a small fraction of
it: it rewrites every line (its SKU id) and every order (its status), both indexed, and reads
them all back — plain SQL statements doing only that take about 0.45 of the import on SQLite.
The import's time is taken from the run that loads the audit's orders, so both work on the
same file, tables and machine. The data is shaped so the audit has every kind of work: a
catalog with located stock, so most orders become `ready`; some held for an unknown SKU, a
missing postcode or too little stock; some buyers with a second order to the same address
(merged). `--orders` makes a smaller run for quick comparisons; `--profile` prints where the
audit's time goes (a second audit of the same data).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import shutil
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.bench_import import SKUS, catalog_records, fresh_store, write_jsonl
from warehouse_tui.services.audit import AuditResult, audit_orders
from warehouse_tui.services.importing import ImportKind, import_file
from warehouse_tui.services.journal import Actor
from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import Carrier

ORDERS = 100_000
LINES_PER_ORDER = (1, 2, 3, 4, 5)  # cycled: 3 lines per order on average
AIM = 0.75
SHORT_SKUS = 40  # stocked with a few units only: their later orders are held
UNKNOWN_EVERY = 97  # every 97th order has a line with a SKU the catalog lacks
NO_POSTCODE_EVERY = 89  # every 89th order comes without a postcode
SECOND_ORDER_EVERY = 13  # every 13th order is its buyer's second, to the same address
ACTOR = Actor(None, "bench", "import")


def order_records(count: int, rng: random.Random) -> list[dict[str, Any]]:
    start = datetime(2024, 5, 6, 15, tzinfo=UTC)
    records: list[dict[str, Any]] = []
    for number in range(count):
        buyer = number
        if number % SECOND_ORDER_EVERY == 0 and number:
            buyer = number - 1 - rng.randrange(min(number, 500))
        lines = [
            {
                "shop_line_id": str(index),
                "sku": f"SKU-{rng.randrange(SKUS):05d}",
                "qty": rng.choice((1, 1, 1, 2, 3)),
            }
            for index in range(1, LINES_PER_ORDER[number % len(LINES_PER_ORDER)] + 1)
        ]
        if number % UNKNOWN_EVERY == 0:
            lines.append({"shop_line_id": "x", "sku": f"GONE-{number % 50}", "qty": 1})
        records.append(
            {
                "shop": "WEB",
                "shop_order_id": str(1_000_000 + number),
                "buyer": {"id": f"C-{buyer}", "name": "Lena Müller", "tags": []},
                "ship_to": {
                    "name": "Lena Müller",
                    "address1": f"Gartenweg {buyer % 90 + 1}",
                    "city": "Berlin",
                    "postcode": "" if number % NO_POSTCODE_EVERY == 0 else str(10115 + buyer),
                    "country": "DE",
                },
                "carrier": "DHL",
                "priority": number % 3,
                "ship_by": (start + timedelta(hours=number % 48)).isoformat(),
                "lines": lines,
            }
        )
    return records


def location_records() -> list[dict[str, Any]]:
    """One location per SKU, spread over the default layout's 12 aisles of 60 m (the import
    refuses a place the layout does not have)."""
    return [
        {
            "code": f"LOC-{number:05d}",
            "zone": "A",
            "block": 0 if number // 12 * 0.35 < 30 else 1,
            "aisle": number % 12,
            "position_m": number // 12 * 0.35,
            "bay": number // 12,
            "level": 0,
        }
        for number in range(SKUS)
    ]


def stock_records(orders: int) -> list[dict[str, Any]]:
    """Enough of every SKU for all its orders, except the short ones."""
    plenty = orders * 2
    return [
        {
            "location": f"LOC-{number:05d}",
            "sku": f"SKU-{number:05d}",
            "qty": 5 if number < SHORT_SKUS else plenty,
        }
        for number in range(SKUS)
    ]


def prepared_store(folder: Path, orders: int, rng: random.Random) -> tuple[Path, float]:
    """A database with the floor and `orders` imported, not yet audited; the import's time."""
    files = {
        ImportKind.CATALOG: catalog_records(),
        ImportKind.LOCATIONS: location_records(),
        ImportKind.STOCK: stock_records(orders),
        ImportKind.ORDERS: order_records(orders, rng),
    }
    path = folder / "imported.db"
    store = fresh_store(path)
    with store.write() as session:
        session.add(Carrier(code="DHL", name="DHL"))
    import_s = 0.0
    for kind, records in files.items():
        file = folder / f"{kind}.jsonl"
        write_jsonl(file, records)
        start = time.perf_counter()
        result = import_file(store, kind, file)
        import_s = time.perf_counter() - start
        assert result.accepted, result.errors[:3]
    store.dispose()
    return path, import_s


def audited(
    source: Path, copy: Path, profiler: cProfile.Profile | None = None
) -> tuple[float, AuditResult]:
    """Audit a copy of the imported database, as the import command does: its time, result."""
    shutil.copyfile(source, copy)
    store = Store(str(copy))
    if profiler:
        profiler.enable()
    start = time.perf_counter()
    result = audit_orders(store, ACTOR)
    elapsed = time.perf_counter() - start
    if profiler:
        profiler.disable()
    store.dispose()
    return elapsed, result


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_audit")
    parser.add_argument("--orders", type=int, default=ORDERS)
    parser.add_argument("--profile", action="store_true", help="profile the audit")
    options = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        source, import_s = prepared_store(folder, options.orders, random.Random(11))
        audit_s, result = audited(source, folder / "audited.db")
        if options.profile:  # a run of its own: the profiler slows what it watches
            profiler = cProfile.Profile()
            audited(source, folder / "profiled.db", profiler)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    assert result.audited == options.orders and result.ready and result.held, result.summary()
    ratio = audit_s / import_s
    print(
        f"audit: {result.audited:,} orders ({result.ready:,} ready, {result.held:,} held,"
        f" {result.merge_groups:,} merged shipments) in {audit_s:.2f} s, import of the same"
        f" file {import_s:.2f} s → {ratio:.2f}× the import (aim ≤ {AIM})"
    )


if __name__ == "__main__":
    main()
