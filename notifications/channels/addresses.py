"""Check and normalise a subscriber's address: the checks every channel shares, then the
channel's own rule (its plugin's `validate`). No network.

Each rule takes what a person typed (or a browser sent) and returns the (address, params) to
store, or raises InvalidAddress with a reason in plain French.
"""

from __future__ import annotations

from typing import Any

from notifications.channels.base import AddressContext
from notifications.channels.push_services import KNOWN_SERVICES_ONLY, PushPolicy
from notifications.channels.registry import get_plugin
from notifications.errors import InvalidAddress

MAX_ADDRESS = 2000  # the column's size


def validate_address(
    channel: str,
    address: str,
    params: dict[str, Any] | None = None,
    *,
    push: PushPolicy = KNOWN_SERVICES_ONLY,
) -> tuple[str, dict[str, Any]]:
    """The normalised (address, params) for `channel`; InvalidAddress says why not. PUSH
    says which push services a Web Push subscription may name (push_policy(settings))."""
    plugin = get_plugin(channel)
    if not address or not address.strip():
        raise InvalidAddress("l'adresse est vide")
    if len(address) > MAX_ADDRESS:
        raise InvalidAddress(f"l'adresse est trop longue (plus de {MAX_ADDRESS} caractères)")
    return plugin.validate(address, dict(params or {}), AddressContext(push))
