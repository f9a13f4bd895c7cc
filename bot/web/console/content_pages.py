"""The town content section's shared pieces: who may use it, the outcome of a change, the
edits merged over the file, and the overview page (GET /console/contenu)."""

from __future__ import annotations

from datetime import date

from starlette.requests import Request
from starlette.responses import Response

from arobase.errors import TownContentError
from arobase.town import Town
from bot.web.alerts import alerts_context
from bot.web.console.auth import (
    app_path,
    require,
    see_other,
)
from bot.web.console.content_render import (
    overview_body,
)
from bot.web.console.pages import page
from bot.web.console.render import CONTENT_PATH, message, staff_nav
from notifications import (
    Hub,
    Role,
    StaffSession,
    TownEdits,
    effective_town,
    town_edits,
)

WRITERS = (Role.ADMIN, Role.EDITOR)
DONE_PARAMETER = "fait"
DONE = {
    "ajout": "La fermeture est enregistrée. L'assistant la donne dans les secondes qui suivent.",
    "modification": "La fermeture est modifiée. L'assistant en tient compte dans les secondes "
    "qui suivent.",
    "suppression": "La fermeture est supprimée. L'assistant ne la donne plus.",
    "demarche": "La démarche est enregistrée. L'assistant donne ce texte dans les secondes qui "
    "suivent.",
    "retour": "La démarche reprend le texte du fichier de la commune.",
}
SET_ASIDE = (
    "Les modifications faites dans la console ne correspondent plus au fichier de la commune "
    "et sont mises de côté (l'assistant répond avec le fichier seul) : {reason}"
)


def nav(request: Request, session: StaffSession) -> str:
    return staff_nav(app_path(request), session)


def merged(hub: Hub) -> tuple[TownEdits, Town, str | None, date]:
    """The edits, the town they make (the file's alone and why, when they no longer fit it)
    and the town's today."""
    edits = town_edits(hub)
    try:
        return edits, effective_town(hub, edits), None, hub.now().astimezone(hub.zone).date()
    except TownContentError as problem:
        today = hub.now().astimezone(hub.zone).date()
        return edits, hub.town, SET_ASIDE.format(reason=problem.reason), today


@require(*WRITERS)
async def content_page(request: Request, session: StaffSession) -> Response:
    """GET /console/contenu: closures and procedures, and the outcome of the last change."""
    alerts = alerts_context(request)
    edits, town, problem, today = await alerts.run(merged)
    done = DONE.get(request.query_params.get(DONE_PARAMETER, ""))
    notice = message(problem, error=True) or message(done, error=False)
    body = overview_body(nav(request, session), alerts.town, town, edits, today, notice)
    return page(request, "Contenu de la commune", body, error=bool(problem))


def done(request: Request, outcome: str) -> Response:
    return see_other(request, f"{CONTENT_PATH}?{DONE_PARAMETER}={outcome}")
