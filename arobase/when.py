"""When a resident asks about: "maintenant", "demain matin", "ce week-end", "le 24/12"…

Small regular expressions over a normalised text (lower case, no accents, punctuation as
spaces), so that words inside service or procedure names are not taken for dates.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import holidays

Part = Literal["matin", "apres-midi", "soir"]

WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS = {
    "janvier": 1, "janv": 1, "jan": 1,
    "fevrier": 2, "fevr": 2, "fev": 2,
    "mars": 3,
    "avril": 4, "avr": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7, "juil": 7,
    "aout": 8,
    "septembre": 9, "sept": 9, "sep": 9,
    "octobre": 10, "oct": 10,
    "novembre": 11, "nov": 11,
    "decembre": 12, "dec": 12,
}  # fmt: skip
HOLIDAY_ALIASES = {"nouvel an": "jour de l an", "pentecote": "lundi de pentecote"}

_DAY = "|".join(WEEKDAYS)
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_NUM = r"(?P<d>[0-3]?\d)(?:er|eme)?"
_NAMED_DATE = re.compile(
    rf"\b(?:(?:{_DAY}) )?(?:le )?{_NUM} (?P<m>{_MONTH})\b(?: (?P<y>20\d\d)\b)?"
)
_NUMERIC_DATE = re.compile(
    rf"\b(?:(?:{_DAY}) )?(?:le )?(?P<d>[0-3]?\d)/(?P<m>[01]?\d)(?:/(?P<y>(?:20)?\d\d))?\b"
)
_DAY_OF_MONTH = re.compile(rf"\b(?:(?:{_DAY}) )?le {_NUM}\b(?! ?(?:h|heures?|min)\b|/| \d)")
_AFTER_TOMORROW = re.compile(r"\bapres ?demain\b")
_TOMORROW = re.compile(r"\b(?:demain|dmain|2main|dem1)\b")
_TODAY = re.compile(r"\b(?:aujourd ?hui|aujourd|auj|ajd|aujd)\b")
_PARTS = r"(?P<p>matin|matinee|mat1|apres ?midi|aprem|apm|soir|soiree)"
_THIS_PART = re.compile(rf"\b(?:ce|cet|cette) {_PARTS}\b")
_WEEKEND = re.compile(
    r"\b(?:(?:ce|le|du|en|pour le|pendant le) (?:we|wk)|week ?ends?|wkend)(?P<next> prochain)?\b"
)
_WEEKDAY = re.compile(rf"\b(?P<w>{_DAY})(?P<next> prochain| de la semaine prochaine)?\b")
_PART = re.compile(rf"\b{_PARTS}\b")


@dataclass(frozen=True)
class When:
    """The moment asked about: now, or some days (optionally one part of them)."""

    kind: Literal["now", "days"]
    days: tuple[dt.date, ...]  # for "now": (today,)
    part: Part | None = None


def normalize(text: str) -> str:
    """Lower case, accents removed, "24-12" as "24/12", other punctuation as single spaces."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"(\d)[.-](\d)", r"\1/\2", text)
    text = re.sub(r"[^a-z0-9/]+", " ", text)
    return f" {text.strip()} "


def _part_of(word: str) -> Part:
    """The part of day a word names."""
    if word.startswith("mat"):
        return "matin"
    if word.startswith("soir"):
        return "soir"
    return "apres-midi"


def _next_weekday(today: dt.date, weekday: int, skip_today: bool = False) -> dt.date:
    """The next day with that weekday (0 = Monday), today included unless skip_today."""
    ahead = (weekday - today.weekday()) % 7
    return today + dt.timedelta(days=7 if ahead == 0 and skip_today else ahead)


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    """A date, or None when it does not exist (31/02)."""
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _dated(today: dt.date, month: int, day: int, year: str | None) -> dt.date | None:
    """A day and month, in the given year, else this year or next year if already past."""
    if year:
        return _safe_date(int(year) + (2000 if len(year) == 2 else 0), month, day)
    this_year = _safe_date(today.year, month, day)
    if this_year is not None and this_year >= today:
        return this_year
    return _safe_date(today.year + 1, month, day)


def _day_of_month(today: dt.date, day: int) -> dt.date | None:
    """The next date (today included) whose day of month is `day`."""
    year, month = today.year, today.month
    for _ in range(13):
        found = _safe_date(year, month, day)
        if found is not None and found >= today:
            return found
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


def _holiday_days(today: dt.date) -> dict[str, dt.date]:
    """French public holidays by normalised name, next occurrence first (this year or next)."""
    found: dict[str, dt.date] = {}
    for year in (today.year + 1, today.year):
        for day, name in holidays.France(years=year, language="fr").items():
            if day >= today:
                found[normalize(name).strip()] = day
    for alias, name in HOLIDAY_ALIASES.items():
        if name in found:
            found[alias] = found[name]
    return found


def _holiday_pattern(names: list[str]) -> re.Pattern[str]:
    """Holiday names: several words anywhere, one word after a preposition ("à Noël").

    So "le lundi de Pâques" and "à Noël" are dates, "le marché de Noël" is not.
    """

    def alternatives(words: list[str]) -> str:
        return "|".join(re.escape(n) for n in sorted(words, key=len, reverse=True))

    several = alternatives([n for n in names if " " in n])
    one = alternatives([n for n in names if " " not in n])
    return re.compile(
        rf"\b(?:(?:a|pour|le|la|l|jour de|jour d|pendant) (?P<one>{one})|(?P<several>{several}))\b"
    )


class _Scanner:
    """Finds day expressions in a normalised text, blanking each match so it is used once."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.found: list[tuple[int, dt.date]] = []

    def scan(
        self, pattern: re.Pattern[str], to_days: Callable[[re.Match[str]], list[dt.date] | None]
    ) -> None:
        """Record the days `to_days(match)` gives for each match (None: not a date)."""
        for match in list(pattern.finditer(self.text)):
            days = to_days(match)
            if days is None:
                continue
            self.found.extend((match.start(), d) for d in days)
            start, end = match.span()
            self.text = self.text[:start] + " " * (end - start) + self.text[end:]

    def days(self) -> tuple[dt.date, ...]:
        """The days found, in the order they were written, without repeats."""
        ordered = [d for _, d in sorted(self.found, key=lambda item: item[0])]
        return tuple(dict.fromkeys(ordered))


def _weekend(today: dt.date, later: bool) -> list[dt.date]:
    """This week-end's Saturday and Sunday still to come (the next ones if `later`)."""
    sunday_now = today.weekday() == 6
    saturday = today - dt.timedelta(days=1) if sunday_now else _next_weekday(today, 5)
    if later and today.weekday() >= 5:
        saturday += dt.timedelta(days=7)
    return [d for d in (saturday, saturday + dt.timedelta(days=1)) if d >= today]


def parse_when(text: str, now: dt.datetime) -> When:
    """The moment a French question is about; no time expression means now.

    `now` must be in the town's time zone: "today" is `now.date()`.
    """
    today = now.date()
    scanner = _Scanner(normalize(text))
    part: Part | None = None

    def this_part(m: re.Match[str]) -> list[dt.date]:
        nonlocal part
        part = _part_of(m["p"])
        return [today]

    def holiday(m: re.Match[str]) -> list[dt.date]:
        return [holiday_days[m["one"] or m["several"]]]

    holiday_days = _holiday_days(today)
    scanner.scan(_holiday_pattern(list(holiday_days)), holiday)
    scanner.scan(_NAMED_DATE, lambda m: _opt(_dated(today, MONTHS[m["m"]], int(m["d"]), m["y"])))
    scanner.scan(
        _NUMERIC_DATE,
        lambda m: (
            _opt(_dated(today, int(m["m"]), int(m["d"]), m["y"]))
            if 1 <= int(m["m"]) <= 12
            else None
        ),
    )
    scanner.scan(_DAY_OF_MONTH, lambda m: _opt(_day_of_month(today, int(m["d"]))))
    scanner.scan(_AFTER_TOMORROW, lambda m: [today + dt.timedelta(days=2)])
    scanner.scan(_TOMORROW, lambda m: [today + dt.timedelta(days=1)])
    scanner.scan(_TODAY, lambda m: [today])
    scanner.scan(_THIS_PART, this_part)
    scanner.scan(_WEEKEND, lambda m: _weekend(today, bool(m["next"])))
    scanner.scan(
        _WEEKDAY,
        lambda m: [_next_weekday(today, WEEKDAYS.index(m["w"]), skip_today=bool(m["next"]))],
    )
    if part is None:
        parts = _PART.findall(scanner.text)
        part = _part_of(parts[0]) if parts else None
    days = scanner.days()
    if days:
        return When("days", days, part)
    if part is not None:
        return When("days", (today,), part)
    return When("now", (today,), None)


def _opt(day: dt.date | None) -> list[dt.date] | None:
    """A one-day list, or None to ignore a match that is not a real date."""
    return None if day is None else [day]
