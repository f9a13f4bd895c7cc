"""The dashboard's activity: the worker's heartbeat and chat messages per day.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 13:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "worker_beats",
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("beat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "chat_counts",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("front", sa.String(length=16), nullable=False),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "front"),
    )
    # The dashboard's deliveries per day and channel: index ranges counted, no row read.
    op.create_index("ix_deliveries_created", "deliveries", ["channel", "status", "created_at"])
    # A message's page: its counts per channel and status, its latest failures, from the index.
    op.create_index(
        "ix_deliveries_message_status", "deliveries", ["message_id", "status", "id", "channel"]
    )


def downgrade() -> None:
    op.drop_index("ix_deliveries_message_status", table_name="deliveries")
    op.drop_index("ix_deliveries_created", table_name="deliveries")
    op.drop_table("chat_counts")
    op.drop_table("worker_beats")
