"""An announcement's life cycle in the console over real HTTP (SQLite and PostgreSQL): drafts,
edits and unscheduling before the release, the two-person rule, the live state and the retry
of failed deliveries. The app's clock and the test hub's stand at START."""

from __future__ import annotations

import html
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from sqlalchemy import select, update

from bot.web.app import create_app
from notifications.announcements import get_announcement
from notifications.hub import Hub
from notifications.outbox import release_due
from notifications.records import DeliveryStatus, MessageStatus
from notifications.staff import add_staff, audit_entries
from notifications.store.tables import DeliveryRow
from tests import test_console_announcements
from tests.servers import serving
from tests.test_console_announcements import AGENT, TITLE, compose, form_data, message_id
from tests.test_console_web import ADMIN, EDITOR, PASSWORD, csrf_of, logged_in
from tests.test_web_alerts import app_settings, assert_french_page

site = test_console_announcements.site
client = test_console_announcements.client
accounts = test_console_announcements.accounts
subscribers = test_console_announcements.subscribers

REVIEWER = "adjoint@trilport.example"


def landed(response: httpx.Response) -> int:
    """The message a 303 leads to, wherever the form was (links are relative)."""
    assert response.status_code == 303, response.text
    path = response.url.join(response.headers["location"]).path
    assert path.startswith("/console/annonces/"), path
    return int(path.rsplit("/", 1)[1])


def entries(hub: Hub) -> list[tuple[str, str, str]]:
    return [(e.actor, e.action, e.detail) for e in audit_entries(hub)]


async def edit(http: httpx.AsyncClient, number: int, action: str, **changes: str | list[str]):
    """Open the message's edit form, then post it (with the revision it shows) with ACTION."""
    form = await http.get(f"/console/annonces/{number}/modifier")
    assert_french_page(form, 200)
    revision = form.text.split('name="revision" value="')[1].split('"')[0]
    data = form_data(csrf_of(form), action, revision=revision, **changes)
    return await http.post(f"/console/annonces/{number}/modifier", data=data)


async def step(http: httpx.AsyncClient, number: int, name: str, **fields: str) -> httpx.Response:
    """Post the form of step NAME on the message's page (its CSRF and revision)."""
    page = await http.get(f"/console/annonces/{number}")
    data = {"csrf": csrf_of(page), **fields}
    if 'name="revision" value="' in page.text:
        data.setdefault("revision", page.text.split('name="revision" value="')[1].split('"')[0])
    return await http.post(f"/console/annonces/{number}/{name}", data=data)


async def test_a_draft_is_kept_unreleased_then_continued_and_scheduled(
    client: httpx.AsyncClient, subscribers: Hub
):
    await logged_in(client, EDITOR)

    number = message_id(await compose(client, "brouillon"))

    assert get_announcement(subscribers, number).message.status == MessageStatus.DRAFT
    assert release_due(subscribers) == []  # a draft is never fanned out
    listing = await client.get("/console/annonces")
    assert '<h2 id="brouillons">Brouillons</h2>' in listing.text
    assert f'<td><a href="annonces/{number}">{TITLE}</a></td>' in listing.text
    form = await client.get(f"/console/annonces/{number}/modifier")
    assert f'value="{TITLE}"' in form.text and 'value="travaux" checked' in form.text
    scheduled = await edit(
        client,
        number,
        "publier",
        quand="date",
        date="2026-12-01",
        heure="08:30",
        titre="Rue fermée",
    )
    assert landed(scheduled) == number
    found = get_announcement(subscribers, number)
    assert (found.message.status, found.message.title) == (MessageStatus.SCHEDULED, "Rue fermée")
    assert (found.created_by, found.edited_by, found.revision) == (EDITOR, EDITOR, 2)
    assert entries(subscribers)[:2] == [
        (EDITOR, "annonce programmée", f"n° {number} : Rue fermée ; modifiée"),
        (EDITOR, "brouillon enregistré", f"n° {number} : {TITLE}"),
    ]


async def test_unscheduling_then_publishing_and_no_edit_once_released(
    client: httpx.AsyncClient, subscribers: Hub
):
    await logged_in(client, EDITOR)
    number = message_id(
        await compose(client, "publier", quand="date", date="2026-12-01", heure="08:00")
    )

    unscheduled = await step(client, number, "brouillon")

    assert unscheduled.status_code == 303
    assert get_announcement(subscribers, number).message.status == MessageStatus.DRAFT
    assert (EDITOR, "annonce remise en brouillon", f"n° {number} : {TITLE}") in entries(subscribers)
    assert landed(await edit(client, number, "publier")) == number  # now, this time
    assert release_due(subscribers) == [number]
    refused = [
        await client.get(f"/console/annonces/{number}/modifier"),
        await client.post(
            f"/console/annonces/{number}/modifier",
            data=form_data(csrf_of(await client.get("/console")), "publier", revision="3"),
        ),
        await step(client, number, "brouillon"),
    ]
    for response in refused:
        assert_french_page(response, 409)
        assert "Ce message est déjà parti : il ne peut plus être modifié." in response.text
    assert get_announcement(subscribers, number).message.title == TITLE


async def test_an_edit_from_a_stale_form_is_refused(client: httpx.AsyncClient, subscribers: Hub):
    await logged_in(client, EDITOR)
    number = message_id(await compose(client, "brouillon"))
    stale = await client.get(f"/console/annonces/{number}/modifier")
    assert landed(await edit(client, number, "brouillon", titre="Première version")) == number

    late = await client.post(
        f"/console/annonces/{number}/modifier",
        data=form_data(csrf_of(stale), "brouillon", revision="1", titre="Seconde version"),
    )

    assert_french_page(late, 409)
    assert "a changé entre-temps" in late.text
    assert get_announcement(subscribers, number).message.title == "Première version"


@pytest.fixture
def approval_site(database_url: str) -> Iterator[str]:
    with serving(create_app(app_settings(database_url, approval_required=True))) as url:
        yield url


@pytest.fixture
async def approval_client(approval_site: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=approval_site, trust_env=False) as http:
        yield http


@pytest.fixture
def reviewers(subscribers: Hub) -> Hub:
    add_staff(subscribers, REVIEWER, "editor", PASSWORD, actor="cli")
    return subscribers


async def test_the_two_person_rule(approval_client: httpx.AsyncClient, reviewers: Hub):
    http = approval_client
    await logged_in(http, EDITOR)
    form = await http.get("/console/annonces/nouvelle")
    assert '<label for="motif">' in form.text

    number = message_id(await compose(http, "publier"))

    assert get_announcement(reviewers, number).message.status == MessageStatus.AWAITING
    assert release_due(reviewers) == []
    page = await http.get(f"/console/annonces/{number}")
    assert "<dd>en attente de validation</dd>" in page.text
    assert "attend la validation d'un autre éditeur" in page.text
    own = await http.post(
        f"/console/annonces/{number}/valider", data={"csrf": csrf_of(page), "revision": "1"}
    )
    assert_french_page(own, 403)
    assert "Vous ne pouvez pas valider ni renvoyer une annonce que vous avez écrite" in own.text
    await http.post("/console/deconnexion", data={"csrf": csrf_of(page)})
    await logged_in(http, REVIEWER)
    listing = await http.get("/console/annonces")
    assert '<h2 id="a-valider">En attente de validation</h2>' in listing.text
    empty = await step(http, number, "renvoyer", commentaire="  ")
    assert_french_page(empty, 422)
    assert 'role="alert">Écrivez à son auteur ce qu' in empty.text
    sent_back = await step(http, number, "renvoyer", commentaire="Précisez les dates.")
    assert sent_back.status_code == 303
    found = get_announcement(reviewers, number)
    assert (found.message.status, found.review_note) == ("draft", "Précisez les dates.")
    await http.post("/console/deconnexion", data={"csrf": csrf_of(await http.get("/console"))})
    await logged_in(http, EDITOR)
    assert landed(await edit(http, number, "publier", texte="Du 1er au 5.")) == number
    await http.post("/console/deconnexion", data={"csrf": csrf_of(await http.get("/console"))})
    await logged_in(http, REVIEWER)

    approved = await step(http, number, "valider")

    assert approved.status_code == 303
    found = get_announcement(reviewers, number)
    assert (found.message.status, found.approved_by) == (MessageStatus.SCHEDULED, REVIEWER)
    assert release_due(reviewers) == [number]
    assert entries(reviewers)[:5] == [
        (REVIEWER, "annonce validée", f"n° {number} : {TITLE}"),
        (REVIEWER, "connexion", entries(reviewers)[1][2]),
        (EDITOR, "déconnexion", ""),
        (EDITOR, "annonce soumise à validation", f"n° {number} : {TITLE} ; modifiée"),
        (EDITOR, "connexion", entries(reviewers)[4][2]),
    ]
    detail = f"n° {number} : {TITLE} ; commentaire : Précisez les dates."
    assert (REVIEWER, "annonce renvoyée en brouillon", detail) in entries(reviewers)


async def test_an_admins_message_goes_and_an_urgent_one_may_bypass_with_a_reason(
    approval_client: httpx.AsyncClient, reviewers: Hub
):
    await logged_in(approval_client, ADMIN)
    admins = message_id(await compose(approval_client, "publier"))
    await approval_client.post(
        "/console/deconnexion", data={"csrf": csrf_of(await approval_client.get("/console"))}
    )
    await logged_in(approval_client, EDITOR)

    not_urgent = await compose(approval_client, "publier", motif="Crue de la Marne")
    urgent = await compose(approval_client, "publier", motif="Crue de la Marne", urgent="oui")

    assert get_announcement(reviewers, admins).message.status == MessageStatus.SCHEDULED
    assert_french_page(not_urgent, 422)
    assert "Seule une alerte urgente peut partir sans validation" in html.unescape(not_urgent.text)
    assert 'id="motif" name="motif"' in not_urgent.text and 'aria-invalid="true"' in not_urgent.text
    number = message_id(urgent)
    found = get_announcement(reviewers, number)
    assert (found.message.status, found.bypass_reason) == ("scheduled", "Crue de la Marne")
    assert (EDITOR, "annonce urgente sans validation",
            f"n° {number} : {TITLE} ; motif : Crue de la Marne") in entries(reviewers)  # fmt: skip


async def test_retrying_puts_the_failed_deliveries_back_and_the_state_follows(
    client: httpx.AsyncClient, subscribers: Hub
):
    await logged_in(client, EDITOR)
    number = message_id(await compose(client, "publier"))
    release_due(subscribers)
    with subscribers.db.session() as session:  # one sent, one failed
        ids = session.scalars(select(DeliveryRow.id).where(DeliveryRow.message_id == number)).all()
        session.execute(
            update(DeliveryRow).where(DeliveryRow.id == ids[0]).values(status="sent", attempts=1)
        )
        session.execute(
            update(DeliveryRow)
            .where(DeliveryRow.id == ids[1])
            .values(status="failed", attempts=5, last_error="délai dépassé")
        )
    state = await client.get(f"/console/annonces/{number}/etat")
    assert state.headers["cache-control"] == "no-store"
    assert state.json()["live"] is False
    assert (
        state.json()["summary"]
        == "État\u00a0: envoyé. Envoyés\u00a0: 1, en échec\u00a0: 1, en attente\u00a0: 0."
    )

    retried = await step(client, number, "relancer")

    assert retried.status_code == 303
    page = await client.get(client.base_url.join(f"/console/annonces/{number}/relancer").join(
        retried.headers["location"]))  # fmt: skip
    assert "Remis en attente : 1 envoi en échec. Le service d'envoi s'en charge." in html.unescape(
        page.text
    )
    with subscribers.db.session() as session:
        rows = dict(session.execute(
            select(DeliveryRow.id, DeliveryRow.status).where(DeliveryRow.message_id == number)
        ).all())  # fmt: skip
        attempts = session.scalar(select(DeliveryRow.attempts).where(DeliveryRow.id == ids[1]))
    assert rows == {ids[0]: DeliveryStatus.SENT, ids[1]: DeliveryStatus.PENDING}
    assert attempts == 0
    state = (await client.get(f"/console/annonces/{number}/etat")).json()
    assert state["live"] is True and "en attente\u00a0: 1." in state["summary"]
    detail = f"n° {number} : {TITLE} ; remis en attente : 1 envoi en échec"
    assert (EDITOR, "envois en échec relancés", detail) in entries(subscribers)
    again = await step(client, number, "relancer")
    assert again.status_code == 303 and again.headers["location"].endswith("relances=0")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/console/annonces/1/modifier"),
        ("POST", "/console/annonces/1/modifier"),
        ("POST", "/console/annonces/1/brouillon"),
        ("POST", "/console/annonces/1/valider"),
        ("POST", "/console/annonces/1/renvoyer"),
        ("POST", "/console/annonces/1/relancer"),
        ("GET", "/console/annonces/1/etat"),
    ],
)
async def test_an_agent_gets_403_on_every_step(
    client: httpx.AsyncClient, accounts: Hub, method: str, path: str
):
    add_staff(accounts, AGENT, "agent", PASSWORD, actor="cli")
    home = await logged_in(client, AGENT)

    response = await client.request(method, path, data={"csrf": csrf_of(home), "revision": "1"})

    assert_french_page(response, 403)
    assert "Votre compte ne donne pas accès à cette page." in response.text
