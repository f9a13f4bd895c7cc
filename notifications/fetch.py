"""Fetch a source over HTTP: conditional GET, size cap, total deadline, errors in plain French.

The only I/O of the sources layer; parsing the bytes is the source kind's job.

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
import ssl
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import httpcore
import httpx

from notifications.channels.addresses import is_local
from notifications.errors import FetchError

USER_AGENT = "Arobase/0.1 (notifications municipales)"
ACCEPT = (
    "application/rss+xml, application/atom+xml, text/calendar, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)
MAX_REDIRECTS = 3
MAX_BYTES = 5 * 1024 * 1024
DEADLINE = 30.0  # seconds for the whole exchange


@dataclass(frozen=True)
class FetchResult:
    not_modified: bool  # 304: the body is empty, keep what you have
    body: bytes
    etag: str | None  # to send back next time (the one given when the server sent none)
    last_modified: str | None
    final_url: str  # after redirects
    status: int


def make_http_client(*, allow_local: bool = False) -> httpx.AsyncClient:
    """One client for every poll of a worker: its connection pool is shared across sources.

    ALLOW_LOCAL (settings.feeds_allow_local) lets it reach this machine and private networks:
    tests, an intranet. Otherwise only public addresses.
    """
    return http_client(any_address if allow_local else is_public_ip)


def http_client(allowed: AddressPolicy) -> httpx.AsyncClient:
    """The feed client, connecting only to the addresses ALLOWED accepts.

    Proxy variables of the environment are not used (a transport is given): through a
    proxy, the address finally reached could not be checked.
    """
    return httpx.AsyncClient(
        timeout=httpx.Timeout(10.0, connect=5.0),
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
        headers={"User-Agent": USER_AGENT, "Accept": ACCEPT},
        transport=GuardedTransport(allowed),
    )


# --- public addresses only ------------------------------------------------------------------

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


async def fetch(
    client: httpx.AsyncClient,
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    max_bytes: int = MAX_BYTES,
    deadline: float = DEADLINE,
) -> FetchResult:
    """GET URL; FetchError with the reason in French when no usable body came back.

    The deadline bounds the whole exchange: read timeouts alone let a server that trickles
    a byte every few seconds hold a poller forever.
    """
    check_url(url)
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        async with asyncio.timeout(deadline):
            return await _get(client, url, headers, etag, last_modified, max_bytes)
    except TimeoutError as exc:
        seconds = f"{deadline:g}".replace(".", ",")
        raise FetchError(f"délai dépassé : le flux n'est pas arrivé en {seconds} s") from exc
    except httpx.HTTPError as exc:
        raise FetchError(http_error_reason(exc, client)) from exc


def check_url(url: str) -> None:
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise FetchError(f"adresse invalide « {url} »") from exc
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise FetchError(f"adresse non prise en charge « {url} » : http:// ou https:// attendu")


async def _get(
    client: httpx.AsyncClient,
    url: str,
    headers: dict[str, str],
    etag: str | None,
    last_modified: str | None,
    max_bytes: int,
) -> FetchResult:
    async with client.stream("GET", url, headers=headers) as response:
        if response.status_code == httpx.codes.NOT_MODIFIED:
            return FetchResult(
                not_modified=True,
                body=b"",
                etag=response.headers.get("ETag", etag),
                last_modified=response.headers.get("Last-Modified", last_modified),
                final_url=str(response.url),
                status=response.status_code,
            )
        if not response.is_success:
            raise FetchError(f"le serveur a répondu {response.status_code}")
        body = await read_capped(response, max_bytes)
        return FetchResult(
            not_modified=False,
            body=body,
            etag=response.headers.get("ETag"),
            last_modified=response.headers.get("Last-Modified"),
            final_url=str(response.url),
            status=response.status_code,
        )


async def read_capped(response: httpx.Response, max_bytes: int) -> bytes:
    """The decoded body, refused as soon as it passes MAX_BYTES (a gzip bomb too)."""
    too_big = FetchError(f"flux trop volumineux (plus de {megabytes(max_bytes)} Mo)")
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise too_big
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise too_big  # leaving the stream closes the connection: the rest is never read
        chunks.append(chunk)
    return b"".join(chunks)


def megabytes(size: int) -> str:
    """'5', '0,5': in French decimal notation."""
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0").replace(".", ",")


def http_error_reason(exc: httpx.HTTPError, client: httpx.AsyncClient) -> str:
    """A short French reason for an httpx failure, naming its cause."""
    host = _host(exc)
    if isinstance(exc, httpx.TooManyRedirects):
        return f"trop de redirections (plus de {client.max_redirects})"
    if isinstance(exc, httpx.UnsupportedProtocol):
        return "redirection vers une adresse non prise en charge : http:// ou https:// attendu"
    if isinstance(exc, httpx.ConnectTimeout):
        return f"le serveur {host} ne répond pas (connexion trop longue)"
    if isinstance(exc, httpx.TimeoutException):
        return f"le serveur {host} met trop de temps à répondre"
    if isinstance(exc, httpx.ConnectError):
        return _connect_reason(exc, host)
    if isinstance(exc, httpx.DecodingError):
        return "réponse compressée illisible"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"le serveur {host} a coupé la connexion ou répondu de travers"
    return f"erreur réseau avec {host} : {exc or type(exc).__name__}"


def _connect_reason(exc: httpx.ConnectError, host: str) -> str:
    causes = _causes(exc)
    if refused := next((c for c in causes if isinstance(c, AddressRefused)), None):
        where = host if refused.address == host else f"{host} mène à {refused.address}, qui"
        return (
            f"adresse refusée : {where} est une adresse de cette machine ou d'un réseau privé "
            "(seuls les flux publics sont lus)"
        )
    if any(isinstance(cause, socket.gaierror) for cause in causes):
        return f"nom de domaine introuvable : {host}"
    if any(isinstance(cause, ConnectionRefusedError) for cause in causes):
        return f"connexion refusée par {host}"
    if any(isinstance(cause, ssl.SSLError) for cause in causes):
        return f"connexion sécurisée impossible avec {host} (certificat refusé ?)"
    return f"impossible de joindre {host} : {exc or type(exc).__name__}"


def _causes(exc: BaseException) -> list[BaseException]:
    """EXC and the exceptions it was raised from (httpx wraps httpcore, which wraps OSError)."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def _host(exc: httpx.HTTPError) -> str:
    try:
        return exc.request.url.host or "le serveur"
    except RuntimeError:  # no request attached
        return "le serveur"
