"""One sync worker per database: a lease row that its holder renews while it runs.

Taken by compare-and-set (`UPDATE … WHERE holder = me OR expires_at < now`, or the first
INSERT), so it is safe on SQLite and PostgreSQL alike. A worker killed with -9 holds it until
it expires, then any other takes over; nothing else depends on who holds it (outbox claims are
per event), so two workers for a moment cost nothing but duplicate pulls, which change nothing.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import SyncLease, as_utc, utcnow

NAME = "sync"
TTL = timedelta(seconds=120)


def new_holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def take_lease(
    store: Store, holder: str, *, ttl: timedelta = TTL, now: datetime | None = None
) -> bool:
    """Take or renew the lease for `ttl`; False while another live holder has it."""
    now = now or utcnow()
    with store.write() as session:
        taken = session.exec(
            update(SyncLease)
            .where(col(SyncLease.name) == NAME)
            .where(or_(col(SyncLease.holder) == holder, col(SyncLease.expires_at) < now))
            .values(holder=holder, expires_at=now + ttl)
            .execution_options(synchronize_session=False)
        ).rowcount
        if taken == 1:
            return True
        if session.get(SyncLease, NAME) is not None:
            return False
    try:
        with store.write() as session:
            session.add(SyncLease(name=NAME, holder=holder, expires_at=now + ttl))
    except IntegrityError:  # another worker inserted it first
        return False
    return True


def release_lease(store: Store, holder: str) -> None:
    with store.write() as session:
        session.execute(
            update(SyncLease)
            .where(col(SyncLease.name) == NAME, col(SyncLease.holder) == holder)
            .values(expires_at=utcnow() - timedelta(seconds=1))
            .execution_options(synchronize_session=False)
        )


def lease_holder(store: Store, now: datetime | None = None) -> str | None:
    """Who holds the lease now, if anyone."""
    now = now or utcnow()
    with store.read() as session:
        lease = session.get(SyncLease, NAME)
    if lease is None or (as_utc(lease.expires_at) or now) < now:
        return None
    return lease.holder
