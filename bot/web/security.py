"""The headers every response of the web app carries, whichever route answers (pages, JSON,
static files, errors): no framing by another site, and Strict-Transport-Security when the
browser came over https."""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.web.clients import Clients

# The page loads nothing from elsewhere; this keeps it so even if some text slipped through.
# No other site may show our pages in a frame (clickjacking): frame-ancestors for current
# browsers, X-Frame-Options for older ones. A route that sets one of these itself keeps its
# own (a widget meant for the town's site would).
SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "connect-src 'self'; manifest-src 'self'; worker-src 'self'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}


def security_headers(https: bool, hsts_seconds: int) -> dict[str, str]:
    """The headers every response gets; HSTS only over https (a browser ignores it over
    http, and a proxy-less test server must stay reachable over http)."""
    if not (https and hsts_seconds > 0):
        return SECURITY_HEADERS
    return {**SECURITY_HEADERS, "strict-transport-security": f"max-age={hsts_seconds}"}


class SecurityHeadersMiddleware:
    """Adds security_headers() to every HTTP response that does not set them itself."""

    def __init__(self, app: ASGIApp, clients: Clients, hsts_seconds: int) -> None:
        self.app = app
        self.clients = clients
        self.hsts_seconds = hsts_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        wanted = security_headers(self.clients.is_https(Request(scope)), self.hsts_seconds)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in wanted.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


class WebApp(Starlette):
    """Starlette with SecurityHeadersMiddleware outermost: Starlette puts its own error
    middleware (which answers 500s) outside any middleware given to it."""

    def __init__(self, clients: Clients, hsts_seconds: int, **kwargs: Any) -> None:
        self.clients = clients
        self.hsts_seconds = hsts_seconds
        super().__init__(**kwargs)

    def build_middleware_stack(self) -> ASGIApp:
        inner = super().build_middleware_stack()
        return SecurityHeadersMiddleware(inner, self.clients, self.hsts_seconds)
