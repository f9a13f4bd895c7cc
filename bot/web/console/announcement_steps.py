"""The steps of an announcement's life cycle in the console (admins and editors): change one
not yet released, put it back to draft, approve it or send it back under the two-person rule,
try a released one's failed deliveries again, and its live state for the page's script.

Who may take which step is the hub's rule (notifications/decide/announcements.py): refused
for the person, 403; for the message's state (released meanwhile, changed by someone else),
409. Every step is audited by the hub in the transaction that makes it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot.web.alerts import alerts_context
from bot.web.console.announcement_form import FormPlace
from bot.web.console.announcement_pages import (
    NO_MESSAGE,
    WRITERS,
    compose_action,
    compose_page,
    details,
    draft_from,
    held,
    labels_of,
    message_id_of,
    message_response,
    revision_of,
)
from bot.web.console.announcement_render import message_path
from bot.web.console.auth import (
    Endpoint,
    check_session_csrf,
    read_form,
    require,
    see_other,
)
from bot.web.console.message_render import MessageView, deliveries_block, step_path, summary
from bot.web.console.render import ANNOUNCEMENTS_PATH
from bot.web.frame import sentence
from notifications import (
    Conflict,
    InvalidInput,
    NotAllowed,
    NotFound,
    StaffSession,
    Step,
    allowed,
    approve,
    retry_failed,
    send_back,
    unschedule,
)

MESSAGE = ANNOUNCEMENTS_PATH + "/{message_id:int}"


async def run_step(request: Request, operation: Callable[..., Any], *args: Any) -> Any:
    """OPERATION(hub, *ARGS), its refusals as the console's: 404, 403 (the person), 409
    (the message's state)."""
    try:
        return await alerts_context(request).run(operation, *args)
    except NotFound:
        raise HTTPException(404, NO_MESSAGE) from None
    except NotAllowed as refused:
        raise HTTPException(403, sentence(str(refused))) from None
    except Conflict as refused:
        raise HTTPException(409, sentence(str(refused))) from None


@require(*WRITERS)
async def edit_page(request: Request, session: StaffSession) -> Response:
    """GET /console/annonces/{id}/modifier: the compose form filled with the message, while
    it is not released."""
    account, message_id = session.account, message_id_of(request)
    found = await run_step(request, allowed, Step.EDIT, message_id, account.email, account.role)
    draft = draft_from(found, alerts_context(request).town.commune.zone)
    place = FormPlace(step_path(message_id, "modifier"), found.revision, held(request, session))
    return compose_page(request, session, draft, place)


@require(*WRITERS)
async def edit_action(request: Request, session: StaffSession) -> Response:
    """POST /console/annonces/{id}/modifier: as the compose form, for this message at the
    revision the form was shown at (409 when someone changed or released it meanwhile)."""
    place = FormPlace(step_path(message_id_of(request), "modifier"), held=held(request, session))
    return await compose_action(request, session, place, message_id_of(request))


async def posted(request: Request, session: StaffSession) -> dict[str, str]:
    fields = await read_form(request)
    check_session_csrf(session, fields)
    return fields


@require(*WRITERS)
async def unschedule_action(request: Request, session: StaffSession) -> Response:
    """POST /console/annonces/{id}/brouillon: a scheduled or awaiting message back to draft."""
    await posted(request, session)
    account, message_id = session.account, message_id_of(request)
    await run_step(
        request, lambda hub: unschedule(hub, message_id, actor=account.email, role=account.role)
    )
    return see_other(request, message_path(message_id))


@require(*WRITERS)
async def approve_action(request: Request, session: StaffSession) -> Response:
    """POST /console/annonces/{id}/valider: approved as shown (its revision), then scheduled."""
    revision = revision_of(await posted(request, session))
    account, message_id = session.account, message_id_of(request)
    await run_step(
        request,
        lambda hub: approve(hub, message_id, revision, actor=account.email, role=account.role),
    )
    return see_other(request, message_path(message_id))


@require(*WRITERS)
async def send_back_action(request: Request, session: StaffSession) -> Response:
    """POST /console/annonces/{id}/renvoyer: back to draft with a comment for its author; the
    page again with the reason (422) when the comment is missing."""
    fields = await posted(request, session)
    revision = revision_of(fields)
    account, message_id = session.account, message_id_of(request)
    comment = fields.get("commentaire", "")
    try:
        await run_step(
            request,
            lambda hub: send_back(
                hub, message_id, revision, comment, actor=account.email, role=account.role
            ),
        )
    except InvalidInput as refused:
        return await message_response(request, session, status=422, error=sentence(str(refused)))
    return see_other(request, message_path(message_id))


@require(*WRITERS)
async def retry_action(request: Request, session: StaffSession) -> Response:
    """POST /console/annonces/{id}/relancer: the failed deliveries back to pending; the page
    then says how many."""
    await posted(request, session)
    account, message_id = session.account, message_id_of(request)
    count = await run_step(
        request, lambda hub: retry_failed(hub, message_id, account.email, role=account.role)
    )
    return see_other(request, f"{message_path(message_id)}?relances={count}")


@require(*WRITERS)
async def state_endpoint(request: Request, session: StaffSession) -> Response:
    """GET /console/annonces/{id}/etat: the deliveries' part of the page and its summary, for
    static/console-live.js; "live" false when nothing may change any more."""
    alerts = alerts_context(request)
    try:
        found, stats, refused, now = await alerts.run(details, message_id_of(request))
    except NotFound:
        raise HTTPException(404, NO_MESSAGE) from None
    view = MessageView(found, stats, refused, now, alerts.town.commune.zone, labels_of(request), "")
    return JSONResponse(
        {"live": view.live, "summary": summary(view), "html": deliveries_block(view)}
    )


def handlers() -> dict[str, dict[str, Endpoint]]:
    """The steps' routes, for announcements.handlers()."""
    return {
        MESSAGE + "/modifier": {"GET": edit_page, "POST": edit_action},
        MESSAGE + "/brouillon": {"POST": unschedule_action},
        MESSAGE + "/valider": {"POST": approve_action},
        MESSAGE + "/renvoyer": {"POST": send_back_action},
        MESSAGE + "/relancer": {"POST": retry_action},
        MESSAGE + "/etat": {"GET": state_endpoint},
    }
