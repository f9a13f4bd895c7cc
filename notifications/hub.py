"""The hub's one factory: settings, database, town content and clock, built once per process.

Every runtime opens its hub here (the web app, the actions, the Telegram bot, the worker
and the commands), and asks `hub_problem` whether its database can serve.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from arobase.clock import current_time
from arobase.settings import Settings, load_settings
from arobase.town import Town, load_town
from notifications.errors import HubError
from notifications.store.database import Database
from notifications.store.readiness import database_problem

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


class HubUnavailable(HubError):
    """The hub's database is not set up or not reachable here: the reason says which."""


@dataclass
class Hub:
    """What every hub operation needs."""

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


def assistant_clock(settings: Settings, town: Town) -> Clock:
    """The clock residents see: the system's, or the moment AROBASE_NOW freezes (tests and
    demonstrations see links expire and hours change when they say)."""
    return functools.partial(current_time, town.commune.zone, settings.now)


def hub_problem(settings: Settings) -> str | None:
    """Why the hub cannot serve with these settings (French), or None when it can."""
    return database_problem(settings.database_url)


def open_hub(
    settings: Settings | None = None,
    clock: Clock | None = None,
    *,
    town: Town | None = None,
    database: Database | None = None,
    check: bool = False,
) -> Hub:
    """The hub: TOWN read from the settings' file unless given, a DATABASE engine unless one
    is shared. With CHECK, HubUnavailable when `hub_problem` finds one (nothing is opened)."""
    settings = settings or load_settings()
    if check and (problem := hub_problem(settings)):
        raise HubUnavailable(problem)
    return Hub(
        settings=settings,
        db=database or Database(settings.database_url),
        town=town or load_town(settings.town_file),
        clock=clock or system_clock,
    )
