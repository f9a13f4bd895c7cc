"""Who is calling, and how often: the client behind trusted proxies, per-client rate limits.

A request's client is the peer that opened the connection, unless that peer is one of the
town's reverse proxies (AROBASE_TRUSTED_PROXIES): then X-Forwarded-For is read from the
right, skipping trusted proxies, and the first other address is the client. Anything to its
left was written by the client itself and proves nothing.
"""

from __future__ import annotations

import ipaddress
import math
import threading
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import SlidingWindowCounterRateLimiter
from starlette.requests import Request

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
# An IPv6 client is counted by its /64: a home, a phone or a rented server gets a whole /64
# and may write from any of its 2^64 addresses, one new allowance each if counted apart.
IPV6_CLIENT_PREFIX = 64


def parse_networks(spec: str) -> tuple[Network, ...]:
    """ "10.0.0.1 192.168.0.0/24" → networks; ValueError naming the entry that is not one."""
    networks = []
    for entry in spec.replace(",", " ").split():
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError as error:
            raise ValueError(
                f"AROBASE_TRUSTED_PROXIES : « {entry} » n'est ni une adresse IP ni un réseau"
            ) from error
    return tuple(networks)


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address TEXT names; an IPv4-mapped one (::ffff:127.0.0.1, how a server listening
    on "::" sees an IPv4 peer) as the IPv4 address it is."""
    try:
        ip = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def limit_key(address: str) -> str:
    """The key a client's requests are counted under: its IPv4 address (also when written
    IPv4-mapped), or its IPv6 network of IPV6_CLIENT_PREFIX bits; anything else as it is."""
    ip = _ip(address)
    if ip is None:
        return address
    if isinstance(ip, ipaddress.IPv4Address):
        return str(ip)
    host_bits = 128 - IPV6_CLIENT_PREFIX
    network = ipaddress.IPv6Network((int(ip) >> host_bits << host_bits, IPV6_CLIENT_PREFIX))
    return str(network)


@dataclass(frozen=True)
class Clients:
    """Reads who a request comes from, believing only the trusted proxies."""

    trusted: tuple[Network, ...] = ()

    def _is_trusted(self, host: str) -> bool:
        ip = _ip(host)
        return ip is not None and any(ip in network for network in self.trusted)

    def _peer(self, request: Request) -> str:
        return request.client.host if request.client else "inconnu"

    def address(self, request: Request) -> str:
        """The client's IP address (as text), past the trusted proxies."""
        peer = self._peer(request)
        if not self._is_trusted(peer):
            return peer
        # Every X-Forwarded-For line, in order: a proxy may add its own line (HAProxy does)
        # after the one the client wrote, and the first line alone would be the client's.
        forwarded = ",".join(request.headers.getlist("x-forwarded-for"))
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        for hop in reversed(hops):
            if _ip(hop) is None:  # garbage from the client: stop believing the header
                return peer
            if not self._is_trusted(hop):
                return hop
        return hops[0] if hops else peer

    def limit_key(self, request: Request) -> str:
        """What a per-client rate limit counts this request under (see limit_key)."""
        return limit_key(self.address(request))

    def is_https(self, request: Request) -> bool:
        """Whether the person's browser reached us over https (directly or via our proxy)."""
        if request.url.scheme == "https":
            return True
        if not self._is_trusted(self._peer(request)):
            return False
        proto = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
        return proto == "https"


class RateLimit:
    """A limit such as "10/minute", counted per key, in this process' memory.

    A sliding window counter (two counters per key, weighted): no burst of twice the limit
    across a window's edge, and every key expires. The moving window (a timestamp per hit)
    is exact but its in-memory storage keeps every key it ever saw, and keys are chosen by
    clients (cookies): memory would grow for ever.
    """

    def __init__(self, spec: str) -> None:
        try:
            self.item: RateLimitItem = parse(spec)
        except ValueError as error:
            raise ValueError(
                f"limite illisible « {spec} » : écrivez par exemple 10/minute"
            ) from error
        self._storage: SlidingWindowCounterRateLimiter | None = None
        self._lock = threading.Lock()

    @property
    def _limiter(self) -> SlidingWindowCounterRateLimiter:
        """The counters, made on the first request: limits' memory storage starts a timer
        thread, which building an app (a test's, a command's) must not leave behind."""
        with self._lock:
            if self._storage is None:
                self._storage = SlidingWindowCounterRateLimiter(MemoryStorage())
            return self._storage

    def hit(self, *key: str) -> bool:
        """Count one request for KEY; False when it is over the limit (then not counted)."""
        return self._limiter.hit(self.item, *key)

    def retry_after(self, *key: str) -> int:
        """Whole seconds until KEY may be heard again (at least 1)."""
        stats = self._limiter.get_window_stats(self.item, *key)
        return max(1, math.ceil(stats.reset_time - time.time()))
