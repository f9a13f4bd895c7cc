"""A fake JSON webhook on loopback, the far end of an apprise `json://127.0.0.1:PORT/path` URL.

apprise posts {"version", "title", "message", "type", …}; the fake records each post with its
path and basic-auth user, and answers 200, or a scripted failure (`fail_next(n, status)`).
`hold()` stalls every answer until `release()`; a post whose client went away meanwhile is not
recorded. It stands for an SMS gateway too: apprise posts to `json://…/sms/+33612345678`.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.gate import Gate
from tests.fakes.recorder import FailureScript, Recorder
from tests.servers import serving


@dataclass(frozen=True)
class Post:
    path: str
    body: dict[str, Any]
    user: str | None  # from HTTP basic auth, when the URL had user:password@

    @property
    def title(self) -> str:
        return self.body.get("title", "")

    @property
    def message(self) -> str:
        return self.body.get("message", "")


class FakeWebhook:
    """Records the JSON posted to any path."""

    def __init__(self) -> None:
        self.url = ""
        self.host_port = ""  # "127.0.0.1:PORT", for apprise URLs
        self.posts: Recorder[Post] = Recorder("posts")
        self._failures = FailureScript()
        self._gate = Gate()

    def hold(self) -> None:
        """Stall every answer until `release()`."""
        self._gate.close()

    def release(self) -> None:
        self._gate.open()

    def fail_next(self, count: int, status: int = 500) -> None:
        self._failures.add(count, status=status)

    def wait_for_posts(self, count: int, timeout: float = 10.0) -> list[Post]:
        """Block until `count` posts arrived (from a coroutine: asyncio.to_thread)."""
        return self.posts.wait_for(count, timeout)

    def reset(self) -> None:
        """Forget the posts received and the failures scripted."""
        self.posts.clear()
        self._failures.clear()

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/{path:path}", self._post, methods=["POST"])])

    async def _post(self, request: Request) -> Response:
        body = await request.body()
        if not await self._gate.pass_through(request):
            return Response(status_code=499)
        failure = self._failures.take()
        if failure is not None:
            return JSONResponse({"error": "scripted failure"}, status_code=failure["status"])
        self.posts.add(Post("/" + request.path_params["path"], json.loads(body), _user(request)))
        return JSONResponse({"ok": True})


def _user(request: Request) -> str | None:
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    return base64.b64decode(encoded).decode().split(":", 1)[0]


@contextmanager
def running_fake_webhook() -> Iterator[FakeWebhook]:
    """A fake webhook listening on loopback until the block ends."""
    fake = FakeWebhook()
    with serving(fake.app()) as url:
        fake.url = url
        fake.host_port = url.removeprefix("http://")
        try:
            yield fake
        finally:
            fake.release()  # a held answer must not keep the server from stopping
