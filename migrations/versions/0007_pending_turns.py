"""Pending turns: messages the bot still has to answer (a part was down, or the app
stopped mid-turn), answered in order when the part is back.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pending_turns",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "message_id", sa.Integer, sa.ForeignKey("messages.id", ondelete="CASCADE"),
            nullable=False, unique=True,
        ),
        sa.Column(
            "conversation_id", sa.String(200),
            sa.ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False,
        ),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("rasa_metadata", sa.JSON),
        sa.Column("state", sa.String(10), nullable=False, server_default="waiting"),
        sa.Column("attempts", sa.Integer, server_default="0"),
        sa.Column("created_at", sa.DateTime(timezone=True)),
    )
    op.create_index(
        "ix_pending_turns_conversation_id_id", "pending_turns", ["conversation_id", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_pending_turns_conversation_id_id", table_name="pending_turns")
    op.drop_table("pending_turns")
