"""Staff console: the optional second factor (TOTP) of an account.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch: SQLite adds a unique column only by rebuilding the table.
    with op.batch_alter_table("staff_accounts") as batch:
        batch.add_column(sa.Column("totp_secret", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("totp_confirmed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("totp_last_step", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("totp_pending_hash", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("totp_pending_until", sa.DateTime(timezone=True), nullable=True))
        batch.create_unique_constraint("uq_staff_accounts_totp_pending_hash", ["totp_pending_hash"])


def downgrade() -> None:
    with op.batch_alter_table("staff_accounts") as batch:
        batch.drop_constraint("uq_staff_accounts_totp_pending_hash", type_="unique")
        batch.drop_column("totp_pending_until")
        batch.drop_column("totp_pending_hash")
        batch.drop_column("totp_last_step")
        batch.drop_column("totp_confirmed_at")
        batch.drop_column("totp_secret")
