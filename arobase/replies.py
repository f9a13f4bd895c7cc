"""French replies built from the town content: pure functions, plain text for every channel."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from arobase.hours import calendar_for
from arobase.hours_text import describe_hours
from arobase.town import Procedure, Service, Town
from arobase.when import When


@dataclass(frozen=True)
class Choice:
    """A button: the title shown, and the message sent when it is pressed."""

    title: str
    payload: str


# What a reply was, for the staff's review of the questions the assistant did not answer well;
# "asked": a question back (which service?), nothing to vote on or to review yet.
Outcome = Literal["answered", "unsure", "not_understood", "out_of_scope", "staff_answer", "asked"]


@dataclass(frozen=True)
class Answer:
    text: str
    choices: tuple[Choice, ...] = ()
    outcome: Outcome = "answered"


def intent_payload(intent: str, **entities: str) -> str:
    """A Rasa payload that triggers INTENT with ENTITIES, e.g. /ask_contact{"service":"ccas"}."""
    return f"/{intent}{json.dumps(entities, ensure_ascii=False)}" if entities else f"/{intent}"


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def now_status(town: Town, service: Service, now: datetime) -> str:
    """One sentence: is the service open now, and until when or when does it reopen."""
    return describe_hours(service, calendar_for(town, service.key), When("now", (now.date(),)), now)


def contact_card(service: Service) -> str:
    lines = [
        service.name,
        f"Adresse : {service.address}",
        f"Téléphone : {service.phone}",
        f"Courriel : {service.email}",
    ]
    if service.note:
        lines.append(service.note)
    return "\n".join(lines)


def service_choices(town: Town, intent: str) -> tuple[Choice, ...]:
    """One button per service, ordered as in the town file."""
    return tuple(
        Choice(_capitalised(s.short), intent_payload(intent, service=s.key))
        for s in town.services.values()
    )


def ask_which_service(town: Town, intent: str) -> Answer:
    question = {
        "ask_opening_hours": "De quel service souhaitez-vous connaître les horaires ?",
        "ask_contact": "De quel service souhaitez-vous les coordonnées ?",
    }.get(intent, "Quel service vous intéresse ?")
    return Answer(question, service_choices(town, intent), "asked")


def opening_hours_answer(town: Town, service: Service, when: When, now: datetime) -> Answer:
    text = describe_hours(service, calendar_for(town, service.key), when, now)
    return Answer(f"{text}\nTéléphone : {service.phone}")


def contact_answer(town: Town, service: Service, now: datetime) -> Answer:
    return Answer(f"{contact_card(service)}\n{now_status(town, service, now)}")


def procedure_answer(town: Town, procedure: Procedure, now: datetime) -> Answer:
    """The whole procedure: answer, documents, cost, delay, where (with hours) and links.

    Its title is not repeated: the assistant says it just before (utter_procedure/<key>).
    """
    parts = [procedure.answer]
    if procedure.documents:
        parts.append("Documents à fournir :\n" + "\n".join(f"- {d}" for d in procedure.documents))
    facts = []
    if procedure.cost:
        facts.append(f"Coût : {procedure.cost}")
    if procedure.delay:
        facts.append(f"Délai : {procedure.delay}")
    if facts:
        parts.append("\n".join(facts))
    if procedure.where:
        service = town.services[procedure.where]
        parts.append(
            f"Où : {service.name}, {service.address} (tél. {service.phone}).\n"
            + now_status(town, service, now)
        )
    if procedure.links:
        parts.append(
            "En ligne :\n" + "\n".join(f"- {link.label} : {link.url}" for link in procedure.links)
        )
    return Answer("\n\n".join(parts))


def _town_hall_contact(town: Town) -> str:
    hall = town.main_service
    return f"{_capitalised(hall.short)} : {hall.phone}, {hall.email}"


def handoff_answer(town: Town, now: datetime) -> Answer:
    hall = town.main_service
    text = (
        f"Pour parler à une personne, contactez {hall.short} :\n"
        f"{contact_card(hall)}\n{now_status(town, hall, now)}"
    )
    return Answer(text)


def hall_phone(town: Town) -> str:
    """Whom to call: "la mairie au 01 99 00 10 00"."""
    hall = town.main_service
    return f"{hall.short} au {hall.phone}"


def call_the_hall(town: Town) -> str:
    """The way out every fallback ends with: "Vous pouvez appeler la mairie au …"."""
    return f"Vous pouvez appeler {hall_phone(town)}."


def apology(town: Town) -> str:
    """What the assistant says, on every channel, when Rasa cannot answer."""
    return f"Désolé, l'assistant ne répond pas pour le moment. {call_the_hall(town)}"


def no_answer(town: Town) -> str:
    """What the assistant says, on every channel, when Rasa answered with nothing to show."""
    return f"Je n'ai pas de réponse à cette question. {call_the_hall(town)}"


def alerts_unavailable_answer(town: Town) -> Answer:
    """The hub's database cannot serve now (not set up, or failing)."""
    text = (
        "Les alertes et les actualités de la commune ne sont pas disponibles pour le moment. "
        + call_the_hall(town)
    )
    return Answer(text)


def help_answer(town: Town) -> Answer:
    text = (
        f"Je suis l'assistant de la mairie de {town.commune.name}. Je peux :\n"
        "- vous donner les horaires d'un service (« La mairie est ouverte samedi ? ») ;\n"
        "- vous expliquer une démarche (« Comment refaire ma carte d'identité ? ») ;\n"
        "- vous donner l'adresse, le téléphone ou le courriel d'un service.\n"
        "Pour parler à une personne, écrivez « parler à un agent »."
    )
    return Answer(text, _starter_choices())


def _starter_choices() -> tuple[Choice, ...]:
    return (
        Choice("Horaires de la mairie", intent_payload("ask_opening_hours", service="mairie")),
        Choice("Contacts des services", intent_payload("ask_contact")),
        Choice("Parler à un agent", intent_payload("human_handoff")),
    )


def fallback_answer(town: Town) -> Answer:
    text = (
        "Je n'ai pas bien compris votre demande, pardon. Je peux vous renseigner sur les "
        "horaires des services, les démarches (carte d'identité, état civil, urbanisme…) et "
        "les contacts. Essayez avec d'autres mots, ou contactez une personne :\n"
        + _town_hall_contact(town)
    )
    return Answer(text, _starter_choices(), "not_understood")


def unsure_answer(town: Town, titles: tuple[str, ...] = ()) -> Answer:
    """The NLU is not sure which procedure is meant: never a guess given as the answer.

    TITLES: the procedures it most likely meant, offered as buttons (their title, sent as the
    resident's next message, is asked anew)."""
    if titles:
        text = (
            "Je ne suis pas sûr de comprendre de quelle démarche vous parlez. S'agit-il de l'une "
            "de celles-ci ? Sinon, reformulez votre question, ou demandez à parler à un agent."
        )
    else:
        text = (
            "Je ne suis pas sûr d'avoir compris votre question, et je préfère ne pas vous "
            "répondre au hasard. Je peux vous renseigner sur les horaires, les démarches et les "
            "contacts de la mairie. Vous pouvez reformuler, ou demander à parler à un agent.\n"
            + _town_hall_contact(town)
        )
    choices = tuple(Choice(title, title) for title in titles)
    handoff = Choice("Parler à un agent", intent_payload("human_handoff"))
    return Answer(text, (*choices, handoff), "unsure")


def out_of_scope_answer(town: Town, titles: tuple[str, ...] = ()) -> Answer:
    """TITLES: procedures the message might still be about, offered as buttons."""
    text = (
        "Je ne peux pas vous aider sur ce sujet : je réponds seulement aux questions sur les "
        "services et les démarches de la mairie. En cas de doute, la mairie saura vous orienter.\n"
        + _town_hall_contact(town)
    )
    if titles:
        text += "\nSi votre question porte sur une démarche de la mairie, choisissez-la :"
    return Answer(text, tuple(Choice(title, title) for title in titles), "out_of_scope")
