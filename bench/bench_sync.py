"""Sync: a shop's page of orders into the floor, and the outbox out to a shop, each as a ratio
to the limit it is compared with, measured in the same run.

1. Pull: a recorded page of 250 orders per platform (Shopify's GraphQL `orders` answer,
   WooCommerce's `orders` list), served from memory through httpx's mock transport, by the
   worker's pull (`runner.pull`: the cursor read, the page fetched, parsed, mapped to import
   records, versioned by content hash and imported with its cursor), as a ratio to importing
   the same records from a JSON Lines file (`import_file`) into an equally fresh database;
   median of the runs (aim ≤ 1.5×).
2. Deliver: 10k outbox events (distinct orders) to the file connector (each a file through
   temp + fsync + rename), by the sync worker's round (`sync_once`, the inbox looked at, the
   events claimed, written, made durable and marked a batch at a time), as a ratio to 10k bare
   durable one-row SQLite commits (WAL, synchronous=FULL) on the same database file (aim ≤ 3×),
   and to 10k bare durable file writes one after another; the three run 500 at a time in turn,
   so they share the disk's mood.

Run alone: python -m bench.bench_sync [--orders N] [--events N] [--runs N]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from bench.common import load
from warehouse_tui.services.importing import ImportKind, import_file, import_records
from warehouse_tui.services.journal import Actor
from warehouse_tui.store.engine import Store
from warehouse_tui.store.migrate import upgrade
from warehouse_tui.store.models import Outbox
from warehouse_tui.sync.connector import Applied, Connector
from warehouse_tui.sync.credentials import Credentials
from warehouse_tui.sync.files import FileConnector, sync_folder, write_durably
from warehouse_tui.sync.runner import Also, Apply, ShopReport, pull, sync_once
from warehouse_tui.sync.shopify import ShopifyConnector
from warehouse_tui.sync.woocommerce import WooConnector

ORDERS = 250
EVENTS = 10_000
ROUND = 500  # events the worker finds waiting each turn
RUNS = 9
PULL_AIM, DELIVER_AIM = 1.5, 3.0
NAMES = (
    ("Zoë", "Ünal", "München", "DE"),
    ("芳", "王", "上海", "CN"),
    ("Ada", "Byron", "London", "GB"),
)


def shopify_page(count: int) -> dict[str, Any]:
    """An `orders` answer as Shopify sends it: 1 to 4 lines, accents and Chinese."""
    moment = datetime(2026, 11, 2, 8, tzinfo=UTC)
    nodes = []
    for n in range(count):
        first, last, city, country = NAMES[n % len(NAMES)]
        nodes.append(
            {
                "id": f"gid://shopify/Order/{5000 + n}",
                "legacyResourceId": str(5000 + n),
                "name": f"#{1000 + n}",
                "updatedAt": (moment + timedelta(seconds=n)).isoformat().replace("+00:00", "Z"),
                "cancelledAt": None,
                "closed": False,
                "displayFulfillmentStatus": "UNFULFILLED",
                "note": "请轻放" if n % 7 == 0 else None,
                "customer": {
                    "legacyResourceId": str(900 + n % 60),
                    "displayName": f"{first} {last}",
                    "tags": [],
                },
                "shippingAddress": {
                    "name": f"{first} {last}",
                    "company": None,
                    "address1": f"Königstraße {n % 90 + 1}",
                    "address2": None,
                    "city": city,
                    "province": None,
                    "zip": f"{80000 + n}",
                    "countryCodeV2": country,
                    "phone": None,
                },
                "shippingLine": {"title": "UPS Standard", "code": "UPS"},
                "lineItems": {
                    "nodes": [
                        {
                            "id": f"gid://shopify/LineItem/{70000 + n * 10 + line}",
                            "sku": f"SKU-{(n * 7 + line) % 500:05d}",
                            "quantity": 1 + line,
                            "currentQuantity": 1 + line,
                        }
                        for line in range(1 + n % 4)
                    ]
                },
            }
        )
    cost = {"requestedQueryCost": 52, "actualQueryCost": 52}
    throttle = {"maximumAvailable": 2000.0, "currentlyAvailable": 1948, "restoreRate": 100.0}
    return {
        "data": {"orders": {"nodes": nodes, "pageInfo": {"hasNextPage": False, "endCursor": "x"}}},
        "extensions": {"cost": {**cost, "throttleStatus": throttle}},
    }


def woo_page(count: int) -> list[dict[str, Any]]:
    """An `orders` list as WooCommerce sends it."""
    orders = []
    for n in range(count):
        first, last, city, country = NAMES[n % len(NAMES)]
        person = {
            "first_name": first,
            "last_name": last,
            "company": "",
            "address_1": f"Königstraße {n % 90 + 1}",
            "address_2": "",
            "city": city,
            "state": "",
            "postcode": f"{80000 + n}",
            "country": country,
            "phone": "",
        }
        orders.append(
            {
                "id": 700 + n,
                "status": "processing",
                "date_modified_gmt": f"2026-11-02T08:{n // 60 % 60:02d}:{n % 60:02d}",
                "customer_id": 10 + n % 60,
                "customer_note": "请轻放" if n % 7 == 0 else "",
                "billing": {**person, "email": "buyer@example.com"},
                "shipping": person,
                "line_items": [
                    {
                        "id": 9000 + n * 10 + line,
                        "sku": f"SKU-{(n * 7 + line) % 500:05d}",
                        "quantity": 1 + line,
                        "price": 12.5,
                        "meta_data": [],
                    }
                    for line in range(1 + n % 4)
                ],
                "shipping_lines": [{"id": 1, "method_title": "Flat rate", "method_id": "UPS"}],
                "meta_data": [],
            }
        )
    return orders


def served(holder: Any, body: Any, headers: dict[str, str]) -> None:
    """The HTTP client of `holder` (WooCommerce's connector, Shopify's GraphQL client) answers
    every request with the recorded page, from memory."""
    data = json.dumps(body, ensure_ascii=False).encode()
    holder.client = httpx.Client(
        transport=httpx.MockTransport(
            lambda _request: httpx.Response(200, content=data, headers=headers)
        )
    )


def importer(store: Store) -> Apply:
    def apply(records: list[dict[str, Any]], source: str, also: Also) -> Applied:
        result = import_records(
            store,
            ImportKind.ORDERS,
            records,
            actor=Actor(None, screen="sync"),
            source=source,
            also=also,
        )
        assert not result.errors, result.errors[:3]
        return Applied(imported=result.imported - result.unchanged, unchanged=result.unchanged)

    return apply


def time_pull(store: Store, connector: Connector) -> tuple[float, list[dict[str, Any]]]:
    """The worker's pull of the shop (`runner.pull`, as `sync --once` runs it); the records it
    imported, for the file to hold."""
    report = ShopReport(connector.code, connector.kind)
    start = time.perf_counter()
    pull(store, connector, importer(store), report)
    elapsed = time.perf_counter() - start
    assert report.imported == report.pulled > 0, report
    return elapsed, [{**record, "version": 1} for record in connector.pull("").records]


def time_file(store: Store, folder: Path, records: list[dict[str, Any]]) -> float:
    path = folder / "orders.jsonl"
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
    )
    start = time.perf_counter()
    result = import_file(store, ImportKind.ORDERS, path)
    elapsed = time.perf_counter() - start
    assert result.created == len(records), result.errors[:3]
    return elapsed


def pull_ratio(kind: str, orders: int, runs: int) -> tuple[float, float]:
    """Each run a page of new orders (a shop code of its own) into two long-lived databases,
    one taking it through sync, one from a file: as a worker that runs for days sees it."""
    pulls, files = [], []
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        stores = Store(str(folder / "sync.db")), Store(str(folder / "file.db"))
        for store in stores:
            upgrade(store)
        for run in range(runs):
            code = f"B{run}"
            credentials = Credentials(
                code, {"TOKEN": "t", "KEY": "k", "SECRET": "s"}, Path("/dev/null")
            )
            if kind == "shopify":
                connector: Any = ShopifyConnector(code, "https://b.example", "71", credentials)
                served(connector.graphql, shopify_page(orders), {})
            else:
                connector = WooConnector(code, "https://b.example", credentials)
                served(connector, woo_page(orders), {"X-WP-TotalPages": "1"})
            pulled, records = time_pull(stores[0], connector)
            pulls.append(pulled)
            files.append(time_file(stores[1], folder, records))
        for store in stores:
            store.dispose()
    return statistics.median(pulls), statistics.median(files)


def time_deliver(folder: Path, events: int) -> tuple[float, float, float]:
    """The sync worker's round for a file shop (`sync_once`, as `sync --once` runs it: the
    inbox looked at, then every due event delivered), bare durable commits and bare durable
    file writes, in turns of ROUND events (so all three see the same disk and the same load).
    Each turn the worker finds ROUND new events waiting, as a worker running every few seconds
    does; they are written to the outbox before the clock starts."""
    db = folder / "outbox.db"
    store = Store(str(db))
    upgrade(store)
    due = datetime(2026, 11, 2, tzinfo=UTC)
    shop = FileConnector("B", folder / "inbox", folder / "sent")
    apply = importer(store)
    connection = sqlite3.connect(db, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "busy_timeout=30000"):
        connection.execute(f"PRAGMA {pragma}")
    connection.execute("CREATE TABLE bench_commit (id INTEGER PRIMARY KEY, v TEXT)")
    bare_files = folder / "bare"
    bare_files.mkdir()
    service = bare = files = 0.0
    delivered = 0
    while delivered < events:
        turn = range(delivered, min(events, delivered + ROUND))
        with store.write() as session:
            session.add_all(
                Outbox(
                    shop="B",
                    event="fulfilment",
                    payload={
                        "shop_order_id": str(n),
                        "tracking_numbers": [f"1Z{n:016d}"],
                        "lines": [],
                    },
                    idempotency_key=f"fulfilment:B:{n}:1:{n:012x}",
                    order_ref=f"B:{n}",
                    next_attempt_at=due,
                )
                for n in turn
            )
        start = time.perf_counter()
        report = sync_once(store, shop, apply, now=due + timedelta(seconds=1))
        service += time.perf_counter() - start
        assert (report.delivered, report.backlog) == (len(turn), 0), report
        start = time.perf_counter()
        for _ in turn:
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("INSERT INTO bench_commit (v) VALUES ('event')")
            connection.execute("COMMIT")
        bare += time.perf_counter() - start
        start = time.perf_counter()
        for n in turn:
            write_durably(bare_files / f"{n}.json", '{"event": "fulfilment"}', sync_parent=False)
        sync_folder(bare_files)
        files += time.perf_counter() - start
        delivered += len(turn)
    shop.close()
    connection.close()
    store.dispose()
    return service, bare, files


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_sync")
    parser.add_argument("--orders", type=int, default=ORDERS)
    parser.add_argument("--events", type=int, default=EVENTS)
    parser.add_argument("--runs", type=int, default=RUNS)
    options = parser.parse_args(argv)
    for kind in ("shopify", "woocommerce"):
        pulled, filed = pull_ratio(kind, options.orders, options.runs)
        print(
            f"sync pull ({kind}): a page of {options.orders} orders mapped, versioned and imported"
            f" in {pulled * 1000:.0f} ms, the same records from a file {filed * 1000:.0f} ms"
            f" → {pulled / filed:.2f}× (aim ≤ {PULL_AIM}×)"
        )
    with tempfile.TemporaryDirectory() as name:
        service, bare, files = time_deliver(Path(name), options.events)
    count = options.events
    print(
        f"sync deliver: {count:,} outbox events to the file connector in {service:.2f} s"
        f" ({service / count * 1000:.2f} ms each); {count:,} bare durable commits {bare:.2f} s"
        f" → {service / bare:.2f}× (aim ≤ {DELIVER_AIM}×); {count:,} bare durable file writes"
        f" (temp, fsync, rename) {files:.2f} s → {service / files:.2f}×"
    )
    print(f"sync: {load()}")


if __name__ == "__main__":
    main()
