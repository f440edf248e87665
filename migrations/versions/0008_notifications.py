"""Notifications per recipient and channel: who was told of which escalation, and retries.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("escalation_id", sa.Integer,
                  sa.ForeignKey("escalations.id", ondelete="CASCADE"), nullable=False),
        sa.Column("recipient", sa.String(60), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_try_at", sa.DateTime(timezone=True)),
        sa.Column("last_error", sa.String(100)),
        sa.Column("created_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("escalation_id", "recipient", "channel"),
    )


def downgrade() -> None:
    op.drop_table("notifications")
