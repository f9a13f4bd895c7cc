"""Alerts by area on the Web Push page's API: the street a browser sends gives its area (as
typed, abbreviations and numbers included), subscribing again without one gives the whole
commune back, a renewal keeps it, and a street the town does not list is refused with the
field to correct, nothing stored (real HTTP, SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from notifications.hub import Hub
from notifications.messages import announce
from notifications.outbox import release_due
from notifications.subscribers import export_subscriber, find_subscriber, list_subscribers
from tests import test_web_alerts
from tests.test_web_alerts import ENDPOINT, RENEWED, delivery_count, push_body, renew_body

site = test_web_alerts.site
client = test_web_alerts.client
API = "/api/alertes/webpush"


def with_street(topics: list[str], street: Any) -> dict[str, Any]:
    return push_body(topics) | {"street": street}


def areas_of(hub: Hub, address: str = ENDPOINT) -> list[str]:
    info = find_subscriber(hub, "webpush", address)
    assert info is not None
    return export_subscriber(hub, info.id)["abonne"]["secteurs"]


async def test_a_browser_chooses_its_area_by_street(client: httpx.AsyncClient, hub: Hub):
    created = await client.post(API, json=with_street(["travaux"], " 12 r. de Meaux "))

    assert created.status_code == 201
    assert created.json() == {"topics": ["travaux"], "area": "Secteur A"}
    assert areas_of(hub) == ["secteur_a"]

    moved = await client.post(API, json=with_street(["travaux"], "Avenue du Général-de-Gaulle"))
    assert moved.json() == {"topics": ["travaux"], "area": "Secteur B"}
    assert areas_of(hub) == ["secteur_b"]

    # Exactly what the page says now: no street, the whole commune again.
    cleared = await client.post(API, json=push_body(["travaux"]))
    assert cleared.status_code == 200
    assert cleared.json() == {"topics": ["travaux"], "area": None}
    assert areas_of(hub) == []


async def test_a_renewal_keeps_the_area(client: httpx.AsyncClient, hub: Hub):
    await client.post(API, json=with_street(["travaux"], "Rue de Meaux"))

    renewed = await client.put(API, json=renew_body())

    assert renewed.status_code == 200
    assert areas_of(hub, RENEWED) == ["secteur_a"]


async def test_an_alert_for_another_area_does_not_reach_the_browser(
    client: httpx.AsyncClient, hub: Hub
):
    await client.post(API, json=with_street(["travaux"], "Rue de Meaux"))
    info = find_subscriber(hub, "webpush", ENDPOINT)
    assert info is not None

    announce(hub, "Coupure d'eau", topics=["travaux"], areas=["secteur_b"])
    release_due(hub)
    assert delivery_count(hub, info.id) == 0

    announce(hub, "Coupure d'eau", topics=["travaux"], areas=["secteur_a"])
    announce(hub, "Marché de Noël", topics=["travaux"])
    release_due(hub)
    assert delivery_count(hub, info.id) == 2


async def test_an_unknown_street_is_refused_with_the_field_to_correct(
    client: httpx.AsyncClient, hub: Hub
):
    response = await client.post(API, json=with_street(["travaux"], "Rue de Nulle-Part"))

    assert response.status_code == 422
    assert response.json() == {
        "error": "La rue « Rue de Nulle-Part » n'est pas dans la liste des rues de la commune.",
        "field": "rue",
    }
    assert list_subscribers(hub) == []


@pytest.mark.parametrize("street", [12, ["Rue de Meaux"], {"rue": "Rue de Meaux"}, None])
async def test_a_street_that_is_not_text_is_a_broken_client(
    client: httpx.AsyncClient, hub: Hub, street: Any
):
    response = await client.post(API, json=with_street(["travaux"], street))

    assert response.status_code == 400
    assert "street" in response.json()["error"]
    assert list_subscribers(hub) == []


async def test_an_overlong_street_is_refused_not_stored(client: httpx.AsyncClient, hub: Hub):
    response = await client.post(API, json=with_street(["travaux"], "Rue de Meaux" * 1000))

    assert response.status_code == 422
    assert len(response.text) < 500
    assert list_subscribers(hub) == []
