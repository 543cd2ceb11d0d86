"""Deliveries are booked into the minute their bot has room in (pacing): a `paced` flag, and a
partial index that finds the few unbooked rows among millions. Rows already there count as
booked: history is not paced again.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 10:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

UNPACED = "NOT paced AND status = 'pending'"


def upgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("paced", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.execute("UPDATE deliveries SET paced = TRUE")
    op.create_index(
        "ix_deliveries_unpaced",
        "deliveries",
        ["id"],
        unique=False,
        postgresql_where=sa.text(UNPACED),
        sqlite_where=sa.text(UNPACED),
    )


def downgrade() -> None:
    op.drop_index("ix_deliveries_unpaced", table_name="deliveries")
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_column("paced")
