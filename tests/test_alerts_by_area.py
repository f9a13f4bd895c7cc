"""Alerts by area: a subscriber chooses their area (by street, as typed), a message may be for
some areas; the fan-out reaches only those areas' subscribers and those who chose none, and
the audience estimate says so first (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from notifications.areas import area_of, check_areas
from notifications.errors import InvalidInput
from notifications.hub import Hub
from notifications.messages import announce
from notifications.outbox import release_due
from notifications.reach import audience
from notifications.store.tables import DeliveryRow
from notifications.subscribers import add_subscriber, export_subscriber

STREETS = {
    "06 11 11 11 11": "12 rue de Meaux",  # secteur A
    "06 22 22 22 22": "3 bis, av. du Général-de-Gaulle",  # secteur B
    "06 33 33 33 33": None,  # the whole commune
}


def enrol(hub: Hub) -> dict[str, int]:
    ids = {}
    for number, street in STREETS.items():
        areas = (area_of(hub, street),) if street else ()
        ids[number] = add_subscriber(hub, "sms", number, ["travaux"], areas=areas).id
    return ids


def reached(hub: Hub, message_id: int) -> set[int]:
    with hub.db.session() as session:
        rows = session.query(DeliveryRow.subscriber_id).filter_by(message_id=message_id)
        return {subscriber for (subscriber,) in rows}


def test_a_message_for_an_area_reaches_only_its_streets_and_the_whole_commune_s(
    hub: Hub,
) -> None:
    ids = enrol(hub)
    assert audience(hub, ["travaux"], ["secteur_a"])["sms"] == 2
    assert audience(hub, ["travaux"])["sms"] == 3

    message = announce(hub, "Coupure d'eau", topics=["travaux"], areas=["secteur_a"])
    everyone = announce(hub, "Marché de Noël", topics=["travaux"])
    release_due(hub)

    assert message.areas == ("secteur_a",)
    assert reached(hub, message.id) == {ids["06 11 11 11 11"], ids["06 33 33 33 33"]}
    assert reached(hub, everyone.id) == set(ids.values())


def test_the_area_is_held_and_exported_with_the_subscriber(hub: Hub) -> None:
    ids = enrol(hub)
    assert export_subscriber(hub, ids["06 22 22 22 22"])["abonne"]["secteurs"] == ["secteur_b"]
    assert export_subscriber(hub, ids["06 33 33 33 33"])["abonne"]["secteurs"] == []


def test_an_unknown_street_or_area_is_refused_in_french(hub: Hub) -> None:
    with pytest.raises(InvalidInput, match="n'est pas dans la liste des rues de la commune"):
        area_of(hub, "rue de Nulle-Part")
    with pytest.raises(InvalidInput, match="secteur inconnu « secteur_z »"):
        check_areas(hub, ["secteur_a", "secteur_z"])
    with pytest.raises(InvalidInput, match="secteur inconnu"):
        announce(hub, "Coupure", topics=["travaux"], areas=["secteur_z"])
