"""Fetch a source over HTTP: conditional GET, size cap, total deadline, errors in plain French.

The only I/O of the sources layer; parsing the bytes is the source kind's job. The client
connects only to public addresses (notifications/guarded_http.py).
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from dataclasses import dataclass

import httpx

from notifications.errors import FetchError
from notifications.guarded_http import (
    AddressPolicy,
    AddressRefused,
    GuardedTransport,
    any_address,
    is_public_ip,
)

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
