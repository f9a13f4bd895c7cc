"""A fake Rasa REST server on loopback, a thread-run uvicorn helper and test settings.

The fake answers `/webhooks/rest/webhook` like Rasa 3.6's REST channel:
- "choix" anywhere in the message: a question with two buttons;
- "deux lignes" anywhere: a reply on two lines;
- a message starting with "/" (a button payload): "Vous avez choisi <payload>";
- anything else: "Vous avez dit : <message>".
Set `mode` to change that: "silent" (an empty list, as when no response is predicted), or
to fail: "error" (500), "garbage" (not JSON), "wrong_shape" (a JSON object) or "hang" (no
answer until the server stops).
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from arobase.settings import Settings

Mode = Literal["echo", "silent", "error", "garbage", "wrong_shape", "hang"]

CHOICE_BUTTONS = [
    {"title": "Horaires de la mairie", "payload": "/horaires"},
    {"title": "Carte d'identité", "payload": "/carte_identite"},
]
TOWN_PHONE = "01 99 00 12 34"
TOWN_YAML = f"""\
# Test town: fictional numbers (01 99 00 xx xx) and .example addresses.
commune:
  name: Trilport
services:
  mairie:
    name: Mairie de Trilport
    short: la mairie
    gender: f
    address: 1 place de la Mairie, 77470 Trilport
    phone: {TOWN_PHONE}
    email: mairie@trilport.example
    opening_hours: "Mo-Fr 08:30-12:00,14:00-17:30; Sa 09:00-12:00"
procedures: {{}}
topics: {{}}
"""


class FakeRasa:
    """Records what it receives and answers according to `mode`."""

    def __init__(self) -> None:
        self.mode: Mode = "echo"
        self.received: list[dict[str, Any]] = []
        self.url = ""
        self._stopping = threading.Event()

    def reset(self) -> None:
        """Back to echo mode with nothing received."""
        self.mode = "echo"
        self.received.clear()

    @property
    def messages(self) -> list[str]:
        """The messages received, in order."""
        return [body.get("message") for body in self.received]

    @property
    def senders(self) -> list[str]:
        """The sender ids received, in order."""
        return [body.get("sender") for body in self.received]

    def app(self) -> Starlette:
        """The fake's ASGI app."""
        return Starlette(
            routes=[
                Route("/", self._hello, methods=["GET"]),
                Route("/webhooks/rest/webhook", self._webhook, methods=["POST"]),
            ]
        )

    async def _hello(self, request: Request) -> Response:
        return PlainTextResponse("Hello from Rasa: 3.6.21")

    async def _webhook(self, request: Request) -> Response:
        body = await request.json()
        self.received.append(body)
        if self.mode == "error":
            return PlainTextResponse("Internal Server Error", status_code=500)
        if self.mode == "garbage":
            return Response(b"<html>\xff\xfe oops", media_type="text/html")
        if self.mode == "wrong_shape":
            return JSONResponse({"recipient_id": body["sender"], "text": "pas une liste"})
        if self.mode == "silent":
            return JSONResponse([])
        if self.mode == "hang":
            while not self._stopping.is_set():
                await asyncio.sleep(0.05)
            return PlainTextResponse("too late")
        return JSONResponse(self._answer(body["sender"], body["message"]))

    @staticmethod
    def _answer(sender: str, message: str) -> list[dict[str, Any]]:
        if "choix" in message:
            return [
                {"recipient_id": sender, "text": "Que souhaitez-vous savoir ?"},
                {"recipient_id": sender, "buttons": CHOICE_BUTTONS},
            ]
        if "deux lignes" in message:
            return [{"recipient_id": sender, "text": "Mairie :\nlundi 8 h 30"}]
        if message.startswith("/"):
            return [{"recipient_id": sender, "text": f"Vous avez choisi {message}"}]
        return [{"recipient_id": sender, "text": f"Vous avez dit : {message}"}]


def closed_port_url() -> str:
    """A loopback URL where nothing listens (the port was free a moment ago)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@contextmanager
def serving(app: ASGIApp, stopping: threading.Event | None = None) -> Iterator[str]:
    """Run `app` with uvicorn on a free loopback port in a thread; yield its base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="auto", timeout_graceful_shutdown=2)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("the test server failed to start (see the log above)")
            time.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        if stopping is not None:
            stopping.set()
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@contextmanager
def running_fake_rasa() -> Iterator[FakeRasa]:
    """A fake Rasa listening on loopback until the block ends."""
    fake = FakeRasa()
    with serving(fake.app(), stopping=fake._stopping) as url:
        fake.url = url
        yield fake


def write_town(directory: Path) -> Path:
    """Write the test town file into `directory`; return its path."""
    path = directory / "town.yml"
    path.write_text(TOWN_YAML, encoding="utf-8")
    return path


def make_settings(town_file: Path, rasa_url: str, rasa_timeout: float = 2.0) -> Settings:
    """Settings for a test: no .env file, the given town and Rasa."""
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        town_file=town_file,
        rasa_url=rasa_url,
        rasa_timeout=rasa_timeout,
    )
