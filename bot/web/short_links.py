"""The short links of SMS (notifications/links.py), each answered with a redirect:

- `GET /l/{code}`: to the link of the message sent to residents whose number CODE is in
  base 36; 404 page for any other code or message (a draft's link never shows);
- `GET /d/{token}`: to the unsubscribe page of the subscriber with TOKEN, which asks before
  doing anything (a GET changes nothing); 404 page for what is no token of ours.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.web.alerts.state import alerts_context
from notifications import (
    SHORT_LINK_PATH,
    SHORT_STOP_PATH,
    TOKEN_PARAMETER,
    UNSUBSCRIBE_PATH,
    message_of_code,
    sent_link,
)

_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
UNKNOWN = "Ce lien n'est pas valable."
NO_STORE = {"cache-control": "no-store"}


async def message_link(request: Request) -> Response:
    """GET /l/{code}: the sent message's own link."""
    message_id = message_of_code(request.path_params["code"])
    alerts = alerts_context(request)
    link = await alerts.run(sent_link, message_id) if message_id is not None else None
    if link is None:
        raise HTTPException(404, UNKNOWN)
    return RedirectResponse(link, status_code=302, headers=NO_STORE)


async def stop_link(request: Request) -> Response:
    """GET /d/{token}: the unsubscribe page, which asks before unsubscribing."""
    token = request.path_params["token"]
    if not _TOKEN.fullmatch(token):
        raise HTTPException(404, UNKNOWN)
    root = request.scope.get("root_path", "")
    target = f"{root}{UNSUBSCRIBE_PATH}?{TOKEN_PARAMETER}={quote(token, safe='')}"
    return RedirectResponse(target, status_code=302, headers=NO_STORE)


def short_link_routes() -> list[Route]:
    return [
        Route(f"{SHORT_LINK_PATH}/{{code}}", message_link, methods=["GET"]),
        Route(f"{SHORT_STOP_PATH}/{{token}}", stop_link, methods=["GET"]),
    ]
