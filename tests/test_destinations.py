"""Destinations, pure: where a send goes, the cap per destination, the circuit breaker."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from notifications.destinations import (
    Candidate,
    Change,
    ClaimGate,
    Destinations,
    Gate,
    Policy,
    describe,
    destination_of,
    finished,
    pick,
    started,
)

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
POLICY = Policy(cap=4, failures_to_open=3, cooldown=30, max_cooldown=120)


def later(seconds: float) -> datetime:
    return NOW + timedelta(seconds=seconds)


@pytest.mark.parametrize(
    ("channel", "address", "destination"),
    [
        ("webpush", "https://fcm.googleapis.com/fcm/send/abc:def", "https://fcm.googleapis.com"),
        ("webpush", "https://FCM.googleapis.com:443/fcm/send/x", "https://fcm.googleapis.com"),
        ("webpush", "https://push.example.net:8443/p/1", "https://push.example.net:8443"),
        ("webpush", "http://127.0.0.1:8080/push/1", "http://127.0.0.1:8080"),
        ("webpush", "https://[2001:db8::1]/push", "https://[2001:db8::1]"),
        ("webpush", "https://push.example.net:99999/p", None),  # unreadable port
        ("webpush", "pas une adresse", None),
        ("webpush", "https://[2001:db8::1/push", None),
        ("apprise", "json://[2001:db8::1/hook", None),
        ("apprise", "pas une adresse", None),
        ("telegram", "424242", None),
        ("email", "camille@trilport.example", None),
    ],
)
def test_where_a_send_goes(channel: str, address: str, destination: str | None) -> None:
    assert destination_of(channel, address) == destination


def test_an_apprise_destination_is_its_host_without_revealing_it() -> None:
    bot = destination_of("apprise", "tgram://123456:SECRET-TOKEN/987")
    assert bot is not None and bot.startswith("apprise:") and "SECRET" not in bot
    assert destination_of("apprise", "tgram://123456:SECRET-TOKEN/555") == bot  # same bot
    hook = destination_of("apprise", "json://hooks.example.net/a")
    assert destination_of("apprise", "json://hooks.example.net:80/b") != hook  # json: no port 80
    assert destination_of("apprise", "json://user:pw@hooks.example.net/c") == hook
    assert describe(bot) == "le service apprise de ce destinataire"
    assert describe("https://fcm.googleapis.com") == (
        "le service de notification https://fcm.googleapis.com"
    )


@pytest.mark.parametrize(
    ("gate", "now", "room"),
    [
        (Gate(), NOW, 4),
        (Gate(in_flight=3), NOW, 1),
        (Gate(in_flight=4), NOW, 0),
        (Gate(in_flight=1, failures=2), NOW, 3),  # failing, not yet paused
        (Gate(failures=3, open_until=later(30), cooldown=30), NOW, 0),  # paused
        (Gate(failures=3, open_until=later(30), cooldown=30), later(30), 1),  # one probe
        (Gate(in_flight=1, failures=3, open_until=NOW, cooldown=30), later(1), 0),  # probing
    ],
)
def test_room_at_a_destination(gate: Gate, now: datetime, room: int) -> None:
    assert gate.room(now, POLICY) == room


@pytest.mark.parametrize(
    ("before", "answered", "now", "after", "change"),
    [
        # An answer, even a refusal, closes everything.
        (Gate(in_flight=2, failures=2), True, NOW, Gate(in_flight=1), Change.NONE),
        # Failures count up to the threshold, then the breaker opens for `cooldown`.
        (Gate(in_flight=2, failures=1), False, NOW, Gate(1, 2), Change.NONE),
        (Gate(in_flight=2, failures=2), False, NOW, Gate(1, 3, later(30), 30), Change.OPENED),
        # Sends started before it opened end within the pause: they change nothing.
        (Gate(1, 3, later(30), 30), False, later(5), Gate(0, 4, later(30), 30), Change.NONE),
        # A failed probe: paused twice as long, up to max_cooldown.
        (Gate(1, 4, NOW, 30), False, later(1), Gate(0, 5, later(61), 60), Change.OPENED),
        (Gate(1, 6, NOW, 120), False, later(1), Gate(0, 7, later(121), 120), Change.OPENED),
        # A probe that succeeds closes the breaker.
        (Gate(1, 4, NOW, 30), True, later(1), Gate(), Change.CLOSED),
    ],
)
def test_the_breaker(
    before: Gate, answered: bool, now: datetime, after: Gate, change: Change
) -> None:
    assert finished(before, answered, now, POLICY) == (after, change)


def test_a_started_send_takes_room() -> None:
    assert started(Gate(in_flight=3)).room(NOW, POLICY) == 0


FCM, MOZ = "https://fcm.googleapis.com", "https://updates.push.services.mozilla.com"


@pytest.mark.parametrize(
    ("candidates", "gate", "limit", "taken"),
    [
        # Uncapped rows (Telegram, e-mail) and a bare claim take in order, up to the limit.
        ([(1, None), (2, None), (3, None)], ClaimGate(4), 2, (1, 2)),
        ([(1, FCM), (2, FCM), (3, FCM)], ClaimGate(), 10, (1, 2, 3)),
        # No more per destination than its room; the others are passed over, not lost.
        ([(1, FCM), (2, FCM), (3, FCM), (4, MOZ)], ClaimGate(2), 10, (1, 2, 4)),
        ([(1, FCM), (2, FCM), (3, MOZ), (4, None)], ClaimGate(4, {FCM: 0}), 10, (3, 4)),
        ([(1, FCM), (2, MOZ), (3, FCM)], ClaimGate(4, {FCM: 1, MOZ: 0}), 10, (1,)),
        # The limit holds across destinations.
        ([(1, FCM), (2, MOZ), (3, None)], ClaimGate(4), 2, (1, 2)),
    ],
)
def test_what_a_claim_takes(
    candidates: list[tuple[int, str | None]], gate: ClaimGate, limit: int, taken: tuple[int, ...]
) -> None:
    assert pick([Candidate(i, d) for i, d in candidates], gate, limit) == taken


def test_a_worker_s_gates_follow_its_sends_and_forget_what_is_over() -> None:
    book = Destinations(POLICY)
    book.started([FCM, FCM, FCM, FCM, MOZ, None])
    assert book.claim_gate(NOW) == ClaimGate(4, {FCM: 0, MOZ: 3})
    assert book.claim_gate(NOW).sql_blocked() == [FCM]
    for _ in range(3):
        gate, change = book.finished(FCM, answered=False, now=NOW)
    assert (gate.open_until, change) == (later(30), Change.OPENED)
    book.finished(FCM, answered=False, now=NOW)
    book.finished(MOZ, answered=True, now=NOW)
    assert book.claim_gate(later(29)) == ClaimGate(4, {FCM: 0})  # MOZ forgotten: all went well
    assert book.claim_gate(later(30)) == ClaimGate(4, {FCM: 1})  # the probe
    # A pause long over with nothing sent since: forgotten (the next failure counts from 1).
    assert book.claim_gate(later(30 + 120)) == ClaimGate(4, {})
    assert book.gates == {}
