"""Monthly spending of the paid channels: reservations that several workers share.

A reservation is one conditional UPDATE (`units + n <= cap`): the database serialises the
writers of a row (PostgreSQL's row lock; SQLite's single writer), so two workers can never
both take the last units of a month.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from notifications.store.database import Database
from notifications.store.spending_tables import SpendingRow


def _ensure_row(session: Session, channel: str, month: str) -> None:
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert(SpendingRow)
        .values(channel=channel, month=month, units=0)
        .on_conflict_do_nothing(index_elements=["channel", "month"])
    )


def reserve(
    db: Database, channel: str, month: str, prices: Sequence[int], cap: int | None
) -> list[bool]:
    """Add each of PRICES in turn to CHANNEL's spending of MONTH unless that would pass CAP
    (None: no cap), in one transaction; whether each was reserved."""
    granted: list[bool] = []
    with db.session() as session:
        _ensure_row(session, channel, month)
        for units in prices:
            query = update(SpendingRow).where(
                SpendingRow.channel == channel, SpendingRow.month == month
            )
            if cap is not None:
                query = query.where(SpendingRow.units + units <= cap)
            done = session.execute(query.values(units=SpendingRow.units + units)).rowcount
            granted.append(bool(done))
    return granted


def give_back(db: Database, channel: str, month: str, units: int) -> None:
    """UNITS reserved for a send the service did not take: no longer spent."""
    with db.session() as session:
        session.execute(
            update(SpendingRow)
            .where(SpendingRow.channel == channel, SpendingRow.month == month)
            .values(units=SpendingRow.units - units)
        )


def spent(db: Database, channel: str, month: str) -> int:
    """Units of CHANNEL reserved in MONTH, sends in flight included."""
    with db.reading() as session:
        units = session.scalar(
            select(SpendingRow.units).where(
                SpendingRow.channel == channel, SpendingRow.month == month
            )
        )
        return units or 0
