"""The chat widget for the town's own website (WordPress or any): one line pasted into its
pages, `<script src="https://…/widget.js" async></script>`, shows a chat button and panel
that talk to this app's `/api/chat`.

- `GET /widget.js`: the script (bot/web/static/widget.js); everything it shows lives in a
  shadow DOM, styled from inside, with no asset from anywhere else;
- the chat's routes (`/api/chat`, `/api/chat/agent`) answer the sites listed in
  AROBASE_WIDGET_ORIGINS with CORS (Starlette's CORSMiddleware): a browser on any other site
  is refused by its preflight, and a request whose `Origin` is neither this app nor a listed
  site gets 403;
- a browser keeps no cookie of ours for another site, so the widget carries its conversation
  in the `X-Arobase-Session` header: the app gives it with the first answer, the widget keeps
  it in the site's sessionStorage (the conversation ends with the tab, as the page's does).
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from arobase.settings import Settings
from bot.web.alerts.api import from_another_site, request_scheme
from bot.web.alerts.state import alerts_context, web_origin
from bot.web.common import STATIC_DIR

WIDGET_PATH = "/widget.js"
SESSION_HEADER = "x-arobase-session"
FOREIGN_SITE = (
    "Ce site n'est pas autorisé à utiliser l'assistant de la mairie. Posez votre question "
    "sur le site de la mairie."
)
PREFLIGHT_CACHE = 600  # seconds a browser may keep a preflight's answer


def widget_origins(settings: Settings) -> frozenset[str]:
    """The sites allowed to show the widget (AROBASE_WIDGET_ORIGINS, separated by commas or
    spaces); ValueError, in French, for one that is not an origin like https://www.mairie.fr."""
    origins = set()
    for typed in settings.widget_origins.replace(",", " ").split():
        found = web_origin(typed.rstrip("/"))
        if found is None or found != typed.rstrip("/").lower():
            raise ValueError(
                f"AROBASE_WIDGET_ORIGINS : « {typed} » n'est pas une origine de site "
                "(écrivez par exemple https://www.mairie.fr, sans chemin)"
            )
        origins.add(found)
    return frozenset(origins)


def chat_cors(origins: frozenset[str]) -> list[Middleware]:
    """CORS for the chat's routes, for the widget's sites only (none: no CORS at all)."""
    if not origins:
        return []
    cors = Middleware(
        CORSMiddleware,
        allow_origins=sorted(origins),
        allow_methods=["GET", "POST"],
        allow_headers=["content-type", SESSION_HEADER],
        expose_headers=[SESSION_HEADER, "retry-after"],
        max_age=PREFLIGHT_CACHE,
    )
    return [cors]


def allowed_sites(request: Request) -> frozenset[str]:
    """The origins the chat answers: this app's own, its public address, the widget's sites."""
    alerts = alerts_context(request)
    own = web_origin(f"{request_scheme(request, alerts)}://{request.url.netloc}")
    listed: frozenset[str] = request.app.state.widget_origins
    return alerts.site_origins | listed | ({own} if own else frozenset())


def check_origin(request: Request) -> None:
    """403 when a browser says the request comes from a site that is neither this app nor one
    of the widget's (a preflight already stops it; this stops a form or a script that skips
    it)."""
    origin = request.headers.get("origin")
    if from_another_site(origin, request.headers.get("sec-fetch-site"), allowed_sites(request)):
        raise HTTPException(403, FOREIGN_SITE)


def from_widget(request: Request) -> bool:
    """Whether the request comes from one of the widget's sites."""
    origin = web_origin(request.headers.get("origin") or "")
    return origin is not None and origin in request.app.state.widget_origins


async def widget_script(request: Request) -> Response:
    """GET /widget.js: the script the town's site loads."""
    return FileResponse(
        STATIC_DIR / "widget.js",
        media_type="text/javascript",
        headers={"cache-control": "public, max-age=3600"},
    )


def chat_route(route: Route, origins: frozenset[str]) -> Route:
    """ROUTE (one method), with CORS for the widget's sites when there are any."""
    middleware = chat_cors(origins)
    if not middleware:
        return route
    endpoint, methods = route.endpoint, sorted(route.methods or ())

    async def answer(request: Request) -> Response:
        if request.method == "OPTIONS":  # not a preflight: CORSMiddleware answers those
            raise HTTPException(405)
        response: Response = await endpoint(request)
        return response

    return Route(route.path, answer, methods=[*methods, "OPTIONS"], middleware=middleware)


def widget_routes() -> list[Route]:
    return [Route(WIDGET_PATH, widget_script, methods=["GET"])]
