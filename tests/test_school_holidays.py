"""School holidays: the shipped calendar, the period a message names, the answer at fixed
dates (before, during, after the data), and the script that makes the calendar."""

from __future__ import annotations

import datetime as dt
import itertools
import runpy
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import yaml

from arobase.errors import TownContentError
from arobase.school_holidays import (
    SchoolCalendar,
    asked_period,
    parse_calendar,
    school_holidays_answer,
    shipped_calendar,
)
from arobase.town import Town, load_town, parse_town

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "town" / "trilport.yml"
MINIMAL = Path(__file__).resolve().parent / "data" / "town_minimal.yml"
DATA = ROOT / "arobase" / "data" / "school_holidays.yml"
SCRIPT = ROOT / "scripts" / "school-holidays.py"
PARIS = ZoneInfo("Europe/Paris")
SOURCE = "Trilport est en zone C. Calendrier officiel : https://www.education.gouv.fr/calendrier-scolaire"


@pytest.fixture(scope="module")
def town() -> Town:
    return load_town(SAMPLE)


def at(year: int, month: int, day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=PARIS)


# --- the period a message names -----------------------------------------------------------

NAMES = [
    ("Quand sont les vacances de la Toussaint ?", "toussaint"),
    ("vacances de noël", "noel"),
    ("les vacances de fin d'année c quand", "noel"),
    ("c'est quand la rentrée de janvier ?", "noel"),
    ("vacances de février zone C", "hiver"),
    ("vacances d'hiver", "hiver"),
    ("les vacances de Pâques", "printemps"),
    ("vacances de printemps", "printemps"),
    ("vacances d avril", "printemps"),
    ("le pont de l'Ascension", "ascension"),
    ("les grandes vacances commencent quand", "ete"),
    ("vacances d'été", "ete"),
    ("cet été les enfants sont en vacances quand ?", "ete"),
    ("quand est la rentrée ?", "rentree"),
    ("la rentree des classes apres les grandes vacances", "rentree"),
    ("rentrée de septembre", "rentree"),
    ("c'est quand les prochaines vacances scolaires ?", None),
    ("j'ai été malade, les vacances c'est quand ?", None),  # "été" the participle
    ("vacances", None),
]


@pytest.mark.parametrize(("text", "expected"), NAMES)
def test_asked_period(text: str, expected: str | None) -> None:
    assert asked_period(text) == expected


# --- the answer at fixed dates ------------------------------------------------------------

ANSWERS = [
    # (case, message, now, first line)
    ("before Christmas: the next ones", "c'est quand les vacances ?", at(2026, 12, 2),
     "Prochaines vacances scolaires : les vacances de Noël, du samedi 19 décembre au dimanche "
     "3 janvier. Reprise des cours le lundi 4 janvier."),
    ("during Christmas", "vacances scolaires", at(2026, 12, 22),
     "Ce sont les vacances de Noël, jusqu'au dimanche 3 janvier. Reprise des cours le lundi "
     "4 janvier."),
    ("on the last sunday, still on holiday", "vacances", at(2027, 1, 3),
     "Ce sont les vacances de Noël, jusqu'au dimanche 3 janvier. Reprise des cours le lundi "
     "4 janvier."),
    ("the day classes resume: the next ones", "vacances", at(2027, 1, 4),
     "Prochaines vacances scolaires : les vacances d'hiver, du samedi 6 février au dimanche "
     "21 février. Reprise des cours le lundi 22 février."),
    ("zone C's winter, named", "vacances de février", at(2026, 12, 2),
     "Vacances d'hiver : du samedi 6 février au dimanche 21 février. Reprise des cours le "
     "lundi 22 février."),
    ("Toussaint just passed: next year's, with the year", "la toussaint", at(2026, 12, 2),
     "Vacances de la Toussaint : du samedi 23 octobre 2027 au dimanche 7 novembre 2027. "
     "Reprise des cours le lundi 8 novembre 2027."),
    ("the bridge, during it", "pont de l'ascension", at(2027, 5, 7),
     "C'est le pont de l'Ascension, jusqu'au dimanche 9 mai. Reprise des cours le lundi 10 mai."),
    ("the rentrée", "c'est quand la rentrée ?", at(2027, 8, 20),
     "La rentrée des classes est le mercredi 1er septembre."),
    ("summer 2028, the last in the data", "grandes vacances", at(2028, 6, 1),
     "Vacances d'été : du mardi 4 juillet au jeudi 31 août. Reprise des cours le vendredi "
     "1er septembre."),
    ("a period past the data", "la toussaint", at(2028, 6, 1),
     "Je n'ai pas encore les dates des vacances de la Toussaint."),
    ("on the rentrée day, at 3 in the night: today's", "la rentrée", at(2027, 9, 1, 3),
     "La rentrée des classes est le mercredi 1er septembre."),
    ("the rentrée past the data", "la rentrée", at(2028, 9, 2),
     "Je n'ai pas encore les dates de la rentrée."),
    ("after the data's end", "vacances", at(2028, 10, 1),
     "Je n'ai pas encore les dates des prochaines vacances scolaires."),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "now", "first"), [a[1:] for a in ANSWERS], ids=[a[0] for a in ANSWERS]
)
def test_answer(town: Town, text: str, now: dt.datetime, first: str) -> None:
    answer = school_holidays_answer(town, text, now)
    assert answer.text.split("\n") == [first, SOURCE]
    assert answer.choices == ()


def test_zones_differ(town: Town) -> None:
    zone_a = town.model_copy(
        update={"commune": town.commune.model_copy(update={"school_zone": "A"})}
    )
    answer = school_holidays_answer(zone_a, "vacances d'hiver", at(2026, 12, 2))
    assert answer.text.split("\n")[0] == (
        "Vacances d'hiver : du samedi 13 février au dimanche 28 février. Reprise des cours le "
        "lundi 1er mars."
    )
    assert answer.text.endswith("Trilport est en zone A. Calendrier officiel : "
                                "https://www.education.gouv.fr/calendrier-scolaire")  # fmt: skip


def test_a_town_without_zone_has_no_dates() -> None:
    answer = school_holidays_answer(load_town(MINIMAL), "vacances de noël", at(2026, 12, 2))
    assert answer.text == (
        "Je n'ai pas les dates des vacances scolaires de la commune. "
        "Le calendrier officiel est sur https://www.education.gouv.fr/calendrier-scolaire"
    )


TINY = """
source: https://data.education.gouv.fr/
licence: Licence Ouverte
generated: 2026-11-30
covers_until: 2027-01-04
years:
  "2026-2027":
    C:
      - {kind: noel, name: "Vacances de Noël", start: 2026-12-19, resume: 2027-01-04}
      - {kind: hiver, name: "Vacances d'hiver", start: 2027-02-06, resume: 2027-02-22}
"""


def test_a_period_past_covers_until_is_never_said(town: Town) -> None:
    calendar = parse_calendar(TINY)
    first = school_holidays_answer(town, "vacances", at(2026, 12, 2), calendar).text
    assert first.startswith("Prochaines vacances scolaires : les vacances de Noël")
    after = school_holidays_answer(town, "vacances", at(2027, 1, 4), calendar).text
    assert after.startswith("Je n'ai pas encore les dates des prochaines vacances scolaires.")


# --- the shipped calendar -----------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped() -> SchoolCalendar:
    return shipped_calendar()


def test_the_calendar_names_its_source_and_licence(shipped: SchoolCalendar) -> None:
    head = DATA.read_text(encoding="utf-8")[:800]
    assert "data.education.gouv.fr" in head and "Licence Ouverte" in head
    assert "scripts/school-holidays.py" in head
    assert shipped.licence.startswith("Licence Ouverte")


def test_the_calendar_runs_to_summer_2028(shipped: SchoolCalendar) -> None:
    assert list(shipped.years) == ["2025-2026", "2026-2027", "2027-2028"]
    assert shipped.covers_until == dt.date(2028, 9, 1)


@pytest.mark.parametrize("zone", ["A", "B", "C"])
def test_each_zone_has_ordered_periods_resuming_on_a_weekday(
    shipped: SchoolCalendar, zone: str
) -> None:
    periods = shipped.periods(zone)
    kinds = [p.kind for p in periods]
    assert kinds.count("ete") == 3 and kinds.count("toussaint") == 3 and kinds.count("noel") == 3
    for before, after in itertools.pairwise(periods):
        assert before.resume <= after.start
    for period in periods:
        assert period.start < period.resume <= shipped.covers_until
        assert period.resume.weekday() < 5, period


def test_known_official_dates(shipped: SchoolCalendar) -> None:
    # Zone C, 2026-2027, as published by the ministry.
    winter = next(p for p in shipped.periods("C") if p.kind == "hiver" and p.start.year == 2027)
    assert (winter.start, winter.resume) == (dt.date(2027, 2, 6), dt.date(2027, 2, 22))
    summer = next(p for p in shipped.periods("C") if p.kind == "ete" and p.start.year == 2026)
    assert summer.resume == dt.date(2026, 9, 1)


# --- the script that makes it -------------------------------------------------------------


@pytest.fixture(scope="module")
def script() -> SimpleNamespace:
    """The script's functions (its file name is not a module name)."""
    return SimpleNamespace(**runpy.run_path(str(SCRIPT), run_name="school_holidays_script"))


def _csv(rows: list[tuple[str, str, str]]) -> list[str]:
    """CSV lines: (first day, last day, name) off in every zone, other days not."""
    first, last = dt.date(2026, 9, 1), dt.date(2027, 9, 30)
    lines = ["date,vacances_zone_a,vacances_zone_b,vacances_zone_c,nom_vacances"]
    day = first
    while day <= last:
        name = next((n for s, e, n in rows if s <= day.isoformat() <= e), "")
        off = str(bool(name))
        lines.append(f"{day},{off},{off},{off},{name}")
        day += dt.timedelta(days=1)
    return lines


def test_the_script_finds_periods_and_the_day_classes_resume(script: SimpleNamespace) -> None:
    days = script.read_days(
        _csv([
            ("2026-10-17", "2026-11-01", "Vacances de la Toussaint"),
            ("2027-05-06", "2027-05-08", "Pont de l'Ascension"),  # ends on a saturday
            ("2027-07-03", "2027-08-31", "Vacances d'été"),
            ("2027-09-25", "2027-09-30", "Vacances de la Toussaint"),  # still going at the end
        ])
    )  # fmt: skip
    covers_until, years = script.calendar(days, dt.date(2026, 9, 1))
    assert covers_until == dt.date(2027, 9, 1)
    text = script.render(covers_until, years, dt.date(2026, 11, 30))
    calendar = parse_calendar(text)
    assert [(p.kind, p.start, p.resume) for p in calendar.periods("B")] == [
        ("toussaint", dt.date(2026, 10, 17), dt.date(2026, 11, 2)),
        ("ascension", dt.date(2027, 5, 6), dt.date(2027, 5, 10)),  # the monday, not the sunday
        ("ete", dt.date(2027, 7, 3), dt.date(2027, 9, 1)),
    ]
    assert calendar.generated == dt.date(2026, 11, 30)
    assert text.startswith("# French school holidays")


def test_the_script_refuses_an_unknown_holiday_name(script: SimpleNamespace) -> None:
    days = script.read_days(_csv([("2027-07-03", "2027-08-31", "Vacances de la Mi-Carême")]))
    with pytest.raises(SystemExit, match="Mi-Carême"):
        script.calendar(days, dt.date(2026, 9, 1))


# --- the town file ------------------------------------------------------------------------


def test_the_sample_is_in_zone_c(town: Town) -> None:
    assert town.commune.school_zone == "C"


def test_a_bad_zone_is_refused_in_french() -> None:
    data = yaml.safe_load(MINIMAL.read_text(encoding="utf-8"))
    data["commune"]["school_zone"] = "D"
    with pytest.raises(TownContentError) as caught:
        parse_town(yaml.safe_dump(data, allow_unicode=True), "x.yml")
    assert caught.value.key == "commune.school_zone"
    assert caught.value.reason == "valeur invalide « D » : attendu 'A', 'B' ou 'C'"
