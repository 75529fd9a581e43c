"""exceptions: put-back tasks say where their units wait and how many are back, counts keep
their tally and first count, order lines remember what shipped short

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-11 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("floortask") as batch:
        batch.add_column(sa.Column("stock_id", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column(
                "held_in", sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default=""
            )
        )
        batch.add_column(sa.Column("done_qty", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(
            sa.Column("on_allocations", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("claimed_by", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("tally", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("first_count", sa.JSON(), nullable=True))
        batch.create_foreign_key("fk_floortask_stock_id_stock", "stock", ["stock_id"], ["id"])
        batch.create_foreign_key(
            "fk_floortask_claimed_by_operator", "operator", ["claimed_by"], ["id"]
        )
    with op.batch_alter_table("orderline") as batch:
        batch.add_column(sa.Column("short", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("orderline") as batch:
        batch.drop_column("short")
    with op.batch_alter_table("floortask") as batch:
        batch.drop_constraint("fk_floortask_claimed_by_operator", type_="foreignkey")
        batch.drop_constraint("fk_floortask_stock_id_stock", type_="foreignkey")
        batch.drop_column("first_count")
        batch.drop_column("tally")
        batch.drop_column("claimed_by")
        batch.drop_column("on_allocations")
        batch.drop_column("done_qty")
        batch.drop_column("held_in")
        batch.drop_column("stock_id")
