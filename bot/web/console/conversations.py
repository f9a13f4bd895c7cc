"""The console's « Conversations » (admins, editors and agents): the conversations the
assistant handed over to the town agents, answered here.

- `GET /console/conversations`: the inbox, waiting ones first, oldest first (kept current by
  static/console-live.js through `GET /console/conversations/etat`);
- `GET /console/conversations/{id}`: a conversation: its question, the turns before it, its
  messages and the reply form (its live part: `GET …/{id}/etat`);
- `POST …/{id}/repondre`: the reply stored, then, for a Telegram chat, sent at once (its
  failure shown with Telegram's reason and a « Renvoyer » button: `POST …/{id}/renvoyer`);
  the web page asks for it itself;
- `POST …/{id}/prendre`: the agent takes it (the others see who);
- `POST …/{id}/terminer`: closed, the resident told, and the assistant answers them again.

Every POST checks the session's CSRF token and is audited (notifications/handoffs.py); after
one, the page is shown again by a redirect (303) that says how it went.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot.web.alerts import alerts_context
from bot.web.console.auth import (
    Endpoint,
    app_path,
    check_session_csrf,
    read_form,
    require,
    see_other,
)
from bot.web.console.conversations_render import (
    STATE_PATH,
    ThreadView,
    inbox_block,
    inbox_body,
    inbox_summary,
    messages_block,
    thread_body,
    thread_path,
    thread_summary,
)
from bot.web.console.pages import page
from bot.web.console.render import CONVERSATIONS_PATH, staff_nav
from bot.web.frame import sentence
from notifications import (
    Conflict,
    HandoffMessage,
    HandoffStatus,
    HandoffThread,
    HubError,
    InvalidInput,
    NotFound,
    Relay,
    Role,
    StaffSession,
    agent_replies,
    close_handoff,
    handoff_message,
    handoff_thread,
    handoffs_waiting,
    relay_message,
    take_handoff,
    waiting_handoffs,
)

log = logging.getLogger(__name__)
T = TypeVar("T")
STAFF = (Role.ADMIN, Role.EDITOR, Role.AGENT)
TITLE = "Conversations"
NO_CONVERSATION = "Cette conversation n'existe pas (ou plus) : elle a peut-être été effacée."
AFTER = "suite"  # the query that says how the last step went
OUTCOMES = {
    "envoyee": ("La réponse est envoyée sur Telegram.", False),
    "enregistree": ("La réponse est enregistrée : l'habitant la voit dans sa conversation.", False),
    "encours": ("L'envoi sur Telegram est déjà en cours.", False),
    "echec": (
        "Telegram n'a pas accepté le message : la raison est sous le message. Il est "
        "enregistré ; vous pouvez le renvoyer.",
        True,
    ),
    "prise": ("Vous avez pris en charge cette conversation.", False),
    "terminee": ("La conversation est terminée : l'assistant répond de nouveau.", False),
}
RELAYED = {Relay.SENT: "envoyee", Relay.FAILED: "echec"}


def handoff_id_of(request: Request) -> int:
    return request.path_params["handoff_id"]


async def thread_of(request: Request) -> HandoffThread:
    try:
        return await alerts_context(request).run(handoff_thread, handoff_id_of(request))
    except NotFound:
        raise HTTPException(404, NO_CONVERSATION) from None


async def view_of(request: Request, session: StaffSession) -> ThreadView:
    alerts = alerts_context(request)
    now = (await alerts.hub()).now()
    return ThreadView(alerts.town.commune.zone, session.csrf, session.account.email, now)


@require(*STAFF)
async def inbox_page(request: Request, session: StaffSession) -> Response:
    """GET /console/conversations: the inbox."""
    alerts = alerts_context(request)
    handoffs = await alerts.run(waiting_handoffs)
    waiting = sum(h.status is HandoffStatus.WAITING for h in handoffs)
    nav = staff_nav(app_path(request), session, waiting)
    return page(request, TITLE, inbox_body(nav, handoffs, alerts.town.commune.zone))


@require(*STAFF)
async def inbox_state(request: Request, session: StaffSession) -> Response:
    """GET /console/conversations/etat: the inbox's table and its summary, for
    static/console-live.js (always live: a new request may come at any time)."""
    alerts = alerts_context(request)
    handoffs = await alerts.run(waiting_handoffs)
    block = inbox_block(handoffs, alerts.town.commune.zone)
    return JSONResponse({"live": True, "summary": inbox_summary(handoffs), "html": block})


async def thread_response(
    request: Request,
    session: StaffSession,
    outcome: tuple[str | None, str | None] = (None, None),
    typed: str = "",
    status: int = 200,
) -> Response:
    """A conversation's page, with OUTCOME (an error, a notice) and the reply TYPED."""
    thread = await thread_of(request)
    waiting = await alerts_context(request).run(handoffs_waiting)
    nav = staff_nav(app_path(request), session, waiting)
    body = thread_body(nav, thread, await view_of(request, session), outcome, typed)
    title = f"Conversation n°\u00a0{thread.handoff.id}"
    return page(request, title, body, status=status, error=outcome[0] is not None)


@require(*STAFF)
async def thread_page(request: Request, session: StaffSession) -> Response:
    """GET /console/conversations/{id}: a conversation (and how the last step went)."""
    text, failed = OUTCOMES.get(request.query_params.get(AFTER, ""), ("", False))
    return await thread_response(request, session, (text or None, None) if failed else (None, text))


@require(*STAFF)
async def thread_state(request: Request, session: StaffSession) -> Response:
    """GET /console/conversations/{id}/etat: the messages' part of the page and its summary,
    for static/console-live.js; "live" false once it is closed."""
    thread = await thread_of(request)
    body = {
        "live": thread.handoff.status is not HandoffStatus.CLOSED,
        "summary": thread_summary(thread),
        "html": messages_block(thread, await view_of(request, session)),
    }
    return JSONResponse(body)


async def posted(request: Request, session: StaffSession) -> dict[str, str]:
    form = await read_form(request)
    check_session_csrf(session, form)
    return form


async def step(request: Request, operation: Callable[..., T], *args: object) -> T:
    """OPERATION(hub, handoff id, *ARGS): 404 when the conversation is gone, 409 when it is
    closed."""
    try:
        return await alerts_context(request).run(operation, handoff_id_of(request), *args)
    except NotFound:
        raise HTTPException(404, NO_CONVERSATION) from None
    except Conflict as refused:
        raise HTTPException(409, sentence(str(refused))) from None


async def relayed(request: Request, message: HandoffMessage, resent_by: str | None = None) -> str:
    """Send MESSAGE to its Telegram chat when it has one; how it went (an OUTCOMES key)."""
    if message.relay is None:
        return "enregistree"
    try:
        hub = await alerts_context(request).hub()
        sent = await relay_message(hub, message.id, resent_by)
    except HubError as error:  # stored: it stays to be sent, with « Renvoyer »
        log.error("handoff: could not send message %s: %r", message.id, error)
        return "echec"
    return RELAYED.get(sent.relay, "encours") if sent.relay else "enregistree"


def back_to(request: Request, outcome: str) -> Response:
    return see_other(request, f"{thread_path(handoff_id_of(request))}?{AFTER}={outcome}")


@require(*STAFF)
async def reply_action(request: Request, session: StaffSession) -> Response:
    """POST …/{id}/repondre: the reply stored, then sent to a Telegram chat; the page again
    (422) when it is empty or too long, the text kept."""
    form = await posted(request, session)
    typed = form.get("reponse", "")
    try:
        message = await step(request, agent_replies, session.account.email, typed)
    except InvalidInput as refused:
        return await thread_response(request, session, (sentence(str(refused)), None), typed, 422)
    return back_to(request, await relayed(request, message))


@require(*STAFF)
async def take_action(request: Request, session: StaffSession) -> Response:
    """POST …/{id}/prendre: the agent takes the conversation."""
    await posted(request, session)
    await step(request, take_handoff, session.account.email)
    return back_to(request, "prise")


@require(*STAFF)
async def close_action(request: Request, session: StaffSession) -> Response:
    """POST …/{id}/terminer: closed; the resident is told (a Telegram chat at once)."""
    await posted(request, session)
    closing = await step(request, close_handoff, session.account.email)
    outcome = await relayed(request, closing)
    return back_to(request, "terminee" if outcome in ("envoyee", "enregistree") else outcome)


@require(*STAFF)
async def resend_action(request: Request, session: StaffSession) -> Response:
    """POST …/{id}/renvoyer: a message Telegram did not take, sent again."""
    form = await posted(request, session)
    number = form.get("message", "")
    if not number.isdigit() or len(number) > 12:
        raise HTTPException(404, NO_CONVERSATION)
    try:
        handoff, message = await alerts_context(request).run(handoff_message, int(number))
    except NotFound:
        raise HTTPException(404, NO_CONVERSATION) from None
    if handoff.id != handoff_id_of(request):
        raise HTTPException(404, NO_CONVERSATION)
    return back_to(request, await relayed(request, message, session.account.email))


def handlers() -> dict[str, dict[str, Endpoint]]:
    """This section's pages, for the console's routes."""
    thread = CONVERSATIONS_PATH + "/{handoff_id:int}"
    return {
        CONVERSATIONS_PATH: {"GET": inbox_page},
        STATE_PATH: {"GET": inbox_state},
        thread: {"GET": thread_page},
        thread + "/etat": {"GET": thread_state},
        thread + "/repondre": {"POST": reply_action},
        thread + "/prendre": {"POST": take_action},
        thread + "/terminer": {"POST": close_action},
        thread + "/renvoyer": {"POST": resend_action},
    }
