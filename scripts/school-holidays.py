"""Turn the official school calendar (one CSV row per day) into arobase/data/school_holidays.yml.

The CSV is the one shipped in the `vacances-scolaires-france` wheel (data/data.csv: columns
date, vacances_zone_a, vacances_zone_b, vacances_zone_c, nom_vacances), itself built from
data.education.gouv.fr. The package is not a dependency: run this script when a new school
year is published, then commit the YAML it writes.

    .venv/bin/python scripts/school-holidays.py path/to/data.csv > arobase/data/school_holidays.yml
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

ZONES = ("A", "B", "C")
KINDS = {
    "Vacances de la Toussaint": "toussaint",
    "Vacances de Noël": "noel",
    "Vacances d'hiver": "hiver",
    "Vacances de printemps": "printemps",
    "Pont de l'Ascension": "ascension",
    "Vacances d'été": "ete",
}
SINCE = dt.date(2025, 9, 1)
SOURCE = "https://data.education.gouv.fr/explore/dataset/fr-en-calendrier-scolaire/"
LICENCE = "Licence Ouverte / Open Licence 2.0 (Etalab)"
OFFICIAL_PAGE = "https://www.education.gouv.fr/calendrier-scolaire"

HEADER = """\
# French school holidays per zone (A, B, C), from the official school calendar.
# Source: Ministère de l'Éducation nationale, data.education.gouv.fr (« Calendrier scolaire »),
# as packaged in vacances-scolaires-france 0.12.0 (data/data.csv); official page:
# {page}
# Licence: {licence}.
# Generated on {generated} by scripts/school-holidays.py: do not edit by hand, run it again.
# `start`: the first day off; `resume`: the day classes resume; `covers_until`: the data
# say nothing after that day."""


@dataclass(frozen=True)
class Day:
    date: dt.date
    off: dict[str, bool]  # zone → on holiday
    name: str


@dataclass(frozen=True)
class Period:
    zone: str
    name: str
    start: dt.date  # first day off
    resume: dt.date  # the day classes resume


def read_days(lines: Iterable[str]) -> list[Day]:
    rows = csv.DictReader(lines)
    return [
        Day(
            dt.date.fromisoformat(row["date"]),
            {zone: row[f"vacances_zone_{zone.lower()}"] == "True" for zone in ZONES},
            row["nom_vacances"],
        )
        for row in rows
    ]


def school_day(day: dt.date) -> dt.date:
    """DAY, or the Monday after it when it falls on a weekend (the CSV marks weekends inside
    holidays only, so the first day not marked after a long weekend may be a Sunday)."""
    return day + dt.timedelta(days=7 - day.weekday() if day.weekday() >= 5 else 0)


def periods(days: list[Day], zone: str) -> Iterator[Period]:
    """The runs of days off of ZONE, split where the holiday's name changes; a run still going
    on at the data's last row has no known end and is left out."""
    start: Day | None = None
    for day in days:
        if start is not None and (not day.off[zone] or day.name != start.name):
            yield Period(zone, start.name, start.date, school_day(day.date))
            start = None
        if start is None and day.off[zone]:
            start = day


def school_year(day: dt.date) -> str:
    first = day.year if day.month >= 8 else day.year - 1
    return f"{first}-{first + 1}"


def calendar(days: list[Day], since: dt.date) -> tuple[dt.date, dict[str, dict[str, list]]]:
    """The last day the data speak for, and the periods by school year and zone."""
    found = [p for zone in ZONES for p in periods(days, zone) if p.start >= since]
    unknown = {p.name for p in found} - KINDS.keys()
    if unknown:
        raise SystemExit(f"unknown holiday names: {sorted(unknown)}")
    # A school year is published whole: the data speak up to the last summer's end.
    covers_until = max(p.resume for p in found if KINDS[p.name] == "ete")
    years: dict[str, dict[str, list[Period]]] = {}
    for period in sorted(found, key=lambda p: (p.start, p.zone)):
        if period.resume <= covers_until:
            zones = years.setdefault(school_year(period.start), {zone: [] for zone in ZONES})
            zones[period.zone].append(period)
    return covers_until, years


def period_line(period: Period) -> str:
    # JSON strings are YAML double-quoted strings.
    return (
        f"{{kind: {KINDS[period.name]}, name: {json.dumps(period.name, ensure_ascii=False)}, "
        f"start: {period.start}, resume: {period.resume}}}"
    )


def render(covers_until: dt.date, years: dict[str, dict[str, list]], generated: dt.date) -> str:
    lines = [
        HEADER.format(page=OFFICIAL_PAGE, licence=LICENCE, generated=generated),
        f"source: {SOURCE}",
        f'licence: "{LICENCE}"',
        f"generated: {generated}",
        f"covers_until: {covers_until}",
        "years:",
    ]
    for year, zones in years.items():
        lines.append(f'  "{year}":')
        for zone, found in zones.items():
            lines.append(f"    {zone}:")
            lines.extend(f"      - {period_line(p)}" for p in found)
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", type=Path, help="data.csv of vacances-scolaires-france")
    parser.add_argument("--since", type=dt.date.fromisoformat, default=SINCE)
    parser.add_argument("--generated", type=dt.date.fromisoformat, default=dt.date.today())
    args = parser.parse_args(argv)
    days = read_days(args.csv.read_text(encoding="utf-8").splitlines())
    sys.stdout.write(render(*calendar(days, args.since), args.generated))


if __name__ == "__main__":
    main()
