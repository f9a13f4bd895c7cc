"""What a person chooses when subscribing, checked without a database: quiet hours, times of
day, topics against the town's, a chat's added and removed topics, a confirmation link's state."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from notifications.decide.subscriptions import (
    ConfirmationLink,
    LinkState,
    choose_topics,
    link_of,
    parse_hhmm,
    parse_quiet_hours,
    retention_cutoff,
    topics_added,
    topics_removed,
)
from notifications.errors import InvalidInput, UnknownTopic
from notifications.records import SubscriberInfo

KNOWN = ("travaux", "ecoles", "evenements")
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("spec", "hours"),
    [
        (None, ("22:00", "07:00")),  # not said: the town's default nights
        ("21:30-06:45", ("21:30", "06:45")),
        (" 23:00 - 05:00 ", ("23:00", "05:00")),
        ("12:00-14:00", ("12:00", "14:00")),  # a daytime range is a choice too
        ("non", (None, None)),
        ("Aucune", (None, None)),
        ("off", (None, None)),
        ("", (None, None)),
    ],
)
def test_quiet_hours_as_typed(spec: str | None, hours: tuple[str | None, str | None]) -> None:
    assert parse_quiet_hours(spec) == hours


@pytest.mark.parametrize("spec", ["22:00", "22h-7h", "24:00-07:00", "22:00-22:00", "7:00-9:00"])
def test_quiet_hours_refused_say_the_expected_form(spec: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_quiet_hours(spec)

    assert str(refused.value) == (
        f"heures calmes invalides « {spec} » : format attendu 22:00-07:00, ou « non »"
    )


@pytest.mark.parametrize(("value", "time"), [("18:00", "18:00"), (" 07:30 ", "07:30")])
def test_a_time_of_day(value: str, time: str) -> None:
    assert parse_hhmm(value, "heure du résumé") == time


@pytest.mark.parametrize("value", ["18h", "6:00", "25:00", "18:60", ""])
def test_a_wrong_time_of_day_says_the_expected_form(value: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_hhmm(value, "heure du résumé")

    assert str(refused.value) == (
        f"heure du résumé invalide « {value} » : format attendu HH:MM, ex. 18:00"
    )


@pytest.mark.parametrize(
    ("asked", "chosen"),
    [
        (["travaux"], ("travaux",)),
        ([" ecoles ", "travaux", "ecoles"], ("ecoles", "travaux")),  # trimmed, once each
        (["tout"], KNOWN),
        (["travaux", "tous"], KNOWN),
        (["all"], KNOWN),
        ([], ()),
    ],
)
def test_topics_chosen_among_the_town_s(asked: list[str], chosen: tuple[str, ...]) -> None:
    assert choose_topics(KNOWN, asked) == chosen


def test_an_unknown_topic_names_the_possible_ones() -> None:
    with pytest.raises(UnknownTopic) as refused:
        choose_topics(KNOWN, ["travaux", "piscine"])

    assert str(refused.value) == (
        "thème inconnu « piscine » : thèmes possibles travaux, ecoles, evenements"
    )


@pytest.mark.parametrize(
    ("current", "chosen", "added"),
    [
        ((), ("travaux", "ecoles"), ("travaux", "ecoles")),
        (("ecoles",), ("travaux", "ecoles"), ("travaux",)),
        (("ecoles", "travaux"), ("travaux",), ()),  # had them all
    ],
)
def test_the_topics_a_chat_adds(
    current: tuple[str, ...], chosen: tuple[str, ...], added: tuple[str, ...]
) -> None:
    assert topics_added(current, chosen) == added


@pytest.mark.parametrize(
    ("current", "chosen", "removed"),
    [
        (("travaux", "ecoles"), None, ("ecoles", "travaux")),  # all of them, sorted
        (("travaux", "ecoles"), ("travaux",), ("travaux",)),
        (("travaux",), ("ecoles",), ()),  # never had it
        ((), None, ()),
    ],
)
def test_the_topics_a_chat_removes(
    current: tuple[str, ...], chosen: tuple[str, ...] | None, removed: tuple[str, ...]
) -> None:
    assert topics_removed(current, chosen) == removed


SUBSCRIBER = SubscriberInfo(
    id=7, channel="email", address="lea@exemple.example", topics=("travaux",), active=True,
    confirmed=False, consent_at=NOW, quiet=None, digest_at=None, deactivated_reason=None,
    deactivated_at=None, token="t" * 32,
)  # fmt: skip


@pytest.mark.parametrize(
    ("confirmed", "age", "link"),
    [
        (False, timedelta(days=7) - timedelta(seconds=1), "pending"),
        (False, timedelta(days=7), "expired"),  # at seven days sharp
        (True, timedelta(days=400), "confirmed"),
    ],
)
def test_a_link_s_state_from_its_subscriber(confirmed: bool, age: timedelta, link: str) -> None:
    subscriber = replace(SUBSCRIBER, confirmed=confirmed, consent_at=NOW - age)
    state = LinkState(link)
    shown = None if state is LinkState.EXPIRED else subscriber

    assert link_of(subscriber, retention_cutoff(NOW, 7)) == ConfirmationLink(state, shown)


def test_a_link_no_one_has_is_unknown() -> None:
    assert link_of(None, NOW) == ConfirmationLink(LinkState.UNKNOWN)


@pytest.mark.parametrize(("days", "cutoff"), [(7, datetime(2026, 11, 24, 9, 0, tzinfo=UTC))])
def test_the_retention_cutoff(days: int, cutoff: datetime) -> None:
    assert retention_cutoff(NOW, days) == cutoff
