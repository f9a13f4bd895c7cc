"""School holidays of the commune's zone, from the official calendar shipped with Arobase
(arobase/data/school_holidays.yml, made by scripts/school-holidays.py). Beyond its last day,
or without a zone in the town file, the answer says so: dates are never guessed."""

from __future__ import annotations

import datetime as dt
import functools
import re
from importlib.resources import files
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, model_validator

from arobase.hours_text import format_date
from arobase.replies import Answer
from arobase.town import SchoolZone, Town
from arobase.when import normalize

OFFICIAL_PAGE = "https://www.education.gouv.fr/calendrier-scolaire"

Kind = Literal["toussaint", "noel", "hiver", "printemps", "ascension", "ete"]
Asked = Kind | Literal["rentree"]

# What a resident may call each period, over a normalised text (see arobase.when.normalize).
# "ete" alone is also the participle "été" ("j'ai été"): only "d'été", "l'été", "cet été".
_NAMES: tuple[tuple[Asked, re.Pattern[str]], ...] = tuple(
    (asked, re.compile(pattern))
    for asked, pattern in (
        ("toussaint", r" (?:toussaint|toussain|octobre|novembre) "),
        ("noel", r" (?:noel|fin d ?annee|fetes|nouvel an|decembre|janvier) "),
        ("hiver", r" (?:hiver|fevrier|fev|ski) "),
        ("printemps", r" (?:printemps|paques|avril) "),
        ("ascension", r" (?:ascension|pont) "),
        ("ete", r" (?:(?:d|l|cet) ete|vacances ete|grandes vacances|juillet|aout) "),
        ("rentree", r" (?:rentree|septembre) "),
    )
)
# The words inside a sentence, for a period the calendar does not have.
_OF_KIND: dict[Asked, str] = {
    "toussaint": "des vacances de la Toussaint",
    "noel": "des vacances de Noël",
    "hiver": "des vacances d'hiver",
    "printemps": "des vacances de printemps",
    "ascension": "du pont de l'Ascension",
    "ete": "des vacances d'été",
    "rentree": "de la rentrée",
}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class HolidayPeriod(_Frozen):
    kind: Kind
    name: str  # as the ministry writes it: "Vacances de la Toussaint", "Pont de l'Ascension"
    start: dt.date  # the first day off
    resume: dt.date  # the day classes resume

    @model_validator(mode="after")
    def _ordered(self) -> HolidayPeriod:
        if self.resume <= self.start:
            raise ValueError(f"{self.name}: resume {self.resume} not after start {self.start}")
        return self

    @property
    def last_day(self) -> dt.date:
        return self.resume - dt.timedelta(days=1)

    @property
    def plural(self) -> bool:
        return self.name.lower().startswith("vacances")

    @property
    def in_sentence(self) -> str:
        """ "les vacances de Noël", "le pont de l'Ascension"."""
        return f"{'les' if self.plural else 'le'} {self.name[:1].lower()}{self.name[1:]}"


class SchoolCalendar(_Frozen):
    source: str
    licence: str
    generated: dt.date
    covers_until: dt.date  # the data say nothing after this day
    years: dict[str, dict[SchoolZone, tuple[HolidayPeriod, ...]]]  # "2025-2026" → zone → periods

    def periods(self, zone: SchoolZone) -> list[HolidayPeriod]:
        """ZONE's periods in date order."""
        found = [p for year in self.years.values() for p in year.get(zone, ())]
        return sorted(found, key=lambda p: p.start)


def parse_calendar(text: str) -> SchoolCalendar:
    return SchoolCalendar.model_validate(yaml.safe_load(text))


@functools.cache
def shipped_calendar() -> SchoolCalendar:
    """The calendar shipped in the package (read on first use)."""
    path = files("arobase") / "data" / "school_holidays.yml"
    return parse_calendar(path.read_text(encoding="utf-8"))


def asked_period(text: str) -> Asked | None:
    """The period a message names, if any. « la rentrée de janvier » is Noël's end (its
    answer gives the day classes resume); the rentrée alone, or after the summer, is
    September's."""
    norm = normalize(text)
    named = [asked for asked, pattern in _NAMES if pattern.search(norm)]
    if "rentree" in named and set(named) <= {"rentree", "ete"}:
        return "rentree"
    return next((asked for asked in named if asked != "rentree"), None)


def _period_text(period: HolidayPeriod, today: dt.date) -> str:
    """ "du samedi 19 décembre au dimanche 3 janvier. Reprise des cours le lundi 4 janvier."
    ("jusqu'au dimanche 3 janvier. …" once they have begun)."""
    until = f"au {format_date(period.last_day, today)}"
    if period.start <= today:
        until = f"jusqu'{until}"
    else:
        until = f"du {format_date(period.start, today)} {until}"
    return f"{until}. Reprise des cours le {format_date(period.resume, today)}."


def _sentence(periods: list[HolidayPeriod], asked: Asked | None, today: dt.date) -> str | None:
    """What to say about ASKED (None: the current or next holidays), or None when the
    calendar does not have it."""
    ahead = [p for p in periods if p.resume > today]
    if asked == "rentree":
        # On the rentrée day itself, it is today's, not next year's.
        summer = next((p for p in periods if p.kind == "ete" and p.resume >= today), None)
        if summer is None:
            return None
        return f"La rentrée des classes est le {format_date(summer.resume, today)}."
    if asked is not None:
        ahead = [p for p in ahead if p.kind == asked]
    if not ahead:
        return None
    period = ahead[0]
    dates = _period_text(period, today)
    if period.start <= today:
        verb = "Ce sont" if period.plural else "C'est"
        return f"{verb} {period.in_sentence}, {dates}"
    if asked is None:
        return f"Prochaines vacances scolaires : {period.in_sentence}, {dates}"
    return f"{period.name} : {dates}"


def school_holidays_answer(
    town: Town, text: str, now: dt.datetime, calendar: SchoolCalendar | None = None
) -> Answer:
    """The holidays going on or the next ones, or the period the message TEXT names, for
    the town's zone; then the zone and the official page. CALENDAR: the shipped one."""
    zone = town.commune.school_zone
    if zone is None:
        return Answer(
            "Je n'ai pas les dates des vacances scolaires de la commune. "
            f"Le calendrier officiel est sur {OFFICIAL_PAGE}"
        )
    calendar = calendar or shipped_calendar()
    today = now.astimezone(town.commune.zone).date()
    asked = asked_period(text)
    # Nothing is said past the data's end: the next period there is unknown, not missing.
    known = [p for p in calendar.periods(zone) if p.resume <= calendar.covers_until]
    sentence = _sentence(known, asked, today)
    if sentence is None:
        what = _OF_KIND[asked] if asked else "des prochaines vacances scolaires"
        sentence = f"Je n'ai pas encore les dates {what}."
    return Answer(
        f"{sentence}\n{town.commune.name} est en zone {zone}. Calendrier officiel : {OFFICIAL_PAGE}"
    )
