"""Answer marks: a keyed one-way mark of (rollout, step, Telegram id) per answer, which outlives
/forget so that leaving and rejoining cannot answer a step twice. Steps answered before this
revision have no mark (the key is the deployment's, not the database's).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 11:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "answer_marks",
        sa.Column("mark", sa.String(length=64), nullable=False),
        sa.Column("rollout_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["rollout_id"],
            ["rollouts.id"],
            name=op.f("fk_answer_marks_rollout_id_rollouts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("mark", name=op.f("pk_answer_marks")),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("answer_marks")
