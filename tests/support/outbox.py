"""A shop that receives outbox events over HTTP on 127.0.0.1, and outbox rows to send it (no
test lives here)."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from sqlmodel import select

from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import Outbox

T0 = datetime(2024, 5, 6, 12, 0, tzinfo=UTC)


class ShopReceiver:
    """A shop endpoint: answers 500 to the first `failures` requests of each key, then 200;
    applies each key once however often it arrives."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.received: Counter[str] = Counter()
        self.applied: dict[str, Any] = {}
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                key = self.headers["Idempotency-Key"]
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with receiver._lock:
                    receiver.received[key] += 1
                    failing = receiver.received[key] <= receiver.failures
                    if not failing:
                        receiver.applied.setdefault(key, body)
                self.send_response(500 if failing else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/fulfilments"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def post_to(url: str) -> Callable[[Outbox], None]:
    """A sender as a shop connector would be: POST the payload with its Idempotency-Key."""
    client = httpx.Client(timeout=5)  # one client: building one per request costs an SSL context

    def send(event: Outbox) -> None:
        response = client.post(
            url, json=event.payload, headers={"Idempotency-Key": event.idempotency_key}
        )
        response.raise_for_status()

    return send


@pytest.fixture(name="receiver")
def receiver_fixture() -> Iterator[ShopReceiver]:
    shop = ShopReceiver()
    yield shop
    shop.close()


def add_events(store: Store, count: int, *, due: datetime = T0) -> list[str]:
    keys = [f"fulfilment:WEB:{1000 + n}:1" for n in range(count)]
    with store.write() as session:
        for n, key in enumerate(keys):
            session.add(
                Outbox(
                    shop="WEB",
                    event="fulfilment",
                    payload={"shop_order_id": str(1000 + n)},
                    idempotency_key=key,
                    next_attempt_at=due,
                )
            )
    return keys


def rows(store: Store) -> list[Outbox]:
    with store.read() as session:
        return list(session.exec(select(Outbox).order_by(Outbox.id)))
