"""outbox delivery: per-order ordering, states, the shop's reference; sync's own tables

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 09:00:00
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "order_ref", sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default=""
            )
        )
        batch_op.add_column(
            sa.Column(
                "state",
                sqlmodel.sql.sqltypes.AutoString(),
                nullable=False,
                server_default="pending",
            )
        )
        batch_op.add_column(
            sa.Column(
                "reference", sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default=""
            )
        )
    _backfill_outbox()
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        # The defaults only filled the rows already there; the models set every new row's.
        batch_op.alter_column("order_ref", server_default=None)
        batch_op.alter_column("state", server_default=None)
        batch_op.alter_column("reference", server_default=None)
        batch_op.create_index(batch_op.f("ix_outbox_order_ref"), ["order_ref"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_state"), ["state"], unique=False)

    op.create_table(
        "shoporder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("shop_order_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("content_hash", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("pulled_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shoporder")),
        sa.UniqueConstraint("shop", "shop_order_id", name=op.f("uq_shoporder_shop")),
    )
    op.create_table(
        "shopsync",
        sa.Column("shop", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("cursor", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("last_pull_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.PrimaryKeyConstraint("shop", name=op.f("pk_shopsync")),
    )
    op.create_table(
        "synclease",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("holder", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_synclease")),
    )


def _backfill_outbox() -> None:
    """Delivered rows become `delivered`; every row gets its order ("SHOP:SHOP_ORDER_ID") from
    its payload, so the events already waiting keep their order's sequence."""
    connection = op.get_bind()
    connection.execute(
        sa.text("UPDATE outbox SET state = 'delivered' WHERE delivered_at IS NOT NULL")
    )
    rows = connection.execute(sa.text("SELECT id, shop, payload FROM outbox")).all()
    refs = []
    for row_id, shop, payload in rows:
        # SQLite hands JSON back as text, PostgreSQL as a dict
        data = json.loads(payload) if isinstance(payload, str) else payload
        order = (data or {}).get("shop_order_id")
        if order:
            refs.append({"id": row_id, "ref": f"{shop}:{order}"})
    if refs:
        connection.execute(sa.text("UPDATE outbox SET order_ref = :ref WHERE id = :id"), refs)


def downgrade() -> None:
    op.drop_table("synclease")
    op.drop_table("shopsync")
    op.drop_table("shoporder")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_state"))
        batch_op.drop_index(batch_op.f("ix_outbox_order_ref"))
        batch_op.drop_column("reference")
        batch_op.drop_column("state")
        batch_op.drop_column("order_ref")
