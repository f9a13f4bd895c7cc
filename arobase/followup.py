"""Follow-up questions that lean on the conversation: « c'est combien ? » about the procedure
just explained, « et lundi ? » about the service just asked about.

Pure functions: what was asked, read from a normalised text, and the French answer built from
the town content.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from arobase.replies import Answer, Choice, intent_payload, now_status, procedure_answer
from arobase.town import Procedure, Town
from arobase.when import normalize, parse_when

Detail = Literal["cost", "documents", "delay", "where"]

# Order matters: « combien de temps » is a delay before « combien » is a cost.
_DETAILS: tuple[tuple[Detail, re.Pattern[str]], ...] = (
    ("delay", re.compile(
        r"\b(?:combien de (?:temps|jours?|semaines?|mois)|delais?|long(?:temps)?|duree|quand"
        r"|attendre)\b"
    )),
    ("cost", re.compile(
        r"\b(?:combien|cout\w*|prix|tarifs?|payant\w*|gratuit\w*|payer|euros?|cher)\b"
    )),
    ("documents", re.compile(
        r"\b(?:papiers?|documents?|docs?|pieces?|justificatifs?|dossier|apporter|fournir|amener)\b"
    )),
    ("where", re.compile(
        r"\b(?:ou|adresse|endroit|lieu|quel (?:bureau|guichet|service)|aller)\b"
    )),
)  # fmt: skip

# Words that ask about the present moment, which parse_when reads as its default.
_NOW_WORDS = re.compile(r"\b(?:maintenant|en ce moment|actuellement|tout de suite)\b")


def asked_detail(text: str) -> Detail | None:
    """Which detail of a procedure a follow-up asks for, if any."""
    plain = normalize(text)
    for detail, pattern in _DETAILS:
        if pattern.search(plain):
            return detail
    return None


def mentions_time(text: str, now: dt.datetime) -> bool:
    """Whether the message names a moment (a day, a part of day, or « maintenant »)."""
    return parse_when(text, now).kind == "days" or bool(_NOW_WORDS.search(normalize(text)))


def _headed(procedure: Procedure, text: str) -> Answer:
    return Answer(f"{procedure.title} : {text}")


def _unknown(procedure: Procedure, what: str, town: Town) -> Answer:
    """What the town file does not say: never guessed, the service to ask instead."""
    service = town.services.get(procedure.where or "") or town.main_service
    return Answer(
        f"{procedure.title} : je n'ai pas d'information sur {what}. "
        f"{service.name} pourra vous renseigner au {service.phone}.",
        (Choice("Toute la démarche", procedure.title),),
    )


def _where(town: Town, procedure: Procedure, now: dt.datetime) -> Answer:
    if procedure.where is None:
        # Done elsewhere (online, another town hall): its answer says where.
        return _headed(procedure, procedure_answer(town, procedure, now).text)
    service = town.services[procedure.where]
    return _headed(
        procedure,
        f"{service.name}, {service.address} (tél. {service.phone}).\n"
        + now_status(town, service, now),
    )


def detail_answer(
    town: Town, procedure: Procedure, detail: Detail | None, now: dt.datetime
) -> Answer:
    """The part of the procedure asked about; the whole procedure when no detail is named."""
    if detail == "cost":
        return (
            _headed(procedure, procedure.cost)
            if procedure.cost
            else _unknown(procedure, "son coût", town)
        )
    if detail == "delay":
        return (
            _headed(procedure, procedure.delay)
            if procedure.delay
            else _unknown(procedure, "son délai", town)
        )
    if detail == "documents":
        if not procedure.documents:
            return _unknown(procedure, "les documents à fournir", town)
        lines = "\n".join(f"- {d}" for d in procedure.documents)
        return Answer(f"{procedure.title}, documents à fournir :\n{lines}")
    if detail == "where":
        return _where(town, procedure, now)
    text = procedure_answer(town, procedure, now).text
    return Answer(f"{procedure.title}\n\n{text}")


def which_procedure(town: Town) -> Answer:
    """A detail asked with no procedure in the conversation: ask which one."""
    return Answer(
        "De quelle démarche parlez-vous ? Écrivez-la en entier, par exemple « Combien coûte un "
        "passeport ? » ou « Quels papiers pour une carte d'identité ? ».",
        (Choice("Parler à un agent", intent_payload("human_handoff")),),
        "unsure",
    )
