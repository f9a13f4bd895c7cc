"""The console's counter over real HTTP: uvicorn serving create_app on a migrated hub database
(SQLite and PostgreSQL), an agent who enrols, finds, exports and erases subscribers; the
confirmation request goes out through the worker's SMTP adapter to an aiosmtpd server."""

from __future__ import annotations

import html
import json
import re

import httpx
import pytest

from bot.web.console.counter_render import Enrolment, Offer, start_body
from notifications.channels import registry
from notifications.channels.email import PLUGIN as EMAIL
from notifications.consent import SubscriberFile
from notifications.hub import Hub
from notifications.messages import list_messages
from notifications.staff import add_staff, audit_entries
from notifications.subscribers import (
    add_subscriber,
    enrolment_channels,
    find_subscriber,
    subscriber_file,
)
from tests import test_console_web, test_hub_email_journey
from tests.fakes.smtp import FakeSmtp
from tests.fakes.tls import Certificate
from tests.test_console_web import ADMIN, EDITOR, PASSWORD, csrf_of, logged_in
from tests.test_hub_email_journey import deliver
from tests.test_web_alerts import assert_french_page

site = test_console_web.site
client = test_console_web.client
accounts = test_console_web.accounts
certificate = test_hub_email_journey.certificate
smtp = test_hub_email_journey.smtp

AGENT = "accueil@trilport.example"
ADDRESS = "camille.martin@trilport.example"
COUNTER = "/console/guichet"
ERROR = re.compile(r'<p class="error" id="form-error" role="alert">([^<]+)</p>')


@pytest.fixture
def staff(accounts: Hub) -> Hub:
    """The admin and the editor, and an agent at the counter, each with PASSWORD."""
    add_staff(accounts, AGENT, "agent", PASSWORD, actor="cli")
    return accounts


def enrolment(csrf: str, **changes: str | list[str]) -> dict[str, str | list[str]]:
    data: dict[str, str | list[str]] = {
        "csrf": csrf,
        "canal": "email",
        "adresse": ADDRESS,
        "themes": ["travaux", "ecoles"],
        "heures_calmes": "defaut",
        "comment": "guichet",
        "accord": "oui",
    }
    return {key: value for key, value in (data | changes).items() if value != ""}


async def enrol(http: httpx.AsyncClient, **changes: str | list[str]) -> httpx.Response:
    form = await http.get(COUNTER)
    assert_french_page(form, 200)
    return await http.post(COUNTER + "/inscrire", data=enrolment(csrf_of(form), **changes))


async def post_target(
    http: httpx.AsyncClient, action: str, address: str = ADDRESS, **more: str
) -> httpx.Response:
    """Post one of the forms that name a subscriber (channel and exact address)."""
    form = await http.get(COUNTER)
    data = {"csrf": csrf_of(form), "canal": "email", "adresse": address, **more}
    return await http.post(f"{COUNTER}/{action}", data=data)


def held(hub: Hub, address: str = ADDRESS) -> SubscriberFile | None:
    info = find_subscriber(hub, "email", address)
    return subscriber_file(hub, info.id) if info else None


def assert_confirmation_request(smtp: FakeSmtp) -> None:
    """SMTP received one message: the confirmation request to ADDRESS, over TLS."""
    (mail,) = smtp.received.items()
    assert (mail.rcpt_tos, mail.encrypted) == ((ADDRESS,), True)
    assert mail.message["Subject"] == "Confirmez votre abonnement aux alertes de Trilport"
    assert "/alertes/confirmer?jeton=" in mail.part("plain")


def counter_audit(hub: Hub) -> list[tuple[str, str, str]]:
    """The counter's audit entries, oldest first: (actor, action, detail)."""
    return [
        (entry.actor, entry.action, entry.detail)
        for entry in reversed(audit_entries(hub))
        if "abonné" in entry.action
    ]


# --- The acceptance: an agent enrols a resident by e-mail -------------------------------------


async def test_an_agent_enrols_a_resident_who_receives_the_confirmation(
    client: httpx.AsyncClient, staff: Hub, smtp: FakeSmtp, certificate: Certificate
):
    await logged_in(client, AGENT)

    response = await enrol(client, comment="formulaire", heures_calmes="aucune")

    assert_french_page(response, 200)
    text = html.unescape(response.text)
    assert "L'inscription est enregistrée. La personne reçoit un message pour confirmer" in text
    assert f"<dd><strong>{ADDRESS}</strong></dd>" in text
    assert "<dd>Écoles, Travaux</dd>" in text
    assert f"<dt>Accord recueilli par</dt>\n      <dd>{AGENT}</dd>" in text
    assert "<dt>Manière de donner l'accord</dt>\n      <dd>formulaire papier</dd>" in text
    assert "<dd>en attente : aucune alerte ne part avant que la personne confirme</dd>" in text
    assert "<dt>Heures calmes</dt>\n      <dd>aucune</dd>" in text
    file = held(staff)
    assert file is not None
    info = file.held.subscriber
    assert (file.consent.by, file.consent.how and file.consent.how.value) == (AGENT, "formulaire")
    assert (info.topics, info.confirmed, info.quiet) == (("ecoles", "travaux"), False, None)
    assert counter_audit(staff) == [
        (AGENT, "inscription d'un abonné", f"abonné n° {info.id} (email), formulaire papier")
    ]

    await deliver(staff, smtp, certificate, 1)

    assert_confirmation_request(smtp)


async def test_the_start_page_offers_the_channels_staff_may_enrol_on(
    client: httpx.AsyncClient, staff: Hub
):
    await logged_in(client, AGENT)

    response = await client.get(COUNTER)

    assert_french_page(response, 200)
    text = response.text
    assert '<h2 id="inscrire">Inscrire un habitant</h2>' in text
    assert '<h2 id="retrouver">Retrouver un abonné</h2>' in text
    # E-mail or SMS: the channel is chosen in both forms, the address says which.
    assert text.count("<legend>Canal</legend>") == 2
    assert text.count('name="canal" value="sms" required>') == 2
    assert '<label for="adresse">Adresse e-mail ou numéro de portable</label>' in text
    assert 'id="adresse" name="adresse" type="text" autocomplete="off" required' in text
    assert "<legend>Thèmes (au moins un)</legend>" in text
    assert 'name="themes" value="travaux">' in text and ">Travaux</span>" in text
    assert 'name="heures_calmes" value="defaut" checked>' in text
    assert "<legend>Comment la personne a donné son accord</legend>" in text
    ways = re.findall(r'name="comment" value="([a-z-]+)" required>', text)
    assert ways == ["guichet", "formulaire", "courrier", "telephone"]
    assert ">Accord oral au guichet</span>" in text and ">Formulaire papier</span>" in text
    assert 'name="accord" value="oui" required>' in text
    assert ">La personne a donné son accord</span>" in text
    assert "seule l'adresse exacte retrouve un abonné : il n'y a ni recherche approchée" in text
    assert 'aria-describedby="recherche-adresse-hint"' in text
    assert 'aria-current="page">Guichet</a>' in text
    assert response.headers["cache-control"] == "no-store"


def test_every_channel_staff_may_enrol_on_is_offered_at_the_counter() -> None:
    channels = {name: registry.get_plugin(name).phrase for name in enrolment_channels()}
    offer = Offer(channels, {"travaux": "Travaux"})
    body = start_body("", "jeton", offer, (Enrolment(), ("", "")))

    assert channels == {"email": EMAIL.phrase, "sms": "par SMS"}
    assert body.count("<legend>Canal</legend>") == 2
    assert 'name="canal" value="sms" required> <span class="topic-text">' in body
    assert ">Par SMS</span>" in body and ">Par e-mail</span>" in body
    assert '<label for="adresse">Adresse e-mail ou numéro de portable</label>' in body
    assert 'id="adresse" name="adresse" type="text"' in body


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_an_editor_is_refused_the_counter(client: httpx.AsyncClient, staff: Hub, method: str):
    home = await logged_in(client, EDITOR)
    assert 'href="console/guichet"' not in home.text

    response = await client.request(method, COUNTER if method == "GET" else COUNTER + "/inscrire")

    assert_french_page(response, 403)
    assert "Votre compte ne donne pas accès à cette page." in response.text


async def test_an_admin_may_use_the_counter_and_a_visitor_must_log_in(
    client: httpx.AsyncClient, staff: Hub
):
    logged_out = await client.get(COUNTER)
    assert logged_out.status_code == 303

    await logged_in(client, ADMIN)
    response = await enrol(client)

    assert_french_page(response, 200)
    file = held(staff)
    assert file is not None and file.consent.by == ADMIN


# --- Refusals: the form again, saying what to correct ------------------------------------------


@pytest.mark.parametrize(
    ("changes", "error", "invalid"),
    [
        ({"accord": ""}, "Cochez « La personne a donné son accord »", 'name="accord"'),
        ({"comment": ""}, "Indiquez comment la personne a donné son accord.", 'name="comment"'),
        ({"comment": "ligne-de-commande"}, "Indiquez comment la personne", 'name="comment"'),
        ({"themes": ""}, "Cochez au moins un thème.", 'name="themes"'),
        ({"themes": ["piscine"]}, "Thème inconnu « piscine »", 'name="themes"'),
        ({"adresse": "camille.martin"}, "n'est pas une adresse e-mail", 'id="adresse"'),
        ({"adresse": "  "}, "Indiquez l'adresse de la personne.", 'id="adresse"'),
        ({"canal": "telegram", "adresse": "4242"}, "Choisissez le canal.", None),
    ],
)
async def test_a_refused_enrolment_says_what_to_correct(
    client: httpx.AsyncClient,
    staff: Hub,
    changes: dict[str, str | list[str]],
    error: str,
    invalid: str | None,
):
    await logged_in(client, AGENT)

    response = await enrol(client, **changes)

    assert_french_page(response, 422)
    text = html.unescape(response.text)
    (shown,) = ERROR.findall(text)
    assert error in shown
    assert "<title>Erreur\u00a0: " in text
    # The form again, posting from its own address (/console/guichet/inscrire).
    assert '<form method="post" action="inscrire"' in text
    assert '<form method="post" action="rechercher"' in text
    if invalid:  # that field is marked, and its value kept
        marked = [tag for tag in re.findall(r"<input [^>]+>", text) if invalid in tag]
        assert marked and all('aria-invalid="true"' in tag for tag in marked), marked
    assert list_messages(staff) == []
    assert find_subscriber(staff, "email", ADDRESS) is None
    assert counter_audit(staff) == []


async def test_a_form_without_its_csrf_token_is_refused(client: httpx.AsyncClient, staff: Hub):
    await logged_in(client, AGENT)

    response = await client.post(COUNTER + "/inscrire", data=enrolment("faux"))

    assert_french_page(response, 403)
    assert find_subscriber(staff, "email", ADDRESS) is None


async def test_enrolling_an_address_already_subscribed_shows_it_unchanged(
    client: httpx.AsyncClient, staff: Hub
):
    first = add_subscriber(staff, "email", ADDRESS, ["travaux"])
    await logged_in(client, AGENT)

    response = await enrol(client, adresse="camille.martin@TRILPORT.example", themes=["ecoles"])

    assert_french_page(response, 200)
    text = html.unescape(response.text)
    assert "Cette adresse est déjà inscrite : voici ce qui est enregistré. Rien n'a été" in text
    assert "<dd>Travaux</dd>" in text
    assert "<dt>Accord recueilli par</dt>\n      <dd>la personne elle-même, en ligne</dd>" in text
    file = held(staff)
    assert file is not None and file.held.subscriber == first
    assert list_messages(staff) == []  # no second confirmation request
    assert counter_audit(staff) == [
        (AGENT, "consultation d'un abonné", f"abonné n° {first.id} (email), déjà inscrit")
    ]


# --- Finding, exporting, erasing -------------------------------------------------------------


async def test_only_the_exact_address_finds_a_subscriber(client: httpx.AsyncClient, staff: Hub):
    info = add_subscriber(staff, "email", ADDRESS, ["travaux"])
    await logged_in(client, AGENT)

    near = await post_target(client, "rechercher", "camille.martin@trilport.exampl")
    partial = await post_target(client, "rechercher", "camille")
    exact = await post_target(client, "rechercher", "Camille.Martin@TRILPORT.example")

    assert_french_page(near, 200)
    assert "Aucun abonné n'a cette adresse." in html.unescape(near.text)
    assert ADDRESS not in near.text
    assert_french_page(partial, 422)
    assert "n'est pas une adresse e-mail" in html.unescape(partial.text)
    assert 'id="recherche-adresse" name="adresse" type="text"' in partial.text
    assert 'aria-invalid="true" aria-describedby="recherche-adresse-hint form-error"' in (
        partial.text
    )
    # The domain is normalised; the local part is the person's own: a different address.
    assert_french_page(exact, 200)
    assert "Aucun abonné" in html.unescape(exact.text)
    found = await post_target(client, "rechercher", "camille.martin@TRILPORT.example")
    assert_french_page(found, 200)
    assert f"<dd><strong>{ADDRESS}</strong></dd>" in found.text
    assert counter_audit(staff) == [
        (AGENT, "recherche d'un abonné sans résultat", "(email)"),
        (AGENT, "recherche d'un abonné sans résultat", "(email)"),
        (AGENT, "consultation d'un abonné", f"abonné n° {info.id} (email)"),
    ]


async def test_the_export_is_a_json_download_with_the_consent_provenance(
    client: httpx.AsyncClient, staff: Hub
):
    await logged_in(client, AGENT)
    await enrol(client, comment="courrier")
    info = find_subscriber(staff, "email", ADDRESS)
    assert info is not None

    response = await post_target(client, "exporter")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="abonne-{info.id}.json"'
    )
    assert response.headers["cache-control"] == "no-store"
    data = json.loads(response.text)["abonne"]
    assert (data["adresse"], data["themes"]) == (ADDRESS, ["ecoles", "travaux"])
    assert data["consentement_recueilli_par"] == AGENT
    assert data["consentement_moyen"] == "courrier"
    assert counter_audit(staff)[-1] == (
        AGENT,
        "export des données d'un abonné",
        f"abonné n° {info.id} (email)",
    )


async def test_erasing_asks_for_a_confirmation_naming_the_address_then_erases(
    client: httpx.AsyncClient, staff: Hub
):
    info = add_subscriber(staff, "email", ADDRESS, ["travaux"])
    await logged_in(client, AGENT)

    asked = await post_target(client, "effacer")

    assert_french_page(asked, 200)
    assert f"Toutes les données de <strong>{ADDRESS}</strong> (E-mail) vont être" in asked.text
    assert f"Effacer définitivement les données de {ADDRESS}</button>" in asked.text
    assert find_subscriber(staff, "email", ADDRESS) == info
    action = re.findall(r'<form method="post" action="([^"]+)"', asked.text)[-1]
    data = {"csrf": csrf_of(asked), "canal": "email", "adresse": ADDRESS, "confirmer": "oui"}

    erased = await client.post(f"{COUNTER}/{action}", data=data)

    assert erased.status_code == 303
    there = erased.url.join(erased.headers["location"])
    assert (there.path, there.query) == (COUNTER, b"efface=oui")
    assert find_subscriber(staff, "email", ADDRESS) is None
    after = await client.get(COUNTER + "?efface=oui")
    assert "Les données de l'abonné sont effacées." in html.unescape(after.text)
    again = await client.post(f"{COUNTER}/{action}", data=data)
    assert_french_page(again, 404)
    actions = [(action, detail) for _, action, detail in counter_audit(staff)]
    assert actions == [
        ("consultation d'un abonné", f"abonné n° {info.id} (email)"),
        ("effacement d'un abonné", f"abonné n° {info.id} (email)"),
    ]
    assert all(ADDRESS not in entry.detail for entry in audit_entries(staff))
