"""Telegram: updates seen (exactly-once), outbox (retries), attachments of messages.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("attachment", sa.JSON))
    op.create_table(
        "telegram_updates",
        sa.Column("bot_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("update_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("payload", sa.JSON),
        sa.Column("received_at", sa.DateTime(timezone=True)),
        sa.Column("done_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "telegram_outbox",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("bot_id", sa.BigInteger, nullable=False),
        sa.Column("chat_id", sa.BigInteger, nullable=False),
        sa.Column("conversation_id", sa.String(200), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("reply_markup", sa.JSON),
        sa.Column("attempts", sa.Integer),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True)),
        sa.Column("last_error", sa.String(300)),
        sa.Column("created_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_telegram_outbox_chat_id_id", "telegram_outbox", ["chat_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_telegram_outbox_chat_id_id", table_name="telegram_outbox")
    op.drop_table("telegram_outbox")
    op.drop_table("telegram_updates")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("attachment")
