"""Handoff and inbox: staff accounts, live escalations, staff replies in transcripts.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(100), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("display_name", sa.String(100), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("casemanager_id", sa.Integer, sa.ForeignKey("casemanagers.id", ondelete="SET NULL")),
        sa.Column("email", sa.String(200)),
        sa.Column("locale", sa.String(10)),
        sa.Column("telegram_chat_id", sa.BigInteger),
        sa.Column("telegram_code_hash", sa.String(64)),
        sa.Column("telegram_code_expires", sa.DateTime(timezone=True)),
        sa.Column("failed_logins", sa.Integer, server_default="0"),
        sa.Column("locked_until", sa.DateTime(timezone=True)),
        sa.Column("created_at", sa.DateTime(timezone=True)),
    )
    with op.batch_alter_table("escalations") as batch:
        batch.add_column(sa.Column("reason", sa.String(40)))
        batch.add_column(sa.Column("urgent", sa.Integer, server_default="0"))
        batch.add_column(sa.Column("live", sa.Integer, server_default="0"))
        batch.add_column(sa.Column("locale", sa.String(10)))
        batch.add_column(sa.Column("channel", sa.String(20)))
        batch.add_column(sa.Column("claimed_by", sa.Integer))
        batch.add_column(sa.Column("claimed_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("closed_by", sa.Integer))
        batch.add_column(sa.Column("closed_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("note", sa.Text))
        batch.add_column(sa.Column("notified_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("updated_at", sa.DateTime(timezone=True)))
        batch.create_index("ix_escalations_conversation_status", ["conversation_id", "status"])
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("staff_id", sa.Integer))
        batch.add_column(sa.Column("sender_name", sa.String(100)))


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("sender_name")
        batch.drop_column("staff_id")
    with op.batch_alter_table("escalations") as batch:
        batch.drop_index("ix_escalations_conversation_status")
        for name in ("updated_at", "notified_at", "note", "closed_at", "closed_by", "claimed_at",
                     "claimed_by", "channel", "locale", "live", "urgent", "reason"):
            batch.drop_column(name)
    op.drop_table("staff")
