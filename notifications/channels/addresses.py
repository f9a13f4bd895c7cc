"""Check and normalise subscribers' addresses, one rule per channel (no network).

Each rule takes what a person typed (or a browser sent) and returns the (address, params) to
store, or raises InvalidAddress with a reason in plain French.
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import json
import logging
import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import apprise
from cryptography.hazmat.primitives.asymmetric import ec
from email_validator import EmailNotValidError, validate_email
from yarl import URL

from notifications.channels import check_channel
from notifications.channels.base import AddressBook
from notifications.errors import InvalidAddress, InvalidInput
from notifications.vapid import b64url, b64url_decode

if TYPE_CHECKING:
    from arobase.settings import Settings

MAX_ADDRESS = 2000  # the column's size
CHAT_ID = re.compile(r"-?\d{1,20}")
P256DH_BYTES, AUTH_BYTES = 65, 16
TOPIC = re.compile(r"[a-z0-9_-]+")
# A host name once IDNA has made it ASCII: letters, digits, inner hyphens; and underscores,
# which resolvers accept (some intranet and CDN names have them), unlike "%", "/" or "@".
_LABEL = r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?"
HOST_NAME = re.compile(rf"(?:{_LABEL}\.)*{_LABEL}")
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # RFC 6052: the IPv4 address is the last 32 bits

# The push services of browser makers, the only ones a browser subscribes with: a host name,
# or ".domain" for any of its subdomains. A town may add others (AROBASE_WEBPUSH_SERVICES).
KNOWN_PUSH_SERVICES = (
    "fcm.googleapis.com",  # Chrome, Edge on Android, Opera, Samsung Internet… (FCM)
    "android.googleapis.com",  # FCM's former name, in subscriptions made years ago
    ".push.services.mozilla.com",  # Firefox (autopush)
    ".notify.windows.com",  # Edge on Windows (WNS)
    ".push.apple.com",  # Safari (Apple Web Push)
)
UNKNOWN_SERVICE = (
    "ce service de notification n'est pas reconnu : seuls ceux des navigateurs courants "
    "(Chrome, Firefox, Edge, Safari) sont acceptés"
)
UNREADABLE_ENDPOINT = "l'adresse du service de notification est illisible"
OTHER_PORT = (
    "l'adresse du service de notification indique un port inhabituel : seul le port 443 "
    "(celui de https) est accepté"
)


def telegram_address(address: str, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """A chat id: digits, with a leading "-" for a group."""
    text = address.strip()
    if not CHAT_ID.fullmatch(text):
        raise InvalidAddress(f"« {address} » n'est pas un identifiant de conversation Telegram")
    return str(int(text)), {}


def email_address(address: str, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """An e-mail address, normalised (domain in lower case), without asking the DNS."""
    text = address.strip()
    if "@" not in text:
        raise InvalidAddress(f"« {address} » n'est pas une adresse e-mail : il manque le @")
    try:
        checked = validate_email(text, check_deliverability=False)
    except EmailNotValidError as error:
        raise InvalidAddress(f"« {address} » n'est pas une adresse e-mail valide") from error
    return checked.normalized, {}


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
        if not HOST_NAME.fullmatch(host) or _host_ip(host) is not None:
            raise InvalidInput(
                f"AROBASE_WEBPUSH_SERVICES : « {entry} » n'est pas un nom de serveur "
                "(écrivez par exemple push.example.net, ou .example.net pour ses sous-domaines)"
            )
        services.append(dot + host)
    return tuple(services)


def webpush_address(
    address: str, params: dict[str, Any], policy: PushPolicy = KNOWN_SERVICES_ONLY
) -> tuple[str, dict[str, Any]]:
    """A browser's push subscription: its JSON as the address, or its endpoint and keys."""
    text = address.strip()
    if text.startswith("{"):
        endpoint, keys = _subscription_json(text)
    else:
        endpoint, keys = text, params
    return _endpoint(endpoint, policy), {
        "p256dh": _key(keys.get("p256dh"), P256DH_BYTES, "p256dh"),
        "auth": _key(keys.get("auth"), AUTH_BYTES, "auth"),
    }


def apprise_address(address: str, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """A URL that apprise knows how to notify (ntfy://…, matrix://…, json://…)."""
    text = address.strip()
    if load_apprise(text) is None:
        # Never repeat the URL: it may hold a password or a token.
        raise InvalidAddress("adresse apprise invalide : ce service ou cette URL est inconnu")
    return text, {}


# The rules that need only the address; webpush_address also takes a PushPolicy.
ADDRESS_BOOKS: dict[str, AddressBook] = {
    "telegram": telegram_address,
    "email": email_address,
    "apprise": apprise_address,
}


def validate_address(
    channel: str,
    address: str,
    params: dict[str, Any] | None = None,
    *,
    push: PushPolicy = KNOWN_SERVICES_ONLY,
) -> tuple[str, dict[str, Any]]:
    """The normalised (address, params) for `channel`; InvalidAddress says why not. PUSH
    says which push services a Web Push subscription may name (push_policy(settings))."""
    check_channel(channel)
    if not address or not address.strip():
        raise InvalidAddress("l'adresse est vide")
    if len(address) > MAX_ADDRESS:
        raise InvalidAddress(f"l'adresse est trop longue (plus de {MAX_ADDRESS} caractères)")
    if channel == "webpush":
        return webpush_address(address, dict(params or {}), push)
    return ADDRESS_BOOKS[channel](address, dict(params or {}))


# --- Web Push -------------------------------------------------------------------------------


def _subscription_json(text: str) -> tuple[str, dict[str, Any]]:
    """The endpoint and keys of `JSON.stringify(pushSubscription)`."""
    try:
        subscription = json.loads(text)
    except ValueError as error:
        raise InvalidAddress("l'abonnement du navigateur n'est pas du JSON valide") from error
    if not isinstance(subscription, dict) or not isinstance(subscription.get("keys"), dict):
        raise InvalidAddress("l'abonnement du navigateur n'a pas de clés (keys)")
    return str(subscription.get("endpoint") or ""), subscription["keys"]


def _endpoint(url: str, policy: PushPolicy) -> str:
    """An https endpoint of a known push service (local ones, http included, when the policy
    allows them: tests), checked on its host as the HTTP client will read it."""
    if any(ord(c) < 32 or ord(c) == 127 for c in url):
        raise InvalidAddress(
            "l'adresse du service de notification contient des caractères invalides"
        )
    scheme, host, port = _scheme_host_and_port(url)
    if policy.local_ok and scheme in ("http", "https") and is_local(host):
        return url
    if scheme != "https":
        raise InvalidAddress("l'adresse du service de notification doit commencer par https://")
    if is_local(host):
        # The worker posts to this address: never let it reach this machine or its network.
        raise InvalidAddress("l'adresse du service de notification n'est pas publique")
    if not policy.knows(host):
        raise InvalidAddress(UNKNOWN_SERVICE)
    if port not in (None, 443):
        # Push services answer on 443. Another port of a known host is a destination of its
        # own for the worker's per-destination cap, and a filtered port hangs every send
        # until its timeout: one client could hold the channel with hosts it does not own.
        raise InvalidAddress(OTHER_PORT)
    return url


def _scheme_host_and_port(url: str) -> tuple[str, str, int | None]:
    """The scheme, canonical host and explicit port of URL, read by yarl as aiohttp will
    when it posts. A port that the standard library reads otherwise (":+443", full-width
    or Arabic-Indic digits, which yarl takes) is unreadable: the worker's per-destination
    cap reads endpoints with urllib, and would leave such an endpoint uncapped."""
    try:
        parsed = URL(url)
        raw_host, port = parsed.raw_host, parsed.explicit_port
        written_port = urlsplit(url).port
    except (ValueError, UnicodeError) as error:
        raise InvalidAddress(UNREADABLE_ENDPOINT) from error
    if not raw_host:
        raise InvalidAddress("l'abonnement n'a pas d'adresse de service de notification")
    if parsed.raw_user is not None or parsed.raw_password is not None:
        raise InvalidAddress(UNREADABLE_ENDPOINT)  # no push service takes a login in its URL
    if written_port != port:
        raise InvalidAddress(UNREADABLE_ENDPOINT)
    return parsed.scheme.lower(), canonical_host(raw_host), port


def canonical_host(host: str) -> str:
    """HOST as the HTTP client connects to it: NFKC and IDNA (UTS 46) applied as yarl applies
    them (full-width letters, digits and dots become ASCII), lower case, no trailing dot.

    InvalidAddress when it is neither a host name nor an IP address once normalised (an
    encoding that fails, a "/" or "%" that appears, an empty label).
    """
    text = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        raw = URL.build(scheme="https", host=text).raw_host or ""
    except (ValueError, UnicodeError) as error:
        raise InvalidAddress(UNREADABLE_ENDPOINT) from error
    name = raw.lower().removesuffix(".")
    if not (HOST_NAME.fullmatch(name) or (":" in name and _host_ip(name) is not None)):
        raise InvalidAddress(UNREADABLE_ENDPOINT)
    return name


def _key(value: Any, size: int, name: str) -> str:
    """A base64url key of `size` bytes, rewritten without padding."""
    try:
        raw = b64url_decode(str(value)) if value else b""
    except ValueError:
        raw = b""
    if len(raw) != size:
        raise InvalidAddress(f"la clé {name} de l'abonnement est invalide")
    if name == "p256dh":
        try:  # a point off the curve would make every encryption fail later
            ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
        except ValueError as error:
            raise InvalidAddress("la clé p256dh de l'abonnement est invalide") from error
    return b64url(raw)


# --- apprise --------------------------------------------------------------------------------


@contextmanager
def _apprise_muted() -> Iterator[None]:
    """Silence apprise while it parses: it logs a URL it cannot parse as is, secrets included."""
    log = logging.getLogger(apprise.LOGGER_NAME)
    was_disabled, log.disabled = log.disabled, True
    try:
        yield
    finally:
        log.disabled = was_disabled


def load_apprise(url: str) -> apprise.Apprise | None:
    """An Apprise object notifying `url`, or None when apprise cannot use the URL."""
    target = apprise.Apprise()
    with _apprise_muted():
        added = target.add(url)
    return target if added and len(target) == 1 else None


def private_url(target: apprise.Apprise) -> str:
    """The target's URL with secrets masked and without options, for logs and statuses."""
    return str(target[0].url(privacy=True)).split("?", 1)[0]


@dataclass(frozen=True)
class BroadcastTarget:
    """A town-wide apprise target (the town's Mastodon account, a Matrix room…)."""

    name: str  # stable and secret-free: scheme and a short hash of the URL
    url: str
    topics: frozenset[str]  # empty: every topic

    def wants(self, topics: frozenset[str] | set[str]) -> bool:
        return not self.topics or bool(self.topics & topics)

    def __repr__(self) -> str:  # the URL may hold a token: never print it
        return f"BroadcastTarget(name={self.name!r}, topics={sorted(self.topics)!r})"


def parse_broadcast_targets(spec: str) -> list[BroadcastTarget]:
    """AROBASE_APPRISE_BROADCAST: space-separated `URL` or `topic1,topic2=URL` entries."""
    targets: list[BroadcastTarget] = []
    for number, entry in enumerate(spec.split(), start=1):
        target = _broadcast_target(entry, number)
        if any(t.name == target.name for t in targets):
            raise InvalidAddress(f"AROBASE_APPRISE_BROADCAST, cible n° {number} : en double")
        targets.append(target)
    return targets


def _broadcast_target(entry: str, number: int) -> BroadcastTarget:
    where = f"AROBASE_APPRISE_BROADCAST, cible n° {number}"
    prefix, equals, rest = entry.partition("=")
    # "=" also appears in URL options (?format=text): topics come only before any "://".
    if equals and "://" not in prefix:
        topics, url = frozenset(t.strip().lower() for t in prefix.split(",") if t.strip()), rest
        bad = sorted(t for t in topics if not TOPIC.fullmatch(t))
        if not topics or bad:
            raise InvalidAddress(f"{where} : thèmes illisibles avant « = »")
    else:
        topics, url = frozenset(), entry
    if load_apprise(url) is None:
        raise InvalidAddress(f"{where} : URL apprise invalide")
    return BroadcastTarget(broadcast_name(url), url, topics)


def broadcast_name(url: str) -> str:
    """'ntfy-3f2a9c1d': the scheme and a short hash, stable across restarts, no secret."""
    scheme = urlsplit(url).scheme.lower() or "apprise"
    return f"{scheme}-{hashlib.sha256(url.encode()).hexdigest()[:8]}"


def is_local(host: str) -> bool:
    """True for this machine and private, link-local or reserved IP addresses, in any spelling,
    and for a host that no client could read (what cannot be checked is never reached).

    The host is first read as the HTTP client reads it (canonical_host: full-width digits are
    digits), numeric hosts as the socket layer reads them (127.1, 2130706433, 0x7f000001 are
    127.0.0.1), and an IPv6 address that carries an IPv4 one (IPv4-mapped, 6to4, NAT64) is
    judged by that IPv4 address. A public name that resolves to a private address is not
    caught: no DNS here (the allowlist of push services is what keeps such names out).
    """
    try:
        name = canonical_host(host)
    except InvalidAddress:
        return True
    if name == "localhost" or name.endswith((".localhost", ".local", ".internal")):
        return True
    ip = _host_ip(name)
    if ip is None:
        return False
    ip = carried_ipv4(ip)
    return (
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_multicast
        # fec0::/10, site-local: deprecated, but still routed inside some networks.
        or (isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local)
        or ip.is_unspecified
        or not ip.is_global  # also 100.64.0.0/10 (carriers' NAT), Teredo's 2001::/32
    )


def carried_ipv4(ip: Address) -> Address:
    """The IPv4 address that packets to IP really reach when IP only carries one: IPv4-mapped
    (::ffff:127.0.0.1), 6to4 (2002:7f00:1::), NAT64 (64:ff9b::7f00:1); else IP itself."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return ip
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip


def _host_ip(host: str) -> Address | None:
    """The IP address HOST stands for when it is numeric (any IPv4 form inet_aton reads)."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    try:  # 127.1, 2130706433, 0x7f000001, 0177.0.0.1: all still 127.0.0.1 to a client
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except (OSError, UnicodeError, ValueError):
        return None
