"""The web chat: the residents' page, its JSON API in front of Rasa, and a health check.
The alerts' pages and API (confirm, unsubscribe, Web Push) are in bot/web/alerts/, the
staff console (/console) in bot/web/console/.

Run it with `uvicorn bot.web.app:create_app --factory --no-proxy-headers`: the app reads
X-Forwarded-* itself, from AROBASE_TRUSTED_PROXIES only (bot/web/clients.py).

Every response (pages, JSON, static files, errors) carries SECURITY_HEADERS (bot/web/security.py):
no framing by another site, and Strict-Transport-Security when the browser came over https.

Status codes of `POST /api/chat`, each error with a JSON body `{"error": "<French reason>"}`:
- 415: the body is not declared as `application/json`;
- 413: the body is over 16 KiB;
- 400: the request is malformed (not UTF-8, not JSON, nested over 20 levels, not an object,
  `message` missing or not a string) — a broken client, never something a person typed;
- 422: the message itself is refused (empty, over 1,000 characters) — the page shows the
  reason to the person, who can fix it;
- 429 with `Retry-After`: too many messages from this address, an IPv6 one counted by its /64
  (AROBASE_CHAT_RATE_IP), or this conversation (AROBASE_CHAT_RATE_SESSION); the page shows
  the reason as the assistant's reply;
- 200 with an apology reply (the town hall's phone) when Rasa is down, slow or answers
  garbage: it is still the assistant's answer to the person; the failure is logged and
  shows on `/healthz`.
"""

from __future__ import annotations

import logging
import re
import secrets
import unicodedata
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from arobase.replies import apology, call_the_hall, no_answer
from arobase.senders import Front, sender_id
from arobase.settings import Settings, load_settings
from arobase.town import Town, load_town
from bot.rasa_client import RasaClient, RasaUnavailable, Reply, rasa_client_from_settings
from bot.web import widget
from bot.web.alerts import alert_routes, alerts_context, open_alerts
from bot.web.app_home import app_routes
from bot.web.chat_feedback import feedback_routes
from bot.web.chat_handoff import answered, handoff_routes
from bot.web.clients import Clients, RateLimit, parse_networks
from bot.web.common import STATIC_DIR, read_json_object, render_page, wait_words
from bot.web.console import console_routes
from bot.web.frame import notice_page, paragraphs
from bot.web.metrics import chat_activity, metrics_routes, request_activity
from bot.web.privacy import privacy_routes
from bot.web.security import WebApp
from bot.web.short_links import short_link_routes

logger = logging.getLogger(__name__)
Lifespan = Callable[[Starlette], AbstractAsyncContextManager[dict[str, Any]]]

MAX_MESSAGE_CHARS = 1000
SESSION_COOKIE = "arobase_session"
_SESSION_ID = re.compile(r"[A-Za-z0-9_-]{32}")

# Reasons shown to people (the page displays them as they are); those of a body that is not
# a JSON object (NOT_JSON_TYPE, TOO_LARGE, NOT_UTF8, NOT_JSON) are in bot/web/common.py,
# imported above "as" themselves so that they stay readable here.
NOT_OBJECT = "La requête doit être un objet JSON avec un champ «\u00a0message\u00a0»."
MISSING_MESSAGE = "Le champ «\u00a0message\u00a0» est absent."
MESSAGE_NOT_TEXT = "Le champ «\u00a0message\u00a0» doit être un texte."
EMPTY_MESSAGE = "Le message est vide."
LONG_MESSAGE = "Le message dépasse 1\u00a0000 caractères."
HTTP_REASONS = {
    404: "Cette page n'existe pas.",
    405: "Cette action n'est pas possible à cette adresse.",
    503: "Ce service n'est pas disponible pour le moment.",
}
DEFAULT_REASON = "La requête a été refusée."


@dataclass(frozen=True)
class ChatLimits:
    """How often one client may write: per IP address, and per conversation (session)."""

    per_address: RateLimit
    per_session: RateLimit

    def wait(self, address: str, session_id: str | None) -> int:
        """Count one message; 0 when it may go on, else the whole seconds to wait.
        A message without a session yet is counted per address only."""
        if not self.per_address.hit(address):
            return self.per_address.retry_after(address)
        if session_id is not None and not self.per_session.hit(session_id):
            return self.per_session.retry_after(session_id)
        return 0


@dataclass(frozen=True)
class ChatContext:
    """What the handlers need, built once per process in the lifespan."""

    rasa: RasaClient
    page: str
    apology: str
    no_answer: str
    call_the_hall: str
    clients: Clients
    limits: ChatLimits


def slow_down(seconds: int, way_out: str) -> str:
    """The polite 429 reason, shown by the page as the assistant's reply."""
    return (
        "Vous m'envoyez beaucoup de messages en peu de temps. Merci de patienter "
        f"{wait_words(seconds)}, puis de reposer votre question. {way_out}"
    )


def clean_message(text: str) -> str:
    """Drop control characters (but keep line breaks) and lone surrogates, then trim."""
    text = text.replace("\r\n", "\n")
    kept = (c for c in text if c == "\n" or unicodedata.category(c) not in ("Cc", "Cs"))
    return "".join(kept).strip()


def parse_message(data: dict[str, Any]) -> str:
    """The cleaned message of a chat request's JSON; HTTPException with the reason if refused."""
    if "message" not in data:
        raise HTTPException(400, MISSING_MESSAGE)
    if not isinstance(data["message"], str):
        raise HTTPException(400, MESSAGE_NOT_TEXT)
    message = clean_message(data["message"])
    if not message:
        raise HTTPException(422, EMPTY_MESSAGE)
    if len(message) > MAX_MESSAGE_CHARS:
        raise HTTPException(422, LONG_MESSAGE)
    return message


def _session_id(request: Request) -> tuple[str, bool]:
    """The browser's session id, and whether it is new (absent or malformed cookie; the
    widget's header on the town's site, where no cookie of ours is kept)."""
    current = request.headers.get(widget.SESSION_HEADER) or request.cookies.get(SESSION_COOKIE, "")
    if _SESSION_ID.fullmatch(current):
        return current, False
    return secrets.token_urlsafe(24), True


def _reply_json(reply: Reply) -> dict[str, Any]:
    """One reply as the page expects it."""
    buttons = [{"title": b.title, "payload": b.payload} for b in reply.buttons]
    votable = {"question": reply.question} if reply.question else {}  # chat_feedback.py
    return {"text": reply.text, "buttons": buttons, **votable}


async def _ask_rasa(chat: ChatContext, sender: str, message: str) -> list[Reply]:
    """Rasa's replies, or the apology when it cannot answer (the failure is logged)."""
    try:
        replies = await chat.rasa.send(sender, message)
    except RasaUnavailable as exc:
        logger.error("Web chat: %s (cause: %r)", exc, exc.__cause__)
        return [Reply(chat.apology)]
    return replies or [Reply(chat.no_answer)]


def _check_rate(chat: ChatContext, request: Request, session_id: str | None) -> None:
    """HTTPException 429 (with Retry-After) when this client writes too often. Counted before
    the body is read: a flood of malformed requests is slowed down too."""
    seconds = chat.limits.wait(chat.clients.limit_key(request), session_id)
    if seconds:
        reason = slow_down(seconds, chat.call_the_hall)
        raise HTTPException(429, reason, headers={"Retry-After": str(seconds)})


async def chat_endpoint(request: Request) -> Response:
    """POST /api/chat: one message from the page, the bot's replies back."""
    chat: ChatContext = request.state.chat
    widget.check_origin(request)
    session_id, is_new = _session_id(request)
    _check_rate(chat, request, None if is_new else session_id)
    message = parse_message(await read_json_object(request, NOT_OBJECT))
    sender = sender_id(Front.WEB, session_id)

    async def ask() -> list[dict[str, Any]]:
        async with request_activity(request).measured(Front.WEB):  # counted, timed
            return [_reply_json(r) for r in await _ask_rasa(chat, sender, message)]

    # While a town agent has the conversation, Rasa is not asked (bot/web/chat_handoff.py).
    response = JSONResponse(await answered(request, sender, message, ask))
    if widget.from_widget(request):
        response.headers[widget.SESSION_HEADER] = session_id
    elif is_new:
        secure = chat.clients.is_https(request)
        response.set_cookie(
            SESSION_COOKIE, session_id, httponly=True, samesite="lax", secure=secure
        )
    return response


async def page_endpoint(request: Request) -> Response:
    """GET /: the chat page."""
    chat: ChatContext = request.state.chat
    return HTMLResponse(chat.page, headers={"cache-control": "no-cache"})


async def health_endpoint(request: Request) -> Response:
    """GET /healthz: this app answers; does Rasa?"""
    chat: ChatContext = request.state.chat
    return JSONResponse({"web": "ok", "rasa": await chat.rasa.status()})


async def http_error(request: Request, exc: Exception) -> Response:
    """Every refused request: the French reason, as a page for a person's browser (a wrong
    link), as JSON for the API and any other client."""
    assert isinstance(exc, HTTPException)
    # Our own reasons are French; Starlette's (routing, methods) are its English status phrase.
    ours = exc.detail != HTTPStatus(exc.status_code).phrase
    reason = exc.detail if ours else HTTP_REASONS.get(exc.status_code, DEFAULT_REASON)
    if wants_page(request):
        title = "Page introuvable" if exc.status_code == 404 else "Demande impossible"
        page = error_page(alerts_context(request).town, request.url.path, title, reason)
        return HTMLResponse(page, status_code=exc.status_code, headers=exc.headers)
    return JSONResponse({"error": reason}, status_code=exc.status_code, headers=exc.headers)


def wants_page(request: Request) -> bool:
    """A browser asking for a page (not the API, not a style sheet) while the app runs."""
    path = request.url.path
    return (
        request.method in ("GET", "HEAD")
        and "text/html" in request.headers.get("accept", "")
        and not path.startswith(("/api/", "/static/"))
        and hasattr(request.state, "alerts")  # the lifespan has loaded the town
    )


def error_page(town: Town, path: str, title: str, reason: str) -> str:
    """REASON on the town's frame, with the way back to the assistant's page."""
    to_root = "../" * (path.count("/") - 1)  # from the page's folder back to the app's root
    home = f'    <p><a href="{to_root or "./"}">Revenir à l\'accueil</a></p>'
    return notice_page(town, title, f"{paragraphs(reason)}\n{home}", to_root=to_root)


async def server_error(request: Request, exc: Exception) -> Response:
    """A bug: log it with its traceback, show the person a way out, never the traceback."""
    logger.exception("Web chat: unexpected error on %s", request.url.path, exc_info=exc)
    chat: ChatContext | None = getattr(request.state, "chat", None)
    reason = chat.apology if chat else "Désolé, une erreur est survenue."
    return JSONResponse({"error": reason}, status_code=500)


def _lifespan(settings: Settings, rasa: RasaClient | None, clients: Clients) -> Lifespan:
    """The app's lifespan: load the town and the pages, open the Rasa client (unless injected)
    and the alerts' hub (its database is checked when an alert route first needs it)."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
        town = load_town(settings.town_file)
        page = render_page((STATIC_DIR / "index.html").read_text(encoding="utf-8"), town)
        async with AsyncExitStack() as stack:
            client = rasa
            if client is None:
                client = rasa_client_from_settings(settings)
                stack.push_async_callback(client.aclose)
            limits = ChatLimits(
                RateLimit(settings.chat_rate_ip), RateLimit(settings.chat_rate_session)
            )
            chat = ChatContext(
                client, page, apology(town), no_answer(town), call_the_hall(town), clients, limits
            )
            alerts = open_alerts(settings, town)
            stack.callback(alerts.close)
            activity = await stack.enter_async_context(chat_activity(settings, town, alerts))
            yield {"chat": chat, "alerts": alerts, "activity": activity}

    return lifespan


def create_app(settings: Settings | None = None, rasa: RasaClient | None = None) -> Starlette:
    """Build the web chat app; settings from the environment unless given."""
    settings = settings or load_settings()
    clients = Clients(parse_networks(settings.trusted_proxies))
    origins = widget.widget_origins(settings)
    chat_routes = [Route("/api/chat", chat_endpoint, methods=["POST"])]
    chat_routes += handoff_routes(settings, _session_id)
    routes = [
        *alert_routes(),
        *console_routes(settings),
        *metrics_routes(settings, clients),
        *privacy_routes(),
        *app_routes(),
        *short_link_routes(),
        Route("/", page_endpoint, methods=["GET"]),
        *(widget.chat_route(route, origins) for route in chat_routes),
        *feedback_routes(),
        *widget.widget_routes(),
        Route("/healthz", health_endpoint, methods=["GET"]),
        Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
    ]
    app = WebApp(
        clients,
        settings.hsts_seconds,
        routes=routes,
        exception_handlers={HTTPException: http_error, Exception: server_error},
        lifespan=_lifespan(settings, rasa, clients),
    )
    app.state.widget_origins = origins  # bot/web/widget.py
    return app
