"""Announcements: drafts, edits and the two-person rule's approvals.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 13:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

COLUMNS = (
    "created_by",
    "edited_by",
    "approved_by",
    "bypass_reason",
    "review_note",
    "immediate",
    "revision",
    "updated_at",
)


def upgrade() -> None:
    # The statuses "draft" and "awaiting" fit the existing String(12): no change there. The
    # worker releases "scheduled" messages only, so neither is ever fanned out.
    with op.batch_alter_table("messages", schema=None) as batch_op:
        # Staff e-mails (the accounts' own length); NULL for feed items and older messages.
        batch_op.add_column(sa.Column("created_by", sa.String(320), nullable=True))
        batch_op.add_column(sa.Column("edited_by", sa.String(320), nullable=True))
        batch_op.add_column(sa.Column("approved_by", sa.String(320), nullable=True))
        # Why an urgent announcement went without the second person's approval.
        batch_op.add_column(sa.Column("bypass_reason", sa.Text(), nullable=True))
        # Why a reviewer sent it back to draft, for its author.
        batch_op.add_column(sa.Column("review_note", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("immediate", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("revision", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    # Drafts and messages awaiting approval were never released; the older code knows
    # neither status, so they are kept as cancelled (their text stays readable).
    op.execute("UPDATE messages SET status = 'cancelled' WHERE status IN ('draft', 'awaiting')")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        for name in reversed(COLUMNS):
            batch_op.drop_column(name)
