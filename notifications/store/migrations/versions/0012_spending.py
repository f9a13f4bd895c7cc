"""What the paid channels spent each month, for the SMS budget (issue 12).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 03:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "channel_spending",
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("channel", "month"),
    )


def downgrade() -> None:
    op.drop_table("channel_spending")
