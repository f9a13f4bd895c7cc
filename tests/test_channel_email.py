"""The e-mail channel against a fake SMTP relay on loopback: headers, content, refusals."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import pytest

from notifications.channels.email import EmailChannel, build_message, list_id
from notifications.errors import InvalidInput
from notifications.records import Outcome
from tests.fakes.envelopes import UNSUBSCRIBE_URL, envelope, notice
from tests.fakes.smtp import FakeSmtp, running_fake_smtp
from tests.servers import closed_port_url

SENDER = "Mairie de Trilport <alertes@trilport.example>"
RESIDENT = "marie.dupont@exemple.fr"


@pytest.fixture(scope="module")
def fake_server() -> Iterator[FakeSmtp]:
    with running_fake_smtp() as fake:
        yield fake


@pytest.fixture
def fake(fake_server: FakeSmtp) -> FakeSmtp:
    fake_server.reset()
    return fake_server


@pytest.fixture
def channel(fake: FakeSmtp) -> EmailChannel:
    return EmailChannel(fake.host, fake.port, SENDER, timeout=5)


async def test_alert_arrives_with_french_text_and_html(
    channel: EmailChannel, fake: FakeSmtp
) -> None:
    result = await channel.send(envelope("email", RESIDENT))

    assert result.outcome is Outcome.SENT
    [mail] = fake.received.items()
    assert mail.rcpt_tos == (RESIDENT,)
    assert mail.mail_from == "alertes@trilport.example"
    assert mail.message["From"] == SENDER
    assert mail.message["To"] == RESIDENT
    assert mail.message["Subject"] == "[Trilport] Travaux rue Pasteur"
    text = mail.part("plain")
    assert "Coupure d'eau à Trilport mardi de 8 h à 12 h." in text
    assert f"Pour vous désabonner : {UNSUBSCRIBE_URL}" in text
    html = mail.part("html")
    assert "<h2>Travaux rue Pasteur</h2>" in html
    assert 'href="https://trilport.example/alertes/desabonner?jeton=abc123&amp;canal=email"' in html


async def test_alert_carries_one_click_unsubscribe_and_list_headers(
    channel: EmailChannel, fake: FakeSmtp
) -> None:
    await channel.send(envelope("email", RESIDENT))

    message = fake.received.items()[0].message
    # A long URL is folded onto the next line (legal): unfolding leaves the leading space.
    assert message["List-Unsubscribe"].strip() == f"<{UNSUBSCRIBE_URL}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["List-Id"] == "Trilport : alertes <alertes.trilport.trilport.example>"
    assert message["Message-ID"].endswith("@trilport.example>")
    assert parsedate_to_datetime(message["Date"]).tzinfo is not None
    assert message["Content-Language"] == "fr"


async def test_confirmation_request_has_no_unsubscribe_header(
    channel: EmailChannel, fake: FakeSmtp
) -> None:
    confirm = notice(
        title="Confirmez votre abonnement",
        body="Cliquez sur le lien pour recevoir les alertes de Trilport.",
        link="https://trilport.example/alertes/confirmer?jeton=xyz",
    )

    confirmation = envelope("email", RESIDENT, confirm, kind="confirmation", unsubscribe_url=None)
    await channel.send(confirmation)

    mail = fake.received.items()[0]
    assert mail.message["Subject"] == "Confirmez votre abonnement aux alertes de Trilport"
    assert mail.message["List-Unsubscribe"] is None
    assert "https://trilport.example/alertes/confirmer?jeton=xyz" in mail.part("plain")


async def test_refused_address_is_gone(channel: EmailChannel, fake: FakeSmtp) -> None:
    fake.refused.add(RESIDENT)

    result = await channel.send(envelope("email", RESIDENT))

    assert result.outcome is Outcome.GONE
    assert result.detail.startswith("adresse refusée : 550")
    assert fake.received.items() == []


async def test_temporarily_refused_address_is_retried(
    channel: EmailChannel, fake: FakeSmtp
) -> None:
    fake.deferred.add(RESIDENT)

    result = await channel.send(envelope("email", RESIDENT))

    assert result.outcome is Outcome.RETRY
    assert "451" in result.detail


async def test_relay_down_is_retried() -> None:
    port = urlsplit(closed_port_url()).port
    assert port is not None
    channel = EmailChannel("127.0.0.1", port, SENDER, timeout=2)

    result = await channel.send(envelope("email", RESIDENT))

    assert result.outcome is Outcome.RETRY


async def test_address_that_cannot_be_written_is_rejected(channel: EmailChannel) -> None:
    result = await channel.send(envelope("email", "marie@exemple.fr\nBcc: tous@exemple.fr"))

    assert result.outcome is Outcome.REJECTED


def test_sender_is_checked_at_start() -> None:
    with pytest.raises(InvalidInput, match="expéditeur invalide"):
        EmailChannel("127.0.0.1", 25, "Mairie de Trilport")


def test_subject_stays_on_one_line() -> None:
    message = build_message(
        envelope("email", RESIDENT, notice(title="Fermeture\nexceptionnelle  de la mairie")),
        SENDER,
        datetime(2026, 11, 24, 9, 30).astimezone(),
    )

    assert message["Subject"] == "[Trilport] Fermeture exceptionnelle de la mairie"


@pytest.mark.parametrize(
    ("commune", "expected"),
    [
        ("Trilport", "trilport"),
        ("Saint-Étienne", "saint-etienne"),
        ("L'Haÿ-les-Roses", "l-hay-les-roses"),
        ("Œuilly", "oeuilly"),
    ],
)
def test_list_id_is_ascii(commune: str, expected: str) -> None:
    expected_id = f"{commune} : alertes <alertes.{expected}.mairie.example>"
    assert list_id(commune, "mairie.example") == expected_id
