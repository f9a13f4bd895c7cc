"""The apprise channel against a webhook JSON webhook (apprise's json:// service) on loopback."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import pytest

from notifications.channels import validate_address
from notifications.channels.apprise_sender import AppriseChannel
from notifications.errors import InvalidAddress
from notifications.records import Outcome
from tests.fakes.envelopes import UNSUBSCRIBE_URL, envelope, notice
from tests.fakes.webhook import FakeWebhook
from tests.servers import closed_port_url

SECRET = "s3cret-mot-de-passe"


@pytest.fixture
async def channel() -> AsyncIterator[AppriseChannel]:
    channel = AppriseChannel(timeout=5)
    yield channel
    await channel.aclose()


async def test_service_receives_title_and_plain_text(
    channel: AppriseChannel, webhook: FakeWebhook
) -> None:
    url = f"json://{webhook.host_port}/alertes/trilport"

    result = await channel.send(envelope("apprise", url))

    assert result.outcome is Outcome.SENT
    [post] = webhook.posts.items()
    assert post.path == "/alertes/trilport"
    assert post.title == "Travaux rue Pasteur"
    assert post.message.startswith("Coupure d'eau à Trilport mardi de 8 h à 12 h.\nEn savoir plus")
    assert post.message.endswith(f"Pour vous désabonner : {UNSUBSCRIBE_URL}")
    assert post.body["type"] == "info"


async def test_urgent_alert_is_a_warning(channel: AppriseChannel, webhook: FakeWebhook) -> None:
    url = f"json://{webhook.host_port}/ville"

    await channel.send(envelope("apprise", url, notice(title="Crue de la Marne", urgent=True)))

    [post] = webhook.posts.items()
    assert (post.title, post.body["type"]) == ("URGENT : Crue de la Marne", "warning")


async def test_secrets_never_appear_in_details(
    channel: AppriseChannel, webhook: FakeWebhook
) -> None:
    url = f"json://mairie:{SECRET}@{webhook.host_port}/ville"
    webhook.fail_next(1, status=500)

    failed = await channel.send(envelope("apprise", url))
    sent = await channel.send(envelope("apprise", url))

    assert failed.outcome is Outcome.RETRY
    assert "n'a pas accepté" in failed.detail
    assert sent.outcome is Outcome.SENT
    assert webhook.posts.items()[0].user == "mairie"  # the password was used…
    for detail in (failed.detail, sent.detail):
        assert SECRET not in detail  # …and never shown
        assert "****" in detail


async def test_invalid_url_is_rejected(channel: AppriseChannel) -> None:
    result = await channel.send(envelope("apprise", "pas-une-url"))

    assert (result.outcome, result.detail) == (Outcome.REJECTED, "adresse apprise invalide")


async def test_service_down_is_retried(channel: AppriseChannel) -> None:
    down = urlsplit(closed_port_url()).netloc

    result = await channel.send(envelope("apprise", f"json://{down}/ville"))

    assert result.outcome is Outcome.RETRY


def test_invalid_url_is_refused_at_sign_up_without_logging_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)

    # Left alone, apprise would log "An invalid Slack (second) Token (<secret>) was specified".
    with pytest.raises(InvalidAddress, match="adresse apprise invalide") as refused:
        validate_address("apprise", f"slack://T1JJ3T3L2/{SECRET}")

    assert SECRET not in str(refused.value)
    assert SECRET not in caplog.text
