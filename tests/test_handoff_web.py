"""The web chat's handoff to a town agent over real HTTP: uvicorn serving create_app on a
migrated hub database (SQLite and PostgreSQL) with a fake Rasa; the resident's page is an
HTTP client with its session cookie, the agent another one logged in to the console.

The journey: the handoff opened as the assistant's action does → the resident writes, Rasa
is not asked → the agent answers in the console → the page's poll gets it → the agent closes
→ the next message reaches Rasa again."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from bot.web.app import SESSION_COOKIE, create_app
from notifications.handoffs import handoff_of, open_handoff
from notifications.hub import Hub
from notifications.staff import add_staff
from tests.fake_rasa import FakeRasa, running_fake_rasa
from tests.servers import serving
from tests.test_console_web import PASSWORD, csrf_of, log_in
from tests.test_web_alerts import app_settings

AGENT = "accueil@trilport.example"
ACK = "Message transmis à l'agent de la mairie."
CLOSING = "L'agent a terminé la conversation. L'assistant peut de nouveau vous répondre."
OPENED = (
    "Je transmets votre demande à un agent de la mairie. Il vous répondra ici, dans cette "
    "conversation."
)


@pytest.fixture(scope="module")
def rasa() -> Iterator[FakeRasa]:
    with running_fake_rasa() as fake:
        yield fake


@pytest.fixture
def site(database_url: str, rasa: FakeRasa) -> Iterator[str]:
    rasa.reset()
    settings = app_settings(database_url, rasa_url=rasa.url, handoff_poll_rate="5/minute")
    with serving(create_app(settings)) as url:
        yield url


@pytest.fixture
async def resident(site: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=site, trust_env=False) as http:
        yield http


@pytest.fixture
async def agent(site: str, hub: Hub) -> AsyncIterator[httpx.AsyncClient]:
    add_staff(hub, AGENT, "agent", PASSWORD, actor="cli")
    async with httpx.AsyncClient(base_url=site, trust_env=False) as http:
        assert (await log_in(http, AGENT, PASSWORD)).status_code == 303
        yield http


async def say(resident: httpx.AsyncClient, message: str) -> dict[str, Any]:
    response = await resident.post("/api/chat", json={"message": message})
    assert response.status_code == 200, response.text
    return response.json()


def conversation(resident: httpx.AsyncClient) -> str:
    return "web:" + resident.cookies[SESSION_COOKIE]


async def poll(resident: httpx.AsyncClient, after: int = 0) -> dict[str, Any]:
    response = await resident.get(f"/api/chat/agent?apres={after}")
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    return response.json()


async def post_step(agent: httpx.AsyncClient, path: str, **fields: str) -> httpx.Response:
    """A form of the conversation's page, posted as the browser would (its CSRF token)."""
    page = await agent.get(path.rsplit("/", 1)[0])
    return await agent.post(path, data={"csrf": csrf_of(page), **fields})


def landing(response: httpx.Response) -> str:
    """Where a 303 leads (path and query), its relative link resolved."""
    assert response.status_code == 303, response.text
    url = response.request.url.join(response.headers["location"])
    return f"{url.path}?{url.query.decode()}"


async def test_the_handoff_journey_through_the_chat_api_and_the_console(
    resident: httpx.AsyncClient, agent: httpx.AsyncClient, rasa: FakeRasa, hub: Hub
):
    first = await say(resident, "Bonjour")
    assert first == {"replies": [{"text": "Vous avez dit : Bonjour", "buttons": []}]}
    # The assistant's action hands the conversation over (actions/: open_handoff).
    opened = open_handoff(
        hub,
        conversation(resident),
        "je veux parler à quelqu'un",
        [("resident", "Bonjour"), ("assistant", "Vous avez dit : Bonjour")],
    )
    handoff = opened.handoff

    written = await say(resident, "C'est pour un acte de naissance.")
    assert written == {
        "replies": [],
        "handoff": {"state": "waiting", "agent": "Agent de la mairie", "note": ACK},
    }
    assert rasa.messages == ["Bonjour"]  # the bot stays silent
    assert await poll(resident) == {
        "open": True,
        "state": "waiting",
        "agent": "Agent de la mairie",
        "messages": [],
    }

    inbox = await agent.get("/console/conversations")
    assert inbox.status_code == 200
    assert "Conversations (1\u00a0en attente)" in inbox.text
    assert f'href="conversations/{handoff.id}">n°\u00a0{handoff.id}</a>' in inbox.text
    assert "<td>je veux parler à quelqu'un</td>" in inbox.text
    thread = await agent.get(f"/console/conversations/{handoff.id}")
    assert "C'est pour un acte de naissance." in thread.text
    assert "<dt>Assistant</dt>\n      <dd>Vous avez dit : Bonjour</dd>" in thread.text
    replied = await post_step(
        agent,
        f"/console/conversations/{handoff.id}/repondre",
        reponse="Bonjour, de quelle commune de naissance s'agit-il ?",
    )
    assert landing(replied) == f"/console/conversations/{handoff.id}?suite=enregistree"

    news = await poll(resident)
    assert news["open"] is True and news["state"] == "open"
    (message,) = news["messages"]
    assert message["kind"] == "agent"
    assert message["text"] == "Bonjour, de quelle commune de naissance s'agit-il ?"
    assert (await poll(resident, message["id"]))["messages"] == []

    closed = await post_step(agent, f"/console/conversations/{handoff.id}/terminer")
    assert landing(closed) == f"/console/conversations/{handoff.id}?suite=terminee"
    last = await poll(resident, message["id"])
    assert last["open"] is False and last["state"] == "closed"
    assert [(m["kind"], m["text"]) for m in last["messages"]] == [("closing", CLOSING)]

    again = await say(resident, "Merci")
    assert again == {"replies": [{"text": "Vous avez dit : Merci", "buttons": []}]}
    assert rasa.messages == ["Bonjour", "Merci"]


async def test_the_assistant_opening_a_handoff_tells_the_page(
    resident: httpx.AsyncClient, rasa: FakeRasa, hub: Hub
):
    def action(sender: str, message: str) -> str | None:
        if "parler" not in message:
            return None
        return open_handoff(hub, sender, message, [("resident", message)]).reply

    rasa.handoff = action

    answer = await say(resident, "Je veux parler à quelqu'un")

    assert answer == {
        "replies": [{"text": OPENED, "buttons": []}],
        "handoff": {"state": "waiting", "agent": "Agent de la mairie", "note": ""},
    }
    assert handoff_of(hub, conversation(resident)) is not None
    # A button of an earlier answer, pressed now: nothing for the agent, Rasa not asked.
    pressed = await say(resident, "/horaires")
    assert pressed["replies"] == []
    assert (
        pressed["handoff"]["note"] == "Un agent de la mairie suit votre demande : écrivez-lui ici."
    )
    assert rasa.messages == ["Je veux parler à quelqu'un"]


async def test_each_page_reads_its_own_conversation_only(
    site: str, resident: httpx.AsyncClient, agent: httpx.AsyncClient, hub: Hub
):
    await say(resident, "Bonjour")
    handoff = open_handoff(hub, conversation(resident), "Bonjour", []).handoff
    await post_step(agent, f"/console/conversations/{handoff.id}/repondre", reponse="Bonjour !")
    async with httpx.AsyncClient(base_url=site, trust_env=False) as other:
        assert await poll(other) == {"open": False, "state": None, "messages": []}  # no cookie
        await say(other, "Bonjour")
        assert (await poll(other))["messages"] == []
        other.cookies.set(SESSION_COOKIE, "x" * 10)  # not a session id: none
        assert (await poll(other))["open"] is False
    assert [m["text"] for m in (await poll(resident))["messages"]] == ["Bonjour !"]


@pytest.mark.parametrize("after", ["abc", "-1", "1" * 13, "١٢"])
async def test_a_malformed_message_number_is_refused_in_french(
    resident: httpx.AsyncClient, after: str
):
    response = await resident.get("/api/chat/agent", params={"apres": after})

    assert response.status_code == 400
    assert response.json() == {
        "error": "Le paramètre «\u00a0apres\u00a0» doit être le numéro d'un message."
    }


async def test_polling_is_rate_limited_per_conversation(resident: httpx.AsyncClient):
    await say(resident, "Bonjour")
    for _ in range(5):  # handoff_poll_rate: 5/minute here
        await poll(resident)

    refused = await resident.get("/api/chat/agent?apres=0")

    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0
    assert re.fullmatch(
        r"Trop de demandes\. Merci de patienter \d+\u00a0\w+\.", refused.json()["error"]
    )


async def test_made_up_cookies_do_not_escape_the_limit_per_address(
    database_url: str, rasa: FakeRasa
):
    """A new cookie per poll is a new conversation to the per-conversation limit: the
    address's limit (AROBASE_CHAT_RATE_IP, counted apart from the messages) still holds."""
    settings = app_settings(
        database_url, rasa_url=rasa.url, chat_rate_ip="3/minute", handoff_poll_rate="5/minute"
    )
    with serving(create_app(settings)) as url:
        async with httpx.AsyncClient(base_url=url, trust_env=False) as http:
            statuses = []
            for number in range(4):
                http.cookies.set(SESSION_COOKIE, f"{number:032d}")
                statuses.append((await http.get("/api/chat/agent?apres=0")).status_code)
            message = await http.post("/api/chat", json={"message": "Bonjour"})
    assert statuses == [200, 200, 200, 429]
    assert message.status_code == 200  # the messages' allowance is untouched


def test_without_the_hubs_database_the_chat_still_answers(tmp_path, rasa: FakeRasa):
    rasa.reset()
    settings = app_settings(f"sqlite:///{tmp_path / 'absent.db'}", rasa_url=rasa.url)
    with serving(create_app(settings)) as url, httpx.Client(base_url=url) as http:
        answer = http.post("/api/chat", json={"message": "Bonjour"})
        assert answer.status_code == 200
        assert answer.json() == {"replies": [{"text": "Vous avez dit : Bonjour", "buttons": []}]}
        assert http.get("/api/chat/agent?apres=0").status_code == 503


def test_the_privacy_page_states_what_is_kept_and_for_how_long(database_url: str):
    settings = app_settings(database_url, handoff_retention_days=12)
    with serving(create_app(settings)) as url, httpx.Client(base_url=url) as http:
        page = http.get("/confidentialite").text
    assert "<h2>Parler à un agent de la mairie</h2>" in page
    assert "vos derniers échanges avec l'assistant (dix messages au plus)" in page
    assert "Ils sont effacés 12 jours après que l'agent a terminé la conversation." in page
