"""SMS short links: a sent message's link as /l/<its number in base 36>, the way to
unsubscribe as /d/<token>; the SMS uses them, and the web app redirects them (a draft's link,
a cancelled message's or garbage never leads anywhere)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from bot.web.app import create_app
from notifications.channels.sms_text import sms_text
from notifications.hub import Hub
from notifications.links import MAX_MESSAGE_ID, message_code, message_of_code
from notifications.messages import announce, cancel_message
from notifications.outbox import claim, release_due
from notifications.subscribers import add_subscriber
from tests.servers import closed_port_url, serving

LINK = "https://www.trilport.example/actualites/2026/12/coupure-d-eau-rue-de-meaux-et-rue-de-paris"


@pytest.mark.parametrize("number", [0, 1, 35, 36, 1234, MAX_MESSAGE_ID])
def test_a_message_number_and_its_code_go_both_ways(number: int) -> None:
    assert message_of_code(message_code(number)) == number


@pytest.mark.parametrize("code", ["", "ZZ", "a-b", "1234567", "zzzzzz", "１２"])
def test_what_is_no_code_of_ours_stands_for_no_message(code: str) -> None:
    assert message_of_code(code) is None


def test_the_sms_carries_the_short_links(hub: Hub) -> None:
    info = add_subscriber(hub, "sms", "06 12 34 56 78", ["travaux"])
    message = announce(hub, "Coupure d'eau", body="De 9 h à 12 h.", topics=["travaux"], link=LINK)
    release_due(hub)

    (taken,) = claim(hub, "sms", "w", 10, {})

    text = sms_text(taken.envelope)
    assert f"http://alertes.test/l/{message_code(message.id)}" in text
    assert text.endswith(f"Stop : http://alertes.test/d/{info.token}")
    assert LINK not in text and "desabonnement" not in text


@pytest.fixture
def web(hub: Hub) -> Iterator[str]:
    settings = hub.settings.model_copy(update={"rasa_url": closed_port_url(), "now": hub.now()})
    with serving(create_app(settings)) as url:
        yield url


def test_a_sent_message_s_short_link_leads_to_its_link(hub: Hub, web: str) -> None:
    sent = announce(hub, "Coupure d'eau", topics=["travaux"], link=LINK)
    release_due(hub)
    later = announce(hub, "Fête", topics=["travaux"], link=LINK + "-2", at="2026-12-24 10:00")
    cancelled = announce(hub, "Annulé", topics=["travaux"], link=LINK + "-3", at="2026-12-24 10:00")
    cancel_message(hub, cancelled.id)

    with httpx.Client(base_url=web, trust_env=False) as http:
        response = http.get(f"/l/{message_code(sent.id)}")
        assert (response.status_code, response.headers["location"]) == (302, LINK)
        for code in (message_code(later.id), message_code(cancelled.id), "zzzzzz", "Z-1"):
            refused = http.get(f"/l/{code}", headers={"accept": "text/html"})
            assert refused.status_code == 404, code
            assert "Ce lien n'est pas valable." in refused.text


def test_the_short_stop_link_leads_to_the_page_that_asks(hub: Hub, web: str) -> None:
    info = add_subscriber(hub, "sms", "06 12 34 56 78", ["travaux"])
    with httpx.Client(base_url=web, trust_env=False) as http:
        response = http.get(f"/d/{info.token}")
        assert response.status_code == 302
        assert response.headers["location"] == f"/alertes/desabonnement?jeton={info.token}"
        page = http.get(response.headers["location"])
        assert "Me désabonner</button>" in page.text
        assert http.get("/d/court", headers={"accept": "text/html"}).status_code == 404
