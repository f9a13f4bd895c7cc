"""The dashboard (admins and editors): plots of subscribers, deliveries, failures and chat
messages, the sources' state with "lire maintenant", and the worker's heartbeat.

- `GET /console/tableau-de-bord`: the page, read from the hub's database at each request;
- `POST /console/tableau-de-bord/sources/{name}/lire`: that source's next poll made due now
  (CSRF, audited), then the page again (303) saying it will be read in a few seconds.
"""

from __future__ import annotations

import re

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from bot.web.alerts import alerts_context
from bot.web.console.auth import (
    Endpoint,
    app_path,
    check_session_csrf,
    read_form,
    require,
    see_other,
)
from bot.web.console.dashboard_render import SOURCES_ID, dashboard_body, poll_path
from bot.web.console.pages import page
from bot.web.console.render import DASHBOARD_PATH, staff_nav
from notifications import NotFound, Role, StaffSession, poll_now, read_dashboard

READERS = (Role.ADMIN, Role.EDITOR)
POLLED = "lecture"  # the query that names the source just asked to be read
NO_SOURCE = "Cette source n'existe pas (elle a peut-être été retirée)."
# A source's name as the hub allows it (notifications/source_admin.py): nothing else is
# looked up, nor echoed back in the page.
SOURCE_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,79}")


@require(*READERS)
async def dashboard_page(request: Request, session: StaffSession) -> Response:
    """GET /console/tableau-de-bord."""
    alerts = alerts_context(request)
    data = await alerts.run(read_dashboard)
    polled = request.query_params.get(POLLED, "")
    known = polled if any(info.name == polled for info in data.sources) else None
    labels = {key: topic.label for key, topic in alerts.town.topics.items()}
    nav = staff_nav(app_path(request), session)
    body = dashboard_body(nav, session.csrf, data, labels, alerts.town.commune.zone, known)
    return page(request, "Tableau de bord", body)


@require(*READERS)
async def poll_action(request: Request, session: StaffSession) -> Response:
    """POST …/sources/{name}/lire: read that source on the worker's next round."""
    check_session_csrf(session, await read_form(request))
    name = request.path_params["name"]
    if not SOURCE_NAME.fullmatch(name):
        raise HTTPException(404, NO_SOURCE)
    try:
        await alerts_context(request).run(poll_now, name, session.account.email)
    except NotFound:
        raise HTTPException(404, NO_SOURCE) from None
    return see_other(request, f"{DASHBOARD_PATH}?{POLLED}={name}#{SOURCES_ID}")


def handlers() -> dict[str, dict[str, Endpoint]]:
    """This section's pages, for the console's routes."""
    return {
        DASHBOARD_PATH: {"GET": dashboard_page},
        poll_path("{name}"): {"POST": poll_action},
    }
