"""The console's procedures: a procedure's answer and « vérifié le » date (GET|POST
/console/contenu/demarches/{key}, with a preview of the assistant's answer), and the way back
to the town file's text (POST …/{key}/retablir)."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from bot.web.alerts import alerts_context
from bot.web.console.auth import (
    check_session_csrf,
    read_form_lists,
    require,
)
from bot.web.console.content_pages import WRITERS, done, merged, nav
from bot.web.console.content_render import (
    PREVIEW,
    procedure_body,
)
from bot.web.console.pages import page
from bot.web.frame import sentence
from notifications import (
    ContentRefused,
    Hub,
    ProcedureInput,
    StaffSession,
    edit_procedure,
    procedure_preview,
    revert_procedure,
)

NO_PROCEDURE = "Cette démarche n'existe pas dans le fichier de la commune."


def procedure_key(request: Request) -> str:
    """The path's procedure key; 404 unless the town file has it."""
    key = request.path_params["key"]
    if key not in alerts_context(request).town.procedures:
        raise HTTPException(404, NO_PROCEDURE)
    return key


@require(*WRITERS)
async def procedure_page(request: Request, session: StaffSession) -> Response:
    """GET /console/contenu/demarches/{key}: the procedure's text and date as answered now."""
    key = procedure_key(request)
    edits, town, _, _ = await alerts_context(request).run(merged)
    procedure = town.procedures[key]
    typed = (procedure.answer, procedure.checked.isoformat())
    body = procedure_body(
        nav(request, session), session.csrf, procedure, typed, edits.procedures.get(key)
    )
    return page(request, f"Démarche : {procedure.title}", body)


def edit_procedure_as(hub: Hub, key: str, typed: ProcedureInput, actor: str) -> None:
    edit_procedure(hub, key, typed, actor=actor)


@require(*WRITERS)
async def procedure_action(request: Request, session: StaffSession) -> Response:
    """POST /console/contenu/demarches/{key}: « Aperçu » shows the assistant's answer with
    this text; « Enregistrer » stores it, then the overview."""
    key = procedure_key(request)
    fields = await read_form_lists(request)
    form = {name: values[0] for name, values in fields.items()}
    check_session_csrf(session, form)
    typed = ProcedureInput(form.get("answer", ""), form.get("checked", "").strip())
    alerts = alerts_context(request)
    preview = None
    try:
        if form.get("action") == PREVIEW:
            preview = await alerts.run(procedure_preview, key, typed)
        else:
            await alerts.run(edit_procedure_as, key, typed, session.account.email)
            return done(request, "demarche")
        refused = None
    except ContentRefused as error:
        refused = error
    edits, _, _, _ = await alerts.run(merged)
    procedure = alerts.town.procedures[key]
    outcome = (sentence(str(refused)), refused.field) if refused else None
    body = procedure_body(
        nav(request, session),
        session.csrf,
        procedure,
        (typed.answer, typed.checked),
        edits.procedures.get(key),
        outcome,
        preview,
    )
    status = 422 if refused else 200
    return page(request, f"Démarche : {procedure.title}", body, status=status, error=bool(refused))


def revert_as(hub: Hub, key: str, actor: str) -> None:
    revert_procedure(hub, key, actor=actor)


@require(*WRITERS)
async def revert_action(request: Request, session: StaffSession) -> Response:
    """POST /console/contenu/demarches/{key}/retablir: the file's text again."""
    key = procedure_key(request)
    fields = await read_form_lists(request)
    check_session_csrf(session, {name: values[0] for name, values in fields.items()})
    await alerts_context(request).run(revert_as, key, session.account.email)
    return done(request, "retour")
