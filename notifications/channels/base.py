"""The one small interface every delivery channel implements, and the registry of channels."""

from __future__ import annotations

from typing import Any, ClassVar, Protocol

from notifications.records import Envelope, SendResult


class Channel(Protocol):
    """A delivery channel adapter (telegram, email, webpush, apprise)."""

    name: ClassVar[str]

    async def send(self, envelope: Envelope) -> SendResult:
        """Deliver one envelope; never raises for a delivery problem, returns the outcome."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...


class AddressBook(Protocol):
    """Checks and normalises a subscriber's address for one channel (no I/O)."""

    def __call__(self, address: str, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """The normalised (address, params); InvalidAddress with a French reason otherwise."""
        ...


def is_urgent(envelope: Envelope) -> bool:
    """True when any notice in the envelope is urgent (a digest may mix both)."""
    return any(notice.urgent for notice in envelope.notices)
