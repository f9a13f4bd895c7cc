"""The web chat's side of a conversation handed over to a town agent (notifications/handoffs.py).

`POST /api/chat` gives each message to the hub first (`answered`): while a handoff is open it
goes to the agent and Rasa is not asked, the JSON saying so:
`{"replies": [], "handoff": {"state": "waiting"|"open", "agent": "Agent de la mairie",
"note": "Message transmis à l'agent de la mairie."}}`. Otherwise Rasa answers, and the JSON
carries `"handoff"` when the assistant has just opened one, so that the page starts asking.

`GET /api/chat/agent?apres=N` (the same session cookie only: a conversation is never named in
a URL) answers `{"open": bool, "state": …, "agent": …, "messages": [{"id", "kind": "agent" |
"closing", "text"}]}`: the agent's messages after message N (at most 20) and the closing
notice. It is rate-limited per conversation (AROBASE_HANDOFF_POLL_RATE) and, whatever the
cookie says (a made-up one is a new conversation to the limiter), per address under
AROBASE_CHAT_RATE_IP, counted apart from the messages; a page without its cookie yet is told
there is nothing. Errors are JSON with a French reason: 400 for a malformed « apres », 429
with Retry-After, 503 when the hub cannot serve.

When the hub's database cannot serve, the chat goes on with Rasa alone (logged): a resident
is never left without an answer.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from arobase.handoff_replies import agent_label
from arobase.senders import Front, sender_id
from arobase.settings import Settings
from bot.web.alerts import alerts_context
from bot.web.alerts.state import Unavailable
from bot.web.clients import RateLimit
from bot.web.common import wait_words
from notifications import (
    HandoffAuthor,
    HandoffInfo,
    HubError,
    agent_messages_since,
    handoff_of,
    resident_writes,
)

if TYPE_CHECKING:
    from bot.web.app import ChatContext

logger = logging.getLogger(__name__)
T = TypeVar("T")
POLL_PATH = "/api/chat/agent"
AFTER = "apres"
AFTER_DIGITS = 12
POLLS = "agent"  # the per-address limit's namespace: polls do not use up the messages' allowance
BAD_AFTER = "Le paramètre «\u00a0apres\u00a0» doit être le numéro d'un message."
KINDS = {HandoffAuthor.AGENT: "agent", HandoffAuthor.CLOSING: "closing"}
SessionOf = Callable[[Request], tuple[str, bool]]


async def _quietly(request: Request, operation: Callable[..., T], *args: Any) -> T | None:
    """OPERATION on the hub; None when it cannot serve (logged): the chat goes on."""
    try:
        return await alerts_context(request).run(operation, *args)
    except (Unavailable, HubError) as error:
        logger.warning("Web chat: handoffs unavailable: %r", error)
        return None


def _state(request: Request, handoff: HandoffInfo, note: str = "") -> dict[str, str]:
    agent = agent_label(alerts_context(request).town)
    return {"state": handoff.status.value, "agent": agent, "note": note}


async def answered(
    request: Request,
    conversation: str,
    message: str,
    ask: Callable[[], Awaitable[list[dict[str, Any]]]],
) -> dict[str, Any]:
    """The chat's JSON for MESSAGE: kept for the agent while one has the conversation (Rasa
    is not asked), else Rasa's replies (ASK), with the handoff the assistant may just have
    opened."""
    relayed = await _quietly(request, resident_writes, conversation, message)
    if relayed is not None:
        return {"replies": [], "handoff": _state(request, relayed.handoff, relayed.acknowledgement)}
    replies = await ask()
    opened = await _quietly(request, handoff_of, conversation)
    return {"replies": replies, **({"handoff": _state(request, opened)} if opened else {})}


def _after(request: Request) -> int:
    text = request.query_params.get(AFTER, "0")
    if not text.isdigit() or not text.isascii() or len(text) > AFTER_DIGITS:
        raise HTTPException(400, BAD_AFTER)
    return int(text)


def _check_rate(limit: RateLimit, *key: str) -> None:
    if not limit.hit(*key):
        seconds = limit.retry_after(*key)
        reason = f"Trop de demandes. Merci de patienter {wait_words(seconds)}."
        raise HTTPException(429, reason, headers={"Retry-After": str(seconds)})


def handoff_routes(settings: Settings, session_of: SessionOf) -> list[Route]:
    """The polling route; SESSION_OF reads the chat's session cookie (bot/web/app.py):
    (its id, whether it is new, i.e. the browser has none)."""
    limit = RateLimit(settings.handoff_poll_rate)

    async def agent_endpoint(request: Request) -> Response:
        """GET /api/chat/agent?apres=N: the agent's messages after N, and whether it is open."""
        session, is_new = session_of(request)
        chat: ChatContext = request.state.chat
        _check_rate(chat.limits.per_address, POLLS, chat.clients.limit_key(request))
        if not is_new:
            _check_rate(limit, session)
        after = _after(request)
        headers = {"cache-control": "no-store"}
        if is_new:  # no conversation yet: nothing handed over
            return JSONResponse({"open": False, "state": None, "messages": []}, headers=headers)
        news = await alerts_context(request).run(
            agent_messages_since, sender_id(Front.WEB, session), after
        )
        messages = [{"id": m.id, "kind": KINDS[m.author], "text": m.text} for m in news.messages]
        body = {
            "open": news.open,
            "state": news.status.value if news.status else None,
            "agent": agent_label(alerts_context(request).town),
            "messages": messages,
        }
        return JSONResponse(body, headers=headers)

    return [Route(POLL_PATH, agent_endpoint, methods=["GET"])]
