"""The console's announcements (admins and editors): the messages awaiting approval, the
drafts and the latest messages, the compose form with its preview and audience, a message's
page and its cancelling. The steps of an announcement's life cycle (edit, back to draft,
approve, send back, retry, live state): announcement_steps.py.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from arobase.hours_text import counted
from bot.web.alerts import alerts_context
from bot.web.console import announcement_steps
from bot.web.console.announcement_form import FormPlace
from bot.web.console.announcement_pages import (
    NO_MESSAGE,
    WRITERS,
    compose_action,
    compose_page,
    held,
    labels_of,
    message_id_of,
    message_response,
)
from bot.web.console.announcement_preview import preview_endpoint
from bot.web.console.announcement_render import (
    COMPOSE_PATH,
    PREVIEW_PATH,
    Draft,
    list_body,
    message_path,
)
from bot.web.console.auth import (
    Endpoint,
    app_path,
    check_session_csrf,
    read_form_lists,
    require,
    see_other,
)
from bot.web.console.pages import page
from bot.web.console.render import ANNOUNCEMENTS_PATH, staff_nav
from bot.web.frame import sentence
from notifications import (
    Hub,
    InvalidInput,
    MessageInfo,
    MessageStatus,
    NotFound,
    StaffSession,
    audit,
    cancel_message,
    delivery_stats,
    get_message,
    list_messages,
)

CANCELLED = "annonce annulée"
NOT_CANCELLABLE = "Ce message ne peut plus être annulé : tous ses envois sont faits."
LIST_LIMIT = 50
# Not yet released: cancelling one abandons it.
UNRELEASED = (MessageStatus.DRAFT, MessageStatus.AWAITING, MessageStatus.SCHEDULED)


def audit_detail(message_id: int, title: str) -> str:
    return f"n° {message_id} : {title}"


def listed(hub: Hub) -> tuple[list[MessageInfo], list[MessageInfo]]:
    """The latest messages, and the drafts and the messages awaiting approval."""
    latest = list_messages(hub, None, LIST_LIMIT)
    waiting = [
        *list_messages(hub, MessageStatus.AWAITING, LIST_LIMIT),
        *list_messages(hub, MessageStatus.DRAFT, LIST_LIMIT),
    ]
    return latest, waiting


@require(*WRITERS)
async def announcements_page(request: Request, session: StaffSession) -> Response:
    """GET /console/annonces: the messages awaiting approval, the drafts, and the latest
    messages, newest first (confirmation requests, addressed to one person, are not
    announcements)."""
    alerts = alerts_context(request)
    messages, waiting = await alerts.run(listed)
    shown = [info for info in messages if info.kind != "confirmation"]
    nav = staff_nav(app_path(request), session)
    body = list_body(nav, shown, labels_of(request), alerts.town.commune.zone, waiting)
    return page(request, "Annonces", body)


@require(*WRITERS)
async def compose_form_page(request: Request, session: StaffSession) -> Response:
    """GET /console/annonces/nouvelle: the empty form."""
    return compose_page(
        request, session, Draft(), FormPlace(COMPOSE_PATH, held=held(request, session))
    )


@require(*WRITERS)
async def compose_new(request: Request, session: StaffSession) -> Response:
    """POST /console/annonces/nouvelle: preview, save as a draft, or publish."""
    place = FormPlace(COMPOSE_PATH, held=held(request, session))
    return await compose_action(request, session, place)


@require(*WRITERS)
async def message_page(request: Request, session: StaffSession) -> Response:
    """GET /console/annonces/{id}: the message as the page loads it (after a retry, how many
    deliveries were put back: ?relances=N)."""
    retried = request.query_params.get("relances", "")
    notice = None
    if retried.isdigit() and len(retried) <= 9:
        count = int(retried)
        notice = (
            f"Remis en attente : {counted(count, 'envoi')} en échec. Le service d'envoi s'en "
            "charge."
            if count
            else "Aucun envoi en échec ne pouvait être relancé (destinataires désactivés)."
        )
    return await message_response(request, session, notice=notice)


def cancel(hub: Hub, message_id: int, actor: str) -> None:
    """Cancel the message (abandon it when not yet released), or its deliveries still to
    make, and note it in the audit log."""
    info = get_message(hub, message_id)
    pending = sum(s.pending for s in delivery_stats(hub, message_id))
    if info.status not in UNRELEASED and not pending:
        raise InvalidInput(NOT_CANCELLABLE)
    cancel_message(hub, message_id)
    audit(hub, actor, CANCELLED, audit_detail(message_id, info.title))


@require(*WRITERS)
async def cancel_action(request: Request, session: StaffSession) -> Response:
    """POST /console/annonces/{id}/annuler: the message cancelled, then its page (303)."""
    fields = await read_form_lists(request)
    check_session_csrf(session, {key: values[0] for key, values in fields.items()})
    message_id = message_id_of(request)
    try:
        await alerts_context(request).run(cancel, message_id, session.account.email)
    except NotFound:
        raise HTTPException(404, NO_MESSAGE) from None
    except InvalidInput as refused:
        raise HTTPException(409, sentence(str(refused))) from None
    return see_other(request, message_path(message_id))


def handlers() -> dict[str, dict[str, Endpoint]]:
    """The announcements' pages, for the console's routes."""
    return {
        ANNOUNCEMENTS_PATH: {"GET": announcements_page},
        COMPOSE_PATH: {"GET": compose_form_page, "POST": compose_new},
        ANNOUNCEMENTS_PATH + "/{message_id:int}": {"GET": message_page},
        ANNOUNCEMENTS_PATH + "/{message_id:int}/annuler": {"POST": cancel_action},
        PREVIEW_PATH: {"POST": preview_endpoint},
        **announcement_steps.handlers(),
    }
