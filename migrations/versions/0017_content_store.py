"""The content store: every version of every answer and translation (``content_versions``)
and the store's version number and file layouts (``content_state``).

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "content_versions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("locale", sa.String(10), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("source", sa.Text),
        sa.Column("buttons", sa.JSON),
        sa.Column("facts", sa.JSON),
        sa.Column("note", sa.Text),
        sa.Column("choice_button", sa.JSON),
        sa.Column("needs_review", sa.Integer),
        sa.Column("comments", sa.JSON),
        sa.Column("raw", sa.Text),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("author", sa.String(120)),
        sa.Column("author_id", sa.Integer),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewer", sa.String(120)),
        sa.Column("reviewer_id", sa.Integer),
        sa.Column("reviewed_at", sa.DateTime(timezone=True)),
        sa.Column("publish_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_content_versions_key_locale", "content_versions", ["key", "locale", "id"])
    op.create_index("ix_content_versions_state", "content_versions", ["state", "publish_at"])
    op.create_table(
        "content_state",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("data", sa.JSON),
    )


def downgrade() -> None:
    op.drop_table("content_state")
    op.drop_index("ix_content_versions_state", table_name="content_versions")
    op.drop_index("ix_content_versions_key_locale", table_name="content_versions")
    op.drop_table("content_versions")
