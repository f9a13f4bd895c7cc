"""fetch() against the fake feed server on loopback: validators, size cap, deadline, errors,
and addresses of this machine or a private network refused where the client connects."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import re
import time
from collections.abc import AsyncIterator, Iterator

import httpcore
import httpx
import pytest

from notifications.errors import FetchError
from notifications.fetch import USER_AGENT, FetchResult, fetch, http_client, make_http_client
from notifications.guarded_http import GuardedBackend, IPAddress, is_local_url, is_public_ip
from tests.fakes.feed_server import FEEDS_DIR, HUGE_SIZE, FeedServer, feed_server
from tests.servers import closed_port_url

ARTICLES = "/trilport-actualites.rss"
MB = 1024 * 1024
LATE = r"^délai dépassé : le flux n'est pas arrivé en 0,5 s$"


@pytest.fixture(scope="module")
def feeds() -> Iterator[FeedServer]:
    """One server for the module: tests that change a file use a name of their own."""
    with feed_server() as server:
        yield server


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with make_http_client(allow_local=True) as http:  # the feed server is on loopback
        yield http


async def test_a_feed_comes_with_its_validators(
    feeds: FeedServer, client: httpx.AsyncClient
) -> None:
    result = await fetch(client, feeds.url + ARTICLES)
    assert result.status == 200 and not result.not_modified
    assert result.body == (FEEDS_DIR / "trilport-actualites.rss").read_bytes()
    assert result.etag and result.etag.startswith('"')
    assert result.last_modified and result.last_modified.endswith(" GMT")
    assert result.final_url == feeds.url + ARTICLES
    headers = feeds.last_headers(ARTICLES)
    assert headers["user-agent"] == USER_AGENT
    assert "application/rss+xml" in headers["accept"] and "text/calendar" in headers["accept"]
    assert "gzip" in headers["accept-encoding"]


async def test_an_unchanged_feed_answers_304(feeds: FeedServer, client: httpx.AsyncClient) -> None:
    hits = feeds.hits(ARTICLES)
    first = await fetch(client, feeds.url + ARTICLES)
    second = await fetch(
        client, feeds.url + ARTICLES, etag=first.etag, last_modified=first.last_modified
    )
    assert second == FetchResult(
        not_modified=True,
        body=b"",
        etag=first.etag,
        last_modified=first.last_modified,
        final_url=first.final_url,
        status=304,
    )
    headers = feeds.last_headers(ARTICLES)
    assert headers["if-none-match"] == first.etag
    assert headers["if-modified-since"] == first.last_modified
    assert feeds.hits(ARTICLES) == hits + 2


async def test_if_modified_since_alone_is_enough(
    feeds: FeedServer, client: httpx.AsyncClient
) -> None:
    first = await fetch(client, feeds.url + ARTICLES)
    second = await fetch(client, feeds.url + ARTICLES, last_modified=first.last_modified)
    assert second.not_modified


async def test_a_new_article_is_fetched_again(feeds: FeedServer, client: httpx.AsyncClient) -> None:
    articles = (FEEDS_DIR / "trilport-actualites.rss").read_bytes()
    feeds.put("changeant.rss", articles)
    first = await fetch(client, feeds.url + "/changeant.rss")
    feeds.put("changeant.rss", articles.replace(b"<item>", b"<item>\n", 1))
    second = await fetch(
        client, feeds.url + "/changeant.rss", etag=first.etag, last_modified=first.last_modified
    )
    assert second.status == 200 and second.body != first.body
    assert second.etag != first.etag and second.last_modified != first.last_modified


async def test_many_unchanged_feeds_answer_304(
    feeds: FeedServer, client: httpx.AsyncClient
) -> None:
    hits = feeds.hits("/feeds/7.rss")
    urls = [f"{feeds.url}/feeds/{i}.rss" for i in range(50)]
    firsts = await asyncio.gather(*(fetch(client, url) for url in urls))
    assert len({result.body for result in firsts}) == 50
    seconds = await asyncio.gather(
        *(fetch(client, url, etag=first.etag) for url, first in zip(urls, firsts, strict=True))
    )
    assert all(result.not_modified for result in seconds)
    assert feeds.hits("/feeds/7.rss") == hits + 2


async def test_gzip_bodies_are_decoded(feeds: FeedServer, client: httpx.AsyncClient) -> None:
    result = await fetch(client, feeds.url + "/gzip" + ARTICLES)
    assert result.body == (FEEDS_DIR / "trilport-actualites.rss").read_bytes()


async def test_a_gzip_bomb_is_cut_at_the_decoded_size(
    feeds: FeedServer, client: httpx.AsyncClient
) -> None:
    with pytest.raises(FetchError, match=r"^flux trop volumineux \(plus de 1 Mo\)$"):
        await fetch(client, feeds.url + "/bomb", max_bytes=MB)


async def test_a_huge_body_is_cut_short(feeds: FeedServer, client: httpx.AsyncClient) -> None:
    with pytest.raises(FetchError, match=r"^flux trop volumineux \(plus de 5 Mo\)$"):
        await fetch(client, feeds.url + "/huge")
    assert feeds.huge_finished.wait(timeout=10)
    # What the client read plus what socket buffers held: far from the 50 MB on offer.
    assert feeds.huge_sent < HUGE_SIZE * 2 // 5


async def test_a_declared_huge_length_is_refused_before_reading(
    feeds: FeedServer, client: httpx.AsyncClient
) -> None:
    with pytest.raises(FetchError, match="flux trop volumineux"):
        await fetch(client, feeds.url + "/huge?declared=1", max_bytes=HUGE_SIZE - 1)
    assert feeds.huge_finished.wait(timeout=10)
    assert feeds.huge_sent < HUGE_SIZE // 5


@pytest.mark.parametrize("path", ["/hang", "/trickle"])
async def test_the_deadline_bounds_a_silent_or_trickling_server(
    feeds: FeedServer, client: httpx.AsyncClient, path: str
) -> None:
    started = time.monotonic()
    # The outer timeout only keeps a broken deadline from hanging the test run.
    async with asyncio.timeout(8):
        with pytest.raises(FetchError, match=LATE):
            await fetch(client, feeds.url + path, deadline=0.5)
    # The read timeout (10 s) never fires on /trickle: only the deadline ends it.
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("code", [400, 403, 404, 410, 500, 503])
async def test_error_statuses(feeds: FeedServer, client: httpx.AsyncClient, code: int) -> None:
    with pytest.raises(FetchError, match=rf"^le serveur a répondu {code}$"):
        await fetch(client, f"{feeds.url}/status/{code}")


async def test_a_missing_file_is_a_404(feeds: FeedServer, client: httpx.AsyncClient) -> None:
    with pytest.raises(FetchError, match=r"^le serveur a répondu 404$"):
        await fetch(client, feeds.url + "/disparu.rss")


async def test_up_to_three_redirects_are_followed(
    feeds: FeedServer, client: httpx.AsyncClient
) -> None:
    result = await fetch(client, feeds.url + "/redirect/3")
    assert result.status == 200 and result.final_url == feeds.url + "/redirect/0"


@pytest.mark.parametrize("path", ["/redirect/4", "/loop"])
async def test_too_many_redirects(feeds: FeedServer, client: httpx.AsyncClient, path: str) -> None:
    with pytest.raises(FetchError, match=r"^trop de redirections \(plus de 3\)$") as caught:
        await fetch(client, feeds.url + path)
    assert isinstance(caught.value.__cause__, httpx.TooManyRedirects)


@pytest.mark.parametrize("target", ["file:///etc/passwd", "ftp://ftp.example/flux.rss"])
async def test_a_redirect_out_of_http_is_refused(
    feeds: FeedServer, client: httpx.AsyncClient, target: str
) -> None:
    with pytest.raises(FetchError, match="redirection vers une adresse non prise en charge"):
        await fetch(client, f"{feeds.url}/redirect-to?url={target}")


async def test_connection_refused(client: httpx.AsyncClient) -> None:
    with pytest.raises(FetchError, match=r"^connexion refusée par 127\.0\.0\.1$") as caught:
        await fetch(client, closed_port_url() + "/flux.rss")
    assert isinstance(caught.value.__cause__, httpx.ConnectError)


async def test_unknown_domain(client: httpx.AsyncClient) -> None:
    # .invalid never resolves (RFC 2606): the resolver answers at once, online or not.
    with pytest.raises(FetchError, match=r"^nom de domaine introuvable : mairie\.invalid$"):
        await fetch(client, "http://mairie.invalid/flux.rss", deadline=10)


@pytest.mark.parametrize(
    "url",
    ["ftp://ftp.example/flux.rss", "file:///etc/passwd", "javascript:alert(1)", "flux.rss", ""],
)
async def test_only_web_addresses_are_fetched(client: httpx.AsyncClient, url: str) -> None:
    with pytest.raises(FetchError, match=r"^adresse non prise en charge"):
        await fetch(client, url)


# --- public addresses only -----------------------------------------------------------------

REFUSED = "adresse refusée : {} (seuls les flux publics sont lus)"
PRIVATE = "est une adresse de cette machine ou d'un réseau privé"


def port_of(url: str) -> int:
    return httpx.URL(url).port or 80


@pytest.mark.parametrize(
    ("host", "reason"),
    [
        ("127.0.0.1", f"127.0.0.1 {PRIVATE}"),
        ("localhost", f"localhost mène à (127.0.0.1|::1), qui {PRIVATE}"),
        ("127.1", f"127.1 mène à 127.0.0.1, qui {PRIVATE}"),
        ("[::1]", f"::1 {PRIVATE}"),
    ],
)
async def test_this_machine_is_refused_without_connecting(
    feeds: FeedServer, host: str, reason: str
) -> None:
    hits = feeds.hits(ARTICLES)
    async with make_http_client() as strict:
        with pytest.raises(FetchError) as caught:
            await fetch(strict, f"http://{host}:{port_of(feeds.url)}{ARTICLES}")
    assert re.fullmatch(re.escape(REFUSED).replace(r"\{\}", reason), str(caught.value))
    assert feeds.hits(ARTICLES) == hits  # refused before connecting


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "127.1"])
async def test_this_machine_is_reached_when_allowed(feeds: FeedServer, host: str) -> None:
    async with make_http_client(allow_local=True) as lenient:
        result = await fetch(lenient, f"http://{host}:{port_of(feeds.url)}{ARTICLES}")
    assert result.status == 200


@contextlib.asynccontextmanager
async def redirecting_server(host: str, location: str) -> AsyncIterator[str]:
    """A bare HTTP server on HOST answering every request with a redirect to LOCATION."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(
            f"HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\n"
            "Connection: close\r\n\r\n".encode()
        )
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, host, 0)
    async with server:
        yield f"http://{host}:{server.sockets[0].getsockname()[1]}"


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ("{feeds}" + ARTICLES, f"127.0.0.1 {PRIVATE}"),
        ("http://localhost:{port}" + ARTICLES, f"localhost mène à (127.0.0.1|::1), qui {PRIVATE}"),
        ("http://[::1]:{port}/", f"::1 {PRIVATE}"),
    ],
)
async def test_a_redirect_to_this_machine_is_refused(
    feeds: FeedServer, target: str, reason: str
) -> None:
    """The town's server (here 127.0.0.2, taken as public) redirects to this machine."""
    location = target.format(feeds=feeds.url, port=port_of(feeds.url))
    town_server = ipaddress.ip_address("127.0.0.2")
    hits = feeds.hits(ARTICLES)
    async with (
        redirecting_server(str(town_server), location) as town,
        http_client(lambda ip: ip == town_server) as client,
    ):
        with pytest.raises(FetchError) as caught:
            await fetch(client, town + "/flux.rss")
    assert re.fullmatch(re.escape(REFUSED).replace(r"\{\}", reason), str(caught.value))
    assert feeds.hits(ARTICLES) == hits


class RecordingBackend(httpcore.AsyncNetworkBackend):
    """Records where it is asked to connect; connects nowhere."""

    def __init__(self) -> None:
        self.hosts: list[str] = []

    async def connect_tcp(self, host: str, port: int, *args: object) -> httpcore.AsyncNetworkStream:
        self.hosts.append(host)
        raise httpcore.ConnectError("not connecting in this test")

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


async def test_the_connection_goes_to_the_address_checked_not_to_the_name() -> None:
    """The name is resolved once, by the check: a second resolution, which a DNS server
    could answer differently (DNS rebinding), never happens."""
    inner = RecordingBackend()
    checked: list[str] = []

    def allowed(ip: IPAddress) -> bool:
        checked.append(str(ip))
        return True

    backend = GuardedBackend(allowed, inner)
    with pytest.raises(httpcore.ConnectError):
        await backend.connect_tcp("localhost", 80)
    assert inner.hosts and set(inner.hosts) <= {"127.0.0.1", "::1"}
    assert inner.hosts == checked  # each address checked, then tried, in order


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.215.14", True),
        ("2001:4860:4860::8888", True),
        ("2002:5db8:d70e::", True),  # 6to4 of a public address
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),  # cloud metadata services
        ("100.64.0.1", False),  # carriers' NAT
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("::1", False),
        ("fe80::1", False),
        ("fd00::1", False),
        ("fec0::1", False),  # site-local: ipaddress calls it neither private nor reserved
        ("::ffff:127.0.0.1", False),
        ("2002:7f00:1::", False),  # 6to4 of 127.0.0.1
        ("64:ff9b::a00:1", False),  # NAT64 of 10.0.0.1
        ("ff02::1", False),
    ],
)
def test_public_addresses(address: str, public: bool) -> None:
    assert is_public_ip(ipaddress.ip_address(address)) is public


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("http://localhost:8080/flux.rss", True),
        ("http://LOCALHOST./flux.rss", True),
        ("http://127.1/flux.rss", True),
        ("http://2130706433/flux.rss", True),
        ("http://[::1]/flux.rss", True),
        ("http://[2002:7f00:1::]/flux.rss", True),
        ("https://10.0.0.8/agenda.ics", True),
        ("https://mairie.local/flux.rss", True),
        ("https://www.trilport.fr/feed/", False),
        ("https://93.184.215.14/feed/", False),
    ],
)
def test_local_urls_are_known_without_the_dns(url: str, local: bool) -> None:
    assert is_local_url(url) is local


PROXY_VARIABLES = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
)


async def test_the_proxies_of_the_environment_are_not_used(
    feeds: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through a proxy the address finally reached could not be checked: the feed client
    connects by itself whatever the environment says (here, a proxy where nothing listens)."""
    proxy = closed_port_url()
    for name in PROXY_VARIABLES:
        monkeypatch.setenv(name, proxy)
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    async with make_http_client(allow_local=True) as client:
        result = await fetch(client, feeds.url + ARTICLES)
    assert (result.status, result.body) == (200, (FEEDS_DIR / ARTICLES[1:]).read_bytes())
