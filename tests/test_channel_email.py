"""The e-mail channel against a fake SMTP relay on loopback: headers, content, refusals, and
encryption (STARTTLS with a certificate made at test time; a password never in clear)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from arobase.settings import Settings
from notifications.channels import build_channels
from notifications.channels.email_sender import (
    EmailChannel,
    StartTls,
    build_message,
    clear_text_refusal,
    list_id,
)
from notifications.errors import InvalidInput
from notifications.records import Outcome
from tests.fakes.envelopes import UNSUBSCRIBE_URL, envelope, notice
from tests.fakes.smtp import FakeSmtp, running_fake_smtp
from tests.fakes.tls import Certificate, self_signed_certificate
from tests.servers import closed_port_url

SENDER = "Mairie de Trilport <alertes@trilport.example>"
RESIDENT = "marie.dupont@exemple.fr"
USER, PASSWORD = "mairie", "s3cret-du-relais"
NO_STARTTLS = "le serveur de messagerie ne propose pas le chiffrement (STARTTLS)"


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


# --- Encryption ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    return self_signed_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def tls_server(certificate: Certificate) -> Iterator[FakeSmtp]:
    """A relay offering STARTTLS, and AUTH (even in clear, as a careless relay does)."""
    with running_fake_smtp(certificate.server_context(), (USER, PASSWORD)) as fake:
        yield fake


@pytest.fixture(scope="module")
def clear_server() -> Iterator[FakeSmtp]:
    """A relay without STARTTLS that offers AUTH in clear."""
    with running_fake_smtp(credentials=(USER, PASSWORD)) as fake:
        yield fake


@pytest.fixture
def tls_relay(tls_server: FakeSmtp) -> FakeSmtp:
    tls_server.reset()
    return tls_server


@pytest.fixture
def clear_relay(clear_server: FakeSmtp) -> FakeSmtp:
    clear_server.reset()
    return clear_server


async def test_mail_is_encrypted_by_default(tls_relay: FakeSmtp, certificate: Certificate) -> None:
    channel = EmailChannel(
        tls_relay.host, tls_relay.port, SENDER, timeout=5, ca_file=certificate.certificate
    )

    result = await channel.send(envelope("email", RESIDENT))

    assert result.outcome is Outcome.SENT
    [mail] = tls_relay.received.items()
    assert (mail.rcpt_tos, mail.encrypted, mail.authenticated) == ((RESIDENT,), True, False)


async def test_the_password_goes_only_inside_tls(
    tls_relay: FakeSmtp, certificate: Certificate
) -> None:
    channel = EmailChannel(
        tls_relay.host,
        tls_relay.port,
        SENDER,
        user=USER,
        password=PASSWORD,
        timeout=5,
        ca_file=certificate.certificate,
    )

    result = await channel.send(envelope("email", RESIDENT))

    assert result.outcome is Outcome.SENT
    [mail] = tls_relay.received.items()
    assert (mail.encrypted, mail.authenticated) == (True, True)
    assert [command.encrypted for command in tls_relay.auth_commands.items()] == [True]


async def test_without_starttls_the_password_is_never_sent(clear_relay: FakeSmtp) -> None:
    channel = EmailChannel(
        clear_relay.host, clear_relay.port, SENDER, user=USER, password=PASSWORD, timeout=5
    )

    result = await channel.send(envelope("email", RESIDENT))

    assert result.outcome is Outcome.RETRY
    assert result.detail == (
        f"{NO_STARTTLS} : message non envoyé, le mot de passe SMTP ne part jamais en clair"
    )
    assert clear_relay.auth_commands.items() == []
    assert clear_relay.received.items() == []


async def test_required_starttls_refuses_a_relay_without_it(clear_relay: FakeSmtp) -> None:
    channel = EmailChannel(clear_relay.host, clear_relay.port, SENDER, starttls="required")

    result = await channel.send(envelope("email", RESIDENT))

    assert result.outcome is Outcome.RETRY
    assert result.detail == (
        f"{NO_STARTTLS}, exigé par AROBASE_SMTP_STARTTLS=required : message non envoyé"
    )
    assert clear_relay.received.items() == []


async def test_a_relay_with_an_unknown_certificate_gets_nothing(tls_relay: FakeSmtp) -> None:
    # The system's authorities do not know the test's certificate: as a forged relay.
    channel = EmailChannel(
        tls_relay.host, tls_relay.port, SENDER, user=USER, password=PASSWORD, timeout=5
    )

    result = await channel.send(envelope("email", RESIDENT))

    assert result.outcome is Outcome.RETRY
    assert result.detail.startswith("certificat du serveur de messagerie refusé (")
    assert result.detail.endswith(
        "pour un relais interne, indiquez son autorité dans AROBASE_SMTP_CA_FILE"
    )
    assert tls_relay.auth_commands.items() == []
    assert tls_relay.received.items() == []


async def test_without_a_password_mail_is_encrypted_even_to_an_unknown_certificate(
    tls_relay: FakeSmtp,
) -> None:
    # A town's own relay with its self-signed certificate: encrypted, rather than in clear
    # or not at all (opportunistic STARTTLS; nothing secret goes to the relay).
    channel = EmailChannel(tls_relay.host, tls_relay.port, SENDER, timeout=5)

    result = await channel.send(envelope("email", RESIDENT))

    assert result.outcome is Outcome.SENT
    [mail] = tls_relay.received.items()
    assert (mail.encrypted, mail.authenticated) == (True, False)


async def test_required_starttls_checks_the_certificate_even_without_a_password(
    tls_relay: FakeSmtp,
) -> None:
    channel = EmailChannel(tls_relay.host, tls_relay.port, SENDER, starttls="required", timeout=5)

    result = await channel.send(envelope("email", RESIDENT))

    assert result.outcome is Outcome.RETRY
    assert result.detail.startswith("certificat du serveur de messagerie refusé (")
    assert tls_relay.received.items() == []


async def test_off_sends_in_clear_without_a_password(tls_relay: FakeSmtp) -> None:
    channel = EmailChannel(tls_relay.host, tls_relay.port, SENDER, starttls="off", timeout=5)

    result = await channel.send(envelope("email", RESIDENT))

    assert result.outcome is Outcome.SENT
    assert [mail.encrypted for mail in tls_relay.received.items()] == [False]


@pytest.mark.parametrize(
    ("starttls", "encrypted", "authenticates", "refused"),
    [
        ("auto", True, True, False),
        ("auto", False, False, False),
        ("auto", False, True, True),
        ("required", True, False, False),
        ("required", False, False, True),
        ("off", False, False, False),
    ],
)
def test_when_a_connection_may_carry_the_message(
    starttls: StartTls, encrypted: bool, authenticates: bool, refused: bool
) -> None:
    refusal = clear_text_refusal(starttls, encrypted, authenticates)

    assert (refusal is not None) == refused
    assert refusal is None or refusal.startswith(NO_STARTTLS)


def test_off_with_a_password_is_refused_at_start() -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, smtp_starttls="off", smtp_user=USER, smtp_password=PASSWORD
    )

    with pytest.raises(InvalidInput) as refused:
        build_channels(settings)

    assert str(refused.value) == (
        "AROBASE_SMTP_STARTTLS=off avec un mot de passe SMTP : il passerait en clair. "
        "Choisissez « auto » ou « required », ou le port 465 (chiffré dès la connexion)."
    )


def test_off_with_a_password_is_allowed_on_port_465() -> None:
    channel = EmailChannel("127.0.0.1", 465, SENDER, user=USER, password=PASSWORD, starttls="off")

    assert channel.name == "email"


def test_an_unreadable_ca_file_is_refused_at_start(tmp_path: Path) -> None:
    missing = tmp_path / "absent.pem"

    with pytest.raises(InvalidInput, match=f"AROBASE_SMTP_CA_FILE « {missing} » illisible"):
        EmailChannel("127.0.0.1", 25, SENDER, ca_file=missing)
