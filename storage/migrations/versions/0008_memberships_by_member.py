"""An index on memberships (member_id, id): a member's newest membership (the organisation whose
written standard they read) is then one index lookup, where PostgreSQL would otherwise walk the
whole table backwards by id for each member of a delivery batch

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-08 00:10:00
"""

from alembic import op


revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.create_index("ix_memberships_member_id", ["member_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.drop_index("ix_memberships_member_id")
