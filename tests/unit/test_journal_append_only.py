"""The journal is append-only: no code of the floor (services, store, sync, commands, screens)
updates or deletes a journal row. KPIs and audits read it as the immutable record of what
happened; `demo --reset` is the one place that empties it, as it empties every table. A
migration that adds a column may fill it for the rows already there (0004 did): schema work,
not a change of what happened, so migrations are not searched."""

from __future__ import annotations

import re
from pathlib import Path

import warehouse_tui

SOURCE = Path(warehouse_tui.__file__).parent
FLOOR = ("services", "store", "sync", "commands", "screens", "widgets")

# The ways a row changes: SQLAlchemy's update()/delete() of the model or its Core table, a
# session.delete of a Journal object, or SQL text naming the table.
CHANGES_JOURNAL = re.compile(
    r"""(?:update|delete)\(\s*(?:Journal|_journal)\b"""
    r"""|_journal\.(?:update|delete)\("""
    r"""|session\.delete\(\s*(?:journal|entry|row)\b"""
    r"""|(?i:\bupdate\s+journal\b|\bdelete\s+from\s+journal\b)"""
)


def test_no_code_of_the_floor_updates_or_deletes_the_journal() -> None:
    found = [
        f"{path.relative_to(SOURCE)}:{number}: {line.strip()}"
        for folder in FLOOR
        for path in sorted((SOURCE / folder).rglob("*.py"))
        if "migrations" not in path.parts
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if CHANGES_JOURNAL.search(line)
    ]
    assert found == [], "the journal is append-only:\n" + "\n".join(found)


def test_the_guard_sees_a_change_of_the_journal() -> None:
    assert CHANGES_JOURNAL.search("session.exec(update(Journal).where(Journal.id == 1))")
    assert CHANGES_JOURNAL.search("tx.execute(delete(_journal))")
    assert CHANGES_JOURNAL.search('text("DELETE FROM journal WHERE id = :i")')
    assert CHANGES_JOURNAL.search('"UPDATE journal SET accepted = false"')
    assert not CHANGES_JOURNAL.search("insert(_journal).values(**row)")
    assert not CHANGES_JOURNAL.search("update(Parcel).where(Parcel.id == 1)")
