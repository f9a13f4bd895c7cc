"""The alerts' pages (HTML, plain French), reached from the links of the hub's messages:

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

When the hub's database is not configured or not migrated, a page says so (503, HTML).
"""

from __future__ import annotations

import functools
import html
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import Route

from arobase.hours_text import days_text
from arobase.replies import hall_phone
from arobase.town import Town
from bot.web.alerts.state import AlertsContext, Unavailable, alerts_context
from bot.web.alerts.topics import topic_list
from bot.web.common import STATIC_DIR, commune_with_de
from bot.web.frame import notice_page, paragraphs
from notifications import (
    ALERTS_PATH,
    CONFIRM_PATH,
    TOKEN_PARAMETER,
    UNSUBSCRIBE_PATH,
    ConfirmationLink,
    LinkState,
    SubscriberInfo,
    confirm_by_token,
    confirmation_link_opened,
    subscriber_by_token,
    unsubscribe_by_token,
)

logger = logging.getLogger(__name__)
Endpoint = Callable[[Request], Awaitable[Response]]

NO_STORE = {"cache-control": "no-store"}  # pages that carry a subscriber's token
# Link tokens are secrets.token_urlsafe(24); anything else is unknown without asking the
# database (PostgreSQL refuses a NUL byte in a query's text, for one).
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
FROM_ALERTS = "../"  # to_root of the pages under /alertes/

CHANNEL_PHRASES = {
    "email": "par e-mail",
    "webpush": "sur votre appareil (téléphone, tablette ou ordinateur)",
    "apprise": "par le service que vous avez choisi",
    "sms": "par SMS",
}


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
    token = request.query_params.get(TOKEN_PARAMETER, "")
    return token if _TOKEN.fullmatch(token) else None


def same_page(path: str, token: str) -> str:
    """A form's action: the page at PATH itself with TOKEN, relative to its folder (the app
    may sit under a path prefix), escaped for an attribute."""
    page = path.rpartition("/")[2]
    return html.escape(f"{page}?{TOKEN_PARAMETER}={quote(token, safe='')}", quote=True)


def subscription_paragraphs(town: Town, info: SubscriberInfo, verb: str) -> str:
    """ "Vous VERB par e-mail les alertes de la mairie de Trilport", then the topics listed."""
    channel = CHANNEL_PHRASES.get(info.channel, "")
    lead = f"Vous {verb} {channel} les alertes de la mairie {commune_with_de(town.commune.name)}"
    if not info.topics:
        return paragraphs(lead + ".")
    return paragraphs(lead + " sur ces sujets\u00a0:") + "\n" + topic_list(town, info.topics)


# --- The e-mail double opt-in ---------------------------------------------------------------

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
    action = same_page(CONFIRM_PATH, info.token)
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
    action = same_page(UNSUBSCRIBE_PATH, info.token)
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


def page_routes() -> list[Route]:
    """The pages' routes, for the web app."""
    return [
        Route(ALERTS_PATH, alerts_page, methods=["GET"]),
        Route(CONFIRM_PATH, confirm_page, methods=["GET"]),
        Route(CONFIRM_PATH, confirm_action, methods=["POST"]),
        Route(UNSUBSCRIBE_PATH, unsubscribe_page, methods=["GET"]),
        Route(UNSUBSCRIBE_PATH, unsubscribe_action, methods=["POST"]),
        Route("/sw.js", service_worker, methods=["GET"]),
    ]
