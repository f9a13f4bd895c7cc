"""HTTP connections for feeds that reach only the addresses a policy allows.

Feed addresses come from staff, from the town file and from the redirects of servers we do
not control: none may make the worker reach this machine or the town's private network
(an admin page, a router, a cloud metadata service). The check is made when connecting, on
the very address connected to: each host name is resolved once, its addresses classified,
and the connection made to a checked address. Checking a name first and letting the client
resolve it again would let a DNS answer change in between (DNS rebinding); checking the URL
only would miss a public name that resolves to 10.0.0.1 and a redirect to 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Callable, Iterable

import httpcore
import httpx

from notifications.hosts import is_local

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
AddressPolicy = Callable[[IPAddress], bool]  # may the client connect to this address?


class AddressRefused(httpcore.ConnectError):
    """A host resolved only to addresses the client may not reach (this machine, a private
    network); ADDRESS is the first of them."""

    def __init__(self, host: str, address: str) -> None:
        super().__init__(f"{host} resolves to {address}, not a public address")
        self.host, self.address = host, address


def is_public_ip(ip: IPAddress) -> bool:
    """True for an address of the public Internet. is_local also judges an IPv6 address that
    carries an IPv4 one (IPv4-mapped, 6to4, NAT64) by that IPv4 address, and refuses Teredo:
    2002:7f00:1:: is 127.0.0.1."""
    return not is_local(str(ip))


def any_address(ip: IPAddress) -> bool:
    """The policy of settings.feeds_allow_local: every address."""
    return True


def is_local_url(url: str) -> bool:
    """True when URL names this machine or a private address without asking the DNS
    (localhost, 127.1, [::1], 10.0.0.1…): refused at once when a source is added."""
    try:
        host = httpx.URL(url).host
    except httpx.InvalidURL:
        return False  # not an address at all: the caller says so
    if is_local(host):
        return True
    try:
        return not is_public_ip(ipaddress.ip_address(host))
    except ValueError:
        return False  # a name: checked when connecting


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend, connecting only to addresses ALLOWED accepts.

    The host is resolved here and the connection made to the address just checked; TLS
    still checks the certificate against the host name (httpcore passes it as SNI).
    """

    def __init__(
        self, allowed: AddressPolicy, inner: httpcore.AsyncNetworkBackend | None = None
    ) -> None:
        self.allowed = allowed
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await resolve(host, port)
        allowed = [ip for ip in addresses if self.allowed(ip)]
        if not allowed:
            raise AddressRefused(host, str(addresses[0]))
        failure: Exception | None = None
        for ip in allowed:  # in the resolver's order of preference
            try:
                return await self._inner.connect_tcp(
                    str(ip), port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                failure = error
        assert failure is not None
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise AddressRefused(path, path)  # never asked for: feeds are fetched over TCP

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


async def resolve(host: str, port: int) -> list[IPAddress]:
    """The addresses of HOST, in the resolver's order; ConnectError (from gaierror) if none."""
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as error:
        raise httpcore.ConnectError(str(error)) from error
    # An IPv6 address may come with its zone ("fe80::1%eth0"): the zone is not the address.
    found = (ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos)
    addresses = list(dict.fromkeys(found))
    if not addresses:
        raise httpcore.ConnectError(f"no address for {host}")
    return addresses


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport whose connection pool connects through GuardedBackend.

    httpx takes no network backend, so the pool it builds is replaced by an identical one
    built with ours (httpx and httpcore are pinned in requirements.lock); the refusal tests
    of tests/test_fetch.py fail if this ever stops being the pool in use.
    """

    def __init__(self, allowed: AddressPolicy) -> None:
        ssl_context = httpx.create_ssl_context()
        super().__init__(verify=ssl_context)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=100,  # httpx's default limits
            max_keepalive_connections=20,
            network_backend=GuardedBackend(allowed),
        )
