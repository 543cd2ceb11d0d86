"""An organisation's written standard and its routine for concerns; a member's Telegram
language, so that a step rendered in the background follows the same order as a reply:
the member's own choice, then the organisation's standard, then Telegram's language

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 22:40:00
"""

from alembic import op
import sqlalchemy as sa


revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=5), nullable=True))
        batch_op.add_column(sa.Column("concern_contact", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("concern_url", sa.String(length=500), nullable=True))
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("telegram_language", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_column("telegram_language")
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_column("concern_url")
        batch_op.drop_column("concern_contact")
        batch_op.drop_column("language")
