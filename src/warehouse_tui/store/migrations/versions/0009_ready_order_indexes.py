"""waves: partial indexes on ready orders, so a wave's candidates are read most urgent first
a page at a time whatever the backlog

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_READY = "status = 'ready'"
_INDEXES = (
    (
        "ix_orders_ready_by_service",
        "merge_group IS NULL AND ship_by IS NULL",
        ["carrier", "service", sa.text("priority DESC"), "id"],
    ),
    (
        "ix_orders_ready_by_ship_by",
        "merge_group IS NULL AND ship_by IS NOT NULL",
        ["ship_by", sa.text("priority DESC"), "id"],
    ),
    (
        "ix_orders_ready_by_priority",
        "merge_group IS NULL AND ship_by IS NULL",
        [sa.text("priority DESC"), "id"],
    ),
    ("ix_orders_ready_merged", "merge_group IS NOT NULL", ["merge_group"]),
)


def upgrade() -> None:
    for name, where, columns in _INDEXES:
        condition = sa.text(f"{_READY} AND {where}")
        op.create_index(
            name,
            "orders",
            ["status", *columns],
            sqlite_where=condition,
            postgresql_where=condition,
        )


def downgrade() -> None:
    for name, _where, _columns in reversed(_INDEXES):
        op.drop_index(name, table_name="orders")
