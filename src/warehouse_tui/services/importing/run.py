"""The import itself: read, check, then write all of a file or nothing.

Checking comes first and touches no database; only a file with no bad row is written: orders
in short transactions that no reader sees until the last (services/importing/staged.py), the
rest in one transaction, where a writer that finds a bad reference (stock naming an unknown SKU)
still refuses the whole file. A JSON Lines file of orders is the exception to "first": it is
checked a line at a time as it is staged, and a bad line deletes what was staged, so nothing of
it is ever seen either. Either way the outcome is journaled in the last transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import Session

from warehouse_tui.i18n import _
from warehouse_tui.services.importing.checking import check_records, checked_records
from warehouse_tui.services.importing.fields import shown
from warehouse_tui.services.importing.floor_writers import (
    write_catalog,
    write_locations,
    write_stock,
)
from warehouse_tui.services.importing.order_rows import OrderRow
from warehouse_tui.services.importing.records import (
    BadFile,
    FileFormat,
    ImportKind,
    RowError,
    csv_records,
    decode_text,
    format_of,
    jsonl_file_records,
    jsonl_records,
)
from warehouse_tui.services.importing.result import ImportResult, Progress, no_progress
from warehouse_tui.services.importing.staged import import_orders
from warehouse_tui.services.journal import Actor, record
from warehouse_tui.store.collector import cyclic_gc_paused
from warehouse_tui.store.engine import Store


@dataclass(frozen=True)
class _Run:
    """Who imports what, and how: everything an import needs besides the rows."""

    actor: Actor
    source: str
    progress: Progress
    move_barcodes: bool
    also: Callable[[Session], None] | None = None  # more writes in the import's transaction


def import_text(
    store: Store,
    kind: ImportKind,
    text: str,
    fmt: FileFormat,
    *,
    actor: Actor | None = None,
    source: str = "",
    progress: Progress = no_progress,
    move_barcodes: bool = False,
) -> ImportResult:
    """Import the text of a file: all of it, or (with any error) nothing but a journal row.
    A catalog row may take a barcode from another SKU only with `move_barcodes`."""
    run = _Run(actor or Actor(None, screen="import"), shown(source), progress, move_barcodes)
    with cyclic_gc_paused():
        return _check_and_store(store, kind, text, fmt, run)


def _check_and_store(
    store: Store, kind: ImportKind, text: str, fmt: FileFormat, run: _Run
) -> ImportResult:
    from_csv = fmt is FileFormat.CSV
    records = csv_records(text) if from_csv else jsonl_records(text)
    try:
        rows, errors = check_records(
            kind, records, from_csv=from_csv, total=text.count("\n") + 1, progress=run.progress
        )
    except BadFile as bad:
        rows, errors = [], [bad.error]
    if not rows and not errors:
        errors = [RowError(1, _("the file holds no records"))]
    return _store_rows(store, kind, rows, errors, run)


def _store_rows(
    store: Store, kind: ImportKind, rows: list[Any], errors: list[RowError], run: _Run
) -> ImportResult:
    """Write the checked rows in one transaction (orders: in short ones, `staged`), or journal
    the refusal and write nothing."""
    if kind is ImportKind.ORDERS and not errors:
        return _import_orders(store, rows, len(rows), run)
    result = ImportResult()
    with store.write() as session:
        if not errors:
            errors = _write(session, kind, rows, result, run)
        if errors:  # a writer refuses before it writes anything
            _journal_refusal(session, kind, errors, run)
            return ImportResult(errors=errors)
        result.imported = len(rows)
        record(session, run.actor, f"import-{kind}", raw=run.source)
        if run.also is not None:
            run.also(session)
        return result


def _import_orders(
    store: Store, rows: Iterable[OrderRow | RowError], total: int, run: _Run
) -> ImportResult:
    result = import_orders(
        store, run.actor, rows, run.source, run.progress, total=total, also=run.also
    )
    if result.errors:
        with store.write() as session:
            _journal_refusal(session, ImportKind.ORDERS, result.errors, run)
    return result


def _journal_refusal(session: Session, kind: ImportKind, errors: list[RowError], run: _Run) -> None:
    reason = _("{count} bad rows, nothing imported").format(count=len(errors))
    record(session, run.actor, f"import-{kind}", accepted=False, reason=reason, raw=run.source)


def _write(
    session: Session, kind: ImportKind, rows: list[Any], result: ImportResult, run: _Run
) -> list[RowError]:
    """Write the rows; the rows the database refuses (nothing written), if any."""
    if kind is ImportKind.CATALOG:
        return write_catalog(
            session, run.actor, rows, result, run.progress, move_barcodes=run.move_barcodes
        )
    if kind is ImportKind.LOCATIONS:
        return write_locations(session, rows, result, run.progress)
    return write_stock(session, rows, result, run.progress)


def import_file(
    store: Store,
    kind: ImportKind,
    path: Path,
    *,
    fmt: str | None = None,
    actor: Actor | None = None,
    progress: Progress = no_progress,
    move_barcodes: bool = False,
) -> ImportResult:
    """Import one file (CSV or JSON Lines by extension unless `fmt` says). A JSON Lines file
    of orders is read a line at a time, each line checked and staged as it comes."""
    file_format = format_of(path, fmt)
    if kind is ImportKind.ORDERS and file_format is FileFormat.JSONL:
        run = _Run(actor or Actor(None, screen="import"), shown(path.name), progress, False)
        total = _line_count(path)
        records = jsonl_file_records(path)
        checked = checked_records(kind, records, from_csv=False, total=total, progress=progress)
        with cyclic_gc_paused():
            return _import_orders(store, checked, total, run)
    try:
        text = decode_text(path.read_bytes())
    except BadFile as bad:
        return ImportResult(errors=[bad.error])
    return import_text(
        store,
        kind,
        text,
        file_format,
        actor=actor,
        source=path.name,
        progress=progress,
        move_barcodes=move_barcodes,
    )


def import_records(
    store: Store,
    kind: ImportKind,
    records: Iterable[Mapping[str, Any]],
    *,
    actor: Actor | None = None,
    source: str = "",
    also: Callable[[Session], None] | None = None,
) -> ImportResult:
    """Import records already in memory, shaped as a JSON Lines file's (record N counts as
    line N) — how the demo and connectors hand orders in. No records is nothing to do.
    `also` writes more in the import's own transaction when it succeeds (a connector's cursor
    and what it keeps of the records), so the import and those rows commit together."""
    listed = list(records)
    rows, errors = check_records(
        kind, enumerate(listed, start=1), from_csv=False, total=len(listed)
    )
    run = _Run(actor or Actor(None, screen="import"), shown(source), no_progress, False, also)
    return _store_rows(store, kind, rows, errors, run)


def _line_count(path: Path) -> int:
    """The file's lines, counted a block at a time (for the progress: a fraction of a
    percent of the import)."""
    with path.open("rb") as file:
        return sum(block.count(b"\n") for block in iter(lambda: file.read(1 << 20), b"")) + 1
