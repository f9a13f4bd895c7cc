"""Per-chat flood control: beyond a set number of updates a minute from one chat (messages,
commands, button taps), the chat is told once to slow down and the rest is dropped unanswered,
so a script cannot flood Rasa, the database or our Bot API budget. Pure: the caller passes
the time."""

from __future__ import annotations

import enum
from collections import OrderedDict, deque
from dataclasses import dataclass, field


class Verdict(enum.Enum):
    """What to do with one update."""

    PASS = "pass"  # handle it
    WARN = "warn"  # over the limit: say « patientez » (once), do nothing else
    DROP = "drop"  # over the limit, told already: no answer at all


@dataclass
class _Chat:
    times: deque[float] = field(default_factory=deque)  # updates admitted in the last minute
    warned: bool = False  # told to slow down since the last admitted update


class ChatFlood:
    """A sliding one-minute window per chat; the least recently seen chats are forgotten."""

    def __init__(self, per_minute: int = 20, chats: int = 10_000) -> None:
        self.per_minute = per_minute
        self._chats = chats
        self._seen: OrderedDict[int, _Chat] = OrderedDict()

    def check(self, chat_id: int, now: float) -> Verdict:
        """Count an update from CHAT_ID at NOW (seconds) and say what to do with it.

        Refused updates are not counted, so a resident who waits a little is heard again (and
        would be warned again, once, should they overdo it again).
        """
        chat = self._seen.pop(chat_id, None) or _Chat()
        self._seen[chat_id] = chat
        while len(self._seen) > self._chats:
            self._seen.popitem(last=False)
        while chat.times and chat.times[0] <= now - 60:
            chat.times.popleft()
        if len(chat.times) < self.per_minute:
            chat.times.append(now)
            chat.warned = False
            return Verdict.PASS
        if chat.warned:
            return Verdict.DROP
        chat.warned = True
        return Verdict.WARN
