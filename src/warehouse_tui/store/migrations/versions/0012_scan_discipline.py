"""scans: the journal tells keyed counts from scanned ones; a SKU may allow its text code

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN: SQLite adds a column with a constant default without a table rebuild.
    op.add_column(
        "journal", sa.Column("keyed", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.add_column(
        "sku",
        sa.Column("code_entry_allowed", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    with op.batch_alter_table("sku") as batch:
        batch.drop_column("code_entry_allowed")
    with op.batch_alter_table("journal") as batch:
        batch.drop_column("keyed")
