"""A delivery channel at our own seam: records envelopes, answers scripted outcomes."""

from __future__ import annotations

from collections import defaultdict, deque
from typing import ClassVar

from notifications.records import Envelope, SendResult


class MemoryChannel:
    """Implements notifications.channels.base.Channel without any network."""

    name: ClassVar[str] = "telegram"

    def __init__(self, name: str = "telegram") -> None:
        self.name = name  # type: ignore[misc]
        self.sent: list[Envelope] = []
        self._script: dict[str, deque[SendResult]] = defaultdict(deque)

    def script(self, address: str, *results: SendResult) -> None:
        """The next sends to ADDRESS answer RESULTS in order, then succeed."""
        self._script[address].extend(results)

    async def send(self, envelope: Envelope) -> SendResult:
        scripted = self._script.get(envelope.address)
        result = scripted.popleft() if scripted else SendResult.sent("ok")
        if result.outcome.value == "sent":
            self.sent.append(envelope)
        return result

    async def aclose(self) -> None:
        return None
