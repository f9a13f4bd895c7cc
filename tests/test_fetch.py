"""fetch() against the fake feed server on loopback: validators, size cap, deadline, errors."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from notifications.errors import FetchError
from notifications.fetch import USER_AGENT, FetchResult, fetch, make_http_client
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
    async with make_http_client() as http:
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
