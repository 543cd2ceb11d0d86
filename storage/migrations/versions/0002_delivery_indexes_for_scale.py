"""Delivery indexes for a whole country: claims read only the rows they take, "who lacks this
step" probes one entry per member, and reminders find a step's rows without a table scan

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 18:30:00
"""

from alembic import op


revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_deliveries_status_due")
        batch_op.drop_index("ix_deliveries_member_kind")
        batch_op.create_index(
            "ix_deliveries_status_due_id", ["status", "due_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_deliveries_member_kind_step",
            ["member_id", "kind", "rollout_id", "step_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_deliveries_rollout_step", ["rollout_id", "step_id", "kind"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_deliveries_rollout_step")
        batch_op.drop_index("ix_deliveries_member_kind_step")
        batch_op.drop_index("ix_deliveries_status_due_id")
        batch_op.create_index("ix_deliveries_member_kind", ["member_id", "kind"], unique=False)
        batch_op.create_index("ix_deliveries_status_due", ["status", "due_at"], unique=False)
