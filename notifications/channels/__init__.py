"""Delivery channels as plugins: one module each (telegram, email, webpush, apprise) declares
its `PLUGIN` (channels/base.py), found through the registry; these functions are the facade
the rest of the hub calls.

No sender library is imported here: a front-end that only checks an address or renders a
preview does not load python-telegram-bot, aiosmtplib, pywebpush or aiohttp; `build_channels`
(the worker) does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from notifications.channels.addresses import validate_address
from notifications.channels.apprise import load_apprise, private_url
from notifications.channels.base import Channel, ChannelPlugin
from notifications.channels.broadcasts import BroadcastTarget, parse_broadcast_targets
from notifications.channels.push_services import KNOWN_SERVICES_ONLY, PushPolicy, push_policy
from notifications.channels.registry import CHANNEL_NAMES, get_plugin, plugins
from notifications.channels.webpush import webpush_signing_key
from notifications.errors import UnknownChannel
from notifications.records import Envelope

if TYPE_CHECKING:
    from arobase.settings import Settings

__all__ = [
    "CHANNEL_NAMES",
    "KNOWN_SERVICES_ONLY",
    "BroadcastTarget",
    "Channel",
    "ChannelPlugin",
    "PushPolicy",
    "UnknownChannel",
    "build_channels",
    "channel_concurrency",
    "channel_phrase",
    "check_channel",
    "enrolment_address",
    "get_plugin",
    "load_apprise",
    "needs_confirmation",
    "parse_broadcast_targets",
    "plugins",
    "preview",
    "prices",
    "private_url",
    "push_policy",
    "sends_unsubscribe_link",
    "validate_address",
    "webpush_signing_key",
]


def check_channel(channel: str) -> str:
    """`channel` when a channel has that name; UnknownChannel otherwise."""
    return get_plugin(channel).name


def needs_confirmation(channel: str) -> bool:
    """Whether a subscriber on CHANNEL confirms by a link before any alert (double opt-in)."""
    return get_plugin(channel).needs_confirmation


def sends_unsubscribe_link(channel: str) -> bool:
    """Whether CHANNEL's messages carry an unsubscribe link (a chat has /stop instead)."""
    return get_plugin(channel).unsubscribe_link


def channel_concurrency(settings: Settings, name: str) -> int:
    """How many sends one worker keeps in flight at once on the channel NAME."""
    return get_plugin(name).concurrency(settings)


def channel_phrase(name: str) -> str:
    """How residents hear the channel NAME: « Vous recevez par e-mail les alertes… »."""
    return get_plugin(name).phrase


def enrolment_address(name: str) -> tuple[str, str]:
    """What staff type to enrol a person on the channel NAME: its label (« adresse e-mail »)
    and the HTML input type."""
    plugin = get_plugin(name)
    return plugin.address_label, plugin.address_input


def preview(envelope: Envelope) -> dict[str, str]:
    """What each channel would send, for `arobase messages preview`, in the registry's order."""
    return {plugin.name: plugin.render(envelope) for plugin in plugins()}


def prices(envelope: Envelope) -> dict[str, int]:
    """What one recipient's message costs on each paying channel (SMS: its segments)."""
    return {plugin.name: plugin.price(envelope) for plugin in plugins() if plugin.price}


def build_channels(settings: Settings) -> dict[str, Channel]:
    """The configured channels by name (Telegram needs a token; Web Push uses the town's VAPID
    key, made in the data folder when none is configured)."""
    built = {plugin.name: plugin.build(settings) for plugin in plugins()}
    return {name: channel for name, channel in built.items() if channel is not None}
