"""Residents' alerts on the web: confirm an e-mail subscription, unsubscribe, Web Push.

- pages.py: the pages reached from the links of the hub's messages, and the one where a
  person subscribes this device (HTML, plain French);
- email_signup.py: the e-mail sign-up page (double opt-in);
- api.py: the JSON API the /alertes page and its service worker call;
- state.py: what they share in one process (`open_alerts`), the hub once its database can
  serve;
- topics.py: the town's topics as the pages and the API show them.
"""

from __future__ import annotations

from starlette.routing import Route

from bot.web.alerts.api import api_routes
from bot.web.alerts.email_signup import signup_routes
from bot.web.alerts.pages import page_routes
from bot.web.alerts.state import AlertsContext, alerts_context, open_alerts


def alert_routes() -> list[Route]:
    """The alerts' routes, for the web app."""
    return [*page_routes(), *signup_routes(), *api_routes()]


__all__ = ["AlertsContext", "alert_routes", "alerts_context", "open_alerts"]
