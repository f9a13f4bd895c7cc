"""Counter enrolment: who recorded a subscriber's consent, and how.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 13:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("subscribers", schema=None) as batch_op:
        # A staff e-mail, or "<user> (ligne de commande)"; NULL when the person subscribed
        # themselves (and for every subscriber recorded before this revision).
        batch_op.add_column(sa.Column("consent_by", sa.String(320), nullable=True))
        # A key of notifications.consent.ConsentWay ("guichet", "formulaire"…), shown in
        # French by its label; NULL as above.
        batch_op.add_column(sa.Column("consent_how", sa.String(20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("subscribers", schema=None) as batch_op:
        batch_op.drop_column("consent_how")
        batch_op.drop_column("consent_by")
