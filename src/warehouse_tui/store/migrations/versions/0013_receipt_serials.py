"""serials received on supplier deliveries

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fk(column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_receiptserial_{column}_{target}")
    )


def upgrade() -> None:
    op.create_table(
        "receiptserial",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("receipt_line_id", sa.Integer(), nullable=False),
        sa.Column("sku_id", sa.Integer(), nullable=False),
        sa.Column("serial", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("received_by", sa.Integer(), nullable=True),
        sa.Column("received_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        _fk("receipt_line_id", "receiptline"),
        _fk("received_by", "operator"),
        _fk("sku_id", "sku"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_receiptserial")),
        sa.UniqueConstraint("sku_id", "serial", name=op.f("uq_receiptserial_sku_id")),
    )
    op.create_index(
        op.f("ix_receiptserial_receipt_line_id"), "receiptserial", ["receipt_line_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_receiptserial_receipt_line_id"), table_name="receiptserial")
    op.drop_table("receiptserial")
