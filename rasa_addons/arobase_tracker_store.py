"""A tracker store for the Rasa engine (runs in .venv-rasa, Python 3.10).

Conversations live in memory, as with Rasa's default store, but each keeps only its latest
events. The assistant answers from the latest message (rules), so older turns are of no use
to it; kept, they would be read back and replayed at every message (a long conversation got
slower and slower), and kept for nothing: minimal data.
"""

from __future__ import annotations

from typing import Any

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

DEFAULT_MAX_EVENTS = 50  # about five turns: more than a follow-up question needs


class RecentTrackerStore(InMemoryTrackerStore):
    def __init__(
        self,
        domain: Domain,
        event_broker: EventBroker | None = None,
        max_events: int = DEFAULT_MAX_EVENTS,
        **kwargs: Any,
    ) -> None:
        super().__init__(domain, event_broker, **kwargs)
        self.max_events = int(max_events)

    def init_tracker(self, sender_id: str) -> DialogueStateTracker:
        """A tracker whose event history is capped: the oldest events fall off as new come."""
        return DialogueStateTracker(sender_id, self.domain.slots, max_event_history=self.max_events)
