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
SUBSCRIBER_TOKEN_BYTES = 24  # a subscriber's link token: secrets.token_urlsafe(24)
SUBSCRIBER_TOKEN_CHARS = 32  # the length of that token (4 characters per 3 bytes)


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


def as_sent(url: str) -> str:
    """URL with a preview's "…" token replaced by one as long as a subscriber's, so that a
    preview counts the characters the message will have (an SMS's price depends on it)."""
    marker = f"{TOKEN_PARAMETER}={ELLIPSIS_TOKEN}"
    return url.replace(marker, f"{TOKEN_PARAMETER}={'x' * SUBSCRIBER_TOKEN_CHARS}")


def staff_password_url(public_url: str, token: str) -> str:
    """The one-time link where a staff member sets their password."""
    return _with_token(public_url, STAFF_PASSWORD_PATH, token)
