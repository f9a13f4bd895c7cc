"""A gate for the fake servers: `close()` stalls the answers, `open()` lets them go.

A request whose client went away meanwhile is not recorded by the fake (the far end would not
have delivered it, nor could the sender know).
"""

from __future__ import annotations

import asyncio
import threading

from starlette.requests import Request


class Gate:
    """Stalls handlers while closed; opened from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._event: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def closed(self) -> bool:
        with self._lock:
            return self._event is not None

    def close(self) -> None:
        with self._lock:
            if self._event is None:
                self._event = asyncio.Event()

    def open(self) -> None:
        with self._lock:
            event, loop, self._event = self._event, self._loop, None
        if event is not None and loop is not None:
            loop.call_soon_threadsafe(event.set)

    async def pass_through(self, request: Request) -> bool:
        """Wait until open; False when the client went away first."""
        with self._lock:
            self._loop = asyncio.get_running_loop()
            event = self._event
        if event is None:
            return True
        opened = asyncio.ensure_future(event.wait())
        left = asyncio.ensure_future(until_disconnect(request))
        await asyncio.wait({opened, left}, return_when=asyncio.FIRST_COMPLETED)
        for task in (opened, left):
            task.cancel()
        return not left.done() or left.cancelled()


async def until_disconnect(request: Request) -> None:
    """Return when the client closes the connection (the body was read already)."""
    while (await request.receive())["type"] != "http.disconnect":
        pass
