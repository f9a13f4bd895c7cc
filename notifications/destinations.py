"""Destinations: no push service or webhook host may hold a channel hostage.

A destination is where a send goes on the network: the scheme, host and port of a Web Push
endpoint or of an apprise URL. Telegram and e-mail have one destination each (the Bot API,
the SMTP relay), paced by their own channel: they have none here and are never capped.

Each worker keeps, per destination, the sends in flight and a circuit breaker:
- at most `cap` sends in flight to one destination; a full destination's deliveries are not
  claimed (the claim skips them in SQL), so they wait untouched in the outbox while the
  channel's other slots serve other destinations. Nothing is claimed only to be handed back:
  Chrome's users all share fcm.googleapis.com, and postponing its backlog on every claim
  would churn the table and exhaust `max_throttled` in an ordinary busy hour;
- after `failures_to_open` sends in a row that end without an answer (timeout, connection
  refused, a 5xx or 429 without Retry-After: `worker.answered`), the breaker opens: its
  pending deliveries are postponed to the end of a cool-down (counted in `throttled`, never
  in `attempts`) without being tried. Then one probe goes; a success closes the breaker, a
  failure opens it again for twice as long (up to `max_cooldown`). A push service down for
  hours thus costs one probe per cool-down instead of a channel slot for every delivery,
  and its deliveries fail visibly once postponed `max_throttled` times.

Decisions are pure functions over frozen records; `Destinations` only holds the states for
one worker's event loop (no lock: it is used from that loop only).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import Enum

from notifications.channels.apprise import DESTINATION_PREFIX as APPRISE_DESTINATION
from notifications.channels.registry import find_plugin, plugins

# The channels whose plugin says where each send goes; the others are never capped.
CAPPED_CHANNELS = frozenset(plugin.name for plugin in plugins() if plugin.destination)
# Beyond this many blocked destinations, the claim's SQL skips only these; `pick` skips the
# others among the rows it reads (a bound on the statement's size, never on correctness).
SQL_BLOCKED_MAX = 200


def destination_of(channel: str, address: str) -> str | None:
    """The destination of a send to ADDRESS on CHANNEL, as the channel's plugin reads it; None
    when it is not capped (a channel of one destination, an unreadable address)."""
    plugin = find_plugin(channel)
    if plugin is None or plugin.destination is None:
        return None
    return plugin.destination(address)


def describe(destination: str) -> str:
    """The destination as staff read it in a delivery's reason."""
    if destination.startswith(APPRISE_DESTINATION):
        return "le service apprise de ce destinataire"
    return f"le service de notification {destination}"


@dataclass(frozen=True)
class Policy:
    """How many sends one destination may have in flight, and when its breaker opens."""

    cap: int = 4
    failures_to_open: int = 3
    cooldown: float = 30.0  # seconds of the first pause; doubles at each failed probe
    max_cooldown: float = 600.0


@dataclass(frozen=True)
class Gate:
    """One destination as a worker sees it."""

    in_flight: int = 0
    failures: int = 0  # sends in a row that ended without an answer
    open_until: datetime | None = None  # breaker: no send before; then one probe at a time
    cooldown: float = 0.0  # the last pause, in seconds

    def room(self, now: datetime, policy: Policy) -> int:
        """How many more sends may start now."""
        if self.open_until is None:
            return max(0, policy.cap - self.in_flight)
        if now < self.open_until:
            return 0
        return max(0, 1 - self.in_flight)  # half-open: a single probe

    def idle(self, now: datetime, policy: Policy) -> bool:
        """Nothing to remember: no send in flight, no failure, no pause under way."""
        if self.in_flight or (self.failures and self.open_until is None):
            return False
        return self.open_until is None or now >= self.open_until + timedelta(
            seconds=policy.max_cooldown
        )


class Change(Enum):
    NONE = "none"
    OPENED = "opened"  # the breaker opened (or opened again after a failed probe)
    CLOSED = "closed"  # a send succeeded after the breaker had opened


def started(gate: Gate) -> Gate:
    return replace(gate, in_flight=gate.in_flight + 1)


def finished(gate: Gate, answered: bool, now: datetime, policy: Policy) -> tuple[Gate, Change]:
    """GATE after a send ended: ANSWERED when the destination answered (even a refusal)."""
    in_flight = max(0, gate.in_flight - 1)
    if answered:
        change = Change.CLOSED if gate.open_until is not None else Change.NONE
        return Gate(in_flight=in_flight), change
    failures = gate.failures + 1
    if gate.open_until is not None and now < gate.open_until:
        # A send started before the breaker opened: the pause under way already covers it.
        return replace(gate, in_flight=in_flight, failures=failures), Change.NONE
    if gate.open_until is not None:  # the probe failed: pause again, twice as long
        cooldown = min(policy.max_cooldown, max(policy.cooldown, gate.cooldown * 2))
    elif failures >= policy.failures_to_open:
        cooldown = policy.cooldown
    else:
        return replace(gate, in_flight=in_flight, failures=failures), Change.NONE
    until = now + timedelta(seconds=cooldown)
    return Gate(in_flight, failures, until, cooldown), Change.OPENED


@dataclass(frozen=True)
class Candidate:
    """A due delivery as the claim reads it, in claim order (urgent first)."""

    delivery_id: int
    destination: str | None


@dataclass(frozen=True)
class ClaimGate:
    """What a claim may take: the room left at each destination that has less than `cap`."""

    cap: int | None = None  # None: no destination is capped (a bare claim, tests)
    rooms: Mapping[str, int] = field(default_factory=dict)

    @property
    def blocked(self) -> frozenset[str]:
        """Destinations that can take nothing now."""
        return frozenset(d for d, room in self.rooms.items() if room <= 0)

    def sql_blocked(self) -> list[str]:
        """The blocked destinations the claim's SQL leaves out (a bounded list)."""
        return sorted(self.blocked)[:SQL_BLOCKED_MAX]


OPEN_GATE = ClaimGate()


def pick(candidates: Iterable[Candidate], gate: ClaimGate, limit: int) -> tuple[int, ...]:
    """The ids to claim, in order: at most LIMIT, and no more per destination than its room.

    The others are left as they are, due, for a later claim: nothing to undo.
    """
    taken: list[int] = []
    rooms = dict(gate.rooms)
    for candidate in candidates:
        if len(taken) >= limit:
            break
        destination = candidate.destination
        if destination is None or gate.cap is None:
            taken.append(candidate.delivery_id)
            continue
        room = rooms.get(destination, gate.cap)
        if room > 0:
            rooms[destination] = room - 1
            taken.append(candidate.delivery_id)
    return tuple(taken)


@dataclass
class Destinations:
    """The gates of one worker, by destination; used from its event loop only."""

    policy: Policy = field(default_factory=Policy)
    gates: dict[str, Gate] = field(default_factory=dict)

    def claim_gate(self, now: datetime) -> ClaimGate:
        """A snapshot for the next claim; forgets the destinations there is nothing to
        remember about, so that the map stays as small as the trouble."""
        for destination in [d for d, g in self.gates.items() if g.idle(now, self.policy)]:
            del self.gates[destination]
        rooms = {d: g.room(now, self.policy) for d, g in self.gates.items()}
        cap = self.policy.cap
        return ClaimGate(cap, {d: r for d, r in rooms.items() if r < cap})

    def started(self, destinations: Sequence[str | None]) -> None:
        for destination in destinations:
            if destination is not None:
                self.gates[destination] = started(self.gates.get(destination, Gate()))

    def finished(
        self, destination: str | None, answered: bool, now: datetime
    ) -> tuple[Gate, Change]:
        """Record the end of a send; the gate and what changed (OPENED: hold its queue)."""
        if destination is None:
            return Gate(), Change.NONE
        gate, change = finished(self.gates.get(destination, Gate()), answered, now, self.policy)
        self.gates[destination] = gate
        return gate, change
