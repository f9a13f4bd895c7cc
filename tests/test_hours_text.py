"""Opening hours said in French: exact sentences."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from arobase.hours import calendar_for
from arobase.hours_text import agree, counted, describe_hours, format_date, format_time
from arobase.town import Town, parse_town
from arobase.when import When, parse_when

PARIS = ZoneInfo("Europe/Paris")
NOW = dt.datetime(2026, 11, 25, 10, tzinfo=PARIS)  # a Wednesday

TOWN_YAML = """
commune:
  name: Testville
  timezone: Europe/Paris
  country: FR
  main_service: mairie
services:
  mairie:
    name: Mairie
    short: la mairie
    gender: f
    address: 1 place de la Mairie
    phone: "01 99 00 12 34"
    email: mairie@testville.example
    opening_hours: "Mo-Fr 08:30-12:00,13:30-17:30; Sa 09:00-12:00; PH off"
  ccas:
    name: Centre communal d'action sociale
    short: le CCAS
    gender: m
    address: 1 place de la Mairie
    phone: "01 99 00 12 35"
    email: ccas@testville.example
    opening_hours: "Mo-Fr 08:30-12:00; PH off"
  techniques:
    name: Services techniques
    short: les services techniques
    gender: m
    plural: true
    address: 2 rue des Ateliers
    phone: "01 99 00 12 36"
    email: st@testville.example
    opening_hours: "Mo-Fr 08:00-12:00; PH off"
  foyer:
    name: Foyer des jeunes
    short: le foyer
    gender: m
    address: 3 rue du Foyer
    phone: "01 99 00 12 37"
    email: foyer@testville.example
    opening_hours: "Fr,Sa 18:00-02:00"
  piscine:
    name: Piscine
    short: la piscine
    gender: f
    address: 4 rue du Bassin
    phone: "01 99 00 12 38"
    email: piscine@testville.example
    opening_hours: "Jun-Aug 10:00-19:00"
closures:
  - date: 2026-12-24
    reason: veille de Noël
    hours: "08:30-12:00"
    services: [mairie]
  - date: 2026-12-28
    until: 2027-01-02
    reason: fermeture de fin d'année
    services: [mairie]
  - date: 2026-09-01
    until: 2028-01-01
    reason: rénovation du bassin
    services: [piscine]
procedures: {}
topics: {}
"""


@pytest.fixture(scope="module")
def town() -> Town:
    return parse_town(TOWN_YAML)


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=PARIS)


def say(town: Town, key: str, question: str, now: dt.datetime = NOW) -> str:
    """The answer to a question about a service, at `now`."""
    calendar = calendar_for(town, key)
    return describe_hours(town.services[key], calendar, parse_when(question, now), now)


@pytest.mark.parametrize(
    ("value", "text"),
    [(dt.time(9), "9h"), (dt.time(8, 30), "8h30"), (dt.time(12), "12h"), (dt.time(13, 30), "13h30"),
     (dt.time(8, 5), "8h05"), (dt.time(0), "minuit")],
)  # fmt: skip
def test_format_time(value: dt.time, text: str) -> None:
    assert format_time(value) == text


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (dt.date(2026, 12, 28), "lundi 28 décembre"),
        (dt.date(2027, 1, 1), "vendredi 1er janvier"),
        (dt.date(2027, 8, 15), "dimanche 15 août"),
        (dt.date(2028, 2, 1), "mardi 1er février 2028"),  # far away: with the year
    ],
)
def test_format_date(day: dt.date, text: str) -> None:
    assert format_date(day, NOW.date()) == text


@pytest.mark.parametrize(
    ("key", "ouvert", "ferme"),
    [
        ("mairie", "ouverte", "fermée"),
        ("ccas", "ouvert", "fermé"),
        ("techniques", "ouverts", "fermés"),
    ],
)
def test_agreement(town: Town, key: str, ouvert: str, ferme: str) -> None:
    service = town.services[key]
    assert (agree("ouvert", service), agree("fermé", service)) == (ouvert, ferme)


CASES = [
    # now, open
    ("mairie", "la mairie est ouverte ?", NOW,
     "La mairie est ouverte en ce moment, jusqu'à 12h. Elle rouvre à 13h30."),
    ("mairie", "ouvert là ?", at(2026, 11, 25, 15),
     "La mairie est ouverte en ce moment, jusqu'à 17h30."),
    ("techniques", "c'est ouvert ?", NOW,
     "Les services techniques sont ouverts en ce moment, jusqu'à 12h."),
    # now, closed
    ("mairie", "maintenant", at(2026, 11, 25, 12, 30),
     "La mairie est fermée en ce moment. Réouverture aujourd'hui à 13h30."),
    ("mairie", "maintenant", at(2026, 11, 25, 18),
     "La mairie est fermée en ce moment. Réouverture demain à 8h30."),
    ("mairie", "en ce moment", at(2026, 11, 28, 12, 30),
     "La mairie est fermée en ce moment. Réouverture le lundi 30 novembre à 8h30."),
    ("mairie", "actuellement", at(2026, 12, 25, 10),
     "La mairie est fermée aujourd'hui (Noël). Réouverture demain à 9h."),
    ("mairie", "ouvert ?", at(2026, 12, 29, 10),
     "La mairie est fermée aujourd'hui (fermeture de fin d'année, du lundi 28 décembre au "
     "samedi 2 janvier). Réouverture le lundi 4 janvier à 8h30."),
    ("ccas", "ouvert ?", at(2026, 11, 25, 14),
     "Le CCAS est fermé en ce moment. Réouverture demain à 8h30."),
    # a day, open
    ("mairie", "samedi", NOW, "Samedi 28 novembre, la mairie est ouverte de 9h à 12h."),
    ("mairie", "lundi", NOW,
     "Lundi 30 novembre, la mairie est ouverte de 8h30 à 12h et de 13h30 à 17h30."),
    ("mairie", "demain", NOW,
     "Demain, la mairie est ouverte de 8h30 à 12h et de 13h30 à 17h30."),
    ("mairie", "aujourd'hui", NOW,
     "Aujourd'hui, la mairie est ouverte de 8h30 à 12h et de 13h30 à 17h30."),
    ("mairie", "le 24 décembre", NOW,
     "Jeudi 24 décembre, la mairie est ouverte de 8h30 à 12h "
     "(horaires exceptionnels : veille de Noël)."),
    # a day, closed
    ("ccas", "le 25/12", at(2028, 12, 20, 10),
     "Le CCAS est fermé le lundi 25 décembre (Noël). Réouverture le mardi 26 décembre à 8h30."),
    ("mairie", "à Noël", NOW,
     "La mairie est fermée le vendredi 25 décembre (Noël). "
     "Réouverture le samedi 26 décembre à 9h."),
    ("mairie", "le 30 décembre", NOW,
     "La mairie est fermée le mercredi 30 décembre (fermeture de fin d'année, du lundi 28 "
     "décembre au samedi 2 janvier). Réouverture le lundi 4 janvier à 8h30."),
    ("techniques", "le 1er janvier", NOW,
     "Les services techniques sont fermés le vendredi 1er janvier (Jour de l'an). "
     "Réouverture le lundi 4 janvier à 8h."),
    ("mairie", "dimanche", NOW,
     "La mairie est fermée le dimanche 29 novembre. Réouverture le lundi 30 novembre à 8h30."),
    ("mairie", "aujourd'hui", at(2026, 11, 29, 10),
     "La mairie est fermée aujourd'hui. Réouverture demain à 8h30."),
    ("techniques", "samedi", NOW,
     "Les services techniques sont fermés le samedi 28 novembre. "
     "Réouverture le lundi 30 novembre à 8h."),
    # a part of the day
    ("mairie", "samedi matin", NOW, "Samedi matin, la mairie est ouverte de 9h à 12h."),
    ("mairie", "samedi après-midi", NOW,
     "Samedi après-midi, la mairie est fermée. Réouverture le lundi 30 novembre à 8h30."),
    ("mairie", "demain aprem", NOW, "Demain après-midi, la mairie est ouverte de 13h30 à 17h30."),
    ("mairie", "ce soir", NOW, "Ce soir, la mairie est fermée. Réouverture demain à 8h30."),
    ("mairie", "le 24/12 au matin", NOW,
     "Le matin du jeudi 24 décembre, la mairie est ouverte de 8h30 à 12h "
     "(horaires exceptionnels : veille de Noël)."),
    ("mairie", "le 24/12 l'après-midi", NOW,
     "L'après-midi du jeudi 24 décembre, la mairie est fermée. "
     "Réouverture le samedi 26 décembre à 9h."),
    # several days
    ("mairie", "ce week-end", NOW,
     "Samedi 28 novembre, la mairie est ouverte de 9h à 12h.\n"
     "La mairie est fermée le dimanche 29 novembre. Réouverture le lundi 30 novembre à 8h30."),
    # past midnight
    ("foyer", "vendredi", NOW,
     "Vendredi 27 novembre, le foyer est ouvert de 18h à 2h (le lendemain)."),
    ("foyer", "vendredi soir", NOW,
     "Vendredi soir, le foyer est ouvert de 18h à 2h (le lendemain)."),
    ("foyer", "ouvert ?", at(2026, 11, 27, 23),
     "Le foyer est ouvert en ce moment, jusqu'à demain 2h."),
    ("foyer", "ouvert ?", at(2026, 11, 28, 1),
     "Le foyer est ouvert en ce moment, jusqu'à 2h. Il rouvre à 18h."),
    ("foyer", "ouvert ?", NOW,
     "Le foyer est fermé en ce moment. Réouverture le vendredi 27 novembre à 18h."),
    # no reopening known
    ("piscine", "ouverte ?", NOW,
     # A closure that spans several days is told whole on each of them (issue 11).
     "La piscine est fermée aujourd'hui (rénovation du bassin, du mardi 1er septembre au "
     "samedi 1er janvier 2028). Aucune réouverture prévue n'est connue."),
    ("piscine", "samedi", NOW,
     "La piscine est fermée le samedi 28 novembre (rénovation du bassin, du mardi 1er "
     "septembre au samedi 1er janvier 2028). Aucune réouverture prévue n'est connue."),
]  # fmt: skip


@pytest.mark.parametrize(("key", "question", "now", "answer"), CASES)
def test_describe_hours(town: Town, key: str, question: str, now: dt.datetime, answer: str) -> None:
    assert say(town, key, question, now) == answer


def test_now_in_another_zone_is_shown_in_town_time(town: Town) -> None:
    now = dt.datetime(2026, 11, 25, 9, tzinfo=dt.UTC)  # 10h in Paris
    calendar = calendar_for(town, "mairie")
    text = describe_hours(town.services["mairie"], calendar, When("now", (now.date(),)), now)
    assert text == "La mairie est ouverte en ce moment, jusqu'à 12h. Elle rouvre à 13h30."


def test_no_markdown(town: Town) -> None:
    for key, question, now, _ in CASES:
        assert not any(mark in say(town, key, question, now) for mark in ("*", "_", "#", "`"))


@pytest.mark.parametrize(
    ("number", "words", "text"),
    [
        (0, ("envoi",), "0 envoi"),
        (1, ("envoi",), "1 envoi"),
        (3, ("envoi",), "3 envois"),
        (2, ("journal", "journaux"), "2 journaux"),
    ],
)
def test_a_count_agrees_its_noun_as_french_does(number: int, words: tuple, text: str) -> None:
    assert counted(number, *words) == text
