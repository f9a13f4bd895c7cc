"""Hardening: urgent deliveries first, throttled retries counted apart, each delivery's
destination (so that a claim can skip a full one), deactivation time.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 06:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from notifications.destinations import destination_of

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
        # The origin of a push endpoint, the digest of an apprise URL's host; NULL for
        # Telegram and e-mail, which are not capped (notifications/destinations.py).
        batch_op.add_column(sa.Column("destination", sa.String(200), nullable=True))
        batch_op.create_index(
            "ix_deliveries_claim", ["channel", "status", "urgent", "next_attempt_at"]
        )
    op.execute(
        "UPDATE deliveries SET urgent = (SELECT messages.urgent FROM messages "
        "WHERE messages.id = deliveries.message_id)"
    )
    _backfill_destinations()
    with op.batch_alter_table("subscribers", schema=None) as batch_op:
        # When a channel refused for good: deactivated subscribers are erased after the
        # retention period stated on the privacy page.
        batch_op.add_column(sa.Column("deactivated_at", sa.DateTime(timezone=True), nullable=True))


def _backfill_destinations() -> None:
    """Rows still to send get their destination; town-wide targets (their URL is in the
    settings, not here) stay NULL: uncapped, as before."""
    connection = op.get_bind()
    rows = connection.execute(
        sa.text(
            "SELECT deliveries.id, deliveries.channel, subscribers.address FROM deliveries "
            "JOIN subscribers ON subscribers.id = deliveries.subscriber_id "
            "WHERE deliveries.status IN ('pending', 'sending') "
            "AND deliveries.channel IN ('webpush', 'apprise')"
        )
    ).all()
    values = [
        {"id": id, "destination": destination_of(channel, address)} for id, channel, address in rows
    ]
    if values:
        connection.execute(
            sa.text("UPDATE deliveries SET destination = :destination WHERE id = :id"), values
        )


def downgrade() -> None:
    with op.batch_alter_table("subscribers", schema=None) as batch_op:
        batch_op.drop_column("deactivated_at")
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_deliveries_claim")
        batch_op.drop_column("destination")
        batch_op.drop_column("throttled")
        batch_op.drop_column("urgent")
