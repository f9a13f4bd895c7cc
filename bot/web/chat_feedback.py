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

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.rasa_client import QUESTION_ID
from bot.web.alerts import alerts_context
from bot.web.alerts.api import same_site_only, within_rate
from bot.web.common import read_json_object
from notifications import vote_question

FEEDBACK_PATH = "/api/chat/avis"
VOTES = "avis"  # the rate limits' namespace: votes do not use up the messages' allowance

NOT_OBJECT = (
    "La requête doit être un objet JSON avec les champs «\u00a0question\u00a0» et "
    "«\u00a0utile\u00a0»."
)
BAD_QUESTION = "Le champ «\u00a0question\u00a0» est absent ou n'est pas un texte."
BAD_USEFUL = "Le champ «\u00a0utile\u00a0» doit valoir true ou false."
NOT_A_QUESTION = "Le champ «\u00a0question\u00a0» ne désigne aucune question."
FOREIGN_SITE = "Cette demande ne vient pas du site de la mairie : elle a été refusée."
UNKNOWN_QUESTION = (
    "Votre avis sur cette réponse ne peut plus être enregistré : l'avis est possible dans les "
    "24\u00a0heures qui suivent la réponse."
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
    alerts, chat = alerts_context(request), request.state.chat
    same_site_only(request, alerts, FOREIGN_SITE)
    within_rate(request, alerts, chat.limits.per_address, VOTES)


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
