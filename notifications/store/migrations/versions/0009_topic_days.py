"""The dashboard: subscribers per topic and day, counted by the worker.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 14:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "topic_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("topic", sa.String(length=40), nullable=False),
        sa.Column("subscribers", sa.Integer(), nullable=False),
        sa.Column("counted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("day", "topic"),
    )


def downgrade() -> None:
    op.drop_table("topic_days")
