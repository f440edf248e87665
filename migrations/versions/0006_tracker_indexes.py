"""Indexes for Rasa's SQL tracker store (table ``events``).

Rasa 3.6 looks up the latest session of a conversation with
``max(timestamp) WHERE sender_id = ? AND type_name = 'session_started'`` and then reads
``WHERE sender_id = ? AND timestamp >= …`` on every message. With only its own index on
``sender_id`` both read every event the conversation ever had, so each message costs more
than the last (measured: bench "conversation growth"). Rasa creates ``events`` when it
first starts; this migration runs before that, so it creates the table with Rasa's own
columns (Rasa then finds it and leaves it) and adds the two indexes.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if not sa.inspect(bind).has_table("events"):
        sqlite = bind.dialect.name == "sqlite"
        sequence = None if sqlite else sa.Sequence("events_seq")
        if sequence is not None:
            op.execute(sa.schema.CreateSequence(sequence))
        id_column = (
            sa.Column("id", sa.Integer, primary_key=True)
            if sqlite
            else sa.Column("id", sa.Integer, sequence, primary_key=True)
        )
        op.create_table(
            "events",
            id_column,
            sa.Column("sender_id", sa.String(255), nullable=False),
            sa.Column("type_name", sa.String(255), nullable=False),
            sa.Column("timestamp", sa.Float),
            sa.Column("intent_name", sa.String(255)),
            sa.Column("action_name", sa.String(255)),
            sa.Column("data", sa.Text),
        )
        op.create_index("ix_events_sender_id", "events", ["sender_id"])
    op.create_index("ix_events_sender_type_time", "events", ["sender_id", "type_name", "timestamp"])
    op.create_index("ix_events_sender_time", "events", ["sender_id", "timestamp"])


def downgrade() -> None:
    op.drop_index("ix_events_sender_time", table_name="events")
    op.drop_index("ix_events_sender_type_time", table_name="events")
    # The table is Rasa's once it holds conversations; an empty one goes with this revision.
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT COUNT(*) FROM events")).scalar() == 0:
        op.drop_table("events")
        if bind.dialect.name != "sqlite":
            op.execute(sa.schema.DropSequence(sa.Sequence("events_seq")))
