"""`POST /api/chat/avis` `{"question": "<id>", "utile": true}`: a resident's vote (👍 true,
👎 false) on the assistant's answer to a question, the id the chat API gave with that
answer (`"question"` in its reply). Stored with the question, never with who voted
(notifications.vote_question); a second vote replaces the first.

Status codes, each error with `{"error": "<French reason>"}`:
- 204: recorded;
- 415 not JSON, 413 over 16 KiB, 400 malformed (not an object, `question` not a text,
  `utile` not true or false): a broken client;
- 422: `question` is no question id at all;
- 404: no such question, or its vote is no longer taken (a day after the answer);
- 403: a browser says the request comes from another site (`Origin`, `Sec-Fetch-Site`);
- 429 with `Retry-After`: beyond the chat's per-address limit (AROBASE_CHAT_RATE_IP),
  votes counted apart from messages;
- 503 while the hub's database cannot serve.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.web.alerts import alerts_context
from bot.web.alerts.api import from_another_site, request_scheme, too_many_requests
from bot.web.alerts.state import web_origin
from bot.web.common import read_json_object
from notifications import vote_question

if TYPE_CHECKING:
    from bot.web.app import ChatContext

logger = logging.getLogger(__name__)

FEEDBACK_PATH = "/api/chat/avis"
VOTES = "avis"  # the rate limits' namespace: votes do not use up the messages' allowance
QUESTION_ID = re.compile(r"[A-Za-z0-9_-]{1,16}")

NOT_OBJECT = (
    "La requête doit être un objet JSON avec les champs «\u00a0question\u00a0» et "
    "«\u00a0utile\u00a0»."
)
BAD_QUESTION = "Le champ «\u00a0question\u00a0» est absent ou n'est pas un texte."
BAD_USEFUL = "Le champ «\u00a0utile\u00a0» doit valoir true ou false."
NOT_A_QUESTION = "Le champ «\u00a0question\u00a0» ne désigne aucune question."
FOREIGN_SITE = "Cette demande ne vient pas du site de la mairie : elle a été refusée."
UNKNOWN_QUESTION = (
    "Votre avis sur cette réponse ne peut plus être enregistré : l'avis est possible le jour "
    "de la réponse seulement."
)


def parse_vote(data: dict[str, Any]) -> tuple[str, bool]:
    """The question id and the vote of a request's JSON; HTTPException with the reason."""
    question, useful = data.get("question"), data.get("utile")
    if not isinstance(question, str):
        raise HTTPException(400, BAD_QUESTION)
    if not isinstance(useful, bool):
        raise HTTPException(400, BAD_USEFUL)
    if not QUESTION_ID.fullmatch(question):
        raise HTTPException(422, NOT_A_QUESTION)
    return question, useful


def _guard(request: Request) -> None:
    """403 from another site's page; 429 beyond the chat's per-address limit (counted before
    the body is read: a flood of malformed votes is slowed down too)."""
    alerts = alerts_context(request)
    own = web_origin(f"{request_scheme(request, alerts)}://{request.url.netloc}")
    site = alerts.site_origins | ({own} if own else set())
    origin = request.headers.get("origin")
    if from_another_site(origin, request.headers.get("sec-fetch-site"), site):
        logger.info("Chat vote refused from another site (Origin %r)", origin)
        raise HTTPException(403, FOREIGN_SITE)
    chat: ChatContext = request.state.chat
    address, limit = chat.clients.limit_key(request), chat.limits.per_address
    if not limit.hit(VOTES, address):
        seconds = limit.retry_after(VOTES, address)
        raise HTTPException(429, too_many_requests(seconds), headers={"retry-after": str(seconds)})


async def feedback_endpoint(request: Request) -> Response:
    """POST /api/chat/avis: 👍 or 👎 on an answer."""
    _guard(request)
    question, useful = parse_vote(await read_json_object(request, NOT_OBJECT))
    if not await alerts_context(request).run(vote_question, question, useful):
        raise HTTPException(404, UNKNOWN_QUESTION)
    return Response(status_code=204)


def feedback_routes() -> list[Route]:
    """The vote's route, for the web app."""
    return [Route(FEEDBACK_PATH, feedback_endpoint, methods=["POST"])]
