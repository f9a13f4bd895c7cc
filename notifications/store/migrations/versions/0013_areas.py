"""Alerts by area (issue 12): the areas a subscriber chose and those a message is for, both
empty (the whole commune) for every row already there.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 03:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("subscribers", "messages"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("areas", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
            )


def downgrade() -> None:
    for table in ("subscribers", "messages"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("areas")
