"""A fake feed server on loopback: the files of tests/data/feeds and misbehaving endpoints.

    /<file>               a file, with ETag and Last-Modified; 304 on a matching conditional GET
    /gzip/<file>          the same file, gzip-encoded
    /feeds/<i>.rss        distinct small feeds, conditional GET too (benchmarks poll hundreds)
    /items/<n>.rss        one feed of n articles, oldest first (18,000: 4.5 MB, made at first use)
    /redirect/<n>         n redirects, then trilport-actualites.rss;  /loop  redirects to itself
    /redirect-to?url=…    one redirect to any address
    /status/<code>        an empty answer with that status
    /hang                 answers nothing until the server stops
    /trickle              sends a byte every 50 ms until the server stops
    /huge                 50 MB without Content-Length (?declared=1: with it); counts what it sent
    /bomb                 20 MB of zeros, gzip-encoded into a few KB

Handlers run in the server's thread, tests in theirs: shared state is behind a lock.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import threading
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from functools import cache
from pathlib import Path
from urllib.parse import parse_qs

import anyio
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from tests.servers import serving

FEEDS_DIR = Path(__file__).resolve().parent.parent / "data" / "feeds"
HUGE_SIZE = 50 * 1024 * 1024
BOMB_SIZE = 20 * 1024 * 1024
CHUNK_SIZE = 64 * 1024
TRICKLE_EVERY = 0.05  # seconds between two bytes: well under any read timeout
FIRST_MODIFIED = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
MEDIA_TYPES = {
    ".rss": "application/rss+xml; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".ics": "text/calendar; charset=utf-8",
    ".json": "application/json",
}
NUMBERED_FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Flux {i}</title><link>https://site{i}.example/</link>
<item><title>Article {i}</title><link>https://site{i}.example/article</link>
<guid>https://site{i}.example/?p={i}</guid><description>Article numéro {i}.</description></item>
</channel></rss>
"""


LONG_FEED_ITEM = """<item><title>Article {i}</title><link>https://long.example/{i}</link>
<guid>https://long.example/?p={i}</guid><pubDate>{date}</pubDate>
<description>Compte rendu {i}.</description></item>
"""
LONG_FEED_START = datetime(2020, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Stored:
    body: bytes
    etag: str
    last_modified: datetime
    media_type: str


class FeedServer:
    """The fake server: its state, and the ASGI app itself; `url` is set once it listens."""

    def __init__(self, directory: Path = FEEDS_DIR) -> None:
        self.url = ""
        self.stopping = threading.Event()  # set by tests.servers.serving before shutdown
        self.huge_finished = threading.Event()  # the /huge handler has stopped sending
        self._lock = threading.Lock()
        self._files: dict[str, Stored] = {}
        self._versions = 0
        self._hits: Counter[str] = Counter()
        self._headers: dict[str, Headers] = {}
        self._huge_sent = 0
        for path in sorted(directory.iterdir()):
            if path.is_file():
                self.put(path.name, path.read_bytes())
        self._routes = Starlette(
            routes=[
                Route("/hang", self._hang),
                Route("/trickle", self._trickle),
                Route("/bomb", self._bomb),
                Route("/loop", self._loop),
                Route("/redirect-to", self._redirect_to),
                Route("/redirect/{n:int}", self._redirect),
                Route("/status/{code:int}", self._status),
                Route("/feeds/{i:int}.rss", self._numbered),
                Route("/items/{n:int}.rss", self._long),
                Route("/gzip/{name:path}", self._gzip),
                Route("/{name:path}", self._file),
            ]
        )

    # --- for tests -------------------------------------------------------------------------

    def put(self, name: str, body: bytes) -> None:
        """Serve BODY at /NAME from now on, with a new ETag and a later Last-Modified."""
        with self._lock:
            self._versions += 1
            self._files[name] = Stored(
                body=body,
                etag='"' + hashlib.sha256(body).hexdigest()[:20] + '"',
                last_modified=FIRST_MODIFIED + timedelta(minutes=self._versions),
                media_type=MEDIA_TYPES.get(Path(name).suffix, "application/octet-stream"),
            )

    def hits(self, path: str) -> int:
        """How many requests PATH (e.g. "/trilport-actualites.rss") has received."""
        with self._lock:
            return self._hits[path]

    def last_headers(self, path: str) -> Headers:
        with self._lock:
            return self._headers[path]

    @property
    def huge_sent(self) -> int:
        """Bytes of the last /huge body handed to the network before the client left."""
        with self._lock:
            return self._huge_sent

    # --- ASGI ------------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            with self._lock:
                self._hits[scope["path"]] += 1
                self._headers[scope["path"]] = Headers(scope=scope)
            if scope["path"] == "/huge":
                await self._huge(scope, receive, send)
                return
        await self._routes(scope, receive, send)

    async def _file(self, request: Request) -> Response:
        with self._lock:
            stored = self._files.get(request.path_params["name"])
        if stored is None:
            return Response("introuvable", status_code=404)
        return conditional(request, stored)

    async def _numbered(self, request: Request) -> Response:
        i = request.path_params["i"]
        with self._lock:
            stored = self._files.get(f"feeds/{i}.rss")
        if stored is None:
            body = NUMBERED_FEED.format(i=i).encode()
            stored = Stored(body, f'"feed-{i}-v1"', FIRST_MODIFIED, MEDIA_TYPES[".rss"])
        return conditional(request, stored)

    async def _long(self, request: Request) -> Response:
        body = long_feed(request.path_params["n"])
        return conditional(request, Stored(body, '"long"', FIRST_MODIFIED, MEDIA_TYPES[".rss"]))

    async def _gzip(self, request: Request) -> Response:
        with self._lock:
            stored = self._files.get(request.path_params["name"])
        if stored is None:
            return Response("introuvable", status_code=404)
        headers = {"Content-Encoding": "gzip", "ETag": stored.etag}
        return Response(gzip.compress(stored.body), media_type=stored.media_type, headers=headers)

    async def _bomb(self, request: Request) -> Response:
        headers = {"Content-Encoding": "gzip"}
        return Response(gzip_bomb(), media_type=MEDIA_TYPES[".rss"], headers=headers)

    async def _redirect(self, request: Request) -> Response:
        n = request.path_params["n"]
        if n <= 0:
            with self._lock:
                stored = self._files["trilport-actualites.rss"]
            return conditional(request, stored)
        return RedirectResponse(f"/redirect/{n - 1}", status_code=302)

    async def _loop(self, request: Request) -> Response:
        return RedirectResponse("/loop", status_code=302)

    async def _redirect_to(self, request: Request) -> Response:
        return RedirectResponse(request.query_params["url"], status_code=302)

    async def _status(self, request: Request) -> Response:
        return Response(b"", status_code=request.path_params["code"])

    async def _hang(self, request: Request) -> Response:
        await anyio.to_thread.run_sync(self.stopping.wait)
        return Response("trop tard")

    async def _trickle(self, request: Request) -> Response:
        async def drip() -> AsyncIterator[bytes]:
            while not self.stopping.is_set():
                yield b" "
                await asyncio.sleep(TRICKLE_EVERY)

        return StreamingResponse(drip(), media_type=MEDIA_TYPES[".rss"])

    async def _huge(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Raw ASGI, to stop and count exactly when the client goes away."""
        with self._lock:
            self._huge_sent = 0
        self.huge_finished.clear()
        gone = asyncio.Event()

        async def watch() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass
            gone.set()

        watcher = asyncio.create_task(watch())
        headers = [(b"content-type", MEDIA_TYPES[".rss"].encode())]
        if parse_qs(scope["query_string"].decode()).get("declared"):
            headers.append((b"content-length", str(HUGE_SIZE).encode()))
        chunk = b"x" * CHUNK_SIZE
        try:
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            for _ in range(HUGE_SIZE // CHUNK_SIZE):
                if gone.is_set() or self.stopping.is_set():
                    return
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
                with self._lock:
                    self._huge_sent += len(chunk)
                await asyncio.sleep(0)  # let the watcher see a disconnect
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            watcher.cancel()
            self.huge_finished.set()


def conditional(request: Request, stored: Stored) -> Response:
    """200 with validators, or 304 when the client's copy is current (If-None-Match first)."""
    headers = {"ETag": stored.etag, "Last-Modified": format_datetime(stored.last_modified, True)}
    if fresh(request.headers, stored):
        return Response(status_code=304, headers=headers)
    return Response(stored.body, media_type=stored.media_type, headers=headers)


def fresh(headers: Headers, stored: Stored) -> bool:
    if (tags := headers.get("if-none-match")) is not None:
        given = {tag.strip().removeprefix("W/") for tag in tags.split(",")}
        return "*" in given or stored.etag in given
    if (since := headers.get("if-modified-since")) is not None:
        try:
            return stored.last_modified <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False


@cache
def long_feed(count: int) -> bytes:
    """An RSS feed of COUNT articles listed oldest first, article i published i hours after
    1 January 2020 (so the newest are the last ones)."""
    items = (
        LONG_FEED_ITEM.format(i=i, date=format_datetime(long_feed_date(i), usegmt=True))
        for i in range(count)
    )
    head = '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
    return f"{head}<title>Archives</title>\n{''.join(items)}</channel></rss>\n".encode()


def long_feed_date(i: int) -> datetime:
    return LONG_FEED_START + timedelta(hours=i)


@cache
def gzip_bomb() -> bytes:
    return gzip.compress(bytes(BOMB_SIZE), compresslevel=9)


@contextmanager
def feed_server(directory: Path = FEEDS_DIR) -> Iterator[FeedServer]:
    """A running fake feed server; its base URL is `.url`."""
    server = FeedServer(directory)
    with serving(server, server.stopping) as url:
        server.url = url
        yield server
