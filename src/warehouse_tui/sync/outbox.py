"""The outbox worker: deliver due events to the shop, each with its idempotency key, in order.

A row is claimed by compare-and-set on `next_attempt_at`: the claim moves it a lease into the
future, so no other worker (process, terminal, host) sees it as due while it is being sent. A
worker that dies between sending and marking leaves the row to come due again when the lease
runs out, and it is sent again with the same key; a shop with no idempotency key is asked
first whether it already has the event (`Connector.already_applied`). So nothing is lost, and
nothing is applied twice.

Events of one order go in the order they were written: an event is due only when no older
event of its order is pending or dead, so a void never overtakes its fulfilment, and a dead
event holds back the rest of its order until a supervisor retries or discards it.

A failed send is recorded with its error (scrubbed of every credential) and retried after an
exponential backoff, capped, spread by jitter so a shop coming back is not hit by every event
at once; the shop's own wait (a throttle's Retry-After) is honoured when longer. After the
setting's number of attempts, or at once on a permanent refusal, the event is dead.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, func, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import Journal, Outbox, OutboxState, as_utc, utcnow
from warehouse_tui.sync.connector import AuthError, PermanentError, RetryableError, scrub

log = logging.getLogger(__name__)

BATCH_SIZE = 50
CLAIM_LEASE = timedelta(minutes=2)
FIRST_RETRY = timedelta(seconds=5)
LONGEST_RETRY = timedelta(hours=1)
MAX_ERROR_LENGTH = 500
DEFAULT_MAX_ATTEMPTS = 8
JITTER = 0.25  # each wait is drawn from ±25 % of the backoff

Send = Callable[[Outbox], str | None]


@dataclass(frozen=True)
class DeliveryCounts:
    delivered: int = 0
    failed: int = 0
    skipped: int = 0  # claimed by another worker first
    dead: int = 0  # failed for good on this run


def retry_delay(attempts: int) -> timedelta:
    """5 s after the first failed attempt, doubling each time, never more than an hour."""
    return min(FIRST_RETRY * 2 ** max(0, attempts - 1), LONGEST_RETRY)


def jittered(delay: timedelta, jitter: float, rng: random.Random) -> timedelta:
    return delay * (1 + jitter * (2 * rng.random() - 1))


def deliver_due(
    store: Store,
    send: Send,
    now: datetime | None = None,
    *,
    shop: str | None = None,
    limit: int = BATCH_SIZE,
    lease: timedelta = CLAIM_LEASE,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    jitter: float = 0.0,
    rng: random.Random | None = None,
    secrets: list[str] | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> DeliveryCounts:
    """Send every due row (oldest first, at most `limit`, of `shop` or all). `send` delivers one
    event with its `idempotency_key`, returns the shop's reference and raises on failure; it is
    called outside any transaction. `should_stop` is asked between events: the event in flight
    is always finished and marked. An `AuthError` stops the run and is raised after the event
    is put back, its attempt not counted."""
    now = now or utcnow()
    rng = rng or random.Random()
    delivered = failed = skipped = dead = 0
    for row_id in _due_ids(store, now, limit, shop):
        if should_stop():
            break
        event = _claim(store, row_id, now, lease)
        if event is None:
            skipped += 1
            continue
        try:
            reference = send(event)
        except AuthError as error:
            _put_back(store, event, now, _message(error, secrets))
            raise
        except Exception as error:  # any failure of the shop or the network is recorded
            message = _message(error, secrets)
            log.warning("outbox %s (%s) failed: %s", event.id, event.idempotency_key, message)
            gone = isinstance(error, PermanentError) or event.attempts >= max_attempts
            wait = jittered(retry_delay(event.attempts), jitter, rng)
            if isinstance(error, RetryableError) and error.wait:
                wait = max(wait, timedelta(seconds=error.wait))
            _mark_failed(store, event, now + wait, message, gone)
            failed += 1
            dead += gone
        else:
            _mark_delivered(store, event, now, reference or "")
            delivered += 1
    return DeliveryCounts(delivered, failed, skipped, dead)


def _message(error: Exception, secrets: list[str] | None) -> str:
    return scrub(f"{error.__class__.__name__}: {error}", secrets or [])[:MAX_ERROR_LENGTH]


def _blocked() -> Any:
    """An older event of the same order is still pending or dead."""
    older = aliased(Outbox)
    return exists().where(
        older.order_ref == Outbox.order_ref,
        older.order_ref != "",
        older.id < Outbox.id,
        older.state.in_([OutboxState.PENDING, OutboxState.DEAD]),
    )


def _due_ids(store: Store, now: datetime, limit: int, shop: str | None) -> list[int]:
    query = (
        select(Outbox.id)
        .where(Outbox.state == OutboxState.PENDING)
        .where(Outbox.next_attempt_at <= now)
        .where(~_blocked())
    )
    if shop is not None:
        query = query.where(Outbox.shop == shop)
    with store.read() as session:
        return list(
            session.execute(query.order_by(Outbox.next_attempt_at, Outbox.id).limit(limit))
            .scalars()
            .all()
        )


def _claim(store: Store, row_id: int, now: datetime, lease: timedelta) -> Outbox | None:
    """Take the row for this worker if it is still due; None if another worker was first."""
    with store.write() as session:
        taken = session.execute(
            update(Outbox)
            .where(Outbox.id == row_id)
            .where(Outbox.state == OutboxState.PENDING)
            .where(Outbox.next_attempt_at <= now)
            .values(next_attempt_at=now + lease, attempts=Outbox.attempts + 1)
            .execution_options(synchronize_session=False)
        ).rowcount
        if taken != 1:
            return None
        return session.get(Outbox, row_id)


def _mark_delivered(store: Store, event: Outbox, now: datetime, reference: str) -> None:
    """Delivered, whatever happened to the row meanwhile (a discard while it was in flight
    does not undo what the shop now has)."""
    with store.write() as session:
        session.execute(
            update(Outbox)
            .where(Outbox.id == event.id)
            .where(Outbox.state != OutboxState.DELIVERED)
            .values(
                state=OutboxState.DELIVERED,
                delivered_at=now,
                reference=reference[:MAX_ERROR_LENGTH],
                last_error="",
            )
            .execution_options(synchronize_session=False)
        )


def _mark_failed(
    store: Store, event: Outbox, next_attempt: datetime, message: str, dead: bool
) -> None:
    with store.write() as session:
        session.execute(
            update(Outbox)
            .where(Outbox.id == event.id)
            .where(Outbox.state == OutboxState.PENDING)
            .values(
                next_attempt_at=next_attempt,
                last_error=message,
                state=OutboxState.DEAD if dead else OutboxState.PENDING,
            )
            .execution_options(synchronize_session=False)
        )


def _put_back(store: Store, event: Outbox, now: datetime, message: str) -> None:
    with store.write() as session:
        session.execute(
            update(Outbox)
            .where(Outbox.id == event.id)
            .where(Outbox.state == OutboxState.PENDING)
            .values(next_attempt_at=now, attempts=Outbox.attempts - 1, last_error=message)
            .execution_options(synchronize_session=False)
        )


# --- what a supervisor sees and does ------------------------------------------------------------


@dataclass(frozen=True)
class Backlog:
    pending: int = 0
    dead: int = 0


def backlog(store: Store, shop: str | None = None) -> Backlog:
    query = select(Outbox.state, func.count()).where(
        Outbox.state.in_([OutboxState.PENDING, OutboxState.DEAD])
    )
    if shop is not None:
        query = query.where(Outbox.shop == shop)
    with store.read() as session:
        counts = {state: n for state, n in session.execute(query.group_by(Outbox.state)).all()}
    return Backlog(counts.get(OutboxState.PENDING, 0), counts.get(OutboxState.DEAD, 0))


def dead_events(store: Store, shop: str | None = None) -> list[Outbox]:
    query = select(Outbox).where(Outbox.state == OutboxState.DEAD)
    if shop is not None:
        query = query.where(Outbox.shop == shop)
    with store.read() as session:
        return list(session.exec(query.order_by(Outbox.id)).all())


def retry_dead(
    store: Store,
    event_ids: list[int] | None,
    *,
    station: str = "",
    operator_id: int | None = None,
    now: datetime | None = None,
) -> list[int]:
    """Dead events (these, or all) back to pending with fresh attempts, due now; journaled."""
    with store.write() as session:
        query = select(Outbox.id).where(Outbox.state == OutboxState.DEAD)
        if event_ids is not None:
            query = query.where(Outbox.id.in_(event_ids))
        ids = list(session.execute(query.order_by(Outbox.id)).scalars().all())
        if ids:
            session.execute(
                update(Outbox)
                .where(Outbox.id.in_(ids))
                .values(state=OutboxState.PENDING, attempts=0, next_attempt_at=now or utcnow())
                .execution_options(synchronize_session=False)
            )
        for event_id in ids:
            _journal(session, "sync.retry", event_id, "", station, operator_id)
        return ids


def discard(
    store: Store, event_id: int, reason: str, *, station: str = "", operator_id: int | None = None
) -> bool:
    """Give up on a pending or dead event: it is never sent and no longer holds back its
    order. Journaled with the reason. False when no such undelivered event exists."""
    with store.write() as session:
        taken = session.execute(
            update(Outbox)
            .where(Outbox.id == event_id)
            .where(Outbox.state.in_([OutboxState.PENDING, OutboxState.DEAD]))
            .values(state=OutboxState.DISCARDED)
            .execution_options(synchronize_session=False)
        ).rowcount
        if taken == 1:
            _journal(session, "sync.discard", event_id, reason, station, operator_id)
        return taken == 1


def _journal(
    session: Session,
    action: str,
    event_id: int,
    reason: str,
    station: str,
    operator_id: int | None,
) -> None:
    """A journal row in the caller's transaction. Written straight as the store's model: sync
    sits beside services in the layers and cannot use services.journal."""
    session.add(
        Journal(
            station=station,
            operator_id=operator_id,
            screen="sync",
            task_ref=f"outbox:{event_id}",
            action=action,
            reason=reason,
        )
    )


def next_due(store: Store, shop: str | None = None) -> datetime | None:
    """When the earliest pending event comes due (for a watcher's sleep)."""
    query = select(func.min(Outbox.next_attempt_at)).where(Outbox.state == OutboxState.PENDING)
    if shop is not None:
        query = query.where(Outbox.shop == shop)
    with store.read() as session:
        return as_utc(session.execute(query).scalar())
