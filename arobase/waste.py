"""Waste collection days said in plain French, for one area of the commune or for all."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import holidays

from arobase.hours_text import MONTHS, WEEKDAYS, day_phrase, join_and
from arobase.replies import Answer, Choice, call_the_hall, intent_payload
from arobase.town import WEEKDAY_KEYS, Area, Season, Town, Waste, WasteCollection

# A collection today is still to come until noon: trucks pass in the morning, and a resident
# asking in the afternoon needs the next one.
STILL_TODAY_UNTIL = dt.time(12, 0)
NO_DAYS = "Je n'ai pas les jours de collecte de la commune."


@dataclass(frozen=True)
class Line:
    """One kind of waste as said for one area (or the whole commune)."""

    days: tuple[int, ...]  # date.weekday() numbers; empty: not collected
    collection: WasteCollection


def _weekdays(keys: list[str]) -> tuple[int, ...]:
    return tuple(sorted(WEEKDAY_KEYS.index(k) for k in set(keys)))


def next_collection(
    days: tuple[int, ...], season: Season | None, now: dt.datetime
) -> dt.date | None:
    """The next of DAYS (date.weekday() numbers) from NOW, in SEASON: today counts until
    noon."""
    first = now.date() if now.time() < STILL_TODAY_UNTIL else now.date() + dt.timedelta(days=1)
    for offset in range(366):
        day = first + dt.timedelta(days=offset)
        in_season = season is None or season.covers(day)
        if day.weekday() in days and in_season:
            return day
    return None


def _of_month(month: int) -> str:
    """ "d'avril", "de mars"."""
    name = MONTHS[month - 1]
    return f"d'{name}" if name[0] in "aeiouyéèâ" else f"de {name}"


def _holiday(day: dt.date, country: str) -> str | None:
    return holidays.country_holidays(country, years=day.year, language="fr").get(day)


def _line_text(line: Line, town: Town, now: dt.datetime) -> str:
    """ "- Verre : …", "- Ordures ménagères (bac gris) : le lundi et le jeudi. Prochaine
    collecte : demain." """
    collection = line.collection
    parts = []
    if line.days:
        when = join_and([f"le {WEEKDAYS[d]}" for d in line.days])
        if collection.season is not None:
            season = collection.season
            when += f", {_of_month(season.start)} à {MONTHS[season.end - 1]}"
        parts.append(when + ".")
        day = next_collection(line.days, collection.season, now)
        if day is not None:
            next_text = f"Prochaine collecte : {day_phrase(day, now.date())}"
            holiday = _holiday(day, town.commune.country)
            if holiday:
                next_text += f" ({holiday}, jour férié)"
            parts.append(next_text + ".")
    else:
        parts.append("pas de collecte à domicile.")
    if collection.note:
        parts.append(collection.note)
    return f"- {collection.label} : {' '.join(parts)}"


def _lines_for(waste: Waste, area: str | None) -> list[Line]:
    """The collections said for AREA: its own days and those of every area (None: only
    those of every area); a collection with days for other areas only is left out."""
    lines = []
    for collection in waste.collections:
        if not collection.area_days:
            lines.append(Line(_weekdays(collection.days), collection))
        elif area in collection.area_days:
            lines.append(Line(_weekdays(collection.area_days[area]), collection))
    return lines


def _choices(town: Town, areas: list[Area]) -> tuple[Choice, ...]:
    """A button per area (to narrow the answer) and one for the waste disposal site's hours."""
    buttons = [
        Choice(area.name, intent_payload("waste_collection", area=area.key)) for area in areas
    ]
    site = town.waste.dechetterie if town.waste else None
    if site is not None:
        service = town.services[site]
        buttons.append(
            Choice(
                f"Horaires de {service.short}", intent_payload("ask_opening_hours", service=site)
            )
        )
    return tuple(buttons)


def _areas_with_own_days(town: Town, waste: Waste) -> list[Area]:
    used = {key for c in waste.collections for key in c.area_days}
    return [area for key, area in town.areas.items() if key in used]


def _body(town: Town, waste: Waste, area: Area | None, now: dt.datetime) -> list[str]:
    def block(lines: list[Line]) -> list[str]:
        return [_line_text(line, town, now) for line in lines]

    if area is not None:
        return [f"Collecte des déchets ({area.name}) :", *block(_lines_for(waste, area.key))]
    out = [f"Collecte des déchets à {town.commune.name} :"]
    per_area = _areas_with_own_days(town, waste)
    if not per_area:
        return out + block(_lines_for(waste, None))
    for each in per_area:
        own = [line for line in _lines_for(waste, each.key) if line.collection.area_days]
        out += [f"{each.name} :", *block(own)]
    return [*out, "Dans toute la commune :", *block(_lines_for(waste, None))]


def waste_answer(town: Town, area_key: str | None, now: dt.datetime) -> Answer:
    """Collection days and the next collection of each kind of waste, for AREA_KEY (an area
    of the town; any other value or None: every area, each named), then when to put the bins
    out. NOW: an aware datetime."""
    now = now.astimezone(town.commune.zone)
    waste = town.waste
    if waste is None:
        return Answer(f"{NO_DAYS} {call_the_hall(town)}")
    area = town.areas.get(area_key) if area_key else None
    lines = _body(town, waste, area, now)
    lines.append(waste.put_out)
    if waste.holidays:
        lines.append(waste.holidays)
    choices = _areas_with_own_days(town, waste) if area is None else []
    if choices:
        lines.append("Choisissez votre secteur pour ne voir que ses jours.")
    return Answer("\n".join(lines), _choices(town, choices))
