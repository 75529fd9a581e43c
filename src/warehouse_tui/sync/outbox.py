"""The outbox worker: deliver due events to the shop, each with its idempotency key.

A row is claimed by compare-and-set on `next_attempt_at`: the claim moves it a lease into the
future, so no other worker (process, terminal, host) sees it as due while it is being sent. A
worker that dies between sending and marking leaves the row to come due again when the lease
runs out, and it is sent again with the same key: the shop drops the duplicate. So nothing is
lost, and nothing is applied twice by a shop that honours the key.

A failed send is recorded with its error and retried after an exponential backoff, capped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import select

from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import Outbox, utcnow

log = logging.getLogger(__name__)

BATCH_SIZE = 50
CLAIM_LEASE = timedelta(minutes=2)
FIRST_RETRY = timedelta(seconds=5)
LONGEST_RETRY = timedelta(hours=1)
MAX_ERROR_LENGTH = 500


@dataclass(frozen=True)
class DeliveryCounts:
    delivered: int = 0
    failed: int = 0
    skipped: int = 0  # claimed by another worker first


def retry_delay(attempts: int) -> timedelta:
    """5 s after the first failed attempt, doubling each time, never more than an hour."""
    return min(FIRST_RETRY * 2 ** max(0, attempts - 1), LONGEST_RETRY)


def deliver_due(
    store: Store,
    send: Callable[[Outbox], None],
    now: datetime | None = None,
    *,
    limit: int = BATCH_SIZE,
    lease: timedelta = CLAIM_LEASE,
) -> DeliveryCounts:
    """Send every due row (oldest first, at most `limit`). `send` delivers one event with its
    `idempotency_key` and raises on failure; it is called outside any transaction."""
    now = now or utcnow()
    delivered = failed = skipped = 0
    for row_id in _due_ids(store, now, limit):
        event = _claim(store, row_id, now, lease)
        if event is None:
            skipped += 1
            continue
        try:
            send(event)
        except Exception as error:  # any failure of the shop or the network is retried
            log.warning("outbox %s (%s) failed: %s", event.id, event.idempotency_key, error)
            _mark_failed(store, event, now, error)
            failed += 1
        else:
            _mark_delivered(store, event, now)
            delivered += 1
    return DeliveryCounts(delivered, failed, skipped)


def _due_ids(store: Store, now: datetime, limit: int) -> list[int]:
    with store.read() as session:
        return list(
            session.execute(
                select(Outbox.id)
                .where(Outbox.delivered_at.is_(None))
                .where(Outbox.next_attempt_at <= now)
                .order_by(Outbox.next_attempt_at, Outbox.id)
                .limit(limit)
            ).scalars()
        )


def _claim(store: Store, row_id: int, now: datetime, lease: timedelta) -> Outbox | None:
    """Take the row for this worker if it is still due; None if another worker was first."""
    with store.write() as session:
        taken = session.execute(
            update(Outbox)
            .where(Outbox.id == row_id)
            .where(Outbox.delivered_at.is_(None))
            .where(Outbox.next_attempt_at <= now)
            .values(next_attempt_at=now + lease, attempts=Outbox.attempts + 1)
            .execution_options(synchronize_session=False)
        ).rowcount
        if taken != 1:
            return None
        return session.get(Outbox, row_id)


def _mark_delivered(store: Store, event: Outbox, now: datetime) -> None:
    with store.write() as session:
        session.execute(
            update(Outbox)
            .where(Outbox.id == event.id)
            .where(Outbox.delivered_at.is_(None))
            .values(delivered_at=now, last_error="")
            .execution_options(synchronize_session=False)
        )


def _mark_failed(store: Store, event: Outbox, now: datetime, error: Exception) -> None:
    message = f"{error.__class__.__name__}: {error}"[:MAX_ERROR_LENGTH]
    with store.write() as session:
        session.execute(
            update(Outbox)
            .where(Outbox.id == event.id)
            .where(Outbox.delivered_at.is_(None))
            .values(next_attempt_at=now + retry_delay(event.attempts), last_error=message)
            .execution_options(synchronize_session=False)
        )
