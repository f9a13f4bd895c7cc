"""The console's announcements over real HTTP: uvicorn serving create_app on a migrated hub
database (SQLite and PostgreSQL), whose clock stands at the tests' START (10:00 in Trilport);
subscribers and accounts are added through the test's own hub on the same database."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import httpx
import pytest

from bot.web.app import create_app
from notifications.hub import Hub
from notifications.messages import get_message
from notifications.outbox import release_due
from notifications.records import MessageStatus
from notifications.staff import add_staff, audit_entries
from notifications.subscribers import add_subscriber, deactivate_address
from tests import test_console_web
from tests.hub_support import START
from tests.servers import serving
from tests.test_console_web import EDITOR, PASSWORD, csrf_of, logged_in
from tests.test_web_alerts import app_settings, assert_french_page

site = test_console_web.site
client = test_console_web.client
accounts = test_console_web.accounts

AGENT = "accueil@trilport.example"
COMPOSE = "/console/annonces/nouvelle"
PREVIEW = "/console/annonces/apercu"
TITLE = "Rue de Meaux fermée"
BODY = "Travaux sur la chaussée du 1er au 5 décembre."
LINK = "https://www.trilport.example/travaux"
TELEGRAM_TEXT = (
    f"<b>{TITLE}</b>\n{BODY}\n"
    f'<a href="{LINK}">En savoir plus</a>\n\n<i>Gérer vos alertes : /alertes</i>'
)


@pytest.fixture
def subscribers(accounts: Hub) -> Hub:
    """On « Travaux »: two Telegram chats, one Telegram chat that stopped, one e-mail address
    not yet confirmed; one chat on « Écoles » only."""
    for chat in ("1001", "1002", "1003"):
        add_subscriber(accounts, "telegram", chat, ["travaux"])
    deactivate_address(accounts, "telegram", "1003", "le résident a bloqué le bot")
    add_subscriber(accounts, "email", "habitant@trilport.example", ["travaux"])
    add_subscriber(accounts, "telegram", "2001", ["ecoles"])
    return accounts


def form_data(csrf: str, action: str, **changes: str | list[str]) -> dict[str, str | list[str]]:
    data: dict[str, str | list[str]] = {
        "csrf": csrf,
        "titre": TITLE,
        "texte": BODY,
        "lien": LINK,
        "themes": ["travaux"],
        "quand": "maintenant",
        "date": "",
        "heure": "",
        "action": action,
    }
    return data | changes


async def compose(http: httpx.AsyncClient, action: str, **changes: str | list[str]):
    """Open the compose form as the logged-in person, then post it with ACTION."""
    form = await http.get(COMPOSE)
    assert_french_page(form, 200)
    return await http.post(COMPOSE, data=form_data(csrf_of(form), action, **changes))


def message_id(response: httpx.Response) -> int:
    """The message a 303 after publishing leads to (a link relative to the form)."""
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert location.isdigit(), location
    return int(location)


async def test_the_compose_form_is_labelled_with_the_towns_topics(
    client: httpx.AsyncClient, accounts: Hub
):
    await logged_in(client, EDITOR)

    listing = await client.get("/console/annonces")
    form = await client.get(COMPOSE)

    assert_french_page(listing, 200)
    assert 'href="annonces/nouvelle">Écrire une annonce</a>' in listing.text
    assert_french_page(form, 200)
    text = form.text
    assert '<label for="titre">Titre</label>' in text
    assert '<label for="texte">Texte (facultatif)</label>' in text
    assert '<label for="lien">Lien (facultatif)</label>' in text
    assert "<legend>Thèmes (au moins un)</legend>" in text
    assert 'name="themes" value="travaux">' in text and ">Travaux</span>" in text
    assert "même la nuit" in text
    assert 'id="date" name="date" type="date"' in text
    assert 'id="heure" name="heure" type="time"' in text
    assert 'value="maintenant" checked> Dès maintenant' in text
    assert form.headers["cache-control"] == "no-store"


async def test_the_preview_shows_each_channels_exact_text_and_the_audience(
    client: httpx.AsyncClient, subscribers: Hub
):
    await logged_in(client, EDITOR)

    response = await compose(client, "apercu")

    assert_french_page(response, 200)
    text = response.text
    assert html.escape(TELEGRAM_TEXT, quote=False) in text
    assert "Telegram accepte 4\u00a0096 caractères au plus par message" in text
    assert "octets de données au plus" in text
    assert "<li>Telegram\u00a0: 2</li>" in text  # not the stopped chat, nor « Écoles »
    assert "<li>E-mail\u00a0: 0</li>" in text  # not confirmed yet
    assert "2 en tout." in text
    assert f'value="{TITLE}"' in text  # the form, filled again
    assert ">Publier</button>" in text
    listing = await client.get("/console/annonces")
    assert TITLE not in listing.text  # nothing stored
    assert "Aucun message pour le moment." in listing.text


async def test_the_preview_tells_what_the_sms_will_cost(
    client: httpx.AsyncClient, subscribers: Hub
):
    for number in ("06 11 11 11 11", "06 22 22 22 22", "07 33 33 33 33"):
        add_subscriber(subscribers, "sms", number, ["travaux"])
    await logged_in(client, EDITOR)

    response = await compose(client, "apercu")

    text = html.unescape(response.text)
    each, total = map(
        int, re.findall(r"<li>SMS\u00a0: 3 \((\d) SMS chacun, (\d+) en tout\)", text)[0]
    )
    assert each in (1, 2) and total == 3 * each
    assert f"caractères GSM-7 : {each} SMS par abonné)" in text
    assert "<li>Telegram\u00a0: 2</li>" in text  # a free channel: no price
    assert "5 en tout." in text


async def test_the_preview_warns_when_the_month_s_sms_budget_will_not_cover_everyone(
    database_url: str, subscribers: Hub
):
    for number in ("06 11 11 11 11", "06 22 22 22 22", "07 33 33 33 33"):
        add_subscriber(subscribers, "sms", number, ["travaux"])
    settings = app_settings(database_url, sms_monthly_budget=4)
    with serving(create_app(settings)) as url:
        async with httpx.AsyncClient(base_url=url, trust_env=False) as http:
            await logged_in(http, EDITOR)
            response = await compose(http, "apercu")

    text = html.unescape(response.text)
    each = int(re.findall(r"<li>SMS\u00a0: 3 \((\d) SMS chacun", text)[0])
    assert each == 2  # 4 SMS cover 2 of the 3 subscribers
    assert (
        "<p>Budget SMS du mois : 4 restants sur 4 : il ne couvre que "
        "2 des 3 abonnés, les autres envois échoueront.</p>"
    ) in text


async def test_the_live_preview_answers_the_texts_of_the_form_as_typed(
    client: httpx.AsyncClient, subscribers: Hub
):
    await logged_in(client, EDITOR)
    csrf = csrf_of(await client.get(COMPOSE))
    previewed = await compose(client, "apercu")

    same = await client.post(PREVIEW, data=form_data(csrf, ""))
    answer = await client.post(PREVIEW, data=form_data(csrf, "", titre="Rue de Meaux rouverte"))
    refused = await client.post(PREVIEW, data=form_data(csrf, "", themes=[]))
    forged = await client.post(PREVIEW, data=form_data("pas-le-jeton", ""))

    assert 'id="apercu-direct" data-apercu="apercu"' in previewed.text
    assert '<script src="../../static/console-preview.js" defer></script>' in previewed.text
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    html_part = answer.json()["html"]
    assert "<b>Rue de Meaux rouverte</b>" in html.unescape(html_part)
    assert "<li>Telegram\u00a0: 2</li>" in html_part
    assert same.json()["html"] == preview_html(previewed.text)  # the page's own renderer
    assert refused.status_code == 422
    assert refused.json() == {"error": "Cochez au moins un thème."}
    assert forged.status_code == 403
    listing = await client.get("/console/annonces")
    assert "Aucun message pour le moment." in listing.text  # a preview stores nothing


def preview_html(page: str) -> str:
    """The preview block of a compose page (between its container's markers)."""
    start = page.index('<div id="apercu-contenu">\n') + len('<div id="apercu-contenu">\n')
    return page[start : page.index("\n    </div>\n    </div>", start)]


async def test_publishing_now_stores_the_message_for_the_worker_and_shows_its_page(
    client: httpx.AsyncClient, subscribers: Hub
):
    await logged_in(client, EDITOR)

    published = await compose(client, "publier")

    number = message_id(published)
    stored = get_message(subscribers, number)
    assert stored.status == MessageStatus.SCHEDULED and stored.scheduled_at == START
    assert (stored.title, stored.body, stored.link, stored.topics) == (
        TITLE,
        BODY,
        LINK,
        ("travaux",),
    )
    page = await client.get(f"/console/annonces/{number}")
    assert_french_page(page, 200)
    assert "<dd>programmé</dd>" in page.text
    assert "Aucun envoi n'est encore préparé" in page.text
    assert 'href="' + str(number) + '">Actualiser</a>' in page.text
    release_due(subscribers)  # what the worker does first: the deliveries, none sent yet
    page = await client.get(f"/console/annonces/{number}")
    assert "<dd>envoyé</dd>" in page.text
    assert (
        '<tr><th scope="row">Telegram</th><td>0</td><td>0</td><td>2</td><td>0</td></tr>'
        in page.text
    )
    assert ">Annuler l'envoi</button>" in page.text  # deliveries still to make
    listing = await client.get("/console/annonces")
    assert f'<td><a href="annonces/{number}">{TITLE}</a></td>' in listing.text
    assert "<td>envoyé</td>" in listing.text
    entries = [(e.actor, e.action, e.detail) for e in audit_entries(subscribers)]
    assert (EDITOR, "annonce publiée", f"n° {number} : {TITLE}") in entries


async def test_scheduling_then_cancelling_an_announcement(
    client: httpx.AsyncClient, subscribers: Hub
):
    await logged_in(client, EDITOR)

    scheduled = await compose(
        client, "publier", quand="date", date="2026-12-01", heure="08:30", urgent="oui"
    )

    number = message_id(scheduled)
    stored = get_message(subscribers, number)
    assert stored.scheduled_at == datetime(2026, 12, 1, 7, 30, tzinfo=UTC)  # 08:30 in Trilport
    assert stored.urgent
    page = await client.get(f"/console/annonces/{number}")
    assert "<dd>programmé</dd>" in page.text
    assert '<dd><time datetime="2026-12-01T08:30:00+01:00">01/12/2026 08:30</time></dd>' in (
        page.text
    )
    assert "<dd><strong>urgent</strong></dd>" in page.text
    cancelled = await client.post(
        f"/console/annonces/{number}/annuler", data={"csrf": csrf_of(page)}
    )
    assert cancelled.status_code == 303
    there = client.base_url.join(f"/console/annonces/{number}/annuler")
    assert there.join(cancelled.headers["location"]).path == f"/console/annonces/{number}"
    page = await client.get(f"/console/annonces/{number}")
    assert "<dd>annulé</dd>" in page.text
    assert "Annuler l'envoi" not in page.text
    assert get_message(subscribers, number).status == MessageStatus.CANCELLED
    again = await client.post(f"/console/annonces/{number}/annuler", data={"csrf": csrf_of(page)})
    assert_french_page(again, 409)
    entries = [(e.actor, e.action, e.detail) for e in audit_entries(subscribers)]
    assert entries[:2] == [
        (EDITOR, "annonce annulée", f"n° {number} : {TITLE}"),
        (EDITOR, "annonce programmée", f"n° {number} : {TITLE}"),
    ]


@pytest.mark.parametrize(
    ("changes", "reason", "field"),
    [
        ({"lien": "ftp://www.trilport.example/x"}, "Lien invalide « ftp://", "lien"),
        ({"titre": "  "}, "Le titre est vide.", "titre"),
        ({"themes": []}, "Cochez au moins un thème.", "themes"),
        ({"themes": ["inconnu"]}, "inconnu", "themes"),
        ({"quand": "date"}, "Indiquez la date et l'heure de l'envoi", "date"),
        ({"quand": "date", "date": "2026-11-24", "heure": "08:00"}, "est déjà passée", "date"),
    ],
    ids=["bad link", "no title", "no topic", "unknown topic", "no date", "past date"],
)
@pytest.mark.parametrize("action", ["apercu", "publier"])
async def test_a_refused_announcement_gives_the_form_again_with_the_reason(
    client: httpx.AsyncClient,
    accounts: Hub,
    action: str,
    changes: dict[str, str],
    reason: str,
    field: str,
):
    await logged_in(client, EDITOR)

    response = await compose(client, action, **changes)

    assert_french_page(response, 422)
    assert '<p class="error" id="form-error" role="alert">' in response.text
    assert reason in html.unescape(response.text)
    assert 'aria-invalid="true"' in response.text
    assert f'id="{field}"' in response.text or field == "themes"
    assert "<title>Erreur\u00a0: " in response.text
    assert "annonce" not in [e.action.split()[0] for e in audit_entries(accounts)]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/console/annonces"),
        ("GET", COMPOSE),
        ("POST", COMPOSE),
        ("GET", "/console/annonces/1"),
        ("POST", "/console/annonces/1/annuler"),
    ],
)
async def test_an_agent_gets_the_consoles_403(
    client: httpx.AsyncClient, accounts: Hub, method: str, path: str
):
    add_staff(accounts, AGENT, "agent", PASSWORD, actor="cli")
    home = await logged_in(client, AGENT)

    response = await client.request(method, path, data={"csrf": csrf_of(home)})

    assert_french_page(response, 403)
    assert "Votre compte ne donne pas accès à cette page." in response.text
    assert response.headers["cache-control"] == "no-store"
    assert "Annonces</a>" not in home.text


@pytest.mark.parametrize("csrf", [None, "faux"], ids=["missing", "wrong"])
async def test_posting_without_the_sessions_csrf_token_is_refused(
    client: httpx.AsyncClient, subscribers: Hub, csrf: str | None
):
    await logged_in(client, EDITOR)
    published = message_id(await compose(client, "publier", quand="date", date="2026-12-01",
                                         heure="08:00"))  # fmt: skip
    data = form_data(csrf or "", "publier")
    if csrf is None:
        del data["csrf"]

    refused = [
        await client.post(COMPOSE, data=data),
        await client.post(
            f"/console/annonces/{published}/annuler", data={"csrf": csrf} if csrf else {}
        ),
    ]

    for response in refused:
        assert_french_page(response, 403)
    assert [m.status for m in [get_message(subscribers, published)]] == ["scheduled"]
    assert len([e for e in audit_entries(subscribers) if e.action.startswith("annonce")]) == 1


async def test_a_logged_out_visitor_is_sent_to_the_login_form(client: httpx.AsyncClient):
    response = await client.get("/console/annonces")

    assert response.status_code == 303
    assert response.headers["location"] == "connexion"


async def test_an_unknown_message_is_a_404(client: httpx.AsyncClient, accounts: Hub):
    await logged_in(client, EDITOR)

    response = await client.get("/console/annonces/999")

    assert_french_page(response, 404)
    assert "Ce message n'existe pas." in response.text
