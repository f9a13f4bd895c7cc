"""A fake Rasa REST server on loopback (run by tests.servers.serving) and test settings.

The fake answers `/webhooks/rest/webhook` like Rasa 3.6's REST channel:
- "choix" anywhere in the message: a question with two buttons;
- "deux lignes" anywhere: a reply on two lines;
- "paragraphes" anywhere: a reply of about 10,000 characters in numbered paragraphs;
- a message starting with "/" (a button payload): "Vous avez choisi <payload>";
- anything else: "Vous avez dit : <message>".
Set `mode` to change that: "silent" (an empty list, as when no response is predicted), or
to fail: "error" (500), "garbage" (not JSON), "wrong_shape" (a JSON object) or "hang" (no
answer until the server stops).
Set `forget_fails` to make erasing a conversation fail (500).
Set `question` to a question id to end each answer with the action server's custom entry
`{"custom": {"arobase_question": <id>}}` (the residents' vote, issue 11).
Set `handoff` to a function (sender, message) → reply text or None, run before answering
(in a thread): it plays the handoff action (issue 11), its text being the answer.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from arobase.settings import Settings
from tests.servers import serving

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
        self.forgotten: list[str] = []  # senders whose conversation was erased
        self.forget_fails = False
        self.question: str | None = None  # the id that ends each answer, if any
        self.handoff: Callable[[str, str], str | None] | None = None  # the handoff action
        self.token = "jeton-de-test"  # what its HTTP API takes, like Rasa's --auth-token
        self.url = ""
        self._stopping = threading.Event()

    def reset(self) -> None:
        """Back to echo mode (erasing works) with nothing received."""
        self.mode = "echo"
        self.forget_fails = False
        self.question = None
        self.handoff = None
        self.token = "jeton-de-test"
        self.received.clear()
        self.forgotten.clear()

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
                Route(
                    "/conversations/{sender}/tracker/events", self._replace_events, methods=["PUT"]
                ),
            ]
        )

    async def _replace_events(self, request: Request) -> Response:
        if request.query_params.get("token") != self.token:
            return JSONResponse({"message": "User is not authenticated."}, status_code=401)
        if self.forget_fails:
            return PlainTextResponse("Internal Server Error", status_code=500)
        self.forgotten.append(request.path_params["sender"])
        return JSONResponse({"sender_id": request.path_params["sender"], "events": []})

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
            await anyio.to_thread.run_sync(self._stopping.wait)
            return PlainTextResponse("too late")
        answer = self._answer(body["sender"], body["message"])
        if self.handoff is not None:
            handed = await anyio.to_thread.run_sync(self.handoff, body["sender"], body["message"])
            answer = [{"recipient_id": body["sender"], "text": handed}] if handed else answer
        if self.question is not None:
            custom = {"arobase_question": self.question}
            answer.append({"recipient_id": body["sender"], "custom": custom})
        return JSONResponse(answer)

    @staticmethod
    def _answer(sender: str, message: str) -> list[dict[str, Any]]:
        if "choix" in message:
            return [
                {"recipient_id": sender, "text": "Que souhaitez-vous savoir ?"},
                {"recipient_id": sender, "buttons": CHOICE_BUTTONS},
            ]
        if "paragraphes" in message:
            paragraphs = [f"Paragraphe {n}. " + "Une phrase assez longue. " * 20 for n in range(20)]
            return [{"recipient_id": sender, "text": "\n\n".join(paragraphs)}]
        if "deux lignes" in message:
            return [{"recipient_id": sender, "text": "Mairie :\nlundi 8 h 30"}]
        if message.startswith("/"):
            return [{"recipient_id": sender, "text": f"Vous avez choisi {message}"}]
        return [{"recipient_id": sender, "text": f"Vous avez dit : {message}"}]


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
