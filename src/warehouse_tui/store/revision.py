"""Which schema revision a database is at, and the newest this program knows — without Alembic.

Commands that only read (`status`, `order show`, `barcode inspect` …) must start fast, and
bringing the schema up to date imports Alembic, loads every migration and takes the upgrade
lock, which costs more than what they do. So they do not upgrade: they compare the revision
the database records with the newest migration's, read straight from the migration files, and
refuse with a clear message when the database is behind (`warehouse-tui db upgrade` brings it
up). Commands that write keep upgrading on start (store/migrate.py). This module imports
SQLAlchemy only to read the stored revision through a Store: the quick command line
(quick.py) reads it on a bare sqlite3 connection.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from warehouse_tui.store.engine import Store

VERSIONS = Path(__file__).parent / "migrations" / "versions"
_REVISION = re.compile(r'^revision: str = "([^"]+)"$', re.MULTILINE)
STORED_REVISION_SQL = "SELECT version_num FROM alembic_version"
_DOWN_REVISION = re.compile(r'^down_revision: str \| None = (?:"([^"]+)"|None)$', re.MULTILINE)


def newest_revision() -> str:
    """The head of the migrations: the one revision no other revises."""
    revisions, revised = set(), set()
    for path in VERSIONS.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        revision, down = _REVISION.search(source), _DOWN_REVISION.search(source)
        if revision is None or down is None:
            raise ValueError(f"{path.name} names no revision it revises")
        revisions.add(revision.group(1))
        if down.group(1):
            revised.add(down.group(1))
    (head,) = revisions - revised
    return head


def stored_revision(store: Store) -> str | None:
    """The revision the database records, or None for a database with no schema yet."""
    from sqlalchemy import text  # late: `newest_revision` alone serves commands/quick.py
    from sqlalchemy.exc import DBAPIError

    try:
        with store.engine.connect() as connection:
            return connection.execute(text(STORED_REVISION_SQL)).scalar()
    except DBAPIError:  # no alembic_version table: nothing migrated here
        return None
