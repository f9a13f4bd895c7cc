"""The e-mail double opt-in's pages over real HTTP (uvicorn serving create_app on a migrated
SQLite or PostgreSQL database): opening the link shows one button and changes nothing, the
button confirms, a link past `confirm_days` has expired and its subscriber is erased.

The web app's clock is frozen (AROBASE_NOW) at the test clock's moment; subscriptions are
made earlier on the test's clock to be as old as each case needs."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Any

import httpx
import pytest

from bot.web.app import create_app
from notifications.hub import Hub
from notifications.subscribers import add_subscriber, get_subscriber
from tests.hub_support import START, FakeClock
from tests.servers import serving
from tests.test_web_alerts import PHONE, app_settings, assert_french_page, rows_left, stored

ADDRESS = "jeanne.martin@exemple.example"
FORM = re.compile(r'<form method="post" action="([^"]+)">')
BUTTON = '<button type="submit" class="action">Confirmer mon abonnement</button>'
AGAIN = (
    "Pour vous abonner de nouveau, appelez la mairie au 01 99 00 10 00 ou passez à "
    "l'accueil\u00a0: vous recevrez un nouveau lien par e-mail."
)


def serving_app(hub: Hub, **overrides: Any) -> AbstractContextManager[str]:
    """The web app on HUB's database, its clock frozen at START."""
    return serving(create_app(app_settings(hub.settings.database_url, now=START, **overrides)))


@pytest.fixture
def site(hub: Hub) -> Iterator[str]:
    with serving_app(hub) as url:
        yield url


@pytest.fixture
async def client(site: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=site, trust_env=False) as http:
        yield http


def requested(hub: Hub, clock: FakeClock, age: timedelta) -> tuple[int, str]:
    """An e-mail subscription asked AGE before the web app's now: (id, token)."""
    clock.set(START - age)
    info = add_subscriber(hub, "email", ADDRESS, ["ecoles", "travaux"])
    clock.set(START)
    return info.id, info.token


async def test_opening_the_link_shows_one_button_and_confirms_nothing(
    client: httpx.AsyncClient, hub: Hub, clock: FakeClock
) -> None:
    subscriber, token = requested(hub, clock, timedelta(days=2))
    before = stored(hub)

    response = await client.get("/alertes/confirmer", params={"jeton": token})

    assert_french_page(response, 200)
    page = response.text
    assert "<h1>Confirmer votre abonnement aux alertes</h1>" in page
    assert (
        "Vous avez demandé à recevoir par e-mail les alertes de la mairie de Trilport sur ces "
        "sujets\u00a0:" in page
    )
    assert page.index("<li>Travaux</li>") < page.index("<li>Écoles</li>")  # the town's order
    assert FORM.findall(page) == [f"confirmer?jeton={token}"]
    assert page.count("<button") == 1 and BUTTON in page
    assert "votre adresse sera effacée 7 jours après la demande." in page
    assert response.headers["cache-control"] == "no-store"
    assert stored(hub) == before
    assert not get_subscriber(hub, subscriber).confirmed


async def test_the_button_confirms(client: httpx.AsyncClient, hub: Hub, clock: FakeClock) -> None:
    subscriber, token = requested(hub, clock, timedelta(days=7) - timedelta(seconds=1))
    page = (await client.get("/alertes/confirmer", params={"jeton": token})).text
    (action,) = FORM.findall(page)

    response = await client.post("/alertes/" + action)

    assert_french_page(response, 200)
    assert "<h1>Votre abonnement est confirmé</h1>" in response.text
    assert "Vous recevrez par e-mail les alertes de la mairie de Trilport" in response.text
    assert "<form" not in response.text
    assert get_subscriber(hub, subscriber).confirmed
    # The link keeps saying so, and shows no button any more.
    again = await client.get("/alertes/confirmer", params={"jeton": token})
    assert_french_page(again, 200)
    assert "<h1>Votre abonnement est confirmé</h1>" in again.text and "<form" not in again.text


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_an_expired_link_says_so_and_the_subscriber_is_erased(
    client: httpx.AsyncClient, hub: Hub, clock: FakeClock, method: str
) -> None:
    subscriber, token = requested(hub, clock, timedelta(days=7))

    response = await client.request(method, "/alertes/confirmer", params={"jeton": token})

    assert_french_page(response, 410)
    assert "<h1>Ce lien a expiré</h1>" in response.text
    assert (
        "Un lien de confirmation est valable 7 jours. Celui-ci n'a pas servi à temps\u00a0: votre "
        "abonnement n'est pas confirmé, et nous avons effacé votre adresse." in response.text
    )
    assert AGAIN in response.text
    assert rows_left(hub, subscriber, ADDRESS, token) == 0
    later = await client.get("/alertes/confirmer", params={"jeton": token})
    assert_french_page(later, 404)
    expired = "Ce lien n'est pas valable, ou il a expiré\u00a0: un lien de confirmation est valable"
    assert expired in later.text


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_an_unknown_link_is_a_404_that_says_how_to_subscribe_again(
    client: httpx.AsyncClient, hub: Hub, clock: FakeClock, method: str
) -> None:
    requested(hub, clock, timedelta(days=1))
    before = stored(hub)

    response = await client.request(method, "/alertes/confirmer", params={"jeton": "a" * 32})

    assert_french_page(response, 404)
    assert "<h1>Ce lien n'est pas valable</h1>" in response.text
    assert AGAIN in response.text and PHONE in response.text
    assert stored(hub) == before


async def test_the_pages_say_the_configured_period(hub: Hub, clock: FakeClock) -> None:
    hub.settings = hub.settings.model_copy(update={"confirm_days": 3})
    _, pending = requested(hub, clock, timedelta(days=2))
    with serving_app(hub, confirm_days=3) as url:
        async with httpx.AsyncClient(base_url=url, trust_env=False) as http:
            shown = await http.get("/alertes/confirmer", params={"jeton": pending})
            clock.set(START - timedelta(days=3))
            expired = add_subscriber(hub, "email", "paul@exemple.example", ["travaux"]).token
            gone = await http.get("/alertes/confirmer", params={"jeton": expired})

    assert "votre adresse sera effacée 3 jours après la demande." in shown.text
    assert gone.status_code == 410 and "Un lien de confirmation est valable 3 jours." in gone.text
