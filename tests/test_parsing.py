"""Parsing in child processes: same result as in this process, stopped past its time or its
memory, no process left behind, the event loop free meanwhile."""

from __future__ import annotations

import asyncio
import importlib.util
import multiprocessing
import signal
import time
from datetime import UTC, datetime
from types import ModuleType
from typing import TypeVar

import pytest

from notifications.errors import FetchError
from notifications.parsing import (
    MIB,
    ParseJob,
    ParseLimits,
    Parser,
    died,
    main_imports,
    parse_job,
    run_child,
)
from notifications.records import ParsedFeed, SourceConfig
from tests.fakes.feed_server import FEEDS_DIR, long_feed

T = TypeVar("T")
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
NEWS = SourceConfig("site", "rss", "https://trilport.example/feed/", "actualites")
COUNCIL = SourceConfig("conseil", "council", "https://trilport.example/conseil.ics", "conseil")
# One article whose text is 4 MB of words: reading it takes well over 150 MB.
HEAVY = (
    b'<rss version="2.0"><channel><title>Lourd</title><item><title>T</title><description>'
    + b"mot " * 1_000_000
    + b"</description></item></channel></rss>"
)


def job(config: SourceConfig, body: bytes, max_items: int = 50) -> ParseJob:
    return ParseJob(config.kind, body, config, NOW, max_items)


def parse_children() -> list[str]:
    return [p.name for p in multiprocessing.active_children() if p.name.startswith("arobase-")]


def facts(feed: ParsedFeed) -> list[dict[str, object]]:
    return [item.facts for item in feed.items]  # not part of ParsedItem's equality


@pytest.mark.parametrize(
    ("config", "file"),
    [(NEWS, "trilport-actualites.rss"), (COUNCIL, "conseil-municipal.ics")],
)
async def test_a_child_reads_a_feed_as_this_process_does(config: SourceConfig, file: str) -> None:
    work = job(config, (FEEDS_DIR / file).read_bytes())
    feed = await Parser().parse(work)
    here = parse_job(work)
    assert feed == here and facts(feed) == facts(here)
    assert len(feed.items) >= 3
    assert parse_children() == []


async def longest_pause(work: asyncio.Task[T]) -> float:
    """The longest the event loop went without waking a 10 ms ticker while WORK ran: what a
    channel's sends would have waited."""
    longest = 0.0
    while not work.done():
        before = time.monotonic()
        await asyncio.sleep(0.01)
        longest = max(longest, time.monotonic() - before)
    return longest


async def test_a_parse_past_its_time_is_stopped_and_leaves_no_process() -> None:
    started = time.monotonic()
    # 18,000 articles take seconds to read: far more than 0.3 s.
    parsing = asyncio.create_task(run_child(job(NEWS, long_feed(18_000)), ParseLimits(0.3)))
    pause = await longest_pause(parsing)
    assert await parsing == "flux trop long à lire (plus de 0,3 s de calcul)"
    assert time.monotonic() - started < 5
    assert pause < 1, f"the event loop was held {pause:.2f} s"  # parsing takes seconds
    assert parse_children() == []


async def test_a_parse_past_its_memory_is_stopped() -> None:
    heavy = job(NEWS, HEAVY)
    outcome = await run_child(heavy, ParseLimits(memory=150 * MIB))
    assert outcome == "flux trop lourd à lire (plus de 150 Mo de mémoire)"
    feed = await run_child(heavy, ParseLimits())  # within the usual 512 MB
    assert isinstance(feed, ParsedFeed) and len(feed.items) == 1


async def test_errors_of_the_child_come_back_as_fetch_errors() -> None:
    parser = Parser()
    with pytest.raises(FetchError, match=r"^flux illisible : ni titre ni article"):
        await parser.parse(job(NEWS, b"<html><body>Bienvenue</body></html>"))
    unknown = ParseJob("podcast", b"", NEWS, NOW)
    with pytest.raises(FetchError, match=r"^type de source inconnu « podcast » : rss, youtube"):
        await parser.parse(unknown)


@pytest.mark.parametrize(
    ("exitcode", "reason"),
    [
        (-signal.SIGXCPU, "flux trop long à lire (plus de 20 s de calcul)"),
        (-signal.SIGKILL, "la lecture du flux s'est arrêtée net (code -9)"),
        (1, "la lecture du flux s'est arrêtée net (code 1)"),
    ],
)
def test_a_child_that_ends_without_answering_says_why(exitcode: int, reason: str) -> None:
    assert died(exitcode, ParseLimits()) == reason


def test_the_fork_server_preloads_what_the_main_program_imported() -> None:
    """A child sets up the parent's main program again: with these already imported, that
    costs a millisecond instead of importing the whole CLI for each parse."""
    script = ModuleType("__main__")  # like .venv/bin/arobase
    exec("import re, sys\nfrom notifications.errors import FetchError as main", vars(script))
    assert main_imports(script) == ["notifications.errors", "re", "sys"]
    module = ModuleType("__main__")  # like `python -m bench.hub_bench`
    module.__spec__ = importlib.util.find_spec("tests.fakes.feed_server")
    assert main_imports(module) == ["tests.fakes.feed_server"]
