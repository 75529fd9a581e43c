"""The SQL of a staged order import (services/importing/staged.py): its batch row, the flip of
its orders from `importing` to their real status, and the removal of a crashed import's rows.

One import writes at a time: an open batch holds `open_slot = 1`, a unique column, so a second
insert fails on either database. An open batch whose process is gone (same host, no such pid)
or has not written for `STALE_AFTER` (another host) was killed mid-way: it is marked
`abandoned`, and its `importing` rows are deleted a chunk at a time, each in a short write.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import Table, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from warehouse_tui.store.bulk import IN_CHUNK, batches
from warehouse_tui.store.models import ImportBatch, Order, OrderLine, OrderStatus, as_utc, utcnow

STALE_AFTER = timedelta(minutes=10)
"""An open batch of another host that has not written for this long is taken as crashed."""

OPEN, DONE, ABANDONED, CLEANED = "open", "done", "abandoned", "cleaned"

_ORDERS: Table = Order.__table__  # type: ignore[attr-defined]
_LINES: Table = OrderLine.__table__  # type: ignore[attr-defined]
_BATCHES: Table = ImportBatch.__table__  # type: ignore[attr-defined]


def _alive(batch: ImportBatch) -> bool:
    """Whether the process writing `batch` may still be running."""
    if batch.host != socket.gethostname():
        beat = as_utc(batch.beat_at)
        return beat is not None and utcnow() - beat < STALE_AFTER
    try:
        os.kill(batch.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process by that number
        return True
    return True


def abandon_dead(session: Session) -> None:
    """Mark the open batch abandoned if its import was killed; a live one stays open."""
    batch = session.execute(select(ImportBatch).where(_BATCHES.c.state == OPEN)).scalars().first()
    if batch is not None and not _alive(batch):
        abandon(session, batch.id)


def abandon(session: Session, batch_id: int | None) -> None:
    session.execute(
        update(_BATCHES)
        .where(_BATCHES.c.id == batch_id, _BATCHES.c.state == OPEN)
        .values(state=ABANDONED, open_slot=None)
    )


def try_open(session: Session, source: str) -> int | None:
    """A new open batch's id, after abandoning a dead one; None while a live import writes.
    On PostgreSQL a race with another import shows as an IntegrityError, which aborts the
    transaction: the caller treats it as None and tries again in a new one."""
    abandon_dead(session)
    if session.execute(select(_BATCHES.c.id).where(_BATCHES.c.state == OPEN)).first():
        return None
    batch = ImportBatch(source=source, host=socket.gethostname(), pid=os.getpid())
    session.add(batch)
    try:
        session.flush()
    except IntegrityError:
        return None
    return batch.id


def beat(session: Session, batch_id: int, orders: int) -> None:
    """The batch is alive and has written `orders` so far."""
    session.execute(
        update(_BATCHES).where(_BATCHES.c.id == batch_id).values(beat_at=utcnow(), orders=orders)
    )


def abandoned_batches(session: Session) -> list[int]:
    return list(
        session.execute(select(_BATCHES.c.id).where(_BATCHES.c.state == ABANDONED)).scalars()
    )


def delete_some(session: Session, batch_id: int, limit: int) -> int:
    """Delete up to `limit` of an abandoned batch's `importing` orders and their lines; how many
    went. None left: the batch is marked cleaned."""
    ids = list(
        session.execute(
            select(_ORDERS.c.id)
            .where(_ORDERS.c.import_batch_id == batch_id, _ORDERS.c.status == OrderStatus.IMPORTING)
            .order_by(_ORDERS.c.id)
            .limit(limit)
        ).scalars()
    )
    for chunk in batches(ids, IN_CHUNK):
        session.execute(delete(_LINES).where(_LINES.c.order_id.in_(chunk)))
        session.execute(delete(_ORDERS).where(_ORDERS.c.id.in_(chunk)))
    if not ids:
        session.execute(update(_BATCHES).where(_BATCHES.c.id == batch_id).values(state=CLEANED))
    return len(ids)


def finish(session: Session, batch_id: int, cancelled: Sequence[int]) -> None:
    """The flip: the batch's orders get their real status (`cancelled` ones cancelled, the rest
    new) and the batch is done, in the caller's one transaction."""
    now = utcnow()
    for chunk in batches(sorted(cancelled), IN_CHUNK):
        session.execute(
            update(_ORDERS)
            .where(_ORDERS.c.id.in_(chunk), _ORDERS.c.status == OrderStatus.IMPORTING)
            .values(status=OrderStatus.CANCELLED, updated_at=now)
        )
    session.execute(
        update(_ORDERS)
        .where(_ORDERS.c.import_batch_id == batch_id, _ORDERS.c.status == OrderStatus.IMPORTING)
        .values(status=OrderStatus.NEW)
    )
    session.execute(
        update(_BATCHES).where(_BATCHES.c.id == batch_id).values(state=DONE, open_slot=None)
    )
