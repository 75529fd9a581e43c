"""The outbox worker: deliver due events to the shop, each with its idempotency key, in order.

A row is claimed by compare-and-set on `next_attempt_at`: the claim moves it a lease into the
future, so no other worker (process, terminal, host) sees it as due while it is being sent. A
worker that dies between sending and marking leaves the row to come due again when the lease
runs out, and it is sent again with the same key; a shop with no idempotency key is asked
first whether it already has the event (`Connector.already_applied`). So nothing is lost, and
nothing is applied twice. That is also why rows are claimed a batch per transaction and the
batch's deliveries marked in one: dying before the mark costs a resend, never a duplicate, and
a transaction per batch instead of two per event keeps delivery near the speed of the shop.

Events of one order go in the order they were written: an event is due only when no older
event of its order is pending or dead, so a void never overtakes its fulfilment, and a dead
event holds back the rest of its order until a supervisor retries or discards it. Events of
absolute quantities (a SKU's `stock`) go in order too, but a dead one holds back nothing, and
one a later event supersedes is not sent (`superseded_by`).

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
from typing import Any, NamedTuple

from sqlalchemy import Exists, and_, bindparam, exists, func, or_, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import (
    Journal,
    Outbox,
    OutboxState,
    ShopSync,
    as_utc,
    table_of,
    utcnow,
)
from warehouse_tui.store.prepared import Command, fast_write
from warehouse_tui.sync.connector import AuthError, PermanentError, RetryableError, scrub

log = logging.getLogger(__name__)

BATCH_SIZE = 50
CLAIM_BATCH = 50  # claimed in one transaction, marked delivered in one
CLAIM_LEASE = timedelta(minutes=2)
FIRST_RETRY = timedelta(seconds=5)
LONGEST_RETRY = timedelta(hours=1)
MAX_ERROR_LENGTH = 500
DEFAULT_MAX_ATTEMPTS = 8
JITTER = 0.25  # each wait is drawn from ±25 % of the backoff


class Claimed(NamedTuple):
    """An outbox row claimed for one attempt: what sending it takes (`attempts` counts this
    one). Read by the claim's own UPDATE … RETURNING, not loaded as a model: per event, the
    ORM's loading cost more than the claim."""

    id: int
    shop: str
    event: str
    payload: dict[str, Any]
    idempotency_key: str
    attempts: int
    order_ref: str


Send = Callable[[Claimed], str | None]


@dataclass(frozen=True)
class DeliveryCounts:
    delivered: int = 0
    failed: int = 0
    skipped: int = 0  # claimed by another worker first
    dead: int = 0  # failed for good on this run


def retry_delay(attempts: int) -> timedelta:
    """5 s after the first failed attempt, doubling each time, never more than an hour."""
    factor: int = 2 ** max(0, attempts - 1)  # typeshed: int ** int is Any (a float if negative)
    return min(FIRST_RETRY * factor, LONGEST_RETRY)


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
    flush: Callable[[], None] = lambda: None,
) -> DeliveryCounts:
    """Send every due row (oldest first, at most `limit`, of `shop` or all). `send` delivers one
    event with its `idempotency_key`, returns the shop's reference and raises on failure; it is
    called outside any transaction. `should_stop` is asked between events: the event in flight
    is always finished and marked, the others claimed with it are put back. An `AuthError`
    stops the run and is raised after the events not sent are put back, attempts not counted.
    `flush` makes what `send` did durable before a batch is marked (Connector.flush); when it
    raises, each event of the batch has failed an attempt (a resend asks the shop first)."""
    now = now or utcnow()
    rng = rng or random.Random()
    failure = _Failure(store, now, max_attempts, jitter, rng, secrets)
    delivered = failed = skipped = dead = 0
    due = _due_ids(store, now, limit, shop)
    for start in range(0, len(due), CLAIM_BATCH):
        chunk = due[start : start + CLAIM_BATCH]
        if should_stop():
            break
        events = _claim(store, chunk, now, lease)
        skipped += len(chunk) - len(events)
        sent: list[tuple[Claimed, str]] = []
        try:
            for position, event in enumerate(events):
                if should_stop():
                    _put_back(store, events[position:], now, "")
                    break
                try:
                    reference = send(event)
                except AuthError as error:
                    _put_back(store, events[position:], now, _message(error, secrets))
                    raise
                except Exception as error:  # any failure of the shop or the network
                    failed += 1
                    dead += failure.record(event, error)
                else:
                    sent.append((event, reference or ""))
        finally:
            if sent:
                try:
                    flush()
                except Exception as error:  # what was sent could not be made durable
                    failed += len(sent)
                    dead += sum(failure.record(event, error) for event, _reference in sent)
                    sent = []
            _mark_delivered(store, [(event.id, reference) for event, reference in sent], now)
        delivered += len(sent)
    return DeliveryCounts(delivered, failed, skipped, dead)


ABSOLUTE_EVENTS = ("stock",)  # each carries the whole truth of its order_ref (a SKU's stock)


def superseded_by(store: Store, event: Claimed) -> int | None:
    """A later event that says all this one says, and is to be sent instead: for events of
    absolute quantities (a `stock`), the newest later one of the same shop and SKU not
    discarded. Sending the older one would only set a value the later one replaces (after an
    outage a SKU's queued values cost one call to the shop, not one each), and a dead one
    retried after the later one was sent would set a stale value."""
    if event.event not in ABSOLUTE_EVENTS or not event.order_ref:
        return None
    with store.read() as session:
        return session.execute(
            select(func.max(col(Outbox.id))).where(
                col(Outbox.order_ref) == event.order_ref,
                col(Outbox.event) == event.event,
                col(Outbox.id) > event.id,
                col(Outbox.state) != OutboxState.DISCARDED,
            )
        ).scalar()


@dataclass(frozen=True)
class _Failure:
    """How a run records a failed send: its error, scrubbed, and the next attempt after the
    backoff (or dead, after the last attempt or a permanent refusal)."""

    store: Store
    now: datetime
    max_attempts: int
    jitter: float
    rng: random.Random
    secrets: list[str] | None

    def record(self, event: Claimed, error: Exception) -> bool:
        """Whether the event is now dead."""
        message = _message(error, self.secrets)
        log.warning("outbox %s (%s) failed: %s", event.id, event.idempotency_key, message)
        gone = isinstance(error, PermanentError) or event.attempts >= self.max_attempts
        wait = jittered(retry_delay(event.attempts), self.jitter, self.rng)
        if isinstance(error, RetryableError) and error.wait:
            wait = max(wait, timedelta(seconds=error.wait))
        _mark_failed(self.store, event, self.now + wait, message, gone)
        return gone


def _message(error: Exception, secrets: list[str] | None) -> str:
    return scrub(f"{error.__class__.__name__}: {error}", secrets or [])[:MAX_ERROR_LENGTH]


def _blocked() -> Exists:
    """An older event of the same order is still pending or dead. A dead event of absolute
    quantities holds back nothing: the later ones say all it said."""
    older = aliased(Outbox)
    return exists().where(
        col(older.order_ref) == col(Outbox.order_ref),
        col(older.order_ref) != "",
        col(older.id) < col(Outbox.id),
        or_(
            col(older.state) == OutboxState.PENDING,
            and_(
                col(older.state) == OutboxState.DEAD,
                col(older.event).not_in(ABSOLUTE_EVENTS),
            ),
        ),
    )


def _due_query(*, of_shop: bool) -> SelectOfScalar[int | None]:
    """The due rows' ids, oldest first: built once (an alias costs more to build than the
    query takes to run), its values bound on each run."""
    query = (
        select(col(Outbox.id))
        .where(col(Outbox.state) == OutboxState.PENDING)
        .where(col(Outbox.next_attempt_at) <= bindparam("now"))
        .where(~_blocked())
    )
    if of_shop:
        query = query.where(col(Outbox.shop) == bindparam("shop"))
    return query.order_by(col(Outbox.next_attempt_at), col(Outbox.id)).limit(bindparam("limit"))


_DUE = _due_query(of_shop=False)
_DUE_OF_SHOP = _due_query(of_shop=True)


def _due_ids(store: Store, now: datetime, limit: int, shop: str | None) -> list[int]:
    values: dict[str, Any] = {"now": now, "limit": limit}
    if shop is not None:
        values["shop"] = shop
    with store.read() as session:
        rows = session.execute(_DUE if shop is None else _DUE_OF_SHOP, values)
        return list(rows.scalars().all())


_OUTBOX = table_of(Outbox)
_CLAIM = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id.in_(bindparam("row_ids", expanding=True)))
    .where(_OUTBOX.c.state == OutboxState.PENDING)
    .where(_OUTBOX.c.next_attempt_at <= bindparam("now"))
    .values(next_attempt_at=bindparam("until"), attempts=_OUTBOX.c.attempts + 1)
    .returning(*(_OUTBOX.c[name] for name in Claimed._fields))
)


def _claim(store: Store, row_ids: list[int], now: datetime, lease: timedelta) -> list[Claimed]:
    """Take the rows still due for this worker, by one compare-and-set for the batch that
    returns what sending them takes; the rows another worker took first are not returned.
    In the order of `row_ids` (RETURNING gives no order)."""
    with store.write() as session:
        taken = session.execute(_CLAIM, {"row_ids": row_ids, "now": now, "until": now + lease})
        claimed = [Claimed(*row) for row in taken]
    position = {row_id: n for n, row_id in enumerate(row_ids)}
    return sorted(claimed, key=lambda row: position[row.id])


_MARK_DELIVERED = Command(
    update(_OUTBOX)
    .where(_OUTBOX.c.id == bindparam("row_id"))
    .where(_OUTBOX.c.state != OutboxState.DELIVERED)
    .values(
        state=OutboxState.DELIVERED,
        delivered_at=bindparam("at"),
        reference=bindparam("ref"),
        last_error="",
    )
)


def _mark_delivered(store: Store, sent: list[tuple[int, str]], now: datetime) -> None:
    """Delivered, with the shop's references, in one transaction for the batch; whatever
    happened to a row meanwhile (a discard while it was in flight does not undo what the shop
    now has). Dying before this only means the batch is sent again, with the same keys. A
    prepared executemany in a transaction of its own (store/prepared.py): the ORM's session
    and SQLAlchemy's per-row work cost more than the update."""
    if not sent:
        return
    rows = [{"row_id": row_id, "at": now, "ref": ref[:MAX_ERROR_LENGTH]} for row_id, ref in sent]
    with fast_write(store) as tx:
        _MARK_DELIVERED.run_many(tx, rows)


def _mark_failed(
    store: Store, event: Claimed, next_attempt: datetime, message: str, dead: bool
) -> None:
    with store.write() as session:
        session.execute(
            update(Outbox)
            .where(col(Outbox.id) == event.id)
            .where(col(Outbox.state) == OutboxState.PENDING)
            .values(
                next_attempt_at=next_attempt,
                last_error=message,
                state=OutboxState.DEAD if dead else OutboxState.PENDING,
            )
            .execution_options(synchronize_session=False)
        )


def _put_back(store: Store, events: list[Claimed], now: datetime, message: str) -> None:
    """Claimed but not sent (the run stopped, or the shop refused our credentials): due again
    at once, the attempt not counted."""
    values: dict[str, Any] = {"next_attempt_at": now, "attempts": col(Outbox.attempts) - 1}
    if message:
        values["last_error"] = message
    with store.write() as session:
        session.execute(
            update(Outbox)
            .where(col(Outbox.id).in_([event.id for event in events]))
            .where(col(Outbox.state) == OutboxState.PENDING)
            .values(**values)
            .execution_options(synchronize_session=False)
        )


# --- what a supervisor sees and does ------------------------------------------------------------


@dataclass(frozen=True)
class Backlog:
    pending: int = 0
    dead: int = 0


def backlog(store: Store, shop: str | None = None) -> Backlog:
    query = select(Outbox.state, func.count()).where(
        col(Outbox.state).in_([OutboxState.PENDING, OutboxState.DEAD])
    )
    if shop is not None:
        query = query.where(Outbox.shop == shop)
    with store.read() as session:
        counts = {state: n for state, n in session.execute(query.group_by(col(Outbox.state))).all()}
    return Backlog(counts.get(OutboxState.PENDING, 0), counts.get(OutboxState.DEAD, 0))


def dead_events(store: Store, shop: str | None = None) -> list[Outbox]:
    query = select(Outbox).where(Outbox.state == OutboxState.DEAD)
    if shop is not None:
        query = query.where(Outbox.shop == shop)
    with store.read() as session:
        return list(session.exec(query.order_by(col(Outbox.id))).all())


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
            query = query.where(col(Outbox.id).in_(event_ids))
        ids = list(session.execute(query.order_by(col(Outbox.id))).scalars().all())
        if ids:
            session.execute(
                update(Outbox)
                .where(col(Outbox.id).in_(ids))
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
        taken = session.exec(
            update(Outbox)
            .where(col(Outbox.id) == event_id)
            .where(col(Outbox.state).in_([OutboxState.PENDING, OutboxState.DEAD]))
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


@dataclass(frozen=True)
class SyncSummary:
    """What a station's header says about the shops: events waiting, dead events, the last
    good pull of any shop, and whether a shop's last pull failed."""

    waiting: int
    dead: int
    last_pull_at: datetime | None
    failing: bool


def sync_summary(store: Store) -> SyncSummary:
    """Two small reads: the outbox per state, the shops' pull states."""
    waiting = backlog(store)
    with store.read() as session:
        last_pull = session.execute(select(func.max(ShopSync.last_pull_at))).scalar_one()
        failing = session.execute(
            select(func.count(col(ShopSync.shop))).where(col(ShopSync.last_error) != "")
        ).scalar_one()
    return SyncSummary(waiting.pending, waiting.dead, as_utc(last_pull), failing > 0)
