"""Time expressions in residents' French questions."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from arobase.when import When, normalize, parse_when

PARIS = ZoneInfo("Europe/Paris")
NOW = dt.datetime(2026, 11, 25, 10, tzinfo=PARIS)  # a Wednesday
TODAY = NOW.date()


def d(month: int, day: int, year: int = 2026) -> dt.date:
    return dt.date(year, month, day)


NOW_PHRASES = [
    "maintenant",
    "c'est ouvert en ce moment ?",
    "vous êtes ouverts là ?",
    "ACTUELLEMENT",
    "la mairie est ouverte ?",
    "horaires de la médiathèque",
    "Horaires du marché de Noël",
    "carte d'identité : quels documents ?",
    "ouvert 24h/24 ?",
    "appeler le 01 99 00 12 34",
    "le 31/02",
    "",
]


@pytest.mark.parametrize("text", NOW_PHRASES)
def test_now(text: str) -> None:
    assert parse_when(text, NOW) == When("now", (TODAY,), None)


DAY_PHRASES = [
    ("aujourd'hui", (d(11, 25),)),
    ("aujourd’hui", (d(11, 25),)),
    ("aujourdhui", (d(11, 25),)),
    ("Ajd ?", (d(11, 25),)),
    ("demain", (d(11, 26),)),
    ("DEMAIN", (d(11, 26),)),
    ("après-demain", (d(11, 27),)),
    ("apres demain", (d(11, 27),)),
    ("lundi", (d(11, 30),)),
    ("mardi", (d(12, 1),)),
    ("mercredi", (d(11, 25),)),  # today is a Wednesday
    ("mercredi prochain", (d(12, 2),)),
    ("jeudi", (d(11, 26),)),
    ("vendredi", (d(11, 27),)),
    ("samedi", (d(11, 28),)),
    ("dimanche", (d(11, 29),)),
    ("ce week-end", (d(11, 28), d(11, 29))),
    ("ce we", (d(11, 28), d(11, 29))),
    ("le weekend", (d(11, 28), d(11, 29))),
    ("Ouvert ce WE ?", (d(11, 28), d(11, 29))),
    ("samedi ou dimanche", (d(11, 28), d(11, 29))),
    ("le 24 décembre", (d(12, 24),)),
    ("24 decembre", (d(12, 24),)),
    ("24/12", (d(12, 24),)),
    ("24/12/2026", (d(12, 24),)),
    ("24-12-2026", (d(12, 24),)),
    ("24/12/26", (d(12, 24),)),
    ("jeudi 24 décembre", (d(12, 24),)),
    ("le 1er janvier", (d(1, 1, 2027),)),
    ("ouvert le 1er mai ?", (d(5, 1, 2027),)),
    ("le 2 janvier", (d(1, 2, 2027),)),  # past this year: next year
    ("le 25 novembre", (d(11, 25),)),  # today
    ("le 24 novembre", (d(11, 24, 2027),)),  # yesterday: next year
    ("le 24", (d(12, 24),)),  # day of month only: the next 24th
    ("le 30", (d(11, 30),)),
    ("à Noël", (d(12, 25),)),
    ("le lundi de Pâques", (d(3, 29, 2027),)),
    ("lundi de pentecote", (d(5, 17, 2027),)),
    ("le jour de l'an", (d(1, 1, 2027),)),
    ("pour la Toussaint", (d(11, 1, 2027),)),
]


@pytest.mark.parametrize(("text", "days"), DAY_PHRASES)
def test_days(text: str, days: tuple[dt.date, ...]) -> None:
    assert parse_when(text, NOW) == When("days", days, None)


PART_PHRASES = [
    ("samedi matin", (d(11, 28),), "matin"),
    ("Samedi après-midi", (d(11, 28),), "apres-midi"),
    ("samedi aprem", (d(11, 28),), "apres-midi"),
    ("samedi apres midi", (d(11, 28),), "apres-midi"),
    ("demain matin", (d(11, 26),), "matin"),
    ("demain soir", (d(11, 26),), "soir"),
    ("ce matin", (d(11, 25),), "matin"),
    ("cet aprèm", (d(11, 25),), "apres-midi"),
    ("ce soir", (d(11, 25),), "soir"),
    ("le matin ?", (d(11, 25),), "matin"),
    ("ce week-end le matin", (d(11, 28), d(11, 29)), "matin"),
    ("le 24/12 au matin", (d(12, 24),), "matin"),
    ("après-demain aprem", (d(11, 27),), "apres-midi"),
]


@pytest.mark.parametrize(("text", "days", "part"), PART_PHRASES)
def test_parts_of_day(text: str, days: tuple[dt.date, ...], part: str) -> None:
    assert parse_when(text, NOW) == When("days", days, part)


@pytest.mark.parametrize(
    ("now", "days"),
    [
        (dt.datetime(2026, 11, 28, 9, tzinfo=PARIS), (d(11, 28), d(11, 29))),  # Saturday
        (dt.datetime(2026, 11, 29, 9, tzinfo=PARIS), (d(11, 29),)),  # Sunday: Saturday is past
        (dt.datetime(2026, 11, 30, 9, tzinfo=PARIS), (d(12, 5), d(12, 6))),  # Monday
    ],
)
def test_weekend_depends_on_today(now: dt.datetime, days: tuple[dt.date, ...]) -> None:
    assert parse_when("ce week-end", now).days == days


def test_year_rollover_at_year_end() -> None:
    now = dt.datetime(2026, 12, 31, 18, tzinfo=PARIS)
    assert parse_when("demain", now).days == (d(1, 1, 2027),)
    assert parse_when("le 2 janvier", now).days == (d(1, 2, 2027),)
    assert parse_when("le 31 décembre", now).days == (d(12, 31),)


def test_day_of_month_skips_short_months() -> None:
    now = dt.datetime(2027, 1, 31, 18, tzinfo=PARIS)
    assert parse_when("le 30", now).days == (d(3, 30, 2027),)


def test_now_uses_the_clock_given() -> None:
    now = dt.datetime(2030, 6, 1, 12, tzinfo=PARIS)
    assert parse_when("maintenant", now) == When("now", (now.date(),), None)


@pytest.mark.parametrize(
    ("text", "normal"),
    [
        ("Aujourd’hui ?", " aujourd hui "),
        ("APRÈS-MIDI", " apres midi "),
        ("24.12.2026", " 24/12/2026 "),
    ],
)
def test_normalize(text: str, normal: str) -> None:
    assert normalize(text) == normal
