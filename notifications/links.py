"""The public links of the hub: the pages' paths (the web app's routes use these constants)
and the one place that builds the URLs put in messages and replies."""

from __future__ import annotations

from urllib.parse import quote

ALERTS_PATH = "/alertes"  # subscribe this device (Web Push)
CONFIRM_PATH = "/alertes/confirmer"  # e-mail double opt-in
UNSUBSCRIBE_PATH = "/alertes/desabonnement"
PRIVACY_PATH = "/confidentialite"  # the privacy notice
STAFF_PASSWORD_PATH = "/console/mot-de-passe"  # a staff account's one-time link
# Short links, for texts that pay by the character (SMS): a sent message's link by the
# message's number in base 36, and the way to unsubscribe by the subscriber's token.
SHORT_LINK_PATH = "/l"
SHORT_STOP_PATH = "/d"
_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"
MAX_CODE = 6  # base-36 digits of a message number
MAX_MESSAGE_ID = 2**31 - 1  # the id column's largest (PostgreSQL's integer)
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
    token = "x" * SUBSCRIBER_TOKEN_CHARS
    marker = f"{TOKEN_PARAMETER}={ELLIPSIS_TOKEN}"
    url = url.replace(marker, f"{TOKEN_PARAMETER}={token}")
    short = f"{SHORT_STOP_PATH}/{ELLIPSIS_TOKEN}"
    return url[: -len(short)] + f"{SHORT_STOP_PATH}/{token}" if url.endswith(short) else url


def message_code(message_id: int) -> str:
    """A message's number in base 36: 1234 → "ya"."""
    digits = ""
    while True:
        message_id, rest = divmod(message_id, 36)
        digits = _BASE36[rest] + digits
        if not message_id:
            return digits


def message_of_code(code: str) -> int | None:
    """The message number a short link's CODE stands for; None for anything else."""
    if not 0 < len(code) <= MAX_CODE or any(c not in _BASE36 for c in code):
        return None
    number = int(code, 36)
    return number if number <= MAX_MESSAGE_ID else None


def short_link_url(public_url: str, message_id: int) -> str:
    """The short link to a sent message's own link: {public_url}/l/ya."""
    return f"{public_url.rstrip('/')}{SHORT_LINK_PATH}/{message_code(message_id)}"


def short_stop_url(public_url: str, token: str) -> str:
    """The short way to the unsubscribe page: {public_url}/d/{token}."""
    value = token if token == ELLIPSIS_TOKEN else quote(token, safe="")
    return f"{public_url.rstrip('/')}{SHORT_STOP_PATH}/{value}"


def staff_password_url(public_url: str, token: str) -> str:
    """The one-time link where a staff member sets their password."""
    return _with_token(public_url, STAFF_PASSWORD_PATH, token)
