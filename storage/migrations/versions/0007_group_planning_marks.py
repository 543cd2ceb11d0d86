"""Each group's next planning moment, so that a minute that owes nothing reads a few rows and
not every live plan: `plan_at` (NULL: plan at the next tick) and a count of the writes a plan
is drawn from, which a tick compares before it marks a group settled

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 23:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("groups", schema=None) as batch_op:
        batch_op.add_column(sa.Column("plan_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("plan_changes", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.create_index(batch_op.f("ix_groups_plan_at"), ["plan_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("groups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_groups_plan_at"))
        batch_op.drop_column("plan_changes")
        batch_op.drop_column("plan_at")
