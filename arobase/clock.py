"""The current time in the town's zone; frozen by AROBASE_NOW for tests and demonstrations."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo


def current_time(zone: ZoneInfo, frozen: datetime | None = None) -> datetime:
    if frozen is None:
        return datetime.now(zone)
    return frozen.astimezone(zone) if frozen.tzinfo else frozen.replace(tzinfo=zone)
