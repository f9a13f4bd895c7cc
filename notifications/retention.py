"""The worker's hourly housekeeping: erase what the privacy page says is kept no longer."""

from __future__ import annotations

import logging

from notifications.handoffs import purge_handoffs
from notifications.hub import Hub
from notifications.questions import purge_questions
from notifications.subscribers import Purged, purge_expired

log = logging.getLogger(__name__)


def purge_all(hub: Hub) -> Purged:
    """Never-confirmed and long-deactivated subscribers, the questions kept for review past
    their period, closed handoffs past theirs. Returns the subscribers' part (tests wait on it)."""
    purged = purge_expired(hub)
    if purged.subscribers:
        log.info(
            "retention: erased %d never-confirmed and %d deactivated subscribers",
            purged.unconfirmed,
            purged.deactivated,
        )
    purge_questions(hub)  # logs what it erased
    handoffs = purge_handoffs(hub)
    if handoffs:
        log.info("retention: erased %d closed handoffs", handoffs)
    return purged
