"""The console's closures: add (GET|POST /console/contenu/fermetures/nouvelle), change
(GET|POST /console/contenu/fermetures/{id}) and remove (POST …/{id}/supprimer) one; a refusal
gives the form again with the file's reason for the field concerned (422)."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from bot.web.alerts import alerts_context
from bot.web.console.auth import (
    MAX_FORM_FIELDS,
    app_path,
    check_session_csrf,
    read_form_lists,
    require,
)
from bot.web.console.content_pages import WRITERS, done, nav
from bot.web.console.content_render import (
    ALL_SERVICES,
    closure_body,
)
from bot.web.console.pages import page
from bot.web.frame import sentence
from notifications import (
    ClosureInput,
    ContentRefused,
    Hub,
    NotFound,
    StaffSession,
    add_closure,
    closure_edit,
    remove_closure,
    update_closure,
)


def closure_id_of(request: Request) -> int:
    return int(request.path_params["closure_id"])


def typed_closure(fields: dict[str, list[str]]) -> ClosureInput:
    """The closure form's values; « tous les services » wins over single services."""

    def one(name: str) -> str:
        return fields.get(name, [""])[0]

    services = fields.get("services", [])
    return ClosureInput(
        date=one("date"),
        until=one("until"),
        services=None if ALL_SERVICES in services else tuple(services),
        hours=one("hours"),
        reason=one("reason"),
    )


def closure_form(
    request: Request,
    session: StaffSession,
    typed: ClosureInput,
    *,
    closure_id: int | None = None,
    refused: ContentRefused | None = None,
) -> Response:
    town = alerts_context(request).town
    error = (sentence(str(refused)), refused.field) if refused else None
    here = app_path(request)
    body = closure_body(nav(request, session), town, session.csrf, here, typed, error, closure_id)
    title = "Ajouter une fermeture" if closure_id is None else "Modifier une fermeture"
    return page(request, title, body, status=422 if refused else 200, error=bool(refused))


async def posted_closure(request: Request, session: StaffSession) -> ClosureInput:
    """The posted closure, its size and CSRF token checked (one box per service)."""
    services = len(alerts_context(request).town.services)
    fields = await read_form_lists(request, MAX_FORM_FIELDS + services + 1)
    check_session_csrf(session, {key: values[0] for key, values in fields.items()})
    return typed_closure(fields)


@require(*WRITERS)
async def new_closure_page(request: Request, session: StaffSession) -> Response:
    """GET /console/contenu/fermetures/nouvelle: the empty form (every service ticked)."""
    return closure_form(request, session, ClosureInput(date="", reason=""))


@require(*WRITERS)
async def new_closure_action(request: Request, session: StaffSession) -> Response:
    """POST /console/contenu/fermetures/nouvelle: stored, or the form again with the reason."""
    typed = await posted_closure(request, session)
    try:
        await alerts_context(request).run(add_closure_as, typed, session.account.email)
    except ContentRefused as refused:
        return closure_form(request, session, typed, refused=refused)
    return done(request, "ajout")


def add_closure_as(hub: Hub, typed: ClosureInput, actor: str) -> None:
    add_closure(hub, typed, actor=actor)


@require(*WRITERS)
async def closure_page(request: Request, session: StaffSession) -> Response:
    """GET /console/contenu/fermetures/{id}: the form filled with the closure."""
    closure_id = closure_id_of(request)
    try:
        found = await alerts_context(request).run(closure_edit, closure_id)
    except NotFound as missing:
        raise HTTPException(404, str(missing)) from None
    c = found.closure
    typed = ClosureInput(
        date=c.start.isoformat(),
        until=c.end.isoformat() if c.end else "",
        services=tuple(c.services) if c.services is not None else None,
        hours=c.hours or "",
        reason=c.reason,
    )
    return closure_form(request, session, typed, closure_id=closure_id)


@require(*WRITERS)
async def closure_action(request: Request, session: StaffSession) -> Response:
    """POST /console/contenu/fermetures/{id}: changed, or the form again with the reason."""
    closure_id = closure_id_of(request)
    typed = await posted_closure(request, session)
    try:
        await alerts_context(request).run(change_closure, closure_id, typed, session.account.email)
    except ContentRefused as refused:
        return closure_form(request, session, typed, closure_id=closure_id, refused=refused)
    except NotFound as missing:
        raise HTTPException(404, str(missing)) from None
    return done(request, "modification")


def change_closure(hub: Hub, closure_id: int, typed: ClosureInput, actor: str) -> None:
    update_closure(hub, closure_id, typed, actor=actor)


def drop_closure(hub: Hub, closure_id: int, actor: str) -> None:
    remove_closure(hub, closure_id, actor=actor)


@require(*WRITERS)
async def remove_action(request: Request, session: StaffSession) -> Response:
    """POST /console/contenu/fermetures/{id}/supprimer: removed, then the overview."""
    fields = await read_form_lists(request)
    check_session_csrf(session, {key: values[0] for key, values in fields.items()})
    try:
        await alerts_context(request).run(
            drop_closure, closure_id_of(request), session.account.email
        )
    except NotFound as missing:
        raise HTTPException(404, str(missing)) from None
    return done(request, "suppression")
