"""Erasure requests (``forget_me``) kept until carried out, retried by the housekeeping job.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "erasure_requests",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("conversation_id", sa.String(200)),
        sa.Column("status", sa.String(10), nullable=False, server_default="pending"),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_try_at", sa.DateTime(timezone=True)),
        sa.Column("last_error", sa.String(100)),
        sa.Column("done_at", sa.DateTime(timezone=True)),
        sa.Column("counts", sa.JSON),
    )
    op.create_index("ix_erasure_requests_status_next", "erasure_requests", ["status", "next_try_at"])
    op.create_index("ix_erasure_requests_conversation", "erasure_requests", ["conversation_id"])
    # Requests marked the old way (conversations.erase_requested) and not carried out yet.
    op.execute(
        "INSERT INTO erasure_requests (conversation_id, status, requested_at, attempts) "
        "SELECT id, 'pending', CURRENT_TIMESTAMP, 0 FROM conversations WHERE erase_requested = 1"
    )


def downgrade() -> None:
    op.drop_index("ix_erasure_requests_conversation", table_name="erasure_requests")
    op.drop_index("ix_erasure_requests_status_next", table_name="erasure_requests")
    op.drop_table("erasure_requests")
