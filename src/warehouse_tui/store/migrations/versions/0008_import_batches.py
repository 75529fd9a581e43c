"""staged imports: an importbatch table, and orders remember the import that wrote them

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "importbatch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("open_slot", sa.Integer(), nullable=True),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("host", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("beat_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_importbatch")),
    )
    with op.batch_alter_table("importbatch") as batch:
        batch.create_index(batch.f("ix_importbatch_state"), ["state"], unique=False)
        batch.create_index(batch.f("ix_importbatch_open_slot"), ["open_slot"], unique=True)
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("import_batch_id", sa.Integer(), nullable=True))
        batch.create_index(batch.f("ix_orders_import_batch_id"), ["import_batch_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.drop_index(batch.f("ix_orders_import_batch_id"))
        batch.drop_column("import_batch_id")
    with op.batch_alter_table("importbatch") as batch:
        batch.drop_index(batch.f("ix_importbatch_open_slot"))
        batch.drop_index(batch.f("ix_importbatch_state"))
    op.drop_table("importbatch")
