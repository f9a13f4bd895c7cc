"""End to end: web app /api/chat → real Rasa 3.6 server → real action server (current rasa-sdk).

The actions' clock is frozen at Wednesday 25 November 2026, 10:00 (tests/stack.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from arobase.settings import Settings
from bot.web.app import create_app
from tests.servers import serving
from tests.stack import RasaStack

pytestmark = pytest.mark.rasa


@pytest.fixture(scope="module")
def web_url(rasa_stack: RasaStack) -> Iterator[str]:
    """The real web app on loopback, in front of the real Rasa."""
    # Every message of these tests comes from 127.0.0.1: limits far above their count.
    settings = Settings(
        rasa_url=rasa_stack.rasa_url,
        rasa_timeout=30,
        chat_rate_ip="100000/minute",
        chat_rate_session="100000/minute",
    )
    with serving(create_app(settings)) as url:
        yield url


@pytest.fixture
async def web(web_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=web_url, timeout=60, trust_env=False) as client:
        yield client


async def ask(client: httpx.AsyncClient, message: str) -> tuple[str, list[dict]]:
    response = await client.post("/api/chat", json={"message": message})
    assert response.status_code == 200, response.text
    replies = response.json()["replies"]
    assert replies, f"no reply to {message!r}"
    text = "\n".join(r["text"] for r in replies)
    buttons = [b for r in replies for b in r.get("buttons", [])]
    return text, buttons


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        # Wednesday 10:00: the town hall is open until 12h.
        ("La mairie est ouverte maintenant ?", ["La mairie est ouverte", "12h"]),
        ("la mairie est ouverte samedi ?", ["Samedi 28 novembre", "9h", "12h"]),
        ("La mairie est ouverte le 25 décembre ?", ["Noël", "Réouverture"]),
        ("c koi le num de la mairie", ["01 99 00"]),
        ("Comment refaire ma carte d'identité ?", ["identité", "ants.gouv.fr"]),
        ("jveux refaire mon passeport", ["Passeport"]),
        (
            "j'ai vendu ma voiture, comment je fais pour la carte grise",
            ["Carte grise", "ants.gouv.fr"],
        ),
        ("je veux parler à quelqu'un de la mairie", ["Je transmets votre demande"]),
        ("je veux être prévenu des travaux", ["Travaux"]),
    ],
)
async def test_answers_through_the_web_api(
    web: httpx.AsyncClient, message: str, expected: list[str]
) -> None:
    text, _ = await ask(web, message)
    for fragment in expected:
        assert fragment.lower() in text.lower(), (
            f"{fragment!r} missing from reply to {message!r}:\n{text}"
        )


async def test_asks_which_service_then_answers_for_the_day_first_asked(
    web: httpx.AsyncClient,
) -> None:
    text, buttons = await ask(web, "c'est ouvert samedi ?")
    assert "quel service" in text.lower()
    titles = {b["title"]: b["payload"] for b in buttons}
    assert len(titles) == 10
    text, _ = await ask(web, titles["La médiathèque"])
    assert "samedi 28 novembre" in text.lower(), text
    assert "médiathèque" in text.lower()


async def test_gibberish_gets_the_fallback_with_a_contact(web: httpx.AsyncClient) -> None:
    text, buttons = await ask(web, "zzkq wxv plorb")
    assert "pas bien compris" in text
    assert "01 99 00" in text
    assert buttons


async def test_out_of_scope_says_so_and_gives_a_person(web: httpx.AsyncClient) -> None:
    text, _ = await ask(web, "quel temps fera-t-il demain à Trilport ?")
    assert "01 99 00" in text


@pytest.mark.parametrize("message", ["🙂🙂🙂", "<script>alert(1)</script>", "?" * 5])
async def test_odd_messages_get_a_polite_reply(web: httpx.AsyncClient, message: str) -> None:
    text, _ = await ask(web, message)
    assert "Traceback" not in text
    text, _ = await ask(web, "la mairie est ouverte samedi ?")
    assert "samedi" in text.lower()


async def test_a_long_conversation_keeps_only_its_latest_events(
    web: httpx.AsyncClient, rasa_stack: RasaStack
) -> None:
    """Rasa keeps each conversation's recent events only (rasa_addons/arobase_tracker_store)."""
    for _ in range(15):
        await ask(web, "merci beaucoup")
    # Still a working conversation: a question, then the follow-up button.
    text, buttons = await ask(web, "c'est ouvert samedi ?")
    titles = {b["title"]: b["payload"] for b in buttons}
    text, _ = await ask(web, titles["La mairie"])
    assert "samedi 28 novembre" in text.lower()
    sender = "web:" + web.cookies["arobase_session"]
    async with httpx.AsyncClient(base_url=rasa_stack.rasa_url, trust_env=False) as rasa:
        response = await rasa.get(
            f"/conversations/{sender}/tracker", params={"token": rasa_stack.token}
        )
    events = response.json()["events"]
    assert len(events) <= 50
    assert sum(e["event"] == "user" for e in events) < 17
