"""The console's announcements (admins and editors): the latest messages, the compose form
with its preview and audience, publishing or scheduling, a message's page and its cancelling.

Publishing only stores the message (`announce`): the worker fans it out, so the page answers
at once whatever the number of subscribers.
"""

from __future__ import annotations

from datetime import datetime

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from bot.web.alerts import alerts_context
from bot.web.console.announcement_render import (
    LATER,
    PUBLISH,
    Draft,
    compose_body,
    list_body,
    message_path,
)
from bot.web.console.auth import (
    MAX_FORM_FIELDS,
    app_path,
    check_session_csrf,
    read_form_lists,
    require,
    see_other,
)
from bot.web.console.message_render import message_body
from bot.web.console.pages import page
from bot.web.console.render import staff_nav
from bot.web.frame import sentence
from notifications import (
    ChannelStats,
    Hub,
    InvalidInput,
    MessageInfo,
    NotFound,
    Role,
    StaffSession,
    UnknownTopic,
    announce,
    audience,
    audit,
    cancel_message,
    delivery_stats,
    failures,
    get_message,
    list_messages,
    preview_announcement,
    send_time,
)

WRITERS = (Role.ADMIN, Role.EDITOR)
PUBLISHED, SCHEDULED, CANCELLED = "annonce publiée", "annonce programmée", "annonce annulée"
NO_TOPIC = "Cochez au moins un thème."
NO_DATE = "Indiquez la date et l'heure de l'envoi, ou choisissez « Dès maintenant »."
NO_MESSAGE = "Ce message n'existe pas."
NOT_CANCELLABLE = "Ce message ne peut plus être annulé : tous ses envois sont faits."
LIST_LIMIT = 50
# The fields a compose form may post besides its topics (csrf, titre, texte, lien, urgent,
# quand, date, heure, action), with room to spare.
COMPOSE_FIELDS = MAX_FORM_FIELDS + 2


def labels_of(request: Request) -> dict[str, str]:
    """The town's topics and their labels, in the town file's order."""
    return {key: topic.label for key, topic in alerts_context(request).town.topics.items()}


def audit_detail(message_id: int, title: str) -> str:
    return f"n° {message_id} : {title}"


@require(*WRITERS)
async def announcements_page(request: Request, session: StaffSession) -> Response:
    """GET /console/annonces: the latest messages, newest first (confirmation requests,
    addressed to one person, are not announcements)."""
    alerts = alerts_context(request)
    messages = await alerts.run(list_messages, None, LIST_LIMIT)
    shown = [info for info in messages if info.kind != "confirmation"]
    nav = staff_nav(app_path(request), session)
    body = list_body(nav, shown, labels_of(request), alerts.town.commune.zone)
    return page(request, "Annonces", body)


def compose_page(
    request: Request,
    session: StaffSession,
    draft: Draft,
    *,
    status: int = 200,
    error: str | None = None,
    invalid: str | None = None,
    preview: tuple[dict[str, str], dict[str, int]] | None = None,
) -> Response:
    nav = staff_nav(app_path(request), session)
    body = compose_body(
        nav, session.csrf, draft, labels_of(request), error=error, invalid=invalid, preview=preview
    )
    title = "Aperçu de l'annonce" if preview else "Écrire une annonce"
    return page(request, title, body, status=status, error=bool(error))


@require(*WRITERS)
async def compose_form_page(request: Request, session: StaffSession) -> Response:
    """GET /console/annonces/nouvelle: the empty form."""
    return compose_page(request, session, Draft())


def draft_of(fields: dict[str, list[str]]) -> Draft:
    def one(name: str) -> str:
        return fields.get(name, [""])[0]

    return Draft(
        title=one("titre"),
        body=one("texte"),
        link=one("lien").strip(),
        topics=fields.get("themes", []),
        urgent=one("urgent") == "oui",
        timing=LATER if one("quand") == LATER else "maintenant",
        date=one("date").strip(),
        time=one("heure").strip(),
    )


def invalid_field(reason: str) -> str | None:
    """The field a hub refusal is about, for aria-invalid."""
    lowered = reason.lower()
    for words, name in (("titre", "titre"), ("texte", "texte"), ("lien", "lien")):
        if lowered.startswith(f"le {words}") or lowered.startswith(words):
            return name
    if "thème" in lowered:
        return "themes"
    if "date" in lowered or "heure" in lowered:
        return "date"
    return None


def checked_draft(draft: Draft) -> tuple[str, str] | None:
    """(error, field) the hub would not say in the console's words; None when none."""
    if not draft.topics:
        return NO_TOPIC, "themes"
    if draft.scheduled and not (draft.date and draft.time):
        return NO_DATE, "date"
    return None


def typed_time(draft: Draft) -> str | None:
    """The date and time typed (the inputs' "2026-12-01" and "08:30"), None for now."""
    return f"{draft.date} {draft.time}" if draft.scheduled else None


def publish(hub: Hub, draft: Draft, actor: str) -> int:
    """Store the announcement (sent now or at its date) and note it in the audit log."""
    at = typed_time(draft)
    info = announce(
        hub,
        draft.title,
        body=draft.body,
        topics=draft.topics,
        at=at,
        urgent=draft.urgent,
        link=draft.link or None,
    )
    audit(hub, actor, SCHEDULED if at else PUBLISHED, audit_detail(info.id, info.title))
    return info.id


def previewed(hub: Hub, draft: Draft) -> tuple[dict[str, str], dict[str, int]]:
    """The texts and the audience, once the announcement is known to be publishable."""
    send_time(hub, typed_time(draft))
    texts = preview_announcement(
        hub, draft.title, draft.body, draft.link or None, draft.topics, draft.urgent
    )
    return texts, audience(hub, draft.topics)


@require(*WRITERS)
async def compose_action(request: Request, session: StaffSession) -> Response:
    """POST /console/annonces/nouvelle: « Aperçu » shows the form again with the exact texts
    and the audience; « Publier » / « Programmer » stores it, then its page (303)."""
    topics = len(alerts_context(request).town.topics)
    fields = await read_form_lists(request, COMPOSE_FIELDS + topics)
    check_session_csrf(session, {key: values[0] for key, values in fields.items()})
    draft = draft_of(fields)
    if (problem := checked_draft(draft)) is not None:
        error, field = problem
        return compose_page(request, session, draft, status=422, error=error, invalid=field)
    alerts = alerts_context(request)
    try:
        if fields.get("action", [""])[0] == PUBLISH:
            message_id = await alerts.run(publish, draft, session.account.email)
            return see_other(request, message_path(message_id))
        preview = await alerts.run(previewed, draft)
    except (InvalidInput, UnknownTopic) as refused:
        reason = sentence(str(refused))
        return compose_page(
            request, session, draft, status=422, error=reason, invalid=invalid_field(reason)
        )
    return compose_page(request, session, draft, preview=preview)


def message_id_of(request: Request) -> int:
    return int(request.path_params["message_id"])


def message_details(
    hub: Hub, message_id: int
) -> tuple[MessageInfo, list[ChannelStats], list[tuple[int, str, str]], datetime]:
    """The message, its deliveries per channel, its latest refusals and the hub's time."""
    info = get_message(hub, message_id)
    return info, delivery_stats(hub, message_id), failures(hub, message_id), hub.now()


@require(*WRITERS)
async def message_page(request: Request, session: StaffSession) -> Response:
    """GET /console/annonces/{id}: the message as the page loads it."""
    alerts = alerts_context(request)
    try:
        info, stats, refused, now = await alerts.run(message_details, message_id_of(request))
    except NotFound:
        raise HTTPException(404, NO_MESSAGE) from None
    nav = staff_nav(app_path(request), session)
    labels, zone = labels_of(request), alerts.town.commune.zone
    body = message_body(nav, session.csrf, info, (stats, refused), labels, zone, now)
    return page(request, f"Message n° {info.id}", body)


def cancel(hub: Hub, message_id: int, actor: str) -> None:
    """Cancel the message, or its deliveries still to make, and note it in the audit log."""
    info = get_message(hub, message_id)
    pending = sum(s.pending for s in delivery_stats(hub, message_id))
    if info.status != "scheduled" and not pending:
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
