"""Conversations end to end (issue 11): /api/chat → real Rasa → real action server.

Each test is one conversation (a fresh client: a fresh session cookie). The actions' clock is
frozen at Wednesday 25 November 2026, 10:00 (tests/stack.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.test_assistant import ask, web_url

__all__ = ["web_url"]  # the module's web app in front of the real stack

pytestmark = pytest.mark.rasa

Turns = list[tuple[str, list[str]]]


@pytest.fixture
async def web(web_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=web_url, timeout=60, trust_env=False) as client:
        yield client


async def converse(web: httpx.AsyncClient, turns: Turns) -> None:
    """Each message in turn, in one conversation; each reply holds its fragments."""
    for message, fragments in turns:
        text, _ = await ask(web, message)
        for fragment in fragments:
            assert fragment.lower() in text.lower(), f"{fragment!r} not in {message!r}:\n{text}"


CONVERSATIONS: dict[str, Turns] = {
    "a service alone keeps the day, their number": [
        ("La mairie est ouverte samedi ?", ["Samedi 28 novembre, la mairie est ouverte"]),
        ("et la médiathèque ?", ["Samedi 28 novembre, la médiathèque est ouverte"]),
        ("et leur numéro ?", ["Médiathèque municipale", "01 99 00 10 30"]),
    ],
    "a day alone keeps the service; the latest day is kept": [
        ("La mairie est ouverte samedi ?", ["Samedi 28 novembre, la mairie est ouverte"]),
        ("et lundi ?", ["Lundi 30 novembre, la mairie est ouverte"]),
        ("et la médiathèque ?", ["La médiathèque est fermée le lundi 30 novembre"]),
    ],
    "the details of a procedure": [
        ("je veux refaire mon passeport", ["Passeport"]),
        ("c'est combien ?", ["86 €"]),
        ("il faut quels papiers ?", ["Passeport, documents à fournir", "Timbre fiscal"]),
        ("ça prend combien de temps ?", ["Plusieurs semaines"]),
        ("c'est où ?", ["Meaux"]),
    ],
    "documents for an identity card, not for a death certificate": [
        ("comment faire une carte d'identité", ["Carte d'identité"]),
        ("il faut quels papiers ?", ["Carte d'identité, documents à fournir"]),
    ],
    "a procedure at the town hall: where, then its hours": [
        ("je voudrais un acte de naissance", ["Acte de naissance"]),
        ("c'est où ?", ["Mairie de Trilport", "Place"]),
        ("et samedi ?", ["Samedi 28 novembre, la mairie est ouverte"]),
    ],
    "a new topic forgets the procedure": [
        ("je veux refaire mon passeport", ["Passeport"]),
        ("quoi de neuf à Trilport ?", []),
        ("c'est combien ?", ["De quelle démarche parlez-vous ?"]),
    ],
    # Town questions outside the procedures used to get a confident wrong procedure.
    "a pothole goes to the technical services, not to social aid": [
        ("il y a un trou énorme dans la chaussée devant chez moi", ["services techniques"]),
        ("et leurs horaires ?", ["Les services techniques sont"]),
    ],
    "a stray dog goes to the municipal police": [
        ("un chien errant tourne dans ma rue depuis ce matin", ["police municipale", "112"]),
    ],
    "the bin lorry's days, not the PACS": [
        ("quand passe le camion poubelle ?", ["Ordures ménagères", "Prochaine collecte"]),
    ],
    "the school holidays of the town's zone": [
        ("c'est quand les vacances de noël ?", ["Vacances de Noël", "zone C"]),
    ],
    "the agenda is news": [
        ("qu'est-ce qui se passe ce week-end à Trilport ?", ["nouvelles"]),
    ],
}


@pytest.mark.parametrize("name", list(CONVERSATIONS))
async def test_follow_ups(web: httpx.AsyncClient, name: str) -> None:
    await converse(web, CONVERSATIONS[name])
