"""The alerts' JSON API, each error with a body `{"error": "<French reason>"}`:

- `GET /api/alertes/themes`: the town's topics;
- `GET /api/alertes/cle`: the VAPID public key the browser subscribes with: the configured
  one, else the one made once in the data folder (503 when no key can be had there);
- `POST /api/alertes/webpush` `{"subscription": {endpoint, keys: {p256dh, auth}}, "topics":
  [...], "street": "…"}`: subscribes this browser (201) or replaces its topics and area (200);
  `{"topics": [...], "area": "Secteur A"}` back (`area` null: the whole commune). The street
  is optional; one the town file does not list is refused (422, `"field": "rue"`);
- `PUT /api/alertes/webpush` `{"oldEndpoint": …, "subscription": {…}}`: the service worker's
  report that the push service renewed the subscription; the subscriber keeps its topics
  (200, `{"topics": [...]}`), 404 when the old endpoint is unknown (nothing is recorded);
- `DELETE /api/alertes/webpush` `{"endpoint": …}`: erases that browser's subscription (204,
  also when it was already gone, so that the person's "stop" always succeeds).

Refused requests: 415 not JSON, 413 over 16 KiB, 400 malformed (a broken client), 422 a value
refused (invalid subscription, a push service that is not a browser maker's, unknown topic, no
topic), 503 when the hub's database is not configured or not migrated — the chat keeps working
meanwhile. The three `/api/alertes/webpush` methods change what is stored, so they are also
refused with 403 when a browser says the request comes from another site (`Origin`, or
`Sec-Fetch-Site: cross-site`), and with 429 and `Retry-After` beyond `alerts_rate` per client
(its address past the trusted proxies, an IPv6 one by its /64; counted in this process'
memory).
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from arobase.streets import typed_street
from bot.web.alerts.state import AlertsContext, alerts_context, web_origin
from bot.web.alerts.topics import topics_in_town_order
from bot.web.clients import RateLimit
from bot.web.common import read_json_object, wait_words
from bot.web.frame import sentence
from notifications import (
    Hub,
    HubError,
    UnknownStreet,
    chat_unsubscribe,
    device_moved,
    device_subscribe,
)

logger = logging.getLogger(__name__)

API_PATH = "/api/alertes"
CHANNEL = "webpush"

# Reasons shown to people (the page displays them as they are).
NOT_OBJECT = "La requête doit être un objet JSON."
BAD_SUBSCRIPTION = "Le champ «\u00a0subscription\u00a0» est absent ou n'est pas un objet JSON."
BAD_ENDPOINT = "Le champ «\u00a0endpoint\u00a0» est absent ou n'est pas un texte."
BAD_KEYS = (
    "Le champ «\u00a0keys\u00a0» de l'abonnement doit être un objet avec les textes "
    "«\u00a0p256dh\u00a0» et «\u00a0auth\u00a0»."
)
BAD_CHARACTERS = (
    "L'adresse du service de notification contient des caractères invisibles interdits."
)
BAD_TOPICS = "Le champ «\u00a0topics\u00a0» doit être une liste de thèmes (des textes)."
NO_TOPIC = "Choisissez au moins un thème."
BAD_STREET = "Le champ «\u00a0street\u00a0» doit être un texte."
BAD_OLD_ENDPOINT = "Le champ «\u00a0oldEndpoint\u00a0» est absent ou n'est pas un texte."
DEVICE_UNKNOWN = (
    "Cet appareil n'est plus abonné aux alertes. Abonnez-le de nouveau depuis la page des alertes."
)
FOREIGN_SITE = (
    "Cette demande ne vient pas du site de la mairie, elle a été refusée. Pour recevoir les "
    "alertes, ouvrez la page des alertes sur le site de la mairie."
)


def has_control_characters(text: str) -> bool:
    return any(unicodedata.category(c) in ("Cc", "Cs") for c in text)


@dataclass(frozen=True)
class PushRequest:
    """A browser's request to subscribe: its endpoint, its keys and the topics chosen."""

    endpoint: str
    keys: dict[str, str]
    topics: list[str]
    street: str = ""  # the resident's street as typed; empty: the whole commune


def parse_subscription(subscription: Any) -> tuple[str, dict[str, str]]:
    """A browser's PushSubscription as JSON: its endpoint and keys (values checked by the hub)."""
    if not isinstance(subscription, dict):
        raise HTTPException(400, BAD_SUBSCRIPTION)
    endpoint = subscription.get("endpoint")
    if not isinstance(endpoint, str):
        raise HTTPException(400, BAD_ENDPOINT)
    keys = subscription.get("keys")
    if not isinstance(keys, dict) or not all(
        isinstance(keys.get(name), str) for name in ("p256dh", "auth")
    ):
        raise HTTPException(400, BAD_KEYS)
    if has_control_characters(endpoint):
        raise HTTPException(422, BAD_CHARACTERS)
    return endpoint, {"p256dh": keys["p256dh"], "auth": keys["auth"]}


def parse_push_request(data: dict[str, Any]) -> PushRequest:
    """The shape of POST /api/alertes/webpush."""
    endpoint, keys = parse_subscription(data.get("subscription"))
    topics = data.get("topics")
    if not isinstance(topics, list) or not all(isinstance(t, str) for t in topics):
        raise HTTPException(400, BAD_TOPICS)
    if not topics:
        raise HTTPException(422, NO_TOPIC)
    street = data.get("street", "")
    if not isinstance(street, str):
        raise HTTPException(400, BAD_STREET)
    return PushRequest(endpoint, keys, topics, typed_street(street))


def text_field(data: dict[str, Any], name: str, reason: str) -> str:
    """The text under NAME, or a 400 with REASON."""
    value = data.get(name)
    if not isinstance(value, str):
        raise HTTPException(400, reason)
    return value


async def topics_endpoint(request: Request) -> Response:
    """GET /api/alertes/themes: the topics one may subscribe to."""
    town = alerts_context(request).town
    topics = [
        {"key": key, "label": topic.label, "description": topic.description or ""}
        for key, topic in town.topics.items()
    ]
    return JSONResponse({"topics": topics})


def from_another_site(origin: str | None, fetch_site: str | None, site: frozenset[str]) -> bool:
    """Whether a browser says the request comes from a page of another site than SITE (its
    origins). Without Origin (curl, a mail client, an old browser), only an explicit
    `Sec-Fetch-Site: cross-site` does."""
    if origin is not None:
        return web_origin(origin) not in site
    return (fetch_site or "").strip().lower() == "cross-site"


def too_many_requests(seconds: int) -> str:
    """The 429 reason, with the wait in words a person reads at once."""
    return (
        "Beaucoup de demandes sont venues de votre connexion en peu de temps. "
        f"Merci de réessayer dans {wait_words(seconds)}."
    )


def same_site_only(request: Request, alerts: AlertsContext, reason: str) -> None:
    """403 with REASON when a browser says the request comes from a page of another site than
    this app's own origin or its public address (AROBASE_PUBLIC_URL)."""
    own = web_origin(f"{request_scheme(request, alerts)}://{request.url.netloc}")
    site = alerts.site_origins | ({own} if own else set())
    origin = request.headers.get("origin")
    if from_another_site(origin, request.headers.get("sec-fetch-site"), site):
        logger.info("Refused %s from another site (Origin %r)", request.url.path, origin)
        raise HTTPException(403, reason)


def within_rate(request: Request, alerts: AlertsContext, limit: RateLimit, kind: str) -> None:
    """429 with Retry-After beyond LIMIT for this client, KIND's requests counted apart."""
    client = alerts.clients.limit_key(request)
    if not limit.hit(kind, client):
        seconds = limit.retry_after(kind, client)
        raise HTTPException(429, too_many_requests(seconds), headers={"retry-after": str(seconds)})


def guard_change(request: Request, alerts: AlertsContext) -> None:
    """Before a state change: 403 when a browser says it comes from another site (a page
    elsewhere cannot subscribe its visitors' browsers, nor stop them), 429 beyond the client's
    rate (one client cannot fill the outbox with subscriptions)."""
    same_site_only(request, alerts, FOREIGN_SITE)
    within_rate(request, alerts, alerts.limit, CHANNEL)


def request_scheme(request: Request, alerts: AlertsContext) -> str:
    """The scheme the browser used: https behind a trusted proxy that says so."""
    return "https" if alerts.clients.is_https(request) else request.url.scheme


async def key_endpoint(request: Request) -> Response:
    """GET /api/alertes/cle: the VAPID public key, once Web Push and the database are ready."""
    alerts = alerts_context(request)
    public_key = await alerts.public_key()
    await alerts.hub()
    return JSONResponse({"publicKey": public_key})


async def subscribe_endpoint(request: Request) -> Response:
    """POST /api/alertes/webpush: this browser subscribes, or changes its topics."""
    alerts = alerts_context(request)
    guard_change(request, alerts)
    await alerts.public_key()  # no subscription the town cannot send to
    wanted = parse_push_request(await read_json_object(request, NOT_OBJECT))
    try:
        info, created = await alerts.run(
            device_subscribe,
            CHANNEL,
            wanted.endpoint,
            wanted.keys,
            wanted.topics,
            wanted.street or None,
        )
    except UnknownStreet as error:  # the page points at the street field
        return JSONResponse({"error": sentence(str(error)), "field": "rue"}, status_code=422)
    except HubError as error:
        raise HTTPException(422, sentence(str(error))) from error
    topics = topics_in_town_order(alerts.town, info.topics)
    areas = alerts.town.areas
    area = next((areas[key].name for key in info.areas if key in areas), None)
    return JSONResponse({"topics": topics, "area": area}, status_code=201 if created else 200)


async def renew_endpoint(request: Request) -> Response:
    """PUT /api/alertes/webpush: the push service renewed this browser's subscription."""
    alerts = alerts_context(request)
    guard_change(request, alerts)
    data = await read_json_object(request, NOT_OBJECT)
    previous = text_field(data, "oldEndpoint", BAD_OLD_ENDPOINT)
    endpoint, keys = parse_subscription(data.get("subscription"))
    if has_control_characters(previous):  # never stored (see parse_subscription)
        raise HTTPException(404, DEVICE_UNKNOWN)
    try:
        info = await alerts.run(device_moved, CHANNEL, previous, endpoint, keys)
    except HubError as error:
        raise HTTPException(422, sentence(str(error))) from error
    if info is None:
        raise HTTPException(404, DEVICE_UNKNOWN)
    return JSONResponse({"topics": topics_in_town_order(alerts.town, info.topics)})


def _erase_device(hub: Hub, endpoint: str) -> None:
    """Erase the subscriber of this endpoint and everything held on it, if there is one."""
    if not has_control_characters(endpoint):  # else never stored (see parse_subscription)
        chat_unsubscribe(hub, CHANNEL, endpoint.strip(), None)  # all topics: all erased


async def unsubscribe_endpoint(request: Request) -> Response:
    """DELETE /api/alertes/webpush: this browser stops; everything held on it is erased."""
    alerts = alerts_context(request)
    guard_change(request, alerts)
    endpoint = text_field(await read_json_object(request, NOT_OBJECT), "endpoint", BAD_ENDPOINT)
    await alerts.run(_erase_device, endpoint)
    return Response(status_code=204)


def api_routes() -> list[Route]:
    """The API's routes, for the web app."""
    webpush = f"{API_PATH}/webpush"
    return [
        Route(f"{API_PATH}/themes", topics_endpoint, methods=["GET"]),
        Route(f"{API_PATH}/cle", key_endpoint, methods=["GET"]),
        Route(webpush, subscribe_endpoint, methods=["POST"]),
        Route(webpush, renew_endpoint, methods=["PUT"]),
        Route(webpush, unsubscribe_endpoint, methods=["DELETE"]),
    ]
