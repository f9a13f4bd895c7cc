"""The apprise channel: any service apprise reaches (ntfy, Signal, Matrix, Mastodon…), one URL
each, in plain text.

The address is an apprise URL: a subscriber's own (set by staff only, since the worker posts to
it), or a town-wide broadcast target (broadcasts.py). A URL may hold a password or a token:
it is never repeated in a message or a log. The sender is in apprise_sender.py.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import apprise

from notifications.channels.base import AddressContext, ChannelPlugin, Params
from notifications.errors import InvalidAddress
from notifications.records import Envelope
from notifications.render import plain_body, plain_title

DESTINATION_PREFIX = "apprise:"


def apprise_address(address: str, params: Params, context: AddressContext) -> tuple[str, Params]:
    """A URL that apprise knows how to notify (ntfy://…, matrix://…, json://…)."""
    text = address.strip()
    if load_apprise(text) is None:
        # Never repeat the URL: it may hold a password or a token.
        raise InvalidAddress("adresse apprise invalide : ce service ou cette URL est inconnu")
    return text, {}


@contextmanager
def _apprise_muted() -> Iterator[None]:
    """Silence apprise while it parses: it logs a URL it cannot parse as is, secrets included."""
    log = logging.getLogger(apprise.LOGGER_NAME)
    was_disabled, log.disabled = log.disabled, True
    try:
        yield
    finally:
        log.disabled = was_disabled


def load_apprise(url: str) -> apprise.Apprise | None:
    """An Apprise object notifying `url`, or None when apprise cannot use the URL."""
    target = apprise.Apprise()
    with _apprise_muted():
        added = target.add(url)
    return target if added and len(target) == 1 else None


def private_url(target: apprise.Apprise) -> str:
    """The target's URL with secrets masked and without options, for logs and statuses."""
    return str(target[0].url(privacy=True)).split("?", 1)[0]


def apprise_destination(url: str) -> str | None:
    """A digest of the URL's scheme and authority ("apprise:3f2a…"), since its host may be a
    secret (tgram://<bot token>/…); None when the URL has no authority."""
    # Not every apprise URL parses as scheme://host:port (tgram://<id>:<token>/…): its
    # authority is taken as written, without any user and password.
    try:
        parts = urlsplit(url.strip())
    except ValueError:  # "json://[oops/": apprise refuses it when sending
        return None
    authority = parts.netloc.rpartition("@")[2].lower()
    if not parts.scheme or not authority:
        return None
    digest = hashlib.sha256(f"{parts.scheme.lower()}://{authority}".encode()).hexdigest()
    return f"{DESTINATION_PREFIX}{digest[:16]}"


def apprise_preview(envelope: Envelope) -> str:
    """The title, then the body, as apprise hands them to the service."""
    return f"{plain_title(envelope)}\n\n{plain_body(envelope)}"


PLUGIN = ChannelPlugin(
    name="apprise",
    phrase="par le service que vous avez choisi",
    validate=apprise_address,
    render=apprise_preview,
    destination=apprise_destination,
)
