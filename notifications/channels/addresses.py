"""Check and normalise subscribers' addresses, one rule per channel (no network).

Each rule takes what a person typed (or a browser sent) and returns the (address, params) to
store, or raises InvalidAddress with a reason in plain French.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import logging
import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import apprise
from cryptography.hazmat.primitives.asymmetric import ec
from email_validator import EmailNotValidError, validate_email

from notifications.channels import check_channel
from notifications.channels.base import AddressBook
from notifications.errors import InvalidAddress
from notifications.vapid import b64url, b64url_decode

MAX_ADDRESS = 2000  # the column's size
CHAT_ID = re.compile(r"-?\d{1,20}")
P256DH_BYTES, AUTH_BYTES = 65, 16
TOPIC = re.compile(r"[a-z0-9_-]+")


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


def webpush_address(
    address: str, params: dict[str, Any], local_ok: bool = False
) -> tuple[str, dict[str, Any]]:
    """A browser's push subscription: its JSON as the address, or its endpoint and keys."""
    text = address.strip()
    if text.startswith("{"):
        endpoint, keys = _subscription_json(text)
    else:
        endpoint, keys = text, params
    return _endpoint(endpoint, local_ok), {
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


# The rules that need only the address; webpush_address also takes `local_ok`.
ADDRESS_BOOKS: dict[str, AddressBook] = {
    "telegram": telegram_address,
    "email": email_address,
    "apprise": apprise_address,
}


def validate_address(
    channel: str, address: str, params: dict[str, Any] | None = None, *, local_ok: bool = False
) -> tuple[str, dict[str, Any]]:
    """The normalised (address, params) for `channel`; InvalidAddress says why not.

    LOCAL_OK accepts Web Push endpoints on this machine or a private network (tests only:
    anyone may post a subscription, and the worker then posts to its endpoint).
    """
    check_channel(channel)
    if not address or not address.strip():
        raise InvalidAddress("l'adresse est vide")
    if len(address) > MAX_ADDRESS:
        raise InvalidAddress(f"l'adresse est trop longue (plus de {MAX_ADDRESS} caractères)")
    if channel == "webpush":
        return webpush_address(address, dict(params or {}), local_ok)
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


def _endpoint(url: str, local_ok: bool = False) -> str:
    """A public https endpoint (local ones, http included, only when LOCAL_OK: tests)."""
    if any(ord(c) < 32 or ord(c) == 127 for c in url):
        raise InvalidAddress(
            "l'adresse du service de notification contient des caractères invalides"
        )
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError as error:
        raise InvalidAddress("l'adresse du service de notification est illisible") from error
    if not host:
        raise InvalidAddress("l'abonnement n'a pas d'adresse de service de notification")
    if local_ok and parts.scheme in ("http", "https") and is_local(host):
        return url
    if parts.scheme != "https":
        raise InvalidAddress("l'adresse du service de notification doit commencer par https://")
    if is_local(host):
        # The worker posts to this address: never let it reach this machine or its network.
        raise InvalidAddress("l'adresse du service de notification n'est pas publique")
    return url


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
    """True for this machine and private, link-local or reserved IP addresses, in any spelling.

    Numeric hosts are read as the socket layer reads them (127.1, 2130706433, 0x7f000001 are
    127.0.0.1). A public name that resolves to a private address is not caught: no DNS here.
    """
    name = host.lower().removesuffix(".")  # "localhost." is localhost
    if name == "localhost" or name.endswith((".localhost", ".local", ".internal")):
        return True
    ip = _host_ip(name)
    if ip is None:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_multicast
        or ip.is_unspecified
        or not ip.is_global  # also 100.64.0.0/10, shared by carriers' NAT
    )


def _host_ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The IP address HOST stands for when it is numeric (any IPv4 form inet_aton reads)."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    try:  # 127.1, 2130706433, 0x7f000001, 0177.0.0.1: all still 127.0.0.1 to a client
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except (OSError, UnicodeError, ValueError):
        return None
