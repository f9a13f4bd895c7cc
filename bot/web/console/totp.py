"""The second factor of the console (TOTP, an authenticator app's six-digit codes):

- `GET /console/double-authentification`: set it up (any role): a secret, shown as a QR code
  and as text, becomes active once its first code is typed (`POST` on the same page); an
  active one says since when, and `POST …/desactiver` removes it with a current code;
- `POST /console/connexion/code`: the log-in's second step, after a right password (its form
  is the log-in page's, pages.login_page): the session opens once the code is right.

The log-in waiting for its code is kept by the hub (a SHA-256 of the browser's token, five
minutes); the browser holds the token in a cookie like the session's, and the form carries the
log-in form's double-submit CSRF value: the password is never sent again. With
AROBASE_STAFF_ADMIN_TOTP, an admin without a second factor is sent here (auth.require) until
it is set up. Failed codes are audited by the hub; neither a secret nor a code is logged.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from bot.web.alerts import alerts_context
from bot.web.console.auth import (
    LOGIN_PATH,
    PENDING_COOKIE,
    TOTP_PATH,
    Endpoint,
    check_form_csrf,
    check_session_csrf,
    clear_session_cookie,
    read_form,
    require,
    see_other,
    session_token,
)
from bot.web.console.pages import code_form, logged_in, login_form, page
from bot.web.console.totp_render import (
    CANCEL_FIELD,
    CODE_FIELD,
    DISABLE_PATH,
    SETUP_TITLE,
    active_body,
    setup_body,
)
from bot.web.frame import sentence
from notifications import (
    AccountLocked,
    CodeExpired,
    CodeRefused,
    Conflict,
    Hub,
    SecondFactorUnavailable,
    StaffAccount,
    StaffSession,
    confirm_totp,
    disable_totp,
    log_in_code,
    pending_email,
    totp_active_since,
    totp_setup,
)

T = TypeVar("T")
DONE = "etat"  # the query that says what was just done: activee | desactivee
NOTICES = {
    "activee": "La double authentification est activée. Gardez votre téléphone à portée de "
    "main lors de vos prochaines connexions.",
    "desactivee": "La double authentification est désactivée.",
}


async def _run(request: Request, operation: Callable[..., T], *args: object) -> T:
    """OPERATION(hub, *ARGS), its refusals as pages: 409 (the state changed meanwhile), 503
    (the key of the secrets is lost: an admin must reset the account)."""
    try:
        return await alerts_context(request).run(operation, *args)
    except Conflict as refused:
        raise HTTPException(409, sentence(str(refused))) from None
    except SecondFactorUnavailable as lost:
        raise HTTPException(503, sentence(str(lost))) from None


async def totp_page(
    request: Request, session: StaffSession, *, status: int = 200, error: str | None = None
) -> Response:
    """The set-up (a secret waiting for its first code), or the active second factor."""
    commune, account = alerts_context(request).town.commune, session.account
    notice = "" if error else NOTICES.get(request.query_params.get(DONE, ""), "")
    since = await _run(request, totp_active_since, account)
    if since is not None:
        body = active_body(session, since, commune.zone, notice=notice, error=error)
    else:
        setup = await _run(request, totp_setup, account)
        body = setup_body(session, setup, commune.name, notice=notice, error=error)
    return page(request, SETUP_TITLE, body, status=status, error=bool(error))


@require(enrolling=True)
async def setup_page(request: Request, session: StaffSession) -> Response:
    """GET /console/double-authentification."""
    return await totp_page(request, session)


async def _with_code(
    request: Request,
    session: StaffSession,
    operation: Callable[[Hub, StaffAccount, str], None],
    done: str,
) -> Response:
    """OPERATION(hub, account, code) from the posted form: the page again with its error
    (422) when the code is refused, else 303 to the page saying DONE."""
    form = await read_form(request)
    check_session_csrf(session, form)
    try:
        await _run(request, operation, session.account, form.get(CODE_FIELD, ""))
    except CodeRefused as refused:
        return await totp_page(request, session, status=422, error=sentence(str(refused)))
    return see_other(request, f"{TOTP_PATH}?{DONE}={done}")


@require(enrolling=True)
async def confirm_action(request: Request, session: StaffSession) -> Response:
    """POST /console/double-authentification: the first code; the second factor is active."""
    return await _with_code(request, session, confirm_totp, "activee")


@require(enrolling=True)
async def disable_action(request: Request, session: StaffSession) -> Response:
    """POST /console/double-authentification/desactiver: removed with a current code."""
    return await _with_code(request, session, disable_totp, "desactivee")


async def code_action(request: Request) -> Response:
    """POST /console/connexion/code: the session once the code is right; the code's form
    again (401) when it is not, the log-in form when the wait is over or the account locked;
    "annuler": back to the log-in form, the wait forgotten."""
    form = await read_form(request)
    check_form_csrf(request, form)
    token = session_token(request, PENDING_COOKIE)
    alerts = alerts_context(request)
    if form.get(CANCEL_FIELD) or token is None:
        return _restart(request, None if form.get(CANCEL_FIELD) else str(CodeExpired()))
    attempt = functools.partial(log_in_code, client=alerts.clients.address(request))
    try:
        opened, session = await _run(request, attempt, token, form.get(CODE_FIELD, ""))
    except CodeExpired as expired:
        return _restart(request, str(expired))
    except AccountLocked as locked:
        wait = {"retry-after": str(max(1, locked.seconds))}
        return _restart(request, str(locked), status=429, headers=wait)
    except CodeRefused as refused:
        email = await alerts.run(pending_email, token) or ""
        return code_form(request, email, status=401, error=sentence(str(refused)))
    return logged_in(request, opened, session)


def _restart(
    request: Request,
    error: str | None,
    *,
    status: int = 401,
    headers: dict[str, str] | None = None,
) -> Response:
    """The log-in form (with ERROR), any log-in waiting for a code forgotten."""
    if error is None:
        response: Response = see_other(request, LOGIN_PATH)
    else:
        response = login_form(request, status=status, error=sentence(error), headers=headers)
    clear_session_cookie(response, request, PENDING_COOKIE)
    return response


def handlers() -> dict[str, dict[str, Endpoint]]:
    """The set-up's pages (the log-in's code step is the console's own: __init__.py)."""
    return {
        TOTP_PATH: {"GET": setup_page, "POST": confirm_action},
        DISABLE_PATH: {"POST": disable_action},
    }
