"""Residents' alerts on the web: confirm an e-mail subscription, unsubscribe, Web Push.

Pages (HTML, plain French), reached from the links of the hub's messages:
- `GET /alertes/confirmer?jeton=…`: the e-mail double opt-in's page, with one button (mail
  scanners open links, so a GET never confirms); `POST` the same URL confirms. A link not
  used within `confirm_days` has expired: 410 page, and the subscriber is erased (the period
  the privacy page states is over); 404 page for an unknown link;
- `GET /alertes/desabonnement?jeton=…`: a page with one button (mail scanners open links, so
  a GET never unsubscribes); `POST` the same URL unsubscribes and erases the subscriber. A
  mail client's RFC 8058 one-click POST (`List-Unsubscribe=One-Click`) is the same POST: the
  token in the URL is the secret, so the body is not read;
- `GET /alertes`: the page where a person subscribes this device to Web Push alerts;
- `GET /sw.js`: the service worker that shows them, at the root so that it controls the site.

JSON API, each error with a body `{"error": "<French reason>"}`:
- `GET /api/alertes/themes`: the town's topics;
- `GET /api/alertes/cle`: the VAPID public key the browser subscribes with: the configured
  one, else the one made once in the data folder (503 when no key can be had there);
- `POST /api/alertes/webpush` `{"subscription": {endpoint, keys: {p256dh, auth}}, "topics":
  [...]}`: subscribes this browser (201) or replaces its topics (200), `{"topics": [...]}` back;
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

import asyncio
import functools
import html
import logging
import re
import time
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from arobase.hours_text import days_text
from arobase.replies import call_the_hall, hall_phone
from arobase.settings import Settings
from arobase.town import Town
from bot.web.clients import Clients, RateLimit, parse_networks
from bot.web.common import (
    STATIC_DIR,
    commune_with_de,
    read_json_object,
    render_page,
    wait_words,
)
from notifications.channels.addresses import push_policy
from notifications.destinations import origin
from notifications.errors import HubError, InvalidInput, StorageError
from notifications.hub import Clock, Hub, assistant_clock, hub_problem, open_hub
from notifications.subscribers import (
    ConfirmationLink,
    LinkState,
    SubscriberInfo,
    chat_unsubscribe,
    confirm_by_token,
    confirmation_link_opened,
    device_moved,
    device_subscribe,
    subscriber_by_token,
    unsubscribe_by_token,
)
from notifications.vapid import configured_vapid_keys, town_vapid_keys

logger = logging.getLogger(__name__)
T = TypeVar("T")
Endpoint = Callable[[Request], Awaitable[Response]]

CHANNEL = "webpush"
RECHECK_SECONDS = 10.0  # how often an unusable database is looked at again
NO_STORE = {"cache-control": "no-store"}  # pages that carry a subscriber's token
# Link tokens are secrets.token_urlsafe(24); anything else is unknown without asking the
# database (PostgreSQL refuses a NUL byte in a query's text, for one).
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")

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
BAD_OLD_ENDPOINT = "Le champ «\u00a0oldEndpoint\u00a0» est absent ou n'est pas un texte."
DEVICE_UNKNOWN = (
    "Cet appareil n'est plus abonné aux alertes. Abonnez-le de nouveau depuis la page des alertes."
)
FOREIGN_SITE = (
    "Cette demande ne vient pas du site de la mairie, elle a été refusée. Pour recevoir les "
    "alertes, ouvrez la page des alertes sur le site de la mairie."
)

CHANNEL_PHRASES = {
    "email": "par e-mail",
    "webpush": "sur votre appareil (téléphone, tablette ou ordinateur)",
    "apprise": "par le service que vous avez choisi",
}

# The small pages (confirmation, unsubscription, unknown link, privacy notice) share this
# frame; render_page fills the town's details. Its links are relative, since the app may sit
# under a path prefix: {{to_root}} leads from the page's folder to the app's root.
FRAME = """<!doctype html>
<html lang="fr">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="robots" content="noindex">
  <title>{{title}} – Mairie {{de_commune}}</title>
  <link rel="stylesheet" href="{{to_root}}static/chat.css">
  <link rel="stylesheet" href="{{to_root}}static/alertes.css">
</head>
<body>
  <header class="top">
    <p class="site">Mairie {{de_commune}}</p>
  </header>
  <main class="page notice">
    <h1>{{title}}</h1>
{{body}}
  </main>
  <footer class="bottom">
    <p>Une question&nbsp;? Appelez {{service}} au <a href="{{phone_href}}">{{phone}}</a>
      ou écrivez à <a href="mailto:{{email}}">{{email}}</a>.</p>
  </footer>
</body>
</html>
"""
FROM_ALERTS = "../"  # to_root of the pages under /alertes/


def sentence(reason: str) -> str:
    """A hub error ("thème inconnu « x »") as a sentence for a person ("Thème inconnu « x ».")."""
    reason = reason.strip()
    if not reason:
        return "La demande a été refusée."
    reason = reason[0].upper() + reason[1:]
    return reason if reason[-1] in ".!?…" else reason + "."


def topics_in_town_order(town: Town, topics: tuple[str, ...] | list[str]) -> list[str]:
    """The topic keys in the order of the town file (unknown ones last, as they came)."""
    known = [key for key in town.topics if key in topics]
    return known + [key for key in topics if key not in town.topics]


def topic_label(town: Town, key: str) -> str:
    topic = town.topics.get(key)
    return topic.label if topic else key


def topic_checkboxes(town: Town) -> str:
    """The topics as large checkboxes; the whole row is the label, the description apart."""
    rows = []
    for key, topic in town.topics.items():
        ident = html.escape(f"theme-{key}", quote=True)
        value = html.escape(key, quote=True)
        label = html.escape(topic.label)
        described = ""
        description = ""
        if topic.description:
            described = f' aria-describedby="{ident}-desc"'
            description = (
                f'\n          <span id="{ident}-desc" class="topic-desc">'
                f"{html.escape(topic.description)}</span>"
            )
        rows.append(
            f'      <li>\n        <label class="topic" for="{ident}">\n'
            f'          <input type="checkbox" id="{ident}" name="topics" value="{value}"'
            f' aria-labelledby="{ident}-label"{described}>\n'
            f'          <span class="topic-text">\n'
            f'          <span id="{ident}-label" class="topic-label">{label}</span>'
            f"{description}\n          </span>\n        </label>\n      </li>"
        )
    return "\n".join(rows)


def render_alerts_page(template: str, town: Town) -> str:
    """The /alertes page: the topics' checkboxes, then the town's details."""
    return render_page(template.replace("{{topics}}", topic_checkboxes(town)), town)


def notice_page(town: Town, title: str, body: str, *, to_root: str) -> str:
    """A small page: a title and BODY (HTML, already escaped) in the town's frame; TO_ROOT
    leads from the page's folder to the app's root ("../" under /alertes/, "" at the top)."""
    page = render_page(FRAME.replace("{{to_root}}", to_root), town)
    page = page.replace("{{title}}", html.escape(title, quote=False))
    return page.replace("{{body}}", body)  # last: the body is never read for placeholders


def paragraphs(*texts: str) -> str:
    return "\n".join(f"    <p>{html.escape(text, quote=False)}</p>" for text in texts)


def topic_list(town: Town, topics: tuple[str, ...]) -> str:
    items = "".join(
        f"\n      <li>{html.escape(topic_label(town, key), quote=False)}</li>"
        for key in topics_in_town_order(town, topics)
    )
    return f'    <ul class="chosen">{items}\n    </ul>'


# --- State built once per process ------------------------------------------------------------


class Unavailable(HTTPException):
    """The hub's database cannot serve now: 503 with the French reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(503, reason, headers={"retry-after": "300"})


@dataclass
class AlertsContext:
    """What the alert handlers need: the town, its pages and the hub once its database is ready.

    The database is checked on first use, not at start-up, so that the chat starts (and keeps
    working) when the hub is not set up; an unusable one is looked at again every few seconds.
    """

    settings: Settings
    town: Town
    page: str
    unavailable: str  # the 503 reason
    push_unavailable: str
    clients: Clients  # who a request comes from, past the trusted proxies
    limit: RateLimit  # state changes per client (alerts_rate)
    site_origins: frozenset[str]  # the site's origins besides a request's own (public_url)
    _public_key: str | None = None  # the configured key, or the data folder's once read
    _hub: Hub | None = None  # set once the database is ready
    _checked_at: float = -RECHECK_SECONDS
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def public_key(self) -> str:
        """The VAPID public key browsers subscribe with; with none configured, the data
        folder's (made on first need). 503 when there is none to be had (logged)."""
        if self._public_key is None:
            try:
                keys = await run_in_threadpool(town_vapid_keys, self.settings)
            except InvalidInput as error:
                logger.error("Web Push unavailable: %s", error)
                raise HTTPException(503, self.push_unavailable) from error
            self._public_key = keys.public_key
        return self._public_key

    async def hub(self) -> Hub:
        """The hub, its database migrated; Unavailable if not."""
        if self._hub is not None:
            return self._hub
        async with self._lock:
            now = time.monotonic()
            if self._hub is None and now - self._checked_at >= RECHECK_SECONDS:
                self._checked_at = now
                problem = await run_in_threadpool(hub_problem, self.settings)
                if problem is None:
                    clock = web_clock(self.settings, self.town)
                    self._hub = open_hub(self.settings, clock, town=self.town)
                else:
                    logger.warning("Alerts unavailable: %s", problem)
        if self._hub is None:
            raise Unavailable(self.unavailable)
        return self._hub

    async def run(self, operation: Callable[..., T], *args: Any) -> T:
        """OPERATION(hub, *ARGS) in a worker thread (the hub's I/O blocks); Unavailable when
        the database fails meanwhile (logged), rather than a bug's 500."""
        hub = await self.hub()
        try:
            return await run_in_threadpool(operation, hub, *args)
        except StorageError as error:
            logger.error("Alerts: the database failed: %r", error)
            raise Unavailable(self.unavailable) from error

    def close(self) -> None:
        if self._hub is not None:
            self._hub.close()


def web_clock(settings: Settings, town: Town) -> Clock:
    """The hub's clock in the web app: the assistant's."""
    return assistant_clock(settings, town)


def open_alerts(settings: Settings, town: Town) -> AlertsContext:
    """The alerts' state for one process (the web app's lifespan builds it). Settings that
    cannot work fail here, at start: a VAPID pair that does not match, an unreadable proxy,
    rate or push service."""
    template = (STATIC_DIR / "alertes.html").read_text(encoding="utf-8")
    configured = configured_vapid_keys(settings)
    push_policy(settings)  # AROBASE_WEBPUSH_SERVICES checked now, not at the first subscriber
    site = web_origin(settings.public_url)
    return AlertsContext(
        settings=settings,
        town=town,
        page=render_alerts_page(template, town),
        unavailable="Les alertes ne sont pas disponibles pour le moment. " + call_the_hall(town),
        push_unavailable=(
            "La mairie ne propose pas encore les alertes sur téléphone et ordinateur. "
            + call_the_hall(town)
        ),
        clients=Clients(parse_networks(settings.trusted_proxies)),
        limit=RateLimit(settings.alerts_rate),
        site_origins=frozenset({site} if site else ()),
        _public_key=configured.public_key if configured else None,
    )


def alerts_context(request: Request) -> AlertsContext:
    alerts: AlertsContext = request.state.alerts
    return alerts


# --- Pages --------------------------------------------------------------------------------------


def unknown_link_page(town: Town) -> HTMLResponse:
    body = paragraphs(
        "Ce lien n'est pas valable, ou il a déjà servi.",
        "Si vous vous êtes déjà désabonné(e), vous n'avez plus rien à faire\u00a0: "
        "nous avons effacé vos données.",
        f"Si vous avez besoin d'aide, appelez {hall_phone(town)}.",
    )
    page = notice_page(town, "Ce lien n'est pas valable", body, to_root=FROM_ALERTS)
    return HTMLResponse(page, status_code=404, headers=NO_STORE)


def unavailable_page(alerts: AlertsContext) -> HTMLResponse:
    body = paragraphs(alerts.unavailable)
    page = notice_page(alerts.town, "Service momentanément indisponible", body, to_root=FROM_ALERTS)
    return HTMLResponse(page, status_code=503, headers={**NO_STORE, "retry-after": "300"})


def html_page(handler: Endpoint) -> Endpoint:
    """A page's handler, whose Unavailable becomes an HTML page for a person (not JSON)."""

    @functools.wraps(handler)
    async def page(request: Request) -> Response:
        try:
            return await handler(request)
        except Unavailable:
            return unavailable_page(alerts_context(request))

    return page


def link_token(request: Request) -> str | None:
    """The link's token (?jeton=…) when it looks like one of ours."""
    token = request.query_params.get("jeton", "")
    return token if _TOKEN.fullmatch(token) else None


def has_control_characters(text: str) -> bool:
    return any(unicodedata.category(c) in ("Cc", "Cs") for c in text)


def subscription_paragraphs(town: Town, info: SubscriberInfo, verb: str) -> str:
    """ "Vous VERB par e-mail les alertes de la mairie de Trilport", then the topics listed."""
    channel = CHANNEL_PHRASES.get(info.channel, "")
    lead = f"Vous {verb} {channel} les alertes de la mairie {commune_with_de(town.commune.name)}"
    if not info.topics:
        return paragraphs(lead + ".")
    return paragraphs(lead + " sur ces sujets\u00a0:") + "\n" + topic_list(town, info.topics)


# --- The e-mail double opt-in -------------------------------------------------------------------

CONFIRM_BUTTON = "Confirmer mon abonnement"
UNSUBSCRIBE_HINT = (
    "Pour vous désabonner, utilisez le lien «\u00a0Se désabonner\u00a0» en bas de chaque "
    "message\u00a0: nous effacerons alors vos données."
)


def subscribe_again(town: Town) -> str:
    return (
        f"Pour vous abonner de nouveau, appelez {hall_phone(town)} ou passez à l'accueil\u00a0: "
        "vous recevrez un nouveau lien par e-mail."
    )


def pending_page(town: Town, info: SubscriberInfo, confirm_days: int) -> HTMLResponse:
    """The link's page: what was asked, and the one button that confirms it."""
    body = subscription_paragraphs(town, info, "avez demandé à recevoir")
    body += "\n" + paragraphs("Appuyez sur le bouton pour confirmer.")
    action = html.escape("confirmer?jeton=" + quote(info.token, safe=""), quote=True)
    body += (
        f'\n    <form method="post" action="{action}">\n'
        f'      <button type="submit" class="action">{CONFIRM_BUTTON}</button>\n'
        "    </form>\n"
    )
    body += paragraphs(
        "Si vous n'avez rien demandé, fermez simplement cette page\u00a0: sans confirmation, "
        f"votre adresse sera effacée {days_text(confirm_days)} après la demande."
    )
    page = notice_page(town, "Confirmer votre abonnement aux alertes", body, to_root=FROM_ALERTS)
    return HTMLResponse(page, headers=NO_STORE)


def confirmed_page(town: Town, info: SubscriberInfo) -> HTMLResponse:
    body = "\n".join(
        [
            paragraphs("Merci."),
            subscription_paragraphs(town, info, "recevrez"),
            paragraphs(UNSUBSCRIBE_HINT),
        ]
    )
    page = notice_page(town, "Votre abonnement est confirmé", body, to_root=FROM_ALERTS)
    return HTMLResponse(page, headers=NO_STORE)


def expired_page(town: Town, confirm_days: int) -> HTMLResponse:
    body = paragraphs(
        f"Un lien de confirmation est valable {days_text(confirm_days)}. Celui-ci n'a pas "
        "servi à temps\u00a0: votre abonnement n'est pas confirmé, et nous avons effacé "
        "votre adresse.",
        subscribe_again(town),
    )
    page = notice_page(town, "Ce lien a expiré", body, to_root=FROM_ALERTS)
    return HTMLResponse(page, status_code=410, headers=NO_STORE)


def unknown_confirmation_page(town: Town, confirm_days: int) -> HTMLResponse:
    body = paragraphs(
        "Ce lien n'est pas valable, ou il a expiré\u00a0: un lien de confirmation est valable "
        f"{days_text(confirm_days)}.",
        subscribe_again(town),
    )
    page = notice_page(town, "Ce lien n'est pas valable", body, to_root=FROM_ALERTS)
    return HTMLResponse(page, status_code=404, headers=NO_STORE)


def confirmation_response(
    alerts: AlertsContext, link: ConfirmationLink, *, opened: bool
) -> HTMLResponse:
    """The page for a confirmation link in LINK's state; OPENED: the GET that shows the button."""
    town, days = alerts.town, alerts.settings.confirm_days
    match link.state, link.subscriber:
        case LinkState.PENDING, SubscriberInfo() as info if opened:
            return pending_page(town, info, days)
        case LinkState.CONFIRMED, SubscriberInfo() as info:
            return confirmed_page(town, info)
        case LinkState.EXPIRED, _:
            return expired_page(town, days)
        case _:
            return unknown_confirmation_page(town, days)


async def _confirmation(request: Request, operation: Callable[..., Any], opened: bool) -> Response:
    """The confirmation link's page after OPERATION(hub, token) read or confirmed it."""
    alerts = alerts_context(request)
    await alerts.hub()  # an unusable database is said first, whatever the link
    token = link_token(request)
    link = await alerts.run(operation, token) if token else None
    if not opened and link is not None and link.state is LinkState.CONFIRMED:
        logger.info("Alerts: an e-mail subscription was confirmed by its link")
    return confirmation_response(alerts, link or ConfirmationLink(LinkState.UNKNOWN), opened=opened)


@html_page
async def confirm_page(request: Request) -> Response:
    """GET /alertes/confirmer?jeton=…: the page with one button; opening it confirms nothing."""
    return await _confirmation(request, confirmation_link_opened, opened=True)


@html_page
async def confirm_action(request: Request) -> Response:
    """POST /alertes/confirmer?jeton=…: the button; the subscription is confirmed."""
    return await _confirmation(request, confirm_by_token, opened=False)


@html_page
async def unsubscribe_page(request: Request) -> Response:
    """GET /alertes/desabonnement?jeton=…: one button; opening the link changes nothing."""
    alerts = alerts_context(request)
    await alerts.hub()
    token = link_token(request)
    info = await alerts.run(subscriber_by_token, token) if token else None
    if info is None:
        return unknown_link_page(alerts.town)
    town = alerts.town
    body = subscription_paragraphs(town, info, "recevez")
    body += "\n" + paragraphs(
        "Appuyez sur le bouton pour ne plus les recevoir. Nous effacerons aussitôt vos données."
    )
    action = html.escape("desabonnement?jeton=" + quote(info.token, safe=""), quote=True)
    body += (
        f'\n    <form method="post" action="{action}">\n'
        '      <button type="submit" class="action">Me désabonner</button>\n'
        "    </form>"
    )
    page = notice_page(town, "Se désabonner des alertes", body, to_root=FROM_ALERTS)
    return HTMLResponse(page, headers=NO_STORE)


@html_page
async def unsubscribe_action(request: Request) -> Response:
    """POST /alertes/desabonnement?jeton=…: the button, or a mail client's one-click."""
    alerts = alerts_context(request)
    await alerts.hub()
    token = link_token(request)
    if token is None or not await alerts.run(unsubscribe_by_token, token):
        return unknown_link_page(alerts.town)
    logger.info("Alerts: a subscriber unsubscribed by link and was erased")
    body = paragraphs(
        "Nous avons effacé vos données.",
        "Vous ne recevrez plus d'alertes de la mairie à cette adresse.",
    )
    page = notice_page(alerts.town, "Vous êtes désabonné(e)", body, to_root=FROM_ALERTS)
    return HTMLResponse(page, headers=NO_STORE)


async def alerts_page(request: Request) -> Response:
    """GET /alertes: subscribe this device to Web Push alerts."""
    return HTMLResponse(alerts_context(request).page, headers={"cache-control": "no-cache"})


async def service_worker(request: Request) -> Response:
    """GET /sw.js: served at the root so that its scope is the whole site."""
    return FileResponse(
        STATIC_DIR / "sw.js",
        media_type="text/javascript",
        headers={"service-worker-allowed": "/", "cache-control": "no-cache"},
    )


# --- JSON API ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PushRequest:
    """A browser's request to subscribe: its endpoint, its keys and the topics chosen."""

    endpoint: str
    keys: dict[str, str]
    topics: list[str]


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
    return PushRequest(endpoint, keys, topics)


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


def web_origin(url: str) -> str | None:
    """A URL's or an Origin header's origin as browsers compare them ("https://mairie.fr");
    None when it has none ("null", not http or https)."""
    found = origin(url)
    return found if found and found.startswith(("http://", "https://")) else None


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


def guard_change(request: Request, alerts: AlertsContext) -> None:
    """Before a state change: 403 when a browser says it comes from another site (a page
    elsewhere cannot subscribe its visitors' browsers, nor stop them), 429 beyond the client's
    rate (one client cannot fill the outbox with subscriptions)."""
    own = web_origin(f"{request_scheme(request, alerts)}://{request.url.netloc}")
    site = alerts.site_origins | ({own} if own else set())
    origin = request.headers.get("origin")
    if from_another_site(origin, request.headers.get("sec-fetch-site"), site):
        logger.info("Alerts: refused a change from another site (Origin %r)", origin)
        raise HTTPException(403, FOREIGN_SITE)
    client = alerts.clients.limit_key(request)
    if not alerts.limit.hit(CHANNEL, client):
        seconds = alerts.limit.retry_after(CHANNEL, client)
        raise HTTPException(429, too_many_requests(seconds), headers={"retry-after": str(seconds)})


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
            device_subscribe, CHANNEL, wanted.endpoint, wanted.keys, wanted.topics
        )
    except HubError as error:
        raise HTTPException(422, sentence(str(error))) from error
    topics = topics_in_town_order(alerts.town, info.topics)
    return JSONResponse({"topics": topics}, status_code=201 if created else 200)


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


def alert_routes() -> list[Route]:
    """The alerts' routes, for the web app."""
    return [
        Route("/alertes", alerts_page, methods=["GET"]),
        Route("/alertes/confirmer", confirm_page, methods=["GET"]),
        Route("/alertes/confirmer", confirm_action, methods=["POST"]),
        Route("/alertes/desabonnement", unsubscribe_page, methods=["GET"]),
        Route("/alertes/desabonnement", unsubscribe_action, methods=["POST"]),
        Route("/sw.js", service_worker, methods=["GET"]),
        Route("/api/alertes/themes", topics_endpoint, methods=["GET"]),
        Route("/api/alertes/cle", key_endpoint, methods=["GET"]),
        Route("/api/alertes/webpush", subscribe_endpoint, methods=["POST"]),
        Route("/api/alertes/webpush", renew_endpoint, methods=["PUT"]),
        Route("/api/alertes/webpush", unsubscribe_endpoint, methods=["DELETE"]),
    ]
