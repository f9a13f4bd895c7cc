"""A fake Telegram Bot API server on loopback, for the channel adapter and the bot front-end.

It answers `/bot{token}/{method}` with JSON or form bodies (python-telegram-bot sends forms) like
the real API: getMe, sendMessage, getUpdates (long polling, offsets), editMessageText,
editMessageReplyMarkup, answerCallbackQuery, setMyCommands, getMyCommands, sendChatAction,
deleteWebhook, getChatMember (a group's owner and administrators set with `set_admins`; anyone
else is a plain member). Configure it to misbehave:
- `blocked` chat ids: 403 "Forbidden: bot was blocked by the user";
- `unknown_chats`: 400 "Bad Request: chat not found";
- `max_per_second`: sendMessage beyond that many in any 1-second window gets a 429;
- `fail_next(n, status=429, retry_after=k)` or `fail_next(n, status=500)`: the next n calls fail;
- `hold()` stalls every answer until `release()`; a request whose client went away meanwhile
  is not recorded (as Telegram would not have delivered it… nor could we know).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.gate import Gate
from tests.fakes.recorder import FailureScript, Recorder, SlidingWindow
from tests.servers import serving

DEFAULT_TOKEN = "123456:TEST-fake-token"
BOT_USER: dict[str, Any] = {
    "id": 123456,
    "is_bot": True,
    "first_name": "Mairie de Trilport",
    "username": "trilport_test_bot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
BLOCKED = "Forbidden: bot was blocked by the user"
CHAT_NOT_FOUND = "Bad Request: chat not found"
UNPOLLED = frozenset({"getUpdates"})  # never held: long polling waits on its own
JSON_FIELDS = frozenset(
    {"reply_markup", "link_preview_options", "commands", "entities", "allowed_updates", "scope"}
)
INT_FIELDS = frozenset(
    {"chat_id", "message_id", "offset", "limit", "timeout", "cache_time", "user_id"}
)
BOOL_FIELDS = frozenset(
    {"disable_notification", "show_alert", "drop_pending_updates", "protect_content"}
)

# What getChatMember says of an administrator besides status and user (all required).
ADMIN_RIGHTS: dict[str, bool] = {
    "can_be_edited": False, "is_anonymous": False, "can_manage_chat": True,
    "can_delete_messages": True, "can_manage_video_chats": True, "can_restrict_members": True,
    "can_promote_members": False, "can_change_info": True, "can_invite_users": True,
    "can_post_stories": False, "can_edit_stories": False, "can_delete_stories": False,
}  # fmt: skip

Params = dict[str, Any]
Handler = Callable[[Params], Awaitable[Any]]


@dataclass(frozen=True)
class SentMessage:
    """A sendMessage the fake answered successfully."""

    message_id: int
    chat_id: int | str
    text: str
    parse_mode: str | None
    reply_markup: dict[str, Any] | None
    link_preview_disabled: bool
    at: float  # time.monotonic() when the request arrived


@dataclass(frozen=True)
class ApiCall:
    """Any call the fake answered successfully: the method and its decoded parameters."""

    method: str
    params: Params
    at: float


class ApiError(Exception):
    """An error answer, as the Bot API words it."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status, self.description, self.retry_after = status, description, retry_after

    def response(self) -> JSONResponse:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return JSONResponse(body, status_code=self.status)


class _Updates:
    """Updates waiting for getUpdates, confirmed by the offset of the next call."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: list[dict[str, Any]] = []
        self._ids = itertools.count(1)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._arrived = asyncio.Event()
        self.stopped = False

    def push(self, update: dict[str, Any]) -> int:
        with self._lock:
            update_id = next(self._ids)
            self._pending.append({"update_id": update_id, **update})
            loop = self._loop
        if loop is not None:
            loop.call_soon_threadsafe(self._wake)
        return update_id

    def clear(self) -> None:
        with self._lock:
            self._pending.clear()

    def stop(self) -> None:
        self.stopped = True
        with self._lock:
            loop = self._loop
        if loop is not None:
            with suppress(RuntimeError):  # the server loop is closed already
                loop.call_soon_threadsafe(self._wake)

    def _wake(self) -> None:
        """Runs in the server loop: wake every long poll, then arm a fresh event."""
        self._arrived.set()
        self._arrived = asyncio.Event()

    def _confirm(self, offset: int) -> list[dict[str, Any]]:
        with self._lock:
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
            return list(self._pending)

    async def get(self, offset: int, limit: int, timeout: float) -> list[dict[str, Any]]:
        with self._lock:
            self._loop = asyncio.get_running_loop()
        deadline = time.monotonic() + timeout
        while not (pending := self._confirm(offset)) and not self.stopped:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            with suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), remaining)
        return pending[:limit]


class FakeTelegram:
    """Answers like the Bot API and records what the bot sent."""

    def __init__(self, token: str = DEFAULT_TOKEN, max_per_second: int | None = None) -> None:
        self.token = token
        self.url = ""  # set once serving
        self.blocked: set[int] = set()
        self.unknown_chats: set[int] = set()
        self.window = SlidingWindow(max_per_second)
        self.messages: Recorder[SentMessage] = Recorder("messages")
        self.calls: Recorder[ApiCall] = Recorder("calls")
        self.stalled: Recorder[str] = Recorder("stalled calls")  # methods that met a hold
        self.polls: Recorder[int] = Recorder("polls")  # the offset of each getUpdates received
        self.commands: list[dict[str, Any]] = []
        self._roles: dict[int, dict[int, str]] = {}  # group → user → creator | administrator
        self._failures: dict[str, FailureScript] = {}
        self._rate_limited = 0
        self._lock = threading.Lock()
        self._gate = Gate()
        self._updates = _Updates()
        self._message_ids = itertools.count(1)
        self._texts: dict[tuple[Any, int], str] = {}
        self._methods: dict[str, Handler] = {
            "getMe": self._get_me,
            "sendMessage": self._send_message,
            "getUpdates": self._get_updates,
            "editMessageText": self._edit_text,
            "editMessageReplyMarkup": self._edit_markup,
            "answerCallbackQuery": self._true,
            "setMyCommands": self._set_commands,
            "getMyCommands": self._get_commands,
            "sendChatAction": self._true,
            "deleteWebhook": self._true,
            "setWebhook": self._true,
            "getChatMember": self._get_chat_member,
        }

    # --- configuration and inspection, from the test thread -------------------------------

    @property
    def base_url(self) -> str:
        """What `Bot(base_url=…)` takes: the token is appended to it."""
        return f"{self.url}/bot"

    @property
    def rate_limited(self) -> int:
        """How many 429 answers the fake sent because of `max_per_second` or a script."""
        with self._lock:
            return self._rate_limited

    def fail_next(
        self,
        count: int,
        *,
        status: int = 429,
        retry_after: int = 1,
        description: str | None = None,
        method: str = "sendMessage",
    ) -> None:
        """The next `count` calls of `method` fail with `status` (a 429 says when to retry)."""
        with self._lock:
            script = self._failures.setdefault(method, FailureScript())
        script.add(count, status=status, retry_after=retry_after, description=description)

    def hold(self) -> None:
        """Stall every answer (but getUpdates) until `release()`."""
        self._gate.close()

    def release(self) -> None:
        self._gate.open()

    def wait_for_messages(self, count: int, timeout: float = 10.0) -> list[SentMessage]:
        """Block until `count` messages were answered (from a coroutine: asyncio.to_thread)."""
        return self.messages.wait_for(count, timeout)

    def calls_of(self, method: str) -> list[ApiCall]:
        return [call for call in self.calls.items() if call.method == method]

    def push_update(self, update: dict[str, Any]) -> int:
        """Queue a raw update (without update_id) for getUpdates; return its update_id."""
        return self._updates.push(update)

    def push_text(self, chat_id: int, text: str, first_name: str = "Marie") -> int:
        """A resident writes `text` in a private chat (a leading /command is marked as such)."""
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": first_name},
            "from": _resident(chat_id, first_name),
            "text": text,
        }
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return self.push_update({"message": message})

    def push_group_text(self, group_id: int, user_id: int, text: str) -> int:
        """Member USER_ID writes TEXT in the group GROUP_ID (a leading /command is marked)."""
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": group_id, "type": "supergroup", "title": "Voisins de la rue de Meaux"},
            "from": _resident(user_id, "Paul"),
            "text": text,
        }
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return self.push_update({"message": message})

    def push_callback(
        self, chat_id: int, data: str, message_id: int, user_id: int | None = None
    ) -> int:
        """Someone (USER_ID, by default the resident of a private chat) taps an inline button
        with `data` under the bot's message `message_id`."""
        text = self._texts.get((chat_id, message_id), "")
        query = {
            "id": f"cb{message_id}-{time.monotonic_ns()}",
            "from": _resident(chat_id if user_id is None else user_id, "Marie"),
            "chat_instance": f"ci{chat_id}",
            "data": data,
            "message": self._message(chat_id, message_id, text),
        }
        return self.push_update({"callback_query": query})

    def set_admins(self, group_id: int, owner: int, administrators: Iterable[int] = ()) -> None:
        """Who runs the group GROUP_ID, as getChatMember will tell."""
        roles = {user: "administrator" for user in administrators} | {owner: "creator"}
        with self._lock:
            self._roles[group_id] = roles

    def reset(self) -> None:
        """Forget what was received and configured (the server keeps running)."""
        self.release()
        with self._lock:
            self._roles.clear()
        self.blocked.clear()
        self.unknown_chats.clear()
        self.window.clear()
        self.messages.clear()
        self.calls.clear()
        self.stalled.clear()
        self.polls.clear()
        self.commands.clear()
        self._updates.clear()
        with self._lock:
            self._failures.clear()
            self._rate_limited = 0

    # --- the ASGI app ------------------------------------------------------------------------

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/bot{token}/{method}", self._api, methods=["GET", "POST"])])

    async def _api(self, request: Request) -> Response:
        arrived = time.monotonic()
        method = request.path_params["method"]
        params = await _params(request)
        try:
            handler = self._check(request.path_params["token"], method)
            if method == "sendMessage" and not self.window.admit():
                self._count_429()
                raise ApiError(429, "Too Many Requests: retry after 1", retry_after=1)
            if method not in UNPOLLED and not await self._pass_gate(request, method):
                return Response(status_code=499)  # nobody listens to this answer any more
            self._scripted_failure(method)
            result = await handler(params)
        except ApiError as error:
            return error.response()
        if await request.is_disconnected():
            return Response(status_code=499)
        self._record(method, params, result, arrived)
        return JSONResponse({"ok": True, "result": result})

    async def _pass_gate(self, request: Request, method: str) -> bool:
        """Wait while held; False when the client went away meanwhile."""
        if not self._gate.closed:
            return True
        self.stalled.add(method)
        return await self._gate.pass_through(request)

    def _check(self, token: str, method: str) -> Handler:
        if token != self.token:
            raise ApiError(401, "Unauthorized")
        handler = self._methods.get(method)
        if handler is None:
            raise ApiError(404, "Not Found: method not found")
        return handler

    def _scripted_failure(self, method: str) -> None:
        with self._lock:
            script = self._failures.get(method)
        failure = script.take() if script else None
        if failure is None:
            return
        if failure["status"] == 429:
            self._count_429()
            retry_after = failure["retry_after"]
            raise ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)
        raise ApiError(failure["status"], failure["description"] or "Internal Server Error")

    def _count_429(self) -> None:
        with self._lock:
            self._rate_limited += 1

    def _record(self, method: str, params: Params, result: Any, arrived: float) -> None:
        self.calls.add(ApiCall(method, params, arrived))
        if method != "sendMessage":
            return
        self._texts[(params["chat_id"], result["message_id"])] = params.get("text", "")
        preview = params.get("link_preview_options") or {}
        self.messages.add(
            SentMessage(
                message_id=result["message_id"],
                chat_id=params["chat_id"],
                text=params.get("text", ""),
                parse_mode=params.get("parse_mode"),
                reply_markup=params.get("reply_markup"),
                link_preview_disabled=bool(preview.get("is_disabled")),
                at=arrived,
            )
        )

    # --- methods -----------------------------------------------------------------------------

    def _check_chat(self, chat_id: Any) -> None:
        if chat_id in self.blocked:
            raise ApiError(403, BLOCKED)
        if chat_id in self.unknown_chats or chat_id is None:
            raise ApiError(400, CHAT_NOT_FOUND)

    def _message(self, chat_id: Any, message_id: int, text: str) -> dict[str, Any]:
        kind = "private" if isinstance(chat_id, int) and chat_id > 0 else "group"
        return {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": kind},
            "from": BOT_USER,
            "text": text,
        }

    async def _get_me(self, params: Params) -> Any:
        return BOT_USER

    async def _true(self, params: Params) -> Any:
        self._check_chat_if_any(params)
        return True

    def _check_chat_if_any(self, params: Params) -> None:
        if "chat_id" in params:
            self._check_chat(params["chat_id"])

    async def _send_message(self, params: Params) -> Any:
        self._check_chat(params.get("chat_id"))
        if not params.get("text"):
            raise ApiError(400, "Bad Request: message text is empty")
        message = self._message(params["chat_id"], next(self._message_ids), params["text"])
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        return message

    async def _edit_text(self, params: Params) -> Any:
        self._check_chat(params.get("chat_id"))
        message = self._message(params["chat_id"], params["message_id"], params.get("text", ""))
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        return message

    async def _edit_markup(self, params: Params) -> Any:
        self._check_chat(params.get("chat_id"))
        text = self._texts.get((params["chat_id"], params["message_id"]), "")
        message = self._message(params["chat_id"], params["message_id"], text)
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        return message

    async def _get_chat_member(self, params: Params) -> Any:
        self._check_chat(params.get("chat_id"))
        with self._lock:
            status = self._roles.get(params["chat_id"], {}).get(params["user_id"], "member")
        member = {"status": status, "user": _resident(params["user_id"], "Paul")}
        if status == "creator":
            return member | {"is_anonymous": False}
        if status == "administrator":
            return member | ADMIN_RIGHTS
        return member

    async def _set_commands(self, params: Params) -> Any:
        self.commands[:] = params.get("commands") or []
        return True

    async def _get_commands(self, params: Params) -> Any:
        return list(self.commands)

    async def _get_updates(self, params: Params) -> Any:
        self.polls.add(params.get("offset") or 0)
        return await self._updates.get(
            offset=params.get("offset") or 0,
            limit=params.get("limit") or 100,
            timeout=float(params.get("timeout") or 0),
        )

    def stop_polling(self) -> None:
        """End pending long polls now (the server is about to stop)."""
        self._updates.stop()


def _resident(chat_id: int, first_name: str) -> dict[str, Any]:
    return {"id": chat_id, "is_bot": False, "first_name": first_name, "language_code": "fr"}


async def _params(request: Request) -> Params:
    """The call's parameters, from a JSON body, a form body or the query string."""
    body = await request.body()
    if request.headers.get("content-type", "").startswith("application/json"):
        return dict(json.loads(body or b"{}"))
    pairs = [*request.query_params.multi_items(), *parse_qsl(body.decode(), keep_blank_values=True)]
    return {key: _decode(key, value) for key, value in pairs}


def _decode(key: str, value: str) -> Any:
    """Form values are strings: decode those the Bot API defines as numbers, flags or JSON."""
    if key in JSON_FIELDS:
        return json.loads(value)
    if key in BOOL_FIELDS:
        return value.lower() == "true"
    if key in INT_FIELDS:
        try:
            return int(value)
        except ValueError:
            return value  # "@channel" usernames
    return value


@contextmanager
def running_fake_telegram(
    token: str = DEFAULT_TOKEN, max_per_second: int | None = None
) -> Iterator[FakeTelegram]:
    """A fake Bot API listening on loopback until the block ends."""
    fake = FakeTelegram(token, max_per_second)
    with serving(fake.app()) as url:
        fake.url = url
        try:
            yield fake
        finally:
            fake.release()
            fake.stop_polling()
