"""Outbox delivery rules: events of one order in order (a void never overtakes its fulfilment),
dead after the attempts or a permanent refusal, a dead event holding back its order until
retried or discarded (journaled), the shop's wait honoured, jitter spreading the retries, and
refused credentials costing no attempt."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import Journal, Outbox, OutboxState
from warehouse_tui.sync.connector import AuthError, PermanentError, RetryableError
from warehouse_tui.sync.outbox import (
    DeliveryCounts,
    backlog,
    deliver_due,
    discard,
    jittered,
    retry_dead,
)

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def add(store: Store, order: str, kind: str = "fulfilment", key: str = "") -> int:
    with store.write() as session:
        row = Outbox(
            shop="WEB",
            event=kind,
            payload={"shop_order_id": order, "tracking_numbers": ["1Z1"]},
            idempotency_key=key or f"{kind}:WEB:{order}:{random.random()}",
            order_ref=f"WEB:{order}",
            next_attempt_at=T0,
        )
        session.add(row)
        session.flush()
        return row.id or 0


def row(store: Store, event_id: int) -> Outbox:
    with store.read() as session:
        found = session.get(Outbox, event_id)
        assert found is not None
        return found


class Shop:
    """Records what it was sent; fails an event as told."""

    def __init__(self) -> None:
        self.sent: list[int] = []
        self.fail: dict[int, Exception] = {}

    def __call__(self, event: Outbox) -> str:
        error = self.fail.get(event.id or 0)
        if error is not None:
            raise error
        self.sent.append(event.id or 0)
        return f"ref-{event.id}"


def test_a_void_waits_for_its_fulfilment_and_other_orders_go_on(store: Store) -> None:
    fulfil = add(store, "1")
    void = add(store, "1", "fulfilment-void")
    other = add(store, "2")
    shop = Shop()
    shop.fail[fulfil] = RetryableError("the shop failed (HTTP 500)")

    assert deliver_due(store, shop, T0) == DeliveryCounts(delivered=1, failed=1)
    assert shop.sent == [other]  # the void stays behind its failed fulfilment
    del shop.fail[fulfil]
    later = T0 + timedelta(minutes=1)
    assert deliver_due(store, shop, later).delivered == 1  # the fulfilment; the void next run
    assert deliver_due(store, shop, later).delivered == 1
    assert shop.sent == [other, fulfil, void]
    assert row(store, void).reference == f"ref-{void}"
    assert row(store, void).state == OutboxState.DELIVERED


def test_out_of_attempts_is_dead_and_blocks_its_order_until_retried(store: Store) -> None:
    first = add(store, "1")
    second = add(store, "1", "fulfilment-void")
    shop = Shop()
    shop.fail[first] = RetryableError("timeout")
    now = T0
    for attempt in (1, 2, 3):
        counts = deliver_due(store, shop, now, max_attempts=3)
        assert counts.failed == 1 and counts.dead == (attempt == 3)
        now = row(store, first).next_attempt_at
    assert row(store, first).state == OutboxState.DEAD
    assert deliver_due(store, shop, now + timedelta(days=1)) == DeliveryCounts()
    assert backlog(store).dead == 1 and backlog(store).pending == 1

    del shop.fail[first]
    later = now + timedelta(days=1)
    assert retry_dead(store, [first], station="SUP-1", now=later) == [first]
    assert row(store, first).attempts == 0
    deliver_due(store, shop, later)
    deliver_due(store, shop, later)
    assert shop.sent == [first, second]
    with store.read() as session:
        actions = [j.action for j in session.exec(select(Journal).order_by(Journal.id))]
    assert actions == ["sync.retry"]


def test_a_permanent_refusal_is_dead_at_once_and_a_discard_frees_the_order(store: Store) -> None:
    first = add(store, "1")
    second = add(store, "1", "fulfilment-void")
    shop = Shop()
    shop.fail[first] = PermanentError("the shop has no order 1")
    assert deliver_due(store, shop, T0).dead == 1
    assert "no order 1" in row(store, first).last_error
    assert discard(store, first, "order deleted at the shop", station="SUP-1")
    assert not discard(store, first, "twice")
    assert deliver_due(store, shop, T0).delivered == 1
    assert shop.sent == [second]
    with store.read() as session:
        [entry] = session.exec(select(Journal).where(Journal.action == "sync.discard")).all()
    assert entry.reason == "order deleted at the shop" and entry.task_ref == f"outbox:{first}"


def test_the_shops_wait_is_honoured_when_longer_than_the_backoff(store: Store) -> None:
    event = add(store, "1")
    shop = Shop()
    shop.fail[event] = RetryableError("throttled", wait=90)
    deliver_due(store, shop, T0)
    assert row(store, event).next_attempt_at == T0 + timedelta(seconds=90)


def test_jitter_spreads_the_retries_within_its_band() -> None:
    rng = random.Random(7)
    waits = {jittered(timedelta(seconds=40), 0.25, rng).total_seconds() for _ in range(50)}
    assert len(waits) > 40
    assert min(waits) >= 30 and max(waits) <= 50


def test_refused_credentials_cost_no_attempt_and_stop_the_run(store: Store) -> None:
    first = add(store, "1")
    add(store, "2")
    shop = Shop()
    shop.fail[first] = AuthError("refused: WAREHOUSE_SHOP_WEB_TOKEN")
    with pytest.raises(AuthError):
        deliver_due(store, shop, T0)
    again = row(store, first)
    assert again.attempts == 0 and again.state == OutboxState.PENDING
    assert again.next_attempt_at == T0
    assert shop.sent == []
