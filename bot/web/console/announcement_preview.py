"""The compose form's live preview: POST /console/annonces/apercu answers the exact texts of
each channel and the audience of the announcement as typed, rendered by the page's own
renderer, for static/console-preview.js, which keeps the page's preview current while the
person types. Without the script, « Mettre à jour l'aperçu » does the same with a new page."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot.web.alerts import alerts_context
from bot.web.console.announcement_pages import (
    WRITERS,
    checked_draft,
    draft_of,
    form_fields_limit,
    previewed,
)
from bot.web.console.announcement_render import preview_block
from bot.web.console.auth import check_session_csrf, read_form_lists, require
from bot.web.frame import sentence
from notifications import InvalidInput, StaffSession, UnknownTopic


@require(*WRITERS)
async def preview_endpoint(request: Request, session: StaffSession) -> Response:
    """The preview's HTML ("html"), or why the announcement cannot be previewed as typed
    ("error", 422): the same checks as the form's « Aperçu »."""
    alerts = alerts_context(request)
    fields = await read_form_lists(request, form_fields_limit(request))
    check_session_csrf(session, {key: values[0] for key, values in fields.items()})
    draft = draft_of(fields)
    if (problem := checked_draft(draft)) is not None:
        return JSONResponse({"error": problem[0]}, status_code=422)
    try:
        preview = await alerts.run(previewed, draft)
    except (InvalidInput, UnknownTopic) as refused:
        return JSONResponse({"error": sentence(str(refused))}, status_code=422)
    return JSONResponse({"html": preview_block(preview)})
