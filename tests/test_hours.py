"""Service calendars: OSM hours, public holidays, dated closures, midnight and DST."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import holidays
import pytest
from opening_hours import OpeningHours, State

from arobase.hours import (
    ServiceCalendar,
    Span,
    calendar_for,
    closure_rule,
    osm_dates,
)
from arobase.town import Closure, Town, parse_town

PARIS = ZoneInfo("Europe/Paris")
UTC = dt.UTC

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
  foyer:
    name: Foyer des jeunes
    short: le foyer
    gender: m
    address: 3 rue du Foyer
    phone: "01 99 00 12 35"
    email: foyer@testville.example
    opening_hours: "Fr,Sa 18:00-02:00"
  nuit:
    name: Permanence de nuit
    short: la permanence
    gender: f
    address: 4 rue de la Nuit
    phone: "01 99 00 12 36"
    email: nuit@testville.example
    opening_hours: "Mo-Su 01:00-04:00"
  mediatheque:
    name: Médiathèque
    short: la médiathèque
    gender: f
    address: 5 rue des Livres
    phone: "01 99 00 12 37"
    email: mediatheque@testville.example
    opening_hours: "We 14:00-18:00; Sa 10:00-12:00,14:00-18:00; PH off"
  piscine:
    name: Piscine
    short: la piscine
    gender: f
    address: 6 rue du Bassin
    phone: "01 99 00 12 38"
    email: piscine@testville.example
    opening_hours: "Jun-Aug 10:00-19:00"
closures:
  - date: 2026-12-24
    reason: veille de Noël
    hours: "08:30-12:00"
    services: [mairie]
  - date: 2026-12-28
    until: 2027-01-03
    reason: fermeture de fin d'année
    services: [mairie]
  - date: 2026-11-28
    reason: inventaire
    services: [foyer]
  - date: 2026-12-26
    reason: pont de Noël
  - date: 2027-01-04
    until: 2027-06-30
    reason: travaux
    services: [mediatheque]
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


def at(*args: int, fold: int = 0) -> dt.datetime:
    """A Paris wall-clock datetime."""
    return dt.datetime(*args, tzinfo=PARIS, fold=fold)


def wall(spans: tuple[Span, ...]) -> list[tuple[str, str]]:
    """Spans as ISO strings with their UTC offsets, to check wall times and offsets at once."""
    return [(s.start.isoformat(), s.end.isoformat()) for s in spans]


# Public holidays


@pytest.mark.parametrize("year", [2026, 2027])
def test_library_public_holidays_match_holidays_package(year: int) -> None:
    ph = OpeningHours("PH", timezone=PARIS, country="FR")
    start, end = at(year, 1, 1), at(year + 1, 1, 1)
    from_library = {s.date() for s, _, state, _ in ph.intervals(start, end) if state == State.OPEN}
    assert from_library == set(holidays.France(years=year))


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (dt.date(2026, 12, 25), "Noël"),
        (dt.date(2026, 5, 25), "Lundi de Pentecôte"),
        (dt.date(2027, 3, 29), "Lundi de Pâques"),
        (dt.date(2027, 1, 1), "Jour de l'an"),
        (dt.date(2026, 12, 23), None),
    ],
)
def test_holiday_name(town: Town, day: dt.date, name: str | None) -> None:
    assert calendar_for(town, "mairie").holiday_name(day) == name


@pytest.mark.parametrize(
    ("day", "reason"),
    [
        (dt.date(2026, 12, 25), "Noël"),  # a Friday
        (dt.date(2026, 5, 25), "Lundi de Pentecôte"),
        (dt.date(2027, 3, 29), "Lundi de Pâques"),
        (dt.date(2026, 11, 1), None),  # Toussaint is a Sunday: closed anyway, not because of it
    ],
)
def test_closed_on_public_holiday(town: Town, day: dt.date, reason: str | None) -> None:
    hours = calendar_for(town, "mairie").day(day)
    assert hours.spans == ()
    assert hours.closed_reason == reason
    assert hours.exceptional is False


def test_regular_day(town: Town) -> None:
    hours = calendar_for(town, "mairie").day(dt.date(2026, 11, 25))
    assert wall(hours.spans) == [
        ("2026-11-25T08:30:00+01:00", "2026-11-25T12:00:00+01:00"),
        ("2026-11-25T13:30:00+01:00", "2026-11-25T17:30:00+01:00"),
    ]
    assert (hours.closed_reason, hours.exceptional) == (None, False)


# Dated closures


@pytest.mark.parametrize(
    ("closure", "rule"),
    [
        ({"date": "2026-12-26", "reason": "x"}, "2026 Dec 26 off"),
        (
            {"date": "2026-12-24", "until": "2027-01-02", "reason": "x"},
            "2026 Dec 24-2027 Jan 02 off",
        ),
        ({"date": "2026-12-24", "reason": "x", "hours": "08:30-12:00"}, "2026 Dec 24 08:30-12:00"),
    ],
)
def test_closure_rule(closure: dict, rule: str) -> None:
    assert closure_rule(Closure.model_validate(closure)) == rule


def test_osm_dates_single_day() -> None:
    assert osm_dates(dt.date(2027, 1, 2), dt.date(2027, 1, 2)) == "2027 Jan 02"


def test_expression_appends_only_the_service_closures(town: Town) -> None:
    assert calendar_for(town, "mairie").expression == (
        "Mo-Fr 08:30-12:00,13:30-17:30; Sa 09:00-12:00; PH off; 2026 Dec 24 08:30-12:00; "
        "2026 Dec 28-2027 Jan 03 off; 2026 Dec 26 off"
    )


def test_special_hours(town: Town) -> None:
    calendar = calendar_for(town, "mairie")
    hours = calendar.day(dt.date(2026, 12, 24))
    assert wall(hours.spans) == [("2026-12-24T08:30:00+01:00", "2026-12-24T12:00:00+01:00")]
    assert (hours.closed_reason, hours.exceptional) == (None, True)
    assert calendar.closure_on(dt.date(2026, 12, 24)).reason == "veille de Noël"
    assert calendar.is_open(at(2026, 12, 24, 11, 59))
    assert not calendar.is_open(at(2026, 12, 24, 14))


def test_whole_day_closure_for_every_service(town: Town) -> None:
    hours = calendar_for(town, "mairie").day(dt.date(2026, 12, 26))  # a Saturday
    assert (hours.spans, hours.closed_reason, hours.exceptional) == ((), "pont de Noël", True)


@pytest.mark.parametrize(
    ("day", "reason"),
    [
        (dt.date(2026, 12, 29), "fermeture de fin d'année"),
        (dt.date(2027, 1, 1), "Jour de l'an"),  # a holiday inside the range: the holiday
        (dt.date(2027, 1, 2), "fermeture de fin d'année"),  # a Saturday
        # A Sunday, last day of the range: closed anyway, and still told why (issue 11).
        (dt.date(2027, 1, 3), "fermeture de fin d'année"),
    ],
)
def test_closure_range(town: Town, day: dt.date, reason: str | None) -> None:
    hours = calendar_for(town, "mairie").day(day)
    assert (hours.spans, hours.closed_reason, hours.exceptional) == ((), reason, True)


def test_closure_scope(town: Town) -> None:
    foyer = calendar_for(town, "foyer")
    assert foyer.closure_on(dt.date(2026, 12, 29)) is None
    assert foyer.day(dt.date(2027, 1, 1)).spans  # a Friday, the foyer keeps its hours


def test_next_opening_across_year_end_closure(town: Town) -> None:
    calendar = calendar_for(town, "mairie")
    assert calendar.next_opening(at(2026, 12, 24, 12)) == at(2027, 1, 4, 8, 30)


def test_next_opening_across_long_closure(town: Town) -> None:
    calendar = calendar_for(town, "mediatheque")
    assert calendar.next_opening(at(2026, 12, 31, 10)) == at(2027, 1, 2, 10)
    assert calendar.next_opening(at(2027, 1, 2, 18)) == at(2027, 7, 3, 10)
    assert calendar.day(dt.date(2027, 3, 3)).closed_reason == "travaux"


def test_no_opening_within_a_year(town: Town) -> None:
    assert calendar_for(town, "piscine").next_opening(at(2026, 11, 25, 10)) is None


def test_next_opening_skips_the_opening_under_way(town: Town) -> None:
    calendar = calendar_for(town, "mairie")
    assert calendar.next_opening(at(2026, 11, 25, 10)) == at(2026, 11, 25, 13, 30)
    assert calendar.next_opening(at(2026, 11, 25, 8, 30)) == at(2026, 11, 25, 13, 30)
    assert calendar.next_opening(at(2026, 11, 25, 8, 29)) == at(2026, 11, 25, 8, 30)


def test_current_span(town: Town) -> None:
    calendar = calendar_for(town, "mairie")
    assert calendar.current_span(at(2026, 11, 25, 10)) == Span(
        at(2026, 11, 25, 8, 30), at(2026, 11, 25, 12)
    )
    assert calendar.current_span(at(2026, 11, 25, 12)) is None


def test_aware_datetime_in_another_zone(town: Town) -> None:
    calendar = calendar_for(town, "mairie")
    assert calendar.is_open(dt.datetime(2026, 11, 25, 7, 45, tzinfo=UTC))  # 8:45 in Paris
    assert not calendar.is_open(dt.datetime(2026, 11, 25, 7, 15, tzinfo=UTC))


def test_naive_datetime_is_refused(town: Town) -> None:
    with pytest.raises(ValueError, match="naive"):
        calendar_for(town, "mairie").is_open(dt.datetime(2026, 11, 25, 10))


# Past midnight


def test_night_span_belongs_to_the_day_it_starts(town: Town) -> None:
    calendar = calendar_for(town, "foyer")
    friday, saturday = calendar.day(dt.date(2026, 12, 4)), calendar.day(dt.date(2026, 12, 5))
    assert wall(friday.spans) == [("2026-12-04T18:00:00+01:00", "2026-12-05T02:00:00+01:00")]
    assert wall(saturday.spans) == [("2026-12-05T18:00:00+01:00", "2026-12-06T02:00:00+01:00")]
    assert calendar.day(dt.date(2026, 12, 6)).spans == ()


@pytest.mark.parametrize(
    ("when", "is_open"),
    [
        (at(2026, 12, 4, 17, 59), False),
        (at(2026, 12, 4, 23, 30), True),
        (at(2026, 12, 5, 1, 59), True),
        (at(2026, 12, 5, 2), False),
        (at(2026, 12, 6, 1), True),
        (at(2026, 12, 6, 2, 30), False),
    ],
)
def test_open_past_midnight(town: Town, when: dt.datetime, is_open: bool) -> None:
    assert calendar_for(town, "foyer").is_open(when) is is_open


def test_current_span_past_midnight(town: Town) -> None:
    span = calendar_for(town, "foyer").current_span(at(2026, 12, 5, 1))
    assert span == Span(at(2026, 12, 4, 18), at(2026, 12, 5, 2))


def test_closed_day_also_closes_its_own_night(town: Town) -> None:
    # Closed Saturday 28 November: its 18:00-02:00 night must not leak into Sunday.
    calendar = calendar_for(town, "foyer")
    assert "2026 Nov 29 00:00-02:00 off" in calendar.expression
    saturday = calendar.day(dt.date(2026, 11, 28))
    assert (saturday.spans, saturday.closed_reason) == ((), "inventaire")
    assert not calendar.is_open(at(2026, 11, 29, 1))
    assert calendar.day(dt.date(2026, 11, 29)).spans == ()


def test_closed_day_cuts_the_previous_night_at_midnight(town: Town) -> None:
    # OSM semantics: a rule for a day owns that whole calendar day, from 00:00.
    calendar = calendar_for(town, "foyer")
    friday = calendar.day(dt.date(2026, 11, 27))
    assert wall(friday.spans) == [("2026-11-27T18:00:00+01:00", "2026-11-28T00:00:00+01:00")]
    assert not calendar.is_open(at(2026, 11, 28, 1))


def test_special_hours_replace_the_night() -> None:
    closure = Closure.model_validate(
        {"date": "2026-11-28", "reason": "fête", "hours": "20:00-23:00"}
    )
    calendar = ServiceCalendar("Fr,Sa 18:00-02:00", [closure], PARIS, "FR")
    assert wall(calendar.day(dt.date(2026, 11, 28)).spans) == [
        ("2026-11-28T20:00:00+01:00", "2026-11-28T23:00:00+01:00")
    ]
    assert not calendar.is_open(at(2026, 11, 29, 1))


def test_special_hours_past_midnight_keep_their_night() -> None:
    closure = Closure.model_validate(
        {"date": "2026-11-28", "reason": "fête", "hours": "20:00-03:00"}
    )
    calendar = ServiceCalendar("Fr,Sa 18:00-02:00", [closure], PARIS, "FR")
    assert wall(calendar.day(dt.date(2026, 11, 28)).spans) == [
        ("2026-11-28T20:00:00+01:00", "2026-11-29T03:00:00+01:00")
    ]
    assert calendar.is_open(at(2026, 11, 29, 2, 30))


def test_continuous_opening_is_cut_per_day() -> None:
    calendar = ServiceCalendar("24/7", [], PARIS, "FR")
    assert wall(calendar.day(dt.date(2026, 11, 25)).spans) == [
        ("2026-11-25T00:00:00+01:00", "2026-11-26T00:00:00+01:00")
    ]
    assert calendar.next_opening(at(2026, 11, 25, 10)) is None


# Daylight saving time: 2026-03-29 02:00 -> 03:00, 2026-10-25 03:00 -> 02:00


def test_spring_forward_span(town: Town) -> None:
    (span,) = calendar_for(town, "nuit").day(dt.date(2026, 3, 29)).spans
    assert (span.start.isoformat(), span.end.isoformat()) == (
        "2026-03-29T01:00:00+01:00",
        "2026-03-29T04:00:00+02:00",
    )
    assert span.duration == dt.timedelta(hours=2)


def test_fall_back_span(town: Town) -> None:
    (span,) = calendar_for(town, "nuit").day(dt.date(2026, 10, 25)).spans
    assert (span.start.isoformat(), span.end.isoformat()) == (
        "2026-10-25T01:00:00+02:00",
        "2026-10-25T04:00:00+01:00",
    )
    assert span.duration == dt.timedelta(hours=4)


@pytest.mark.parametrize(
    ("when", "is_open"),
    [
        (at(2026, 3, 29, 0, 59), False),
        (at(2026, 3, 29, 1, 59), True),
        (at(2026, 3, 29, 3, 30), True),  # 02:xx does not exist that night
        (at(2026, 3, 29, 4), False),
        (at(2026, 10, 25, 2, 30, fold=0), True),  # first 02:30 (summer time)
        (at(2026, 10, 25, 2, 30, fold=1), True),  # second 02:30 (winter time)
        (at(2026, 10, 25, 3, 59), True),
        (at(2026, 10, 25, 4), False),
        (dt.datetime(2026, 10, 25, 2, 59, tzinfo=UTC), True),  # 03:59 winter time
        (dt.datetime(2026, 10, 25, 3, 0, tzinfo=UTC), False),  # 04:00 winter time
    ],
)
def test_is_open_around_dst(town: Town, when: dt.datetime, is_open: bool) -> None:
    assert calendar_for(town, "nuit").is_open(when) is is_open


def test_night_across_dst_changes(town: Town) -> None:
    calendar = calendar_for(town, "foyer")
    (spring,) = calendar.day(dt.date(2026, 3, 28)).spans  # Saturday 18:00 -> Sunday "02:00"
    assert spring.end.isoformat() == "2026-03-29T03:00:00+02:00"  # 02:00 winter = 03:00 summer
    assert spring.duration == dt.timedelta(hours=8)
    (autumn,) = calendar.day(dt.date(2026, 10, 24)).spans
    assert autumn.end.isoformat() == "2026-10-25T02:00:00+01:00"  # the second 02:00
    assert autumn.duration == dt.timedelta(hours=9)


def test_next_opening_on_dst_day(town: Town) -> None:
    calendar = calendar_for(town, "nuit")
    opening = calendar.next_opening(at(2026, 3, 29, 12))
    assert opening.isoformat() == "2026-03-30T01:00:00+02:00"
    assert opening - at(2026, 3, 29, 12) == dt.timedelta(hours=13)
