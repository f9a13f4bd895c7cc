"""Handed-over conversations when people act at the same moment, on SQLite and PostgreSQL:
a conversation holds one handoff however many ask at once, no resident message is lost
while an agent closes, and a reply is never sent to Telegram twice at once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from notifications.decide.handoffs import SEND_LEASE, HandoffAuthor, Relay
from notifications.handoffs import (
    agent_replies,
    close_handoff,
    handoff_of,
    handoff_thread,
    open_handoff,
    resident_writes,
    waiting_handoffs,
)
from notifications.hub import Hub
from notifications.store import handoff_staff
from tests.hub_support import FakeClock

T = TypeVar("T")
WEB = "web:AbCdEfGhIjKlMnOpQrStUvWxYz012345"
CHAT = "telegram:700123"
AGENT = "accueil@trilport.example"
AT_ONCE = 6


def at_once(calls: list[Callable[[], T]]) -> list[T]:
    """CALLS run in threads released together; their results in CALLS' order."""
    start, results = threading.Barrier(len(calls)), [None] * len(calls)

    def run(index: int) -> None:
        start.wait()
        results[index] = calls[index]()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results  # type: ignore[return-value]


def test_asking_for_a_person_at_once_opens_one_handoff(hub: Hub):
    calls = [lambda n=n: open_handoff(hub, WEB, f"question {n}", []) for n in range(AT_ONCE)]

    opened = at_once(calls)

    assert sorted(result.added for result in opened) == [False] + [True] * (AT_ONCE - 1)
    (handoff,) = waiting_handoffs(hub)
    assert {result.handoff.id for result in opened} == {handoff.id}
    thread = handoff_thread(hub, handoff.id)
    asked = {thread.handoff.question, *(m.text for m in thread.messages)}
    assert asked == {f"question {n}" for n in range(AT_ONCE)}


def test_what_the_resident_writes_while_the_agent_closes_is_never_lost(hub: Hub):
    handoff = open_handoff(hub, CHAT, "Bonjour", []).handoff
    lines = [f"message {n}" for n in range(AT_ONCE)]
    calls: list[Callable[[], object]] = [lambda t=t: resident_writes(hub, CHAT, t) for t in lines]

    results = at_once([*calls, lambda: close_handoff(hub, handoff.id, AGENT)])

    thread = handoff_thread(hub, handoff.id)
    kept = [m.text for m in thread.messages if m.author is HandoffAuthor.RESIDENT]
    # Each line is in the thread before the closing notice, or went to the assistant.
    relayed = [line for line, result in zip(lines, results, strict=False) if result is not None]
    assert sorted(kept) == sorted(relayed)
    assert thread.messages[-1].author is HandoffAuthor.CLOSING
    assert handoff_of(hub, CHAT) is None


def test_a_reply_is_claimed_for_sending_by_one_request_and_again_only_once_cut_short(
    hub: Hub, clock: FakeClock
):
    handoff = open_handoff(hub, CHAT, "Bonjour", []).handoff
    reply = agent_replies(hub, handoff.id, AGENT, "Bonjour, je regarde.")
    claim = lambda: handoff_staff.claim_relay(hub.db, reply.id, clock())  # noqa: E731

    claimed = [result for result in at_once([claim] * AT_ONCE) if result is not None]

    assert [message.relay for message in claimed] == [Relay.SENDING]
    clock.advance(SEND_LEASE.total_seconds())
    assert claim() is None  # still being sent, maybe
    clock.advance(1)
    assert claim() is not None  # the sending was cut short: it may be made again
    handoff_staff.record_relay(hub.db, reply.id, Relay.SENT, None)
    assert claim() is None
