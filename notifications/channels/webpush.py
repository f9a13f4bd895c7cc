"""The Web Push channel: a browser's subscription as the address, a small JSON as the message.

The address is the subscription's endpoint, the params its keys {"p256dh", "auth"}; the
endpoint must be an https URL of a known push service (push_services.py), read as the HTTP
client will read it, since the worker posts to it. The sender (pywebpush, aiohttp) is in
webpush_sender.py, imported only when the worker builds the channel.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from yarl import URL

from notifications.channels.base import AddressContext, ChannelPlugin, Params
from notifications.channels.push_services import PushPolicy
from notifications.errors import InvalidAddress, InvalidInput
from notifications.hosts import canonical_host, is_local, origin
from notifications.records import Envelope
from notifications.render import plain_body, plain_title
from notifications.vapid import b64url, b64url_decode, town_vapid_keys

if TYPE_CHECKING:
    from arobase.settings import Settings

P256DH_BYTES, AUTH_BYTES = 65, 16
PUSH_MAX_BYTES = 3000  # under the 4 KB that push services accept, after encryption overhead
UNKNOWN_SERVICE = (
    "ce service de notification n'est pas reconnu : seuls ceux des navigateurs courants "
    "(Chrome, Firefox, Edge, Safari) sont acceptés"
)
UNREADABLE_ENDPOINT = "l'adresse du service de notification est illisible"
OTHER_PORT = (
    "l'adresse du service de notification indique un port inhabituel : seul le port 443 "
    "(celui de https) est accepté"
)


def webpush_address(address: str, params: Params, context: AddressContext) -> tuple[str, Params]:
    """A browser's push subscription: its JSON as the address, or its endpoint and keys."""
    text = address.strip()
    if text.startswith("{"):
        endpoint, keys = _subscription_json(text)
    else:
        endpoint, keys = text, params
    return _endpoint(endpoint, context.push), {
        "p256dh": _key(keys.get("p256dh"), P256DH_BYTES, "p256dh"),
        "auth": _key(keys.get("auth"), AUTH_BYTES, "auth"),
    }


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
    try:
        host = canonical_host(raw_host)
    except InvalidAddress as error:
        raise InvalidAddress(UNREADABLE_ENDPOINT) from error
    return parsed.scheme.lower(), host, port


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


def push_payload(envelope: Envelope) -> dict[str, Any]:
    """The JSON the town's service worker shows as a notification."""
    first = envelope.notices[-1]
    body = plain_body(envelope) if envelope.is_digest else first.body
    payload: dict[str, Any] = {
        "title": plain_title(envelope),
        "body": body,
        "url": first.link,
        "tag": f"arobase-{first.message_id}",
        "urgent": any(n.urgent for n in envelope.notices),
        "unsubscribe": envelope.unsubscribe_url,
    }
    # Stop once the body is gone: a huge title or link alone must not loop for ever.
    while len(json.dumps(payload, ensure_ascii=False).encode()) > PUSH_MAX_BYTES and payload[
        "body"
    ] not in ("", "…"):
        payload["body"] = payload["body"][: max(0, len(payload["body"]) - 200)].rstrip() + "…"
    return payload


def push_preview(envelope: Envelope) -> str:
    return json.dumps(push_payload(envelope), ensure_ascii=False, indent=1)


def webpush_signing_key(settings: Settings) -> str:
    """The town's VAPID private key (configured, or made once in the data folder); InvalidInput
    when only the public key is configured here, since the worker signs every push."""
    keys = town_vapid_keys(settings)
    if not keys.private_key:
        raise InvalidInput(
            "AROBASE_WEBPUSH_PUBLIC_KEY est défini sans AROBASE_WEBPUSH_PRIVATE_KEY : le worker "
            "signe chaque notification, donnez-lui la clé privée (ou laissez les deux vides)"
        )
    return keys.private_key


PLUGIN = ChannelPlugin(
    name="webpush",
    phrase="sur votre appareil (téléphone, tablette ou ordinateur)",
    validate=webpush_address,
    render=push_preview,
    destination=origin,  # readable: "https://fcm.googleapis.com"
)
