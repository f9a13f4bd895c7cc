"""The town hall staff's console, under /console (HTML pages, plain French):

- `GET /console`: who is logged in, in which role; the audit log's link for admins;
- `GET|POST /console/connexion`: the log-in form (double-submit CSRF), then a session cookie;
  a refused log-in gives the form again (401), a locked account or a client posting too
  many forms 429 with Retry-After;
- `POST /console/deconnexion`: the session revoked;
- `GET /console/journal`: the audit log (admins only, else 403);
- `GET /console/annonces`, `GET|POST /console/annonces/nouvelle`, `GET /console/annonces/{id}`,
  `POST /console/annonces/{id}/annuler`: the announcements (admins and editors, else 403):
  the latest messages, write (preview, audience, publish or schedule), follow and cancel one;
- `GET|POST /console/mot-de-passe?jeton=…`: a one-time link's form that sets a password;
- `POST /console/connexion/code`, `GET|POST /console/double-authentification`: the optional
  second factor (TOTP): the log-in's code step, and its set-up (totp.py);
- `GET /console/questions` and below: the questions residents asked that the assistant did
  not answer well, grouped, marked for the training or answered (questions.py).

Every POST checks a CSRF token; every answer is `Cache-Control: no-store`. The modules:
auth.py (cookies, CSRF, the role guard `require`, the throttle), render.py (the HTML),
pages.py (the handlers); announcements.py (their handlers), announcement_render.py (the list
and the compose form) and message_render.py (a message's page) for the announcements. The hub
is the alerts' one (bot/web/alerts/state.py): 503 page until its database is ready.
"""

from __future__ import annotations

from starlette.routing import Route

from arobase.settings import Settings
from bot.web.clients import RateLimit
from bot.web.console import (
    announcements,
    content,
    conversations,
    counter,
    dashboard,
    questions,
    totp,
)
from bot.web.console.auth import CONSOLE_PATH, LOGIN_PATH, Endpoint, login_rate, require, throttled
from bot.web.console.pages import (
    console_endpoint,
    home_page,
    journal_page,
    login_action,
    login_page,
    logout_action,
    no_action,
    no_page,
    password_action,
    password_page,
)
from bot.web.console.render import JOURNAL_PATH, LOGOUT_PATH
from bot.web.console.totp_render import LOGIN_CODE_PATH
from notifications import STAFF_PASSWORD_PATH

# Starlette gives a route without methods GET alone; the fallbacks answer any method.
ANY_METHOD = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
Handlers = dict[str, dict[str, Endpoint]]
# Each section of the console declares its pages: `handlers()`, path → method → endpoint.
SECTIONS = (announcements, content, counter, dashboard, totp, conversations, questions)


def account_handlers(limit: RateLimit) -> Handlers:
    """Log in (a password, then a code for an account with a second factor) and out, the
    home page, the audit log and the one-time link's page."""
    return {
        CONSOLE_PATH: {"GET": home_page},
        LOGIN_PATH: {"GET": login_page, "POST": throttled(limit, login_action)},
        LOGIN_CODE_PATH: {"POST": throttled(limit, totp.code_action)},
        LOGOUT_PATH: {"POST": logout_action},
        JOURNAL_PATH: {"GET": journal_page},
        STAFF_PASSWORD_PATH: {"GET": password_page, "POST": throttled(limit, password_action)},
    }


def console_routes(settings: Settings) -> list[Route]:
    """The console's routes, for the web app; its throttle (AROBASE_CONSOLE_LOGIN_RATE)
    counts the log-in and password forms per client, in this process' memory."""
    handlers = account_handlers(RateLimit(login_rate(settings)))
    for section in SECTIONS:
        handlers.update(section.handlers())
    routes = [
        Route(path, console_endpoint(handler), methods=[method])
        for path, by_method in handlers.items()
        for method, handler in by_method.items()
    ]
    # After them: a known page asked with another method (405), and any other page (404),
    # answered as the console's pages are (French, not cached).
    routes += [
        Route(path, console_endpoint(no_action(list(by_method))), methods=ANY_METHOD)
        for path, by_method in handlers.items()
    ]
    routes.append(
        Route(CONSOLE_PATH + "/{rest:path}", console_endpoint(no_page), methods=ANY_METHOD)
    )
    return routes


__all__ = ["console_routes", "require"]
