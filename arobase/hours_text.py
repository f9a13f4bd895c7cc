"""Opening hours said in plain French: "La mairie est ouverte en ce moment, jusqu'à 12h."."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from arobase.hours import SEARCH_DAYS, ServiceCalendar, Span
from arobase.town import Service
from arobase.when import Part, When

WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip
# Part of day: (window start in minutes after midnight, label, "Le matin du …" prefix).
PARTS: dict[str, tuple[int, str, str]] = {
    "matin": (0, "matin", "Le matin du"),
    "apres-midi": (12 * 60, "après-midi", "L'après-midi du"),
    "soir": (17 * 60, "soir", "Le soir du"),
}
THIS_PART = {"matin": "Ce matin", "apres-midi": "Cet après-midi", "soir": "Ce soir"}
NO_REOPENING = "Aucune réouverture prévue n'est connue."


DURATION_UNITS = ((86_400, "jour", "jours"), (3_600, "heure", "heures"), (60, "minute", "minutes"))


def counted(number: int, singular: str, plural: str = "") -> str:
    """NUMBER and its noun agreed as French does (0 and 1 take the singular): '1 envoi',
    '3 envois'; PLURAL when it is not SINGULAR + 's'."""
    return f"{number} {singular if number <= 1 else plural or singular + 's'}"


def duration_text(seconds: float) -> str:
    """A period in plain French: 1800 → '30 minutes', 5400 → '1 heure 30 minutes',
    86400 → '1 jour'; rounded to the minute (at least 1 minute)."""
    rest = max(60, round(seconds / 60) * 60)
    words = []
    for size, singular, plural in DURATION_UNITS:
        number, rest = divmod(rest, size)
        if number:
            words.append(counted(number, singular, plural))
    return " ".join(words)


def days_text(days: int) -> str:
    """'1 jour', '7 jours'."""
    return duration_text(days * 86_400)


def capitalize(text: str) -> str:
    """The text with its first letter in upper case, the rest untouched ("CCAS" stays)."""
    return text[:1].upper() + text[1:]


def format_time(at: dt.datetime | dt.time) -> str:
    """A time of day as people write it: "9h", "8h30", "12h", "minuit"."""
    if at.hour == 0 and at.minute == 0:
        return "minuit"
    return f"{at.hour}h{at.minute:02d}" if at.minute else f"{at.hour}h"


def day_month(day: dt.date) -> str:
    """A day of the month as "28 décembre" or "1er décembre", without weekday or year."""
    number = "1er" if day.day == 1 else str(day.day)
    return f"{number} {MONTHS[day.month - 1]}"


def format_date(day: dt.date, today: dt.date | None = None) -> str:
    """A day as "lundi 28 décembre" ("1er" for the first).

    The year is added only when the day is far from TODAY; never when TODAY is not given.
    """
    text = f"{WEEKDAYS[day.weekday()]} {day_month(day)}"
    if today is not None and day.year != today.year and not 0 <= (day - today).days < 300:
        text += f" {day.year}"
    return text


def join_and(parts: Sequence[str]) -> str:
    """ "a", "a et b", "a, b et c" (empty for none)."""
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " et " + parts[-1]


def day_phrase(day: dt.date, today: dt.date) -> str:
    """ "aujourd'hui", "demain" or "le lundi 28 décembre"."""
    if day == today:
        return "aujourd'hui"
    if day == today + dt.timedelta(days=1):
        return "demain"
    return f"le {format_date(day, today)}"


def agree(adjective: str, service: Service) -> str:
    """The adjective agreed with the service: "ouvert" → "ouverte", "fermés"…"""
    return adjective + ("e" if service.gender == "f" else "") + ("s" if service.plural else "")


def _is(service: Service) -> str:
    """ "est" or "sont"."""
    return "sont" if service.plural else "est"


def _subject(service: Service) -> str:
    """The service as a sentence's subject: "La mairie"."""
    return capitalize(service.short)


def _pronoun(service: Service) -> str:
    """ "Il", "Elle", "Ils" or "Elles"."""
    return ("Elle" if service.gender == "f" else "Il") + ("s" if service.plural else "")


def format_span(span: Span, zone: dt.tzinfo) -> str:
    """ "de 9h à 12h", or "de 18h à 2h (le lendemain)" past midnight."""
    start, end = span.start.astimezone(zone), span.end.astimezone(zone)
    text = f"de {format_time(start)} à {format_time(end)}"
    if end.date() > start.date() and end.time() != dt.time(0):
        text += " (le lendemain)"
    return text


def format_spans(spans: tuple[Span, ...] | list[Span], zone: dt.tzinfo) -> str:
    """ "de 8h30 à 12h et de 13h30 à 17h30"."""
    return join_and([format_span(s, zone) for s in spans])


def _minutes(at: dt.datetime, day: dt.date, zone: dt.tzinfo) -> int:
    """Wall-clock minutes from the start of `day` (past 1440 on the next day)."""
    local = at.astimezone(zone)
    return (local.date() - day).days * 1440 + local.hour * 60 + local.minute


def in_part(span: Span, day: dt.date, part: Part, zone: dt.tzinfo) -> bool:
    """Whether a span counts for a part of the day (morning before 12h, afternoon 12h-18h…)."""
    start, end = _minutes(span.start, day, zone), _minutes(span.end, day, zone)
    if part == "matin":
        return start < 12 * 60
    if part == "apres-midi":
        return start < 18 * 60 and end > 12 * 60
    return start >= 17 * 60 or end > 18 * 60


def reopening(calendar: ServiceCalendar, after: dt.datetime, now: dt.datetime) -> str:
    """ "Réouverture demain à 8h30." or that none is known."""
    at = calendar.next_opening(after)
    if at is None:
        return NO_REOPENING
    at = at.astimezone(calendar.zone)
    return f"Réouverture {day_phrase(at.date(), now.date())} à {format_time(at)}."


def _until(end: dt.datetime, now: dt.datetime, zone: dt.tzinfo) -> str:
    """ ", jusqu'à 12h" (or "demain 2h", "minuit", a date); empty if it never closes."""
    if end.astimezone(dt.UTC) - now.astimezone(dt.UTC) >= dt.timedelta(days=SEARCH_DAYS):
        return ""
    local, today = end.astimezone(zone), now.astimezone(zone).date()
    tomorrow = today + dt.timedelta(days=1)
    if local.date() == today or (local.date() == tomorrow and local.time() == dt.time(0)):
        return f", jusqu'à {format_time(local)}"
    if local.date() == tomorrow:
        return f", jusqu'à demain {format_time(local)}"
    return f", jusqu'au {format_date(local.date(), today)} à {format_time(local)}"


def describe_now(service: Service, calendar: ServiceCalendar, now: dt.datetime) -> str:
    """Open or closed right now, until when or when it reopens."""
    zone = calendar.zone
    now = now.astimezone(zone)
    span = calendar.current_span(now)
    if span is not None:
        text = f"{_subject(service)} {_is(service)} {agree('ouvert', service)} en ce moment"
        text += _until(span.end, now, zone) + "."
        ends = span.end.astimezone(dt.UTC)
        later = [s for s in calendar.day(now.date()).spans if s.start.astimezone(dt.UTC) > ends]
        if later and later[0].start.astimezone(zone).date() == now.date():
            verb = "rouvrent" if service.plural else "rouvre"
            text += f" {_pronoun(service)} {verb} à {format_time(later[0].start.astimezone(zone))}."
        return text
    today = calendar.day(now.date())
    closed = f"{_subject(service)} {_is(service)} {agree('fermé', service)}"
    if not today.spans and today.closed_reason:
        text = f"{closed} aujourd'hui ({_closed_because(calendar, today.day, now.date())})."
    else:
        text = f"{closed} en ce moment."
    return f"{text} {reopening(calendar, now, now)}"


def _closed_because(calendar: ServiceCalendar, day: dt.date, today: dt.date) -> str:
    """Why it is closed all day: the holiday or closure reason, with a closure's whole period
    when it spans several days ("Travaux, du lundi 4 au vendredi 8 janvier")."""
    reason = calendar.day(day).closed_reason or ""
    closure = calendar.closure_on(day)
    if closure is None or closure.end is None or closure.reason != reason:
        return reason
    first, last = format_date(closure.start, today), format_date(closure.last_day, today)
    return f"{reason}, du {first} au {last}"


def _label(day: dt.date, part: Part | None, today: dt.date) -> str:
    """The sentence opening for a day: "Samedi 28 novembre", "Demain matin", "Ce soir"…"""
    if part is None:
        near = today <= day <= today + dt.timedelta(days=1)
        return capitalize(day_phrase(day, today) if near else format_date(day, today))
    if day == today:
        return THIS_PART[part]
    if day == today + dt.timedelta(days=1):
        return f"Demain {PARTS[part][1]}"
    if today < day < today + dt.timedelta(days=7):
        return f"{capitalize(WEEKDAYS[day.weekday()])} {PARTS[part][1]}"
    return f"{PARTS[part][2]} {format_date(day, today)}"


def describe_day(
    service: Service, calendar: ServiceCalendar, day: dt.date, part: Part | None, now: dt.datetime
) -> str:
    """One day's (or part of a day's) hours, or that it is closed and when it reopens."""
    zone = calendar.zone
    now = now.astimezone(zone)
    today = now.date()
    hours = calendar.day(day)
    spans = [s for s in hours.spans if part is None or in_part(s, day, part, zone)]
    label = _label(day, part, today)
    if spans:
        text = f"{label}, {service.short} {_is(service)} {agree('ouvert', service)} "
        text += format_spans(spans, zone)
        closure = calendar.closure_on(day) if hours.exceptional else None
        if closure is not None:
            text += f" (horaires exceptionnels : {closure.reason})"
        return text + "."
    closed = f"{_subject(service)} {_is(service)} {agree('fermé', service)}"
    if hours.closed_reason:
        text = f"{closed} {day_phrase(day, today)} ({_closed_because(calendar, day, today)})."
    elif part is not None:
        text = f"{label}, {service.short} {_is(service)} {agree('fermé', service)}."
    else:
        text = f"{closed} {day_phrase(day, today)}."
    window = PARTS[part][0] if part is not None else 0
    start = dt.datetime.combine(day, dt.time(window // 60, window % 60), tzinfo=zone)
    after = max(start, now, key=lambda x: x.astimezone(dt.UTC))
    return f"{text} {reopening(calendar, after, now)}"


def describe_hours(
    service: Service, calendar: ServiceCalendar, when: When, now: dt.datetime
) -> str:
    """Short French answer about a service's hours at the moment asked (lines joined by "\\n")."""
    if when.kind == "now":
        return describe_now(service, calendar, now)
    return "\n".join(describe_day(service, calendar, d, when.part, now) for d in when.days)
