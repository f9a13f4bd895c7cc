"""Fan-out and retry deciders, pure: who gets a message and how urgently, what a retry becomes."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from notifications.decide.fanout import plan_fanout
from notifications.decide.retry import (
    RetryLimits,
    RetryPlan,
    plan_retry,
    poll_backoff,
    throttle_delay,
)
from notifications.records import Broadcast, DeliveryIntent, Preferences, Recipient

PARIS = ZoneInfo("Europe/Paris")
NIGHT = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # 03:00 in Paris: quiet hours
QUIET = Preferences(quiet_start=time(22, 0), quiet_end=time(7, 0))
MORNING = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)  # 07:00 in Paris
FCM = "https://fcm.googleapis.com"


def recipients() -> list[Recipient]:
    return [
        Recipient(1, "telegram", frozenset({"alertes"}), QUIET),
        Recipient(2, "webpush", frozenset({"alertes", "travaux"}), QUIET, FCM),
        Recipient(3, "webpush", frozenset({"ecoles"}), QUIET, FCM),
    ]


def test_urgency_and_destination_are_copied_into_each_intent() -> None:
    broadcasts = [Broadcast("mastodon", frozenset(), "apprise:0123456789abcdef")]
    intents = plan_fanout(["alertes"], True, NIGHT, recipients(), PARIS, broadcasts)
    assert intents == [
        DeliveryIntent("subscriber:1", 1, "telegram", NIGHT, False, True, None),
        DeliveryIntent("subscriber:2", 2, "webpush", NIGHT, False, True, FCM),
        DeliveryIntent("broadcast:mastodon", None, "apprise", NIGHT, False, True,
                       "apprise:0123456789abcdef"),
    ]  # fmt: skip


def test_an_ordinary_message_waits_for_the_morning_and_is_not_urgent() -> None:
    intents = plan_fanout(["alertes"], False, NIGHT, recipients(), PARIS)
    assert [(i.subscriber_id, i.not_before, i.urgent) for i in intents] == [
        (1, MORNING, False),
        (2, MORNING, False),
    ]


@pytest.mark.parametrize(
    ("asked", "waited"),
    [
        (0.0, 0.0),
        (2.5, 2.5),
        (3600.0, 3600.0),
        (21600.0, 21600.0),  # the cap itself
        (1e12, 21600.0),  # "Retry-After: 1e12" overflowed a datetime
        (math.inf, 21600.0),
        (math.nan, 21600.0),  # unreadable: the longest wait we allow
        (-5.0, 0.0),
        (-math.inf, 0.0),
    ],
)
def test_a_service_s_wish_to_wait_is_kept_within_bounds(asked: float, waited: float) -> None:
    assert throttle_delay(asked, cap=21600.0) == waited


LIMITS = RetryLimits(max_attempts=3, max_throttled=5, base=30, cap=600)


@pytest.mark.parametrize(
    ("attempts", "throttled", "after", "plan"),
    [
        # Being asked to wait: postponed as asked, counted apart from the attempts.
        (1, 0, 120.0, RetryPlan(False, 120.0, True, "429")),
        (3, 3, 1e12, RetryPlan(False, 600.0, True, "429")),  # attempts do not matter here
        (1, 4, 1.0, RetryPlan(True, 0.0, True, "abandon après 5 demandes d'attendre : 429")),
        # A failure: backoff, then given up after max_attempts.
        (2, 4, None, RetryPlan(False, 60.0, False, "429")),
        (3, 0, None, RetryPlan(True, 0.0, False, "abandon après 3 essais : 429")),
    ],
)
def test_what_a_retry_becomes(
    attempts: int, throttled: int, after: float | None, plan: RetryPlan
) -> None:
    assert plan_retry(attempts, throttled, "429", after, LIMITS, Ceiling()) == plan


class Ceiling(random.Random):
    """Jitter at its highest: retry_delay's ceiling exactly (2 × 30 s on a second attempt)."""

    def uniform(self, a: float, b: float) -> float:
        return b


@pytest.mark.parametrize(
    ("failures", "wait"),
    [(1, 300.0), (2, 600.0), (4, 2400.0), (10, 21600.0), (0, 300.0)],  # capped at 6 hours
)
def test_a_failing_source_is_read_less_and_less_often(failures: int, wait: float) -> None:
    assert poll_backoff(failures, interval=300.0) == wait


def test_a_message_for_an_area_reaches_its_residents_and_those_who_chose_none() -> None:
    residents = [
        Recipient(1, "sms", frozenset({"travaux"}), QUIET, areas=frozenset({"secteur_a"})),
        Recipient(2, "sms", frozenset({"travaux"}), QUIET, areas=frozenset({"secteur_b"})),
        Recipient(3, "sms", frozenset({"travaux"}), QUIET),  # every area
        Recipient(
            4, "sms", frozenset({"travaux"}), QUIET, areas=frozenset({"secteur_a", "secteur_b"})
        ),
    ]

    def reached(areas: tuple[str, ...]) -> list[int | None]:
        intents = plan_fanout(["travaux"], True, MORNING, residents, PARIS, areas=areas)
        return [intent.subscriber_id for intent in intents]

    assert reached(("secteur_a",)) == [1, 3, 4]
    assert reached(("secteur_b",)) == [2, 3, 4]
    assert reached(()) == [1, 2, 3, 4]  # the whole commune
