"""Paced writes (store/pacing.py) on SQLite: long on a quiet floor, short once another
connection commits between them, and every item written once, in order."""

from __future__ import annotations

import time
from collections.abc import Sequence

from sqlmodel import Session

from warehouse_tui.store.engine import Store
from warehouse_tui.store.models import Carrier
from warehouse_tui.store.pacing import ACTIVE_TARGET_S, QUIET_TARGET_S, Pace

ITEM_S = 0.001
"""What writing one item costs here: a quiet write takes ~100 items, a busy one ~12."""


def test_writes_shrink_once_another_connection_commits(sqlite_store: Store) -> None:
    other = Store(str(sqlite_store.sqlite_path))
    chunks: list[Sequence[int]] = []

    def write(session: Session, chunk: Sequence[int]) -> int:
        session.connection()  # the writer lock, as a real write takes it
        time.sleep(len(chunk) * ITEM_S)
        chunks.append(chunk)
        return len(chunk)

    items = list(range(1_500))
    quiet_sizes: list[int] = []
    for written in Pace(sqlite_store, first=10).chunks(items, write):
        if len(quiet_sizes) < 6:
            quiet_sizes.append(written)
            continue
        with other.write() as session:  # a station's scan between two of the job's writes
            session.add(Carrier(code=f"C{len(chunks)}", name="station"))
    other.dispose()
    busy_sizes = [len(chunk) for chunk in chunks[len(quiet_sizes) + 1 :]]
    assert [item for chunk in chunks for item in chunk] == items
    assert max(quiet_sizes) >= QUIET_TARGET_S / ITEM_S / 3
    assert busy_sizes and max(busy_sizes) <= 2 * ACTIVE_TARGET_S / ITEM_S
