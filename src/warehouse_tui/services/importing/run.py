"""The import itself: read, check, then write all of a file in one transaction or nothing.

Checking comes first and touches no database; only a file with no bad row opens the write
transaction, and a writer that finds a bad reference (stock naming an unknown SKU) still refuses
the whole file inside it. Either way the outcome is journaled in that transaction.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlmodel import Session

from warehouse_tui.i18n import _
from warehouse_tui.services.importing.checking import check_records
from warehouse_tui.services.importing.floor_writers import (
    write_catalog,
    write_locations,
    write_stock,
)
from warehouse_tui.services.importing.order_writers import write_orders
from warehouse_tui.services.importing.records import (
    BadFile,
    FileFormat,
    ImportKind,
    RowError,
    csv_records,
    decode_text,
    format_of,
    jsonl_records,
)
from warehouse_tui.services.importing.result import ImportResult, Progress, no_progress
from warehouse_tui.services.journal import Actor, record
from warehouse_tui.store.engine import Store


def import_text(
    store: Store,
    kind: ImportKind,
    text: str,
    fmt: FileFormat,
    *,
    actor: Actor | None = None,
    source: str = "",
    progress: Progress = no_progress,
) -> ImportResult:
    """Import the text of a file: all of it, or (with any error) nothing but a journal row."""
    with cyclic_gc_paused():
        return _check_and_store(
            store, kind, text, fmt, actor or Actor(None, screen="import"), source, progress
        )


def _check_and_store(
    store: Store,
    kind: ImportKind,
    text: str,
    fmt: FileFormat,
    actor: Actor,
    source: str,
    progress: Progress,
) -> ImportResult:
    from_csv = fmt is FileFormat.CSV
    records = csv_records(text) if from_csv else jsonl_records(text)
    try:
        rows, errors = check_records(
            kind, records, from_csv=from_csv, total=text.count("\n") + 1, progress=progress
        )
    except BadFile as bad:
        rows, errors = [], [bad.error]
    return _store_rows(store, kind, rows, errors, actor, source, progress)


def _store_rows(
    store: Store,
    kind: ImportKind,
    rows: list[Any],
    errors: list[RowError],
    actor: Actor,
    source: str,
    progress: Progress,
) -> ImportResult:
    """Write the checked rows in one transaction, or journal the refusal and write nothing."""
    result = ImportResult()
    with store.write() as session:
        if not errors:
            errors = _write(session, actor, kind, rows, result, progress)
        if errors:
            reason = _("{count} bad rows, nothing imported").format(count=len(errors))
            record(session, actor, f"import-{kind}", accepted=False, reason=reason, raw=source)
            return ImportResult(errors=errors)
        result.imported = len(rows)
        record(session, actor, f"import-{kind}", raw=source)
        return result


def _write(
    session: Session,
    actor: Actor,
    kind: ImportKind,
    rows: list[Any],
    result: ImportResult,
    progress: Progress,
) -> list[RowError]:
    if kind is ImportKind.CATALOG:
        write_catalog(session, rows, result, progress)
    elif kind is ImportKind.LOCATIONS:
        write_locations(session, rows, result, progress)
    elif kind is ImportKind.STOCK:
        return write_stock(session, rows, result, progress)
    else:
        write_orders(session, actor, rows, result, progress)
    return []


def import_file(
    store: Store,
    kind: ImportKind,
    path: Path,
    *,
    fmt: str | None = None,
    actor: Actor | None = None,
    progress: Progress = no_progress,
) -> ImportResult:
    """Import one file (CSV or JSON Lines by extension unless `fmt` says)."""
    file_format = format_of(path, fmt)
    try:
        text = decode_text(path.read_bytes())
    except BadFile as bad:
        return ImportResult(errors=[bad.error])
    return import_text(
        store, kind, text, file_format, actor=actor, source=path.name, progress=progress
    )


def import_records(
    store: Store,
    kind: ImportKind,
    records: Iterable[Mapping[str, Any]],
    *,
    actor: Actor | None = None,
    source: str = "",
) -> ImportResult:
    """Import records already in memory, shaped as a JSON Lines file's (record N counts as
    line N) — how the demo and connectors hand orders in."""
    listed = list(records)
    rows, errors = check_records(
        kind, enumerate(listed, start=1), from_csv=False, total=len(listed)
    )
    return _store_rows(
        store, kind, rows, errors, actor or Actor(None, screen="import"), source, no_progress
    )


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while an import builds millions of small objects:
    its repeated full passes over them cost about a third of the import. Reference counting
    still frees everything; the collector is back on (if it was) when the import ends. Drop
    what the import built before that (return from the function that holds it): the first
    pass after would otherwise go through all of it once more."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
