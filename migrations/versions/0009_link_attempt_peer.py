"""Link attempts remember the (keyed hash of the) network address they came from, so
wrong codes are limited per address as well as per chat.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("link_attempts") as batch:
        batch.add_column(sa.Column("peer_hash", sa.String(32)))
    op.create_index("ix_link_attempts_peer_at", "link_attempts", ["peer_hash", "attempted_at"])


def downgrade() -> None:
    op.drop_index("ix_link_attempts_peer_at", table_name="link_attempts")
    with op.batch_alter_table("link_attempts") as batch:
        batch.drop_column("peer_hash")
