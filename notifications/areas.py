"""The parts of the commune (the town file's `areas`) a subscriber chooses and a message is
for: checked by key, or found from a street as a resident types it (arobase/streets.py); a
chat's subscriber choosing its own."""

from __future__ import annotations

from collections.abc import Iterable

from arobase.streets import area_of_street
from notifications.errors import InvalidInput, UnknownStreet
from notifications.hub import Hub
from notifications.records import SubscriberInfo
from notifications.store import subscribers as store


def check_areas(hub: Hub, areas: Iterable[str]) -> tuple[str, ...]:
    """The areas, deduplicated in the town file's order, each known to it; InvalidInput (in
    French) otherwise. None chosen: the whole commune."""
    wanted = {area.strip() for area in areas}
    unknown = sorted(wanted - set(hub.town.areas))
    if unknown:
        raise InvalidInput(f"secteur inconnu « {unknown[0]} »")
    return tuple(key for key in hub.town.areas if key in wanted)


def area_of(hub: Hub, street: str) -> str:
    """The area of STREET as typed (« 12 av. de la Gare »); UnknownStreet, in French, for a
    street the town file does not list."""
    found = area_of_street(hub.town.streets, street)
    if found is None:
        raise UnknownStreet(
            f"la rue « {street.strip()} » n'est pas dans la liste des rues de la commune"
        )
    return found


def chat_choose_area(
    hub: Hub, channel: str, address: str, street: str | None
) -> SubscriberInfo | None:
    """A chat's subscriber receives the alerts of STREET's area besides the whole commune's
    (None: of every area again); None when the chat does not subscribe. UnknownStreet, in
    French, for a street the town file does not list: nothing changes."""
    areas = (area_of(hub, street),) if street else ()
    return store.set_areas(hub.db, channel, address.strip(), areas)
