"""Hardening: urgent deliveries first, throttled retries counted apart, deactivation time.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 06:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        # Copied from the message at fan-out, so that a claim can take urgent rows first
        # without a join.
        batch_op.add_column(
            sa.Column("urgent", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        # Tries the service asked us to postpone (429, Retry-After, a busy destination):
        # not failures of the delivery, but capped apart so that they cannot loop for ever.
        batch_op.add_column(
            sa.Column("throttled", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.create_index(
            "ix_deliveries_claim", ["channel", "status", "urgent", "next_attempt_at"]
        )
    op.execute(
        "UPDATE deliveries SET urgent = (SELECT messages.urgent FROM messages "
        "WHERE messages.id = deliveries.message_id)"
    )
    with op.batch_alter_table("subscribers", schema=None) as batch_op:
        # When a channel refused for good: deactivated subscribers are erased after the
        # retention period stated on the privacy page.
        batch_op.add_column(sa.Column("deactivated_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("subscribers", schema=None) as batch_op:
        batch_op.drop_column("deactivated_at")
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_deliveries_claim")
        batch_op.drop_column("throttled")
        batch_op.drop_column("urgent")
