"""Long jobs as a series of short write transactions that let the stations in between.

SQLite has one writer at a time and no queue. A station that wants to write while a job holds
the lock tries again every millisecond (engine.begin_immediate), so what it waits is the rest
of the job's current write, and the job lets it in by pausing `YIELD_S` after each commit. The
writes are sized, from the time the last one took per item, to one of two targets:

- while other connections commit (the floor is working: some committed since the job's last
  write, or within `QUIET_AFTER_S`), `ACTIVE_TARGET_S`, so a scan waits a few milliseconds more
  than on a quiet floor;
- otherwise `QUIET_TARGET_S`, so on a quiet floor the job costs little more than one
  transaction would. A station that arrives then waits one such write, and from its commit on
  the job writes in short ones.

The job sees other commits by SQLite's `PRAGMA data_version` on its own connection, read as
each write begins (it changes when another connection committed). PostgreSQL locks rows, not
the database: there the job writes in `QUIET_TARGET_S` writes and does not pause.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from typing import TypeVar

from sqlmodel import Session

from warehouse_tui.store.engine import WRITE_LOCK_POLL_S, Store

T = TypeVar("T")
R = TypeVar("R")

ACTIVE_TARGET_S = 0.006
"""One write's length while the floor works: about what a waiting scan adds to its own time
(a write runs ~1.5-3× its target on a busy machine; 12 ms gave a scan p99 3.7× the quiet one)."""
QUIET_TARGET_S = 0.1
"""One write's length on a quiet floor: well under the ~200 ms a station may wait."""
QUIET_AFTER_S = 2.0
"""The floor counts as quiet once no other connection has committed for this long."""
YIELD_S = 3 * WRITE_LOCK_POLL_S
"""The pause after each write (SQLite): a station waiting for the lock tries again in it."""


class Pace:
    """Chunk sizes for a job's writes, learnt from the time each took, and the pause after."""

    def __init__(self, store: Store, first: int = 500, *, most: int = 20_000) -> None:
        self.store = store
        self.size = first
        self.most = most
        self.longest_s = 0.0
        """The longest write so far (the chunk's work and its commit)."""
        self._per_item_s: float | None = None
        self._versions: dict[int, int] = {}
        self._others_at = -math.inf

    def chunks(self, items: Iterable[T], write: Callable[[Session, Sequence[T]], R]) -> Iterator[R]:
        """`write(session, chunk)` for each chunk of `items`, each in a write transaction of
        its own; what it returned, once that transaction has committed. Items made as they
        are taken (a file's records, parsed a line at a time) are made before the write, a
        chunk ahead, so the writer lock is never held while they are made."""
        remaining = iter(items)
        ahead: list[T] = []
        while True:
            ahead += islice(remaining, max(0, self.size - len(ahead)))
            if not ahead:
                return
            with self.store.write() as session:
                began = self._begin(session)
                chunk, ahead = ahead[: self.size], ahead[self.size :]
                result = write(session, chunk)
            self._took(time.perf_counter() - began, len(chunk))
            yield result

    def write_all(
        self, items: Iterable[T], write: Callable[[Session, Sequence[T]], object]
    ) -> None:
        """`chunks`, when nothing is wanted back."""
        for _result in self.chunks(items, write):
            pass

    def write(self, work: Callable[[Session, int], int]) -> int:
        """One paced write: `work(session, size)` writes at most `size` items in the
        transaction and says how many it wrote."""
        with self.store.write() as session:
            began = self._begin(session)
            count = work(session, self.size)
        self._took(time.perf_counter() - began, count)
        return count

    def _begin(self, session: Session) -> float:
        """Size this write for the floor as it is now; the time the write began."""
        target = QUIET_TARGET_S
        if self.store.is_sqlite:
            if self._others_committed(session):
                self._others_at = time.monotonic()
            if time.monotonic() - self._others_at < QUIET_AFTER_S:
                target = ACTIVE_TARGET_S
        if self._per_item_s is not None:
            wanted = int(target / self._per_item_s) if self._per_item_s > 0 else self.most
            self.size = max(1, min(self.most, wanted, self.size * 2))
        return time.perf_counter()

    def _others_committed(self, session: Session) -> bool:
        """Whether another connection committed since this connection's last paced write
        (the writer lock is ours now; BEGIN IMMEDIATE has run)."""
        connection = session.connection()
        version = connection.exec_driver_sql("PRAGMA data_version").scalar_one()
        key = id(connection.connection.driver_connection)
        before = self._versions.get(key)
        self._versions[key] = version
        return before is not None and before != version

    def _took(self, seconds: float, count: int) -> None:
        """A write of `count` items took `seconds`: learn from it, and let waiters in."""
        self.longest_s = max(self.longest_s, seconds)
        if count:
            self._per_item_s = seconds / count
        if self.store.is_sqlite:
            time.sleep(YIELD_S)
