"""Per-chat flood control: more than a set number of messages a minute from one chat get a
polite slow-down instead of reaching Rasa. Pure: the caller passes the time."""

from __future__ import annotations

from collections import OrderedDict, deque


class ChatFlood:
    """A sliding one-minute window per chat; the least recently seen chats are forgotten."""

    def __init__(self, per_minute: int = 20, chats: int = 10_000) -> None:
        self.per_minute = per_minute
        self._chats = chats
        self._seen: OrderedDict[int, deque[float]] = OrderedDict()

    def allow(self, chat_id: int, now: float) -> bool:
        """Count a message from CHAT_ID at NOW (seconds); False when over the limit.

        Refused messages are not counted, so a resident who waits a little is heard again.
        """
        times = self._seen.pop(chat_id, None) or deque()
        self._seen[chat_id] = times
        while len(self._seen) > self._chats:
            self._seen.popitem(last=False)
        while times and times[0] <= now - 60:
            times.popleft()
        if len(times) >= self.per_minute:
            return False
        times.append(now)
        return True
