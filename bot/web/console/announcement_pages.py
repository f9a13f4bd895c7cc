"""What the announcements' endpoints share: the compose form read, checked, previewed and
saved (for a new announcement and for one being changed), and a message's page.

Saving only stores the message: the worker fans it out when it is scheduled and due, so the
page answers at once whatever the number of subscribers.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, tzinfo

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from bot.web.alerts import alerts_context
from bot.web.common import BAD_FORM
from bot.web.console.announcement_form import FormPlace, compose_body
from bot.web.console.announcement_render import (
    DRAFT,
    LATER,
    NOW,
    PUBLISH,
    Draft,
    Preview,
    message_path,
)
from bot.web.console.auth import (
    MAX_FORM_FIELDS,
    app_path,
    check_session_csrf,
    read_form_lists,
    see_other,
)
from bot.web.console.message_render import MessageView, message_body
from bot.web.console.pages import page
from bot.web.console.render import staff_nav
from bot.web.frame import sentence
from notifications import (
    Announcement,
    ChannelStats,
    Composed,
    Conflict,
    Hub,
    InvalidInput,
    NotAllowed,
    NotFound,
    Role,
    StaffSession,
    UnknownTopic,
    audience,
    budget_notes,
    check_areas,
    delivery_stats,
    failures,
    get_announcement,
    preview_announcement,
    save_announcement,
    send_time,
)

WRITERS = (Role.ADMIN, Role.EDITOR)
NO_TOPIC = "Cochez au moins un thème."
NO_DATE = "Indiquez la date et l'heure de l'envoi, ou choisissez « Dès maintenant »."
NO_MESSAGE = "Ce message n'existe pas."
# The fields a compose form may post besides its topics and areas (csrf, titre, texte, lien,
# urgent, quand, date, heure, action, revision, motif), with room to spare.
COMPOSE_FIELDS = MAX_FORM_FIELDS + 3


def labels_of(request: Request) -> dict[str, str]:
    """The town's topics and their labels, in the town file's order."""
    return {key: topic.label for key, topic in alerts_context(request).town.topics.items()}


def places_of(request: Request) -> dict[str, str]:
    """The town's areas and their names, in the town file's order."""
    return {key: area.name for key, area in alerts_context(request).town.areas.items()}


def form_fields_limit(request: Request) -> int:
    """How many fields a compose form may post: its own, a topic or an area each."""
    town = alerts_context(request).town
    return COMPOSE_FIELDS + len(town.topics) + len(town.areas)


def held(request: Request, session: StaffSession) -> bool:
    """Whether the two-person rule holds this person's announcements (an admin's go)."""
    approval = alerts_context(request).settings.approval_required
    return approval and session.account.role is not Role.ADMIN


def compose_page(
    request: Request,
    session: StaffSession,
    draft: Draft,
    place: FormPlace,
    *,
    status: int = 200,
    error: str | None = None,
    invalid: str | None = None,
    preview: Preview | None = None,
) -> Response:
    nav = staff_nav(app_path(request), session)
    choices = (labels_of(request), places_of(request))
    body = compose_body(
        nav, session.csrf, draft, choices, place, error=error, invalid=invalid, preview=preview
    )
    title = "Aperçu de l'annonce" if preview else "Écrire une annonce"
    if place.revision is not None and not preview:
        title = "Modifier l'annonce"
    return page(request, title, body, status=status, error=bool(error))


def draft_of(fields: dict[str, list[str]]) -> Draft:
    def one(name: str) -> str:
        return fields.get(name, [""])[0]

    return Draft(
        title=one("titre"),
        body=one("texte"),
        link=one("lien").strip(),
        topics=fields.get("themes", []),
        urgent=one("urgent") == "oui",
        timing=LATER if one("quand") == LATER else NOW,
        date=one("date").strip(),
        time=one("heure").strip(),
        bypass=one("motif"),
        areas=fields.get("secteurs", []),
    )


def draft_from(found: Announcement, zone: tzinfo) -> Draft:
    """The form filled with a stored announcement, to change it."""
    info = found.message
    local = info.scheduled_at.astimezone(zone)
    dated = not found.immediate
    return Draft(
        title=info.title,
        body=info.body,
        link=info.link or "",
        topics=list(info.topics),
        urgent=info.urgent,
        timing=LATER if dated else NOW,
        date=f"{local:%Y-%m-%d}" if dated else "",
        time=f"{local:%H:%M}" if dated else "",
        bypass=found.bypass_reason or "",
        areas=list(info.areas),
    )


def invalid_field(reason: str) -> str | None:
    """The field a hub refusal is about, for aria-invalid."""
    lowered = reason.lower()
    for words, name in (("titre", "titre"), ("texte", "texte"), ("lien", "lien")):
        if lowered.startswith(f"le {words}") or lowered.startswith(words):
            return name
    if "thème" in lowered:
        return "themes"
    if "secteur" in lowered:
        return "secteurs"
    if "validation" in lowered:
        return "motif"
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


def composed_of(draft: Draft) -> Composed:
    """The announcement typed: "2026-12-01" and "08:30" from the inputs, None for now."""
    at = f"{draft.date} {draft.time}" if draft.scheduled else None
    link = draft.link or None
    return Composed(
        draft.title,
        draft.body,
        link,
        tuple(draft.topics),
        draft.urgent,
        at,
        draft.bypass,
        tuple(draft.areas),
    )


def previewed(hub: Hub, draft: Draft) -> Preview:
    """The texts, the audience, the prices per recipient, what is left of the month's budget
    of a capped channel and the areas' names, once the announcement is known to be
    publishable."""
    composed = composed_of(draft)
    send_time(hub, composed.at)
    areas = check_areas(hub, composed.areas)
    shown = preview_announcement(
        hub, draft.title, draft.body, composed.link, draft.topics, draft.urgent
    )
    reach = audience(hub, draft.topics, areas)
    notes = budget_notes(hub, shown.prices, reach)
    places = tuple(hub.town.areas[key].name for key in areas)
    return Preview(shown.texts, reach, shown.prices, notes, places)


def revision_of(fields: dict[str, str]) -> int:
    """The revision a form was shown at; 400 when it is missing or not a number."""
    text = fields.get("revision", "")
    if not (text.isdigit() and len(text) <= 9):
        raise HTTPException(400, BAD_FORM)
    return int(text)


async def compose_action(
    request: Request, session: StaffSession, place: FormPlace, message_id: int | None = None
) -> Response:
    """A posted compose form, for a new message or MESSAGE_ID (at the revision the form was
    shown at): « Aperçu » shows it again with the exact texts and the audience;
    « Enregistrer le brouillon » and « Publier » / « Programmer » store it, then its page
    (303). A refusal by the rules: 403, or 409 (released or changed meanwhile)."""
    fields = await read_form_lists(request, form_fields_limit(request))
    first = {key: values[0] for key, values in fields.items()}
    check_session_csrf(session, first)
    revision = None if message_id is None else revision_of(first)
    place = replace(place, revision=revision)
    draft, action = draft_of(fields), first.get("action", "")
    if (problem := checked_draft(draft)) is not None:
        error, field = problem
        return compose_page(request, session, draft, place, status=422, error=error, invalid=field)
    alerts = alerts_context(request)
    account = session.account
    try:
        if action in (PUBLISH, DRAFT):
            saved = await alerts.run(
                lambda hub: save_announcement(
                    hub,
                    composed_of(draft),
                    actor=account.email,
                    role=account.role,
                    publish=action == PUBLISH,
                    message_id=message_id,
                    revision=revision,
                )
            )
            return see_other(request, message_path(saved.message.id))
        preview = await alerts.run(previewed, draft)
    except (InvalidInput, UnknownTopic) as refused:
        reason = sentence(str(refused))
        return compose_page(
            request, session, draft, place, status=422, error=reason, invalid=invalid_field(reason)
        )
    except NotAllowed as refused:
        raise HTTPException(403, sentence(str(refused))) from None
    except Conflict as refused:
        raise HTTPException(409, sentence(str(refused))) from None
    except NotFound:
        raise HTTPException(404, NO_MESSAGE) from None
    return compose_page(request, session, draft, place, preview=preview)


def message_id_of(request: Request) -> int:
    return int(request.path_params["message_id"])


def details(
    hub: Hub, message_id: int
) -> tuple[Announcement, list[ChannelStats], list[tuple[int, str, str]], datetime]:
    """The message, its deliveries per channel, its latest refusals and the hub's time."""
    found = get_announcement(hub, message_id)
    return found, delivery_stats(hub, message_id), failures(hub, message_id), hub.now()


async def message_response(
    request: Request,
    session: StaffSession,
    *,
    status: int = 200,
    error: str | None = None,
    notice: str | None = None,
) -> Response:
    """A message's page: what it says, its workflow, its deliveries and what may be done."""
    alerts = alerts_context(request)
    try:
        found, stats, refused, now = await alerts.run(details, message_id_of(request))
    except NotFound:
        raise HTTPException(404, NO_MESSAGE) from None
    view = MessageView(
        found=found,
        stats=stats,
        refused=refused,
        now=now,
        zone=alerts.town.commune.zone,
        labels=labels_of(request),
        viewer=session.account.email,
        places=places_of(request),
    )
    nav = staff_nav(app_path(request), session)
    body = message_body(nav, session.csrf, view, error=error, notice=notice)
    return page(request, f"Message n° {found.message.id}", body, status=status, error=bool(error))
