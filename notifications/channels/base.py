"""The one small interface every delivery channel implements, and what each channel declares.

A channel is one module, channels/<name>.py, whose `PLUGIN` says all the hub needs to know
about it; its sender (the library that talks to the network) lives apart and is imported only
by name when the worker builds its channels, so that checking an address or rendering a
preview loads none of it, and that the sender depends on the declaration, never the reverse.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from notifications.channels.push_services import KNOWN_SERVICES_ONLY, PushPolicy
from notifications.records import Envelope, SendResult

if TYPE_CHECKING:
    from arobase.settings import Settings

# Sends in flight at once on one channel in one worker, when no setting says otherwise.
DEFAULT_CONCURRENCY = 8

Params = dict[str, Any]


class Channel(Protocol):
    """A delivery channel adapter (telegram, email, webpush, apprise)."""

    name: ClassVar[str]

    async def send(self, envelope: Envelope) -> SendResult:
        """Deliver one envelope; never raises for a delivery problem, returns the outcome."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...


@dataclass(frozen=True)
class AddressContext:
    """What checking an address may need besides the address: the push services a Web Push
    subscription may name (push_policy(settings) on a server)."""

    push: PushPolicy = KNOWN_SERVICES_ONLY


def default_concurrency(_settings: Settings) -> int:
    return DEFAULT_CONCURRENCY


@dataclass(frozen=True)
class ChannelPlugin:
    """One delivery channel as the hub knows it; each channels/<name>.py declares `PLUGIN`."""

    name: str
    phrase: str  # how residents hear it: « Vous recevez {phrase} les alertes… »
    # (address, params, context) → the (address, params) to store; InvalidAddress in French.
    # The facade (validate_address) has already refused an empty or overlong address.
    validate: Callable[[str, Params, AddressContext], tuple[str, Params]]
    render: Callable[[Envelope], str]  # what `arobase messages preview` shows
    concurrency: Callable[[Settings], int] = default_concurrency
    needs_confirmation: bool = False  # double opt-in: a link to follow before any alert
    unsubscribe_link: bool = True  # False when the chat itself has /stop
    # Staff may enrol a person on it at the town hall's counter: only a channel that asks the
    # person to confirm from the address itself (anyone can type another's address).
    staff_enrolment: bool = False
    address_label: str = "adresse"  # what staff type: « adresse e-mail », « numéro de … »
    address_input: str = "text"  # the HTML input type of that address (email, tel, text)
    # Where a send to an address goes on the network, for the worker's per-destination cap;
    # None for a channel with one destination of its own (the Bot API, the SMTP relay), which
    # its own pacing covers: uncapped.
    destination: Callable[[str], str | None] | None = None
    # What one recipient's message costs the town, in the channel's paid units (an SMS's
    # segments), for the preview and the audience; None for a channel that costs nothing.
    price: Callable[[Envelope], int] | None = None
    price_unit: str = ""  # what the price counts: « SMS »
    # The most units the town spends on the channel in a month (0: no cap), from the settings.
    monthly_cap: Callable[[Settings], int] | None = None

    def build(self, settings: Settings) -> Channel | None:
        """The sender configured from SETTINGS, or None when the channel is not configured."""
        built: Channel | None = importlib.import_module(self.sender_module).build(settings)
        return built

    @property
    def sender_module(self) -> str:
        """channels/<name>_sender.py, whose `build(settings)` returns the sender: imported by
        name when the worker builds its channels, never by the declaration."""
        return f"{__package__}.{self.name}_sender"


def is_urgent(envelope: Envelope) -> bool:
    """True when any notice in the envelope is urgent (a digest may mix both)."""
    return any(notice.urgent for notice in envelope.notices)
