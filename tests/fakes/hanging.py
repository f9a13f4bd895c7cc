"""A server on loopback that takes HTTP requests and never answers them (or drops them).

It reads each request's head, records its path, then either holds the connection open without
a byte of reply until the block ends ("hang": a push service that stalls) or closes it at once
("drop": one that fails every request). Plain asyncio streams on a loop of its own, in a
thread: unlike a web framework, nothing here ever answers by itself.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from tests.fakes.recorder import Recorder

HEAD_LIMIT = 64 * 1024


class HangingServer:
    def __init__(self, drop: bool = False) -> None:
        self.drop = drop
        self.url = ""
        self.requests: Recorder[str] = Recorder("requests")  # paths, in order of arrival
        self.loop: asyncio.AbstractEventLoop | None = None
        self._held: set[asyncio.StreamWriter] = set()
        self._lock = threading.Lock()

    @property
    def held(self) -> int:
        """Requests still waiting for an answer that will never come."""
        with self._lock:
            return len(self._held)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            writer.close()
            return
        request_line = head.split(b"\r\n", 1)[0].decode("latin-1").split(" ")
        if self.drop:
            writer.close()
            self.requests.add(request_line[1] if len(request_line) > 1 else "")
            return
        with self._lock:
            self._held.add(writer)
        self.requests.add(request_line[1] if len(request_line) > 1 else "")
        try:
            while await reader.read(HEAD_LIMIT):  # the body, then nothing until the client quits
                pass
        except ConnectionError:
            pass
        finally:
            with self._lock:
                self._held.discard(writer)
            writer.close()

    def close_held(self) -> None:
        """Drop every connection held (from the server's loop)."""
        with self._lock:
            writers = list(self._held)
        for writer in writers:
            writer.transport.abort()

    def release(self) -> None:
        """Drop every connection held, from any thread: the clients' sends fail at once."""
        if self.loop is not None:
            self.loop.call_soon_threadsafe(self.close_held)


@contextmanager
def running_hanging_server(drop: bool = False) -> Iterator[HangingServer]:
    """A hanging (or dropping) server on loopback until the block ends; then every
    connection it held is cut, so that clients waiting on it fail at once."""
    fake = HangingServer(drop)
    loop = fake.loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    server = asyncio.run_coroutine_threadsafe(
        asyncio.start_server(fake.handle, "127.0.0.1", 0, limit=HEAD_LIMIT), loop
    ).result(timeout=10)
    port = server.sockets[0].getsockname()[1]
    fake.url = f"http://127.0.0.1:{port}"
    try:
        yield fake
    finally:
        loop.call_soon_threadsafe(server.close)
        loop.call_soon_threadsafe(fake.close_held)
        asyncio.run_coroutine_threadsafe(server.wait_closed(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()
