"""The journal row as a prepared insert, for the hot paths that write it on a `Tx`.

Every scan is journaled in the transaction of its effect (DESIGN.md); the pack and pick scans
run on prepared statements (store/prepared.py), so their journal row does too. The row's
columns are built by services.journal.journal_row, the one place that says what a row holds.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert

from warehouse_tui.store.models import Journal, table_of
from warehouse_tui.store.prepared import Command, Tx

_journal = table_of(Journal)
_JOURNAL_COLUMNS = tuple(column.key for column in _journal.c if column.key != "id")
_JOURNAL_INSERT = Command(insert(_journal), column_keys=_JOURNAL_COLUMNS)
_EFFECT_COLUMNS = ("effect_line_id", "effect_units", "effect_serial", "effect_batch")


def insert_journal(tx: Tx, row: dict[str, Any]) -> None:
    """One journal row: every column but the id, as services.journal.journal_row builds it;
    the effect columns, which only an item count fills, are null when the row leaves them out."""
    _JOURNAL_INSERT.send(tx, {**dict.fromkeys(_EFFECT_COLUMNS), **row})
