"""Kind "council": an ICS agenda of council meetings; each future meeting gives two reminders.

Recurring meetings are expanded over a window around the parse time: from one day before to
400 days after (the clock is injected; options cannot set it). A fixed window keeps an
open-ended RRULE finite and still yields the meetings to come, whatever the rule's first date.
Times without a zone (floating) and all-day meetings are read in options["timezone"]
(Europe/Paris by default).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar
import recurring_ical_events

from arobase.hours_text import format_date, format_time
from notifications.errors import FetchError, InvalidInput
from notifications.records import MessageDraft, ParsedFeed, ParsedItem, SourceConfig
from notifications.sources.feed import (
    content_hash,
    dedupe_key,
    http_link,
    plain_text,
    shorten,
    stable_guid,
)

WINDOW_BEFORE = timedelta(days=1)
WINDOW_AFTER = timedelta(days=400)
DEFAULT_ZONE = "Europe/Paris"
DEFAULT_TITLE = "Conseil municipal"
DAY_OF_AT = time(8, 0)
EARLY_MEETING = time(10, 0)  # before this, the day-of reminder comes 2 hours ahead instead
EARLY_LEAD = timedelta(hours=2)


def utc_now() -> datetime:
    return datetime.now(UTC)


class CouncilSource:
    kind: ClassVar[str] = "council"
    default_topic: ClassVar[str] = "conseil"
    agenda: ClassVar[bool] = True

    def __init__(self, clock: Callable[[], datetime] = utc_now) -> None:
        self._clock = clock

    def parse(self, body: bytes, config: SourceConfig) -> ParsedFeed:
        """The meetings of the window, cancelled ones left out, in order of start."""
        try:
            zone = floating_zone(config.options)
        except InvalidInput as exc:
            raise FetchError(str(exc)) from exc
        now = self._clock()
        try:
            calendar = icalendar.Calendar.from_ical(body)
            events = recurring_ical_events.of(calendar).between(
                now - WINDOW_BEFORE, now + WINDOW_AFTER
            )
            items = [meeting_item(event, config, zone) for event in events if not cancelled(event)]
        except (ValueError, KeyError) as exc:  # ValueError: the libraries' own errors
            raise FetchError(f"agenda ICS illisible : {ics_reason(exc)}") from exc
        items.sort(key=lambda item: item.facts["start"])
        title = plain_text(str(calendar.get("X-WR-CALNAME", ""))) or config.name
        return ParsedFeed(title=title, items=tuple(items))

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
                kind="reminder",
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
