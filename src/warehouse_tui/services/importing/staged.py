"""An order import in short writes, all or nothing to every reader.

A promotion day's file is 50k orders; written in one transaction it held SQLite's only writer
lock for seconds, and every station's scan waited behind it. So the orders go in as a batch
(store/import_batches.py), in short paced writes (store/pacing.py), with status
`importing`, which no screen, wave, count or check sees. One last short write applies the newer
versions of orders we already had, gives the batch's orders their real status (new, or
cancelled) and journals the import: before it a reader sees none of the file, after it all.

One import writes at a time: another waits for the open batch to finish. An import killed
mid-way (kill -9, power cut) leaves an open batch whose process is gone: the next import, and
`warehouse-tui db upgrade` (which every start runs), abandon it and delete its rows, a chunk
per short write (`recover_imports`). An import that fails with an exception cleans up the same
way before the exception goes on.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from warehouse_tui.i18n import _
from warehouse_tui.services.importing.order_rows import OrderRow, newest_per_order
from warehouse_tui.services.importing.order_writers import (
    apply_versions,
    settle_later_versions,
    stage_new_orders,
)
from warehouse_tui.services.importing.records import BadFile, RowError
from warehouse_tui.services.importing.result import ImportResult, Progress
from warehouse_tui.services.journal import Actor, record
from warehouse_tui.store import import_batches
from warehouse_tui.store.engine import Store
from warehouse_tui.store.pacing import Pace

WAIT_S = 0.2
"""How long an import waits before trying again to open its batch while another writes."""


def import_orders(
    store: Store,
    actor: Actor,
    rows: Iterable[OrderRow | RowError],
    source: str,
    progress: Progress,
    *,
    total: int,
    also: Callable[[Session], None] | None = None,
) -> ImportResult:
    """Write checked order rows as one batch, staged as they come (a file's rows are parsed
    a line at a time, so a file of any size takes the memory of one write's rows); the
    journal row comes with the final flip, and so does `also` (a connector's cursor: it moves
    on only with the orders it read). A bad row (or a line that is not UTF-8) stops the
    staging; the rest of the rows are checked for the error list, and the batch is deleted:
    nothing of the file was ever seen. `total` is how many rows to expect, for the progress.

    A file's later rows of an order it holds twice are settled at the flip: the order ends at
    its newest version (`settle_later_versions`)."""
    result = ImportResult()
    checked = _Checked(rows)
    batch_id = _open_batch(store, source)
    try:
        known: list[OrderRow] = []
        later: list[OrderRow] = []
        cancelled: list[int] = []
        done = 0
        sku_ids: dict[str, int | None] = {}

        def stage(session: Session, chunk: Sequence[OrderRow]) -> int:
            staged = stage_new_orders(session, batch_id, chunk, result, sku_ids)
            known.extend(staged[0])
            later.extend(staged[1])
            cancelled.extend(staged[2])
            import_batches.beat(session, batch_id, done + len(chunk))
            return len(chunk)

        for count in Pace(store).chunks(checked.good(), stage):
            done += count
            progress("write", done, total)
        errors = checked.errors()
        if errors:
            _abandon(store, batch_id)
            return ImportResult(errors=errors)
        with store.write() as session:
            apply_versions(session, actor, newest_per_order(known), result)
            import_batches.finish(session, batch_id, cancelled)
            settle_later_versions(session, later)
            record(session, actor, "import-orders", raw=source)
            if also is not None:
                also(session)
    except BaseException:
        _abandon(store, batch_id)
        raise
    result.imported = done
    return result


class _Checked:
    """A stream of checked rows, good until its first bad one; then every error in it."""

    def __init__(self, rows: Iterable[OrderRow | RowError]) -> None:
        self._rows = iter(rows)
        self._errors: list[RowError] = []
        self._unreadable = False
        self._good = 0

    def good(self) -> Iterator[OrderRow]:
        """The rows up to the first bad one (or a line that cannot be read at all)."""
        try:
            for row in self._rows:
                if isinstance(row, RowError):
                    self._errors.append(row)
                    return
                self._good += 1
                yield row
        except BadFile as bad:
            self._errors, self._unreadable = [bad.error], True

    def errors(self) -> list[RowError]:
        """Every bad row, by line (the rest of the stream read for them); a file that cannot
        be read is that one error; no rows at all is an error too."""
        if self._errors and not self._unreadable:
            try:
                self._errors += [row for row in self._rows if isinstance(row, RowError)]
            except BadFile as bad:
                self._errors = [bad.error]
        elif not self._errors and not self._good:
            self._errors = [RowError(1, _("the file holds no records"))]
        return sorted(self._errors, key=lambda error: error.line)


def _abandon(store: Store, batch_id: int) -> None:
    with store.write() as session:
        import_batches.abandon(session, batch_id)
    _delete_abandoned(store)


def recover_imports(store: Store) -> int:
    """Delete what imports killed mid-way left (their `importing` orders, in short writes);
    how many orders went. A live import is left alone."""
    with store.write() as session:
        import_batches.abandon_dead(session)
    return _delete_abandoned(store)


def _open_batch(store: Store, source: str) -> int:
    """A new batch of our own, once no other import writes; what a killed one left is deleted
    first."""
    while True:
        try:
            with store.write() as session:
                batch_id = import_batches.try_open(session, source)
        except IntegrityError:  # PostgreSQL: another import opened its batch at the same moment
            batch_id = None
        if batch_id is not None:
            _delete_abandoned(store)
            return batch_id
        time.sleep(WAIT_S)


def _delete_abandoned(store: Store) -> int:
    with store.read() as session:
        abandoned = import_batches.abandoned_batches(session)
    deleted = 0
    pace = Pace(store)
    for batch_id in abandoned:
        deleted += _delete_batch(pace, batch_id)
    return deleted


def _delete_batch(pace: Pace, batch_id: int) -> int:
    """An abandoned batch's orders deleted, a paced write at a time; how many."""

    def some(session: Session, limit: int) -> int:
        return import_batches.delete_some(session, batch_id, limit)

    deleted = 0
    while count := pace.write(some):
        deleted += count
    return deleted
