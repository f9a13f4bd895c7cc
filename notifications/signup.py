"""A person signs up for e-mail alerts on a page (/alertes/email), with double opt-in.

The page gives the same answer whatever happened here, so that nobody learns from it
whether an address subscribes: a new address gets a confirmation request; one still waiting
for its confirmation gets the request again (the person may have lost it); a confirmed one
is left as it is, topics included, since whoever typed it may not own it. The web front
limits the requests per client and per address.
"""

from __future__ import annotations

from collections.abc import Iterable

from notifications.areas import area_of
from notifications.hub import Hub
from notifications.outbox import send_confirmation_request
from notifications.subscribers import record_subscriber

CHANNEL = "email"


def email_sign_up(hub: Hub, address: str, topics: Iterable[str], street: str | None = None) -> None:
    """ADDRESS asks for the alerts of TOPICS (of STREET's area only, when given);
    InvalidAddress, UnknownTopic, UnknownStreet or InvalidInput (in French) for what cannot be
    subscribed, whoever owns the address."""
    areas = (area_of(hub, street),) if street else ()
    info, created = record_subscriber(hub, CHANNEL, address, tuple(topics), areas=areas)
    if created or (info.active and not info.confirmed):
        send_confirmation_request(hub, info.id)
