"""The outbox worker against a real HTTP receiver on 127.0.0.1 that dedups by Idempotency-Key:
a 500 is retried with backoff, a crash between send and mark leads to a resend with the same
key, and workers in several processes never send a row twice."""

from __future__ import annotations

from datetime import timedelta

from tests.support.outbox import (
    T0,
    ShopReceiver,
    add_events,
    post_to,
    receiver_fixture,  # noqa: F401 (a fixture)
    rows,
)
from warehouse_tui.store.engine import Store
from warehouse_tui.sync.outbox import (
    LONGEST_RETRY,
    DeliveryCounts,
    deliver_due,
    retry_delay,
)


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
