"""The delivery channels the hub knows: each channel module's `PLUGIN`, found by name.

The modules are listed here rather than discovered by walking the package: the order is part
of what people read (an unknown channel's message lists the channels so, and so does a
preview), and the package also holds modules that are no channel (base, pacing, the
senders). Importing a channel module loads no sender library.
"""

from __future__ import annotations

from notifications.channels import apprise, email, sms, telegram, webpush
from notifications.channels.base import ChannelPlugin
from notifications.errors import UnknownChannel

PLUGINS: tuple[ChannelPlugin, ...] = (
    telegram.PLUGIN,
    email.PLUGIN,
    webpush.PLUGIN,
    sms.PLUGIN,
    apprise.PLUGIN,
)
CHANNEL_NAMES = tuple(plugin.name for plugin in PLUGINS)


def plugins() -> tuple[ChannelPlugin, ...]:
    return PLUGINS


def find_plugin(name: str) -> ChannelPlugin | None:
    """The channel called NAME, or None."""
    return next((plugin for plugin in PLUGINS if plugin.name == name), None)


def get_plugin(name: str) -> ChannelPlugin:
    """The channel called NAME; UnknownChannel, listing the channels, otherwise."""
    plugin = find_plugin(name)
    if plugin is None:
        raise UnknownChannel(f"canal inconnu « {name} » : {', '.join(CHANNEL_NAMES)}")
    return plugin
