"""The console's guards: the staff session cookie, CSRF tokens, the role guard, the per-client
throttle of the pages that take a password, and the reading of a posted form.

CSRF: a logged-in page's forms carry the session's own token (`StaffSession.csrf`); the
forms shown before a log-in (log in, set a password) use a double submit, the same random
value in a cookie and in a hidden field, which another site can neither read nor set.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Awaitable, Callable

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from arobase.settings import Settings
from bot.web.alerts import alerts_context
from bot.web.clients import RateLimit
from bot.web.common import read_form_lists as read_fields
from bot.web.common import wait_words
from notifications import Role, StaffSession, session_of

Endpoint = Callable[[Request], Awaitable[Response]]
StaffEndpoint = Callable[[Request, StaffSession], Awaitable[Response]]

CONSOLE_PATH = "/console"
LOGIN_PATH = "/console/connexion"
TOTP_PATH = "/console/double-authentification"
SESSION_COOKIE = "arobase_console"
# A log-in whose password was right, waiting for its second factor's code (minutes).
PENDING_COOKIE = "arobase_console_code"
CSRF_COOKIE = "arobase_console_csrf"
# Over https the pre-login cookie takes the __Host- prefix: no subdomain can set it (which
# would defeat a double submit). Browsers accept that prefix only with Path=/.
HOST_CSRF_COOKIE = "__Host-arobase_console_csrf"
CSRF_FIELD = "csrf"
MAX_FORM_FIELDS = 10
# Tokens are secrets.token_urlsafe(32) (43 characters); anything else is not looked up.
TOKEN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")

CSRF_REFUSED = (
    "Cette page a expiré, ou la demande ne vient pas de la console. Rechargez la page et "
    "recommencez."
)
NOT_ALLOWED = "Votre compte ne donne pas accès à cette page."


def login_rate(settings: Settings) -> str:
    """AROBASE_CONSOLE_LOGIN_RATE: how many log-in or password forms a client may post."""
    return settings.console_login_rate


def looks_like_token(text: str) -> bool:
    """Whether TEXT has the shape of one of the hub's tokens (worth asking the database)."""
    return 32 <= len(text) <= 128 and set(text) <= TOKEN_CHARS


def same_secret(expected: str, given: str) -> bool:
    """Whether GIVEN equals EXPECTED (non-empty), in constant time."""
    return bool(expected) and secrets.compare_digest(expected.encode(), given.encode())


def app_path(request: Request) -> str:
    """The request's path inside the app (without the prefix it may be served under)."""
    root, path = request.scope.get("root_path", ""), request.url.path
    return path[len(root) :] if root and path.startswith(root) else path


def cookie_path(request: Request) -> str:
    """The console's cookies are sent to the console only."""
    return request.scope.get("root_path", "") + CONSOLE_PATH


def is_https(request: Request) -> bool:
    return alerts_context(request).clients.is_https(request)


async def read_form(request: Request) -> dict[str, str]:
    """The fields of a posted form (the first value of each); 413 when too large, 400 when
    unreadable."""
    fields = await read_form_lists(request)
    return {name: values[0] for name, values in fields.items()}


async def read_form_lists(
    request: Request, max_fields: int = MAX_FORM_FIELDS
) -> dict[str, list[str]]:
    """Every value of each field of a posted form, at most MAX_FIELDS (common.py's)."""
    return await read_fields(request, max_fields)


# --- Before a log-in: the double submit -------------------------------------------------------


def _csrf_cookie(request: Request) -> str:
    return HOST_CSRF_COOKIE if is_https(request) else CSRF_COOKIE


def form_csrf(request: Request) -> str:
    """The pre-login CSRF value: the browser's cookie when it holds one, else a new one."""
    current = request.cookies.get(_csrf_cookie(request), "")
    return current if looks_like_token(current) else secrets.token_urlsafe(32)


def set_form_csrf(response: Response, request: Request, value: str) -> None:
    https = is_https(request)
    path = "/" if https else cookie_path(request)
    response.set_cookie(
        _csrf_cookie(request), value, path=path, secure=https, httponly=True, samesite="strict"
    )


def check_form_csrf(request: Request, form: dict[str, str]) -> None:
    """403 unless the form's CSRF field matches the browser's cookie."""
    if not same_secret(request.cookies.get(_csrf_cookie(request), ""), form.get(CSRF_FIELD, "")):
        raise HTTPException(403, CSRF_REFUSED)


# --- After a log-in: the session ----------------------------------------------------------


def session_token(request: Request, name: str = SESSION_COOKIE) -> str | None:
    """The token of the browser's cookie NAME (the session's, or PENDING_COOKIE's)."""
    token = request.cookies.get(name, "")
    return token if looks_like_token(token) else None


async def current_session(request: Request) -> StaffSession | None:
    """The staff session the browser's cookie names, if still valid (refreshes its use)."""
    token = session_token(request)
    return await alerts_context(request).run(session_of, token) if token else None


def set_session_cookie(
    response: Response, request: Request, token: str, name: str = SESSION_COOKIE
) -> None:
    response.set_cookie(
        name,
        token,
        path=cookie_path(request),
        secure=is_https(request),
        httponly=True,
        samesite="strict",
    )


def clear_session_cookie(response: Response, request: Request, name: str = SESSION_COOKIE) -> None:
    response.delete_cookie(
        name,
        path=cookie_path(request),
        secure=is_https(request),
        httponly=True,
        samesite="strict",
    )


def check_session_csrf(session: StaffSession, form: dict[str, str]) -> None:
    """403 unless the form carries the session's CSRF token."""
    if not same_secret(session.csrf, form.get(CSRF_FIELD, "")):
        raise HTTPException(403, CSRF_REFUSED)


def relative(here: str, there: str) -> str:
    """THERE (a path in the app, "/console/journal") as a link from the page at HERE
    ("/console"): relative, since the app may sit under a path prefix."""
    folder = here.rpartition("/")[0]
    if there.startswith(folder + "/"):
        return there[len(folder) + 1 :]
    return "../" * folder.count("/") + there.lstrip("/")


def see_other(request: Request, there: str) -> RedirectResponse:
    """303 to THERE (a path in the app), as a link relative to the request's page."""
    return RedirectResponse(relative(app_path(request), there), status_code=303)


def require(*roles: Role, enrolling: bool = False) -> Callable[[StaffEndpoint], Endpoint]:
    """A page for logged-in staff with one of ROLES (any role when none is given): the
    handler gets the session; logged out → 303 to the log-in form; another role → 403. An
    admin who must set up a second factor first (AROBASE_STAFF_ADMIN_TOTP) → 303 to its page,
    unless the page is that set-up itself (ENROLLING)."""

    def guard(handler: StaffEndpoint) -> Endpoint:
        @functools.wraps(handler)
        async def endpoint(request: Request) -> Response:
            session = await current_session(request)
            if session is None:
                return see_other(request, LOGIN_PATH)
            if session.must_enrol and not enrolling:
                return see_other(request, TOTP_PATH)
            if roles and session.account.role not in roles:
                raise HTTPException(403, NOT_ALLOWED)
            return await handler(request, session)

        return endpoint

    return guard


def throttled(limit: RateLimit, handler: Endpoint) -> Endpoint:
    """HANDLER behind a per-client limit (429 with Retry-After), counted before the body is
    read: guessing passwords from one address is slowed down whatever the accounts tried."""

    @functools.wraps(handler)
    async def endpoint(request: Request) -> Response:
        key = alerts_context(request).clients.limit_key(request)
        if not limit.hit(key):
            seconds = limit.retry_after(key)
            raise HTTPException(429, slow_down(seconds), headers={"retry-after": str(seconds)})
        return await handler(request)

    return endpoint


def slow_down(seconds: int) -> str:
    return (
        "Trop de tentatives depuis votre appareil. Merci de patienter "
        f"{wait_words(seconds)} avant de réessayer."
    )
