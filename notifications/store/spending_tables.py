"""The table of what the town's paid channels spent (migration 0012): one row per channel and
month, counting the units reserved before each send (an SMS's segments)."""

from __future__ import annotations

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from notifications.store.tables import Base


class SpendingRow(Base):
    """Units of CHANNEL reserved in MONTH ("2026-12", the town's calendar): a send reserves
    its price before it goes and gives it back when the service did not take it."""

    __tablename__ = "channel_spending"

    channel: Mapped[str] = mapped_column(String(32), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    units: Mapped[int] = mapped_column(Integer, default=0)
