"""Fan-out timing, pure: when a message reaches a subscriber (quiet hours, digests, urgency)."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from notifications.decide.fanout import (
    confirmation_intent,
    delivery_time,
    in_quiet_hours,
    next_local,
)
from notifications.records import DeliveryIntent, Preferences

PARIS = ZoneInfo("Europe/Paris")
NIGHT = Preferences(quiet_start=time(22, 0), quiet_end=time(7, 0))
LUNCH = Preferences(quiet_start=time(12, 0), quiet_end=time(14, 0))
ANY_HOUR = Preferences(quiet_start=None, quiet_end=None)
DIGEST = Preferences(digest=True, digest_at=time(18, 0))


def paris(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=PARIS)


@pytest.mark.parametrize(
    ("preferences", "moment", "quiet"),
    [
        (NIGHT, time(23, 0), True),
        (NIGHT, time(3, 0), True),
        (NIGHT, time(7, 0), False),  # the end is not quiet any more
        (NIGHT, time(22, 0), True),
        (NIGHT, time(12, 0), False),
        (LUNCH, time(13, 0), True),
        (LUNCH, time(14, 0), False),
        (LUNCH, time(23, 0), False),
        (ANY_HOUR, time(3, 0), False),
        (Preferences(quiet_start=time(8, 0), quiet_end=time(8, 0)), time(8, 0), False),
    ],
)
def test_quiet_hours(preferences: Preferences, moment: time, quiet: bool) -> None:
    assert in_quiet_hours(preferences, moment) is quiet


@pytest.mark.parametrize(
    ("at", "after", "expected"),
    [
        (time(7, 0), paris(25, 3), paris(25, 7)),
        (time(7, 0), paris(25, 7), paris(26, 7)),  # strictly after
        (time(18, 0), paris(25, 19), paris(26, 18)),
        (time(7, 0), datetime(2026, 11, 25, 23, 30, tzinfo=UTC), paris(26, 7)),  # 00:30 there
    ],
)
def test_the_next_time_the_town_s_clocks_show_a_time(
    at: time, after: datetime, expected: datetime
) -> None:
    assert next_local(at, after, PARIS) == expected


@pytest.mark.parametrize(
    ("preferences", "urgent", "release", "expected"),
    [
        (NIGHT, False, paris(25, 23), (paris(26, 7), False)),  # held until morning
        (NIGHT, False, paris(25, 10), (paris(25, 10), False)),
        (NIGHT, True, paris(25, 23), (paris(25, 23), False)),  # urgent: at once
        (ANY_HOUR, False, paris(25, 3), (paris(25, 3), False)),
        (DIGEST, False, paris(25, 10), (paris(25, 18), True)),
        (DIGEST, False, paris(25, 19), (paris(26, 18), True)),
        (DIGEST, True, paris(25, 19), (paris(25, 19), False)),  # urgent: not in the digest
    ],
)
def test_when_a_message_reaches_a_subscriber(
    preferences: Preferences, urgent: bool, release: datetime, expected: tuple[datetime, bool]
) -> None:
    assert delivery_time(preferences, urgent, release, PARIS) == expected


def test_a_confirmation_request_goes_at_once_by_e_mail_before_anything_else() -> None:
    now = paris(25, 23)
    assert confirmation_intent(5, now) == DeliveryIntent(
        "subscriber:5", 5, "email", now, digest=False, urgent=True, destination=None
    )
