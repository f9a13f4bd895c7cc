"""Town content edited in the console: closures and procedures, merged over the file.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 13:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "town_closures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("services", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("hours", sa.String(length=100), nullable=True),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("created_by", sa.String(length=320), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=320), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_town_closures_day", "town_closures", ["day"])
    op.create_table(
        "town_procedures",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("checked", sa.Date(), nullable=False),
        sa.Column("edited_by", sa.String(length=320), nullable=False),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    revisions = op.create_table(
        "town_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    # Its one row exists from the start: an edit only ever updates it.
    op.bulk_insert(revisions, [{"id": 1, "revision": 0}])


def downgrade() -> None:
    op.drop_table("town_revision")
    op.drop_table("town_procedures")
    op.drop_index("ix_town_closures_day", table_name="town_closures")
    op.drop_table("town_closures")
