"""packed serials: one unit of a serial-tracked SKU packed once, across stations

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 10:10:00
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "packedserial",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sku_id", sa.Integer(), nullable=False),
        sa.Column("serial", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("parcel_id", sa.Integer(), nullable=False),
        sa.Column("order_line_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_line_id"],
            ["orderline.id"],
            name=op.f("fk_packedserial_order_line_id_orderline"),
        ),
        sa.ForeignKeyConstraint(
            ["parcel_id"], ["parcel.id"], name=op.f("fk_packedserial_parcel_id_parcel")
        ),
        sa.ForeignKeyConstraint(["sku_id"], ["sku.id"], name=op.f("fk_packedserial_sku_id_sku")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_packedserial")),
        sa.UniqueConstraint("sku_id", "serial", name=op.f("uq_packedserial_sku_id")),
    )
    op.create_index(op.f("ix_packedserial_parcel_id"), "packedserial", ["parcel_id"], unique=False)
    _backfill()


def _backfill() -> None:
    """The serials parcels already hold (voided parcels' are free again); a serial packed twice
    before this revision keeps its first parcel."""
    connection = op.get_bind()
    rows = connection.execute(
        sa.text(
            "SELECT orderline.sku_id, parcelline.serials, parcelline.parcel_id,"
            " parcelline.order_line_id FROM parcelline"
            " JOIN parcel ON parcel.id = parcelline.parcel_id"
            " JOIN orderline ON orderline.id = parcelline.order_line_id"
            " WHERE parcel.status != 'cancelled' AND orderline.sku_id IS NOT NULL"
            " ORDER BY parcelline.id"
        )
    ).all()
    seen: set[tuple[int, str]] = set()
    packed = []
    for sku_id, serials, parcel_id, order_line_id in rows:
        # SQLite hands JSON back as text, PostgreSQL as a list
        for serial in (json.loads(serials) if isinstance(serials, str) else serials) or []:
            if (sku_id, serial) not in seen:
                seen.add((sku_id, serial))
                packed.append(
                    {
                        "sku_id": sku_id,
                        "serial": serial,
                        "parcel_id": parcel_id,
                        "order_line_id": order_line_id,
                    }
                )
    if packed:
        connection.execute(
            sa.text(
                "INSERT INTO packedserial (sku_id, serial, parcel_id, order_line_id)"
                " VALUES (:sku_id, :serial, :parcel_id, :order_line_id)"
            ),
            packed,
        )


def downgrade() -> None:
    op.drop_index(op.f("ix_packedserial_parcel_id"), table_name="packedserial")
    op.drop_table("packedserial")
