"""Long jobs as a series of short write transactions that let the stations in between.

SQLite has one writer at a time and no queue: a station waiting for the lock sleeps in its busy
handler (1, 2, 5, 10, 15, 20, 25 ms… then 50, then 100 ms between tries) and a job that begins
its next transaction the moment it commits wins every time. So a paced job keeps each write
near `TARGET_S` (the chunk size follows the time the last one took) and, on SQLite, pauses a
third of that time after each: a station that began waiting during a write of ≤ ~130 ms tries
again at most 25 ms apart, so it is in before the job's next write. PostgreSQL locks rows, not
the database: there the job does not pause.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from typing import TypeVar

from warehouse_tui.store.engine import Store

T = TypeVar("T")

TARGET_S = 0.08
"""The time one paced write aims at: well under the ~200 ms a station may wait."""


class Pace:
    """Chunk sizes for a job's writes, learnt from the time each took, and the pause after."""

    def __init__(self, store: Store, first: int = 500, *, most: int = 20_000) -> None:
        self.size = first
        self.most = most
        self.pauses = store.is_sqlite
        self.longest_s = 0.0
        """The longest write so far (the chunk's work and its commit)."""

    def chunks(self, items: Sequence[T]) -> Iterator[Sequence[T]]:
        """`items` in chunks; the caller writes each in one transaction before asking for the
        next, and the time that takes sizes the next chunk."""
        start = 0
        while start < len(items):
            chunk = items[start : start + self.size]
            began = time.perf_counter()
            yield chunk
            self.took(time.perf_counter() - began, len(chunk))
            start += len(chunk)

    def took(self, seconds: float, count: int) -> None:
        """A write of `count` items took `seconds`: size the next one, and let waiters in."""
        self.longest_s = max(self.longest_s, seconds)
        per_item = seconds / max(count, 1)
        wanted = int(TARGET_S / per_item) if per_item > 0 else self.most
        self.size = max(1, min(self.most, wanted, self.size * 2))
        if self.pauses:
            time.sleep(seconds / 3)
