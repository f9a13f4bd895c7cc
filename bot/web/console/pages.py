"""The console's pages: log in and out, its home page, the audit log, and the page of the
one-time link that sets a password. Every answer is an HTML page in French, never cached."""

from __future__ import annotations

import functools
from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from bot.web.alerts import alerts_context
from bot.web.alerts.state import Unavailable
from bot.web.console.auth import (
    CONSOLE_PATH,
    LOGIN_PATH,
    PENDING_COOKIE,
    TOTP_PATH,
    Endpoint,
    app_path,
    check_form_csrf,
    check_session_csrf,
    clear_session_cookie,
    current_session,
    form_csrf,
    looks_like_token,
    read_form,
    relative,
    require,
    see_other,
    session_token,
    set_form_csrf,
    set_session_cookie,
)
from bot.web.console.render import (
    CONSOLE_TITLE,
    frame,
    home_body,
    journal_body,
    login_body,
    password_body,
    refusal_body,
)
from bot.web.console.totp_render import CODE_TITLE, code_body
from bot.web.frame import sentence
from notifications import (
    STAFF_PASSWORD_PATH,
    TOKEN_PARAMETER,
    AccountLocked,
    CodeRequired,
    InvalidInput,
    LoginRefused,
    Role,
    StaffSession,
    audit_entries,
    log_in,
    log_out,
    pending_email,
    set_password,
)

SAVED = ("motdepasse", "enregistre")  # the query that says a password was just set
PASSWORD_SAVED = "Votre mot de passe est enregistré. Vous pouvez maintenant vous connecter."
MISMATCH = "Les deux mots de passe ne sont pas identiques."
UNKNOWN_LINK = (
    "Ce lien n'est pas valable. Demandez un nouveau lien à un administrateur de la console."
)
UNAVAILABLE = (
    "La console n'est pas disponible pour le moment : sa base de données ne répond pas. "
    "Réessayez dans quelques minutes."
)
NO_PAGE = "Cette page de la console n'existe pas."
NO_ACTION = "Cette action n'est pas possible à cette adresse."
TITLES = {
    400: "Formulaire illisible",
    403: "Accès refusé",
    404: "Page introuvable",
    405: "Action impossible",
    409: "Action impossible dans cet état",
    413: "Formulaire trop grand",
    429: "Trop de tentatives",
    503: "Console indisponible",
}


def page(
    request: Request,
    title: str,
    body: str,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
    error: bool = False,
) -> HTMLResponse:
    """A console page in the town's frame."""
    town = alerts_context(request).town
    text = frame(town, app_path(request), title, body, error=error)
    return HTMLResponse(text, status_code=status, headers=headers)


def refusal(
    request: Request, status: int, reason: str, headers: dict[str, str] | None = None
) -> HTMLResponse:
    title = TITLES.get(status, "Demande refusée")
    body = refusal_body(app_path(request), reason)
    return page(request, title, body, status=status, headers=headers, error=True)


def console_endpoint(handler: Endpoint) -> Endpoint:
    """A console route: its refusals (HTTPException) as French pages, and nothing it answers
    kept in a cache (the pages show staff data and carry CSRF tokens)."""

    @functools.wraps(handler)
    async def endpoint(request: Request) -> Response:
        try:
            response = await handler(request)
        except Unavailable:
            response = refusal(request, 503, UNAVAILABLE, {"retry-after": "300"})
        except HTTPException as refused:
            response = refusal(request, refused.status_code, refused.detail, refused.headers)
        response.headers["cache-control"] = "no-store"
        return response

    return endpoint


# --- Logging in and out ---------------------------------------------------------------------


def login_form(
    request: Request,
    *,
    status: int = 200,
    email: str = "",
    error: str | None = None,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """The log-in form, with its double-submit CSRF value in the page and in a cookie."""
    csrf = form_csrf(request)
    saved = request.query_params.get(SAVED[0]) == SAVED[1]
    notice = PASSWORD_SAVED if saved else ""
    body = login_body(csrf, email=email, error=error, notice=notice, here=app_path(request))
    response = page(
        request, "Connexion à la console", body, status=status, headers=headers, error=bool(error)
    )
    set_form_csrf(response, request, csrf)
    return response


def code_form(
    request: Request, email: str, *, status: int = 200, error: str | None = None
) -> HTMLResponse:
    """The log-in's second step (the account EMAIL's code), with its double-submit CSRF."""
    csrf = form_csrf(request)
    body = code_body(app_path(request), csrf, email, error=error)
    response = page(request, CODE_TITLE, body, status=status, error=bool(error))
    set_form_csrf(response, request, csrf)
    return response


async def login_page(request: Request) -> Response:
    """GET /console/connexion: the form, or its second step when a log-in waits for its code
    (bot/web/console/totp.py); someone already logged in goes to the console."""
    if await current_session(request) is not None:
        return see_other(request, CONSOLE_PATH)
    pending = session_token(request, PENDING_COOKIE)
    email = pending and await alerts_context(request).run(pending_email, pending)
    return code_form(request, email) if email else login_form(request)


async def login_action(request: Request) -> Response:
    """POST /console/connexion: a session cookie and the console, or the form again."""
    form = await read_form(request)
    check_form_csrf(request, form)
    email, password = form.get("email", "").strip(), form.get("password", "")
    alerts = alerts_context(request)
    attempt = functools.partial(log_in, client=alerts.clients.address(request))
    try:
        token, session = await alerts.run(attempt, email, password)
    except CodeRequired as wanted:  # the code's form, a page of its own (reloading is safe)
        response = see_other(request, LOGIN_PATH)
        set_session_cookie(response, request, wanted.token, PENDING_COOKIE)
        return response
    except LoginRefused as refused:
        return login_form(request, status=401, email=email, error=sentence(str(refused)))
    except AccountLocked as locked:
        wait = {"retry-after": str(max(1, locked.seconds))}
        return login_form(
            request, status=429, email=email, error=sentence(str(locked)), headers=wait
        )
    return logged_in(request, token, session)


def logged_in(request: Request, token: str, session: StaffSession) -> Response:
    """The console (or the second factor's set-up it requires first), the session's cookie
    set and any log-in waiting for a code forgotten."""
    response = see_other(request, TOTP_PATH if session.must_enrol else CONSOLE_PATH)
    set_session_cookie(response, request, token)
    if PENDING_COOKIE in request.cookies:
        clear_session_cookie(response, request, PENDING_COOKIE)
    return response


async def logout_action(request: Request) -> Response:
    """POST /console/deconnexion: the session revoked, the cookie cleared. Without a live
    session there is nothing to revoke (nor a token to check): straight to the log-in."""
    session = await current_session(request)
    token = session_token(request)
    if session is not None and token is not None:
        check_session_csrf(session, await read_form(request))
        await alerts_context(request).run(log_out, token)
    response = see_other(request, LOGIN_PATH)
    clear_session_cookie(response, request)
    return response


# --- Logged-in pages ------------------------------------------------------------------------


@require()
async def home_page(request: Request, session: StaffSession) -> Response:
    """GET /console: who is logged in, and what they may do."""
    return page(request, CONSOLE_TITLE, home_body(session))


@require(Role.ADMIN)
async def journal_page(request: Request, session: StaffSession) -> Response:
    """GET /console/journal: the audit log, newest first (admins only)."""
    alerts = alerts_context(request)
    entries = await alerts.run(audit_entries)
    body = journal_body(session, entries, alerts.town.commune.zone)
    return page(request, "Journal des actions", body)


# --- The one-time link that sets a password ---------------------------------------------------


def link_token(request: Request) -> str:
    """The link's token (?jeton=…); 404 when it cannot be one of ours."""
    token = request.query_params.get(TOKEN_PARAMETER, "")
    if not looks_like_token(token):
        raise HTTPException(404, UNKNOWN_LINK)
    return token


def password_form(
    request: Request, token: str, *, status: int = 200, error: str | None = None
) -> HTMLResponse:
    csrf = form_csrf(request)
    here = relative(STAFF_PASSWORD_PATH, STAFF_PASSWORD_PATH)
    action = f"{here}?{TOKEN_PARAMETER}={quote(token, safe='')}"
    body = password_body(action, csrf, error=error)
    response = page(request, "Choisir votre mot de passe", body, status=status, error=bool(error))
    set_form_csrf(response, request, csrf)
    return response


async def password_page(request: Request) -> Response:
    """GET /console/mot-de-passe?jeton=…: the form (opening the link changes nothing)."""
    return password_form(request, link_token(request))


async def password_action(request: Request) -> Response:
    """POST /console/mot-de-passe?jeton=…: the password set, then the log-in form."""
    token = link_token(request)
    form = await read_form(request)
    check_form_csrf(request, form)
    password = form.get("password", "")
    if password != form.get("confirmation", ""):
        return password_form(request, token, status=422, error=MISMATCH)
    try:
        await alerts_context(request).run(set_password, token, password)
    except InvalidInput as refused:
        return password_form(request, token, status=422, error=sentence(str(refused)))
    return see_other(request, f"{LOGIN_PATH}?{SAVED[0]}={SAVED[1]}")


# --- Anything else under /console ---------------------------------------------------------------


async def no_page(request: Request) -> Response:
    raise HTTPException(404, NO_PAGE)


def no_action(allowed: list[str]) -> Endpoint:
    """The 405 of a console page asked with a method it does not answer."""
    allow = ", ".join(sorted({*allowed, "HEAD"} if "GET" in allowed else set(allowed)))

    async def endpoint(request: Request) -> Response:
        raise HTTPException(405, NO_ACTION, headers={"allow": allow})

    return endpoint
