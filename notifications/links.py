"""The public links of the hub: the pages' paths (the web app's routes use these constants)
and the one place that builds the URLs put in messages and replies."""

from __future__ import annotations

from urllib.parse import quote

ALERTS_PATH = "/alertes"  # subscribe this device (Web Push)
CONFIRM_PATH = "/alertes/confirmer"  # e-mail double opt-in
UNSUBSCRIBE_PATH = "/alertes/desabonnement"
PRIVACY_PATH = "/confidentialite"  # the privacy notice
STAFF_PASSWORD_PATH = "/console/mot-de-passe"  # a staff account's one-time link
TOKEN_PARAMETER = "jeton"
ELLIPSIS_TOKEN = "…"  # in a preview: the subscriber's own token goes there when sent


def _with_token(public_url: str, path: str, token: str) -> str:
    value = token if token == ELLIPSIS_TOKEN else quote(token, safe="")
    return f"{public_url.rstrip('/')}{path}?{TOKEN_PARAMETER}={value}"


def alerts_url(public_url: str) -> str:
    return f"{public_url.rstrip('/')}{ALERTS_PATH}"


def privacy_url(public_url: str) -> str:
    return f"{public_url.rstrip('/')}{PRIVACY_PATH}"


def confirm_url(public_url: str, token: str) -> str:
    return _with_token(public_url, CONFIRM_PATH, token)


def unsubscribe_url(public_url: str, token: str) -> str:
    return _with_token(public_url, UNSUBSCRIBE_PATH, token)


def staff_password_url(public_url: str, token: str) -> str:
    """The one-time link where a staff member sets their password."""
    return _with_token(public_url, STAFF_PASSWORD_PATH, token)
