"""E-mail sign-up on /alertes/email over real HTTP, with the worker's SMTP adapter and an
aiosmtpd server: double opt-in, the same answer whether the address is known or not, limits
per client and per address, bad input refused with the form again and its reason."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import func, select

from bot.web.app import create_app
from notifications.hub import Hub
from notifications.messages import announce
from notifications.outbox import release_due
from notifications.store.tables import DeliveryRow, MessageRow
from notifications.subscribers import find_subscriber, get_subscriber
from tests import test_hub_email_journey as journey
from tests.fakes.smtp import FakeSmtp
from tests.fakes.tls import Certificate
from tests.servers import closed_port_url, serving
from tests.test_web_alerts import assert_french_page

certificate = journey.certificate
smtp = journey.smtp
web = journey.web
client = journey.client

ADDRESS = "louise.bernard@trilport.example"
SIGNUP = "/alertes/email"
ANSWER = "Merci. Si cette adresse peut recevoir nos alertes, un e-mail vient de lui être envoyé."


def sign_up(address: str = ADDRESS, *topics: str) -> dict[str, list[str]]:
    return {"adresse": [address], "topics": list(topics or ("travaux",))}


async def post(http: httpx.AsyncClient, fields: dict, **headers: str) -> httpx.Response:
    return await http.post(SIGNUP, data=fields, headers=headers)


def confirmation_requests(hub: Hub) -> int:
    with hub.db.session() as session:
        query = (
            select(func.count(DeliveryRow.id))
            .join(MessageRow, MessageRow.id == DeliveryRow.message_id)
            .where(MessageRow.kind == "confirmation")
        )
        return session.scalar(query) or 0


def answer_text(response: httpx.Response) -> str:
    """The page's main text, without what may differ between two answers (nothing should)."""
    return re.sub(r"\s+", " ", response.text)


async def test_the_form_is_a_french_page_with_the_address_and_the_topics(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get(SIGNUP, headers={"accept": "text/html"})
    assert_french_page(page, 200)
    assert '<label for="adresse">Votre adresse e-mail</label>' in page.text
    assert 'type="email" id="adresse" name="adresse"' in page.text
    assert 'autocomplete="email"' in page.text
    assert 'name="topics" value="travaux"' in page.text
    assert "Sans confirmation sous 7 jours, nous effaçons votre adresse." in page.text
    home = await client.get("/alertes")
    assert '<a href="alertes/email">Recevoir les alertes par e-mail</a>' in home.text


async def test_sign_up_confirm_by_the_e_mail_s_link_then_receive_an_alert(
    hub: Hub, smtp: FakeSmtp, certificate: Certificate, client: httpx.AsyncClient
) -> None:
    response = await post(client, sign_up(ADDRESS, "travaux"))

    assert_french_page(response, 200)
    assert ANSWER in response.text
    info = find_subscriber(hub, "email", ADDRESS)
    assert info is not None and not info.confirmed and info.topics == ("travaux",)
    await journey.deliver(hub, smtp, certificate, 1)
    (request,) = smtp.received.items()
    assert request.rcpt_tos == (ADDRESS,)
    assert request.message["Subject"] == "Confirmez votre abonnement aux alertes de Trilport"
    confirm = journey.link(request.part("plain"), "/alertes/confirmer")
    page = await client.get(confirm)
    (action,) = journey.FORM.findall(page.text)
    assert (await client.post("/alertes/" + action)).status_code == 200
    assert get_subscriber(hub, info.id).confirmed

    announce(hub, "Rue de Meaux fermée", body="Du 1er au 5 décembre.", topics=["travaux"])
    release_due(hub)
    await journey.deliver(hub, smtp, certificate, 2)
    alert = smtp.received.items()[-1]
    assert (alert.rcpt_tos, alert.message["Subject"]) == (
        (ADDRESS,),
        "[Trilport] Rue de Meaux fermée",
    )


async def test_the_answer_is_the_same_whether_the_address_is_new_waiting_or_confirmed(
    hub: Hub, client: httpx.AsyncClient
) -> None:
    new = await post(client, sign_up(ADDRESS, "travaux"))
    waiting = await post(client, sign_up(ADDRESS.upper(), "travaux"))
    info = find_subscriber(hub, "email", ADDRESS)
    assert info is not None
    assert confirmation_requests(hub) == 2  # the one still waiting gets its link again
    from notifications.subscribers import confirm_by_token

    confirm_by_token(hub, info.token)
    confirmed = await post(client, sign_up(ADDRESS, "ecoles"))

    assert new.status_code == waiting.status_code == confirmed.status_code == 200
    assert answer_text(new) == answer_text(waiting) == answer_text(confirmed)
    assert confirmation_requests(hub) == 2  # nothing for a confirmed address
    assert get_subscriber(hub, info.id).topics == ("travaux",)  # a stranger changes nothing


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"adresse": ["pas-une-adresse"], "topics": ["travaux"]}, "adresse e-mail"),
        ({"adresse": [ADDRESS]}, "Choisissez au moins un thème."),
        ({"adresse": [""], "topics": ["travaux"]}, "Écrivez votre adresse e-mail."),
        ({"adresse": ["a" * 400 + "@x.fr"], "topics": ["travaux"]}, "trop longue"),
        ({"adresse": [ADDRESS], "topics": ["inconnu"]}, "inconnu"),
    ],
)
async def test_what_cannot_be_subscribed_gets_the_form_again_with_its_reason(
    hub: Hub, client: httpx.AsyncClient, fields: dict, reason: str
) -> None:
    response = await post(client, fields)

    assert_french_page(response, 422)
    assert 'role="alert"' in response.text and reason in response.text
    assert 'aria-invalid="true" aria-describedby="signup-error"' in response.text
    assert '<form method="post" action="email"' in response.text
    assert find_subscriber(hub, "email", ADDRESS) is None
    assert confirmation_requests(hub) == 0


async def test_the_topics_ticked_stay_ticked_when_the_form_comes_back(
    client: httpx.AsyncClient,
) -> None:
    response = await post(client, {"adresse": ["pas-une-adresse"], "topics": ["travaux"]})
    assert re.search(r'id="theme-travaux"[^>]* checked>', response.text)
    assert 'value="pas-une-adresse"' in response.text


@pytest.fixture
def strict_web(hub: Hub) -> Iterator[str]:
    """The web app behind a proxy on loopback, with low limits: 3 sign-ups a minute per
    client, 2 a day per address."""
    settings = hub.settings.model_copy(
        update={
            "rasa_url": closed_port_url(),
            "now": hub.now(),
            "alerts_rate": "3/minute",
            "alerts_address_rate": "2/day",
            "trusted_proxies": "127.0.0.1/32",  # X-Forwarded-For names the client
        }
    )
    with serving(create_app(settings)) as url:
        yield url


async def test_an_address_asked_for_too_often_gets_the_same_answer_and_no_e_mail(
    hub: Hub, strict_web: str
) -> None:
    answers = []
    for n in range(3):  # three clients, one address
        headers = {"x-forwarded-for": f"192.0.2.{n}"}
        async with httpx.AsyncClient(base_url=strict_web, trust_env=False) as http:
            answers.append(answer_text(await post(http, sign_up(), **headers)))
    assert len(set(answers)) == 1 and ANSWER in answers[0]
    assert confirmation_requests(hub) == 2


async def test_a_client_posting_too_often_is_told_to_wait(hub: Hub, strict_web: str) -> None:
    async with httpx.AsyncClient(base_url=strict_web, trust_env=False) as http:
        for n in range(3):
            assert (await post(http, sign_up(f"personne{n}@trilport.example"))).status_code == 200
        response = await post(http, sign_up("encore@trilport.example"))
    assert_french_page(response, 429)
    assert "Merci de réessayer dans" in response.text
    assert int(response.headers["retry-after"]) >= 1
    assert find_subscriber(hub, "email", "encore@trilport.example") is None


async def test_a_post_from_another_site_s_page_is_refused(
    hub: Hub, client: httpx.AsyncClient
) -> None:
    response = await post(client, sign_up(), origin="https://ailleurs.example")
    assert_french_page(response, 403)
    assert "ne vient pas du site de la mairie" in response.text
    assert find_subscriber(hub, "email", ADDRESS) is None


async def test_an_oversized_form_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.post(
        SIGNUP,
        content=b"adresse=" + b"a" * 20_000,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413


async def test_a_street_gives_the_subscriber_its_area(hub: Hub, client: httpx.AsyncClient) -> None:
    form = await client.get(SIGNUP)
    assert '<label for="rue">Votre rue (facultatif)</label>' in form.text
    assert '<option value="Rue de Meaux">' in form.text and 'list="rues"' in form.text

    response = await post(client, {**sign_up(), "rue": ["12 bis, rue de Meaux"]})

    assert ANSWER in response.text
    info = find_subscriber(hub, "email", ADDRESS)
    assert info is not None and info.areas == ("secteur_a",)


async def test_an_unknown_street_gets_the_form_again_on_that_field(
    hub: Hub, client: httpx.AsyncClient
) -> None:
    response = await post(client, {**sign_up(), "rue": ["rue de Nulle-Part"]})

    assert_french_page(response, 422)
    assert "n'est pas dans la liste des rues de la commune" in response.text
    assert 'aria-invalid="true" aria-describedby="rue-aide signup-error"' in response.text
    assert 'value="rue de Nulle-Part"' in response.text
    assert find_subscriber(hub, "email", ADDRESS) is None
