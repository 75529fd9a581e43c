"""log-in security: wrong PINs counted, locks that grow; who ran the command line

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04 15:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("operator") as batch:
        batch.add_column(sa.Column("failed_pins", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("lockouts", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("locked_until", sa.DateTime(), nullable=True))
    with op.batch_alter_table("journal") as batch:
        batch.add_column(
            sa.Column(
                "actor_name", sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default=""
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("journal") as batch:
        batch.drop_column("actor_name")
    with op.batch_alter_table("operator") as batch:
        batch.drop_column("locked_until")
        batch.drop_column("lockouts")
        batch.drop_column("failed_pins")
