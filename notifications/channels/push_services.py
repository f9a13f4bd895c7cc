"""Which push services a browser's subscription may name: browser makers' and the town's own."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING

from notifications.errors import InvalidAddress, InvalidInput
from notifications.hosts import HOST_NAME, canonical_host, host_ip

if TYPE_CHECKING:
    from arobase.settings import Settings

# The push services of browser makers, the only ones a browser subscribes with: a host name,
# or ".domain" for any of its subdomains. A town may add others (AROBASE_WEBPUSH_SERVICES).
KNOWN_PUSH_SERVICES = (
    "fcm.googleapis.com",  # Chrome, Edge on Android, Opera, Samsung Internet… (FCM)
    "android.googleapis.com",  # FCM's former name, in subscriptions made years ago
    ".push.services.mozilla.com",  # Firefox (autopush)
    ".notify.windows.com",  # Edge on Windows (WNS)
    ".push.apple.com",  # Safari (Apple Web Push)
)


@dataclass(frozen=True)
class PushPolicy:
    """The push services a subscription may name: the known ones and the town's (SERVICES);
    LOCAL_OK also accepts endpoints on this machine or a private network, http included (tests
    only: anyone may post a subscription, and the worker then posts to its endpoint)."""

    services: tuple[str, ...] = KNOWN_PUSH_SERVICES
    local_ok: bool = False

    def knows(self, host: str) -> bool:
        """Whether HOST (canonical, see canonical_host) is one of the services."""
        return any(
            host.endswith(service) and len(host) > len(service)
            if service.startswith(".")
            else host == service
            for service in self.services
        )


# The policy of a server: browsers' push services only.
KNOWN_SERVICES_ONLY = PushPolicy()


def push_policy(settings: Settings) -> PushPolicy:
    """The policy of AROBASE_WEBPUSH_SERVICES and AROBASE_WEBPUSH_ALLOW_LOCAL (InvalidInput
    naming a service that is not a host name)."""
    return _push_policy(settings.webpush_services, settings.webpush_allow_local)


@functools.cache
def _push_policy(services: str, local_ok: bool) -> PushPolicy:
    return PushPolicy(KNOWN_PUSH_SERVICES + parse_push_services(services), local_ok)


def parse_push_services(spec: str) -> tuple[str, ...]:
    """ "push.example.net .push.example.org" → canonical names (a leading "." kept)."""
    services = []
    for entry in spec.replace(",", " ").split():
        dot, name = (".", entry[1:]) if entry.startswith(".") else ("", entry)
        try:
            host = canonical_host(name)
        except InvalidAddress:
            host = ""
        if not HOST_NAME.fullmatch(host) or host_ip(host) is not None:
            raise InvalidInput(
                f"AROBASE_WEBPUSH_SERVICES : « {entry} » n'est pas un nom de serveur "
                "(écrivez par exemple push.example.net, ou .example.net pour ses sous-domaines)"
            )
        services.append(dot + host)
    return tuple(services)
