"""journal effect: an accepted count's order line, units, serial and batch, in columns

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 09:00:00

Until this revision an accepted pack count kept its effect in `reason` as
``L<order line>+<units>[ S=<serial>][ B=<batch>]``. The columns take it over; rows written
before keep their reason text and get their effect copied into the columns, so a parcel left
open across the upgrade can still be undone.
"""

import re
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_EFFECT = re.compile(r"L(\d+)\+(\d+)(?: S=(\S+))?(?: B=(\S+))?")


def upgrade() -> None:
    # Nullable columns without constraints: SQLite adds them in place, no table rebuild.
    with op.batch_alter_table("journal") as batch_op:
        batch_op.add_column(sa.Column("effect_line_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("effect_units", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("effect_serial", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
        )
        batch_op.add_column(
            sa.Column("effect_batch", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
        )
    _backfill()


def _backfill() -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.text(
            "SELECT id, reason FROM journal"
            " WHERE action IN ('pack.scan', 'pack.qty') AND accepted AND reason LIKE 'L%'"
        )
    ).all()
    effects = []
    for row_id, reason in rows:
        match = _OLD_EFFECT.fullmatch(reason)
        if match is not None:
            effects.append(
                {
                    "id": row_id,
                    "line": int(match.group(1)),
                    "units": int(match.group(2)),
                    "serial": match.group(3),
                    "batch": match.group(4),
                }
            )
    if effects:
        connection.execute(
            sa.text(
                "UPDATE journal SET effect_line_id = :line, effect_units = :units,"
                " effect_serial = :serial, effect_batch = :batch WHERE id = :id"
            ),
            effects,
        )


def downgrade() -> None:
    with op.batch_alter_table("journal") as batch_op:
        batch_op.drop_column("effect_batch")
        batch_op.drop_column("effect_serial")
        batch_op.drop_column("effect_units")
        batch_op.drop_column("effect_line_id")
