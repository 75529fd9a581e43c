"""The outbox worker against a real HTTP receiver on 127.0.0.1 that dedups by Idempotency-Key:
a 500 is retried with backoff, a crash between send and mark leads to a resend with the same
key, and workers in several processes never send a row twice."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from sqlmodel import select

from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import Outbox
from warehouse_tui.sync.outbox import (
    LONGEST_RETRY,
    DeliveryCounts,
    deliver_due,
    retry_delay,
)

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


@pytest.fixture
def receiver() -> Iterator[ShopReceiver]:
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


def test_backoff_doubles_and_is_capped() -> None:
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 4)] == [5, 10, 20, 40]
    assert retry_delay(30) == LONGEST_RETRY == timedelta(hours=1)


def test_a_500_is_retried_after_backoff_and_delivered_once(
    store: Store, receiver: ShopReceiver
) -> None:
    receiver.failures = 1
    keys = add_events(store, 3)
    send = post_to(receiver.url)

    assert deliver_due(store, send, T0) == DeliveryCounts(delivered=0, failed=3)
    failed = rows(store)
    assert all(row.delivered_at is None and row.attempts == 1 for row in failed)
    assert all("500" in row.last_error for row in failed)
    assert {row.next_attempt_at for row in failed} == {T0 + timedelta(seconds=5)}

    assert deliver_due(store, send, T0 + timedelta(seconds=4)) == DeliveryCounts()
    assert deliver_due(store, send, T0 + timedelta(seconds=5)) == DeliveryCounts(delivered=3)
    assert deliver_due(store, send, T0 + timedelta(hours=2)) == DeliveryCounts()

    assert receiver.received == dict.fromkeys(keys, 2)
    assert sorted(receiver.applied) == keys
    assert receiver.applied[keys[0]] == {"shop_order_id": "1000"}
    delivered = rows(store)
    assert all(row.delivered_at is not None and row.last_error == "" for row in delivered)
    assert [row.attempts for row in delivered] == [2, 2, 2]


def test_an_unreachable_shop_backs_off_further_each_time(store: Store) -> None:
    add_events(store, 1)
    closed = ShopReceiver()
    closed.close()  # nothing listens on its port any more
    now = T0
    waits = []
    for _ in range(4):
        assert deliver_due(store, post_to(closed.url), now).failed == 1
        [row] = rows(store)
        waits.append(row.next_attempt_at - now)
        now = row.next_attempt_at
    assert waits == [timedelta(seconds=s) for s in (5, 10, 20, 40)]
    assert "Connect" in row.last_error
