"""Opening hours of a service: its OSM expression plus the town's dated closures, evaluated.

All evaluation is done by opening-hours-py; this module only builds the expression and
reads the library's intervals back. Every datetime is timezone-aware, in the town's zone.

Day convention: a span belongs to the calendar day it starts on, so "Fr 18:00-02:00"
gives, under Friday, one span Friday 18:00 → Saturday 02:00 (and nothing under Saturday).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import holidays
from opening_hours import OpeningHours, State

from arobase.town import Closure, Town

SEARCH_DAYS = 366  # how far ahead next_opening and current_span look
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_UTC = dt.UTC


@dataclass(frozen=True)
class Span:
    """One continuous opening, from start (included) to end (excluded), town wall time."""

    start: dt.datetime
    end: dt.datetime

    @property
    def duration(self) -> dt.timedelta:
        """Real elapsed time, correct across daylight-saving changes."""
        return self.end.astimezone(_UTC) - self.start.astimezone(_UTC)

    def contains(self, at: dt.datetime) -> bool:
        """Whether the instant `at` falls inside this span."""
        return _utc(self.start) <= _utc(at) < _utc(self.end)


@dataclass(frozen=True)
class DayHours:
    """The spans starting on one calendar day, and why the service is shut that day if it is."""

    day: dt.date
    spans: tuple[Span, ...]
    closed_reason: str | None  # holiday name or closure reason, when closed all day because of it
    exceptional: bool  # a dated closure or special hours applies that day

    @property
    def is_closed(self) -> bool:
        """No opening starts that day."""
        return not self.spans


def _utc(value: dt.datetime) -> dt.datetime:
    """The same instant in UTC (same-zone datetimes otherwise compare by wall clock)."""
    return value.astimezone(_UTC)


def osm_date(day: dt.date) -> str:
    """An OSM date selector for one day: "2026 Dec 26"."""
    return f"{day.year} {_MONTHS[day.month - 1]} {day.day:02d}"


def osm_dates(first: dt.date, last: dt.date) -> str:
    """An OSM date selector for a day or a range: "2026 Dec 24-2027 Jan 02"."""
    return osm_date(first) if first == last else f"{osm_date(first)}-{osm_date(last)}"


def closure_rule(closure: Closure) -> str:
    """The OSM rule for a dated closure (no hours: closed) or special hours."""
    selector = osm_dates(closure.start, closure.last_day)
    return f"{selector} off" if closure.hours is None else f"{selector} {closure.hours}"


def _midnight(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    """The start of a calendar day in the zone."""
    return dt.datetime(day.year, day.month, day.day, tzinfo=zone)


def _open_intervals(
    oh: OpeningHours, start: dt.datetime, end: dt.datetime
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The library's open intervals between two instants, clipped to them."""
    return [(s, e) for s, e, state, _ in oh.intervals(start, end) if state == State.OPEN]


def day_spans(oh: OpeningHours, zone: ZoneInfo, day: dt.date) -> tuple[Span, ...]:
    """Spans starting on `day`; a night running past midnight stays with the day it started.

    The library splits nothing at midnight but merges back-to-back openings, so: a piece
    opened before the day and ending within it is the previous night (skipped); a piece
    reaching the day's end is extended into the next day only by a tail ending that next day.
    """
    start, end = _midnight(day, zone), _midnight(day + dt.timedelta(days=1), zone)
    after = _midnight(day + dt.timedelta(days=2), zone)
    spans: list[Span] = []
    for s, e in _open_intervals(oh, _midnight(day - dt.timedelta(days=1), zone), after):
        if _utc(e) <= _utc(start) or _utc(s) >= _utc(end):
            continue
        if _utc(s) < _utc(start) and _utc(e) < _utc(end):
            continue  # last night's tail, shown under the previous day
        if _utc(e) > _utc(end) and _utc(e) >= _utc(after):
            e = end  # continuous for more than a day: cut at midnight
        spans.append(Span(max(s, start, key=_utc), e))
    return tuple(spans)


def _spill_fixes(regular: OpeningHours, zone: ZoneInfo, closures: list[Closure]) -> list[str]:
    """Rules closing the after-midnight tail of a closed or re-timed day's regular night.

    In OSM a rule for day D owns D's calendar day but leaves D's own night tail on D+1
    ("Sa 18:00-02:00; 2026 Nov 28 off" stays open Nov 29 00:00-02:00); these rules close it.
    """
    fixes = []
    for closure in closures:
        nxt = closure.last_day + dt.timedelta(days=1)
        for span in day_spans(regular, zone, closure.last_day):
            if _utc(span.end) > _utc(_midnight(nxt, zone)):
                local = span.end.astimezone(zone)
                hhmm = local.strftime("%H:%M") if local.date() == nxt else "24:00"
                fixes.append(f"{osm_date(nxt)} 00:00-{hhmm} off")
    return fixes


class ServiceCalendar:
    """A service's opening hours with the town's dated closures, evaluated by opening-hours-py."""

    def __init__(
        self, opening_hours: str, closures: list[Closure], zone: ZoneInfo, country: str
    ) -> None:
        self.zone = zone
        self.country = country
        self.closures = list(closures)
        self.regular = OpeningHours(opening_hours, timezone=zone, country=country)
        rules = [
            opening_hours,
            *_spill_fixes(self.regular, zone, self.closures),
            *(closure_rule(c) for c in self.closures),
        ]
        self.expression = "; ".join(rules)
        self.oh = OpeningHours(self.expression, timezone=zone, country=country)
        # PH matches nothing without a country: the hours as if there were no public holidays.
        self.no_holidays = OpeningHours(opening_hours, timezone=zone, auto_country=False)
        self._holidays: dict[int, holidays.HolidayBase] = {}

    def _local(self, at: dt.datetime) -> dt.datetime:
        """An aware datetime in the town's zone."""
        if at.tzinfo is None:
            raise ValueError("naive datetime: pass a timezone-aware datetime")
        return at.astimezone(self.zone)

    def closure_on(self, day: dt.date) -> Closure | None:
        """The dated closure or special hours that applies on `day` (the last one listed wins)."""
        found = [c for c in self.closures if c.start <= day <= c.last_day]
        return found[-1] if found else None

    def holiday_name(self, day: dt.date) -> str | None:
        """The public holiday's French name on `day`, if any."""
        if day.year not in self._holidays:
            self._holidays[day.year] = holidays.country_holidays(
                self.country, years=day.year, language="fr"
            )
        return self._holidays[day.year].get(day)

    def day(self, day: dt.date) -> DayHours:
        """The spans starting on `day`, with the reason when it is closed all day."""
        spans = day_spans(self.oh, self.zone, day)
        closure = self.closure_on(day)
        reason = None
        if not spans and day_spans(self.regular, self.zone, day):
            reason = closure.reason if closure else None
        elif not spans and day_spans(self.no_holidays, self.zone, day):
            reason = self.holiday_name(day)
        elif not spans and closure is not None and closure.hours is None:
            # Told on each of its days, also on one the service would be closed anyway: "closed
            # on Tuesday" alone would hide why it stays closed until the reopening given next.
            reason = closure.reason
        return DayHours(day, spans, reason, exceptional=closure is not None)

    def is_open(self, at: dt.datetime) -> bool:
        """Whether the service is open at the instant `at`."""
        return self.oh.is_open(self._local(at))

    def current_span(self, at: dt.datetime) -> Span | None:
        """The opening containing `at`; its start is clipped to one day before `at` at most.

        Its end is the real closing time (openings are merged across midnight), clipped to
        SEARCH_DAYS after `at` for a service that never closes.
        """
        at = self._local(at)
        limit = at + dt.timedelta(days=SEARCH_DAYS)
        for s, e in _open_intervals(self.oh, at - dt.timedelta(days=1), limit):
            if _utc(s) <= _utc(at) < _utc(e):
                return Span(s, e)
            if _utc(s) > _utc(at):
                break
        return None

    def next_opening(self, after: dt.datetime) -> dt.datetime | None:
        """When the service next opens after `after` (not counting an opening under way)."""
        after = self._local(after)
        limit = after + dt.timedelta(days=SEARCH_DAYS)
        was_open = True  # an opening under way at `after` is not a "next" opening
        for s, _e, state, _ in self.oh.intervals(after, limit):
            is_open = state == State.OPEN
            if is_open and not was_open:
                return s
            was_open = is_open
        return None


def calendar_for(town: Town, service_key: str) -> ServiceCalendar:
    """The evaluated calendar of one of the town's services."""
    service = town.services[service_key]
    return ServiceCalendar(
        service.opening_hours,
        town.closures_for(service_key),
        town.commune.zone,
        town.commune.country,
    )
