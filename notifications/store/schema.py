"""Every table of the hub's database, for the migrations and their check: importing the
modules that declare them registers them on the one metadata."""

from __future__ import annotations

from sqlalchemy import MetaData

from notifications.store import (  # noqa: F401  (importing them registers their tables)
    console_tables,  # the console's
    handoff_tables,  # the handed-over conversations
    question_tables,  # kept questions, staff answers
    spending_tables,  # the paid channels' monthly spending
)
from notifications.store.tables import Base


def metadata() -> MetaData:
    """The metadata of all the hub's tables (tables.py and console_tables.py)."""
    return Base.metadata
