"""set-aside units: the serial a unit carries; a serial a supervisor recorded on no delivery

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN (nullable, no default): no table rebuild on SQLite.
    op.add_column(
        "floortask", sa.Column("serial", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
    )
    with op.batch_alter_table("receiptserial") as batch:
        batch.alter_column("receipt_line_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM receiptserial WHERE receipt_line_id IS NULL")
    with op.batch_alter_table("receiptserial") as batch:
        batch.alter_column("receipt_line_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("floortask") as batch:
        batch.drop_column("serial")
