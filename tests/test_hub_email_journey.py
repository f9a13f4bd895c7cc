"""A resident's e-mail subscription from start to end, across the hub's real pieces: the
`arobase` command, the worker and its SMTP adapter (an aiosmtpd server on loopback offering
STARTTLS with a certificate made for the test), the web app's confirmation and unsubscribe
links. Nothing is sent before the person presses the confirmation page's button."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from bot.web.app import create_app
from notifications.channels.email_sender import EmailChannel
from notifications.hub import Hub
from notifications.messages import announce
from notifications.outbox import delivery_stats, release_due, send_confirmation_request
from notifications.subscribers import add_subscriber, find_subscriber, get_subscriber
from notifications.worker import Worker
from tests.fakes.smtp import FakeSmtp, running_fake_smtp
from tests.fakes.tls import Certificate, self_signed_certificate
from tests.servers import closed_port_url, serving

ADDRESS = "camille.martin@trilport.example"
FORM = re.compile(r'<form method="post" action="([^"]+)">')


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    return self_signed_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def smtp(certificate: Certificate) -> Iterator[FakeSmtp]:
    with running_fake_smtp(certificate.server_context()) as fake:
        yield fake


@pytest.fixture
def web(hub: Hub) -> Iterator[str]:
    # The web app's clock is the test's: links expire by it.
    settings = hub.settings.model_copy(update={"rasa_url": closed_port_url(), "now": hub.now()})
    with serving(create_app(settings)) as url:
        yield url


@pytest.fixture
async def client(web: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=web, trust_env=False) as http:
        yield http


async def deliver(hub: Hub, smtp: FakeSmtp, certificate: Certificate, mails: int) -> None:
    """Run the worker (e-mail only) until SMTP received MAILS messages in all."""
    sender = "Mairie de Trilport <alertes@trilport.example>"
    channel = EmailChannel(smtp.host, smtp.port, sender, ca_file=certificate.certificate)
    worker = Worker(hub, {"email": channel}, poll=False)
    task = asyncio.create_task(worker.run())
    try:
        await asyncio.to_thread(smtp.wait_for_mails, mails, 30)
        await worker.wait_until(lambda: delivery_stats(hub)[0].pending == 0)
    finally:
        worker.stop()
        await task


def link(text: str, path: str) -> str:
    match = re.search(rf"http://alertes\.test({re.escape(path)}\?jeton=[A-Za-z0-9_-]+)", text)
    assert match, text
    return match.group(1)


async def test_double_opt_in_alert_and_one_click_unsubscribe(
    hub: Hub, smtp: FakeSmtp, certificate: Certificate, client: httpx.AsyncClient
) -> None:
    info = add_subscriber(hub, "email", ADDRESS, ["travaux"])
    send_confirmation_request(hub, info.id)
    announce(hub, "Rue de Meaux fermée", body="Du 1er au 5 décembre.", topics=["travaux"])
    release_due(hub)
    await deliver(hub, smtp, certificate, 1)
    (request,) = smtp.received.items()
    assert (request.rcpt_tos, request.encrypted) == ((ADDRESS,), True)
    assert request.message["Subject"] == "Confirmez votre abonnement aux alertes de Trilport"
    assert (
        "puis appuyez sur le bouton « Confirmer mon abonnement ». Ce lien est valable 7 jours."
        in " ".join(request.part("plain").split())
    )
    # Not confirmed yet: the announcement did not go to this address.
    assert all("Rue de Meaux" not in m.message["Subject"] for m in smtp.received.items())

    # Opening the link (as a mail scanner does) only shows the button.
    confirm = link(request.part("plain"), "/alertes/confirmer")
    page = await client.get(confirm)
    assert page.status_code == 200 and "Confirmer mon abonnement</button>" in page.text
    assert not get_subscriber(hub, info.id).confirmed
    (action,) = FORM.findall(page.text)
    response = await client.post("/alertes/" + action)
    assert response.status_code == 200
    assert "<h1>Votre abonnement est confirmé</h1>" in response.text
    assert get_subscriber(hub, info.id).confirmed
    announce(hub, "Collecte des encombrants", body="Lundi 7 décembre.", topics=["travaux"])
    release_due(hub)
    await deliver(hub, smtp, certificate, 2)
    alert = smtp.received.items()[-1]
    assert alert.message["Subject"] == "[Trilport] Collecte des encombrants"
    assert alert.encrypted
    unsubscribe = link(alert.part("plain"), "/alertes/desabonnement")
    assert alert.message["List-Unsubscribe"].replace("\n", "").replace(" ", "") == (
        f"<http://alertes.test{unsubscribe}>"
    )
    assert alert.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # The mail client's one-click unsubscribe (RFC 8058) erases the subscriber.
    response = await client.post(
        unsubscribe,
        content=b"List-Unsubscribe=One-Click",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200
    assert find_subscriber(hub, "email", ADDRESS) is None
