"""Kind "council": an ICS agenda of council meetings; each future meeting gives two reminders.

Recurring meetings are expanded over a window around the parse time: from one day before to
400 days after (the clock is injected; options cannot set it). A fixed window keeps an
open-ended RRULE finite and still yields the meetings to come, whatever the rule's first date.

An agenda comes from outside, and 178 bytes of RRULE:FREQ=MINUTELY expand to half a million
meetings. So a council agenda is bounded before and during expansion: at most MAX_EVENTS
VEVENTs, no rule repeating more than once a day (refused before expanding, naming the
event), at most MAX_PER_EVENT dates for one event and MAX_OCCURRENCES for all in the window
(the expansion is read one date at a time and stopped there). Past a bound the whole agenda
is refused with the reason: reminders of a half-read agenda would be wrong. Of the meetings
left, the `max_items` soonest are kept (the others come in as the window moves on).

Times without a zone (floating) and all-day meetings are read in options["timezone"]
(Europe/Paris by default).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar
import recurring_ical_events

from arobase.hours_text import format_date, format_time
from notifications.errors import FetchError, InvalidInput
from notifications.records import MessageDraft, MessageKind, ParsedFeed, ParsedItem, SourceConfig
from notifications.sources.base import DEFAULT_MAX_ITEMS
from notifications.sources.feed import (
    content_hash,
    dedupe_key,
    http_link,
    only,
    plain_text,
    shorten,
    stable_guid,
    thousands,
)

WINDOW_BEFORE = timedelta(days=1)
WINDOW_AFTER = timedelta(days=400)
DEFAULT_ZONE = "Europe/Paris"
DEFAULT_TITLE = "Conseil municipal"
DAY_OF_AT = time(8, 0)
EARLY_MEETING = time(10, 0)  # before this, the day-of reminder comes 2 hours ahead instead
EARLY_LEAD = timedelta(hours=2)
MAX_EVENTS = 1000  # VEVENTs in one agenda: twenty years of monthly meetings fit four times
MAX_PER_EVENT = 120  # dates of one event in the window: twice a week fits (115)
MAX_OCCURRENCES = 500  # dates of all events in the window
TOO_FREQUENT = frozenset({"SECONDLY", "MINUTELY", "HOURLY"})
_BEGIN_VEVENT = re.compile(rb"^BEGIN:VEVENT\r?$", re.MULTILINE | re.IGNORECASE)


def utc_now() -> datetime:
    return datetime.now(UTC)


class CouncilSource:
    kind: ClassVar[str] = "council"
    default_topic: ClassVar[str] = "conseil"
    agenda: ClassVar[bool] = True

    def __init__(
        self, clock: Callable[[], datetime] = utc_now, max_items: int = DEFAULT_MAX_ITEMS
    ) -> None:
        self._clock = clock
        self.max_items = max_items

    def parse(self, body: bytes, config: SourceConfig) -> ParsedFeed:
        """The soonest meetings of the window, cancelled ones left out, in order of start."""
        try:
            zone = floating_zone(config.options)
        except InvalidInput as exc:
            raise FetchError(str(exc)) from exc
        check_event_count(body)  # before parsing: the count bounds the parser's work too
        now = self._clock()
        try:
            calendar = icalendar.Calendar.from_ical(body)
            events = occurrences(calendar, now - WINDOW_BEFORE, now + WINDOW_AFTER)
            items = [meeting_item(event, config, zone) for event in events if not cancelled(event)]
        except (ValueError, KeyError) as exc:  # ValueError: the libraries' own errors
            raise FetchError(f"agenda ICS illisible : {ics_reason(exc)}") from exc
        items.sort(key=lambda item: item.facts["start"])
        title = plain_text(str(calendar.get("X-WR-CALNAME", ""))) or config.name
        return ParsedFeed(
            title=title,
            items=tuple(items[: self.max_items]),
            warning=left_out(len(items), self.max_items),
        )

    def drafts(
        self,
        item: ParsedItem,
        topics: tuple[str, ...],
        config: SourceConfig,
        now: datetime,
        zone: ZoneInfo,
    ) -> list[MessageDraft]:
        """Reminders of a future meeting: two days before and on the day, those still to come."""
        start: datetime | None = item.facts.get("start")
        if start is None or start <= now:
            return []
        local = start.astimezone(zone)
        all_day = bool(item.facts.get("all_day"))
        before = local.date() - timedelta(days=2)
        two_days = datetime.combine(before, remind_at(config.options), zone)
        if local.time() < EARLY_MEETING and not all_day:
            day_of = start - EARLY_LEAD  # in absolute time: right across a DST change too
        else:
            day_of = datetime.combine(local.date(), DAY_OF_AT, zone)
        at = "" if all_day else f" à {format_time(local)}"
        reminders = (
            ("j2", two_days, f"{item.title} le {format_date(local.date())}{at}"),
            ("j0", day_of, f"{item.title} aujourd'hui{at}"),
        )
        body = meeting_body(item)
        return [
            MessageDraft(
                title=title,
                body=body,
                link=item.link,
                topics=topics or (self.default_topic,),
                scheduled_at=when.astimezone(UTC),
                kind=MessageKind.REMINDER,
                dedupe_key=dedupe_key("council", config.name, item.guid, suffix),
            )
            for suffix, when, title in reminders
            if when > now
        ]


def check_options(options: dict[str, Any]) -> None:
    """InvalidInput unless the council options are usable: call it when a source is added."""
    floating_zone(options)
    remind_at(options)
    livestream = options.get("livestream")
    if livestream is not None and http_link(str(livestream), "") is None:
        raise InvalidInput(f"lien du direct invalide « {livestream} » : adresse http(s) attendue")


def floating_zone(options: dict[str, Any]) -> ZoneInfo:
    name = options.get("timezone", DEFAULT_ZONE)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(f"fuseau horaire inconnu « {name} », par exemple Europe/Paris") from exc


def remind_at(options: dict[str, Any]) -> time:
    """options["remind_at"] ("HH:MM", 09:00 by default): when the two-days-before one goes."""
    text = options.get("remind_at", "09:00")
    try:
        return time.fromisoformat(str(text)).replace(tzinfo=None)
    except ValueError as exc:
        raise InvalidInput(f"heure de rappel invalide « {text} » : écrivez-la HH:MM") from exc


def check_event_count(body: bytes) -> None:
    """FetchError when the agenda has more than MAX_EVENTS VEVENTs (counted in the raw text)."""
    count = len(_BEGIN_VEVENT.findall(body))
    if count > MAX_EVENTS:
        raise FetchError(
            f"agenda refusé : {thousands(count)} événements, {thousands(MAX_EVENTS)} au plus"
        )


def occurrences(
    calendar: icalendar.Calendar, start: datetime, stop: datetime
) -> list[icalendar.Component]:
    """Every date of every event between START and STOP, each as a VEVENT; FetchError when
    a rule repeats more than daily or an event or the agenda has too many dates."""
    for event in calendar.walk("VEVENT"):
        refuse_frequent_rules(event)
    found: list[icalendar.Component] = []
    # One series per UID (the event and its moved dates), expanded lazily: what
    # recurring_ical_events' between() does, but stopped as soon as a cap is passed.
    for series in recurring_ical_events.of(calendar).series:
        for count, occurrence in enumerate(series.between(start, stop), start=1):
            event = occurrence.as_component(False)
            if count > MAX_PER_EVENT:
                raise FetchError(
                    f"événement « {event_name(event)} » refusé : plus de {MAX_PER_EVENT} dates "
                    f"dans les {WINDOW_AFTER.days} jours à venir"
                )
            found.append(event)
            if len(found) > MAX_OCCURRENCES:
                raise FetchError(
                    f"agenda refusé : plus de {MAX_OCCURRENCES} séances dans les "
                    f"{WINDOW_AFTER.days} jours à venir"
                )
    return found


def refuse_frequent_rules(event: icalendar.Event) -> None:
    """FetchError naming EVENT when one of its rules gives more than one date a day.

    FREQ=SECONDLY, MINUTELY or HOURLY, or several times a day through BYHOUR, BYMINUTE or
    BYSECOND (FREQ=DAILY;BYHOUR=0,1,…,23 is hourly). Without those, any rule gives at most
    one date a day, which the caps on dates bound.
    """
    for rule in event.rrules:
        frequency = str((rule.get("FREQ") or [""])[0]).upper()
        per_day = 1
        for part in ("BYHOUR", "BYMINUTE", "BYSECOND"):
            per_day *= max(1, len(rule.get(part) or []))
        if frequency in TOO_FREQUENT or per_day > 1:
            text = rule.to_ical().decode(errors="replace")
            raise FetchError(
                f"événement « {event_name(event)} » refusé : il se répète plus d'une fois par "
                f"jour (RRULE:{shorten(text, 100)})"
            )


def event_name(event: icalendar.Event) -> str:
    """How staff know an event: its title, else its UID."""
    name = plain_text(str(event.get("SUMMARY", ""))) or str(event.get("UID", "")).strip()
    return shorten(name or DEFAULT_TITLE, 80)


def left_out(count: int, kept: int) -> str | None:
    """The warning of an agenda of which only the KEPT soonest meetings are read."""
    if count <= kept:
        return None
    return f"agenda de {thousands(count)} séances : {only(kept, 'prochaine')}"


def ics_reason(exc: Exception) -> str:
    if isinstance(exc, KeyError):  # recurring_ical_events on an event without DTSTART
        return f"propriété {exc.args[0] if exc.args else ''} manquante"
    return shorten(str(exc), 200)


def cancelled(event: icalendar.Event) -> bool:
    return str(event.get("STATUS", "")).upper() == "CANCELLED"


def meeting_item(event: icalendar.Event, config: SourceConfig, zone: ZoneInfo) -> ParsedItem:
    start = aware(event.start, zone)
    end = aware(event.end, zone) if "DTEND" in event or "DURATION" in event else None
    title = plain_text(str(event.get("SUMMARY", ""))) or DEFAULT_TITLE
    summary = shorten(plain_text(str(event.get("DESCRIPTION", ""))))
    location = plain_text(str(event.get("LOCATION", ""))) or None
    livestream = http_link(config.options.get("livestream"), config.url)
    uid = str(event.get("UID", "")).strip() or content_hash(title, str(event.start))
    return ParsedItem(
        guid=stable_guid(f"{uid}@{start.isoformat()}"),
        title=title,
        link=http_link(str(event.get("URL", "")), config.url) or livestream,
        summary=summary,
        published=start,
        categories=tuple(plain_text(str(c)) for c in event.categories),
        facts={
            "start": start,
            "end": end,
            "location": location,
            "livestream": livestream,
            "all_day": not isinstance(event.start, datetime),
        },
    )


def aware(value: date | datetime, zone: ZoneInfo) -> datetime:
    """An ICS date or date-time as an aware UTC datetime; floating and all-day ones in ZONE."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(0))
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(UTC)


def meeting_body(item: ParsedItem) -> str:
    lines = []
    if location := item.facts.get("location"):
        lines.append(f"Lieu : {location}")
    if livestream := item.facts.get("livestream"):
        lines.append(f"À suivre en direct : {livestream}")
    if item.summary:
        lines.append(item.summary)
    return "\n".join(lines)
