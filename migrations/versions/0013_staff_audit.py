"""The audit log of staff actions (``staff_audit``), read by team leads in the inbox.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff_audit",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("staff_id", sa.Integer),
        sa.Column("actor", sa.String(120)),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("escalation_id", sa.Integer),
        sa.Column("client_id", sa.Integer),
        sa.Column("message_id", sa.Integer),
        sa.Column("detail", sa.String(200)),
        sa.Column("address_hash", sa.String(16)),
    )
    op.create_index("ix_staff_audit_at", "staff_audit", ["at"])


def downgrade() -> None:
    op.drop_index("ix_staff_audit_at", table_name="staff_audit")
    op.drop_table("staff_audit")
