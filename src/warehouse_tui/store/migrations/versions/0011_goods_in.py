"""goods in: returns with their lines and units, supplier deliveries with their lines

The `returnline` table of the first schema was never written: it is rebuilt here to belong to
a return.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 05:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TEXT = sqlmodel.sql.sqltypes.AutoString
_TIME = sqlmodel.sql.sqltypes.UTCDateTime


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def upgrade() -> None:
    with op.batch_alter_table("returnline") as batch:
        batch.drop_index("ix_returnline_order_id")
    op.drop_table("returnline")
    op.create_table(
        "return",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("rma", _TEXT(), nullable=False),
        sa.Column("status", _TEXT(), nullable=False),
        sa.Column("announced", sa.Boolean(), nullable=False),
        sa.Column("created_at", _TIME(), nullable=False),
        sa.Column("closed_at", _TIME(), nullable=True),
        _fk("return", "order_id", "orders"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_return")),
    )
    for column in ("order_id", "rma", "status"):
        op.create_index(op.f(f"ix_return_{column}"), "return", [column], unique=False)
    op.create_table(
        "returnline",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("return_id", sa.Integer(), nullable=False),
        sa.Column("order_line_id", sa.Integer(), nullable=True),
        sa.Column("sku_id", sa.Integer(), nullable=False),
        sa.Column("qty", sa.Integer(), nullable=False),
        sa.Column("reason", _TEXT(), nullable=False),
        _fk("returnline", "return_id", "return"),
        _fk("returnline", "order_line_id", "orderline"),
        _fk("returnline", "sku_id", "sku"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_returnline")),
    )
    op.create_index(op.f("ix_returnline_return_id"), "returnline", ["return_id"], unique=False)
    op.create_table(
        "returnunit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("return_id", sa.Integer(), nullable=True),
        sa.Column("order_line_id", sa.Integer(), nullable=True),
        sa.Column("sku_id", sa.Integer(), nullable=False),
        sa.Column("serial", _TEXT(), nullable=False),
        sa.Column("batch", _TEXT(), nullable=False),
        sa.Column("raw", _TEXT(), nullable=False),
        sa.Column("condition", _TEXT(), nullable=False),
        sa.Column("note", _TEXT(), nullable=False),
        sa.Column("status", _TEXT(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=True),
        sa.Column("received_by", sa.Integer(), nullable=True),
        sa.Column("received_at", _TIME(), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", _TIME(), nullable=True),
        _fk("returnunit", "return_id", "return"),
        _fk("returnunit", "order_line_id", "orderline"),
        _fk("returnunit", "sku_id", "sku"),
        _fk("returnunit", "location_id", "location"),
        _fk("returnunit", "received_by", "operator"),
        _fk("returnunit", "decided_by", "operator"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_returnunit")),
    )
    for column in ("return_id", "order_line_id", "sku_id", "status"):
        op.create_index(op.f(f"ix_returnunit_{column}"), "returnunit", [column], unique=False)
    op.create_table(
        "receipt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("supplier", _TEXT(), nullable=False),
        sa.Column("reference", _TEXT(), nullable=False),
        sa.Column("status", _TEXT(), nullable=False),
        sa.Column("announced", sa.Boolean(), nullable=False),
        sa.Column("created_at", _TIME(), nullable=False),
        sa.Column("closed_at", _TIME(), nullable=True),
        sa.Column("closed_by", sa.Integer(), nullable=True),
        sa.Column("summary", sa.JSON(), nullable=True),
        _fk("receipt", "closed_by", "operator"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_receipt")),
        sa.UniqueConstraint("reference", name=op.f("uq_receipt_reference")),
    )
    op.create_index(op.f("ix_receipt_status"), "receipt", ["status"], unique=False)
    op.create_table(
        "receiptline",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("receipt_id", sa.Integer(), nullable=False),
        sa.Column("sku_id", sa.Integer(), nullable=False),
        sa.Column("batch", _TEXT(), nullable=False),
        sa.Column("expiry", sa.Date(), nullable=True),
        sa.Column("expected", sa.Integer(), nullable=False),
        sa.Column("received", sa.Integer(), nullable=False),
        sa.Column("put_away", sa.Integer(), nullable=False),
        _fk("receiptline", "receipt_id", "receipt"),
        _fk("receiptline", "sku_id", "sku"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_receiptline")),
        sa.UniqueConstraint(
            "receipt_id", "sku_id", "batch", name=op.f("uq_receiptline_receipt_id")
        ),
    )
    op.create_index(op.f("ix_receiptline_receipt_id"), "receiptline", ["receipt_id"], unique=False)


def downgrade() -> None:
    for table in ("receiptline", "receipt", "returnunit", "returnline", "return"):
        op.drop_table(table)
    op.create_table(
        "returnline",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("order_line_id", sa.Integer(), nullable=True),
        sa.Column("sku_id", sa.Integer(), nullable=False),
        sa.Column("qty", sa.Integer(), nullable=False),
        sa.Column("condition", _TEXT(), nullable=False),
        sa.Column("outcome", _TEXT(), nullable=False),
        sa.Column("received_by", sa.Integer(), nullable=True),
        sa.Column("received_at", _TIME(), nullable=False),
        _fk("returnline", "order_id", "orders"),
        _fk("returnline", "order_line_id", "orderline"),
        _fk("returnline", "received_by", "operator"),
        _fk("returnline", "sku_id", "sku"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_returnline")),
    )
    op.create_index(op.f("ix_returnline_order_id"), "returnline", ["order_id"], unique=False)
