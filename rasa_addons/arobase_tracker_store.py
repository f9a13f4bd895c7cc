"""A tracker store for the Rasa engine (runs in .venv-rasa, Python 3.10).

Conversations live in memory, as with Rasa's default store, but bounded three ways:
- each keeps only its latest events. The assistant answers from the latest message (rules),
  so older turns are of no use to it; kept, they would be read back and replayed at every
  message (a long conversation got slower and slower), and kept for nothing: minimal data;
- a conversation idle longer than AROBASE_CONVERSATION_IDLE seconds (default 1800) is
  forgotten: its next message starts a new one, as a person coming back later would expect;
- at most AROBASE_CONVERSATION_MAX conversations (default 5000) are kept, the least recently
  active forgotten first. Without this, every cookie-less web request made a conversation
  kept for ever, and the engine's memory only grew.
The two limits are read from the environment (the same variables as the app's settings, so
the privacy page states them), or from the `conversation_idle` / `conversation_max` keys of
the `tracker_store` block in endpoints.yml, which win when set.

A conversation is active when it is saved (every message ends with a save); reading it (GET
/conversations/{id}/tracker) does not keep it alive. A save with no events is Rasa's way of
emptying a conversation (`PUT /conversations/{id}/tracker/events` with `[]`, our "forget"
when a resident erases their data): the conversation is dropped from memory, not kept empty.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

DEFAULT_MAX_EVENTS = 50  # about five turns: more than a follow-up question needs
DEFAULT_IDLE_SECONDS = 1800.0
DEFAULT_MAX_CONVERSATIONS = 5000
IDLE_VARIABLE = "AROBASE_CONVERSATION_IDLE"
MAX_VARIABLE = "AROBASE_CONVERSATION_MAX"
# Idle conversations forgotten per save at most: a burst after a quiet night is spread over
# the next messages instead of stalling one of them (reads check idleness themselves).
SWEEP_BATCH = 100
# And every minute, every idle conversation: a quiet night must not keep the day's ones in
# memory until the morning's first message (the privacy page says they are forgotten).
SWEEP_EVERY = 60.0


def _positive(name: str, value: object, kind: Callable[[str], float]) -> float:
    """VALUE as a positive number; ValueError naming NAME otherwise (the engine will not start)."""
    try:
        number = kind(str(value).strip())
    except ValueError:
        number = 0
    if not number > 0:
        raise ValueError(f"{name} : « {value} » n'est pas un nombre positif")
    return number


def conversation_limits(
    idle: object = None, maximum: object = None, environ: Mapping[str, str] | None = None
) -> tuple[float, int]:
    """(idle seconds, max conversations): endpoints.yml values, else the environment, else
    the defaults."""
    environ = os.environ if environ is None else environ
    idle = idle if idle is not None else environ.get(IDLE_VARIABLE) or DEFAULT_IDLE_SECONDS
    maximum = (
        maximum if maximum is not None else environ.get(MAX_VARIABLE) or DEFAULT_MAX_CONVERSATIONS
    )
    return _positive(IDLE_VARIABLE, idle, float), int(_positive(MAX_VARIABLE, maximum, int))


class RecentTrackerStore(InMemoryTrackerStore):
    """Rasa's in-memory store, with capped events and bounded, least-recently-active
    eviction. `self.store` is ordered by last save (oldest first), so evicting is O(1)."""

    def __init__(
        self,
        domain: Domain,
        event_broker: EventBroker | None = None,
        max_events: int = DEFAULT_MAX_EVENTS,
        conversation_idle: float | None = None,
        conversation_max: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        **kwargs: Any,
    ) -> None:
        super().__init__(domain, event_broker, **kwargs)
        self.max_events = int(max_events)
        self.idle_seconds, self.max_conversations = conversation_limits(
            conversation_idle, conversation_max
        )
        self.clock = clock
        self.store: OrderedDict[str, str] = OrderedDict()
        self._saved_at: dict[str, float] = {}
        self._sweeper: asyncio.TimerHandle | None = None

    def init_tracker(self, sender_id: str) -> DialogueStateTracker:
        """A tracker whose event history is capped: the oldest events fall off as new come."""
        return DialogueStateTracker(sender_id, self.domain.slots, max_event_history=self.max_events)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Keep the tracker as the most recently active; an empty one is forgotten."""
        sender_id = tracker.sender_id
        if not tracker.events:
            # Rasa saves an empty tracker when it creates one (it is saved again, with its
            # events, at the end of the message) and when a conversation is erased.
            self.forget(sender_id)
            return
        await super().save(tracker)
        now = self.clock()
        self.store.move_to_end(sender_id)
        self._saved_at[sender_id] = now
        self._evict(now)
        self._schedule_sweep()

    async def _retrieve(
        self, sender_id: str, fetch_all_sessions: bool
    ) -> DialogueStateTracker | None:
        """The tracker, unless it has been idle too long (then it is forgotten now)."""
        if self._is_idle(sender_id, self.clock()):
            self.forget(sender_id)
        return await super()._retrieve(sender_id, fetch_all_sessions)

    async def keys(self) -> Iterable[str]:
        """The conversations still kept."""
        now = self.clock()
        return [key for key in self.store if not self._is_idle(key, now)]

    def forget(self, sender_id: str) -> None:
        """Drop a conversation from memory (nothing happens if it is not kept)."""
        self.store.pop(sender_id, None)
        self._saved_at.pop(sender_id, None)

    def sweep_idle(self) -> int:
        """Forget every idle conversation now; how many were forgotten."""
        now, forgotten = self.clock(), 0
        while (oldest := next(iter(self.store), None)) is not None and self._is_idle(oldest, now):
            self.forget(oldest)
            forgotten += 1
        return forgotten

    def _schedule_sweep(self) -> None:
        """Sweep in SWEEP_EVERY seconds (on the engine's event loop), while any is kept."""
        if self._sweeper is None:
            self._sweeper = asyncio.get_running_loop().call_later(SWEEP_EVERY, self._swept)

    def _swept(self) -> None:
        self._sweeper = None
        self.sweep_idle()
        if self.store:
            self._schedule_sweep()

    def _is_idle(self, sender_id: str, now: float) -> bool:
        saved_at = self._saved_at.get(sender_id)
        return saved_at is not None and now - saved_at > self.idle_seconds

    def _evict(self, now: float) -> None:
        """Forget the least recently active conversations over the count, then (at most
        SWEEP_BATCH) idle ones, looking only at the oldest end."""
        while len(self.store) > self.max_conversations:
            self.forget(next(iter(self.store)))
        for _ in range(SWEEP_BATCH):
            oldest = next(iter(self.store), None)
            if oldest is None or not self._is_idle(oldest, now):
                return
            self.forget(oldest)
