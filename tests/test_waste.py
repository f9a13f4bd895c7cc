"""Waste collection: the town file's areas and collections, the next collection from a fixed
`now`, and the French errors of `arobase town check`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from arobase.replies import Choice
from arobase.town import Season, Town, load_town, parse_town, with_edits
from arobase.waste import next_collection, waste_answer
from tests import test_town

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "town" / "trilport.yml"
MINIMAL = Path(__file__).resolve().parent / "data" / "town_minimal.yml"
PARIS = ZoneInfo("Europe/Paris")

WEDNESDAY_MORNING = dt.datetime(2026, 12, 2, 9, 0, tzinfo=PARIS)
WEDNESDAY_AFTERNOON = dt.datetime(2026, 12, 2, 14, 0, tzinfo=PARIS)
SATURDAY = dt.datetime(2026, 12, 5, 10, 0, tzinfo=PARIS)
SPRING_MONDAY = dt.datetime(2027, 4, 5, 8, 0, tzinfo=PARIS)  # déchets verts are back
WEDNESDAY_BEFORE_ASCENSION = dt.datetime(2027, 5, 5, 15, 0, tzinfo=PARIS)

GREY = "- Ordures ménagères (bac gris) : "
YELLOW = "- Emballages et papiers (bac jaune) : "
GREEN = "- Déchets verts : le lundi, d'avril à novembre. "
GREEN_NOTE = "En sacs papier ou en fagots liés, 5 au plus. Le reste de l'année, à la déchetterie."
GLASS = (
    "- Verre : pas de collecte à domicile. Points d'apport volontaire : parking de la gare, "
    "place de la Mairie, rue des Écoles."
)
PUT_OUT = "Sortez vos bacs la veille au soir, après 19 h, et rentrez-les après la collecte."
HOLIDAYS = (
    "Les jours fériés, la collecte a lieu normalement, sauf le 1er mai, le 25 décembre et le "
    "1er janvier : elle est alors reportée au lendemain."
)
SITE = Choice("Horaires de la déchetterie", '/ask_opening_hours{"service": "dechetterie"}')
SECTORS = (
    Choice("Secteur A", '/waste_collection{"area": "secteur_a"}'),
    Choice("Secteur B", '/waste_collection{"area": "secteur_b"}'),
)


@pytest.fixture(scope="module")
def town() -> Town:
    return load_town(SAMPLE)


# --- the answer, for one sector -----------------------------------------------------------

SECTOR_CASES = [
    # (case, area, now, the lines about each kind of waste)
    ("wednesday morning: today's yellow bin still to come", "secteur_a", WEDNESDAY_MORNING, [
        GREY + "le lundi et le jeudi. Prochaine collecte : demain.",
        YELLOW + "le mercredi. Prochaine collecte : aujourd'hui.",
        GREEN + "Prochaine collecte : le lundi 5 avril. " + GREEN_NOTE,
        GLASS,
    ]),
    ("wednesday afternoon: today's has passed", "secteur_a", WEDNESDAY_AFTERNOON, [
        GREY + "le lundi et le jeudi. Prochaine collecte : demain.",
        YELLOW + "le mercredi. Prochaine collecte : le mercredi 9 décembre.",
        GREEN + "Prochaine collecte : le lundi 5 avril. " + GREEN_NOTE,
        GLASS,
    ]),
    ("saturday, the other sector", "secteur_b", SATURDAY, [
        GREY + "le mardi et le vendredi. Prochaine collecte : le mardi 8 décembre.",
        YELLOW + "le jeudi. Prochaine collecte : le jeudi 10 décembre.",
        GREEN + "Prochaine collecte : le lundi 5 avril. " + GREEN_NOTE,
        GLASS,
    ]),
    ("in season, on collection day", "secteur_a", SPRING_MONDAY, [
        GREY + "le lundi et le jeudi. Prochaine collecte : aujourd'hui.",
        YELLOW + "le mercredi. Prochaine collecte : le mercredi 7 avril.",
        GREEN + "Prochaine collecte : aujourd'hui. " + GREEN_NOTE,
        GLASS,
    ]),
    ("a public holiday is named", "secteur_b", WEDNESDAY_BEFORE_ASCENSION, [
        GREY + "le mardi et le vendredi. Prochaine collecte : le vendredi 7 mai.",
        YELLOW + "le jeudi. Prochaine collecte : demain (Ascension, jour férié).",
        GREEN + "Prochaine collecte : le lundi 10 mai. " + GREEN_NOTE,
        GLASS,
    ]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("area", "now", "lines"), [c[1:] for c in SECTOR_CASES], ids=[c[0] for c in SECTOR_CASES]
)
def test_one_sector(town: Town, area: str, now: dt.datetime, lines: list[str]) -> None:
    answer = waste_answer(town, area, now)
    heading = f"Collecte des déchets ({town.areas[area].name}) :"
    assert answer.text.split("\n") == [heading, *lines, PUT_OUT, HOLIDAYS]
    assert answer.choices == (SITE,)


# --- every sector -------------------------------------------------------------------------


def test_without_a_sector_each_sector_is_named_with_buttons_to_choose(town: Town) -> None:
    answer = waste_answer(town, None, WEDNESDAY_MORNING)
    assert answer.text.split("\n") == [
        "Collecte des déchets à Trilport :",
        "Secteur A :",
        GREY + "le lundi et le jeudi. Prochaine collecte : demain.",
        YELLOW + "le mercredi. Prochaine collecte : aujourd'hui.",
        "Secteur B :",
        GREY + "le mardi et le vendredi. Prochaine collecte : le vendredi 4 décembre.",
        YELLOW + "le jeudi. Prochaine collecte : demain.",
        "Dans toute la commune :",
        GREEN + "Prochaine collecte : le lundi 5 avril. " + GREEN_NOTE,
        GLASS,
        PUT_OUT,
        HOLIDAYS,
        "Choisissez votre secteur pour ne voir que ses jours.",
    ]
    assert answer.choices == (*SECTORS, SITE)


def test_now_in_another_zone_is_read_in_the_towns_time(town: Town) -> None:
    utc = dt.datetime(2026, 12, 2, 11, 30, tzinfo=dt.UTC)  # 12h30 in Trilport
    assert waste_answer(town, "secteur_a", utc) == waste_answer(
        town, "secteur_a", WEDNESDAY_AFTERNOON
    )


def test_an_unknown_sector_is_no_sector(town: Town) -> None:
    assert waste_answer(town, "secteur_z", SATURDAY) == waste_answer(town, None, SATURDAY)
    assert waste_answer(town, "", SATURDAY) == waste_answer(town, None, SATURDAY)


def test_a_town_without_sectors_lists_its_collections() -> None:
    town = parse_town(
        _text(lambda d: d.update(waste={
            "put_out": "Sortez le bac la veille.",
            "collections": [{"label": "Ordures ménagères", "days": ["fr", "tu"]}],
        }))
    )  # fmt: skip
    answer = waste_answer(town, "secteur_a", SATURDAY)
    assert answer.text == (
        "Collecte des déchets à Villetest :\n"
        "- Ordures ménagères : le mardi et le vendredi. Prochaine collecte : le mardi 8 décembre.\n"
        "Sortez le bac la veille."
    )
    assert answer.choices == ()


def test_a_town_without_waste_says_so_and_whom_to_call() -> None:
    town = load_town(MINIMAL)
    answer = waste_answer(town, "secteur_a", WEDNESDAY_MORNING)
    assert answer.text == (
        "Je n'ai pas les jours de collecte de la commune. "
        "Vous pouvez appeler la mairie au 01 99 00 00 01."
    )
    assert answer.choices == ()


# --- the next collection ------------------------------------------------------------------

MONDAY, THURSDAY = 0, 3
NEXT_CASES = [
    # (case, days, season (from, to) or None, now, expected)
    ("today before noon", (MONDAY,), None, dt.datetime(2026, 11, 30, 11, 59, tzinfo=PARIS),
     dt.date(2026, 11, 30)),
    ("today at noon: next week", (MONDAY,), None, dt.datetime(2026, 11, 30, 12, 0, tzinfo=PARIS),
     dt.date(2026, 12, 7)),
    ("the nearest of two days", (MONDAY, THURSDAY), None, SATURDAY, dt.date(2026, 12, 7)),
    ("out of season: its first day", (MONDAY,), (4, 11), SATURDAY, dt.date(2027, 4, 5)),
    ("winter season wraps the year", (MONDAY,), (11, 3), dt.datetime(2027, 4, 1, tzinfo=PARIS),
     dt.date(2027, 11, 1)),
    ("winter season, in it", (MONDAY,), (11, 3), SATURDAY, dt.date(2026, 12, 7)),
    ("last day of the season", (MONDAY,), (4, 11), dt.datetime(2026, 11, 30, 8, tzinfo=PARIS),
     dt.date(2026, 11, 30)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("days", "season", "now", "expected"),
    [c[1:] for c in NEXT_CASES],
    ids=[c[0] for c in NEXT_CASES],
)
def test_next_collection(
    days: tuple[int, ...], season: tuple[int, int] | None, now: dt.datetime, expected: dt.date
) -> None:
    months = Season.model_validate({"from": season[0], "to": season[1]}) if season else None
    assert next_collection(days, months, now) == expected


# --- the town file ------------------------------------------------------------------------


def test_sample_sectors_and_collections(town: Town) -> None:
    assert {k: a.name for k, a in town.areas.items()} == {
        "secteur_a": "Secteur A",
        "secteur_b": "Secteur B",
    }
    assert town.waste is not None and town.waste.dechetterie == "dechetterie"
    labels = [c.label for c in town.waste.collections]
    assert labels == [
        "Ordures ménagères (bac gris)",
        "Emballages et papiers (bac jaune)",
        "Déchets verts",
        "Verre",
    ]


def test_the_consoles_merge_keeps_the_new_sections(town: Town) -> None:
    assert with_edits(town, [], {}) == town


_minimal, _text = test_town._minimal, test_town._text  # the minimal town file, changed


def _with_waste(*collections: dict, **waste: object):
    def change(d: dict) -> None:
        d["areas"] = {"nord": {"name": "Nord"}}
        d["waste"] = {"put_out": "La veille au soir.", "collections": list(collections), **waste}

    return _text(change)


ERRORS = [
    # (case, text, key, words the reason must contain)
    ("a weekday in full", _with_waste({"label": "Verre", "days": ["lundi"]}),
     "waste.collections.0.days.0", "« lundi »"),
    ("an unknown sector", _with_waste({"label": "Verre", "area_days": {"sud": ["mo"]}}),
     "waste.collections.0.area_days.sud", "secteur inconnu « sud »"),
    ("a weekday wrong in a sector", _with_waste({"label": "Verre", "area_days": {"nord": ["lu"]}}),
     "waste.collections.0.area_days.nord.0", "'mo'"),
    ("days for all and per sector",
     _with_waste({"label": "Verre", "days": ["mo"], "area_days": {"nord": ["mo"]}}),
     "waste.collections.0.area_days", "pas les deux"),
    ("no day and no note", _with_waste({"label": "Verre"}), "waste.collections.0.days",
     "manquants"),
    ("a month out of range", _with_waste({"label": "Verts", "days": ["mo"],
                                          "season": {"from": 4, "to": 13}}),
     "waste.collections.0.season.to", "mois invalide « 13 »"),
    ("a month in words", _with_waste({"label": "Verts", "days": ["mo"],
                                      "season": {"from": "avril", "to": 11}}),
     "waste.collections.0.season.from", "mois invalide « avril »"),
    ("an unknown site", _with_waste({"label": "Verre", "note": "Place"}, dechetterie="piscine"),
     "waste.dechetterie", "service inconnu « piscine »"),
    ("no advice to put the bins out", _text(lambda d: d.update(waste={"collections": []})),
     "waste.put_out", "manquant"),
    ("a sector without name", _text(lambda d: d.update(areas={"nord": {}})),
     "areas.nord.name", "manquant"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "key", "reason"), [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS]
)
def test_errors_name_the_key_and_the_reason_in_french(text: str, key: str, reason: str) -> None:
    test_town.test_errors_name_file_key_and_reason(text, key, reason)
