"""What a staff account may do to the content (``staff.content_roles``): editor,
translator per locale, reviewer.

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff") as batch:
        batch.add_column(sa.Column("content_roles", sa.JSON))


def downgrade() -> None:
    with op.batch_alter_table("staff") as batch:
        batch.drop_column("content_roles")
