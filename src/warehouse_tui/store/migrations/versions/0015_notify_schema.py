"""desk: on PostgreSQL, a change notice names the schema written to (store/changes.py)

A notification channel is per database: without the schema, a commit in one warehouse's schema
woke the boards of every other schema on the same server.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 04:00:00
"""

from collections.abc import Sequence

from alembic import op

from warehouse_tui.store.changes import SCHEMA_PAYLOAD, notify_function_sql

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(notify_function_sql(SCHEMA_PAYLOAD)[0])


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(notify_function_sql("''")[0])
