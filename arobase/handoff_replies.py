"""What residents read when their conversation is handed over to a town agent: pure French
texts from the town content and the time (the town hall's hours, closures and holidays
included, by arobase.hours)."""

from __future__ import annotations

import datetime as dt

from arobase.hours import calendar_for
from arobase.hours_text import agree, capitalize, format_date, format_time
from arobase.town import Service, Town

CLOSING_NOTICE = "L'agent a terminé la conversation. L'assistant peut de nouveau vous répondre."


def of_service(service: Service) -> str:
    """The service after "de": "de la mairie", "du CCAS", "de l'accueil", "des services"."""
    short = service.short
    for article, contracted in (("le ", "du "), ("les ", "des ")):
        if short.startswith(article):
            return contracted + short[len(article) :]
    return "de " + short


def agent_label(town: Town) -> str:
    """Who the resident reads messages from: « Agent de la mairie » (never a name)."""
    return f"Agent {of_service(town.main_service)}"


def hall_hours(town: Town, now: dt.datetime) -> tuple[bool, dt.datetime | None]:
    """Whether the town's main service is open at NOW, and when closed, when it next opens
    (None when no opening is known)."""
    calendar = calendar_for(town, town.commune.main_service)
    if calendar.is_open(now):
        return True, None
    return False, calendar.next_opening(now)


def from_when(at: dt.datetime, now: dt.datetime, zone: dt.tzinfo) -> str:
    """ "à partir de 13h30" (today), "à partir de demain à 8h30", "à partir de lundi
    30 novembre à 8h30"."""
    local, today = at.astimezone(zone), now.astimezone(zone).date()
    if local.date() == today:
        return f"à partir de {format_time(local)}"
    if local.date() == today + dt.timedelta(days=1):
        return f"à partir de demain à {format_time(local)}"
    return f"à partir de {format_date(local.date(), today)} à {format_time(local)}"


def _kept(town: Town, now: dt.datetime, next_opening: dt.datetime | None) -> str:
    """ "un agent vous répondra à partir de lundi 30 novembre à 8h30" (or at the reopening)."""
    if next_opening is None:
        return "un agent vous répondra dès la réouverture"
    return f"un agent vous répondra {from_when(next_opening, now, town.commune.zone)}"


def opened_text(
    town: Town, now: dt.datetime, during_hours: bool, next_opening: dt.datetime | None
) -> str:
    """The assistant's answer when the conversation is handed over, during the hours or not."""
    hall = town.main_service
    if during_hours:
        return (
            f"Je transmets votre demande à un agent {of_service(hall)}. Il vous répondra ici, "
            "dans cette conversation."
        )
    verb = "sont" if hall.plural else "est"
    return (
        f"{capitalize(hall.short)} {verb} {agree('fermé', hall)}. Votre message est gardé : "
        f"{_kept(town, now, next_opening)}."
    )


def opened_reply(town: Town, now: dt.datetime) -> str:
    """`opened_text` for the town hall's state at NOW."""
    return opened_text(town, now, *hall_hours(town, now))


def acknowledgement(
    town: Town, now: dt.datetime, during_hours: bool, next_opening: dt.datetime | None
) -> str:
    """What the chat shows under a resident's message passed on to the agent; asked outside
    the hours, until the town hall opens again, when the agent will answer."""
    if during_hours or next_opening is None or now >= next_opening:
        return f"Message transmis à l'agent {of_service(town.main_service)}."
    return f"Message gardé : {_kept(town, now, next_opening)}."


def with_the_agent(town: Town) -> str:
    """A button pressed while an agent has the conversation: the bot says nothing else."""
    return f"Un agent {of_service(town.main_service)} suit votre demande : écrivez-lui ici."


def thread_full(town: Town) -> str:
    """A message refused because the conversation holds too many already."""
    hall = town.main_service
    return (
        "Message non transmis : votre demande compte déjà beaucoup de messages. Attendez la "
        f"réponse de l'agent, ou appelez {hall.short} au {hall.phone}."
    )
