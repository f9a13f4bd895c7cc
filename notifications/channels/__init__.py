"""Delivery channels, one module each behind the `Channel` protocol, and their one factory.

Adapter modules are imported by `build_channels`, not here: a front-end that only checks an
address does not load python-telegram-bot, aiosmtplib and pywebpush.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from notifications.channels.base import Channel
from notifications.errors import InvalidInput, UnknownChannel

if TYPE_CHECKING:
    from arobase.settings import Settings

CHANNEL_NAMES = ("telegram", "email", "webpush", "apprise")

__all__ = [
    "CHANNEL_NAMES",
    "Channel",
    "UnknownChannel",
    "build_channels",
    "check_channel",
    "needs_confirmation",
    "sends_unsubscribe_link",
]


def check_channel(channel: str) -> str:
    """`channel` when a channel has that name; UnknownChannel otherwise."""
    if channel not in CHANNEL_NAMES:
        raise UnknownChannel(f"canal inconnu « {channel} » : {', '.join(CHANNEL_NAMES)}")
    return channel


def needs_confirmation(channel: str) -> bool:
    """Whether a subscriber on CHANNEL confirms by a link before any alert (double opt-in)."""
    return check_channel(channel) == "email"


def sends_unsubscribe_link(channel: str) -> bool:
    """Whether CHANNEL's messages carry an unsubscribe link (a chat has /stop instead)."""
    return check_channel(channel) != "telegram"


def build_channels(settings: Settings) -> dict[str, Channel]:
    """The configured channels by name: Telegram needs a token; Web Push uses the town's VAPID
    key, made in the data folder when none is configured."""
    from notifications.channels.addresses import push_policy
    from notifications.channels.apprise import AppriseChannel
    from notifications.channels.email import EmailChannel
    from notifications.channels.telegram import TelegramChannel
    from notifications.channels.webpush import WebPushChannel

    channels: dict[str, Channel] = {}
    token = settings.telegram_token.get_secret_value()
    if token:
        channels["telegram"] = TelegramChannel(
            token,
            base_url=settings.telegram_base_url,
            rate=settings.telegram_rate,
            chat_rate=settings.telegram_chat_rate,
            concurrency=settings.telegram_concurrency,
        )
    channels["email"] = EmailChannel(
        settings.smtp_host,
        settings.smtp_port,
        settings.smtp_from,
        user=settings.smtp_user,
        password=settings.smtp_password.get_secret_value(),
        starttls=settings.smtp_starttls,
        rate=settings.email_rate,
        ca_file=settings.smtp_ca_file,
    )
    channels["webpush"] = WebPushChannel(
        webpush_signing_key(settings),
        settings.webpush_contact,
        timeout=settings.webpush_timeout,
        rate=settings.webpush_rate,
        policy=push_policy(settings),
    )
    channels["apprise"] = AppriseChannel(rate=settings.apprise_rate)
    return channels


def webpush_signing_key(settings: Settings) -> str:
    """The town's VAPID private key (configured, or made once in the data folder); InvalidInput
    when only the public key is configured here, since the worker signs every push."""
    from notifications.vapid import town_vapid_keys

    keys = town_vapid_keys(settings)
    if not keys.private_key:
        raise InvalidInput(
            "AROBASE_WEBPUSH_PUBLIC_KEY est défini sans AROBASE_WEBPUSH_PRIVATE_KEY : le worker "
            "signe chaque notification, donnez-lui la clé privée (ou laissez les deux vides)"
        )
    return keys.private_key
