"""The hub's factory: settings, database, town content and clock, built once per process."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from arobase.settings import Settings, load_settings
from arobase.town import Town, load_town
from notifications.db import Database

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class Hub:
    """What every hub operation needs; commands, the worker and the web app each build one."""

    settings: Settings
    db: Database
    town: Town
    clock: Clock = field(default=system_clock)

    @property
    def zone(self) -> ZoneInfo:
        return self.town.commune.zone

    def now(self) -> datetime:
        return self.clock()

    def topic_labels(self) -> dict[str, str]:
        return {key: topic.label for key, topic in self.town.topics.items()}

    def close(self) -> None:
        self.db.dispose()


def make_hub(settings: Settings | None = None, clock: Clock | None = None) -> Hub:
    settings = settings or load_settings()
    return Hub(
        settings=settings,
        db=Database(settings.database_url),
        town=load_town(settings.town_file),
        clock=clock or system_clock,
    )
