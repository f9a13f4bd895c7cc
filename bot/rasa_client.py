"""Talk to a Rasa 3.6 server through its REST channel: one message in, the bot's replies out."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from types import TracebackType
from typing import Any
from urllib.parse import quote

import httpx

from arobase.errors import ArobaseError
from arobase.settings import Settings
from arobase.tokens import rasa_token

WEBHOOK_PATH = "/webhooks/rest/webhook"
STATUS_PATH = "/"
_STATUS_GREETING = "Hello from Rasa"
QUESTION_KEY = "arobase_question"  # the action server's custom payload naming the question
QUESTION_ID = re.compile(r"[A-Za-z0-9_-]{1,16}")  # notifications.record_question's tokens


class RasaUnavailable(ArobaseError):
    """Rasa did not answer in time, refused the message or answered something unreadable."""


@dataclass(frozen=True)
class Button:
    """A choice the bot offers: the person sees `title`, Rasa receives `payload`."""

    title: str
    payload: str


@dataclass(frozen=True)
class Reply:
    """One message from the bot, with the choices offered under it; QUESTION: the id of the
    resident's question this reply answers, which the resident may vote on (👍/👎)."""

    text: str
    buttons: tuple[Button, ...] = ()
    question: str | None = None


def _parse_button(raw: Any) -> Button | None:
    """A button from Rasa's JSON, or None when it lacks a usable title or payload."""
    if not isinstance(raw, dict):
        return None
    title, payload = raw.get("title"), raw.get("payload")
    if not isinstance(title, str) or not title.strip():
        return None
    if not isinstance(payload, str) or not payload:
        return None
    return Button(title=title, payload=payload)


def _parse_buttons(raw: Any) -> tuple[Button, ...]:
    """The usable buttons of one entry; anything that is not a list gives none."""
    if not isinstance(raw, list):
        return ()
    return tuple(b for b in map(_parse_button, raw) if b is not None)


def _question_id(entry: dict[str, Any]) -> str | None:
    """The question id of an entry `{"custom": {"arobase_question": "<id>"}}` (the action
    server's, after its answer), or None for anything else."""
    custom = entry.get("custom")
    found = custom.get(QUESTION_KEY) if isinstance(custom, dict) else None
    return found if isinstance(found, str) and QUESTION_ID.fullmatch(found) else None


def _entry_text(entry: dict[str, Any]) -> str:
    """The text of one entry; an image alone becomes its link so the person can open it."""
    text = entry.get("text")
    if isinstance(text, str) and text.strip():
        return text
    image = entry.get("image")
    if isinstance(image, str) and image.startswith(("http://", "https://")):
        return image
    return ""


def parse_replies(data: Any) -> list[Reply]:
    """Turn the webhook's JSON into replies.

    Entries with text (or an image link) become replies; buttons that come without text are
    added to the reply before them; a question id (a custom payload) is given to the reply
    before it; entries with nothing to show (other custom payloads, attachments) are
    skipped. The overall shape must be a list of objects.
    """
    if not isinstance(data, list) or not all(isinstance(entry, dict) for entry in data):
        raise RasaUnavailable("Rasa a renvoyé une réponse inattendue (liste d'objets attendue).")
    replies: list[Reply] = []
    for entry in data:
        text, buttons = _entry_text(entry), _parse_buttons(entry.get("buttons"))
        question = None if text or buttons else _question_id(entry)
        if question and replies:
            replies[-1] = replace(replies[-1], question=question)
        elif text:
            replies.append(Reply(text=text, buttons=buttons))
        elif buttons and replies:
            previous = replies.pop()
            replies.append(replace(previous, buttons=previous.buttons + buttons))
        elif buttons:
            replies.append(Reply(text="", buttons=buttons))
    return replies


class RasaClient:
    """Sends messages to Rasa's REST channel over an injected `httpx.AsyncClient`.

    TOKEN (AROBASE_RASA_TOKEN) goes with each message: Rasa's channel serves a conversation
    other than the site's and the terminal's (a Telegram chat's) only with it
    (rasa_addons/arobase_channels.py)."""

    def __init__(self, http: httpx.AsyncClient, token: str = "") -> None:
        self._http = http
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}

    @property
    def base_url(self) -> str:
        """Where Rasa is expected, for messages to people."""
        return str(self._http.base_url)

    async def send(self, sender: str, text: str) -> list[Reply]:
        """Send one message for conversation `sender`; return the bot's replies in order."""
        try:
            response = await self._http.post(
                WEBHOOK_PATH, json={"sender": sender, "message": text}, headers=self._headers
            )
            response.raise_for_status()
            data = response.json()
        except httpx.TimeoutException as exc:
            raise RasaUnavailable(f"Rasa ({self.base_url}) n'a pas répondu à temps.") from exc
        except httpx.HTTPStatusError as exc:
            raise RasaUnavailable(_refused(self.base_url, exc.response.status_code)) from exc
        except httpx.HTTPError as exc:
            raise RasaUnavailable(f"Rasa ({self.base_url}) est injoignable.") from exc
        except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
            raise RasaUnavailable(f"Rasa ({self.base_url}) a renvoyé un JSON illisible.") from exc
        return parse_replies(data)

    async def forget(self, sender: str, token: str) -> None:
        """Erase the conversation `sender` held by Rasa (its HTTP API, protected by TOKEN)."""
        # Rasa (Sanic) does not unquote the path: ":" stays as is, it is valid in a path.
        path = f"/conversations/{quote(sender, safe=':')}/tracker/events"
        try:
            response = await self._http.put(path, params={"token": token}, json=[])
            response.raise_for_status()
        except httpx.HTTPStatusError as exc:
            raise RasaUnavailable(_refused(self.base_url, exc.response.status_code)) from exc
        except httpx.HTTPError as exc:
            raise RasaUnavailable(f"Rasa ({self.base_url}) est injoignable.") from exc

    async def status(self) -> bool:
        """Whether Rasa answers its greeting page right now."""
        try:
            response = await self._http.get(STATUS_PATH)
        except httpx.HTTPError:
            return False
        return response.is_success and _STATUS_GREETING in response.text

    async def aclose(self) -> None:
        """Close the underlying HTTP client."""
        await self._http.aclose()

    async def __aenter__(self) -> RasaClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()


def _refused(base_url: str, status: int) -> str:
    """Why Rasa refused a message or an erasure, for staff (French)."""
    if status in (401, 403):
        return (
            f"Rasa ({base_url}) a refusé : le jeton AROBASE_RASA_TOKEN est absent ou n'est pas "
            "celui de l'assistant en marche."
        )
    return f"Rasa ({base_url}) a répondu l'erreur {status}."


async def erase_conversation(settings: Settings, sender: str) -> None:
    """Erase the conversation SENDER held by the Rasa server of SETTINGS (RasaUnavailable if
    it could not be done)."""
    token = rasa_token(settings)
    async with rasa_client_from_settings(settings, token) as rasa:
        await rasa.forget(sender, token)


def rasa_client_from_settings(settings: Settings, token: str | None = None) -> RasaClient:
    """Build a client for `settings.rasa_url`, sending TOKEN (default: the configured one);
    the caller closes it (`aclose` or `async with`)."""
    http = httpx.AsyncClient(
        base_url=settings.rasa_url,
        timeout=httpx.Timeout(settings.rasa_timeout),
        # Rasa runs next to us: a proxy from the environment would only get in the way.
        trust_env=False,
    )
    return RasaClient(http, settings.rasa_token.get_secret_value() if token is None else token)
