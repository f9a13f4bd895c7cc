"""Conversations handed over to a town agent (issue 11).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 15:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "handoffs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation", sa.String(length=200), nullable=False),
        sa.Column("open_conversation", sa.String(length=200), nullable=True),
        sa.Column("front", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("transcript", sa.JSON(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("during_hours", sa.Boolean(), nullable=False),
        sa.Column("next_opening", sa.DateTime(timezone=True), nullable=True),
        sa.Column("taken_by", sa.String(length=320), nullable=True),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=320), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("open_conversation"),
    )
    op.create_index("ix_handoffs_conversation", "handoffs", ["conversation"])
    op.create_index("ix_handoffs_status", "handoffs", ["status", "opened_at"])
    op.create_index("ix_handoffs_closed_at", "handoffs", ["closed_at"])
    op.create_table(
        "handoff_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("handoff_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("author", sa.String(length=8), nullable=False),
        sa.Column("agent", sa.String(length=320), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("relay", sa.String(length=8), nullable=True),
        sa.Column("relay_error", sa.String(length=300), nullable=True),
        sa.Column("relay_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["handoff_id"], ["handoffs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_handoff_messages_handoff", "handoff_messages", ["handoff_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_handoff_messages_handoff", table_name="handoff_messages")
    op.drop_table("handoff_messages")
    op.drop_index("ix_handoffs_closed_at", table_name="handoffs")
    op.drop_index("ix_handoffs_status", table_name="handoffs")
    op.drop_index("ix_handoffs_conversation", table_name="handoffs")
    op.drop_table("handoffs")
