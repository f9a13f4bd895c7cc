"""The alerts' pages and API over real HTTP: uvicorn serving create_app on a migrated hub
database (SQLite and PostgreSQL), the test reading and seeding it through its own hub."""

from __future__ import annotations

import json
import os
import re
import sqlite3
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import func, or_, select

from arobase.town import load_town
from bot.web import app as web
from bot.web import common
from bot.web.alerts import api as web_alerts
from bot.web.alerts import state as alerts_state
from bot.web.alerts.topics import render_alerts_page
from bot.web.app import create_app
from bot.web.frame import sentence
from notifications.hub import Hub
from notifications.messages import announce
from notifications.outbox import release_due, send_confirmation_request
from notifications.store.migrate import upgrade
from notifications.store.subscriber_rows import deactivate
from notifications.store.tables import DeliveryRow, SubscriberRow, SubscriptionRow
from notifications.subscribers import (
    add_subscriber,
    export_subscriber,
    find_subscriber,
    get_subscriber,
    list_subscribers,
)
from notifications.vapid import b64url, generate_vapid_keys
from tests.fake_rasa import TOWN_YAML
from tests.hub_support import START, TOWN_FILE, hub_settings
from tests.servers import closed_port_url, serving

PUBLIC_KEY = generate_vapid_keys()[1]
PHONE = load_town(TOWN_FILE).main_service.phone  # the town hall's, in every page
# Firefox's push service: only browser makers' push services are accepted.
ENDPOINT = "https://updates.push.services.mozilla.com/wpush/v2/abc123"
JSON_TYPE = {"content-type": "application/json"}
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)")
ONE_CLICK = {"content-type": "application/x-www-form-urlencoded"}


def browser_keys() -> dict[str, str]:
    """The keys a browser sends with a push subscription: a P-256 point and an auth secret."""
    point = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    return {"p256dh": b64url(point), "auth": b64url(os.urandom(16))}


KEYS = browser_keys()


def push_body(
    topics: list[str], endpoint: str = ENDPOINT, keys: dict[str, str] | None = None
) -> dict[str, Any]:
    subscription = {"endpoint": endpoint, "expirationTime": None, "keys": keys or KEYS}
    return {"subscription": subscription, "topics": topics}


RENEWED = "https://updates.push.services.mozilla.com/wpush/v2/def456"  # after a renewal


def renew_body(
    old: str = ENDPOINT, endpoint: str = RENEWED, keys: dict[str, str] | None = None
) -> dict[str, Any]:
    """What the service worker sends when the push service renewed the subscription."""
    return {"oldEndpoint": old, "subscription": push_body([], endpoint, keys)["subscription"]}


def app_settings(database_url: str, **overrides: Any):
    """The hub's test settings for the web app (Rasa is never asked here)."""
    # The web app's clock stands at the tests' START, so that links expire by the tests' clock.
    values = {"rasa_url": closed_port_url(), "webpush_public_key": PUBLIC_KEY, "now": START}
    # A browser test's site serves a whole module: its clicks must not meet the per-client
    # limit, which tests/test_webpush_intake.py checks at its real value.
    values["alerts_rate"] = "1000/minute"
    values |= overrides
    return hub_settings(database_url, **values)


@pytest.fixture
def site(database_url: str) -> Iterator[str]:
    with serving(create_app(app_settings(database_url))) as url:
        yield url


@pytest.fixture
async def client(site: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=site, trust_env=False) as http:
        yield http


def stored(hub: Hub) -> list[dict[str, Any]]:
    """Everything held on every subscriber."""
    return [export_subscriber(hub, info.id) for info in list_subscribers(hub)]


def rows_left(hub: Hub, subscriber_id: int, address: str, token: str) -> int:
    """Rows anywhere that still belong to that subscriber."""
    with hub.db.session() as session:
        subscribers = session.scalar(
            select(func.count(SubscriberRow.id)).where(
                or_(
                    SubscriberRow.id == subscriber_id,
                    SubscriberRow.address == address,
                    SubscriberRow.token == token,
                )
            )
        )
        topics = session.scalar(
            select(func.count()).where(SubscriptionRow.subscriber_id == subscriber_id)
        )
        deliveries = session.scalar(
            select(func.count(DeliveryRow.id)).where(DeliveryRow.subscriber_id == subscriber_id)
        )
    return (subscribers or 0) + (topics or 0) + (deliveries or 0)


def delivery_count(hub: Hub, subscriber_id: int) -> int:
    with hub.db.session() as session:
        count = session.scalar(
            select(func.count(DeliveryRow.id)).where(DeliveryRow.subscriber_id == subscriber_id)
        )
    return count or 0


def assert_french_page(response: httpx.Response, status: int) -> None:
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert '<html lang="fr">' in response.text
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert not INLINE_SCRIPT.search(response.text), "inline script"
    assert "style=" not in response.text and "<style" not in response.text


# --- Confirming an e-mail subscription ----------------------------------------------------------


async def test_confirm_link_confirms_and_lists_the_topics(client: httpx.AsyncClient, hub: Hub):
    info = add_subscriber(hub, "email", "jeanne.martin@exemple.example", ["ecoles", "travaux"])
    assert not info.confirmed

    response = await client.post("/alertes/confirmer", params={"jeton": info.token})

    assert_french_page(response, 200)
    assert "Votre abonnement est confirmé" in response.text
    assert "par e-mail" in response.text
    # Labels, in the town file's order.
    assert response.text.index("<li>Travaux</li>") < response.text.index("<li>Écoles</li>")
    assert response.headers["cache-control"] == "no-store"
    assert get_subscriber(hub, info.id).confirmed
    again = await client.post("/alertes/confirmer", params={"jeton": info.token})
    assert again.status_code == 200


@pytest.mark.parametrize(
    "query",
    ["?jeton=inconnu", "?jeton=", "", "?jeton=" + "a" * 200, "?jeton=%00%27%3Cb%3E"],
    ids=["unknown", "empty", "missing", "too long", "garbage"],
)
@pytest.mark.parametrize("path", ["/alertes/confirmer", "/alertes/desabonnement"])
async def test_unknown_link_gives_a_404_page_with_the_town_hall_contact(
    client: httpx.AsyncClient, hub: Hub, path: str, query: str
):
    info = add_subscriber(hub, "email", "paul@exemple.example", ["travaux"])
    before = stored(hub)

    response = await client.get(path + query)

    assert_french_page(response, 404)
    assert "Ce lien n'est pas valable" in response.text
    assert PHONE in response.text
    assert "mailto:mairie@trilport.example" in response.text
    assert "<b>" not in response.text
    assert stored(hub) == before
    assert not get_subscriber(hub, info.id).confirmed


# --- Unsubscribing --------------------------------------------------------------------------


async def test_opening_the_unsubscribe_link_shows_one_button_and_changes_nothing(
    client: httpx.AsyncClient, hub: Hub
):
    info = add_subscriber(hub, "email", "jeanne@exemple.example", ["travaux"])
    before = stored(hub)

    response = await client.get("/alertes/desabonnement", params={"jeton": info.token})

    assert_french_page(response, 200)
    assert response.text.count("<form") == 1
    assert '<form method="post" action="desabonnement?jeton=' + info.token + '">' in response.text
    assert response.text.count("<button") == 1
    assert ">Me désabonner</button>" in response.text
    assert "<li>Travaux</li>" in response.text
    assert response.headers["cache-control"] == "no-store"
    assert stored(hub) == before


async def test_the_button_unsubscribes_and_erases_everything(client: httpx.AsyncClient, hub: Hub):
    address = "jeanne@exemple.example"
    info = add_subscriber(hub, "email", address, ["travaux", "ecoles"])
    other = add_subscriber(hub, "email", "paul@exemple.example", ["travaux"])
    send_confirmation_request(hub, info.id)
    await client.post("/alertes/confirmer", params={"jeton": info.token})
    await client.post("/alertes/confirmer", params={"jeton": other.token})
    announce(hub, "Rue de la Gare fermée", topics=["travaux"])
    release_due(hub)
    assert delivery_count(hub, info.id) == 2  # the confirmation request and the message
    others_before = export_subscriber(hub, other.id)

    response = await client.post("/alertes/desabonnement", params={"jeton": info.token})

    assert_french_page(response, 200)
    assert "Vous êtes désabonné(e)" in response.text
    assert "Nous avons effacé vos données." in response.text
    assert rows_left(hub, info.id, address, info.token) == 0
    assert find_subscriber(hub, "email", address) is None
    assert export_subscriber(hub, other.id) == others_before
    # The link has served: a second click is told so, without an error.
    twice = await client.post("/alertes/desabonnement", params={"jeton": info.token})
    assert_french_page(twice, 404)
    assert "déjà désabonné(e)" in twice.text


async def test_the_stop_link_of_an_sms_erases_the_number(client: httpx.AsyncClient, hub: Hub):
    info = add_subscriber(hub, "sms", "06 12 34 56 78", ["travaux"])
    assert info.address == "+33612345678" and info.confirmed  # the agent recorded the consent

    shown = await client.get("/alertes/desabonnement", params={"jeton": info.token})
    response = await client.post("/alertes/desabonnement", params={"jeton": info.token})

    assert_french_page(shown, 200)
    assert ">Me désabonner</button>" in shown.text
    assert "Nous avons effacé vos données." in response.text
    assert rows_left(hub, info.id, info.address, info.token) == 0


async def test_one_click_unsubscribe_from_a_mail_client(client: httpx.AsyncClient, hub: Hub):
    """RFC 8058: the mail client POSTs `List-Unsubscribe=One-Click` to the link."""
    info = add_subscriber(hub, "email", "jeanne@exemple.example", ["travaux"])

    response = await client.post(
        f"/alertes/desabonnement?jeton={info.token}",
        content=b"List-Unsubscribe=One-Click",
        headers=ONE_CLICK,
    )

    assert response.status_code == 200
    assert rows_left(hub, info.id, "jeanne@exemple.example", info.token) == 0


async def test_unknown_token_post_is_a_404_and_erases_nobody(client: httpx.AsyncClient, hub: Hub):
    add_subscriber(hub, "email", "jeanne@exemple.example", ["travaux"])
    before = stored(hub)

    response = await client.post(
        "/alertes/desabonnement?jeton=inconnu",
        content=b"List-Unsubscribe=One-Click",
        headers=ONE_CLICK,
    )

    assert_french_page(response, 404)
    assert stored(hub) == before


# --- Web Push -------------------------------------------------------------------------------


async def test_topics_and_public_key(client: httpx.AsyncClient, hub: Hub):
    topics = (await client.get("/api/alertes/themes")).json()["topics"]
    key = await client.get("/api/alertes/cle")

    assert [t["key"] for t in topics] == list(hub.town.topics)
    assert topics[1] == {
        "key": "travaux",
        "label": "Travaux",
        "description": "Chantiers, routes fermées et stationnement modifié.",
    }
    assert key.status_code == 200
    assert key.json() == {"publicKey": PUBLIC_KEY}


async def test_webpush_subscribe_update_and_delete(client: httpx.AsyncClient, hub: Hub):
    created = await client.post("/api/alertes/webpush", json=push_body(["ecoles", "travaux"]))

    assert created.status_code == 201
    assert created.json() == {"topics": ["travaux", "ecoles"], "area": None}
    info = find_subscriber(hub, "webpush", ENDPOINT)
    assert info is not None
    assert info.topics == ("ecoles", "travaux")
    assert info.active and info.confirmed
    assert export_subscriber(hub, info.id)["abonne"]["parametres"] == KEYS

    new_keys = browser_keys()
    updated = await client.post("/api/alertes/webpush", json=push_body(["alertes"], keys=new_keys))

    assert updated.status_code == 200
    assert updated.json() == {"topics": ["alertes"], "area": None}
    again = find_subscriber(hub, "webpush", ENDPOINT)
    assert again is not None and again.id == info.id
    assert again.topics == ("alertes",)
    assert export_subscriber(hub, info.id)["abonne"]["parametres"] == new_keys
    assert len(list_subscribers(hub)) == 1

    deleted = await client.request("DELETE", "/api/alertes/webpush", json={"endpoint": ENDPOINT})

    assert deleted.status_code == 204
    assert deleted.content == b""
    assert rows_left(hub, info.id, ENDPOINT, info.token) == 0
    # Stopping twice is not an error: the person's "stop" always succeeds.
    twice = await client.request("DELETE", "/api/alertes/webpush", json={"endpoint": ENDPOINT})
    assert twice.status_code == 204


async def test_subscribing_again_reactivates_a_deactivated_device(
    client: httpx.AsyncClient, hub: Hub
):
    await client.post("/api/alertes/webpush", json=push_body(["travaux"]))
    info = find_subscriber(hub, "webpush", ENDPOINT)
    assert info is not None
    with hub.db.session() as session:
        deactivate(session, info.id, "abonnement expiré (410)", hub.now())

    response = await client.post("/api/alertes/webpush", json=push_body(["travaux"]))

    assert response.status_code == 200
    again = get_subscriber(hub, info.id)
    assert again.active and again.deactivated_reason is None


async def test_a_renewed_subscription_keeps_the_topics_and_the_deliveries(
    client: httpx.AsyncClient, hub: Hub
):
    await client.post("/api/alertes/webpush", json=push_body(["ecoles", "travaux"]))
    info = find_subscriber(hub, "webpush", ENDPOINT)
    assert info is not None
    announce(hub, "Rue de la Gare fermée", body="Travaux lundi.", topics=["travaux"])
    release_due(hub)
    with hub.db.session() as session:
        deactivate(session, info.id, "abonnement expiré (410)", hub.now())
    new_keys = browser_keys()

    response = await client.put("/api/alertes/webpush", json=renew_body(keys=new_keys))

    assert response.status_code == 200
    assert response.json() == {"topics": ["travaux", "ecoles"]}
    assert find_subscriber(hub, "webpush", ENDPOINT) is None
    moved = get_subscriber(hub, info.id)
    assert (moved.address, moved.topics) == (RENEWED, ("ecoles", "travaux"))
    assert moved.active and moved.deactivated_reason is None
    assert moved.consent_at == info.consent_at and moved.token == info.token
    assert export_subscriber(hub, info.id)["abonne"]["parametres"] == new_keys
    assert delivery_count(hub, info.id) == 1  # the pending alert goes to the new address


async def test_a_renewal_after_subscribing_again_keeps_the_newer_choice(
    client: httpx.AsyncClient, hub: Hub
):
    await client.post("/api/alertes/webpush", json=push_body(["travaux"]))
    old = find_subscriber(hub, "webpush", ENDPOINT)
    await client.post("/api/alertes/webpush", json=push_body(["ecoles"], endpoint=RENEWED))

    response = await client.put("/api/alertes/webpush", json=renew_body())

    assert response.status_code == 200
    assert response.json() == {"topics": ["ecoles"]}
    assert old is not None and rows_left(hub, old.id, ENDPOINT, old.token) == 0
    assert [(s.address, s.topics) for s in list_subscribers(hub)] == [(RENEWED, ("ecoles",))]


@pytest.mark.parametrize(
    ("body", "phrase"),
    [
        (renew_body(endpoint="http://push.example.net/a"), "https://"),
        (renew_body(keys={"p256dh": KEYS["p256dh"], "auth": "abc"}), "auth"),
        (renew_body(endpoint="https://a.example/\x00"), "caractères invisibles"),
    ],
    ids=["http endpoint", "auth too short", "NUL in the new endpoint"],
)
async def test_an_invalid_renewal_gets_a_422_and_changes_nothing(
    client: httpx.AsyncClient, hub: Hub, seeded: list[dict[str, Any]], body: dict, phrase: str
):
    response = await client.put("/api/alertes/webpush", json=body)

    assert phrase in assert_refused(response, 422)
    assert stored(hub) == seeded


async def test_all_topics_at_once(client: httpx.AsyncClient, hub: Hub):
    response = await client.post("/api/alertes/webpush", json=push_body(["tout"]))

    assert response.status_code == 201
    assert response.json() == {"topics": list(hub.town.topics), "area": None}


def raw(data: Any) -> bytes:
    return json.dumps(data).encode()


OVERSIZE = raw(push_body(["travaux"] * 3000))
NOT_OBJECT = web_alerts.NOT_OBJECT
POST_REFUSED = [
    ("text/plain", raw(push_body(["travaux"])), {"content-type": "text/plain"}, 415,
     common.NOT_JSON_TYPE),
    ("no content type", raw(push_body(["travaux"])), {"content-type": ""}, 415,
     common.NOT_JSON_TYPE),
    ("oversize body", OVERSIZE, JSON_TYPE, 413, common.TOO_LARGE),
    ("invalid UTF-8", b'{"topics": "\xff"}', JSON_TYPE, 400, common.NOT_UTF8),
    ("not JSON", b'{"subscription":', JSON_TYPE, 400, common.NOT_JSON),
    ("empty body", b"", JSON_TYPE, 400, common.NOT_JSON),
    ("JSON array", raw([push_body(["travaux"])]), JSON_TYPE, 400, NOT_OBJECT),
    ("no subscription", raw({"topics": ["travaux"]}), JSON_TYPE, 400,
     web_alerts.BAD_SUBSCRIPTION),
    ("subscription as text", raw({"subscription": ENDPOINT, "topics": ["travaux"]}), JSON_TYPE,
     400, web_alerts.BAD_SUBSCRIPTION),
    ("no endpoint", raw({"subscription": {"keys": KEYS}, "topics": ["travaux"]}), JSON_TYPE, 400,
     web_alerts.BAD_ENDPOINT),
    ("endpoint number", raw({"subscription": {"endpoint": 1, "keys": KEYS}, "topics": ["a"]}),
     JSON_TYPE, 400, web_alerts.BAD_ENDPOINT),
    ("no keys", raw({"subscription": {"endpoint": ENDPOINT}, "topics": ["travaux"]}), JSON_TYPE,
     400, web_alerts.BAD_KEYS),
    ("key not text", raw(push_body(["travaux"], keys={"p256dh": 1, "auth": KEYS["auth"]})),
     JSON_TYPE, 400, web_alerts.BAD_KEYS),
    ("no topics", raw({"subscription": push_body([])["subscription"]}), JSON_TYPE, 400,
     web_alerts.BAD_TOPICS),
    ("topics as text", raw({**push_body([]), "topics": "travaux"}), JSON_TYPE, 400,
     web_alerts.BAD_TOPICS),
    ("topic not text", raw(push_body([3])), JSON_TYPE, 400, web_alerts.BAD_TOPICS),  # type: ignore[list-item]
    ("empty topics", raw(push_body([])), JSON_TYPE, 422, web_alerts.NO_TOPIC),
]  # fmt: skip
# The hub's reasons (its own wording), checked by a key phrase.
POST_INVALID = [
    ("unknown topic", push_body(["travaux", "meteo"]), "Thème inconnu « meteo »"),
    ("http endpoint", push_body(["travaux"], endpoint="http://push.example.net/a"), "https://"),
    ("unknown push service", push_body(["travaux"], endpoint="https://push.example.net/a"),
     "Ce service de notification n'est pas reconnu"),
    ("empty endpoint", push_body(["travaux"], endpoint="  "), "L'adresse est vide"),
    ("no host", push_body(["travaux"], endpoint="https:///a"), "adresse de service"),
    (
        "p256dh not on the curve",
        push_body(["travaux"], keys={"p256dh": b64url(b"\x04" + b"\x01" * 64), "auth": "a" * 22}),
        "p256dh",
    ),
    (
        "auth too short",
        push_body(["travaux"], keys={"p256dh": KEYS["p256dh"], "auth": "abc"}),
        "auth",
    ),
    ("NUL in the endpoint", push_body(["travaux"], endpoint="https://a.example/\x00"),
     "caractères invisibles"),
    ("endpoint too long", push_body(["travaux"], endpoint="https://a.example/" + "a" * 2000),
     "trop longue"),
]  # fmt: skip
DELETE_REFUSED = [
    ("text/plain", raw({"endpoint": ENDPOINT}), {"content-type": "text/plain"}, 415,
     common.NOT_JSON_TYPE),
    ("not JSON", b"{", JSON_TYPE, 400, common.NOT_JSON),
    ("JSON string", raw(ENDPOINT), JSON_TYPE, 400, NOT_OBJECT),
    ("no endpoint", raw({}), JSON_TYPE, 400, web_alerts.BAD_ENDPOINT),
    ("endpoint number", raw({"endpoint": 12}), JSON_TYPE, 400, web_alerts.BAD_ENDPOINT),
]  # fmt: skip


@pytest.fixture
async def seeded(client: httpx.AsyncClient, hub: Hub) -> list[dict[str, Any]]:
    """A device subscribed to travaux (at ENDPOINT) and an e-mail subscriber; what is stored."""
    response = await client.post("/api/alertes/webpush", json=push_body(["travaux"]))
    assert response.status_code == 201
    add_subscriber(hub, "email", "jeanne@exemple.example", ["ecoles"])
    return stored(hub)


def assert_refused(response: httpx.Response, status: int) -> str:
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    reason = response.json()["error"]
    assert isinstance(reason, str) and reason[0].isupper() and reason.endswith(".")
    return reason


PUT_REFUSED = [
    ("text/plain", raw(renew_body()), {"content-type": "text/plain"}, 415, common.NOT_JSON_TYPE),
    ("not JSON", b'{"oldEndpoint"', JSON_TYPE, 400, common.NOT_JSON),
    ("no old endpoint", raw({"subscription": renew_body()["subscription"]}), JSON_TYPE, 400,
     web_alerts.BAD_OLD_ENDPOINT),
    ("old endpoint number", raw({**renew_body(), "oldEndpoint": 7}), JSON_TYPE, 400,
     web_alerts.BAD_OLD_ENDPOINT),
    ("no subscription", raw({"oldEndpoint": ENDPOINT}), JSON_TYPE, 400,
     web_alerts.BAD_SUBSCRIPTION),
    ("no keys", raw({"oldEndpoint": ENDPOINT, "subscription": {"endpoint": RENEWED}}), JSON_TYPE,
     400, web_alerts.BAD_KEYS),
    ("unknown old endpoint", raw(renew_body(old=ENDPOINT + "-autre")), JSON_TYPE, 404,
     web_alerts.DEVICE_UNKNOWN),
    ("NUL in the old endpoint", raw(renew_body(old=ENDPOINT + "\x00")), JSON_TYPE, 404,
     web_alerts.DEVICE_UNKNOWN),
]  # fmt: skip
REFUSED = (
    [("POST", *case) for case in POST_REFUSED]
    + [("PUT", *case) for case in PUT_REFUSED]
    + [("DELETE", *case) for case in DELETE_REFUSED]
)


@pytest.mark.parametrize(
    ("method", "body", "headers", "status", "reason"),
    [(c[0], *c[2:]) for c in REFUSED],
    ids=[f"{c[0]} {c[1]}" for c in REFUSED],
)
async def test_bad_requests_are_refused_and_nothing_changes(
    client: httpx.AsyncClient,
    hub: Hub,
    seeded: list[dict[str, Any]],
    method: str,
    body: bytes,
    headers: dict[str, str],
    status: int,
    reason: str,
):
    response = await client.request(method, "/api/alertes/webpush", content=body, headers=headers)

    assert assert_refused(response, status) == reason
    assert stored(hub) == seeded


@pytest.mark.parametrize(
    ("body", "phrase"), [c[1:] for c in POST_INVALID], ids=[c[0] for c in POST_INVALID]
)
async def test_invalid_subscriptions_get_a_422_with_the_reason(
    client: httpx.AsyncClient, hub: Hub, seeded: list[dict[str, Any]], body: dict, phrase: str
):
    response = await client.post("/api/alertes/webpush", json=body)

    assert phrase in assert_refused(response, 422)
    assert stored(hub) == seeded


@pytest.mark.parametrize("endpoint", [ENDPOINT + "-autre", ENDPOINT + "\x00", ""])
async def test_stopping_an_unknown_device_erases_nobody(
    client: httpx.AsyncClient, hub: Hub, seeded: list[dict[str, Any]], endpoint: str
):
    response = await client.request("DELETE", "/api/alertes/webpush", json={"endpoint": endpoint})

    assert response.status_code == 204
    assert stored(hub) == seeded


async def test_wrong_method_is_refused_in_french(client: httpx.AsyncClient):
    response = await client.patch("/api/alertes/webpush", json=push_body(["travaux"]))

    assert response.status_code == 405
    assert response.json() == {"error": web.HTTP_REASONS[405]}


async def test_web_push_without_a_key_to_be_had_answers_503(
    database_url: str, hub: Hub, tmp_path: Path
):
    """No key configured, and the data folder cannot hold one: the rest goes on."""
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    settings = app_settings(database_url, webpush_public_key="", data_dir=blocked)
    with serving(create_app(settings)) as url:
        async with httpx.AsyncClient(base_url=url, trust_env=False) as http:
            key = await http.get("/api/alertes/cle")
            subscribe = await http.post("/api/alertes/webpush", json=push_body(["travaux"]))
            themes = await http.get("/api/alertes/themes")
            stop = await http.request("DELETE", "/api/alertes/webpush", json={"endpoint": ENDPOINT})

    for response in (key, subscribe):
        reason = assert_refused(response, 503)
        assert "ne propose pas encore" in reason and PHONE in reason
    assert themes.status_code == 200
    assert stop.status_code == 204  # erasing is always possible
    assert list_subscribers(hub) == []


# --- Without a usable database: the chat goes on, the alerts say why not -------------------


def test_without_a_database_the_chat_works_and_alerts_answer_503(tmp_path: Path):
    missing = tmp_path / "absent" / "hub.db"
    settings = app_settings(f"sqlite:///{missing}")
    with serving(create_app(settings)) as url, httpx.Client(base_url=url, trust_env=False) as http:
        chat_page = http.get("/")
        health = http.get("/healthz")
        themes = http.get("/api/alertes/themes")
        alerts_page = http.get("/alertes")
        key = http.get("/api/alertes/cle")
        subscribe = http.post("/api/alertes/webpush", json=push_body(["travaux"]))
        confirm = http.get("/alertes/confirmer?jeton=abc")
        unsubscribe = http.post("/alertes/desabonnement?jeton=abc")

    assert chat_page.status_code == 200 and health.status_code == 200
    assert themes.status_code == 200 and alerts_page.status_code == 200
    for response in (key, subscribe):
        reason = assert_refused(response, 503)
        assert reason.startswith("Les alertes ne sont pas disponibles") and PHONE in reason
    for response in (confirm, unsubscribe):
        assert_french_page(response, 503)
        assert "Les alertes ne sont pas disponibles pour le moment" in response.text
    assert not missing.exists(), "the web app must not create the hub's database"


def test_alerts_start_working_once_the_database_is_migrated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(alerts_state, "RECHECK_SECONDS", 0.0)
    path = tmp_path / "hub.db"
    sqlite3.connect(path).close()  # an empty file: not migrated
    url = f"sqlite:///{path}"
    app = create_app(app_settings(url))
    with serving(app) as base, httpx.Client(base_url=base, trust_env=False) as http:
        before = http.get("/api/alertes/cle")
        upgrade(url)
        after = http.get("/api/alertes/cle")

    assert before.status_code == 503
    assert after.status_code == 200


def test_a_database_failing_after_start_up_is_a_503_not_a_bug(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    upgrade(url)
    app = create_app(app_settings(url))
    with serving(app) as base, httpx.Client(base_url=base, trust_env=False) as http:
        assert http.get("/api/alertes/cle").status_code == 200
        with sqlite3.connect(tmp_path / "hub.db") as broken:
            broken.execute("DROP TABLE subscribers")
        subscribe = http.post("/api/alertes/webpush", json=push_body(["travaux"]))
        confirm = http.get("/alertes/confirmer?jeton=" + "a" * 32)

    assert "Les alertes ne sont pas disponibles" in assert_refused(subscribe, 503)
    assert_french_page(confirm, 503)


# --- The alerts page and the service worker --------------------------------------------------


async def test_alerts_page_lists_every_topic_as_a_labelled_checkbox(
    client: httpx.AsyncClient, hub: Hub
):
    response = await client.get("/alertes")

    assert_french_page(response, 200)
    page = response.text
    assert "{{" not in page
    assert '<script src="static/alertes.js" defer></script>' in page
    for key, topic in hub.town.topics.items():
        assert f'<input type="checkbox" id="theme-{key}" name="topics" value="{key}"' in page
        assert f'<span id="theme-{key}-label" class="topic-label">{topic.label}</span>' in page
    assert "Recevoir les alertes sur cet appareil" in page
    assert 'role="status"' in page
    assert PHONE in page


async def test_service_worker_is_served_at_the_root(client: httpx.AsyncClient):
    response = await client.get("/sw.js")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["service-worker-allowed"] == "/"
    assert response.headers["cache-control"] == "no-cache"
    assert 'addEventListener("push"' in response.text


async def test_chat_page_links_to_the_alerts_page(client: httpx.AsyncClient):
    response = await client.get("/")

    assert '<a href="alertes">' in response.text


def test_topic_text_is_escaped(tmp_path: Path):
    evil = "<img src=x onerror=alert(1)>"
    town_file = tmp_path / "town.yml"
    town_file.write_text(
        TOWN_YAML.replace(
            "topics: {}",
            f'topics:\n  travaux:\n    label: "{evil}"\n    description: "a & b {evil}"',
        ),
        encoding="utf-8",
    )
    template = (web.STATIC_DIR / "alertes.html").read_text(encoding="utf-8")

    page = render_alerts_page(template, load_town(town_file))

    assert "<img" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "a &amp; b" in page


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        ("thème inconnu « x »", "Thème inconnu « x »."),
        ("l'adresse est vide.", "L'adresse est vide."),
        ("", "La demande a été refusée."),
    ],
)
def test_hub_reasons_become_sentences(reason: str, expected: str):
    assert sentence(reason) == expected


async def test_a_renewal_to_another_push_service_moves_the_pending_deliveries_there(
    client: httpx.AsyncClient, hub: Hub
):
    await client.post("/api/alertes/webpush", json=push_body(["travaux"]))
    info = find_subscriber(hub, "webpush", ENDPOINT)
    assert info is not None
    announce(hub, "Rue de la Gare fermée", body="Travaux lundi.", topics=["travaux"])
    release_due(hub)
    elsewhere = "https://fcm.googleapis.com/fcm/send/renouvele"

    response = await client.put("/api/alertes/webpush", json=renew_body(endpoint=elsewhere))

    assert response.status_code == 200
    with hub.db.reading() as session:
        destinations = session.scalars(
            select(DeliveryRow.destination).where(DeliveryRow.subscriber_id == info.id)
        ).all()
    # The per-service cap counts the send where it now goes.
    assert destinations == ["https://fcm.googleapis.com"]
