"""Casemanagers, clients, identities, link codes, appointments, schools, escalations.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("erase_requested", sa.Integer, server_default="0"))
    op.create_table(
        "casemanagers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("first_name", sa.String(100), nullable=False),
        sa.Column("last_name", sa.String(100), nullable=False),
        sa.Column("team", sa.String(100), nullable=False),
        sa.Column("email", sa.String(200)),
        sa.Column("phone", sa.String(40)),
        sa.Column("languages", sa.JSON),
        sa.Column("office_hours", sa.JSON),
        sa.Column("absent_until", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "clients",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("first_name", sa.String(100), nullable=False),
        sa.Column("last_name", sa.String(100), nullable=False),
        sa.Column("locale", sa.String(10), nullable=False),
        sa.Column("casemanager_id", sa.Integer, sa.ForeignKey("casemanagers.id")),
        sa.Column("district", sa.String(40)),
        sa.Column("children", sa.Integer),
        sa.Column("created_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "channel_identities",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("conversation_id", sa.String(200), nullable=False, unique=True),
        sa.Column("client_id", sa.Integer, sa.ForeignKey("clients.id", ondelete="CASCADE"), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "link_codes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("client_id", sa.Integer, sa.ForeignKey("clients.id", ondelete="CASCADE"), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True)),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True)),
        sa.Column("used_by", sa.String(200)),
    )
    op.create_table(
        "link_attempts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("conversation_id", sa.String(200), nullable=False),
        sa.Column("attempted_at", sa.DateTime(timezone=True)),
        sa.Column("success", sa.Integer),
    )
    op.create_index("ix_link_attempts_conv_at", "link_attempts", ["conversation_id", "attempted_at"])
    op.create_table(
        "appointments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("client_id", sa.Integer, sa.ForeignKey("clients.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_min", sa.Integer),
        sa.Column("location", sa.String(200)),
        sa.Column("address", sa.String(300)),
        sa.Column("with_whom", sa.String(200)),
        sa.Column("bring", sa.Text),
    )
    op.create_index("ix_appointments_client_start", "appointments", ["client_id", "starts_at"])
    op.create_table(
        "language_schools",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("district", sa.String(40), nullable=False),
        sa.Column("address", sa.String(300), nullable=False),
        sa.Column("routes", sa.JSON),
        sa.Column("levels", sa.JSON),
        *[sa.Column(c, sa.Integer) for c in ("daytime", "evening", "weekend", "childcare",
                                               "women_only", "online", "waiting_weeks", "blik_op_werk")],
    )
    op.create_table(
        "escalations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("conversation_id", sa.String(200), nullable=False),
        sa.Column("client_id", sa.Integer, sa.ForeignKey("clients.id", ondelete="SET NULL")),
        sa.Column("casemanager_id", sa.Integer, sa.ForeignKey("casemanagers.id", ondelete="SET NULL")),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("status", sa.String(20)),
        sa.Column("details", sa.JSON),
        sa.Column("created_at", sa.DateTime(timezone=True)),
    )


def downgrade() -> None:
    op.drop_table("escalations")
    op.drop_table("language_schools")
    op.drop_index("ix_appointments_client_start", table_name="appointments")
    op.drop_table("appointments")
    op.drop_index("ix_link_attempts_conv_at", table_name="link_attempts")
    op.drop_table("link_attempts")
    op.drop_table("link_codes")
    op.drop_table("channel_identities")
    op.drop_table("clients")
    op.drop_table("casemanagers")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("erase_requested")
