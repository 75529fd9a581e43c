"""label printed: when the printer took a parcel's shipping label

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 12:00:00

A parcel is now closed (its tracking number committed) before its label is printed, so a label
that never printed is a state of its own: a closed parcel with no `label_printed_at`. Parcels
closed before this revision were closed only once their label had printed: they count as
printed when they were closed.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A nullable column without constraints: SQLite adds it in place, no table rebuild.
    with op.batch_alter_table("parcel") as batch_op:
        batch_op.add_column(
            sa.Column("label_printed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
    op.execute(
        "UPDATE parcel SET label_printed_at = closed_at"
        " WHERE closed_at IS NOT NULL AND status != 'open'"
    )


def downgrade() -> None:
    with op.batch_alter_table("parcel") as batch_op:
        batch_op.drop_column("label_printed_at")
