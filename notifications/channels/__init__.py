"""Delivery channels, one module each behind the `Channel` protocol, and their one factory.

Adapter modules are imported by `build_channels`, not here: a front-end that only checks an
address does not load python-telegram-bot, aiosmtplib and pywebpush.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from notifications.channels.base import Channel
from notifications.errors import UnknownChannel

if TYPE_CHECKING:
    from arobase.settings import Settings

CHANNEL_NAMES = ("telegram", "email", "webpush", "apprise")

__all__ = ["CHANNEL_NAMES", "Channel", "UnknownChannel", "build_channels", "check_channel"]


def check_channel(channel: str) -> str:
    """`channel` when a channel has that name; UnknownChannel otherwise."""
    if channel not in CHANNEL_NAMES:
        raise UnknownChannel(f"canal inconnu « {channel} » : {', '.join(CHANNEL_NAMES)}")
    return channel


def build_channels(settings: Settings) -> dict[str, Channel]:
    """The configured channels by name: Telegram needs a token, Web Push a VAPID key."""
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
        # aiosmtplib: None upgrades when the server offers STARTTLS, True requires it.
        starttls={"auto": None, "required": True, "off": False}[settings.smtp_starttls],
        rate=settings.email_rate,
    )
    private_key = settings.webpush_private_key.get_secret_value()
    if private_key:
        channels["webpush"] = WebPushChannel(
            private_key, settings.webpush_contact, rate=settings.webpush_rate
        )
    channels["apprise"] = AppriseChannel(rate=settings.apprise_rate)
    return channels
