"""The console's « Conversations » over real HTTP (uvicorn serving create_app on a migrated hub,
SQLite and PostgreSQL): who may see them, the inbox and a conversation's page, their live
parts, taking, replying and closing (CSRF, audit), and every refusal as a French page."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from notifications.handoffs import agent_replies, handoff_of, open_handoff, resident_writes
from notifications.hub import Hub
from notifications.staff import add_staff, audit_entries
from tests import test_web_alerts
from tests.test_console_web import PASSWORD, csrf_of, log_in
from tests.test_web_alerts import assert_french_page

site = test_web_alerts.site
AGENT, EDITOR, ADMIN = "accueil@trilport.example", "com@trilport.example", "dgs@trilport.example"
WEB = "web:" + "r" * 32
CHAT = "telegram:700777"


@pytest.fixture
async def staff(site: str, hub: Hub) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    """A logged-in client per role."""
    clients = {}
    for email, role in ((AGENT, "agent"), (EDITOR, "editor"), (ADMIN, "admin")):
        add_staff(hub, email, role, PASSWORD, actor="cli")
    try:
        for email, role in ((AGENT, "agent"), (EDITOR, "editor"), (ADMIN, "admin")):
            client = httpx.AsyncClient(base_url=site, trust_env=False)
            clients[role] = client
            assert (await log_in(client, email, PASSWORD)).status_code == 303
        yield clients
    finally:
        for client in clients.values():
            await client.aclose()


async def post(client: httpx.AsyncClient, path: str, csrf: str | None = None, **fields: str):
    """Post a form of the conversation's page (its CSRF token unless given)."""
    if csrf is None:
        csrf = csrf_of(await client.get(path.rsplit("/", 1)[0]))
    return await client.post(path, data={"csrf": csrf, **fields})


async def test_a_logged_out_visitor_is_sent_to_the_login_form(site: str, hub: Hub):
    handoff = open_handoff(hub, WEB, "Bonjour", []).handoff
    async with httpx.AsyncClient(base_url=site, trust_env=False) as http:
        for path in ("/console/conversations", f"/console/conversations/{handoff.id}"):
            response = await http.get(path)
            assert response.status_code == 303
        refused = await http.post(f"/console/conversations/{handoff.id}/terminer", data={})
        assert refused.status_code == 303  # to the log-in form: nothing done
    still = handoff_of(hub, WEB)
    assert still is not None and still.status == "waiting"


@pytest.mark.parametrize("role", ["agent", "editor", "admin"])
async def test_every_role_sees_the_inbox_with_the_waiting_count_in_words(
    staff: dict[str, httpx.AsyncClient], hub: Hub, role: str
):
    open_handoff(hub, WEB, "Ma poubelle n'a pas été ramassée", [])
    taken = open_handoff(hub, CHAT, "Bonjour", []).handoff
    agent_replies(hub, taken.id, AGENT, "Bonjour, je regarde.")

    inbox = await staff[role].get("/console/conversations")

    assert_french_page(inbox, 200)
    assert "<h1>Conversations</h1>" in inbox.text
    assert 'aria-current="page">Conversations (1\u00a0en attente)</a>' in inbox.text
    assert '<caption id="conversations-caption">1 demande en attente, 1 conversation en cours.' in (
        inbox.text
    )
    assert "<td>Site web</td>" in inbox.text and "<td>Telegram</td>" in inbox.text
    assert f"<td>Prise en charge par {AGENT}</td>" in inbox.text
    assert inbox.text.index("Ma poubelle") < inbox.text.index("<td>Bonjour</td>")  # waiting first
    home = await staff[role].get("/console")
    assert 'href="console/conversations">Conversations</a>' in home.text


async def test_a_conversations_page_shows_the_question_the_turns_and_the_messages(
    staff: dict[str, httpx.AsyncClient], hub: Hub
):
    turns = [("resident", "La mairie est ouverte samedi ?"), ("assistant", "Oui, de 9h à 12h.")]
    handoff = open_handoff(hub, WEB, "je veux parler à quelqu'un", turns).handoff
    resident_writes(hub, WEB, "C'est pour un mariage.\nEn juin.")

    page = await staff["agent"].get(f"/console/conversations/{handoff.id}")

    assert_french_page(page, 200)
    text = page.text
    assert f"<h1>Conversation n°\u00a0{handoff.id}</h1>" in text
    assert "<dt>Canal</dt>\n      <dd>Site web</dd>" in text
    assert "<dd>Pendant les horaires d'ouverture</dd>" in text
    assert "<dd>En attente d'un agent</dd>" in text
    assert "<dt>Habitant</dt>\n      <dd>La mairie est ouverte samedi ?</dd>" in text
    assert "<dt>Assistant</dt>\n      <dd>Oui, de 9h à 12h.</dd>" in text
    assert "<dd>C'est pour un mariage.<br>\nEn juin.</dd>" in text
    assert '<label for="reponse">Votre réponse</label>' in text
    assert ">Prendre en charge</button>" in text and ">Terminer la conversation</button>" in text
    assert 'data-etat="' + str(handoff.id) + '/etat" data-live="oui"' in text


async def test_taking_replying_and_closing_are_audited_and_shown(
    staff: dict[str, httpx.AsyncClient], hub: Hub
):
    handoff = open_handoff(hub, WEB, "Bonjour", []).handoff
    path = f"/console/conversations/{handoff.id}"

    taken = await post(staff["agent"], path + "/prendre")
    page = await staff["agent"].get(path + "?suite=prise")
    other = await staff["editor"].get(path)
    replied = await post(staff["editor"], path + "/repondre", reponse="Bonjour !")
    closed = await post(staff["agent"], path + "/terminer")
    state = await staff["agent"].get(path + "/etat")

    assert {taken.status_code, replied.status_code, closed.status_code} == {303}
    assert 'role="status">Vous avez pris en charge cette conversation.</p>' in page.text
    assert ">Prendre en charge</button>" not in page.text  # already theirs
    assert f"<strong>Prise en charge par {AGENT}</strong>" in other.text
    assert ">Prendre en charge</button>" in other.text  # another agent may take it over
    body = state.json()
    assert body["live"] is False
    assert body["summary"] == f"2 messages. Terminée par {AGENT}."
    assert "<dt>Fin de la conversation, " in body["html"]
    assert f"Terminée par {AGENT}." in body["html"]
    after = (await staff["agent"].get(path)).text
    assert "Votre réponse" not in after and 'data-live="non"' in after
    actions = [(e.actor, e.action) for e in reversed(audit_entries(hub)) if e.actor != "cli"]
    assert [a for a in actions if "conversation" in a[1] or "réponse" in a[1]] == [
        (AGENT, "conversation prise en charge"),
        (EDITOR, "réponse à une conversation"),
        (AGENT, "conversation terminée"),
    ]


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("   ", "Écrivez votre réponse avant de l'envoyer."),
        ("x" * 2001, "La réponse dépasse 2\u00a0000 caractères."),
    ],
)
async def test_a_refused_reply_gives_the_form_again_with_the_reason(
    staff: dict[str, httpx.AsyncClient], hub: Hub, typed: str, reason: str
):
    handoff = open_handoff(hub, WEB, "Bonjour", []).handoff

    page = await post(
        staff["agent"], f"/console/conversations/{handoff.id}/repondre", reponse=typed
    )

    assert_french_page(page, 422)
    assert f'<p class="error" id="form-error" role="alert">{reason}</p>' in page.text
    assert 'aria-invalid="true" aria-describedby="reponse-hint form-error"' in page.text
    assert f">{typed}</textarea>" in page.text  # the text is kept
    assert "<title>Erreur\u00a0: Conversation n°" in page.text


async def test_refusals_are_french_pages(staff: dict[str, httpx.AsyncClient], hub: Hub):
    handoff = open_handoff(hub, WEB, "Bonjour", []).handoff
    other = open_handoff(hub, CHAT, "Bonjour", []).handoff
    message = agent_replies(hub, other.id, AGENT, "Bonjour")
    agent = staff["agent"]
    path = f"/console/conversations/{handoff.id}"

    forged = await post(agent, path + "/terminer", csrf="pas-le-bon-jeton")
    unknown = await agent.get("/console/conversations/999999")
    elsewhere = await post(agent, path + "/renvoyer", message=str(message.id))
    malformed = await post(agent, path + "/renvoyer", message="douze")
    await post(agent, path + "/terminer")
    twice = await post(agent, path + "/terminer", csrf=csrf_of(await agent.get("/console")))

    assert_french_page(forged, 403)
    assert_french_page(unknown, 404)
    assert "Cette conversation n'existe pas (ou plus)" in unknown.text
    assert_french_page(elsewhere, 404)
    assert_french_page(malformed, 404)
    assert_french_page(twice, 409)
    assert "Cette conversation est terminée." in twice.text


async def test_the_live_parts_answer_json(staff: dict[str, httpx.AsyncClient], hub: Hub):
    agent = staff["agent"]
    empty = (await agent.get("/console/conversations/etat")).json()
    handoff = open_handoff(hub, WEB, "Bonjour", []).handoff
    listed = (await agent.get("/console/conversations/etat")).json()
    thread = (await agent.get(f"/console/conversations/{handoff.id}/etat")).json()

    assert empty["live"] is True
    assert empty["summary"] == "0 demande en attente, 0 conversation en cours."
    assert "Aucune conversation en attente ni en cours." in empty["html"]
    assert listed["summary"] == "1 demande en attente, 0 conversation en cours."
    assert f">n°\u00a0{handoff.id}</a>" in listed["html"]
    assert thread == {
        "live": True,
        "summary": "0 message. En attente d'un agent.",
        "html": thread["html"],
    }
    assert "Aucun message depuis la demande." in thread["html"]
