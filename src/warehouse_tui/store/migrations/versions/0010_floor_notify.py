"""desk: on PostgreSQL, the tables a board reads notify on commit (store/changes.py)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 05:30:00
"""

from collections.abc import Sequence

from alembic import op

from warehouse_tui.store.changes import WATCHED_TABLES, notify_function_sql, notify_trigger_sql

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite's watcher reads PRAGMA data_version: nothing to create
    op.execute(notify_function_sql("''")[0])
    for table in WATCHED_TABLES:
        op.execute(notify_trigger_sql(table)[0])


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in WATCHED_TABLES:
        op.execute(notify_trigger_sql(table)[1])
    op.execute(notify_function_sql("''")[1])
