"""Candidate training examples from unanswered questions (issue 15, point 6).

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "nlu_candidates",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("locale", sa.String(10), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("intent", sa.String(200), nullable=False),
        sa.Column("message_id", sa.Integer),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("author", sa.String(80)),
        sa.Column("created_at", sa.DateTime(timezone=True)),
        sa.Column("reviewer", sa.String(80)),
        sa.Column("reviewed_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_nlu_candidates_state", "nlu_candidates", ["state", "locale"])


def downgrade() -> None:
    op.drop_index("ix_nlu_candidates_state", "nlu_candidates")
    op.drop_table("nlu_candidates")
