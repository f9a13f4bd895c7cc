"""A delivery channel at our own seam: records envelopes, answers scripted outcomes."""

from __future__ import annotations

import asyncio
from collections import defaultdict, deque
from typing import ClassVar

from notifications.records import Envelope, SendResult


class MemoryChannel:
    """Implements notifications.channels.base.Channel without any network."""

    name: ClassVar[str] = "telegram"

    def __init__(self, name: str = "telegram") -> None:
        self.name = name  # type: ignore[misc]
        self.sent: list[Envelope] = []
        self.attempts: list[Envelope] = []
        self._script: dict[str, deque[SendResult]] = defaultdict(deque)
        self._changed = asyncio.Condition()

    def script(self, address: str, *results: SendResult) -> None:
        """The next sends to ADDRESS answer RESULTS in order, then succeed."""
        self._script[address].extend(results)

    async def send(self, envelope: Envelope) -> SendResult:
        self.attempts.append(envelope)
        scripted = self._script.get(envelope.address)
        result = scripted.popleft() if scripted else SendResult.sent("ok")
        if result.outcome.value == "sent":
            self.sent.append(envelope)
        async with self._changed:
            self._changed.notify_all()
        return result

    async def wait_attempts(self, count: int, timeout: float = 10) -> None:
        async with self._changed:
            await asyncio.wait_for(
                self._changed.wait_for(lambda: len(self.attempts) >= count), timeout
            )

    async def aclose(self) -> None:
        return None
